"""Landing zones: an existing execution role, a permissions boundary, deploy roles, S3 state.

The render is read back with python-hcl2 (what each option writes), checked by lint and
verify, and initialised and validated by real Terraform in tests/test_terraform.py (its
`landing-zone` render); tests/aws/test_landing_zones.py applies one against moto.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import hcl2
import pytest
from hcl2 import SerializationOptions

from generator.manifest import read_manifest
from generator.model import Spec
from generator.output import write
from generator.render import render
from tests.conftest import base_spec, invoke, write_spec
from tests.terraformkit import require_terraform

OPTIONS = SerializationOptions(strip_string_quotes=True, explicit_blocks=False, with_comments=False)
EXISTING_ROLE = "arn:aws:iam::222222222222:role/platform/ml/SageMakerExecution"
BOUNDARY = "arn:aws:iam::333333333333:policy/boundaries/MlBoundary"
SOURCE_DEPLOY = "arn:aws:iam::111111111111:role/platform/XgenDeploy"
TARGET_DEPLOY = "arn:aws:iam::222222222222:role/XgenDeploy"


def landing_zone_spec(**backend: Any) -> dict[str, Any]:
    """The base spec with every landing-zone option: one target on the platform's role,
    one creating a role under a boundary, deploy roles, and an S3 backend."""
    spec = base_spec(backend={"bucket": "lz-terraform-state", "region": "eu-central-1", **backend})
    spec["source"]["deploy_role_arn"] = SOURCE_DEPLOY
    existing = spec["targets"][0]
    del existing["role_name"]
    existing.update(existing_role_arn=EXISTING_ROLE, deploy_role_arn=TARGET_DEPLOY)
    spec["targets"].append(
        {
            "name": "bounded",
            "account_id": "333333333333",
            "role_name": "BoundedRole",
            "permissions_boundary_arn": BOUNDARY,
        }
    )
    return spec


def _hcl(path: Path) -> dict[str, Any]:
    return hcl2.loads(path.read_text(encoding="utf-8"), serialization_options=OPTIONS)


@pytest.fixture(name="out")
def _out(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    write(render(Spec.model_validate(landing_zone_spec())), out)
    return out


def _backend(root: Path) -> dict[str, Any]:
    (terraform,) = _hcl(root / "versions.tf")["terraform"]
    (backend,) = terraform["backend"]
    return {"required_version": terraform["required_version"], **backend["s3"]}


def test_every_root_module_has_its_own_state_key_in_the_s3_backend(out: Path):
    manifest = read_manifest(out)
    folders = [manifest.source.dir, *(t.dir for t in manifest.targets)]
    for folder in folders:
        assert _backend(out / folder) == {
            # use_lockfile is Terraform 1.10's S3 lock: the minimum is raised for it only
            "required_version": ">= 1.10.0, < 2.0.0",
            "bucket": "lz-terraform-state",
            "key": f"linear-learner/{folder}/terraform.tfstate",
            "region": "eu-central-1",
            "use_lockfile": True,
            "encrypt": True,
        }


def test_a_dynamodb_lock_table_keeps_the_old_minimum_version(tmp_path: Path):
    key = "arn:aws:kms:eu-central-1:999999999999:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    spec = landing_zone_spec(dynamodb_table="terraform-locks", key_prefix="ml/x", kms_key_id=key)
    write(render(Spec.model_validate(spec)), tmp_path / "out")
    assert _backend(tmp_path / "out" / "source-111111111111") == {
        "required_version": ">= 1.5.0, < 2.0.0",
        "bucket": "lz-terraform-state",
        "key": "ml/x/source-111111111111/terraform.tfstate",
        "region": "eu-central-1",
        "dynamodb_table": "terraform-locks",
        "encrypt": True,
        "kms_key_id": key,
    }


def test_each_provider_assumes_its_accounts_deploy_role_and_keeps_the_account_pin(out: Path):
    expected = {
        "source-111111111111": (
            "111111111111",
            [{"role_arn": SOURCE_DEPLOY, "session_name": "xgen"}],
        ),
        "target-prod-222222222222": (
            "222222222222",
            [{"role_arn": TARGET_DEPLOY, "session_name": "xgen"}],
        ),
        "target-bounded-333333333333": ("333333333333", None),
    }
    for folder, (account, assume) in expected.items():
        (provider,) = _hcl(out / folder / "providers.tf")["provider"]
        assert provider["aws"]["allowed_account_ids"] == [account]
        assert provider["aws"].get("assume_role") == assume, folder


def test_an_existing_role_gets_inline_policies_but_no_role_and_no_trust_policy(out: Path):
    folder = out / "target-prod-222222222222"
    (module,) = _hcl(folder / "main.tf")["module"]
    deploy = module["deploy_account"]
    assert (deploy["create_role"], deploy["role_name"], deploy["role_arn"]) == (
        False,
        "SageMakerExecution",
        EXISTING_ROLE,
    )
    assert "trust_policy" not in deploy
    assert not (folder / "policies" / "trust-policy.json").exists()
    assert set(deploy["inline_policies"]) == {
        "model-artifact-read",
        "model-key-use",
        "sagemaker-execution",
    }
    (entry, bounded) = read_manifest(out).targets
    assert (entry.role_arn, entry.existing_role) == (EXISTING_ROLE, True)
    assert not bounded.existing_role
    # written only where true, so manifests of specs without the option stay as they were
    assert (out / "xgen-manifest.json").read_text().count('"existing_role"') == 1


def test_source_policies_name_the_existing_role_with_its_path(out: Path):
    policies = out / "source-111111111111" / "policies"
    for name in ("bucket-policy.json", "key-policy.json", "ecr-repository-policy.json"):
        text = json.loads((policies / name).read_text())
        named = [
            s["Condition"]["StringEquals"]["aws:PrincipalArn"]
            for s in text["Statement"]
            if "aws:PrincipalArn" in s.get("Condition", {}).get("StringEquals", {})
        ]
        assert named == [[EXISTING_ROLE, "arn:aws:iam::333333333333:role/BoundedRole"]], name
    volume = json.loads(
        (out / "target-prod-222222222222/policies/volume-key-policy.json").read_text()
    )
    assert {s["Principal"]["AWS"] for s in volume["Statement"][1:]} == {EXISTING_ROLE}


def test_a_created_role_carries_the_permissions_boundary(out: Path):
    (module,) = _hcl(out / "target-bounded-333333333333" / "main.tf")["module"]
    assert module["deploy_account"]["permissions_boundary"] == BOUNDARY
    assert "create_role" not in module["deploy_account"]


def test_lint_and_verify_pass_without_a_trust_policy_for_the_existing_role(out: Path, runner):
    assert invoke(runner, "lint", out).exit_code == 0
    result = invoke(runner, "verify", out, "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    trust = {c["target"] for c in report["checks"] if c["layer"] == "trust"}
    assert trust == {"bounded"}
    [note] = [n for n in report["notes"] if "platform team's role" in n]
    assert EXISTING_ROLE in note and "not checked" in note


def test_the_module_refuses_a_role_arn_that_is_no_role(tmp_path: Path):
    """`terraform validate` of a root using the module with a user ARN as role_arn fails.

    (An ARN whose path is not the role's fails the plan: the module reads the role; the
    apply test against moto covers the role that matches.)"""
    terraform = require_terraform(tmp_path)
    root = tmp_path / "root"
    root.mkdir()
    modules = Path(__file__).resolve().parent.parent / "modules"
    (root / "main.tf").write_text(
        'module "d" {\n'
        f'  source = "{modules}/deploy-account"\n'
        "  create_role = false\n"
        '  role_name = "X"\n'
        '  role_arn = "arn:aws:iam::222222222222:user/X"\n'
        '  model_name = "m"\n  image = "i"\n  model_data_url = "s3://b/k"\n'
        '  endpoint_name = "e"\n  endpoint_configuration_name_prefix = "e-"\n'
        '  instance_type = "ml.m5.large"\n}\n'
        'provider "aws" {\n  region = "us-east-1"\n}\n',
        encoding="utf-8",
    )
    terraform.run(root, "init", "-input=false", "-backend=false")
    result = terraform.run(root, "validate", check=False)
    assert result.returncode == 1
    assert "role_arn must be an IAM role ARN" in result.stdout + result.stderr


def test_the_render_readme_says_what_each_option_needs(out: Path):
    readme = (out / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Landing zone", 1)[1].split("\n## ", 1)[0]
    for words in (
        "`SageMakerExecution`",
        "sagemaker.amazonaws.com",
        "aws:SourceAccount",
        BOUNDARY,
        SOURCE_DEPLOY,
        "sts:AssumeRole",
        "lz-terraform-state",
        "eu-central-1",
        "versioning",
        "backend.tf",
    ):
        assert words in section, words


def test_specs_without_the_options_keep_their_digest():
    spec = Spec.model_validate(base_spec())
    data = json.loads(spec.canonical_json())
    assert "backend" not in data and "deploy_role_arn" not in data["source"]
    assert not {"existing_role_arn", "permissions_boundary_arn", "deploy_role_arn"} & set(
        data["targets"][0]
    )


def _target(**changes: Any) -> dict[str, Any]:
    spec = base_spec()
    spec["targets"][0].update(changes)
    return spec


def _without_role_name(**changes: Any) -> dict[str, Any]:
    spec = _target(**changes)
    del spec["targets"][0]["role_name"]
    return spec


def _shared_role() -> dict[str, Any]:
    """Two targets of one account on roles of one name (paths differ: still one role)."""
    spec = _without_role_name(existing_role_arn="arn:aws:iam::222222222222:role/a/X")
    spec["targets"].append(
        {
            "name": "canary",
            "account_id": "222222222222",
            "endpoint_name": "canary",
            "existing_role_arn": "arn:aws:iam::222222222222:role/b/X",
        }
    )
    return spec


BAD = {
    "existing role not a role": (
        _without_role_name(existing_role_arn="arn:aws:iam::222222222222:user/X"),
        "targets[0].existing_role_arn",
        "not an IAM role ARN",
    ),
    "existing role other account": (
        _without_role_name(existing_role_arn="arn:aws:iam::999999999999:role/X"),
        "targets[0].existing_role_arn",
        "in account 999999999999, not 222222222222",
    ),
    "existing role other partition": (
        _without_role_name(existing_role_arn="arn:aws-cn:iam::222222222222:role/X"),
        "targets[0].existing_role_arn",
        "partition is aws-cn",
    ),
    "existing role wildcard path": (
        _without_role_name(existing_role_arn="arn:aws:iam::222222222222:role/a*/X"),
        "targets[0].existing_role_arn",
        "cannot name exactly",
    ),
    "existing role with role_name": (
        _target(existing_role_arn="arn:aws:iam::222222222222:role/X"),
        "targets[0].role_name",
        "remove role_name",
    ),
    "existing role with boundary": (
        _without_role_name(
            existing_role_arn="arn:aws:iam::222222222222:role/X",
            permissions_boundary_arn="arn:aws:iam::222222222222:policy/B",
        ),
        "targets[0].permissions_boundary_arn",
        "platform team's to set",
    ),
    "existing role shared in one account": (
        _shared_role(),
        "targets[1].existing_role_arn",
        "'X' is also the role of targets[0]",
    ),
    "boundary not a policy": (
        _target(permissions_boundary_arn="arn:aws:iam::222222222222:role/B"),
        "targets[0].permissions_boundary_arn",
        "not an IAM managed policy ARN",
    ),
    "boundary other account": (
        _target(permissions_boundary_arn="arn:aws:iam::999999999999:policy/B"),
        "targets[0].permissions_boundary_arn",
        "in account 999999999999",
    ),
    "target deploy role other account": (
        _target(deploy_role_arn="arn:aws:iam::111111111111:role/Deploy"),
        "targets[0].deploy_role_arn",
        "in account 111111111111, not 222222222222",
    ),
    "source deploy role not a role": (
        base_spec(source={**base_spec()["source"], "deploy_role_arn": "Deploy"}),
        "source.deploy_role_arn",
        "not an IAM role ARN",
    ),
    "source deploy role other account": (
        base_spec(
            source={
                **base_spec()["source"],
                "deploy_role_arn": "arn:aws:iam::222222222222:role/Deploy",
            }
        ),
        "source.deploy_role_arn",
        "not 111111111111",
    ),
    "backend bad bucket": (
        base_spec(backend={"bucket": "Bad_Bucket"}),
        "backend.bucket",
        "not a valid S3 bucket name",
    ),
    "backend unknown region": (
        base_spec(backend={"bucket": "state", "region": "mars-1"}),
        "backend.region",
        "not an AWS region",
    ),
    "backend bad key prefix": (
        base_spec(backend={"bucket": "state", "key_prefix": "/a//b/"}),
        "backend.key_prefix",
        "not a plain S3 key prefix",
    ),
    "backend bad table": (
        base_spec(backend={"bucket": "state", "dynamodb_table": "a b"}),
        "backend.dynamodb_table",
        "not a DynamoDB table name",
    ),
    "backend bad key": (
        base_spec(backend={"bucket": "state", "kms_key_id": "alias/state"}),
        "backend.kms_key_id",
        "not a KMS key ARN",
    ),
    "backend unknown field": (
        base_spec(backend={"bucket": "state", "lock": True}),
        "backend.lock",
        "unknown field",
    ),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_bad_landing_zone_values_are_one_line_exit_2(case: str, tmp_path: Path, runner):
    spec, place, words = BAD[case]
    path = write_spec(tmp_path, spec)
    result = invoke(runner, "render", path, "-o", tmp_path / "out")
    assert result.exit_code == 2
    message = result.stderr.strip()
    assert "\n" not in message and "Traceback" not in message
    assert f": {place}: " in message, message
    assert words in message, message
    assert "(fix: " in message, message
    assert not (tmp_path / "out").exists()


def test_a_hand_written_backend_beside_the_rendered_one_is_refused(tmp_path: Path, runner):
    spec = base_spec()
    path = write_spec(tmp_path, spec)
    out = tmp_path / "out"
    assert invoke(runner, "render", path, "-o", out).exit_code == 0
    own = out / "target-prod-222222222222" / "backend.tf"
    own.write_text('terraform {\n  backend "local" {}\n}\n', encoding="utf-8")
    spec["backend"] = {"bucket": "lz-terraform-state"}
    write_spec(tmp_path, spec)
    before = (out / "target-prod-222222222222" / "versions.tf").read_bytes()
    result = invoke(runner, "render", path, "-o", out)
    assert result.exit_code == 2
    message = result.stderr.strip()
    assert "\n" not in message and message.startswith(f"xgen: error: {own}: declares a backend")
    assert "terraform init -migrate-state" in message
    assert (out / "target-prod-222222222222" / "versions.tf").read_bytes() == before
    # --check says so too: the refusal is the writer's, not only the command's
    check = invoke(runner, "render", path, "-o", out, "--check")
    assert check.exit_code == 1 and "without --force it is refused: declares a backend" in (
        check.stderr
    )
    # a backend.tf that declares none (only comments) is kept and the render goes on
    own.write_text("# state: see versions.tf\n", encoding="utf-8")
    assert invoke(runner, "render", path, "-o", out).exit_code == 0
    assert b'backend "s3"' in (out / "target-prod-222222222222" / "versions.tf").read_bytes()
    assert own.read_text(encoding="utf-8") == "# state: see versions.tf\n"
