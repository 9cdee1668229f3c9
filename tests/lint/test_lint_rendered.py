"""Renders of the example specs lint clean; hand edits to them are caught (XG040-XG042)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from lintkit import rule_ids

from generator.lint.config import Config
from generator.lint.deployment import Deployment
from generator.lint.engine import lint
from generator.lint.findings import Severity
from generator.spec import load_spec

SOURCE = "source-111111111111/policies"
TARGET = "target-staging-222222222222/policies"


def edit(folder: Path, relative: str, change: Any) -> None:
    path = folder / relative
    policy = json.loads(path.read_text())
    change(policy)
    path.write_text(json.dumps(policy, indent=2))


@pytest.fixture
def multi(rendered: dict[str, Path], tmp_path: Path) -> Path:
    """A private copy of the hardened render to tamper with."""
    return Path(shutil.copytree(rendered["multi-account"], tmp_path / "render"))


def test_hardened_render_is_clean(rendered: dict[str, Path]) -> None:
    result = lint([rendered["multi-account"]], config=Config())
    assert result.errors == []
    assert result.findings == []
    assert result.documents == 18


def test_seed_render_has_only_info_findings_about_hardening(rendered: dict[str, Path]) -> None:
    result = lint([rendered["seed-article"]], config=Config())
    assert result.errors == []
    assert {f.severity for f in result.findings} == {Severity.INFO}
    assert rule_ids(result) == {"XG020", "XG023", "XG025", "XG032"}
    assert all("profile hardened would tighten" in f.message for f in result.findings)
    messages = " | ".join(f"{Path(f.file).name}: {f.message}" for f in result.findings)
    # the key policy grants another account; the role's policy uses another account's key
    assert "key-policy.json: Allow use of the key grants account 222222222222 kms:" in messages
    assert "model-key-use.json: AllowUseOfTheKey grants this role (key of account " in messages


def test_seed_file_passed_alone_finds_its_manifest(rendered: dict[str, Path]) -> None:
    trust = rendered["seed-article"] / "target-prod-222222222222/policies/trust-policy.json"
    result = lint([trust], config=Config())
    assert [(f.rule, f.severity) for f in result.findings] == [("XG032", Severity.INFO)]


def test_role_in_source_condition_must_be_a_target_role(multi: Path) -> None:
    def rename(policy: dict[str, Any]) -> None:
        values = policy["Statement"][1]["Condition"]["StringEquals"]["aws:PrincipalArn"]
        values[0] = "arn:aws:iam::222222222222:role/OldRole"

    edit(multi, f"{SOURCE}/bucket-policy.json", rename)
    result = lint([multi], config=Config())
    assert rule_ids(result) == {"XG040", "XG042"}  # and staging's real role lost access
    assert {f.line for f in result.findings if f.rule == "XG040"} == {34}  # the role ARN


def test_target_must_name_the_source_key(multi: Path) -> None:
    other = "arn:aws:kms:eu-west-1:111111111111:key/99999999-4b5a-6978-8695-a4b3c2d1e0f9"
    edit(multi, f"{TARGET}/model-key-use.json", lambda p: p["Statement"][0].update(Resource=other))
    assert rule_ids(lint([multi], config=Config())) == {"XG041"}


def test_every_target_must_appear_in_every_source_policy(multi: Path) -> None:
    def drop_analytics(policy: dict[str, Any]) -> None:
        grant = policy["Statement"][1]
        grant["Principal"]["AWS"] = grant["Principal"]["AWS"][:2]

    edit(multi, f"{SOURCE}/key-policy.json", drop_analytics)
    result = lint([multi], config=Config())
    assert rule_ids(result) == {"XG042"}
    assert "analytics" in result.findings[0].message


def test_spec_gives_plain_files_the_deployment(tmp_path: Path, rendered: dict[str, Path]) -> None:
    """Outside a render, --spec tells lint which key the target must name."""
    source = rendered["multi-account"] / TARGET / "model-key-use.json"
    policy = json.loads(source.read_text())
    policy["Statement"][0]["Resource"] = "arn:aws:kms:eu-west-1:111111111111:key/other"
    loose = tmp_path / "key-use.json"
    loose.write_text(json.dumps(policy))
    spec = Deployment.from_spec(load_spec(Path("examples/multi-account/spec.yaml")))
    assert rule_ids(lint([loose], config=Config(), deployment=spec)) == {"XG041"}
    assert rule_ids(lint([loose], config=Config())) == set()


@pytest.mark.parametrize(
    ("resource", "action", "expected"),
    [
        ("*", "s3:*", {"XG011", "XG012"}),
        ("arn:aws:s3:::*", "s3:GetObject", {"XG011"}),
        ("arn:aws:s3:::ml-training-output-*/*", "s3:GetObject", {"XG011"}),
        ("*", "logs:PutLogEvents", set()),
        ("arn:aws:s3:::another-bucket/*", "s3:GetObject", set()),
    ],
)
def test_a_target_role_reading_the_source_through_a_pattern_is_caught(
    multi: Path, resource: str, action: str, expected: set[str]
) -> None:
    """A target role's statement on `*` reaches the artifact as surely as one on bucket/*."""
    grant = {"Effect": "Allow", "Action": action, "Resource": resource}
    edit(multi, f"{TARGET}/sagemaker-execution.json", lambda p: p["Statement"].append(grant))
    assert rule_ids(lint([multi], config=Config())) == expected
