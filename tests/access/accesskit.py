"""Helpers for verify tests: render a spec for real, hand-edit a rendered policy, run the CLI."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from typer.testing import CliRunner, Result

from generator.cli import app
from generator.output import write
from generator.render import render
from generator.spec import load_spec

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def render_spec(spec: Path, out: Path) -> Path:
    write(render(load_spec(spec)), out)
    return out


def edit_json(path: Path, change: Callable[[Any], None]) -> None:
    """Hand-edit a rendered policy: load, change in place, write back."""
    body = json.loads(path.read_text(encoding="utf-8"))
    change(body)
    path.write_text(json.dumps(body, indent=2), encoding="utf-8")


def xgen(*args: str | Path) -> Result:
    """Run `xgen ARGS` in-process; an exception other than an exit fails the test."""
    result = CliRunner().invoke(app, [str(a) for a in args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def failing(report: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(layer, target, who, action) of every check that is not ok in verify's JSON."""
    return [
        (c["layer"], c["target"], c["who"], c["action"]) for c in report["checks"] if not c["ok"]
    ]
