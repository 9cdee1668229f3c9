"""docs/rules.md is the registry's rendering; every rule documents what, why and an example."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.lint.docs import rules_markdown
from generator.lint.findings import Severity
from generator.lint.registry import RULES, load_rules, rule

RULES_MD = Path(__file__).resolve().parents[2] / "docs" / "rules.md"


def test_docs_rules_md_is_in_sync() -> None:
    assert RULES_MD.read_text(encoding="utf-8") == rules_markdown() + "\n", (
        "regenerate: xgen rules --format markdown > docs/rules.md"
    )


@pytest.mark.parametrize("rule", load_rules().values(), ids=lambda r: r.id)
def test_rule_doc_sections(rule) -> None:
    for section in ("## What it does", "## Why is this bad?", "## Example"):
        assert section in rule.doc


@pytest.mark.parametrize(
    ("rule_id", "name"),
    [
        ("XG1", "x"),
        ("XG0001", "x"),
        ("xg001", "x"),
        ("XG00a", "x"),
        ("XG001", "Upper"),
        ("XG001", "two--hyphens"),
        ("XG001", "-lead"),
        ("XG001", "trail-"),
        ("XG001", "snake_case"),
        ("XG001", ""),
        ("XG\u0661\u0662\u0663", "x"),
        ("XG001", "ünicode"),
    ],
)
def test_a_malformed_rule_id_or_name_is_refused(rule_id: str, name: str) -> None:
    """Ids are XG and three digits, names lower-case words and single hyphens: what docs,
    SARIF and `xgen explain` print must be predictable."""
    with pytest.raises(ValueError, match="bad rule id or name"):
        rule(rule_id, name, Severity.INFO, "t")(_documented)


def test_a_well_formed_rule_registers() -> None:
    try:
        rule("XG999", "kebab-case-2", Severity.INFO, "t")(_documented)
        assert RULES["XG999"].name == "kebab-case-2"
    finally:
        RULES.pop("XG999", None)


def _documented(document):
    """A rule for the registry's tests."""
    return iter(())
