"""The audit's own findings: what is wrong live that no policy rule can see.

They sit beside the lint rules' findings in the report, in the same shape, with ids of
their own (XA...) so that scripts can tell a live-state problem from a policy problem.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..lint.findings import Finding, Severity


@dataclass(frozen=True)
class AuditRule:
    id: str
    severity: Severity
    title: str


MISSING = AuditRule("XA001", Severity.ERROR, "a resource of the deployment is not live")
NOT_UNDER_KEY = AuditRule("XA002", Severity.ERROR, "the artifact is not SSE-KMS under the key")
NOT_APPLIED = AuditRule(
    "XA003", Severity.INFO, "no SageMaker model or endpoint of that name (not yet applied)"
)
UNJUDGED = AuditRule("XA004", Severity.WARNING, "a live policy audit cannot read or judge")


def finding(rule: AuditRule, file: str, message: str, fix: str) -> Finding:
    return Finding(message=message, fix=fix, file=file, rule=rule.id, severity=rule.severity)
