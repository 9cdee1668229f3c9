"""Policy variables (`${aws:PrincipalAccount}`) in Resource and in condition values.

AWS replaces `${key}` with the value of that key in the request before it compares, in
the `Resource` element and in the values of String and ARN condition operators; a key the
request does not have leaves nothing to compare, so that value matches nothing, unless a
default is given (`${aws:username, 'nobody'}`). `${*}`, `${?}` and `${$}` stand for the
characters themselves, never for wildcards.
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html

Both engines read values through `parse`: the concrete evaluator substitutes, the solver
builds the same value from the request's symbolic keys.

Only a policy of `"Version": "2012-10-17"` has variables: under `2008-10-17`, or with no
`Version`, `${aws:username}` is the text itself (IAM user guide, "IAM JSON policy elements:
Version": "If you do not include a Version element, ... features such as policy variables
will not work"; "Policy variables": "the policy variables are treated as literal strings").
`literal_in_old_versions` writes such a value as the 2012-10-17 value of the same meaning,
so both engines read every policy the way they read 2012-10-17.
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_DEFAULT = re.compile(r"^\s*([^,\s]+)\s*,\s*'([^']*)'\s*$")
_SPECIAL = {"*": "*", "?": "?", "$": "$"}
SUBSTITUTING_VERSION = "2012-10-17"  # the only version with policy variables


@dataclass(frozen=True)
class Text:
    """Characters as written; `literal` when `*` and `?` in them are not wildcards."""

    text: str
    literal: bool = False


@dataclass(frozen=True)
class Variable:
    """`${key}` (key lower-cased, as condition keys compare) with an optional default."""

    key: str
    default: str | None = None


Part = Text | Variable


@lru_cache(maxsize=4096)
def parse(value: str) -> tuple[Part, ...]:
    """The parts of a policy value; a value without `${` is one `Text`."""
    if "${" not in value:
        return (Text(value),)
    parts: list[Part] = []
    position = 0
    for match in _VARIABLE.finditer(value):
        if match.start() > position:
            parts.append(Text(value[position : match.start()]))
        inner = match.group(1)
        default = _DEFAULT.match(inner)
        if inner in _SPECIAL:
            parts.append(Text(_SPECIAL[inner], literal=True))
        elif default:
            parts.append(Variable(default.group(1).lower(), default.group(2)))
        else:
            parts.append(Variable(inner.strip().lower()))
        position = match.end()
    if position < len(value):
        parts.append(Text(value[position:]))
    return tuple(parts)


def literal_in_old_versions(value: str, version: str | None) -> str:
    """`value` as a 2012-10-17 policy says what `value` says under `version`: in an older
    (or missing) version `${` is text, which 2012-10-17 writes `${$}{`."""
    if version == SUBSTITUTING_VERSION or "${" not in value:
        return value
    return value.replace("${", "${$}{")


def has_variables(value: str) -> bool:
    return any(isinstance(part, Variable) for part in parse(value))


def substitute(
    parts: tuple[Part, ...], lookup: dict[str, tuple[str, ...]]
) -> tuple[Text, ...] | None:
    """The value with each variable replaced (as literal text), or None if one is missing.

    A variable stands for one value: a multivalued key (or a missing one without a
    default) leaves nothing to compare.
    """
    resolved: list[Text] = []
    for part in parts:
        if isinstance(part, Text):
            resolved.append(part)
            continue
        values = lookup.get(part.key, ())
        if len(values) == 1:
            resolved.append(Text(values[0], literal=True))
        elif not values and part.default is not None:
            resolved.append(Text(part.default, literal=True))
        else:
            return None
    return tuple(resolved)


def joined(parts: tuple[Text, ...]) -> str:
    return "".join(part.text for part in parts)
