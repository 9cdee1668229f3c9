"""python-hcl2's Lark parser, built once and kept pickled beside this module's bytecode.

python-hcl2 8 builds its parser through Lark's own cache, which re-creates the LALR tables
from a serialised form on every run: about 45 ms, as much as parsing twenty `.tf` files.
The pickled parser loads in 10 ms.

Loading a pickle runs whatever code the pickle names, so where it is kept decides who can
make lint run code. Not the user cache folder (`~/.cache/xgen`, `XGEN_CACHE_DIR`), where
it used to be: CI systems restore that folder from caches other jobs wrote, a pull
request's among them, and a pickle replaced there ran on the next lint. It is kept in
this package's `__pycache__` folder, beside the bytecode Python loads and runs from
there: whoever can write there can already change what xgen runs. Even so it is loaded
only from a regular file owned by the current user (or root) that neither group nor
others may write, and used only if it is a `lark.Lark`; anything else (missing,
truncated, of another version, not a parser) is replaced by a freshly built parser, so a
bad file never stops lint. It is written only where Python may write bytecode (not under
PYTHONDONTWRITEBYTECODE, not in a read-only install); there python-hcl2 builds the
parser on each run (+35 ms; about 1 s more when its own Lark cache is missing too).

Rejected: a data-only cache (Lark's own cache is a pickle too, and rebuilding the tables
from data is the 45 ms), and a digest of the pickle kept beside it (whoever can replace
the pickle can replace the digest).

The file name carries the size and modification time of python-hcl2's and lark's files
and Python's version, so an upgrade of either builds a new one.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import io
import os
import pickle
import sys
import types
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from ...safe_read import trusted
from ..cachedir import write_atomic

FORMAT = 2
KEY_FILES = (
    ("hcl2", ("version.py", "parser.py", "postlexer.py", "hcl2.lark")),
    ("lark", ("__init__.py", "lark.py", "parsers/lalr_analysis.py")),
)


def folder() -> Path:
    """Where the pickle is kept: this package's `__pycache__`, as trusted as the code."""
    return Path(__file__).resolve().parent / "__pycache__"


def _key() -> str:
    parts = [str(FORMAT), sys.version]
    for package, names in KEY_FILES:
        spec = find_spec(package)
        location = os.path.dirname(spec.origin) if spec and spec.origin else ""
        for name in names:
            with contextlib.suppress(OSError):
                info = os.stat(os.path.join(location, name))
                parts.append(f"{package}/{name}:{info.st_size}:{info.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


class _Pickler(pickle.Pickler):
    """Modules by name, and Lark's Shift/Reduce as its own objects: the parser compares
    them by identity, so copies would make every action look like a Reduce.
    """

    def reducer_override(self, obj: Any) -> Any:
        from lark.parsers import lalr_analysis

        if isinstance(obj, types.ModuleType):
            return importlib.import_module, (obj.__name__,)
        if isinstance(obj, lalr_analysis.Action):
            return getattr, (lalr_analysis, str(obj))
        return NotImplemented


def _load(path: Path) -> Any:
    """The parser pickled at `path`, or None when it is missing, untrusted or not one."""
    from lark import Lark

    try:
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    with os.fdopen(handle, "rb") as file:
        if not trusted(os.fstat(file.fileno())):
            return None
        try:
            loaded = pickle.load(file)
        except Exception:  # truncated, or pickled by other code: rebuilt
            return None
    return loaded if isinstance(loaded, Lark) else None


def _store(path: Path, built: Any) -> None:
    """Pickle `built` to `path` where bytecode may be written; nothing where it cannot."""
    if sys.dont_write_bytecode:
        return
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(built)
    with contextlib.suppress(OSError):  # a read-only install still lints, just slower
        write_atomic(path, buffer.getvalue())  # mode 0600: mkstemp's


@lru_cache(maxsize=1)
def parser() -> Any:
    """The Lark parser python-hcl2 parses with (`hcl2.parser.parser()`)."""
    path = folder() / f"hcl2-parser-{_key()}.pickle"
    loaded = _load(path)
    if loaded is not None:
        return loaded
    from hcl2.parser import parser as build

    built = build()
    _store(path, built)
    return built
