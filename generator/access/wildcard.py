"""Wildcard matching as AWS does it for actions, resources and `*Like` conditions.

`*` matches any run of characters (also none) and `?` exactly one; every other character,
including `[`, is literal (unlike `fnmatch`). Actions compare case-insensitively, ARNs and
`StringLike` values case-sensitively.

In an ARN pattern the wildcards stay inside the first five colon-separated segments
(partition, service, region, account), except that a `*` that ends a segment may match
across the colons that follow; in the resource part they match anything.
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html

A pattern is first turned into tokens (`tokens`), which both the concrete evaluator
(Python regular expressions, here) and the solver (z3 regular expressions) read, so that
the two engines match the same strings.
"""

from __future__ import annotations

import re
from enum import Enum
from functools import lru_cache

from .variables import Text

ARN_PREFIX_COLONS = 5  # arn:partition:service:region:account:resource


class Wild(Enum):
    ANY = "any run of characters"
    ANY_IN_SEGMENT = "any run of characters but ':'"
    ONE = "one character"
    ONE_IN_SEGMENT = "one character but ':'"


Token = str | Wild


def tokens(parts: tuple[Text, ...], *, arn: bool = False) -> tuple[Token, ...]:
    """The pattern as literal strings and wildcards; `arn` applies the segment rules."""
    chars: list[tuple[str, bool]] = [(c, part.literal) for part in parts for c in part.text]
    out: list[Token] = []
    colons = 0
    for index, (char, literal) in enumerate(chars):
        in_prefix = arn and colons < ARN_PREFIX_COLONS
        if char == "*" and not literal:
            ends_segment = index + 1 == len(chars) or chars[index + 1][0] == ":"
            out.append(Wild.ANY_IN_SEGMENT if in_prefix and not ends_segment else Wild.ANY)
        elif char == "?" and not literal:
            out.append(Wild.ONE_IN_SEGMENT if in_prefix else Wild.ONE)
        else:
            colons += char == ":"
            if out and isinstance(out[-1], str):
                out[-1] += char
            else:
                out.append(char)
    return tuple(out)


_PYTHON = {
    Wild.ANY: ".*",
    Wild.ANY_IN_SEGMENT: "[^:]*",
    Wild.ONE: ".",
    Wild.ONE_IN_SEGMENT: "[^:]",
}


@lru_cache(maxsize=4096)
def _compiled(pattern: tuple[Token, ...], ignore_case: bool) -> re.Pattern[str]:
    source = "".join(_PYTHON[t] if isinstance(t, Wild) else re.escape(t) for t in pattern)
    return re.compile(source, re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def matches(pattern: tuple[Token, ...], value: str, *, ignore_case: bool = False) -> bool:
    return _compiled(pattern, ignore_case).fullmatch(value) is not None


def like(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """True when `value` matches `pattern` with `*` and `?` wildcards."""
    return matches(tokens((Text(pattern),)), value, ignore_case=ignore_case)


def action_matches(pattern: str, action: str) -> bool:
    """`s3:Get*` matches `s3:GetObject`; service prefix and name compare in any case."""
    return like(pattern, action, ignore_case=True)


def arn_matches(pattern: str, arn: str) -> bool:
    """ARN matching with AWS's segment rules; `*` alone matches any resource."""
    if pattern == "*":
        return True
    return matches(tokens((Text(pattern),), arn=True), arn)
