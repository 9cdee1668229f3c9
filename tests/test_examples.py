"""The committed example renders are current, and the hardened one passes checkov."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, invoke

SPECS = sorted(EXAMPLES.glob("*/spec.yaml"))
# A promotion as a sequence of full specs, each rendered into a folder of its own.
ROLLOUT = EXAMPLES / "staged-rollout"
STEPS = sorted(ROLLOUT.glob("step-*.yaml"))
RENDERS = [(spec, spec.parent / "rendered") for spec in SPECS] + [
    (step, ROLLOUT / "rendered" / step.stem) for step in STEPS
]


@pytest.mark.parametrize(
    ("spec", "out"), RENDERS, ids=[f"{s.parent.name}/{s.stem}" for s, _ in RENDERS]
)
def test_committed_render_is_current(spec, out, runner):
    result = invoke(runner, "render", spec, "-o", out, "--check")
    assert result.exit_code == 0, f"{result.stdout}\nrun `make examples` and commit"


def test_the_staged_rollout_is_a_promotion_of_at_least_three_steps():
    served = []
    for step in STEPS:
        manifest = json.loads((ROLLOUT / "rendered" / step.stem / "xgen-manifest.json").read_text())
        served.append(
            {t["name"]: (t["version"], t.get("moving_from")) for t in manifest["targets"]}
        )
    assert len(STEPS) >= 3
    assert served[0] == {"staging": ("v7", None), "prod": ("v7", None)}
    assert any(len({version for version, _ in step.values()}) == 2 for step in served)
    assert served[-1] == {"staging": ("v8", None), "prod": ("v8", None)}


def test_examples_cover_both_profiles_and_many_targets():
    manifests = {
        spec.parent.name: json.loads((spec.parent / "rendered" / "xgen-manifest.json").read_text())
        for spec in SPECS
    }
    assert manifests["seed-article"]["profile"] == "seed"
    multi = manifests["multi-account"]
    assert multi["profile"] == "hardened" and len(multi["targets"]) == 3
    assert multi["source"]["image_in_source_account"] is True


def _checkov() -> Path:
    path = os.environ.get("XGEN_CHECKOV", ".venv-checkov/bin/checkov")
    checkov = Path(__file__).resolve().parent.parent / path
    if not checkov.exists():
        pytest.fail(f"checkov not found at {checkov}: run `make checkov` (make test does)")
    return checkov


def test_checkov_finds_nothing_in_the_hardened_render():
    rendered = EXAMPLES / "multi-account" / "rendered"
    result = subprocess.run(
        [
            str(_checkov()),
            "-d",
            str(rendered),
            "--framework",
            "terraform",
            "--skip-download",
            "--output",
            "json",
            "--quiet",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    report = json.loads(result.stdout)
    summary = report["summary"]
    failed = [
        f"{c['check_id']} {c['resource']}" for c in report["results"].get("failed_checks", [])
    ]
    assert summary["failed"] == 0, failed
    assert summary["parsing_errors"] == 0
    assert summary["passed"] >= 20  # checkov really evaluated the modules' resources
    assert result.returncode == 0
