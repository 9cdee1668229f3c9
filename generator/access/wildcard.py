"""Wildcard matching as AWS does it for actions, resources and `*Like` conditions.

`*` matches any run of characters (also none) and `?` exactly one; every other character,
including `[`, is literal (unlike `fnmatch`). Actions compare case-insensitively, ARNs and
`StringLike` values case-sensitively.
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
"""

from __future__ import annotations

import re
from functools import lru_cache

# arn:partition:service:region:account-id:resource (the resource part may hold colons)
ARN_SEGMENTS = 6


@lru_cache(maxsize=4096)
def _pattern(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def like(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """True when `value` matches `pattern` with `*` and `?` wildcards."""
    return _pattern(pattern, ignore_case).fullmatch(value) is not None


def action_matches(pattern: str, action: str) -> bool:
    """`s3:Get*` matches `s3:GetObject`; service prefix and name compare in any case."""
    return like(pattern, action, ignore_case=True)


def arn_matches(pattern: str, arn: str) -> bool:
    """Segment-wise ARN match: a wildcard never spans the colons of the first five parts.

    `*` alone matches any resource. A pattern with fewer segments than the ARN matches
    nothing; two strings that are not ARNs compare as plain wildcard strings.
    """
    if pattern == "*":
        return True
    wanted = pattern.split(":", ARN_SEGMENTS - 1)
    given = arn.split(":", ARN_SEGMENTS - 1)
    if len(wanted) == len(given) == ARN_SEGMENTS:
        return all(like(w, g) for w, g in zip(wanted, given, strict=True))
    if len(wanted) != ARN_SEGMENTS and len(given) != ARN_SEGMENTS:
        return like(pattern, arn)
    return False
