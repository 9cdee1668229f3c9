"""The policy documents of a deployment, built from the spec for each profile.

Profile `seed` reproduces the AWS knowledge-center article statement for statement.
Profile `hardened` keeps its structure but grants only what the read path uses:
SageMaker assumes the target role, S3 `GetObject` runs as that role, and S3 calls
`kms:Decrypt` for it (`kms:ViaService = s3.REGION.amazonaws.com`). Facts and sources are
in the comments beside each statement.

Many targets share one statement per grant (principals and `aws:PrincipalArn` values as
lists, which AWS ORs), so 100 targets stay far below the 20 KB bucket-policy and 32 KB
key-policy limits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..model import Spec, Target, sid_part
from .document import statement_digest
from .kinds import Kind
from .names import ECR_PULL_ACTIONS, SAGEMAKER_FULL_ACCESS, SAGEMAKER_SERVICE

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
# Endpoint container logs (SageMaker "CreateModel API: Execution Role Permissions").
LOG_ACTIONS = [
    "logs:CreateLogGroup",
    "logs:CreateLogStream",
    "logs:DescribeLogStreams",
    "logs:PutLogEvents",
]
# SageMaker publishes the endpoint's metrics with the execution role ("CreateModel API:
# Execution Role Permissions"); PutMetricData has no resource type, so "*" is its only
# resource (Service Authorization Reference, Amazon CloudWatch).
# https://docs.aws.amazon.com/sagemaker/latest/dg/sagemaker-roles.html#sagemaker-roles-createmodel-perms
METRIC_ACTION = "cloudwatch:PutMetricData"
# A model in a VPC: SageMaker creates ENIs with the execution role, and looks up the VPC's
# endpoints (same AWS page; "Give SageMaker Hosted Endpoints Access to Resources in Your
# Amazon VPC").
# https://docs.aws.amazon.com/sagemaker/latest/dg/host-vpc.html
VPC_ACTIONS = [
    "ec2:CreateNetworkInterface",
    "ec2:CreateNetworkInterfacePermission",
    "ec2:DeleteNetworkInterface",
    "ec2:DeleteNetworkInterfacePermission",
    "ec2:DescribeDhcpOptions",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSubnets",
    "ec2:DescribeVpcEndpoints",
    "ec2:DescribeVpcs",
]
# Deployment guardrails: "Ensure that your IAM execution role has permission to perform the
# cloudwatch:DescribeAlarms action on the auto-rollback alarms you specify."
# https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-configuration.html
ALARM_ACTION = "cloudwatch:DescribeAlarms"
# The endpoint's ML storage volume is an EBS volume that SageMaker attaches to the instance.
# EBS uses a customer managed key through a grant, created for the principal that uses the
# key; the key policy must allow that principal (SageMaker: "The KMS key policy must grant
# permission to the IAM role ...", CreateEndpointConfig KmsKeyId), and EBS needs exactly
# these actions (EBS user guide, "Permissions for EBS encryption": CreateGrant, Decrypt,
# DescribeKey, GenerateDataKeyWithoutPlaintext, ReEncrypt*). kms:Encrypt and the other
# GenerateDataKey* actions are not used.
# https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateEndpointConfig.html
# https://docs.aws.amazon.com/ebs/latest/userguide/ebs-encryption-requirements.html
VOLUME_KEY_ACTIONS = [
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:ReEncrypt*",
]
# Only CreateGrant: EBS and SageMaker retire their own grants; listing and revoking grants
# is administration, which stays with the account root's statement.
GRANT_ACTION = "kms:CreateGrant"
# SageMaker calls KMS for the volume, and EC2 (EBS) for the instance it launches: the role
# may use the key only through those two (kms:ViaService, KMS developer guide, "AWS KMS
# condition keys"), never directly.
# https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service
VOLUME_KEY_SERVICES = ("sagemaker", "ec2")

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

# Inline role policy names: the file is policies/<name>.json, the IAM policy name is <name>.
ARTIFACT_READ = "model-artifact-read"
KEY_USE = "model-key-use"
EXECUTION = "sagemaker-execution"


@dataclass(frozen=True)
class Document:
    """One policy document and where it goes: `path` is relative to the render root."""

    path: str
    kind: Kind
    account_id: str
    body: PolicyDoc
    target: str | None = None  # the target's name for documents of a target account
    kept: tuple[str, ...] = ()  # digests of the statements kept from the spec (the user's)


def source_dir(spec: Spec) -> str:
    return f"source-{spec.source.account_id}"


def target_dir(target: Target) -> str:
    return f"target-{target.name}-{target.account_id}"


def one_or_many(values: list[str]) -> str | list[str]:
    """A single value as a string (as the article writes it), several as a de-duplicated list."""
    unique = list(dict.fromkeys(values))
    return unique[0] if len(unique) == 1 else unique


def _policy(statements: list[Statement], policy_id: str | None = None) -> PolicyDoc:
    doc: PolicyDoc = {"Version": VERSION}
    if policy_id:
        doc["Id"] = policy_id
    doc["Statement"] = statements
    return doc


def _root_admin(root_arn: str) -> Statement:
    # The key's own account keeps full control, or the key becomes unmanageable
    # (PutKeyPolicy's lock-out safety check). https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
    return {
        "Sid": "Enable IAM User Permissions",
        "Effect": "Allow",
        "Principal": {"AWS": root_arn},
        "Action": "kms:*",
        "Resource": "*",
    }


# --- source account ---------------------------------------------------------------------------


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
    return _policy(statements + list(spec.source.bucket_policy_statements))


def _artifact_grants(spec: Spec) -> list[Statement]:
    """One `s3:GetObject` statement per version, for exactly the roles that read it.

    A spec without `models` has one version and keeps the first release's statement (and
    Sid), so its render does not change.
    """
    if spec.versioned:
        return [
            _grant_to_roles(
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
    return [_grant_to_roles(spec, spec.targets, "s3:GetObject", spec.object_arn(name), sid)]


def model_package_group_policy(spec: Spec) -> PolicyDoc:
    """Lets each target role read exactly the Model Registry versions it deploys, and no write."""
    group = spec.source.model_package_group
    assert group is not None
    statements: list[Statement] = [
        _grant_to_roles(
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
            _grant_to_roles(
                spec,
                spec.readers(name),
                PACKAGE_READ,
                package,
                f"XgenTargetRolesReadModelPackage{sid_part(name)}",
            )
        )
    return _policy(statements + list(group.policy_statements))


def _grant_to_roles(
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


def key_policy(spec: Spec) -> PolicyDoc:
    """The training key's policy: the owner keeps control, targets may decrypt the artifact."""
    source = spec.source
    roots = one_or_many([spec.root_arn(t) for t in spec.targets])
    admin = _root_admin(source.root_arn)
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
        return _policy([admin, use, attach, *extra], "key-consolepolicy-3")
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
    return _policy(
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
    return _policy([pull, *spec.source.repository_policy_statements])


# --- target accounts --------------------------------------------------------------------------


def trust_policy(spec: Spec, target: Target) -> PolicyDoc:
    """Who may assume the execution role: SageMaker, and in hardened only for this account."""
    statement: Statement = {
        "Effect": "Allow",
        "Principal": {"Service": SAGEMAKER_SERVICE},
        "Action": "sts:AssumeRole",
    }
    if spec.hardened:
        # Confused-deputy prevention for SageMaker inference: the account-wide source ARN
        # (AWS advises against narrowing it to one model or endpoint).
        # https://docs.aws.amazon.com/sagemaker/latest/dg/security-confused-deputy-prevention.html
        partition = spec.source.partition.id
        statement = {
            "Sid": "XgenSageMakerAssumeFromThisAccount",
            **statement,
            "Condition": {
                "StringEquals": {"aws:SourceAccount": target.account_id},
                "ArnLike": {
                    "aws:SourceArn": f"arn:{partition}:sagemaker:{spec.source.region}:"
                    f"{target.account_id}:*"
                },
            },
        }
    return _policy([statement])


def artifact_read_policy(spec: Spec, target: Target) -> PolicyDoc:
    """Article inline policy 1: `s3:GetObject` on exactly the artifacts the target reads."""
    statement: Statement = {
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": one_or_many([spec.object_arn(name) for name in spec.reads(target)]),
    }
    if spec.hardened:
        statement = {"Sid": "XgenReadModelArtifact", **statement}
    return _policy([statement])


def key_use_policy(spec: Spec) -> PolicyDoc:
    """Article inline policy 2; hardened keeps only `kms:Decrypt`, and only through S3."""
    key = spec.source.kms_key_arn
    if not spec.hardened:
        return _policy(
            [
                {
                    "Sid": "AllowUseOfTheKey",
                    "Effect": "Allow",
                    "Action": SEED_KEY_ACTIONS,
                    "Resource": [key],
                }
            ]
        )
    return _policy(
        [
            {
                "Sid": "XgenDecryptModelArtifactViaS3",
                "Effect": "Allow",
                "Action": "kms:Decrypt",
                "Resource": key,
                "Condition": {"StringEquals": {"kms:ViaService": spec.source.s3_service}},
            }
        ]
    )


def execution_policy(spec: Spec, target: Target) -> PolicyDoc:
    """What replaces AmazonSageMakerFullAccess in hardened: image pull, logs, VPC, volume key.

    SageMaker's "CreateModel API: Execution Role Permissions" list, narrowed to this
    endpoint's log group and the repositories of the versions the target reads.
    https://docs.aws.amazon.com/sagemaker/latest/dg/sagemaker-roles.html#sagemaker-roles-createmodel-perms
    """
    source = spec.source
    partition = source.partition.id
    # CloudWatch Logs authorizes log-group actions on `log-group:NAME:*` and stream actions
    # on `log-group:NAME:log-stream:STREAM`, which the `:*` form matches as well.
    # https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatchlogs.html
    log_group = (
        f"arn:{partition}:logs:{source.region}:{target.account_id}:"
        f"log-group:/aws/sagemaker/Endpoints/{spec.endpoint_name(target)}"
    )
    repositories = [spec.versions[name].repository_arn(partition) for name in spec.reads(target)]
    statements: list[Statement] = [
        {
            "Sid": "XgenPullInferenceImage",
            "Effect": "Allow",
            "Action": list(ECR_PULL_ACTIONS),
            "Resource": one_or_many(repositories),
        },
        {
            # GetAuthorizationToken has no resource type: "*" is the only valid resource.
            "Sid": "XgenGetEcrAuthorizationToken",
            "Effect": "Allow",
            "Action": "ecr:GetAuthorizationToken",
            "Resource": "*",
        },
        {
            "Sid": "XgenWriteEndpointLogs",
            "Effect": "Allow",
            "Action": LOG_ACTIONS,
            "Resource": [log_group, f"{log_group}:*"],
        },
        {
            "Sid": "XgenPublishEndpointMetrics",
            "Effect": "Allow",
            "Action": METRIC_ACTION,
            "Resource": "*",
        },
    ]
    packages = [p for name in spec.reads(target) if (p := spec.package_arn(name))]
    if packages:
        statements.append(
            {
                "Sid": "XgenReadModelPackages",
                "Effect": "Allow",
                "Action": PACKAGE_READ,
                "Resource": one_or_many(packages),
            }
        )
        statements.append(
            {
                "Sid": "XgenReadModelPackageGroup",
                "Effect": "Allow",
                "Action": GROUP_READ,
                "Resource": source.group_arn,
            }
        )
    if target.guardrails and target.guardrails.rollback_alarms:
        statements.append(
            {
                "Sid": "XgenReadRollbackAlarms",
                "Effect": "Allow",
                "Action": ALARM_ACTION,
                "Resource": one_or_many(
                    [
                        f"arn:{partition}:cloudwatch:{source.region}:{target.account_id}:"
                        f"alarm:{name}"
                        for name in target.guardrails.rollback_alarms
                    ]
                ),
            }
        )
    if target.vpc is not None:
        # EC2 network-interface actions do not support resource-level scoping for all
        # of these calls; SageMaker documents them on "*".
        statements.append(
            {
                "Sid": "XgenManageVpcNetworkInterfaces",
                "Effect": "Allow",
                "Action": VPC_ACTIONS,
                "Resource": "*",
            }
        )
    if target.volume_kms_key_arn is not None:
        statements.append(
            {
                "Sid": "XgenUseEndpointVolumeKey",
                "Effect": "Allow",
                "Action": VOLUME_KEY_ACTIONS,
                "Resource": target.volume_kms_key_arn,
                "Condition": _volume_key_services(spec),
            }
        )
        statements.append(
            {
                "Sid": "XgenGrantEndpointVolumeKeyToAwsResources",
                "Effect": "Allow",
                "Action": GRANT_ACTION,
                "Resource": target.volume_kms_key_arn,
                "Condition": _volume_key_grants(spec),
            }
        )
    return _policy(statements)


def _volume_key_services(spec: Spec) -> dict[str, Any]:
    """Use of an endpoint volume key only through SageMaker or EC2 of the region."""
    services = [spec.source.via_service(name) for name in VOLUME_KEY_SERVICES]
    return {"StringEquals": {"kms:ViaService": services}}


def _volume_key_grants(spec: Spec) -> dict[str, Any]:
    """Grants on an endpoint volume key only for AWS resources, through SageMaker or EC2."""
    return {
        **_volume_key_services(spec),
        "Bool": {"kms:GrantIsForAWSResource": "true"},
    }


def volume_key_policy(spec: Spec, target: Target) -> PolicyDoc:
    """Policy of the key xgen creates for the endpoint's ML storage volume (hardened)."""
    role = spec.role_arn(target)
    return _policy(
        [
            {**_root_admin(spec.root_arn(target)), "Sid": "EnableIAMUserPermissions"},
            {
                # The role exists before the key (depends_on in the module), and the role ARN
                # is in this file, so renaming the role rewrites the policy.
                "Sid": "XgenExecutionRoleUseForEndpointStorage",
                "Effect": "Allow",
                "Principal": {"AWS": role},
                "Action": VOLUME_KEY_ACTIONS,
                "Resource": "*",
                "Condition": _volume_key_services(spec),
            },
            {
                "Sid": "XgenExecutionRoleGrantsForEndpointStorage",
                "Effect": "Allow",
                "Principal": {"AWS": role},
                "Action": GRANT_ACTION,
                "Resource": "*",
                "Condition": _volume_key_grants(spec),
            },
        ],
        "xgen-endpoint-volume-key",
    )


def inline_policies(spec: Spec, target: Target) -> dict[str, PolicyDoc]:
    """The target role's inline policies by name, in the order they are attached."""
    policies = {
        ARTIFACT_READ: artifact_read_policy(spec, target),
        KEY_USE: key_use_policy(spec),
    }
    if spec.hardened:
        policies[EXECUTION] = execution_policy(spec, target)
    return policies


def managed_policy_arns(spec: Spec) -> list[str]:
    """Profile seed attaches AmazonSageMakerFullAccess as the article does; hardened none."""
    if spec.hardened:
        return []
    return [f"arn:{spec.source.partition.id}:iam::aws:{SAGEMAKER_FULL_ACCESS}"]


def _with_kept(
    path: str, kind: Kind, account: str, body: PolicyDoc, kept: list[Statement]
) -> Document:
    """A source document whose last statements are the ones the spec keeps."""
    return Document(path, kind, account, body, kept=tuple(statement_digest(s) for s in kept))


def documents(spec: Spec) -> list[Document]:
    """Every policy document of the deployment, in render order."""
    source = spec.source
    base = f"{source_dir(spec)}/policies"
    docs = [
        _with_kept(
            f"{base}/bucket-policy.json",
            Kind.BUCKET,
            source.account_id,
            bucket_policy(spec),
            source.bucket_policy_statements,
        ),
        _with_kept(
            f"{base}/key-policy.json",
            Kind.KEY,
            source.account_id,
            key_policy(spec),
            source.key_policy_statements,
        ),
    ]
    group = source.model_package_group
    if group is not None:
        docs.append(
            _with_kept(
                f"{base}/model-package-group-policy.json",
                Kind.MODEL_PACKAGE_GROUP,
                source.account_id,
                model_package_group_policy(spec),
                group.policy_statements,
            )
        )
    if spec.image_in_source_account:
        docs.append(
            _with_kept(
                f"{base}/ecr-repository-policy.json",
                Kind.ECR_REPOSITORY,
                source.account_id,
                repository_policy(spec),
                source.repository_policy_statements,
            )
        )
    for target in spec.targets:
        base = f"{target_dir(target)}/policies"
        account = target.account_id
        if target.existing_role_arn is None:  # an existing role's trust is the platform's
            docs.append(
                Document(
                    f"{base}/trust-policy.json",
                    Kind.TRUST,
                    account,
                    trust_policy(spec, target),
                    target.name,
                )
            )
        for name, body in inline_policies(spec, target).items():
            docs.append(Document(f"{base}/{name}.json", Kind.IDENTITY, account, body, target.name))
        if spec.creates_volume_key(target):
            docs.append(
                Document(
                    f"{base}/volume-key-policy.json",
                    Kind.KEY,
                    account,
                    volume_key_policy(spec, target),
                    target.name,
                )
            )
    return docs
