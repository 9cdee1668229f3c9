"""Model versions: the spec's `models`, what each target is granted, and promotions.

A spec names its versions once and each target serves one; the source grants each target
role exactly the versions it serves or moves off. A render that would stop granting what
an endpoint serves according to the committed render is refused, and a render that
replaces another says which accounts to apply, in which order, and why.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.errors import InputError
from generator.model import Spec
from generator.policy.source import bucket_policy
from generator.policy.target import execution_policy, inline_policies
from generator.spec import parse_spec
from tests.conftest import EXAMPLES, invoke, write_spec

ROLLOUT = EXAMPLES / "staged-rollout"
BUCKET = "arn:aws:s3:::ml-models-111111111111"
V7 = f"{BUCKET}/churn/v7/model.tar.gz"
V8 = f"{BUCKET}/churn/v8/model.tar.gz"


def step(number: int) -> dict[str, Any]:
    return yaml.safe_load((ROLLOUT / f"step-{number}.yaml").read_text(encoding="utf-8"))


def spec_of(data: dict[str, Any]) -> Spec:
    return parse_spec(yaml.safe_dump(data, sort_keys=False).encode(), "spec.yaml")


def refused(data: dict[str, Any]) -> str:
    with pytest.raises(InputError) as error:
        spec_of(data)
    return str(error.value)


def _grants(spec: Spec) -> dict[str, tuple[str, set[str]]]:
    """Sid -> (object ARN, roles) of the bucket policy's artifact grants."""
    found = {}
    for statement in bucket_policy(spec)["Statement"]:
        if statement["Action"] == "s3:GetObject":
            roles = statement["Condition"]["StringEquals"]["aws:PrincipalArn"]
            found[statement["Sid"]] = (
                statement["Resource"],
                {roles} if isinstance(roles, str) else set(roles),
            )
    return found


STAGING = "arn:aws:iam::222222222222:role/ChurnExecution"
PROD = "arn:aws:iam::333333333333:role/ChurnExecution"


def test_each_version_is_granted_to_exactly_the_roles_that_serve_or_move_off_it() -> None:
    assert _grants(spec_of(step(1))) == {"XgenTargetRolesReadModelV7": (V7, {STAGING, PROD})}
    assert _grants(spec_of(step(2))) == {
        "XgenTargetRolesReadModelV7": (V7, {STAGING, PROD}),
        "XgenTargetRolesReadModelV8": (V8, {STAGING}),
    }
    assert _grants(spec_of(step(3))) == {
        "XgenTargetRolesReadModelV7": (V7, {PROD}),
        "XgenTargetRolesReadModelV8": (V8, {STAGING}),
    }
    assert _grants(spec_of(step(5))) == {"XgenTargetRolesReadModelV8": (V8, {STAGING, PROD})}


def test_a_role_reads_what_it_serves_and_what_it_moves_off_only() -> None:
    spec = spec_of(step(2))
    staging, prod = spec.targets
    read = inline_policies(spec, staging)["model-artifact-read"]["Statement"][0]
    assert read["Resource"] == [V8, V7]
    read = inline_policies(spec, prod)["model-artifact-read"]["Statement"][0]
    assert read["Resource"] == V7


def test_a_spec_without_models_renders_as_before() -> None:
    """The first release's shape: one statement, its Sid, its digest (manifests unchanged)."""
    spec = spec_of(yaml.safe_load((EXAMPLES / "multi-account" / "spec.yaml").read_text()))
    assert list(_grants(spec)) == ["XgenTargetRolesReadModelArtifact"]
    manifest = json.loads(
        (EXAMPLES / "multi-account" / "rendered" / "xgen-manifest.json").read_text()
    )
    assert manifest["spec_sha256"] == spec.digest()
    assert all("version" not in t and "reads" not in t for t in manifest["targets"])


def test_the_model_name_follows_the_pin_and_the_environment() -> None:
    base = step(5)
    names = {spec_of(base).model_name(spec_of(base).targets[0])}
    for change in ({"etag": "0" * 32}, {"environment": {"SAGEMAKER_PROGRAM": "other.py"}}):
        data = copy.deepcopy(base)
        data["models"]["v8"].update(change)
        spec = spec_of(data)
        names.add(spec.model_name(spec.targets[0]))
    assert len(names) == 3


def _set(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    data = copy.deepcopy(data)
    *parents, last = path.split(".")
    node: Any = data
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if value is None:
        del node[last]
    else:
        node[last] = value
    return data


REFUSED = {
    "artifact beside models": (
        ("source.artifact", "s3://ml-models-111111111111/x/model.tar.gz"),
        "source.artifact: with `models`, each version names its own artifact",
    ),
    "serves missing": (("targets.0.serves", None), "targets[0].serves: required"),
    "serves unknown": (("targets.0.serves", "v9"), "'v9' is not a version under `models`"),
    "moving off itself": (
        ("targets.0.moving_from", "v8"),
        "targets[0].moving_from: the endpoint serves 'v8' already",
    ),
    "another bucket": (
        ("models.v8.artifact", "s3://other-bucket-1111/churn/v8/model.tar.gz"),
        "models.v8.artifact: bucket other-bucket-1111 is not ml-models-111111111111",
    ),
    "one object twice": (
        ("models.v8.artifact", "s3://ml-models-111111111111/churn/v7/model.tar.gz"),
        "models.v8.artifact: the same object as models.v7",
    ),
    "two repositories": (
        ("models.v8.image", "111111111111.dkr.ecr.us-east-1.amazonaws.com/other:8"),
        "repository other is not churn-inference",
    ),
    "image in another region": (
        ("models.v8.image", "111111111111.dkr.ecr.eu-west-1.amazonaws.com/churn-inference:8"),
        "models.v8.image: the image is in eu-west-1",
    ),
    "bad version name": (
        (
            "models.V_8",
            {
                "artifact": "s3://ml-models-111111111111/a/model.tar.gz",
                "image": "111111111111.dkr.ecr.us-east-1.amazonaws.com/churn-inference:9",
            },
        ),
        "version name 'V_8' is not usable",
    ),
    "environment key": (
        ("models.v8.environment", {"1BAD": "x"}),
        "'1BAD' is not a variable name SageMaker accepts",
    ),
    "environment number": (
        ("models.v8.environment", {"WORKERS": 4}),
        "WORKERS is int, not text (fix: quote the value",
    ),
    "environment value size": (
        ("models.v8.environment", {"BIG": "x" * 1025}),
        "over SageMaker's limit of 1024 bytes",
    ),
    "environment entries": (
        ("models.v8.environment", {f"K{i}": "v" for i in range(101)}),
        "101 variables, over SageMaker's limit of 100",
    ),
    "etag shape": (("models.v8.etag", "not-an-etag"), "'not-an-etag' is not an S3 ETag"),
    "two pins": (("models.v8.version_id", "3HL4kqtJlcpXroDTDmJ"), "give version_id or etag"),
    "canary without a step": (
        ("targets.1.guardrails.step_percent", None),
        "canary traffic needs exactly one of step_percent or step_instances",
    ),
    "linear step too small": (
        ("targets.1.guardrails", {"traffic": "linear", "step_percent": 5}),
        "step_percent: 5 is outside 10-50",
    ),
    "step over half the fleet": (
        ("targets.1.guardrails", {"traffic": "canary", "step_instances": 3}),
        "3 of 4 instances is over half the fleet",
    ),
    "all at once with a step": (
        ("targets.1.guardrails", {"traffic": "all-at-once", "step_percent": 10}),
        "all-at-once shifts traffic in one step",
    ),
    "alarm twice": (
        ("targets.1.guardrails.rollback_alarms", ["a", "a"]),
        "an alarm is named twice",
    ),
    "too many alarms": (
        ("targets.1.guardrails.rollback_alarms", [f"a{i}" for i in range(11)]),
        "more than 10 entries",
    ),
}


@pytest.mark.parametrize("case", REFUSED, ids=list(REFUSED))
def test_a_spec_whose_versions_do_not_fit_is_refused_with_the_field(case: str) -> None:
    (path, value), expected = REFUSED[case]
    message = refused(_set(step(2), path, value))
    assert message.startswith("spec.yaml:"), message
    assert expected in message


def test_serves_without_models_is_refused() -> None:
    data = yaml.safe_load((EXAMPLES / "seed-article" / "spec.yaml").read_text())
    data["targets"][0]["serves"] = "v1"
    assert "targets[0].serves: the spec has no `models`" in refused(data)


def test_the_execution_role_has_what_createmodel_documents() -> None:
    data = step(4)
    data["targets"][0]["vpc"] = {
        "subnet_ids": ["subnet-0a1b2c3d4e5f60718"],
        "security_group_ids": ["sg-0c1d2e3f4a5b60718"],
    }
    spec = spec_of(data)
    staging, prod = spec.targets
    statements = {s["Sid"]: s for s in execution_policy(spec, staging)["Statement"]}
    assert statements["XgenPublishEndpointMetrics"]["Action"] == "cloudwatch:PutMetricData"
    log_group = "arn:aws:logs:us-east-1:222222222222:log-group:/aws/sagemaker/Endpoints/churn"
    assert statements["XgenWriteEndpointLogs"]["Resource"] == [log_group, f"{log_group}:*"]
    assert "ec2:DescribeVpcEndpoints" in statements["XgenManageVpcNetworkInterfaces"]["Action"]
    assert "XgenReadRollbackAlarms" not in statements
    alarms = {s["Sid"]: s for s in execution_policy(spec, prod)["Statement"]}
    assert alarms["XgenReadRollbackAlarms"] == {
        "Sid": "XgenReadRollbackAlarms",
        "Effect": "Allow",
        "Action": "cloudwatch:DescribeAlarms",
        "Resource": [
            "arn:aws:cloudwatch:us-east-1:333333333333:alarm:churn-prod-5xx",
            "arn:aws:cloudwatch:us-east-1:333333333333:alarm:churn-prod-latency",
        ],
    }


def test_the_render_warns_of_one_subnet_and_a_hub_download_in_isolation(
    tmp_path: Path, runner
) -> None:
    data = step(5)
    data["targets"][0]["vpc"] = {
        "subnet_ids": ["subnet-0a1b2c3d4e5f60718"],
        "security_group_ids": ["sg-0c1d2e3f4a5b60718"],
    }
    data["models"]["v8"]["environment"] = {"HF_MODEL_ID": "distilbert-base-uncased"}
    result = invoke(runner, "render", write_spec(tmp_path, data), "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "warning: target staging: one subnet; AWS asks for subnets in at least two" in (
        result.stderr
    )
    assert "HF_MODEL_ID make the container download from the Hugging Face Hub" in result.stderr
    readme = (tmp_path / "out" / "README.md").read_text()
    assert "## Network isolation" in readme and "one subnet" in readme


def test_whoever_applies_is_told_the_volume_key_permissions_of_a_named_key(
    tmp_path: Path, runner
) -> None:
    data = step(5)
    key = "arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    data["targets"][0]["volume_kms_key_arn"] = key
    invoke(runner, "render", write_spec(tmp_path, data), "-o", tmp_path / "out")
    readme = (tmp_path / "out" / "README.md").read_text()
    assert (
        f"the volume key named in the spec (`{key}`):\n  `kms:DescribeKey` and `kms:CreateGrant`"
        in readme
    )


def _render(runner, tmp_path: Path, number: int, *extra: str):
    spec = ROLLOUT / f"step-{number}.yaml"
    return invoke(runner, "render", spec, "-o", tmp_path / "out", *extra)


def _order(result) -> list[str]:
    return [
        line.strip().split(": ", 1)[0].rsplit("/", 1)[1]
        for line in result.stderr.splitlines()
        if line.startswith("  ") and ". " in line
    ]


def test_a_promotion_is_told_step_by_step(tmp_path: Path, runner) -> None:
    first = _render(runner, tmp_path, 1)
    assert _order(first) == [
        "source-111111111111",
        "target-staging-222222222222",
        "target-prod-333333333333",
    ]
    expand = _render(runner, tmp_path, 2)
    assert _order(expand) == ["source-111111111111", "target-staging-222222222222"]
    assert "expand: grants staging's role v8, before the endpoint moves" in expand.stderr
    assert "move: updates endpoint churn from 'v7' to 'v8'" in expand.stderr
    contract = _render(runner, tmp_path, 3)
    assert "contract: stops granting staging's role v7" in contract.stderr
    readme = (tmp_path / "out" / "README.md").read_text()
    assert "| `v7` | `s3://ml-models-111111111111/churn/v7/model.tar.gz` |" in readme


def test_a_render_that_cuts_an_endpoint_off_is_refused_unless_forced(
    tmp_path: Path, runner
) -> None:
    assert _render(runner, tmp_path, 1).exit_code == 0
    before = {p: p.read_bytes() for p in (tmp_path / "out").rglob("*") if p.is_file()}
    result = _render(runner, tmp_path, 3)  # staging jumps to v8 without moving_from
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert "target staging's endpoint serves 'v7' according to" in line
    assert "add `moving_from: v7` to target staging (expand)" in line
    after = {p: p.read_bytes() for p in (tmp_path / "out").rglob("*") if p.is_file()}
    assert after == before, "a refused render writes nothing"
    check = _render(runner, tmp_path, 3, "--check")
    assert check.exit_code == 1 and "without --force it is refused: target staging's" in (
        check.stderr
    )
    assert _render(runner, tmp_path, 3, "--force").exit_code == 0


def test_moving_a_first_release_spec_onto_versions_needs_the_old_artifact_named(
    tmp_path: Path, runner
) -> None:
    old = yaml.safe_load((EXAMPLES / "seed-article" / "spec.yaml").read_text())
    out = tmp_path / "out"
    assert invoke(runner, "render", write_spec(tmp_path, old), "-o", out).exit_code == 0
    new = copy.deepcopy(old)
    artifact, image = new["source"].pop("artifact"), new["source"].pop("image")
    new["models"] = {"v2": {"artifact": artifact.replace("output/", "output-v2/"), "image": image}}
    result = invoke(runner, "render", write_spec(tmp_path, new), "-o", out)
    assert result.exit_code == 2
    assert "name the artifact it serves under `models`" in result.stderr
    new["models"] = {"v1": {"artifact": artifact, "image": image}, **new["models"]}
    new["targets"][0] |= {"serves": "v2", "moving_from": "v1"}
    result = invoke(runner, "render", write_spec(tmp_path, new), "-o", out)
    assert result.exit_code == 0, result.output


# --- any assignment of versions to targets --------------------------------------------------

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@st.composite
def promotions(draw: st.DrawFn) -> dict[str, Any]:
    """A spec of 1-4 versions and 1-5 targets, each serving one and maybe moving off another."""
    names = [f"v{i}" for i in range(draw(st.integers(1, 4)))]
    data = step(1)
    data["models"] = {
        name: {
            "artifact": f"s3://ml-models-111111111111/churn/{name}/model.tar.gz",
            "image": f"111111111111.dkr.ecr.us-east-1.amazonaws.com/churn-inference:{name}",
        }
        for name in names
    }
    data["targets"] = []
    for index in range(draw(st.integers(1, 5))):
        serves = draw(st.sampled_from(names))
        target = {"name": f"t{index}", "account_id": f"{222222222222 + index}", "serves": serves}
        moving = draw(st.sampled_from([None, *names]))
        if moving not in (None, serves):
            target["moving_from"] = moving
        data["targets"].append(target)
    return data


@given(promotions())
def test_every_role_is_granted_exactly_what_it_serves_and_moves_off(data: dict[str, Any]) -> None:
    spec = spec_of(data)
    grants = _grants(spec).values()
    for target in spec.targets:
        role = spec.role_arn(target)
        granted = {arn for arn, roles in grants if role in roles}
        assert granted == {spec.object_arn(name) for name in spec.reads(target)}
        read = inline_policies(spec, target)["model-artifact-read"]["Statement"][0]["Resource"]
        assert set([read] if isinstance(read, str) else read) == granted


def test_only_what_terraform_applies_makes_an_account_to_apply() -> None:
    from dataclasses import replace

    from generator.manifest import parse_manifest
    from generator.promotion import apply_steps

    path = ROLLOUT / "rendered" / "step-3" / "xgen-manifest.json"
    manifest = parse_manifest(json.loads(path.read_text()), str(path))
    docs = {**manifest.files, "modules/deploy-account/README.md": "0" * 64}
    assert apply_steps(manifest, replace(manifest, files=docs)) == []
    policy = "target-prod-333333333333/policies/sagemaker-execution.json"
    changed = {**manifest.files, policy: "0" * 64}
    [only] = apply_steps(manifest, replace(manifest, files=changed))
    assert only.folder == "target-prod-333333333333"
