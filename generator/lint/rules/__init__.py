"""The rule modules; importing `ALL` registers every rule (see `registry.load_rules`)."""

from __future__ import annotations

from . import (
    artifact,
    consistency,
    delegation,
    grammar,
    kms,
    principals,
    privilege,
    registry,
    structure,
    suppression,
    text,
    trust,
)

ALL = (
    artifact,
    consistency,
    delegation,
    grammar,
    kms,
    principals,
    privilege,
    registry,
    structure,
    suppression,
    text,
    trust,
)
