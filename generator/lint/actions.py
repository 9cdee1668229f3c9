"""Known IAM actions, from policyuniverse's data, as a compact index cached on disk.

policyuniverse ships an 8 MB JSON of every service; parsing it costs more than the rest of
a lint run. The index (one line per service prefix: `prefix Action Action ...`) is built
once, written under the user cache folder, keyed by the data file's size and mtime, so a
policyuniverse upgrade rebuilds it. Override the folder with `XGEN_CACHE_DIR`.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator, Mapping
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path

from ..safe_read import MIB, Unreadable, read_limited
from .cachedir import cache_dir, write_atomic

INDEX_FORMAT = 1


def _data_file() -> Path:
    spec = find_spec("policyuniverse")
    if spec is None or spec.origin is None:
        raise RuntimeError("policyuniverse is not installed")
    return Path(spec.origin).parent / "data.json"


def _build(data: Path) -> str:
    services = json.loads(data.read_bytes())
    merged: dict[str, set[str]] = {}
    for service in services.values():
        merged.setdefault(service["prefix"].lower(), set()).update(service.get("actions", {}))
    return "".join(
        f"{prefix} {' '.join(sorted(names))}\n" for prefix, names in sorted(merged.items())
    )


def _index_text() -> str:
    data = _data_file()
    stat = data.stat()
    path = cache_dir() / f"actions-v{INDEX_FORMAT}-{stat.st_size}-{int(stat.st_mtime)}.txt"
    try:  # as inputs are read: CI restores this folder from caches others wrote
        return read_limited(path, 64 * MIB).decode("utf-8")
    except (Unreadable, UnicodeDecodeError):
        pass
    text = _build(data)
    with contextlib.suppress(OSError):  # a read-only home still lints, just slower
        write_atomic(path, text.encode("utf-8"))
    return text


class ActionIndex(Mapping[str, tuple[str, ...]]):
    """Service prefix (lower case) -> its action names (AWS's spelling).

    A service's names are split out of its line when first asked for: a policy names a
    few services, and splitting all 15,000 names cost more than linting 100 policies.
    """

    def __init__(self, text: str) -> None:
        self._lines = dict(line.partition(" ")[::2] for line in text.splitlines())
        self._names: dict[str, tuple[str, ...]] = {}

    def __getitem__(self, prefix: str) -> tuple[str, ...]:
        if prefix not in self._names:
            self._names[prefix] = tuple(self._lines[prefix].split())
        return self._names[prefix]

    def __iter__(self) -> Iterator[str]:
        return iter(self._lines)

    def __len__(self) -> int:
        return len(self._lines)


@lru_cache(maxsize=1)
def action_index() -> ActionIndex:
    """The known actions of every service, by service prefix (lower case)."""
    return ActionIndex(_index_text())


def _pattern(glob: str) -> re.Pattern[str]:
    """IAM action wildcards: `*` any run, `?` one character; case-insensitive."""
    return re.compile(
        "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in glob), re.I
    )


@lru_cache(maxsize=8192)
def expand(action: str) -> tuple[str, ...] | None:
    """The known actions an `Action` entry matches; None when its service is unknown."""
    prefix, _, name = action.partition(":")
    names = action_index().get(prefix.lower())
    if names is None:
        return None
    if "*" not in name and "?" not in name:
        return tuple(n for n in names if n.lower() == name.lower())
    pattern = _pattern(name)
    return tuple(n for n in names if pattern.fullmatch(n))
