"""`"Effect": "allow"`: a statement whose intent is plain but which AWS refuses.

IAM's grammar allows exactly `"Allow"` and `"Deny"` (case-sensitive): `CreatePolicy` and
`PutRolePolicy` answer `MalformedPolicyDocument` to `"allow"`.
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
Lint reads such a statement as what it means, so every other rule still judges it, and
XG061 reports the spelling (an error: the apply fails), instead of refusing the file.
"""

from __future__ import annotations

from typing import Any

EFFECTS = {"allow": "Allow", "deny": "Deny"}


def effects_as_meant(body: Any) -> tuple[Any, tuple[int, ...]]:
    """`body` with each miscased Effect as AWS spells it, and those statements' indices.

    The body is returned unchanged (the same object) when nothing is miscased.
    """
    if not isinstance(body, dict):
        return body, ()
    statements = body.get("Statement")
    single = isinstance(statements, dict)
    items = [statements] if single else statements
    if not isinstance(items, list):
        return body, ()
    fixed: list[Any] = []
    miscased: list[int] = []
    for index, item in enumerate(items):
        effect = item.get("Effect") if isinstance(item, dict) else None
        meant = EFFECTS.get(effect.lower()) if isinstance(effect, str) else None
        if meant is not None and meant != effect:
            item = {**item, "Effect": meant}  # noqa: PLW2901 - a corrected copy
            miscased.append(index)
        fixed.append(item)
    if not miscased:
        return body, ()
    return {**body, "Statement": fixed[0] if single else fixed}, tuple(miscased)
