"""What every policy document xgen renders is made of: the language version, one value
or many, the key owner's admin statement, and a grant to exactly the target roles.

Shared by the source account's documents (`policy.source`) and the targets' (`policy.target`).
"""

from __future__ import annotations

from typing import Any

from ..model import Spec, Target

VERSION = "2012-10-17"
Statement = dict[str, Any]
PolicyDoc = dict[str, Any]

# The article's (and the console's) key-user actions.
SEED_KEY_ACTIONS = [
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
    "kms:DescribeKey",
]
# The console's "Allow attachment of persistent resources" statement for other accounts.
SEED_GRANT_ACTIONS = ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"]

# Creating a model from a Model Registry version reads the version (DescribeModelPackage on
# model-package/GROUP/N) and its group (DescribeModelPackageGroup): the read actions of AWS's
# own cross-account sample ("Deploy a Model Version from a Different Account"), without
# ListModelPackages (it would list every version, not only those deployed),
# UpdateModelPackage (a write: it changes a version's approval status) and CreateModel
# (its only resource type is `model`, so granting it on a package grants nothing; Service
# Authorization Reference, Amazon SageMaker).
# https://docs.aws.amazon.com/sagemaker/latest/dg/model-registry-deploy-xaccount.html
PACKAGE_READ = "sagemaker:DescribeModelPackage"
GROUP_READ = "sagemaker:DescribeModelPackageGroup"


def one_or_many(values: list[str]) -> str | list[str]:
    """A single value as a string (as the article writes it), several as a de-duplicated list."""
    unique = list(dict.fromkeys(values))
    return unique[0] if len(unique) == 1 else unique


def policy(statements: list[Statement], policy_id: str | None = None) -> PolicyDoc:
    doc: PolicyDoc = {"Version": VERSION}
    if policy_id:
        doc["Id"] = policy_id
    doc["Statement"] = statements
    return doc


def root_admin(root_arn: str) -> Statement:
    # The key's own account keeps full control, or the key becomes unmanageable
    # (PutKeyPolicy's lock-out safety check). https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
    return {
        "Sid": "Enable IAM User Permissions",
        "Effect": "Allow",
        "Principal": {"AWS": root_arn},
        "Action": "kms:*",
        "Resource": "*",
    }


def grant_to_roles(
    spec: Spec, readers: list[Target], action: str, resource: str, sid: str | None
) -> Statement:
    """A statement for exactly `readers`' roles: their account roots, narrowed by
    aws:PrincipalArn. Not the roles as principals: a role ARN in a resource policy is
    stored as its unique id, so a role Terraform replaces would silently lose access."""
    grant: Statement = {
        "Effect": "Allow",
        "Principal": {"AWS": one_or_many([spec.root_arn(t) for t in readers])},
        "Action": action,
        "Resource": resource,
        "Condition": {
            "StringEquals": {"aws:PrincipalArn": one_or_many([spec.role_arn(t) for t in readers])}
        },
    }
    return {"Sid": sid, **grant} if sid else grant
