"""docs/rules.md is the registry's rendering; every rule documents what, why and an example."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.lint.docs import rules_markdown
from generator.lint.registry import load_rules

RULES_MD = Path(__file__).resolve().parents[2] / "docs" / "rules.md"


def test_docs_rules_md_is_in_sync() -> None:
    assert RULES_MD.read_text(encoding="utf-8") == rules_markdown() + "\n", (
        "regenerate: xgen rules --format markdown > docs/rules.md"
    )


@pytest.mark.parametrize("rule", load_rules().values(), ids=lambda r: r.id)
def test_rule_doc_sections(rule) -> None:
    for section in ("## What it does", "## Why is this bad?", "## Example"):
        assert section in rule.doc
