"""The Model Registry path through real Terraform against a moto server.

The source account holds a model package group with registered versions (one Approved, one
pending); the render's source root applies the group's policy, each target creates its
model from the version it serves (`model_package_name`). Then: the live group policy is
the rendered one, each live model names its package, `xgen audit` reports the version
that is not Approved (XA007) and nothing else, and passes once it is approved; a second
plan is empty; destroy deletes the group's policy. The test server's model package group
policies are described in tests/aws/moto_server.py (item 5).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from generator.manifest import read_manifest
from tests.conftest import EXAMPLES, invoke
from tests.terraformkit import require_terraform

from .conftest import running_moto
from .e2ekit import Accounts, Roots, audit_json, in_parallel

SPEC = EXAMPLES / "model-registry" / "spec.yaml"
CI_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "TrainingPipelineRegistersVersions",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111111111111:role/TrainingPipeline"},
            "Action": ["sagemaker:CreateModelPackage", "sagemaker:DescribeModelPackageGroup"],
            "Resource": [
                "arn:aws:sagemaker:eu-central-1:111111111111:model-package-group/fraud-detector",
                "arn:aws:sagemaker:eu-central-1:111111111111:model-package/fraud-detector/*",
            ],
        }
    ],
}


def _arrange(accounts: Accounts, spec: dict[str, Any]) -> str:
    """Bucket, artifacts, key, repository and the group with versions 1-4 (3 approved)."""
    source = spec["source"]
    account = source["account_id"]
    accounts.add(account)
    s3 = accounts.client(account, "s3")
    key_arn = accounts.client(account, "kms").create_key()["KeyMetadata"]["Arn"]
    models = spec["models"]
    bucket = next(iter(models.values()))["artifact"].removeprefix("s3://").split("/", 1)[0]
    s3.create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": accounts.region}
    )
    for name, version in models.items():
        key = version["artifact"].removeprefix("s3://").split("/", 1)[1]
        s3.put_object(
            Bucket=bucket,
            Key=key,
            Body=name.encode(),
            ServerSideEncryption="aws:kms",
            SSEKMSKeyId=key_arn,
        )
    repository = next(iter(models.values()))["image"].split("/", 1)[1].split(":")[0]
    accounts.client(account, "ecr").create_repository(repositoryName=repository)
    sagemaker = accounts.client(account, "sagemaker")
    group = source["model_package_group"]["name"]
    sagemaker.create_model_package_group(ModelPackageGroupName=group)
    by_number = {v["package_version"]: v for v in models.values()}
    for number in range(1, 5):
        version = by_number.get(number, next(iter(models.values())))
        sagemaker.create_model_package(
            ModelPackageGroupName=group,
            InferenceSpecification={
                "Containers": [{"Image": version["image"], "ModelDataUrl": version["artifact"]}],
                "SupportedContentTypes": ["text/csv"],
                "SupportedResponseMIMETypes": ["text/csv"],
            },
            ModelApprovalStatus="Approved" if number == 3 else "PendingManualApproval",
        )
    return key_arn


def _import_the_live_group_policy(
    accounts: Accounts, spec_path: Path, spec: dict[str, Any], runner, monkeypatch
) -> dict[str, Any]:
    """The group already has a policy (a training pipeline registers versions): audit warns
    that the apply would delete it (XA008), and `xgen import` keeps it in the spec."""
    account = spec["source"]["account_id"]
    group = spec["source"]["model_package_group"]["name"]
    accounts.client(account, "sagemaker").put_model_package_group_policy(
        ModelPackageGroupName=group, ResourcePolicy=json.dumps(CI_POLICY)
    )
    _, report = audit_json(accounts, spec_path, runner, monkeypatch)
    assert "XA008" in {f["rule"] for f in report["findings"]}, report["findings"]
    imported = invoke(runner, "import", spec_path, "--profile", f"{account}=a{account}")
    assert imported.exit_code == 0, imported.output
    spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    assert spec["source"]["model_package_group"]["policy_statements"] == CI_POLICY["Statement"]
    return spec


def test_targets_deploy_registry_versions_and_the_audit_gates_on_approval(
    tmp_path: Path, runner, monkeypatch
) -> None:
    terraform = require_terraform(tmp_path)
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    with running_moto(tmp_path / "moto.log") as url:
        accounts = Accounts(url, spec["source"]["region"])
        key_arn = _arrange(accounts, spec)
        spec["source"]["kms_key_arn"] = key_arn
        spec["source"]["model_package_group"]["kms_key_arn"] = key_arn
        for target in spec["targets"]:
            accounts.add(target["account_id"])
        spec_path = tmp_path / "spec.yaml"
        spec_path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
        spec = _import_the_live_group_policy(accounts, spec_path, spec, runner, monkeypatch)
        account = spec["source"]["account_id"]
        sagemaker = accounts.client(account, "sagemaker")
        group = spec["source"]["model_package_group"]["name"]
        out = tmp_path / "rendered"
        assert invoke(runner, "render", spec_path, "-o", out).exit_code == 0
        roots = Roots(out, accounts, terraform)
        source, *targets = roots.all()
        roots.apply(source, "registry")
        in_parallel(lambda root: roots.apply(root, "registry"), targets)

        live = json.loads(
            sagemaker.get_model_package_group_policy(ModelPackageGroupName=group)["ResourcePolicy"]
        )
        rendered = json.loads(
            (out / source / "policies" / "model-package-group-policy.json").read_text()
        )
        assert live == rendered
        assert CI_POLICY["Statement"][0] in live["Statement"]  # kept through the apply
        manifest = read_manifest(out)
        for target in manifest.targets:
            client = accounts.client(target.account_id, "sagemaker")
            model = client.describe_model(ModelName=target.model_name)
            assert model["PrimaryContainer"]["ModelPackageName"] == target.packages[0]

        code, report = audit_json(accounts, spec_path, runner, monkeypatch)
        pending = [f for f in report["findings"] if f["rule"] == "XA007"]
        assert code == 1 and report["drift"] == [], report
        assert [f["file"] for f in pending] == [f"live:{manifest.targets[0].packages[0]}"]
        assert {f["rule"] for f in report["findings"] if f["severity"] != "info"} == {"XA007"}
        sagemaker.update_model_package(
            ModelPackageArn=manifest.targets[0].packages[0], ModelApprovalStatus="Approved"
        )
        code, report = audit_json(accounts, spec_path, runner, monkeypatch)
        assert code == 0, report

        for root, status, text in in_parallel(roots.plan, roots.all()):
            assert status == 0, f"{root} plans a change after apply:\n{text}"
        destroy = ("destroy", "-auto-approve", "-input=false")
        for root in [*targets, source]:
            env = accounts.terraform_env(terraform, roots.account_of(root))
            terraform.run(out / root, *destroy, env=env)
        try:
            sagemaker.get_model_package_group_policy(ModelPackageGroupName=group)
        except sagemaker.exceptions.ClientError as error:
            assert "Cannot find resource policy" in str(error)
        else:
            raise AssertionError("destroy left the group's policy in place")
