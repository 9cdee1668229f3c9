"""AWS partitions and regions, read from botocore's own `partitions.json`.

botocore is already a dependency (boto3) and AWS updates that file with every new region,
so xgen's idea of "a known region" stays current without importing botocore itself
(which would slow every `xgen` start).
"""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path


@dataclass(frozen=True)
class Partition:
    """An AWS partition: the ARN prefix and the DNS suffix of its service endpoints."""

    id: str
    dns_suffix: str


def _partitions_file() -> Path:
    spec = importlib.util.find_spec("botocore")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("botocore is not installed; reinstall xgen")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "partitions.json"


@cache
def _load() -> list[dict]:
    return json.loads(_partitions_file().read_text(encoding="utf-8"))["partitions"]


def partition_of(region: str) -> Partition | None:
    """The partition that lists `region` by name, or None for an unknown region."""
    for entry in _load():
        if region in entry["regions"]:
            return Partition(entry["id"], entry["outputs"]["dnsSuffix"])
    return None


def known_regions() -> list[str]:
    """Every region botocore knows, sorted, for error messages and the JSON Schema."""
    return sorted(region for entry in _load() for region in entry["regions"])
