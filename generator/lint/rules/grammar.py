"""Rules on names: actions that do not exist, malformed ARNs and account ids."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from ...policy.document import Statement
from ..actions import action_index, expand
from ..context import LintDocument
from ..findings import Finding, Severity
from ..registry import rule
from .facts import ACCOUNT_ID, PARTITIONS, has_wildcard, is_template

ACCOUNT_KEYS = (
    "aws:sourceaccount",
    "aws:principalaccount",
    "aws:resourceaccount",
    "kms:calleraccount",
)
ARN_KEYS = ("aws:principalarn", "aws:sourcearn")
UNIQUE_ID = ("AROA", "AIDA", "AIPA")  # what AWS shows for a deleted principal


@rule("XG002", "unknown-action", Severity.ERROR, "Action that no AWS service has")
def unknown_action(doc: LintDocument) -> Iterator[Finding]:
    """## What it does
    Flags `Action`/`NotAction` entries that match no known action (policyuniverse's
    catalogue), such as `kms:Decrpyt` or `s3:GetObjects`, and suggests the closest name.

    ## Why is this bad?
    AWS accepts unknown actions silently: the statement then grants nothing, and the
    deployment fails at run time with AccessDenied far from the typo.

    ## Example
        {"Effect": "Allow", "Action": "kms:Decrpyt", "Resource": "..."}

    Use instead:
        {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "..."}
    """
    for statement in doc.policy.statements:
        for action in (*statement.actions, *statement.not_actions):
            problem = _action_problem(action)
            if problem:
                yield doc.finding(statement, f"{statement.label}: {problem[0]}", problem[1])


def _action_problem(action: str) -> tuple[str, str] | None:
    if action == "*" or is_template(action):
        return None
    prefix, colon, name = action.partition(":")
    if not colon or not prefix or not name:
        return f"{action!r} is not service:Action", "write actions as service:Action"
    matched = expand(action)
    if matched is None:
        close = difflib.get_close_matches(prefix.lower(), action_index(), n=1)
        hint = f"did you mean {close[0]}:{name}?" if close else "check the service prefix"
        return f"unknown service {prefix!r} in {action!r}", hint
    if not matched:
        names = action_index()[prefix.lower()]
        close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
        hint = f"did you mean {prefix}:{close[0]}?" if close else "check the action's name"
        return f"{action!r} matches no {prefix} action", hint
    return None


@rule("XG003", "malformed-arn", Severity.ERROR, "ARN that is not arn:partition:service:…")
def malformed_arn(doc: LintDocument) -> Iterator[Finding]:
    """## What it does
    Flags `Resource`, `AWS` principal and `aws:PrincipalArn`/`aws:SourceArn` values that are
    not ARNs (`arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`).

    ## Why is this bad?
    A malformed resource never matches, so the grant silently does nothing; a malformed
    principal makes the whole policy fail with `MalformedPolicy` at apply time.

    ## Example
        {"Resource": "arn:aws:s3::my-bucket/model.tar.gz"}

    Use instead:
        {"Resource": "arn:aws:s3:::my-bucket/model.tar.gz"}
    """
    for statement in doc.policy.statements:
        for value, element in _arn_values(statement):
            problem = _arn_problem(value)
            if problem:
                yield doc.finding(
                    statement,
                    f"{statement.label}: {element} {value!r} {problem}",
                    "write arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE",
                )


def _arn_values(statement: Statement) -> Iterator[tuple[str, str]]:
    for value in (*statement.resources, *statement.not_resources):
        if value != "*":
            yield value, "Resource"
    for principal in (*statement.principals, *statement.not_principals):
        value = principal.value
        skip = value == "*" or value.isdigit() or value.startswith(UNIQUE_ID)
        if principal.type == "AWS" and not skip:
            yield value, "principal"
    for condition in statement.conditions:
        if condition.key_lower in ARN_KEYS:
            for value in condition.values:
                if value != "*":
                    yield value, condition.key


def _arn_problem(value: str) -> str | None:
    if is_template(value):
        return None
    parts = value.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn":
        return "is not an ARN"
    if parts[1] not in PARTITIONS and not has_wildcard(parts[1]):
        return f"has an unknown partition {parts[1]!r}"
    if not parts[2]:
        return "has no service"
    return None


@rule("XG004", "malformed-account-id", Severity.ERROR, "Account id that is not 12 digits")
def malformed_account_id(doc: LintDocument) -> Iterator[Finding]:
    """## What it does
    Flags account ids that are not exactly 12 digits: in principal ARNs, bare principals,
    and the values of `aws:SourceAccount`, `aws:PrincipalAccount`, `aws:ResourceAccount`
    and `kms:CallerAccount`.

    ## Why is this bad?
    A YAML or HCL number loses leading zeros (`012345678901` becomes `12345678901`); the
    policy then names no account and the cross-account grant never matches.

    ## Example
        {"Principal": {"AWS": "arn:aws:iam::22222222222:root"}}

    Use instead:
        {"Principal": {"AWS": "arn:aws:iam::222222222222:root"}}
    """
    for statement in doc.policy.statements:
        for value, where in _account_values(statement):
            if not is_template(value) and not has_wildcard(value) and not ACCOUNT_ID.match(value):
                yield doc.finding(
                    statement,
                    f"{statement.label}: account id {value!r} in {where} is not 12 digits",
                    "quote account ids as strings and keep leading zeros",
                )


def _account_values(statement: Statement) -> Iterator[tuple[str, str]]:
    for principal in (*statement.principals, *statement.not_principals):
        if principal.type != "AWS" or principal.value == "*":
            continue
        if principal.value.isdigit():
            yield principal.value, "the principal"
        parts = principal.value.split(":", 5)
        if len(parts) == 6 and parts[0] == "arn" and parts[2] in ("iam", "sts"):
            yield parts[4], "the principal"
    for condition in statement.conditions:
        if condition.key_lower in ACCOUNT_KEYS:
            for value in condition.values:
                yield value, condition.key
