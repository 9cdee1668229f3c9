"""The modules' README tables match their variables.tf and outputs.tf (`make docs`)."""

from __future__ import annotations

import pytest

from tests.conftest import ROOT
from tools.module_docs import BEGIN, updated_readme

MODULES = sorted((ROOT / "modules").iterdir())


@pytest.mark.parametrize("module", MODULES, ids=[m.name for m in MODULES])
def test_module_readme_is_current(module):
    readme = (module / "README.md").read_text()
    assert readme == updated_readme(module), "run `make docs` and commit"
    assert f"{BEGIN}\n## Inputs" in readme
    for required in ("main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md"):
        assert (module / required).is_file()
