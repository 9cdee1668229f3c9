"""The kind of a policy document from its content, when nothing else says.

A statement with a Principal makes a resource policy; which one is read from the actions:
`sts:AssumeRole*` is a trust policy, KMS actions on `Resource: "*"` a key policy, ECR
actions without a Resource a repository policy, SageMaker model package actions a model
package group policy, S3 actions or ARNs (or actions known only
at plan time) a bucket policy. The resource policy of another service (an SQS queue's,
an SNS topic's) is none of xgen's kinds: it is read as an identity policy, so that no
rule on buckets judges it.
"""

from __future__ import annotations

from ..policy.document import Policy
from ..policy.kinds import Kind

TRUST_ACTIONS = ("sts:assumerole", "sts:tagsession", "sts:setsourceidentity")


def infer_kind(policy: Policy) -> Kind:
    """Best guess of what the document is attached to."""
    with_principal = [s for s in policy.statements if s.has_principal]
    if not with_principal:
        return Kind.IDENTITY
    actions = [a.lower() for s in with_principal for a in s.actions]
    if actions and all(a.startswith(TRUST_ACTIONS) for a in actions):
        return Kind.TRUST
    if any(a.startswith("kms:") for a in actions) and all(
        set(s.resources) <= {"*"} for s in with_principal
    ):
        return Kind.KEY
    if any(a.startswith("ecr:") for a in actions) and not any(
        s.has_resource for s in with_principal
    ):
        return Kind.ECR_REPOSITORY
    if (
        actions
        and all("modelpackage" in a for a in actions if a.startswith("sagemaker:"))
        and any(a.startswith("sagemaker:") for a in actions)
    ):
        return Kind.MODEL_PACKAGE_GROUP
    resources = [r.lower() for s in with_principal for r in s.resources]
    if not actions or any(_may_be_s3(a, resources) for a in actions):
        return Kind.BUCKET
    return Kind.IDENTITY


def _may_be_s3(action: str, resources: list[str]) -> bool:
    """An S3 action, one that may be (`*`, known only at plan time), or any action on an
    S3 ARN."""
    if action.startswith("s3:") or "*" in action.partition(":")[0] or "${" in action:
        return True
    return any(r.startswith("arn:") and r.split(":")[2:3] == ["s3"] for r in resources)
