"""The rendered policy documents: profile seed is the article, hardened is least privilege."""

from __future__ import annotations

import json

import pytest

from generator.model import Spec
from generator.render import render
from generator.spec import load_spec
from tests.conftest import KEY_ARN, SEED_SPEC, base_spec, invoke, write_spec

OBJECT = "arn:aws:s3:::awsdoc-example-bucket/sagemaker/linear-learner/output/model.tar.gz"
ROLE = "arn:aws:iam::222222222222:role/AmazonSageMaker"
SRC = "source-111111111111/policies"
TGT = "target-prod-222222222222/policies"


def _docs(spec: Spec) -> dict[str, dict]:
    files = render(spec).files
    return {path: json.loads(body) for path, body in files.items() if path.endswith(".json")}


# --- profile seed: the article's documents, as the article prints them --------------------------

# The article's (and the console's) key-user actions.
ARTICLE_KEY_ACTIONS = [
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
    "kms:DescribeKey",
]
ARTICLE_INLINE_1 = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": OBJECT}],
}
ARTICLE_INLINE_2 = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "AllowUseOfTheKey",
            "Effect": "Allow",
            "Action": ARTICLE_KEY_ACTIONS,
            "Resource": [KEY_ARN],
        }
    ],
}
ARTICLE_BUCKET_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
            "Action": "s3:GetObject",
            "Resource": OBJECT,
            "Condition": {"StringEquals": {"aws:PrincipalArn": ROLE}},
        }
    ],
}
# https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
CONSOLE_KEY_POLICY = {
    "Version": "2012-10-17",
    "Id": "key-consolepolicy-3",
    "Statement": [
        {
            "Sid": "Enable IAM User Permissions",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
            "Action": "kms:*",
            "Resource": "*",
        },
        {
            "Sid": "Allow use of the key",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
            "Action": ARTICLE_KEY_ACTIONS,
            "Resource": "*",
        },
        {
            "Sid": "Allow attachment of persistent resources",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
            "Action": ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
            "Resource": "*",
            "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
        },
    ],
}
CONSOLE_TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "sagemaker.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def test_seed_profile_reproduces_the_article():
    docs = _docs(load_spec(SEED_SPEC))
    assert docs[f"{TGT}/model-artifact-read.json"] == ARTICLE_INLINE_1
    assert docs[f"{TGT}/model-key-use.json"] == ARTICLE_INLINE_2
    assert docs[f"{SRC}/bucket-policy.json"] == ARTICLE_BUCKET_POLICY
    assert docs[f"{SRC}/key-policy.json"] == CONSOLE_KEY_POLICY
    assert docs[f"{TGT}/trust-policy.json"] == CONSOLE_TRUST_POLICY
    # the image is AWS's algorithm image, not in account A: no repository policy to manage
    assert f"{SRC}/ecr-repository-policy.json" not in docs
    assert {p for p in docs if p.startswith(TGT)} == {
        f"{TGT}/trust-policy.json",
        f"{TGT}/model-artifact-read.json",
        f"{TGT}/model-key-use.json",
    }


def test_seed_profile_attaches_full_access_as_the_article_does():
    main = render(load_spec(SEED_SPEC)).files["target-prod-222222222222/main.tf"].decode()
    assert 'managed_policy_arns = ["arn:aws:iam::aws:policy/AmazonSageMakerFullAccess"]' in main


# --- profile hardened, statement by statement ----------------------------------------------------


@pytest.fixture(scope="module")
def hardened() -> dict[str, dict]:
    return _docs(Spec.model_validate(base_spec()))


def test_hardened_bucket_policy(hardened):
    deny, grant = hardened[f"{SRC}/bucket-policy.json"]["Statement"]
    assert deny == {
        "Sid": "XgenDenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": ["arn:aws:s3:::awsdoc-example-bucket", "arn:aws:s3:::awsdoc-example-bucket/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    assert grant == {
        "Sid": "XgenTargetRolesReadModelArtifact",
        **ARTICLE_BUCKET_POLICY["Statement"][0],
    }


def test_hardened_key_policy_allows_only_decrypt_via_s3(hardened):
    policy = hardened[f"{SRC}/key-policy.json"]
    admin, decrypt = policy["Statement"]
    assert admin == {**CONSOLE_KEY_POLICY["Statement"][0], "Sid": "EnableIAMUserPermissions"}
    assert decrypt == {
        "Sid": "XgenTargetRolesDecryptArtifactViaS3",
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
        "Action": "kms:Decrypt",
        "Resource": "*",
        "Condition": {
            "StringEquals": {
                "kms:ViaService": "s3.us-east-1.amazonaws.com",
                "kms:CallerAccount": "222222222222",
                "aws:PrincipalArn": ROLE,
            }
        },
    }


def test_hardened_repository_policy(hardened):
    (pull,) = hardened[f"{SRC}/ecr-repository-policy.json"]["Statement"]
    assert pull == {
        "Sid": "XgenTargetRolesPullImage",
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
        "Action": [
            "ecr:BatchCheckLayerAvailability",
            "ecr:BatchGetImage",
            "ecr:GetDownloadUrlForLayer",
        ],
        "Condition": {"StringEquals": {"aws:PrincipalArn": ROLE}},
    }


def test_hardened_trust_policy_prevents_confused_deputy(hardened):
    (statement,) = hardened[f"{TGT}/trust-policy.json"]["Statement"]
    assert statement == {
        "Sid": "XgenSageMakerAssumeFromThisAccount",
        "Effect": "Allow",
        "Principal": {"Service": "sagemaker.amazonaws.com"},
        "Action": "sts:AssumeRole",
        "Condition": {
            "StringEquals": {"aws:SourceAccount": "222222222222"},
            "ArnLike": {"aws:SourceArn": "arn:aws:sagemaker:us-east-1:222222222222:*"},
        },
    }


def test_hardened_identity_policies(hardened):
    assert hardened[f"{TGT}/model-artifact-read.json"]["Statement"] == [
        {"Sid": "XgenReadModelArtifact", **ARTICLE_INLINE_1["Statement"][0]}
    ]
    assert hardened[f"{TGT}/model-key-use.json"]["Statement"] == [
        {
            "Sid": "XgenDecryptModelArtifactViaS3",
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": KEY_ARN,
            "Condition": {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}},
        }
    ]
    pull, token, logs, metrics = hardened[f"{TGT}/sagemaker-execution.json"]["Statement"]
    assert pull["Resource"] == "arn:aws:ecr:us-east-1:111111111111:repository/linear-learner"
    assert token == {
        "Sid": "XgenGetEcrAuthorizationToken",
        "Effect": "Allow",
        "Action": "ecr:GetAuthorizationToken",
        "Resource": "*",
    }
    group = "arn:aws:logs:us-east-1:222222222222:log-group:/aws/sagemaker/Endpoints/linear-learner"
    # CloudWatch Logs authorizes log-group actions on `NAME:*`, which also covers streams.
    assert logs["Resource"] == [group, f"{group}:*"]
    # SageMaker's CreateModel execution-role permissions list PutMetricData (no resource type).
    assert metrics == {
        "Sid": "XgenPublishEndpointMetrics",
        "Effect": "Allow",
        "Action": "cloudwatch:PutMetricData",
        "Resource": "*",
    }


VIA_SAGEMAKER_OR_EC2 = {
    "kms:ViaService": ["sagemaker.us-east-1.amazonaws.com", "ec2.us-east-1.amazonaws.com"]
}
# What EBS uses a customer managed key for (EBS user guide, "Permissions for EBS encryption").
EBS_KEY_ACTIONS = [
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:ReEncrypt*",
]


def test_hardened_volume_key_policy_grants_the_role_only_what_ebs_uses_via_sagemaker(hardened):
    admin, use, grants = hardened[f"{TGT}/volume-key-policy.json"]["Statement"]
    assert admin["Principal"] == {"AWS": "arn:aws:iam::222222222222:root"}
    assert use == {
        "Sid": "XgenExecutionRoleUseForEndpointStorage",
        "Effect": "Allow",
        "Principal": {"AWS": ROLE},
        "Action": EBS_KEY_ACTIONS,
        "Resource": "*",
        "Condition": {"StringEquals": VIA_SAGEMAKER_OR_EC2},
    }
    assert grants == {
        "Sid": "XgenExecutionRoleGrantsForEndpointStorage",
        "Effect": "Allow",
        "Principal": {"AWS": ROLE},
        "Action": "kms:CreateGrant",
        "Resource": "*",
        "Condition": {
            "StringEquals": VIA_SAGEMAKER_OR_EC2,
            "Bool": {"kms:GrantIsForAWSResource": "true"},
        },
    }


def test_extra_statements_are_kept_after_xgen_statements():
    keep = {
        "Sid": "TrainingWrites",
        "Effect": "Allow",
        "Principal": {"AWS": "111111111111"},
        "Action": "s3:PutObject",
        "Resource": "arn:aws:s3:::awsdoc-example-bucket/out/*",
    }
    spec = base_spec()
    spec["source"]["bucket_policy_statements"] = [keep]
    docs = _docs(Spec.model_validate(spec))
    assert docs[f"{SRC}/bucket-policy.json"]["Statement"][-1] == keep


def test_vpc_and_own_volume_key_extend_the_execution_policy():
    spec = base_spec()
    volume_key = KEY_ARN.replace("111111111111", "222222222222")
    spec["targets"][0].update(
        vpc={"subnet_ids": ["subnet-0123abcd"], "security_group_ids": ["sg-0123abcd"]},
        volume_kms_key_arn=volume_key,
    )
    docs = _docs(Spec.model_validate(spec))
    sids = {s["Sid"]: s for s in docs[f"{TGT}/sagemaker-execution.json"]["Statement"]}
    assert "ec2:CreateNetworkInterface" in sids["XgenManageVpcNetworkInterfaces"]["Action"]
    use, grant = sids["XgenUseEndpointVolumeKey"], sids["XgenGrantEndpointVolumeKeyToAwsResources"]
    assert use["Resource"] == grant["Resource"] == volume_key
    assert use["Action"] == EBS_KEY_ACTIONS
    assert use["Condition"] == {"StringEquals": VIA_SAGEMAKER_OR_EC2}
    assert grant["Condition"]["Bool"] == {"kms:GrantIsForAWSResource": "true"}
    assert f"{TGT}/volume-key-policy.json" not in docs  # the user's key, not one xgen creates


def _many_targets(role_name_length: int) -> dict:
    spec = base_spec()
    spec["targets"] = [
        {
            "name": f"t{i}",
            "account_id": f"{200000000000 + i}",
            "role_name": f"Role-{i:03d}-".ljust(role_name_length, "x"),
        }
        for i in range(100)
    ]
    return spec


def test_many_targets_share_compact_statements_within_aws_size_limits():
    spec = _many_targets(role_name_length=24)
    docs = _docs(Spec.model_validate(spec))
    bucket = docs[f"{SRC}/bucket-policy.json"]
    key = docs[f"{SRC}/key-policy.json"]
    assert len(bucket["Statement"]) == 2 and len(key["Statement"]) == 2
    roles = bucket["Statement"][1]["Condition"]["StringEquals"]["aws:PrincipalArn"]
    assert len(roles) == 100 and roles[42].endswith(":role/Role-042-" + "x" * 15)
    files = render(Spec.model_validate(spec)).files
    assert len(files[f"{SRC}/bucket-policy.json"]) < 20 * 1024  # as applied, whitespace included
    assert len(files[f"{SRC}/key-policy.json"]) < 32 * 1024
    assert len(files[f"{SRC}/ecr-repository-policy.json"]) < 10_240  # written without spaces
    assert b"\n  " not in files[f"{SRC}/ecr-repository-policy.json"]
    assert b"\n  " in files[f"{SRC}/key-policy.json"]  # indented where that fits


def test_other_partitions_use_their_arn_prefix_and_dns_suffix():
    spec = base_spec()
    spec["source"].update(
        region="cn-north-1",
        kms_key_arn=KEY_ARN.replace("aws:kms:us-east-1", "aws-cn:kms:cn-north-1"),
        image="111111111111.dkr.ecr.cn-north-1.amazonaws.com.cn/linear-learner:1",
    )
    docs = _docs(Spec.model_validate(spec))
    key_use = docs[f"{TGT}/model-key-use.json"]["Statement"][0]
    assert (
        key_use["Condition"]["StringEquals"]["kms:ViaService"] == "s3.cn-north-1.amazonaws.com.cn"
    )
    grant = docs[f"{SRC}/bucket-policy.json"]["Statement"][1]
    assert grant["Resource"].startswith("arn:aws-cn:s3:::")
    assert grant["Principal"] == {"AWS": "arn:aws-cn:iam::222222222222:root"}


def test_a_render_over_aws_size_limits_is_refused_before_writing(tmp_path, runner):
    path = write_spec(tmp_path, _many_targets(role_name_length=64))
    result = invoke(runner, "render", path, "-o", tmp_path / "out")
    assert result.exit_code == 2
    assert "policies/ecr-repository-policy.json would be" in result.stderr
    assert "over AWS's limit of 10240" in result.stderr
    assert not (tmp_path / "out").exists()
