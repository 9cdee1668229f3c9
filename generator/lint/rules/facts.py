"""Small facts about policy elements that several rules need (ARNs, action wildcards)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from ...policy.document import Statement, is_account_id

PARTITIONS = ("aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f")
# Operators that narrow who matches (negations and ...IfExists do not: an absent key passes).
# StringEqualsIgnoreCase narrows as StringEquals does, ignoring case only.
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
# Operator names in lower case (AWS reads them in any case), sets rather than regexes:
# compiling these was a tenth of a millisecond of every lint's start-up.
NARROWING = frozenset(
    f"{qualifier}{operator}"
    for qualifier in ("", "foranyvalue:", "forallvalues:")
    for operator in ("stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike")
)
EXACT = frozenset(f"{q}{o}" for q in ("", "foranyvalue:") for o in ("stringequals", "arnequals"))


# Placeholders that a template or Terraform's `replace()` fills in: `_S3_BUCKET_ARN_`
# (terraform-aws-modules), `{{account_id}}`, `<ACCOUNT_ID>`.
# Compiled when first used (`re` caches it): most values have no `_`, `{{` or `<`.
PLACEHOLDER = (
    r"(?<![A-Za-z0-9])_[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*_(?![A-Za-z0-9])"
    r"|\{\{[^{}]*\}\}|<[A-Z][A-Z0-9_]*>"
)


def is_unknown(value: str) -> bool:
    """Whether a value is known only at plan or request time, so no rule may judge it:
    Terraform's `${var.x}` (kept as written by the Terraform reader, see
    `sources.hclvalue`), a policy variable (`${aws:username}`), a template placeholder.
    """
    if "${" in value:
        return True
    if "_" in value or "{{" in value or "<" in value:
        return re.search(PLACEHOLDER, value) is not None
    return False


is_template = is_unknown  # the name grammar rules use


def unknown_condition(statement: Statement) -> bool:
    """Whether the statement may have conditions that were not read (an operator or key
    known at plan time, a `dynamic "condition"`): what it narrows cannot be judged.
    """
    return any(is_unknown(c.operator) or is_unknown(c.key) for c in statement.conditions)


def unknown_principal(statement: Statement) -> bool:
    """Whether a principal of the statement is known only at plan time."""
    return any(is_unknown(p.value) for p in statement.principals)


def arn_account(arn: str) -> str | None:
    parts = arn.split(":", 5)
    if len(parts) == 6 and parts[0] == "arn" and is_account_id(parts[4]):
        return parts[4]
    return None


def arn_service(arn: str) -> str | None:
    parts = arn.split(":", 5)
    return parts[2] if len(parts) == 6 and parts[0] == "arn" else None


@lru_cache(maxsize=4096)
def _glob(pattern: str) -> re.Pattern[str]:
    return re.compile(
        "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern),
        re.I | re.S,
    )


def glob_match(pattern: str, value: str) -> bool:
    """IAM wildcard matching (`*`, `?`), case-insensitive as action names are."""
    return _glob(pattern).fullmatch(value) is not None


def covers(actions: Iterable[str], action: str) -> bool:
    """Whether any of `actions` (with wildcards) grants `action`."""
    return any(glob_match(pattern, action) for pattern in actions)


def has_wildcard(value: str) -> bool:
    return "*" in value or "?" in value


def narrows(operator: str, *, exact: bool = False) -> bool:
    """Whether a condition operator narrows who matches (`exact`: Equals only)."""
    return operator.lower() in (EXACT if exact else NARROWING)


def narrowing_values(statement: Statement, key: str, *, exact: bool = False) -> tuple[str, ...]:
    """Values of condition `key` under operators that narrow (`exact`: Equals only)."""
    return tuple(
        value
        for c in statement.conditions
        if c.key_lower == key.lower() and narrows(c.operator, exact=exact)
        for value in c.values
    )


def s3_object(arn: str) -> tuple[str, str] | None:
    """(bucket, key) of an S3 object ARN; None for a bucket ARN or anything else."""
    if not arn.startswith("arn:") or arn_service(arn) != "s3":
        return None
    resource = arn.split(":", 5)[5]
    bucket, slash, key = resource.partition("/")
    return (bucket, key) if slash else None


def s3_bucket(arn: str) -> str | None:
    if arn_service(arn) != "s3":
        return None
    return arn.split(":", 5)[5].partition("/")[0]
