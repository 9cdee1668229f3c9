"""The rule modules; importing `ALL` registers every rule (see `registry.load_rules`)."""

from __future__ import annotations

from . import (
    artifact,
    consistency,
    delegation,
    escalation,
    grammar,
    kms,
    principals,
    privilege,
    reference,
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
    escalation,
    grammar,
    kms,
    principals,
    privilege,
    reference,
    registry,
    structure,
    suppression,
    text,
    trust,
)
