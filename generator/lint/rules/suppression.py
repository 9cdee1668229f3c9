"""Rules on suppressions themselves: every `xgen:ignore` must say which rule and why."""

from __future__ import annotations

from collections.abc import Iterator

from ..findings import Finding, Severity
from ..registry import rule
from ..suppress import Suppression


@rule(
    "XG050",
    "suppression-without-reason",
    Severity.WARNING,
    "Suppression without a reason",
    scope="suppression",
)
def suppression_without_reason(suppression: Suppression) -> Iterator[Finding]:
    """## What it does
    Flags an inline `# xgen:ignore XG020` comment or a config `ignore` entry that gives
    no reason.

    ## Why is this bad?
    A suppression silences a real risk. Without the why, nobody can tell later whether it
    still holds, and reviewers cannot judge it.

    ## Example
        # xgen:ignore XG020

    Use instead:
        # xgen:ignore XG020 the partner account enforces its own role boundary (TICKET-12)
    """
    if not suppression.reason:
        yield Finding(
            message=f"suppression of {', '.join(suppression.rules) or 'nothing'} gives no reason",
            fix="write the reason after the rule id",
            file=suppression.file,
            line=suppression.line,
        )


@rule(
    "XG051",
    "suppression-unknown-rule",
    Severity.WARNING,
    "Suppression of no known rule",
    scope="suppression",
)
def suppression_unknown_rule(suppression: Suppression) -> Iterator[Finding]:
    """## What it does
    Flags a suppression that names no rule, or a rule id that does not exist.

    ## Why is this bad?
    A mistyped id suppresses nothing, so the finding it was meant for still fails the
    build, or the comment hides nothing while looking like it does.

    ## Example
        # xgen:ignore XG20 legacy bucket

    Use instead:
        # xgen:ignore XG020 legacy bucket, removed with TICKET-9
    """
    from ..registry import load_rules

    known = load_rules()
    unknown = [r for r in suppression.rules if r not in known]
    if unknown or not suppression.rules:
        yield Finding(
            message=f"suppression names no known rule ({', '.join(unknown) or 'none given'})",
            fix="name rules by id, e.g. `xgen:ignore XG020 reason` (see `xgen rules`)",
            file=suppression.file,
            line=suppression.line,
        )
