"""The evaluator's answer: a decision and the statements that decided it.

Shaped like cedar-py's `AuthzResult` (a `Decision` plus `diagnostics.reasons`), with
AWS's three outcomes: an explicit Deny, an Allow, or the implicit deny of no allow.
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Decision(StrEnum):
    ALLOW = "Allow"
    DENY = "Deny"  # an explicit Deny statement applies
    IMPLICIT_DENY = "ImplicitDeny"  # nothing denies, but no required allow applies


@dataclass(frozen=True)
class Reason:
    """One deciding (or nearly deciding) fact: the file, the statement, what it did."""

    text: str
    path: str | None = None
    statement: str | None = None  # Sid, or Statement[i]

    def __str__(self) -> str:
        where = " ".join(part for part in (self.path, self.statement) if part)
        return f"{where}: {self.text}" if where else self.text


@dataclass(frozen=True)
class Result:
    decision: Decision
    reasons: tuple[Reason, ...]

    @property
    def allowed(self) -> bool:
        return self.decision is Decision.ALLOW
