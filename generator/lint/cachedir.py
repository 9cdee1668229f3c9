"""The folder xgen keeps derived files in (`~/.cache/xgen`, `XGEN_CACHE_DIR`), and how
they are written: atomically, so that a concurrent run reads an old file or the new one,
never half of one. Nothing in it is needed: every file is rebuilt when missing.
"""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    override = os.environ.get("XGEN_CACHE_DIR")
    if override:
        return Path(override)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "xgen"


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file in the same folder; OSError on failure."""
    import tempfile  # only when writing: importing it costs more than reading a cache file

    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temp, path)
    except OSError:
        Path(temp).unlink(missing_ok=True)
        raise
