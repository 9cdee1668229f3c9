"""How the audit is shown: text for people, JSON (a contract) for scripts.

JSON: `{"drift": [...], "findings": [...], "checks": [...]}` as the issue fixes it, plus
`accounts`, `notes` and `summary`; keys may be added, never renamed. Findings have lint's
shape and checks verify's, so one parser serves all three commands.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from ..printable import dumps, text_lines
from .run import AuditReport

LIVE_ROOT = "(live)"  # a counterexample's replay names the live state, not a folder


def summary(report: AuditReport) -> dict[str, int]:
    severities = Counter(f.severity.value for f in report.findings)
    return {
        "accounts": len(report.accounts),
        "drift": len(report.drift),
        "findings": len(report.findings),
        "error": severities["error"],
        "warning": severities["warning"],
        "info": severities["info"],
        "checks": len(report.checks) + len(report.proofs),
        "failed_checks": sum(not c.ok for c in report.checks)
        + sum(not p.ok for p in report.proofs),
    }


def as_json(report: AuditReport) -> str:
    data: dict[str, Any] = {
        "drift": [d.as_json() for d in report.drift],
        "findings": [f.as_json() for f in report.findings],
        # verify's shape: the questions, then one proof per layer (over the live documents)
        "checks": [c.as_json() for c in report.checks]
        + [p.as_json(LIVE_ROOT) for p in report.proofs],
        "accounts": [{"account_id": a, "profile": p} for a, p in report.accounts],
        "notes": list(report.notes),
        "summary": summary(report),
    }
    return dumps(data, indent=2) + "\n"


def text(report: AuditReport) -> str:
    """Drift, findings and failed checks, each with what to do; then one summary line."""
    lines = [f"xgen audit {report.name} (profile {report.profile})"]
    lines += [
        f"  account {account}: {f'profile {profile}' if profile else 'ambient credentials'}"
        for account, profile in report.accounts
    ]
    if report.drift:
        lines.append(f"drift ({len(report.drift)}):")
        for item in report.drift:
            lines.append(f"  {item.message}")
            lines.append(f"    account {item.account}, {item.resource}")
            if item.difference.hint:
                lines.append(f"    hint: {item.difference.hint}")
    if report.findings:
        lines.append(f"findings ({len(report.findings)}):")
        for f in report.findings:
            lines.append(f"  {f.file}:{f.line}:{f.col}: {f.rule} {f.severity.value} {f.message}")
            lines.append(f"    fix: {f.fix}")
    failed = [c for c in report.checks if not c.ok]
    if failed:
        lines.append(f"failed checks ({len(failed)} of {len(report.checks)}):")
        for c in failed:
            q = c.question
            who = ", ".join(part for part in (q.who, q.how) if part)
            expected = "allow" if q.expect_allow else "deny"
            lines.append(
                f"  {q.layer} {q.target}: {who}: {q.request.action} on {q.request.resource}: "
                f"expected {expected}, got {c.result.decision}"
            )
            lines += [f"    {reason}" for reason in c.result.reasons]
    for proof in (p for p in report.proofs if not p.ok):
        where = f"{proof.layer}{' ' + proof.target if proof.target else ''}"
        example = proof.counterexample
        if example is None:
            lines.append(f"  {where}: {proof.resource}: UNDECIDED, {proof.undecided}")
        else:
            lines.append(
                f"  {where}: {proof.resource} allows {example.principal} {example.action} "
                f"on {example.resource}, beyond: {proof.intended}"
            )
            lines += [f"    {statement}: Allow" for statement in example.statements]
    lines += [f"note: {note}" for note in report.notes]
    s = summary(report)
    lines.append(
        f"{s['accounts']} accounts: {s['drift']} drift, {s['findings']} findings "
        f"({s['error']} error, {s['warning']} warning, {s['info']} info), "
        f"{s['checks'] - s['failed_checks']} of {s['checks']} checks ok"
    )
    return text_lines(lines)
