"""The rendered Terraform is what `terraform validate` would accept.

Terraform cannot run here, so every `.tf` file is parsed back with python-hcl2 and its
references are checked: module inputs against the module's variables, `var.`, resource,
`module.` and `file()` references against what exists, required arguments against the
AWS provider's documentation.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hcl2
import pytest
from hcl2 import SerializationOptions

from generator.model import Spec
from generator.output import write
from generator.render import render
from generator.spec import load_spec
from tests.conftest import KEY_ARN, MULTI_SPEC, SEED_SPEC, base_spec

OPTIONS = SerializationOptions(strip_string_quotes=True, explicit_blocks=False, with_comments=False)

# Required arguments, from the resource pages of the hashicorp/aws and hashicorp/time docs.
REQUIRED = {
    "aws_s3_bucket_policy": {"bucket", "policy"},
    "aws_s3_bucket_ownership_controls": {"bucket", "rule"},
    "aws_kms_key_policy": {"key_id", "policy"},
    "aws_ecr_repository_policy": {"repository", "policy"},
    "aws_iam_role": {"assume_role_policy"},
    "aws_iam_role_policy": {"role", "policy"},
    "aws_iam_role_policy_attachment": {"role", "policy_arn"},
    "aws_kms_key": set(),
    "aws_sagemaker_model": {"execution_role_arn"},
    "aws_sagemaker_endpoint_configuration": {"production_variants"},
    "aws_sagemaker_endpoint": {"endpoint_config_name"},
    "time_sleep": set(),
}


def _variant_spec() -> Spec:
    """Hardened with a VPC, the user's own volume key and an NVMe instance: other branches."""
    spec = base_spec(tags={"team": "ml"})
    spec["targets"][0].update(
        vpc={"subnet_ids": ["subnet-0123abcd"], "security_group_ids": ["sg-0123abcd"]},
        volume_kms_key_arn=KEY_ARN.replace("111111111111", "222222222222"),
    )
    spec["targets"].append(
        {"name": "gpu", "account_id": "333333333333", "instance_type": "ml.g5.xlarge"}
    )
    return Spec.model_validate(spec)


@pytest.fixture(
    scope="module", params=["seed-article", "multi-account", "variants"], name="rendered"
)
def _rendered(request, tmp_path_factory) -> Path:
    spec = {
        "seed-article": lambda: load_spec(SEED_SPEC),
        "multi-account": lambda: load_spec(MULTI_SPEC),
        "variants": _variant_spec,
    }[request.param]()
    out = tmp_path_factory.mktemp(request.param) / "out"
    write(render(spec), out)
    return out


def _load(path: Path) -> dict[str, Any]:
    return hcl2.loads(path.read_text(encoding="utf-8"), serialization_options=OPTIONS)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _module(folder: Path) -> dict[str, list]:
    """All top-level blocks of the .tf files of one folder, merged by block type."""
    merged: dict[str, list] = {}
    for path in sorted(folder.glob("*.tf")):
        for block_type, blocks in _load(path).items():
            merged.setdefault(block_type, []).extend(blocks)
    return merged


def _names(blocks: list[dict]) -> dict[str, Any]:
    return {name: body for block in blocks for name, body in block.items()}


def _resources(module: dict[str, list]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for block in module.get("resource", []):
        for rtype, named in block.items():
            for name, body in named.items():
                found[f"{rtype}.{name}"] = body
    return found


def _roots(rendered: Path) -> list[Path]:
    return sorted(p for p in rendered.iterdir() if p.is_dir() and p.name != "modules")


def test_every_tf_file_parses(rendered):
    files = sorted(rendered.rglob("*.tf"))
    assert len(files) >= 11
    for path in files:
        assert isinstance(_load(path), dict), path


def test_module_inputs_match_declared_variables(rendered):
    for root in _roots(rendered):
        calls = _names(_module(root)["module"])
        assert len(calls) == 1
        (call,) = calls.values()
        module_dir = (root / call["source"]).resolve()
        variables = _names(_module(module_dir)["variable"])
        inputs = set(call) - {"source"}
        assert inputs <= set(variables), f"{root.name}: undeclared {inputs - set(variables)}"
        required = {name for name, body in variables.items() if "default" not in body}
        assert required <= inputs, f"{root.name}: missing {required - inputs}"


def test_module_references_resolve(rendered):
    for module_dir in sorted((rendered / "modules").iterdir()):
        module = _module(module_dir)
        variables = set(_names(module["variable"]))
        resources = _resources(module)
        text = list(_strings(module.get("resource", []) + module.get("output", [])))
        used_vars = {m for s in text for m in re.findall(r"\bvar\.(\w+)", s)}
        assert used_vars <= variables, f"{module_dir.name}: {used_vars - variables}"
        assert variables <= used_vars, f"{module_dir.name}: unused {variables - used_vars}"
        used_resources = {
            m for s in text for m in re.findall(r"\b((?:aws|time)_\w+\.\w+)(?=[\[.])", s)
        }
        assert used_resources <= set(resources), f"{module_dir.name}: {used_resources}"
        for address, body in resources.items():
            rtype = address.split(".")[0]
            missing = REQUIRED[rtype] - set(body)
            assert not missing, f"{module_dir.name}: {address} lacks {missing}"


def test_root_outputs_and_files_resolve(rendered):
    for root in _roots(rendered):
        module = _module(root)
        ((name, call),) = _names(module["module"]).items()
        outputs = set(_names(_module((root / call["source"]).resolve())["output"]))
        for text in _strings(module["output"]):
            for used in re.findall(rf"module\.{name}\.(\w+)", text):
                assert used in outputs, f"{root.name}: module.{name}.{used}"
        for text in _strings(module["module"]):
            for target in re.findall(r'file\("\$\{path\.module\}/([^"]+)"\)', text):
                assert (root / target).is_file(), f"{root.name}: file({target})"


def test_providers_pin_the_account_and_region(rendered):
    for root in _roots(rendered):
        (aws,) = [block["aws"] for block in _module(root)["provider"]]
        assert re.fullmatch(r"[a-z]{2}-[a-z]+-\d", aws["region"])
        assert aws["allowed_account_ids"] == [root.name.rsplit("-", 1)[1]]
        (terraform,) = _module(root)["terraform"]
        assert terraform["required_providers"][0]["aws"]["source"] == "hashicorp/aws"


def test_model_depends_on_the_role_policies_and_config_is_replaced_first():
    module = _module(Path(__file__).parent.parent / "modules" / "deploy-account")
    resources = _resources(module)
    model = resources["aws_sagemaker_model.this"]
    assert model["depends_on"] == ["${time_sleep.iam_propagation}"]
    wait = resources["time_sleep.iam_propagation"]
    assert set(wait["depends_on"]) == {
        "${aws_iam_role_policy.this}",
        "${aws_iam_role_policy_attachment.this}",
    }
    config = resources["aws_sagemaker_endpoint_configuration.this"]
    assert "name_prefix" in config and "name" not in config
    assert config["lifecycle"][0]["create_before_destroy"] is True


def test_variant_branches_render_as_expected(tmp_path):
    out = tmp_path / "out"
    write(render(_variant_spec()), out)
    prod = _names(_module(out / "target-prod-222222222222")["module"])["deploy_account"]
    assert prod["vpc_config"]["subnet_ids"] == ["subnet-0123abcd"]
    assert prod["volume_kms_key_arn"].endswith(
        ":222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    )
    assert "create_volume_kms_key" not in prod
    gpu = _names(_module(out / "target-gpu-333333333333")["module"])["deploy_account"]
    # local NVMe storage: SageMaker refuses a KMS key there, so xgen creates none
    assert "create_volume_kms_key" not in gpu and "volume_kms_key_arn" not in gpu
    assert prod["tags"] == {"team": "ml"}
