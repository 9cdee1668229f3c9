"""Fixtures for lint tests: a private action-index cache and the example renders."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from lintkit import render_example


@pytest.fixture(autouse=True, scope="session")
def _action_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """One action index for the session, outside the user's cache folder."""
    patch = pytest.MonkeyPatch()
    patch.setenv("XGEN_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    yield
    patch.undo()


@pytest.fixture(scope="session")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Both example specs rendered once per session (read-only for tests)."""
    folder = tmp_path_factory.mktemp("rendered")
    return {name: render_example(folder, name) for name in ("seed-article", "multi-account")}
