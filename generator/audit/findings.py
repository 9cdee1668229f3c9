"""The audit's own findings: what is wrong live that no policy rule can see.

They sit beside the lint rules' findings in the report, in the same shape, with ids of
their own (XA...) so that scripts can tell a live-state problem from a policy problem.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..lint.findings import Finding, Severity


@dataclass(frozen=True)
class AuditRule:
    """An audit finding's id, severity and title, and why it matters (`xgen explain`)."""

    id: str
    severity: Severity
    title: str
    why: str


MISSING = AuditRule(
    "XA001",
    Severity.ERROR,
    "A resource of the deployment is not live",
    "The bucket, key, repository, artifact or execution role a render refers to does not "
    "exist in its account: the root module was not applied there, or the resource was "
    "deleted since. Nothing can read the model until it exists. Fix: run `terraform apply` "
    "in the account's folder of the render (or train the model again for the artifact).",
)
NOT_UNDER_KEY = AuditRule(
    "XA002",
    Severity.ERROR,
    "The artifact is SSE-KMS under another key than the spec's",
    "The model.tar.gz is encrypted with the AWS managed aws/s3 key or with another customer "
    "managed key. No other account can ever use aws/s3 (its policy cannot be changed), and "
    "the key policy the render applies grants the spec's key only, so the endpoint fails to "
    "load the model. Fix: `xgen reencrypt s3://BUCKET/KEY --kms-key KEY_ARN` (the finding "
    "gives the command).",
)
SSE_S3 = AuditRule(
    "XA005",
    Severity.WARNING,
    "The artifact is SSE-S3, not under the spec's key",
    "The model.tar.gz is encrypted with S3 managed keys (SSE-S3, AES256). Other accounts can "
    "read it with the bucket policy and their IAM policies alone, so the endpoint works, "
    "but the key the spec names does not protect the model: whoever the bucket policy "
    "lets in reads it, and the key's policy and logs play no part. Fix: `xgen reencrypt "
    "s3://BUCKET/KEY --kms-key KEY_ARN` (the finding gives the command).",
)
NOT_APPLIED = AuditRule(
    "XA003",
    Severity.INFO,
    "No SageMaker model or endpoint of that name yet",
    "The target's model or endpoint is not there yet: its root module was not applied, or "
    "not since the model changed (the model's name carries a digest of what it is). Not a "
    "failure on its own; it says the serving side is not deployed. Fix: `terraform apply` "
    "in the target's folder.",
)
UNJUDGED = AuditRule(
    "XA004",
    Severity.WARNING,
    "A live policy the audit cannot read or judge",
    "A live policy uses a condition operator the offline evaluator does not model (Date*, "
    "IpAddress, ...) or is not a policy xgen can parse. The checks that depend on it are "
    "skipped rather than guessed, so the audit cannot vouch for that access path. Fix: "
    "review the statement by hand, or remove the condition if the render did not have it.",
)
CONTENT_CHANGED = AuditRule(
    "XA006",
    Severity.ERROR,
    "The live artifact is not the content its version pins",
    "The spec pins a version's artifact to an S3 VersionId or ETag, and the object at that "
    "key now has another: it was re-uploaded or overwritten. SageMaker downloads the "
    "object's current content whenever an instance starts (scale-out, replacement, "
    "rollback), so an endpoint would serve two models at once, and Terraform sees no "
    "change. Fix: upload a retrained model to a key of its own and name it as a new "
    "version under `models`; if the new content is meant, update the pin, render and apply "
    "(the model's name follows the pin, so the endpoint is updated onto it).",
)
NOT_APPROVED = AuditRule(
    "XA007",
    Severity.WARNING,
    "A target deploys a Model Registry version that is not Approved",
    "The version of the model package group a target serves has the ModelApprovalStatus "
    "PendingManualApproval or Rejected. The registry's approval is how a team says a "
    "version may serve; an endpoint that deploys one without it bypasses that review. Fix: "
    "approve the version in the source account (`aws sagemaker update-model-package "
    "--model-approval-status Approved`), or serve an approved version.",
)
NOT_KEPT = AuditRule(
    "XA008",
    Severity.WARNING,
    "A live statement the spec does not keep: the next apply deletes it",
    "The bucket, key or ECR repository policy in the source account holds a statement that "
    "the render neither writes nor keeps. aws_s3_bucket_policy, aws_kms_key_policy and "
    "aws_ecr_repository_policy replace the whole policy, so `terraform apply` deletes it: a "
    "log-delivery or replication grant, or the key statement that lets the training role "
    "encrypt its output, is gone and what relied on it breaks. Reported before the first "
    "apply and after it alike (once applied, such a statement was added by hand; it is "
    "reported here, not as drift). Fix: `xgen import SPEC` copies every such statement into "
    "the spec's keep list (source.bucket_policy_statements, source.key_policy_statements, "
    "source.repository_policy_statements), comments kept; or, if it should go, apply.",
)
AUDIT_RULES = {
    rule.id: rule
    for rule in (
        MISSING,
        NOT_UNDER_KEY,
        NOT_APPLIED,
        UNJUDGED,
        SSE_S3,
        CONTENT_CHANGED,
        NOT_APPROVED,
        NOT_KEPT,
    )
}


def explain(rule_id: str) -> str | None:
    """`xgen explain XA00N`: the audit rule in the shape lint's rules are explained in."""
    rule = AUDIT_RULES.get(rule_id.upper())
    if rule is None:
        return None
    return f"{rule.id} ({rule.severity.value}, xgen audit)\n{rule.title}\n\n{rule.why}"


def finding(rule: AuditRule, file: str, message: str, fix: str) -> Finding:
    return Finding(message=message, fix=fix, file=file, rule=rule.id, severity=rule.severity)
