"""Fixtures for verify tests: the example specs rendered for real, once, and copies to tamper."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from accesskit import EXAMPLES, render_spec


@pytest.fixture(scope="session")
def renders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Both example specs rendered once per session (copy before changing them)."""
    folder = tmp_path_factory.mktemp("renders")
    return {
        name: render_spec(EXAMPLES / name / "spec.yaml", folder / name)
        for name in ("seed-article", "multi-account")
    }


@pytest.fixture
def copy_of(renders: dict[str, Path], tmp_path: Path) -> Callable[[str], Path]:
    """A private copy of an example render, for tests that edit the policies."""

    def copy(name: str) -> Path:
        return Path(shutil.copytree(renders[name], tmp_path / name))

    return copy


@pytest.fixture
def render_dict(tmp_path: Path) -> Callable[[dict[str, Any]], Path]:
    """Render a spec given as a dict (written as YAML) into tmp_path."""

    def make(spec: dict[str, Any]) -> Path:
        path = tmp_path / "spec.yaml"
        path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
        return render_spec(path, tmp_path / "out")

    return make
