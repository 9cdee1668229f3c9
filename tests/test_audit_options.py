"""Audit options and ids: `--profile` values are a mapping or one clear error; XA ids explain."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from generator.audit.findings import AUDIT_RULES
from generator.audit.run import parse_profiles
from generator.errors import InputError
from generator.spec import parse_spec
from tests.conftest import BASE_SPEC, invoke

SPEC = parse_spec(yaml.safe_dump(BASE_SPEC).encode(), "spec.yaml")


def test_profiles_per_account() -> None:
    assert parse_profiles(["111111111111=source", "222222222222=prod-admin"], SPEC) == {
        "111111111111": "source",
        "222222222222": "prod-admin",
    }


@pytest.mark.parametrize(
    ("values", "needle"),
    [
        (["source"], "'source' is not ACCOUNT_ID=PROFILE"),
        (["11111111111=a"], "is not ACCOUNT_ID=PROFILE"),
        (["111111111111="], "is not ACCOUNT_ID=PROFILE"),
        (["333333333333=a"], "account 333333333333 is not in the spec"),
        (["111111111111=a", "111111111111=b"], "account 111111111111 is given twice"),
    ],
)
def test_bad_profile_options_say_what_and_how(values: list[str], needle: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_profiles(values, SPEC)
    assert needle in str(caught.value)
    assert str(caught.value).startswith("--profile: ")


@given(st.lists(st.text(max_size=30), max_size=3))
def test_any_typed_value_is_a_mapping_or_an_input_error(values: list[str]) -> None:
    try:
        profiles = parse_profiles(values, SPEC)
    except InputError as error:
        assert "\n" not in str(error)
    else:
        assert set(profiles) <= {"111111111111", "222222222222"}


def test_every_audit_rule_is_explained_like_lint_rules(runner: CliRunner) -> None:
    for rule_id in AUDIT_RULES:
        result = invoke(runner, "explain", rule_id.lower())
        assert result.exit_code == 0
        first, title, _, why = result.stdout.splitlines()[:4]
        assert first.startswith(f"{rule_id} (") and title and "Fix:" in why
    assert invoke(runner, "explain", "XA999").exit_code == 2
