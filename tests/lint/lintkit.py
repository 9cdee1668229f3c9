"""Helpers for lint tests: lint one policy dict, render an example spec for real."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from generator.lint.config import Config
from generator.lint.engine import Result, lint
from generator.output import write
from generator.policy.kinds import Kind
from generator.render import render
from generator.spec import load_spec

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
# s3:* on every object to another account: findings at error level, whatever else is linted.
BAD = {
    "Version": "2012-10-17",
    "Statement": {
        "Effect": "Allow",
        "Principal": {"AWS": "333333333333"},
        "Action": "s3:*",
        "Resource": "arn:aws:s3:::bucket/*",
    },
}


def lint_policy(folder: Path, policy: Any, kind: str | None = None) -> Result:
    """Write `policy` as JSON in `folder` and lint it without config."""
    path = folder / "policy.json"
    path.write_text(json.dumps(policy, indent=2), encoding="utf-8")
    return lint([path], config=Config(root=folder), kind=Kind(kind) if kind else None)


def rule_ids(result: Result) -> set[str]:
    return {f.rule for f in result.findings}


def render_example(folder: Path, name: str) -> Path:
    """Render examples/NAME/spec.yaml into folder/NAME (the real renderer and writer)."""
    out = folder / name
    write(render(load_spec(EXAMPLES / name / "spec.yaml")), out)
    return out
