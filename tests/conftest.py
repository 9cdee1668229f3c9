"""Shared fixtures: the real example specs, a valid base spec to mutate, the CLI runner."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import settings
from typer.testing import CliRunner

from generator.cli import app

# No per-example deadline: the first parse builds python-hcl2's parser (over a second on a
# loaded CI machine), which says nothing about xgen. Speed is measured in benchmarks/.
settings.register_profile("xgen", deadline=None, print_blob=True)
settings.load_profile("xgen")

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SEED_SPEC = EXAMPLES / "seed-article" / "spec.yaml"
MULTI_SPEC = EXAMPLES / "multi-account" / "spec.yaml"

KEY_ARN = "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"

# The spec of the issue (the article's names), profile hardened.
BASE_SPEC: dict[str, Any] = {
    "xgen": 1,
    "name": "linear-learner",
    "profile": "hardened",
    "source": {
        "account_id": "111111111111",
        "region": "us-east-1",
        "artifact": "s3://awsdoc-example-bucket/sagemaker/linear-learner/output/model.tar.gz",
        "kms_key_arn": KEY_ARN,
        "image": "111111111111.dkr.ecr.us-east-1.amazonaws.com/linear-learner:1",
    },
    "targets": [
        {
            "name": "prod",
            "account_id": "222222222222",
            "role_name": "AmazonSageMaker",
            "instance_type": "ml.m5.large",
            "instance_count": 1,
        }
    ],
}


def base_spec(**changes: Any) -> dict[str, Any]:
    """A deep copy of BASE_SPEC with top-level keys replaced."""
    spec = copy.deepcopy(BASE_SPEC)
    spec.update(changes)
    return spec


def write_spec(folder: Path, spec: dict[str, Any] | str, name: str = "spec.yaml") -> Path:
    path = folder / name
    text = spec if isinstance(spec, str) else yaml.safe_dump(spec, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def invoke(runner: CliRunner, *args: str | Path):
    """Run `xgen ARGS` in-process; exceptions other than exits are test failures."""
    result = runner.invoke(app, [str(a) for a in args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result
