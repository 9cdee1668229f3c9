"""Condition operators: does a statement's `Condition` hold for a request's context?

AWS's rules, each cited where it is encoded:
- blocks (operators) AND, keys within a block AND, the values of one key OR (NOR for a
  negated operator);
- a key missing from the request makes the condition false, except that negated
  operators (`StringNotEquals`, `ArnNotLike`, ...) are then true, `...IfExists` is then
  true, and `Null` tests exactly that;
- `ForAnyValue:` is true when some request value matches, and false when the key is
  absent, with or without `IfExists`; `ForAllValues:` is true when every request value
  matches, and true when the key is absent;
- String and ARN operators substitute policy variables in their values (variables.py).
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html

The solver (symbolic/) encodes the same table; keep the two in step.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from ..policy.document import Condition
from .variables import Text, joined, parse, substitute
from .wildcard import matches, tokens

FOR_ANY = "ForAnyValue"
FOR_ALL = "ForAllValues"
IF_EXISTS = "IfExists"


class UnsupportedOperator(ValueError):
    """An operator the evaluator does not know: verify refuses rather than guess."""


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _numeric(compare: Callable[[float, float], bool]) -> Callable[[tuple[Text, ...], str], bool]:
    def match(policy: tuple[Text, ...], given: str) -> bool:
        wanted, value = _number(joined(policy)), _number(given)
        return wanted is not None and value is not None and compare(value, wanted)

    return match


# Positive operators: (policy value, request value) -> match. ArnEquals and ArnLike behave
# the same: segment-wise, case-sensitive, with wildcards (condition-operators page, "ARN").
_POSITIVE: dict[str, Callable[[tuple[Text, ...], str], bool]] = {
    "StringEquals": lambda p, v: joined(p) == v,
    "StringEqualsIgnoreCase": lambda p, v: joined(p).lower() == v.lower(),
    "StringLike": lambda p, v: matches(tokens(p), v),
    "ArnEquals": lambda p, v: matches(tokens(p, arn=True), v),
    "ArnLike": lambda p, v: matches(tokens(p, arn=True), v),
    "Bool": lambda p, v: joined(p).lower() == v.lower(),
    "NumericEquals": _numeric(lambda v, p: v == p),
    "NumericLessThan": _numeric(lambda v, p: v < p),
    "NumericLessThanEquals": _numeric(lambda v, p: v <= p),
    "NumericGreaterThan": _numeric(lambda v, p: v > p),
    "NumericGreaterThanEquals": _numeric(lambda v, p: v >= p),
}
# Negated operators and the positive operator they negate.
NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
    "NumericNotEquals": "NumericEquals",
}
# Operators whose values may hold policy variables.
WITH_VARIABLES = frozenset(
    {"StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike"}
)
NULL = "Null"
SUPPORTED = frozenset({*_POSITIVE, *NEGATED, NULL})


def split_operator(operator: str) -> tuple[str | None, str, bool]:
    """`ForAnyValue:StringLikeIfExists` -> ("ForAnyValue", "StringLike", True).

    Raises UnsupportedOperator for anything AWS or this evaluator would not accept.
    """
    qualifier: str | None = None
    base = operator
    if ":" in operator:
        qualifier, base = operator.split(":", 1)
        if qualifier not in (FOR_ANY, FOR_ALL):
            raise UnsupportedOperator(f"unknown set operator {qualifier!r} in {operator!r}")
    if_exists = base.endswith(IF_EXISTS) and base != IF_EXISTS
    if if_exists:
        base = base.removesuffix(IF_EXISTS)
    if base not in SUPPORTED or (base == NULL and (if_exists or qualifier)):
        raise UnsupportedOperator(f"condition operator {operator!r} is not supported")
    return qualifier, base, if_exists


def policy_values(positive: str, values: Sequence[str]) -> tuple[tuple, ...]:
    """Each value's parts: variables parsed for String and ARN operators only."""
    if positive in WITH_VARIABLES:
        return tuple(parse(value) for value in values)
    return tuple((Text(value),) for value in values)


def holds(condition: Condition, context: Mapping[str, Sequence[str]]) -> bool:
    """Whether one condition (one operator, one key, its values) holds."""
    qualifier, base, if_exists = split_operator(condition.operator)
    given = tuple(context.get(condition.key_lower, ()))
    if base == NULL:
        # Null: "true" means the key must be absent, "false" that it must be present.
        return any((value.lower() == "true") == (not given) for value in condition.values)
    negated = base in NEGATED
    if not given:
        if qualifier == FOR_ANY:
            return False  # also with IfExists: no value, so none that matches
        if if_exists or qualifier == FOR_ALL:
            return True
        return negated
    positive = NEGATED.get(base, base)
    match = _POSITIVE[positive]
    lookup = {key: tuple(values) for key, values in context.items()}
    wanted = [substitute(parts, lookup) for parts in policy_values(positive, condition.values)]

    def hit(value: str) -> bool:
        return any(parts is not None and match(parts, value) for parts in wanted)

    if qualifier == FOR_ALL:
        return all(hit(v) != negated for v in given)
    if qualifier == FOR_ANY:
        return any(hit(v) != negated for v in given)
    found = any(hit(v) for v in given)
    return not found if negated else found


def failed(
    conditions: Sequence[Condition], context: Mapping[str, Sequence[str]]
) -> Condition | None:
    """The first condition that does not hold (all must: blocks and keys AND), or None."""
    return next((c for c in conditions if not holds(c, context)), None)
