"""Rules on a Model Registry group's policy: other accounts read versions, never change them."""

from __future__ import annotations

from collections.abc import Iterator

from ...policy.kinds import Kind
from ..actions import expand
from ..context import LintDocument
from ..findings import Finding, Severity
from ..registry import rule

# What deploying a version needs, and what only lists or reads the registry: everything
# else (UpdateModelPackage, DeleteModelPackage, CreateModelPackage, the group's policy,
# tags) changes the registry. https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsagemaker.html
READS = frozenset(
    name.lower()
    for name in (
        "DescribeModelPackage",
        "DescribeModelPackageGroup",
        "BatchDescribeModelPackage",
        "ListModelPackages",
        "ListModelPackageGroups",
        "GetModelPackageGroupPolicy",
    )
)


@rule(
    "XG070",
    "registry-write-to-another-account",
    Severity.ERROR,
    "Model package group lets another account change it",
)
def registry_write_to_another_account(doc: LintDocument) -> Iterator[Finding]:
    """## What it does
    Flags a model package group policy that allows another account an action beyond
    reading versions: `sagemaker:UpdateModelPackage`, `DeleteModelPackage`,
    `CreateModelPackage`, the group's own policy, tags, or a wildcard such as
    `sagemaker:*` that covers them.

    ## Why is this bad?
    A serving account needs to read the version it deploys. `UpdateModelPackage` lets it
    change a version's approval status (approve its own model), which AWS's own
    cross-account sample grants; writes let it replace what the training account
    registered for every other account.

    ## Example
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
         "Action": ["sagemaker:DescribeModelPackage", "sagemaker:UpdateModelPackage"],
         "Resource": "arn:aws:sagemaker:us-east-1:111111111111:model-package/churn/*"}

    Use instead:
        {..., "Action": "sagemaker:DescribeModelPackage",
         "Resource": "arn:aws:sagemaker:us-east-1:111111111111:model-package/churn/8"}
    """
    if doc.kind is not Kind.MODEL_PACKAGE_GROUP:
        return
    for statement in doc.allows:
        if not doc.foreign_principals(statement):
            continue
        for action in statement.actions:
            known = expand(action)
            if known is None:
                continue
            # the registry's own writes first: those are what the finding is about
            writes = sorted(
                (a for a in known if a.lower() not in READS),
                key=lambda a: ("modelpackage" not in a.lower(), a),
            )
            if writes:
                more = f" and {len(writes) - 1} more" if len(writes) > 1 else ""
                yield doc.finding(
                    statement,
                    f"{statement.label} lets another account {action!r} ({writes[0]}{more}): "
                    "a serving account may read a version, never change one",
                    "grant sagemaker:DescribeModelPackage on the versions deployed only",
                    at=("Action", action),
                )
