"""Rules across documents: the source's policies and the targets' must name each other.

They need a deployment: a rendered folder's manifest, or `--spec`.
"""

from __future__ import annotations

from collections.abc import Iterator

from ...policy.document import Statement
from ...policy.kinds import Kind
from ..context import LintDocument
from ..findings import Finding, Severity
from ..registry import rule
from .facts import (
    arn_account,
    arn_service,
    covers,
    glob_match,
    has_wildcard,
    is_unknown,
    narrowing_values,
    s3_bucket,
    unknown_condition,
)

TYPE_CHECKING = False  # typing.TYPE_CHECKING; `typing` costs lint 4 ms to import
if TYPE_CHECKING:
    from ...manifest import TargetEntry
    from ..deployment import Deployment

# What each source document must let every target do.
NEEDED = {
    Kind.BUCKET: "s3:GetObject",
    Kind.KEY: "kms:Decrypt",
    Kind.ECR_REPOSITORY: "ecr:BatchGetImage",
    Kind.MODEL_PACKAGE_GROUP: "sagemaker:DescribeModelPackage",
}


def _source_document(doc: LintDocument) -> Deployment | None:
    deployment = doc.deployment
    if deployment and doc.kind in NEEDED and doc.owner == deployment.source_account:
        return deployment
    return None


@rule(
    "XG040",
    "principal-arn-not-target-role",
    Severity.ERROR,
    "Source names a role no target creates",
)
def principal_arn_not_target_role(doc: LintDocument) -> Iterator[Finding]:
    """## What it does
    Flags `aws:PrincipalArn` values in the source account's bucket, key and repository
    policies that name a role in another account which is not a target's execution role.

    ## Why is this bad?
    The target creates its role from the spec. A hand-edited or stale role name grants a
    role that does not serve the model, while the real one gets AccessDenied.

    ## Example
    Spec target `prod` creates `arn:aws:iam::222222222222:role/AmazonSageMaker`, but:
        {"StringEquals": {"aws:PrincipalArn": "arn:aws:iam::222222222222:role/OldRole"}}

    Use instead:
        {"StringEquals": {"aws:PrincipalArn": "arn:aws:iam::222222222222:role/AmazonSageMaker"}}
    """
    deployment = _source_document(doc)
    if deployment is None:
        return
    for statement in doc.allows:
        for value in narrowing_values(statement, "aws:PrincipalArn"):
            account = arn_account(value)
            if (
                account
                and account != deployment.source_account
                and value not in deployment.role_arns
            ):
                yield doc.finding(
                    statement,
                    f"{statement.label}: {value!r} is not the execution role of any target",
                    "use the role ARN the target creates (run `xgen render`)",
                    at=("Condition", value),
                )


@rule(
    "XG041",
    "target-arn-not-source",
    Severity.ERROR,
    "Target names a key or object not the source's",
)
def target_arn_not_source(doc: LintDocument) -> Iterator[Finding]:
    """## What it does
    Flags a target's identity policy that names a KMS key, S3 object or ECR repository of
    the source account other than the deployment's key, artifact object and repository.

    ## Why is this bad?
    Both sides must name the same resources: a target granted the wrong key or object can
    never read the model, and the mistake only shows when `CreateModel` fails.

    ## Example
    The spec's key is `.../key/1234abcd-...` but the target policy says:
        {"Action": "kms:Decrypt", "Resource": "arn:aws:kms:us-east-1:111111111111:key/9999-..."}

    Use instead:
        {"Action": "kms:Decrypt", "Resource": "arn:aws:kms:us-east-1:111111111111:key/1234abcd-..."}
    """
    deployment = doc.deployment
    if (
        deployment is None
        or doc.kind is not Kind.IDENTITY
        or doc.owner == deployment.source_account
    ):
        return
    bucket = s3_bucket(deployment.bucket_arn)
    for statement in doc.allows:
        for resource in statement.resources:
            expected = _expected(deployment, resource, bucket)
            if resource in deployment.object_arns:
                continue  # an artifact of a version some target serves
            if expected and resource != expected and not has_wildcard(resource):
                yield doc.finding(
                    statement,
                    f"{statement.label}: {resource!r} is not the source's {expected!r}",
                    f"use {expected}",
                    at=("Resource", resource),
                )


def _expected(deployment: Deployment, resource: str, bucket: str | None) -> str | None:
    service = arn_service(resource)
    if service == "s3" and s3_bucket(resource) == bucket:
        return deployment.object_arn
    if arn_account(resource) != deployment.source_account:
        return None
    if service == "kms" and ":key/" in resource:
        return deployment.kms_key_arn
    if service == "ecr" and deployment.repository_arn:
        return deployment.repository_arn
    return None


@rule("XG042", "target-missing-from-source", Severity.ERROR, "A target cannot read the source")
def target_missing_from_source(doc: LintDocument) -> Iterator[Finding]:
    """## What it does
    Flags a source bucket, key or repository policy that does not let every target's
    execution role read (`s3:GetObject`, `kms:Decrypt`, `ecr:BatchGetImage`): its account
    missing from the principals, or its role missing from the `aws:PrincipalArn` values.

    ## Why is this bad?
    Cross-account access needs both sides. A target left out of one source policy fails
    at `CreateModel` with "Could not access model data".

    ## Example
    Targets 222222222222 and 333333333333, but the bucket policy grants only
    `arn:aws:iam::222222222222:root`.

    Use instead:
    Both roots as principals, both roles in the `aws:PrincipalArn` condition.
    """
    deployment = _source_document(doc)
    if deployment is None or doc.is_unread("Statement"):
        return
    if doc.kind is Kind.ECR_REPOSITORY and deployment.repository_arn is None:
        return
    action = NEEDED[doc.kind]
    grants = [
        s for s in doc.allows if covers(s.actions, action) or any(is_unknown(a) for a in s.actions)
    ]
    for target in deployment.targets:
        if not any(_admits(s, target) for s in grants):
            yield doc.finding(
                None,
                f"target {target.name} ({target.role_arn}) is not allowed {action} here",
                "render again from the spec (`xgen render`), or add the target's root and role",
            )


def _admits(statement: Statement, target: TargetEntry) -> bool:
    """Whether the statement may let the target's role in (what is unknown may)."""
    named = any(
        p.is_wildcard or is_unknown(p.value) or p.value in (target.root_arn, target.role_arn)
        for p in statement.principals
    )
    roles = narrowing_values(statement, "aws:PrincipalArn")
    return named and (
        not roles
        or unknown_condition(statement)
        or any(is_unknown(r) or glob_match(r, target.role_arn) for r in roles)
    )
