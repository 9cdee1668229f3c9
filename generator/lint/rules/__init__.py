"""The rule modules; importing `ALL` registers every rule (see `registry.load_rules`)."""

from __future__ import annotations

from . import artifact, consistency, grammar, kms, principals, structure, suppression, trust

ALL = (artifact, consistency, grammar, kms, principals, structure, suppression, trust)
