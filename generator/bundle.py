"""xgen's modules loaded from one bytecode file, not from one `.pyc` file each.

`xgen lint` starts a Python process on every commit, and a lint of one policy imports
some fifty of xgen's modules: finding and reading each one's `.pyc` took 6.5 ms of a 35
ms run, more than linting. The bundle holds, for each module a run imported, the
bytecode Python itself compiled (its `.pyc` without the header) and its source file's
mtime and size. A module is served from it only while its source is that file, as
Python checks a `.pyc` (stricter: to the nanosecond); else it is imported as usual. A run
that imported a module the bundle lacks or holds stale rewrites it, from the `.pyc` files
Python wrote and only those that are current.

It lives beside those `.pyc` files, in the package's `__pycache__` (or under
PYTHONPYCACHEPREFIX): what can write there can already change what Python runs, and no
other folder, the cache folder CI jobs share included, is trusted with code. Even so it
is read only from a regular file owned by the current user (or root) that neither group
nor others may write, as python-hcl2's pickled parser is (`lint/sources/hclparser`).
Nothing is written where Python writes no bytecode (PYTHONDONTWRITEBYTECODE, a read-only
install).
Nothing in it is needed: deleted, the next run imports as usual and writes it again.
"""

import marshal
import os
import sys

from .safe_read import trusted

try:  # CPython's import system, already loaded: importlib.machinery would cost 0.7 ms
    from _frozen_importlib import ModuleSpec
    from _frozen_importlib_external import MAGIC_NUMBER
except ImportError:  # another Python
    from importlib.machinery import ModuleSpec
    from importlib.util import MAGIC_NUMBER

PACKAGE = __name__.partition(".")[0]
VERSION = 1  # of the bundle's layout
HEADER = 16  # a .pyc's: magic, flags, source mtime, source size (PEP 552)

# name -> (source file, its st_mtime_ns, its st_size, is a package, marshalled code)
Entry = tuple[str, int, int, bool, bytes]


class Bundle:
    """A meta path finder and loader of the modules in a bundle whose sources are current."""

    def __init__(self, modules: dict[str, Entry]) -> None:
        self.modules = modules
        self.served: set[str] = set()
        self.before = set(sys.modules)  # imported before the bundle could serve them

    def find_spec(self, name: str, path: object = None, target: object = None) -> object:
        entry = self.modules.get(name)
        if entry is None:
            return None
        source, mtime, size, package, _ = entry
        try:
            status = os.stat(source)
        except OSError:
            return None
        if status.st_mtime_ns != mtime or status.st_size != size:
            return None  # edited since: imported as usual, and the bundle rewritten
        spec = ModuleSpec(name, self, origin=source, is_package=package)
        if package:
            spec.submodule_search_locations = [os.path.dirname(source)]
        spec.has_location = True  # __file__ is the source, as for any imported module
        return spec

    def create_module(self, spec: object) -> None:
        return None

    def exec_module(self, module: object) -> None:
        name = module.__name__  # type: ignore[attr-defined]
        code = marshal.loads(self.modules[name][4])
        self.served.add(name)
        exec(code, module.__dict__)  # the bytecode Python compiled for this source


def location() -> str | None:
    """Where the bundle is: beside the package's own `.pyc` files; None if Python has none."""
    cached = sys.modules[PACKAGE].__spec__.cached
    if not cached:
        return None
    tag = sys.implementation.cache_tag
    level = f".opt-{sys.flags.optimize}" if sys.flags.optimize else ""  # as the .pyc's name
    return os.path.join(os.path.dirname(cached), f"xgen-bundle.{tag}{level}.marshal")


def install() -> Bundle:
    """Serve xgen's modules from the bundle, where there is one for this Python."""
    path = location()
    modules: object = {}
    if path is not None:
        try:
            handle = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
            with os.fdopen(handle, "rb") as file:
                if not trusted(os.fstat(file.fileno())):
                    raise ValueError("writable by others")
                version, magic, modules = marshal.loads(file.read())
        except (OSError, EOFError, ValueError, TypeError):
            modules = {}  # none yet, or unreadable: imported as usual and written again
        else:
            if version != VERSION or magic != MAGIC_NUMBER or not isinstance(modules, dict):
                modules = {}
    bundle = Bundle(modules)  # type: ignore[arg-type]
    sys.meta_path.insert(0, bundle)
    return bundle


def update(bundle: Bundle) -> None:
    """Rewrite the bundle if this run imported any of xgen's modules past it (at the end of
    a run: what it imported is then known). Never raises: the bundle is only a speed-up."""
    imported = {n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")}
    missed = imported - bundle.served - bundle.before
    path = location()
    if not missed or path is None or sys.dont_write_bytecode:
        return
    modules = {n: e for n, e in bundle.modules.items() if os.path.exists(e[0])}
    for name in missed:
        entry = _entry(sys.modules[name])
        if entry is None:
            modules.pop(name, None)
        else:
            modules[name] = entry
    if modules == bundle.modules:
        return  # what it missed has no current .pyc either
    try:
        from .lint.cachedir import write_atomic

        mode = os.stat(sys.modules[PACKAGE].__file__).st_mode & 0o666  # as Python's .pyc
        write_atomic(path, marshal.dumps((VERSION, MAGIC_NUMBER, modules)), mode)
    except (OSError, ValueError):
        pass  # a read-only install, a full disk: the next run imports as usual


def _entry(module: object) -> Entry | None:
    """A module's bytecode from its `.pyc`, if that was compiled from its source as it is."""
    spec = getattr(module, "__spec__", None)
    source, cached = getattr(spec, "origin", None), getattr(spec, "cached", None)
    if not source or not cached or not source.endswith(".py"):
        return None
    try:
        status = os.stat(source)
        with open(cached, "rb") as file:
            data = file.read()
    except OSError:
        return None
    header = (
        MAGIC_NUMBER
        + bytes(4)  # flags 0: validated by the source's timestamp and size
        + (int(status.st_mtime) & 0xFFFFFFFF).to_bytes(4, "little")
        + (status.st_size & 0xFFFFFFFF).to_bytes(4, "little")
    )
    if data[:HEADER] != header:
        return None  # stale, hash-based or of another Python: Python recompiles it
    package = os.path.basename(source) == "__init__.py"
    return source, status.st_mtime_ns, status.st_size, package, data[HEADER:]
