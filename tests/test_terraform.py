"""The rendered Terraform is what real `terraform` accepts, and is as `terraform fmt` writes it.

Every root module of every render is initialised offline (hashicorp/aws from the mirror,
nothing else) and validated by `terraform validate`; `terraform fmt` must leave every file
as rendered, whatever the spec's values and their order. The end-to-end apply, plan and
destroy against a moto server is in tests/aws/test_terraform_e2e.py. python-hcl2 reads
the files back for what Terraform does not check: which branch a spec renders, the
account pin, and that every module variable is used.
"""

from __future__ import annotations

import random
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hcl2
import pytest
from hcl2 import SerializationOptions
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from generator.model import Spec
from generator.output import write
from generator.render import render
from generator.spec import load_spec
from tests.conftest import KEY_ARN, MULTI_SPEC, SEED_SPEC, base_spec
from tests.terraformkit import require_terraform

OPTIONS = SerializationOptions(strip_string_quotes=True, explicit_blocks=False, with_comments=False)


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


def _landing_zone_spec() -> Spec:
    """Every landing-zone option: existing role, boundary, deploy roles, S3 backend."""
    from tests.test_landing_zones import landing_zone_spec

    return Spec.model_validate(landing_zone_spec())


@pytest.fixture(
    scope="module",
    params=["seed-article", "multi-account", "variants", "landing-zone"],
    name="rendered",
)
def _rendered(request, tmp_path_factory) -> Path:
    spec = {
        "seed-article": lambda: load_spec(SEED_SPEC),
        "multi-account": lambda: load_spec(MULTI_SPEC),
        "variants": _variant_spec,
        "landing-zone": _landing_zone_spec,
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


def test_every_module_variable_is_used(rendered):
    for module_dir in sorted((rendered / "modules").iterdir()):
        module = _module(module_dir)
        variables = set(_names(module["variable"]))
        blocks = module.get("resource", []) + module.get("data", []) + module.get("output", [])
        text = list(_strings(blocks))
        text += list(_strings(module.get("locals", [])))
        used = {m for s in text for m in re.findall(r"\bvar\.(\w+)", s)}
        assert variables <= used, f"{module_dir.name}: unused {variables - used}"


def test_every_root_module_initialises_offline_and_validates(rendered, tmp_path):
    terraform = require_terraform(tmp_path)
    terraform.run(rendered, "fmt", "-check", "-recursive", "-diff")
    for root in _roots(rendered):
        terraform.run(root, "init", "-input=false", "-backend=false")
        terraform.run(root, "validate")
        lock = (root / ".terraform.lock.hcl").read_text(encoding="utf-8")
        assert re.findall(r'provider "([^"]+)"', lock) == ["registry.terraform.io/hashicorp/aws"]


def test_providers_pin_the_account_and_region(rendered):
    for root in _roots(rendered):
        (aws,) = [block["aws"] for block in _module(root)["provider"]]
        assert re.fullmatch(r"[a-z]{2}-[a-z]+-\d", aws["region"])
        assert aws["allowed_account_ids"] == [root.name.rsplit("-", 1)[1]]
        (terraform,) = _module(root)["terraform"]
        assert terraform["required_providers"][0]["aws"]["source"] == "hashicorp/aws"


def test_model_waits_for_the_role_policies_and_config_is_replaced_first():
    module = _module(Path(__file__).parent.parent / "modules" / "deploy-account")
    resources = _resources(module)
    model = resources["aws_sagemaker_model.this"]
    # CreateModel checks that the role can read the artifact; the provider retries it
    # while IAM propagates, so ordering is all that is needed (no time_sleep).
    assert set(model["depends_on"]) == {
        "${aws_iam_role_policy.this}",
        "${aws_iam_role_policy_attachment.this}",
    }
    config = resources["aws_sagemaker_endpoint_configuration.this"]
    assert "name_prefix" in config and "name" not in config
    assert config["lifecycle"][0]["create_before_destroy"] is True
    source = _resources(_module(Path(__file__).parent.parent / "modules" / "source-account"))
    ownership = source["aws_s3_bucket_ownership_controls.this"]
    assert ownership["depends_on"] == ["${aws_s3_bucket_policy.this}"]


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


@pytest.fixture(scope="module")
def terraform(tmp_path_factory):
    return require_terraform(tmp_path_factory.mktemp("terraform"))


# Tag keys and values as AWS allows them (letters, digits, space and _ . : / = + - @).
TAG_TEXT = st.text(
    st.characters(categories=("L", "N"), include_characters=" _.:/=+-@"), min_size=1, max_size=12
)


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tags=st.dictionaries(TAG_TEXT, TAG_TEXT, min_size=1, max_size=6), order=st.randoms())
@example(tags={"0": "0", "0\u0e33": "0", "ab\u0301": "x"}, order=random.Random(0))  # clusters
def test_tags_in_any_order_render_the_same_bytes_as_terraform_fmt_writes_them(
    terraform, tags, order
):
    items = list(tags.items())
    order.shuffle(items)
    try:
        first = render(Spec.model_validate(base_spec(tags=tags)))
    except ValidationError:
        return  # e.g. a key with the reserved aws: prefix: refused, with a message
    assert render(Spec.model_validate(base_spec(tags=dict(items)))).files == first.files
    main = first.files["target-prod-222222222222/main.tf"].decode()
    formatted = subprocess.run(
        [str(terraform.binary), "fmt", "-no-color", "-"],
        input=main,
        capture_output=True,
        text=True,
        env=terraform.env(),
        check=True,
    ).stdout
    assert formatted == main
