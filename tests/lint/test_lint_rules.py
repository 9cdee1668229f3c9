"""One firing and one non-firing policy per document rule (ruff's fixture-per-rule shape).

Context rules (XG040-XG042) need a deployment and are in test_lint_rendered.py; the
per-role size rule (XG008) in test_lint_role_size.py; the suppression rules (XG050,
XG051) in test_lint_inputs.py; the least-privilege rules in test_lint_privilege.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lintkit import lint_policy, rule_ids
from test_lint_privilege import COVERED

from generator.lint.registry import load_rules

V = "2012-10-17"
OWNER = "arn:aws:iam::111111111111:root"
FOREIGN = "arn:aws:iam::222222222222:root"
ROLE = "arn:aws:iam::222222222222:role/AmazonSageMaker"
OBJECT = "arn:aws:s3:::bucket/sagemaker/output/model.tar.gz"
KEY = "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ROLE_CONDITION = {"StringEquals": {"aws:PrincipalArn": ROLE}}
ADMIN = {"Effect": "Allow", "Principal": {"AWS": OWNER}, "Action": "kms:*", "Resource": "*"}


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": V, "Statement": list(statements)}


def read(resource: str = OBJECT, action: Any = "s3:GetObject", **extra: Any) -> dict[str, Any]:
    """A bucket-policy grant to the foreign account's root, role-conditioned."""
    statement = {
        "Effect": "Allow",
        "Principal": {"AWS": FOREIGN},
        "Action": action,
        "Resource": resource,
        "Condition": ROLE_CONDITION,
    }
    statement.update(extra)
    return statement


def key_grant(action: Any = "kms:Decrypt", **extra: Any) -> dict[str, Any]:
    statement = {
        "Effect": "Allow",
        "Principal": {"AWS": FOREIGN},
        "Action": action,
        "Resource": "*",
        "Condition": {
            "StringEquals": {
                "kms:ViaService": "s3.us-east-1.amazonaws.com",
                "aws:PrincipalArn": ROLE,
            }
        },
    }
    statement.update(extra)
    return statement


def trust(**condition: Any) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"Service": "sagemaker.amazonaws.com"},
        "Action": "sts:AssumeRole",
    }
    if condition:
        statement["Condition"] = condition
    return doc(statement)


PACKAGE = "arn:aws:sagemaker:us-east-1:111111111111:model-package/churn/8"

# rule id -> (bad policy, good policy, kind or None for inference)
CASES: dict[str, tuple[dict[str, Any], dict[str, Any], str | None]] = {
    "XG001": ({"Statement": read()}, doc(read()), None),
    "XG002": (doc(read(action="s3:GetObjects")), doc(read(action="s3:GetObject*")), None),
    "XG003": (doc(read(resource="arn:aws:s3::bucket/model.tar.gz")), doc(read()), None),
    "XG004": (
        doc(read(Principal={"AWS": "22222222222"})),
        doc(read(Principal={"AWS": "222222222222"})),
        None,
    ),
    "XG005": (
        doc(read(Principal="*", Condition={})),
        doc(
            read(
                Principal="*", Effect="Deny", Condition={"Bool": {"aws:SecureTransport": "false"}}
            ),
            read(Principal="*", Condition={"StringEquals": {"aws:PrincipalArn": ROLE}}),
        ),
        "bucket",
    ),
    "XG006": (
        doc({"Effect": "Allow", "NotAction": "s3:DeleteObject", "Resource": OBJECT}),
        doc({"Effect": "Deny", "NotAction": "s3:GetObject", "Resource": OBJECT}),
        None,
    ),
    "XG007": (
        doc(*[read(Sid=f"S{i}") for i in range(100)]),
        doc(*[read(Sid=f"S{i}") for i in range(20)]),
        "bucket",
    ),
    "XG010": (doc(read(resource="arn:aws:s3:::bucket/sagemaker/*")), doc(read()), None),
    "XG011": (
        doc(
            read(
                resource=["arn:aws:s3:::bucket", "arn:aws:s3:::bucket/*"],
                action=["s3:GetObject", "s3:ListBucket"],
            )
        ),
        doc(
            read(),
            read(
                Principal={"AWS": "arn:aws:iam::111111111111:role/T"},
                resource="arn:aws:s3:::bucket/*",
            ),
        ),
        None,
    ),
    "XG012": (
        doc(read(action="s3:*")),
        doc(read(Principal={"AWS": "arn:aws:iam::111111111111:role/T"}, action="s3:*")),
        None,
    ),
    "XG020": (
        doc(
            read(Principal={"AWS": "222222222222"}, Condition={}),
            read(
                Condition={"StringLike": {"aws:PrincipalArn": "arn:aws:iam::222222222222:role/*"}}
            ),
        ),
        doc(
            read(Condition={"StringEquals": {"AWS:PRINCIPALARN": ROLE}}),
            read(Principal={"AWS": "222222222222"}),
        ),
        None,
    ),
    "XG021": (
        doc(
            read(
                Condition={
                    "StringEquals": {
                        "aws:PrincipalArn": "arn:aws:iam::222222222222:user/AmazonSageMaker"
                    }
                }
            )
        ),
        doc(read()),
        None,
    ),
    "XG022": (doc(ADMIN, key_grant(action="kms:*")), doc(ADMIN, key_grant()), None),
    "XG023": (
        doc(ADMIN, key_grant(action=["kms:Decrypt", "kms:GenerateDataKey*"])),
        doc(ADMIN, key_grant(action=["kms:Decrypt", "kms:DescribeKey"])),
        None,
    ),
    "XG024": (doc(ADMIN, key_grant(action="kms:DescribeKey")), doc(ADMIN, key_grant()), None),
    "XG025": (
        doc(ADMIN, key_grant(Condition=ROLE_CONDITION)),
        doc(ADMIN, key_grant()),
        None,
    ),
    "XG026": (
        doc(
            read(
                Condition={
                    "StringEquals": {
                        "aws:PrincipalArn": ROLE,
                        "s3:x-amz-server-side-encryption-aws-kms-key-id": (
                            "arn:aws:kms:us-east-1:111111111111:alias/aws/s3"
                        ),
                    }
                }
            )
        ),
        doc({"Effect": "Allow", "Action": "kms:Decrypt", "Resource": KEY}),
        None,
    ),
    "XG030": (doc(key_grant()), doc(key_grant(), ADMIN), "key"),
    "XG032": (
        trust(StringNotEquals={"aws:SourceAccount": "222222222222"}),
        trust(StringEquals={"AWS:SourceAccount": "222222222222"}),
        None,
    ),
    "XG014": (
        doc({"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}),
        doc(
            {
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": "arn:aws:iam::222222222222:role/AmazonSageMaker",
            }
        ),
        None,
    ),
    "XG016": (
        doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket"}),
        doc(
            {
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:ListBucket"],
                "Resource": ["arn:aws:s3:::bucket", "arn:aws:s3:::bucket/models/*"],
            },
            {"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "arn:aws:logs:*:*:*"},
        ),
        None,
    ),
    "XG017": (
        doc(
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": OBJECT,
                "Condition": {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}},
            }
        ),
        doc(
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Principal": {
                    "Federated": "arn:aws:iam::111111111111:oidc-provider/app.terraform.io"
                },
                "Condition": {"StringEquals": {"app.terraform.io:aud": "aws.workload.identity"}},
            },
            {
                "Effect": "Allow",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": "*",
                "Condition": {"StringEquals": {"secretsmanager:ResourceTag/team": "ml"}},
            },
        ),
        None,
    ),
    "XG070": (
        doc(
            read(
                action=["sagemaker:DescribeModelPackage", "sagemaker:UpdateModelPackage"],
                resource=PACKAGE,
                Condition={"StringEquals": {"aws:PrincipalArn": ROLE}},
            )
        ),
        doc(
            read(
                action="sagemaker:DescribeModelPackage",
                resource=PACKAGE,
                Condition={"StringEquals": {"aws:PrincipalArn": ROLE}},
            )
        ),
        "model-package-group",
    ),
}


def test_every_document_rule_has_a_case() -> None:
    document_rules = {r.id for r in load_rules().values() if r.scope == "document"}
    context_rules = {"XG031", "XG040", "XG041", "XG042"}  # XG031: test_lint_terraform_real
    assert document_rules - context_rules - COVERED == set(CASES)


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_bad_case_fires(tmp_path: Path, rule_id: str) -> None:
    bad, _, kind = CASES[rule_id]
    assert rule_id in rule_ids(lint_policy(tmp_path, bad, kind))


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_good_case_is_clean(tmp_path: Path, rule_id: str) -> None:
    _, good, kind = CASES[rule_id]
    result = lint_policy(tmp_path, good, kind)
    assert result.findings == []
    assert result.errors == []
