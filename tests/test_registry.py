"""Deploying from the Model Registry: the group's policy, the targets' models, its checks."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.errors import InputError
from generator.model import Spec
from generator.policy.source import key_policy, model_package_group_policy
from generator.policy.target import execution_policy
from generator.spec import parse_spec
from tests.conftest import EXAMPLES, invoke

SPEC = EXAMPLES / "model-registry" / "spec.yaml"
GROUP = "arn:aws:sagemaker:eu-central-1:111111111111:model-package-group/fraud-detector"
PACKAGE = "arn:aws:sagemaker:eu-central-1:111111111111:model-package/fraud-detector"
STAGING = "arn:aws:iam::222222222222:role/FraudDetectorExecution"
PROD = "arn:aws:iam::333333333333:role/FraudDetectorExecution"


def example() -> dict[str, Any]:
    return yaml.safe_load(SPEC.read_text(encoding="utf-8"))


def spec_of(data: dict[str, Any]) -> Spec:
    return parse_spec(yaml.safe_dump(data, sort_keys=False).encode(), "spec.yaml")


def test_the_group_policy_lets_each_role_read_exactly_its_versions_and_never_write() -> None:
    statements = model_package_group_policy(spec_of(example()))["Statement"]
    granted = {
        s["Resource"]: (s["Action"], s["Condition"]["StringEquals"]["aws:PrincipalArn"])
        for s in statements
    }
    assert granted == {
        GROUP: ("sagemaker:DescribeModelPackageGroup", [STAGING, PROD]),
        f"{PACKAGE}/3": ("sagemaker:DescribeModelPackage", PROD),
        f"{PACKAGE}/4": ("sagemaker:DescribeModelPackage", STAGING),
    }


def test_the_role_reads_its_package_and_the_key_its_metadata_via_sagemaker() -> None:
    spec = spec_of(example())
    staging, _ = spec.targets
    statements = {s["Sid"]: s for s in execution_policy(spec, staging)["Statement"]}
    assert statements["XgenReadModelPackages"]["Resource"] == f"{PACKAGE}/4"
    assert statements["XgenReadModelPackageGroup"]["Resource"] == GROUP
    [metadata] = [
        s
        for s in key_policy(spec)["Statement"]
        if s.get("Sid") == "XgenTargetRolesDecryptModelPackagesViaSageMaker"
    ]
    assert metadata["Condition"]["StringEquals"]["kms:ViaService"] == (
        "sagemaker.eu-central-1.amazonaws.com"
    )


def test_without_a_metadata_key_the_key_policy_has_no_sagemaker_statement() -> None:
    data = example()
    del data["source"]["model_package_group"]["kms_key_arn"]
    sids = [s.get("Sid") for s in key_policy(spec_of(data))["Statement"]]
    assert "XgenTargetRolesDecryptModelPackagesViaSageMaker" not in sids


def test_targets_create_their_model_from_the_package(tmp_path: Path, runner) -> None:
    out = tmp_path / "out"
    assert invoke(runner, "render", SPEC, "-o", out).exit_code == 0
    main = (out / "target-staging-222222222222" / "main.tf").read_text()
    assert f'model_package_name       = "{PACKAGE}/4"' in main
    source = (out / "source-111111111111" / "main.tf").read_text()
    assert 'model_package_group_name   = "fraud-detector"' in source
    manifest = json.loads((out / "xgen-manifest.json").read_text())
    assert [t["packages"] for t in manifest["targets"]] == [[f"{PACKAGE}/4"], [f"{PACKAGE}/3"]]
    kinds = {d["path"]: d["kind"] for d in manifest["documents"]}
    assert kinds["source-111111111111/policies/model-package-group-policy.json"] == (
        "model-package-group"
    )


REFUSED = {
    "package without a group": (
        lambda d: d["source"].pop("model_package_group"),
        "models.v3.package_version: names a package, but source has no model_package_group",
    ),
    "version without a package": (
        lambda d: d["models"]["v4"].pop("package_version"),
        "models.v4.package_version: required with source.model_package_group",
    ),
    "another metadata key": (
        lambda d: d["source"]["model_package_group"].update(
            kms_key_arn="arn:aws:kms:eu-central-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
        ),
        "source.model_package_group.kms_key_arn: is not source.kms_key_arn",
    ),
    "uppercase group": (
        lambda d: d["source"]["model_package_group"].update(name="Fraud"),
        "'Fraud' is not a model package group name xgen can grant exactly",
    ),
    "version zero": (
        lambda d: d["models"]["v3"].update(package_version=0),
        "models.v3.package_version",
    ),
}


@pytest.mark.parametrize("case", REFUSED, ids=list(REFUSED))
def test_a_registry_spec_that_does_not_fit_is_refused(case: str) -> None:
    change, expected = REFUSED[case]
    data = copy.deepcopy(example())
    change(data)
    with pytest.raises(InputError) as error:
        spec_of(data)
    assert expected in str(error.value)


def test_lint_flags_a_group_policy_that_lets_a_target_approve(tmp_path: Path, runner) -> None:
    out = tmp_path / "out"
    invoke(runner, "render", SPEC, "-o", out)
    path = out / "source-111111111111" / "policies" / "model-package-group-policy.json"
    policy = json.loads(path.read_text())
    policy["Statement"][1]["Action"] = ["sagemaker:DescribeModelPackage", "sagemaker:Update*"]
    path.write_text(json.dumps(policy, indent=2))
    result = invoke(runner, "lint", out, "--format", "json")
    found = json.loads(result.stdout)["findings"]
    assert [(f["rule"], f["line"]) for f in found] == [("XG070", 32)]
    assert "UpdateModelPackage" in found[0]["message"]
    verify = invoke(runner, "verify", out)
    assert verify.exit_code == 1 and "sagemaker:UpdateModelPackage" in verify.stdout


def test_a_plain_group_policy_file_is_read_as_one(tmp_path: Path, runner) -> None:
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
                "Action": ["sagemaker:DescribeModelPackage", "sagemaker:UpdateModelPackage"],
                "Resource": f"{PACKAGE}/*",
            }
        ],
    }
    path = tmp_path / "group-policy.json"
    path.write_text(json.dumps(policy, indent=2))
    found = json.loads(invoke(runner, "lint", path, "--format", "json").stdout)["findings"]
    assert {f["rule"] for f in found} >= {"XG070", "XG020"}


def test_the_registry_example_verifies(runner) -> None:
    result = invoke(runner, "verify", EXAMPLES / "model-registry" / "rendered")
    assert result.exit_code == 0, result.stdout
    assert "registry" in result.stdout
