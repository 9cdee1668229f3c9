"""A landing zone through real Terraform against the moto server: render, apply, audit,
plan again (no change), destroy.

The platform team's parts exist first: the execution role of one target (with a path and
its own trust policy), the permissions boundary of the other, a deploy role per account
that each provider assumes (`assume_role`, through moto's STS), and the state bucket the
rendered `backend "s3"` writes every root module's state to.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.manifest import read_manifest
from tests.conftest import invoke
from tests.terraformkit import require_terraform
from tests.test_landing_zones import BOUNDARY, EXISTING_ROLE, landing_zone_spec

from .conftest import REGION, TARGET_ACCOUNT, running_moto
from .e2ekit import Accounts
from .test_audit import Deployment, audit_json, session
from .test_terraform_e2e import Case, _audit_clean, _source_resources

STATE_BUCKET = "lz-terraform-state"
# The platform's trust: SageMaker, for this account only (confused-deputy prevention).
# https://docs.aws.amazon.com/sagemaker/latest/dg/security-confused-deputy-prevention.html
PLATFORM_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "PlatformSageMaker",
            "Effect": "Allow",
            "Principal": {"Service": "sagemaker.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": "222222222222"}},
        }
    ],
}
# The boundary allows what the rendered inline policies grant, and nothing of IAM.
BOUNDARY_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["s3:GetObject", "kms:Decrypt", "ecr:*", "logs:*", "cloudwatch:*"],
            "Resource": "*",
        }
    ],
}


def _platform(accounts: Accounts, spec: dict[str, Any]) -> None:
    """What the platform team made before xgen: roles, the boundary, the state bucket."""
    existing = accounts.client("222222222222", "iam")
    path, name = EXISTING_ROLE.split(":role", 1)[1].rsplit("/", 1)
    existing.create_role(
        RoleName=name, Path=f"{path}/", AssumeRolePolicyDocument=json.dumps(PLATFORM_TRUST)
    )
    bounded = accounts.client("333333333333", "iam")
    bounded.create_policy(
        PolicyName=BOUNDARY.rsplit("/", 1)[1],
        Path="/boundaries/",
        PolicyDocument=json.dumps(BOUNDARY_POLICY),
    )
    for arn in [spec["source"]["deploy_role_arn"], spec["targets"][0]["deploy_role_arn"]]:
        account = arn.split(":")[4]
        path, name = arn.split(":role", 1)[1].rsplit("/", 1)
        accounts.client(account, "iam").create_role(
            RoleName=name, Path=f"{path}/", AssumeRolePolicyDocument=json.dumps(PLATFORM_TRUST)
        )
    # the state bucket is in the source account here (any account the credentials reach)
    accounts.client(spec["source"]["account_id"], "s3").create_bucket(Bucket=STATE_BUCKET)


def test_a_landing_zone_applies_audits_replans_clean_and_destroys(
    tmp_path: Path, runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    terraform = require_terraform(tmp_path)
    spec = landing_zone_spec(region="us-east-1")
    with running_moto(tmp_path / "moto.log") as url:
        accounts = Accounts(url, spec["source"]["region"])
        spec["source"]["kms_key_arn"] = _source_resources(accounts, spec)
        for target in spec["targets"]:
            accounts.add(target["account_id"])
        _platform(accounts, spec)
        spec_path = tmp_path / "spec.yaml"
        spec_path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
        out = tmp_path / "rendered"
        assert invoke(runner, "render", spec_path, "-o", out).exit_code == 0
        manifest = read_manifest(out)
        roots = [manifest.source.dir, *(t.dir for t in manifest.targets)]
        # Terraform runs with the source account's credentials everywhere: a provider with a
        # deploy role reaches its account through assume_role; the bounded target has none,
        # so it runs with its own account's credentials (allowed_account_ids holds).
        runs_as = {root: spec["source"]["account_id"] for root in roots}
        runs_as[manifest.targets[1].dir] = manifest.targets[1].account_id

        def tf(root: str, *args: str, check: bool = True):
            env = accounts.terraform_env(terraform, runs_as[root])
            return terraform.run(out / root, *args, env=env, check=check)

        for root in roots:
            # moto serves every bucket on one host: path-style is the one setting the
            # rendered backend lacks for it (a partial configuration, merged by init)
            tf(root, "init", "-input=false", "-backend-config=use_path_style=true")
            tf(root, "apply", "-auto-approve", "-input=false")
        states = accounts.client(spec["source"]["account_id"], "s3").list_objects_v2(
            Bucket=STATE_BUCKET
        )
        assert sorted(o["Key"] for o in states["Contents"]) == sorted(
            f"linear-learner/{root}/terraform.tfstate" for root in roots
        )
        assert "aws_iam_role.this" not in tf(manifest.targets[0].dir, "state", "list").stdout

        iam = accounts.client("222222222222", "iam")
        role = iam.get_role(RoleName="SageMakerExecution")["Role"]
        assert role["AssumeRolePolicyDocument"] == PLATFORM_TRUST, "the trust stays theirs"
        assert sorted(iam.list_role_policies(RoleName="SageMakerExecution")["PolicyNames"]) == [
            "model-artifact-read",
            "model-key-use",
            "sagemaker-execution",
        ]
        model = accounts.client("222222222222", "sagemaker").describe_model(
            ModelName=manifest.targets[0].model_name
        )
        assert model["ExecutionRoleArn"] == EXISTING_ROLE
        bounded = accounts.client("333333333333", "iam").get_role(RoleName="BoundedRole")["Role"]
        assert bounded["PermissionsBoundary"]["PermissionsBoundaryArn"] == BOUNDARY

        # the audit reads the platform's trust live and proves it (SageMaker, this account)
        report = _audit_clean(Case(spec, spec_path, accounts, terraform), monkeypatch, runner)
        trusted = {c["target"] for c in report["checks"] if c["layer"] == "trust" and c["ok"]}
        assert trusted == {"prod", "bounded"}

        for root in roots:
            planned = tf(root, "plan", "-detailed-exitcode", "-input=false", check=False)
            assert planned.returncode == 0, f"{root}: {planned.stdout[-3000:]}"
        for root in reversed(roots):
            tf(root, "destroy", "-auto-approve", "-input=false")
        assert iam.get_role(RoleName="SageMakerExecution")["Role"]["Arn"] == EXISTING_ROLE
        assert iam.list_role_policies(RoleName="SageMakerExecution")["PolicyNames"] == []


def test_audit_proves_the_platform_roles_live_trust_and_leaves_its_policies_alone(
    tmp_path: Path,
) -> None:
    """A trust without aws:SourceAccount on the platform's role fails audit; the platform's
    own inline policy on it is not drift."""
    deployed = Deployment(tmp_path)
    deployed.apply()  # the role as a created one would be; then the spec names it instead
    spec = yaml.safe_load(deployed.spec.read_text(encoding="utf-8"))
    target = spec["targets"][0]
    target["existing_role_arn"] = f"arn:aws:iam::{TARGET_ACCOUNT}:role/{target.pop('role_name')}"
    deployed.spec.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    iam = session("target").client("iam", region_name=REGION)
    # the platform's own grant on its role (broad ones are linted like any live policy)
    platform = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "logs:PutRetentionPolicy",
                "Resource": f"arn:aws:logs:{REGION}:{TARGET_ACCOUNT}:log-group:/platform/*",
            }
        ],
    }
    iam.put_role_policy(
        RoleName=deployed.role_name,
        PolicyName="platform-baseline",
        PolicyDocument=json.dumps(platform),
    )
    code, report = audit_json(deployed)
    assert (code, report["drift"]) == (0, []), report
    assert {c["target"] for c in report["checks"] if c["layer"] == "trust"} == {"prod"}

    loose = {**PLATFORM_TRUST, "Statement": [{**PLATFORM_TRUST["Statement"][0]}]}
    del loose["Statement"][0]["Condition"]
    iam.update_assume_role_policy(RoleName=deployed.role_name, PolicyDocument=json.dumps(loose))
    code, report = audit_json(deployed)
    assert code == 1 and report["drift"] == []
    failed = [c for c in report["checks"] if not c["ok"]]
    assert failed and {c["layer"] for c in failed} == {"trust"}
    assert any(f["file"].endswith("policies/trust-policy.json") for f in report["findings"])
