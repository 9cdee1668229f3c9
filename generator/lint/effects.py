"""`"Effect": "allow"`: a statement whose intent is plain, read as meant.

IAM's grammar writes `"Allow"` and `"Deny"`, but IAM takes other letter cases too: AWS's
own Control Tower Account Factory for Terraform creates its `aft-backup` role with a
trust policy of `"Effect": "allow"` (aws-ia/terraform-aws-control_tower_account_factory,
`modules/aft-account-request-framework/iam/trust-policies/backup.tpl`).
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
Lint reads such a statement as the Allow or Deny it is, so every rule judges it, instead
of refusing the file (exit 2), which it did.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING; `typing` costs lint 4 ms to import
if TYPE_CHECKING:
    from typing import Any


EFFECTS = {"allow": "Allow", "deny": "Deny"}


def effects_as_meant(body: Any) -> Any:
    """`body` with each Effect in another letter case spelled as AWS's documents spell it
    (the same object when there is none)."""
    if not isinstance(body, dict):
        return body
    statements = body.get("Statement")
    single = isinstance(statements, dict)
    items = [statements] if single else statements
    if not isinstance(items, list):
        return body
    fixed: list[Any] = []
    changed = False
    for item in items:
        effect = item.get("Effect") if isinstance(item, dict) else None
        meant = EFFECTS.get(effect.lower()) if isinstance(effect, str) else None
        if meant is not None and meant != effect:
            item = {**item, "Effect": meant}  # noqa: PLW2901 - a corrected copy
            changed = True
        fixed.append(item)
    if not changed:
        return body
    return {**body, "Statement": fixed[0] if single else fixed}
