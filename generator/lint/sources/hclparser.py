"""python-hcl2's Lark parser, built once and kept pickled in the xgen cache folder.

python-hcl2 8 builds its parser through Lark's own cache, which still re-creates the
LALR tables from a serialised form on every run: about 50 ms, as much as parsing twenty
`.tf` files. The pickled parser loads in a fifth of that. The file name carries the size
and modification time of python-hcl2's and lark's files and Python's version, so an
upgrade of either builds a new one; a file that does not load falls back to python-hcl2's
own construction. (A pickle runs code when loaded: it is the user's own cache folder,
where Lark itself keeps such caches.)
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
from typing import Any

from ..cachedir import cache_dir, write_atomic

FORMAT = 1
KEY_FILES = (
    ("hcl2", ("version.py", "parser.py", "postlexer.py", "hcl2.lark")),
    ("lark", ("__init__.py", "lark.py", "parsers/lalr_analysis.py")),
)


def _key() -> str:
    parts = [str(FORMAT), sys.version]
    for package, names in KEY_FILES:
        spec = find_spec(package)
        folder = os.path.dirname(spec.origin) if spec and spec.origin else ""
        for name in names:
            with contextlib.suppress(OSError):
                stat = os.stat(os.path.join(folder, name))
                parts.append(f"{package}/{name}:{stat.st_size}:{stat.st_mtime_ns}")
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


@lru_cache(maxsize=1)
def parser() -> Any:
    """The Lark parser python-hcl2 parses with (`hcl2.parser.parser()`)."""
    path = cache_dir() / f"hcl2-parser-{_key()}.pickle"
    # missing, truncated or of other code: rebuild
    with contextlib.suppress(Exception), open(path, "rb") as handle:
        return pickle.load(handle)
    from hcl2.parser import parser as build

    built = build()
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(built)
    with contextlib.suppress(OSError):  # a read-only home still lints, just slower
        write_atomic(path, buffer.getvalue())
    return built
