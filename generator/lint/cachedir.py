"""The folder xgen keeps derived files in (`~/.cache/xgen`, `XGEN_CACHE_DIR`), and how
they are written: atomically, so that a concurrent run reads an old file or the new one,
never half of one. Nothing in it is needed: every file is rebuilt when missing.

Only `os` is imported: the warm path (`memo`) reads from here before anything else loads.
"""

import os

TYPE_CHECKING = False  # `typing` costs milliseconds to import on the warm path
if TYPE_CHECKING:
    from pathlib import Path


def cache_root() -> str:
    """The cache folder, absolute."""
    override = os.environ.get("XGEN_CACHE_DIR")
    if override:
        return os.path.abspath(override)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.abspath(os.path.join(base, "xgen"))


_PACKAGE: list[str] = []  # walked once per process: the cache and the warm path both ask


def package_tree() -> list[str]:
    """xgen's code, which every derived file depends on: the package's folders and `.py`
    files (not `__pycache__`), in a fixed order."""
    if not _PACKAGE:
        package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        for folder, dirs, files in os.walk(package):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            _PACKAGE.append(folder)
            _PACKAGE.extend(os.path.join(folder, n) for n in sorted(files) if n.endswith(".py"))
    return _PACKAGE


def cache_dir() -> "Path":
    from pathlib import Path

    return Path(cache_root())


def write_atomic(path: "str | Path", data: bytes, mode: int = 0o600) -> None:
    """Write `data` to `path` through a temporary file in the same folder; OSError on failure."""
    import tempfile  # only when writing: importing it costs more than reading a cache file

    folder, name = os.path.split(os.fspath(path))
    os.makedirs(folder, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=folder, prefix=f".{name}-")
    try:
        with os.fdopen(handle, "wb") as out:
            if mode != 0o600:  # mkstemp's
                os.fchmod(out.fileno(), mode)
            out.write(data)
        os.replace(temp, path)
    except OSError:
        if os.path.lexists(temp):
            os.unlink(temp)
        raise
