"""Rules on the execution role's trust policy: SageMaker, from this account only."""

from __future__ import annotations

from collections.abc import Iterator

from ...policy.kinds import Kind
from ...policy.names import SAGEMAKER_SERVICE
from ..context import LintDocument
from ..findings import Finding, Severity
from ..registry import rule
from .facts import is_unknown, narrowing_values, unknown_condition


def _is_execution_role(doc: LintDocument) -> bool:
    """A trust policy known to be a SageMaker execution role's: a rendered target's, or
    one linted with `--spec`. A role that merely trusts SageMaker may serve Lambda or
    Step Functions as well, by design.
    """
    return doc.kind is Kind.TRUST and doc.deployment is not None


def _is_sagemaker_role(doc: LintDocument) -> bool:
    """A trust policy of xgen's deployment, or one that already trusts SageMaker."""
    if doc.kind is not Kind.TRUST:
        return False
    return doc.deployment is not None or any(
        p.type == "Service" and p.value == SAGEMAKER_SERVICE
        for s in doc.policy.statements
        for p in s.principals
    )


@rule("XG031", "trust-not-sagemaker", Severity.WARNING, "Execution role trusts more than SageMaker")
def trust_not_sagemaker(doc: LintDocument) -> Iterator[Finding]:
    """## What it does
    Flags principals other than the `sagemaker.amazonaws.com` service in the trust policy
    of a SageMaker execution role: a rendered target's role, or a trust policy linted
    with `--spec`. Elsewhere a role that trusts SageMaker may serve Lambda or Step
    Functions too, and is not judged.

    ## Why is this bad?
    The role can read the model artifact and decrypt it with another account's key;
    anyone else who may assume it gets that access too.

    ## Example
        {"Principal": {"Service": "sagemaker.amazonaws.com",
                       "AWS": "arn:aws:iam::222222222222:root"}, "Action": "sts:AssumeRole"}

    Use instead:
        {"Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}
    """
    if not _is_execution_role(doc):
        return
    for statement in doc.allows:
        others = [
            p
            for p in statement.principals
            if not (p.type == "Service" and p.value == SAGEMAKER_SERVICE)
            and not is_unknown(p.value)
        ]
        if others:
            shown = sorted(f"{p.type}:{p.value}" for p in others)
            yield doc.finding(
                statement,
                f"{statement.label} lets {', '.join(shown)} assume the SageMaker execution role",
                f"trust only the {SAGEMAKER_SERVICE} service",
                at=("Principal", others[0].value),
            )


@rule(
    "XG032",
    "trust-without-source-account",
    Severity.WARNING,
    "SageMaker trust without aws:SourceAccount",
    hardened=True,
)
def trust_without_source_account(doc: LintDocument) -> Iterator[Finding]:
    """## What it does
    Flags a trust of `sagemaker.amazonaws.com` without an `aws:SourceAccount` or
    `aws:SourceArn` condition. In profile seed this is info. Outside a render or `--spec`,
    only a statement that trusts SageMaker alone: one that also lets Lambda or Step
    Functions in would have the condition apply to them, which may not send it.

    ## Why is this bad?
    Without it, SageMaker acting for any account could be made to assume the role (the
    confused deputy problem). AWS advises not to narrow inference roles to one model or
    endpoint ARN; the account (or `arn:aws:sagemaker:REGION:ACCOUNT:*`) is right.

    ## Example
        {"Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}

    Use instead:
        {"Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole",
         "Condition": {"StringEquals": {"aws:SourceAccount": "222222222222"}}}
    """
    if not _is_sagemaker_role(doc):
        return
    for statement in doc.allows:
        sagemaker = [
            p for p in statement.principals if p.type == "Service" and p.value == SAGEMAKER_SERVICE
        ]
        shared = len(sagemaker) < len(statement.principals) and not _is_execution_role(doc)
        if not sagemaker or shared or unknown_condition(statement):
            continue
        narrowed = [
            v
            for key in ("aws:SourceAccount", "aws:SourceArn")
            for v in narrowing_values(statement, key)
            if v != "*"
        ]
        if not narrowed:
            yield doc.finding(
                statement,
                f"{statement.label} lets SageMaker assume the role on behalf of any account",
                "add Condition StringEquals aws:SourceAccount = this account's id",
                at=("Principal", SAGEMAKER_SERVICE),
            )
