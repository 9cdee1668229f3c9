"""Rules on reading the model artifact: one object, read-only, nothing bucket-wide."""

from __future__ import annotations

from collections.abc import Iterator

from ...policy.document import Statement
from ...policy.kinds import Kind
from ..context import LintDocument
from ..findings import Finding, Severity
from ..registry import rule
from .facts import covers, glob_match, has_wildcard, s3_bucket, s3_object

OBJECT_READ = ("s3:GetObject", "s3:GetObjectVersion")


def _grants(doc: LintDocument) -> Iterator[Statement]:
    """Allow statements that reach another account's artifact.

    Bucket and repository policies: those granting a foreign principal. Identity policies:
    those on the deployment's bucket or repository, or on a pattern such as `*` that
    reaches its artifact or repository (needs a manifest or `--spec`).
    """
    if doc.kind in (Kind.BUCKET, Kind.ECR_REPOSITORY):
        yield from (s for s in doc.allows if doc.foreign_principals(s))
    elif (
        doc.kind is Kind.IDENTITY and doc.deployment and doc.owner != doc.deployment.source_account
    ):
        bucket = s3_bucket(doc.deployment.bucket_arn)
        reached = (doc.deployment.object_arn, doc.deployment.repository_arn)
        for statement in doc.allows:
            if any(
                s3_bucket(r) == bucket or any(glob_match(r, arn) for arn in reached if arn)
                for r in statement.resources
            ):
                yield statement


def _reads_objects(statement: Statement) -> bool:
    return any(covers(statement.actions, action) for action in OBJECT_READ)


@rule(
    "XG010", "wildcard-artifact-object", Severity.ERROR, "Cross-account read of a wildcard object"
)
def wildcard_artifact_object(doc: LintDocument) -> Iterator[Finding]:
    """## What it does
    Flags cross-account object reads whose object ARN has `*` or `?` in it, such as
    `arn:aws:s3:::bucket/sagemaker/*`.

    ## Why is this bad?
    The serving account needs one object, the `model.tar.gz`. A prefix wildcard also
    hands it every other model, dataset and checkpoint written under that prefix later.

    ## Example
        {"Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket/sagemaker/*"}

    Use instead:
        {"Action": "s3:GetObject",
         "Resource": "arn:aws:s3:::bucket/sagemaker/linear-learner/output/model.tar.gz"}
    """
    for statement in _grants(doc):
        if not _reads_objects(statement):
            continue
        for resource in statement.resources:
            found = s3_object(resource)
            if found and found[1] != "*" and has_wildcard(found[1]):
                yield doc.finding(
                    statement,
                    f"{statement.label} lets another account read every object matching "
                    f"{resource!r}",
                    "grant the exact object ARN of the model artifact",
                    at=("Resource", resource),
                )


@rule("XG011", "bucket-wide-grant", Severity.ERROR, "Cross-account read of the whole bucket")
def bucket_wide_grant(doc: LintDocument) -> Iterator[Finding]:
    """## What it does
    Flags cross-account grants on the whole bucket: object reads on `bucket/*`, `*` or a
    pattern such as `arn:aws:s3:::*`, and `s3:ListBucket` on the bucket ARN. A target
    role's identity policy counts when its pattern reaches the source's artifact.

    ## Why is this bad?
    The bucket holds training data and other models; the serving account needs one
    object. Listing reveals every key name.

    ## Example
        {"Action": ["s3:GetObject", "s3:ListBucket"],
         "Resource": ["arn:aws:s3:::bucket", "arn:aws:s3:::bucket/*"]}

    Use instead:
        {"Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket/path/model.tar.gz"}
    """
    for statement in _grants(doc):
        if doc.kind is Kind.ECR_REPOSITORY:
            continue
        for resource in statement.resources:
            found = s3_object(resource)
            # IAM's `*` also matches `/`: `arn:aws:s3:::*` and `arn:aws:s3:::bucket*` cover objects.
            bucket = s3_bucket(resource) or ""
            whole = resource == "*" or (found[1] == "*" if found else bucket.endswith("*"))
            if whole and _reads_objects(statement):
                what = "every object of the bucket"
            elif (
                found is None and s3_bucket(resource) and covers(statement.actions, "s3:ListBucket")
            ):
                what = "the bucket's listing"
            else:
                continue
            yield doc.finding(
                statement,
                f"{statement.label} lets another account read {what} ({resource!r})",
                "grant s3:GetObject on the exact object ARN of the model artifact only",
                at=("Resource", resource),
            )


@rule("XG012", "service-wildcard-action", Severity.ERROR, "`*` or `service:*` to another account")
def service_wildcard_action(doc: LintDocument) -> Iterator[Finding]:
    """## What it does
    Flags cross-account grants of `*` or `service:*` (such as `s3:*` or `ecr:*`), in
    bucket and repository policies and in identity policies on the source's bucket or
    repository. `kms:*` is XG022.

    ## Why is this bad?
    `s3:*` includes `PutObject`, `DeleteObject` and `PutBucketPolicy`: the serving account
    could overwrite the model or take over the bucket. Reading needs `s3:GetObject`.

    ## Example
        {"Principal": {"AWS": "arn:aws:iam::222222222222:root"}, "Action": "s3:*", ...}

    Use instead:
        {"Principal": {"AWS": "arn:aws:iam::222222222222:root"}, "Action": "s3:GetObject", ...}
    """
    for statement in _grants(doc):
        for action in statement.actions:
            if action == "*" or (action.endswith(":*") and not action.lower().startswith("kms:")):
                yield doc.finding(
                    statement,
                    f"{statement.label} grants {action!r} to another account",
                    "grant only the actions used, e.g. s3:GetObject or the three ECR pull actions",
                    at=("Action", action),
                )
