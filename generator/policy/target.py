"""The target accounts' documents: the execution role's trust and inline policies, and
the policy of the key xgen creates for the endpoint's storage volume (article step 2).

Profile `seed` is the article's (AmazonSageMakerFullAccess plus two inline policies);
`hardened` grants only what the read path and SageMaker's documented execution-role
permissions need, each with its source beside it.
"""

from __future__ import annotations

from typing import Any

from ..model import Spec, Target
from .names import ECR_PULL_ACTIONS, SAGEMAKER_FULL_ACCESS, SAGEMAKER_SERVICE
from .statements import (
    GROUP_READ,
    PACKAGE_READ,
    SEED_KEY_ACTIONS,
    PolicyDoc,
    Statement,
    one_or_many,
    policy,
    root_admin,
)

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

# Inline role policy names: the file is policies/<name>.json, the IAM policy name is <name>.
ARTIFACT_READ = "model-artifact-read"
KEY_USE = "model-key-use"
EXECUTION = "sagemaker-execution"


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
    return policy([statement])


def artifact_read_policy(spec: Spec, target: Target) -> PolicyDoc:
    """Article inline policy 1: `s3:GetObject` on exactly the artifacts the target reads."""
    statement: Statement = {
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": one_or_many([spec.object_arn(name) for name in spec.reads(target)]),
    }
    if spec.hardened:
        statement = {"Sid": "XgenReadModelArtifact", **statement}
    return policy([statement])


def key_use_policy(spec: Spec) -> PolicyDoc:
    """Article inline policy 2; hardened keeps only `kms:Decrypt`, and only through S3."""
    key = spec.source.kms_key_arn
    if not spec.hardened:
        return policy(
            [
                {
                    "Sid": "AllowUseOfTheKey",
                    "Effect": "Allow",
                    "Action": SEED_KEY_ACTIONS,
                    "Resource": [key],
                }
            ]
        )
    return policy(
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
    return policy(statements)


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
    return policy(
        [
            {**root_admin(spec.root_arn(target)), "Sid": "EnableIAMUserPermissions"},
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
