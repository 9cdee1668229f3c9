"""Condition operators as the IAM user guide documents them, one row per rule."""

from __future__ import annotations

import pytest

from generator.access.conditions import UnsupportedOperator, holds, split_operator
from generator.policy.document import conditions

ROLE = "arn:aws:iam::222222222222:role/Reader"


def check(operator: str, key: str, values: object, context: dict[str, tuple[str, ...]]) -> bool:
    (condition,) = conditions({operator: {key: values}}, "Condition")
    return holds(condition, {k.lower(): v for k, v in context.items()})


@pytest.mark.parametrize(
    ("operator", "values", "given", "expected"),
    [
        # String: exact and case-sensitive; several policy values OR.
        ("StringEquals", "a", ("a",), True),
        ("StringEquals", "a", ("A",), False),
        ("StringEquals", ["x", "a"], ("a",), True),
        ("StringEqualsIgnoreCase", "a", ("A",), True),
        ("StringNotEquals", "a", ("b",), True),
        ("StringNotEquals", ["a", "b"], ("b",), False),  # negated: values NOR
        ("StringNotEqualsIgnoreCase", "a", ("A",), False),
        ("StringLike", "s3.*.amazonaws.com", ("s3.eu-west-1.amazonaws.com",), True),
        ("StringLike", "a?c", ("abbc",), False),
        ("StringNotLike", "a*", ("abc",), False),
        # ARN: segment-wise with wildcards; ArnEquals and ArnLike behave the same.
        ("ArnEquals", ROLE, (ROLE,), True),
        ("ArnLike", "arn:aws:iam::222222222222:role/*", (ROLE,), True),
        ("ArnLike", "arn:aws:iam::*:role/Reader", (ROLE,), True),
        ("ArnLike", "arn:aws:iam::333333333333:role/*", (ROLE,), False),
        ("ArnNotLike", "arn:aws:iam::333333333333:*", (ROLE,), True),
        ("ArnNotEquals", ROLE, (ROLE,), False),
        # Bool: JSON true and "true" are the same value.
        ("Bool", True, ("true",), True),
        ("Bool", "false", ("true",), False),
        ("Bool", "false", ("FALSE",), True),
        # Numeric.
        ("NumericLessThan", 10, ("9",), True),
        ("NumericLessThan", 10, ("10",), False),
        ("NumericLessThanEquals", 10, ("10",), True),
        ("NumericGreaterThan", "1.5", ("2",), True),
        ("NumericGreaterThanEquals", "2", ("1",), False),
        ("NumericEquals", "3", ("3.0",), True),
        ("NumericNotEquals", "3", ("4",), True),
        ("NumericEquals", "3", ("three",), False),
    ],
)
def test_operators(operator: str, values: object, given: tuple[str, ...], expected: bool) -> None:
    assert check(operator, "k", values, {"k": given}) is expected


@pytest.mark.parametrize(
    ("operator", "expected"),
    [
        # A missing key makes a condition false ...
        ("StringEquals", False),
        ("ArnLike", False),
        ("Bool", False),
        ("NumericLessThan", False),
        # ... a negated one true ...
        ("StringNotEquals", True),
        ("ArnNotLike", True),
        # ... and ...IfExists true.
        ("StringEqualsIfExists", True),
        ("ArnLikeIfExists", True),
        ("BoolIfExists", True),
        # ForAnyValue needs a value; ForAllValues holds vacuously.
        ("ForAnyValue:StringEquals", False),
        ("ForAllValues:StringEquals", True),
    ],
)
def test_missing_keys(operator: str, expected: bool) -> None:
    assert check(operator, "aws:SourceAccount", "1", {}) is expected


def test_ifexists_still_checks_a_present_key() -> None:
    assert check("StringEqualsIfExists", "k", "a", {"k": ("b",)}) is False
    assert check("StringEqualsIfExists", "k", "a", {"k": ("a",)}) is True


@pytest.mark.parametrize(
    ("values", "present", "expected"),
    [("true", False, True), ("true", True, False), ("false", True, True), ("false", False, False)],
)
def test_null(values: str, present: bool, expected: bool) -> None:
    context = {"k": ("v",)} if present else {}
    assert check("Null", "k", values, context) is expected


@pytest.mark.parametrize(
    ("operator", "given", "expected"),
    [
        ("ForAnyValue:StringEquals", ("a", "z"), True),
        ("ForAnyValue:StringEquals", ("y", "z"), False),
        ("ForAllValues:StringEquals", ("a", "b"), True),
        ("ForAllValues:StringEquals", ("a", "z"), False),
        ("ForAllValues:StringNotEquals", ("y", "z"), True),
        ("ForAllValues:StringNotEquals", ("a", "z"), False),
        ("ForAnyValue:StringNotEquals", ("a", "z"), True),
        ("ForAnyValue:StringNotEquals", ("a", "b"), False),
        ("ForAnyValue:StringLikeIfExists", ("ab",), True),
    ],
)
def test_set_operators(operator: str, given: tuple[str, ...], expected: bool) -> None:
    assert check(operator, "k", ["a", "b", "a*"], {"k": given}) is expected


def test_keys_compare_case_insensitively_values_do_not() -> None:
    assert check("StringEquals", "AWS:PrincipalARN", ROLE, {"aws:principalarn": (ROLE,)})
    assert not check(
        "StringEquals", "aws:PrincipalArn", ROLE.upper(), {"aws:principalarn": (ROLE,)}
    )


@pytest.mark.parametrize(
    "operator",
    [
        "DateLessThan",
        "IpAddress",
        "ForSomeValues:StringEquals",
        "NullIfExists",
        "ForAnyValue:Null",
        "IfExists",
    ],
)
def test_unknown_operators_are_refused_not_guessed(operator: str) -> None:
    with pytest.raises(UnsupportedOperator):
        split_operator(operator)


def test_split_operator() -> None:
    assert split_operator("ForAnyValue:StringLikeIfExists") == ("ForAnyValue", "StringLike", True)
    assert split_operator("ArnEquals") == (None, "ArnEquals", False)
