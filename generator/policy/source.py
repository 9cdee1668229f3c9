"""The source account's documents: the bucket, key, repository and model package group
policies that let each target role read exactly what it serves (article steps 1 and 3).

Many targets share one statement per grant (principals and `aws:PrincipalArn` values as
lists, which AWS ORs), so 100 targets stay far below the 20 KB bucket-policy and 32 KB
key-policy limits.
"""

from __future__ import annotations

from ..model import Spec, sid_part
from .names import ECR_PULL_ACTIONS
from .statements import (
    GROUP_READ,
    PACKAGE_READ,
    SEED_GRANT_ACTIONS,
    SEED_KEY_ACTIONS,
    PolicyDoc,
    Statement,
    grant_to_roles,
    one_or_many,
    policy,
    root_admin,
)


def bucket_policy(spec: Spec) -> PolicyDoc:
    """Lets each target role read exactly the artifacts it serves (article step 3)."""
    statements: list[Statement] = []
    if spec.hardened:
        statements.append(
            {
                "Sid": "XgenDenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [spec.bucket_arn, f"{spec.bucket_arn}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        )
    statements += _artifact_grants(spec)
    return policy(statements + list(spec.source.bucket_policy_statements))


def _artifact_grants(spec: Spec) -> list[Statement]:
    """One `s3:GetObject` statement per version, for exactly the roles that read it.

    A spec without `models` has one version and keeps the first release's statement (and
    Sid), so its render does not change.
    """
    if spec.versioned:
        return [
            grant_to_roles(
                spec,
                spec.readers(name),
                "s3:GetObject",
                spec.object_arn(name),
                f"XgenTargetRolesReadModel{sid_part(name)}",
            )
            for name in spec.granted_versions()
        ]
    [name] = spec.granted_versions()
    sid = "XgenTargetRolesReadModelArtifact" if spec.hardened else None  # seed: the article's
    return [grant_to_roles(spec, spec.targets, "s3:GetObject", spec.object_arn(name), sid)]


def model_package_group_policy(spec: Spec) -> PolicyDoc:
    """Lets each target role read exactly the Model Registry versions it deploys, and no write."""
    group = spec.source.model_package_group
    assert group is not None
    statements: list[Statement] = [
        grant_to_roles(
            spec,
            list(spec.targets),
            GROUP_READ,
            spec.source.group_arn,
            "XgenTargetRolesDescribeModelPackageGroup",
        )
    ]
    for name in spec.granted_versions():
        package = spec.package_arn(name)
        assert package is not None
        statements.append(
            grant_to_roles(
                spec,
                spec.readers(name),
                PACKAGE_READ,
                package,
                f"XgenTargetRolesReadModelPackage{sid_part(name)}",
            )
        )
    return policy(statements + list(group.policy_statements))


def key_policy(spec: Spec) -> PolicyDoc:
    """The training key's policy: the owner keeps control, targets may decrypt the artifact."""
    source = spec.source
    roots = one_or_many([spec.root_arn(t) for t in spec.targets])
    admin = root_admin(source.root_arn)
    extra = list(source.key_policy_statements)
    if not spec.hardened:
        # What the console writes for "Other AWS accounts" under key usage permissions.
        use: Statement = {
            "Sid": "Allow use of the key",
            "Effect": "Allow",
            "Principal": {"AWS": roots},
            "Action": SEED_KEY_ACTIONS,
            "Resource": "*",
        }
        attach: Statement = {
            "Sid": "Allow attachment of persistent resources",
            "Effect": "Allow",
            "Principal": {"AWS": roots},
            "Action": SEED_GRANT_ACTIONS,
            "Resource": "*",
            "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
        }
        return policy([admin, use, attach, *extra], "key-consolepolicy-3")
    decrypt: Statement = {
        "Sid": "XgenTargetRolesDecryptArtifactViaS3",
        "Effect": "Allow",
        "Principal": {"AWS": roots},
        # Downloading an SSE-KMS object needs only kms:Decrypt, which S3 calls on the
        # reader's behalf. https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html
        "Action": "kms:Decrypt",
        "Resource": "*",
        "Condition": {
            "StringEquals": {
                "kms:ViaService": source.s3_service,
                "kms:CallerAccount": one_or_many([t.account_id for t in spec.targets]),
                "aws:PrincipalArn": one_or_many([spec.role_arn(t) for t in spec.targets]),
            }
        },
    }
    metadata = [_package_metadata(spec)] if _metadata_encrypted(spec) else []
    return policy(
        [{**admin, "Sid": "EnableIAMUserPermissions"}, decrypt, *metadata, *extra], "xgen-key"
    )


def _metadata_encrypted(spec: Spec) -> bool:
    group = spec.source.model_package_group
    return group is not None and group.kms_key_arn is not None


def _package_metadata(spec: Spec) -> Statement:
    """Model packages encrypted with the key (ModelPackageSecurityConfig): SageMaker decrypts
    their metadata for the reader, so the target roles may decrypt through SageMaker only.
    https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ModelPackageSecurityConfig.html
    """
    return {
        "Sid": "XgenTargetRolesDecryptModelPackagesViaSageMaker",
        "Effect": "Allow",
        "Principal": {"AWS": one_or_many([spec.root_arn(t) for t in spec.targets])},
        "Action": "kms:Decrypt",
        "Resource": "*",
        "Condition": {
            "StringEquals": {
                "kms:ViaService": spec.source.via_service("sagemaker"),
                "kms:CallerAccount": one_or_many([t.account_id for t in spec.targets]),
                "aws:PrincipalArn": one_or_many([spec.role_arn(t) for t in spec.targets]),
            }
        },
    }


def repository_policy(spec: Spec) -> PolicyDoc:
    """Lets each target role pull the inference image from the source account's ECR."""
    readers = spec.repository_readers()
    pull: Statement = {
        "Sid": "XgenTargetRolesPullImage",
        "Effect": "Allow",
        "Principal": {"AWS": one_or_many([spec.root_arn(t) for t in readers])},
        "Action": list(ECR_PULL_ACTIONS),
        "Condition": {
            "StringEquals": {"aws:PrincipalArn": one_or_many([spec.role_arn(t) for t in readers])}
        },
    }
    return policy([pull, *spec.source.repository_policy_statements])
