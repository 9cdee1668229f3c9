"""A parsed, normalised view of an IAM-style policy document, shared by lint and verify.

AWS accepts many spellings of the same thing: `Action` as a string or a list,
`Statement` as one object or a list, `Principal: "*"` for `{"AWS": "*"}`, a bare account
id for that account's root, condition values as strings, numbers or booleans. They are
normalised once here (as policyuniverse's `ensure_array` does), so rules and the
evaluator always see tuples of strings. The raw dicts stay available for messages.

The records are named tuples, not dataclasses: `xgen lint` builds them at import on
every commit, and a dataclass costs half a millisecond to build (and `dataclasses`
imports `inspect`), a named tuple a twentieth of that.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from ..records import Record

TYPE_CHECKING = False  # typing.TYPE_CHECKING; `typing` costs lint 4 ms to import
if TYPE_CHECKING:
    from typing import Any

PRINCIPAL_TYPES = ("AWS", "Service", "Federated", "CanonicalUser")


def is_account_id(value: str) -> bool:
    """Twelve ASCII digits: an AWS account id (a string test: lint compiles no regex it
    can spare at start-up)."""
    return len(value) == 12 and value.isascii() and value.isdigit()


class PolicyError(ValueError):
    """The document is not a policy: wrong types or missing required elements."""


class Principal(Record):
    """One principal: its type (`AWS`, `Service`, ...) and value; `*` is anyone."""

    type: str
    value: str

    @property
    def is_wildcard(self) -> bool:
        return self.value == "*"

    @property
    def account_id(self) -> str | None:
        """The 12-digit account of an `AWS` principal ARN (root, role, user), else None."""
        if self.type != "AWS":
            return None
        parts = self.value.split(":")
        if len(parts) >= 5 and parts[0] == "arn" and is_account_id(parts[4]):
            return parts[4]
        return None

    @property
    def is_account_root(self) -> bool:
        return self.type == "AWS" and self.value.endswith(":root") and self.account_id is not None


class Condition(Record):
    """One condition: `operator` as written (e.g. `ForAnyValue:StringLikeIfExists`)."""

    operator: str
    key: str  # as written; AWS compares keys case-insensitively (use `key_lower`)
    values: tuple[str, ...]

    @property
    def key_lower(self) -> str:
        return self.key.lower()


class Statement(Record):
    """One statement, with every element normalised to tuples of strings."""

    index: int
    raw: dict[str, Any]
    effect: str
    sid: str | None = None
    actions: tuple[str, ...] = ()
    not_actions: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    not_resources: tuple[str, ...] = ()
    principals: tuple[Principal, ...] = ()
    not_principals: tuple[Principal, ...] = ()
    conditions: tuple[Condition, ...] = ()
    has_principal: bool = False  # a Principal or NotPrincipal element is present
    has_resource: bool = False  # a Resource or NotResource element is present

    @property
    def label(self) -> str:
        """How messages name the statement: its Sid, or its position."""
        return self.sid if self.sid else f"Statement[{self.index}]"

    @property
    def is_allow(self) -> bool:
        return self.effect == "Allow"

    def condition_values(self, key: str, operators: tuple[str, ...] = ()) -> tuple[str, ...]:
        """Values of condition `key` (any case), optionally only under the given operators."""
        found: list[str] = []
        for condition in self.conditions:
            if condition.key_lower == key.lower() and (
                not operators or condition.operator in operators
            ):
                found.extend(condition.values)
        return tuple(found)


class Policy(Record):
    """A policy document: its version, id and statements."""

    raw: dict[str, Any]
    version: str | None
    id: str | None
    statements: tuple[Statement, ...] = ()

    def allows(self) -> Iterator[Statement]:
        return (s for s in self.statements if s.is_allow)

    def denies(self) -> Iterator[Statement]:
        return (s for s in self.statements if not s.is_allow)


def statement_digest(raw: Any) -> str:
    """sha256 of a statement's canonical JSON: names a statement kept from the spec whatever
    its position (the manifest lists them; verify counts what they grant as intended)."""
    import hashlib  # render and verify only: loading OpenSSL costs lint milliseconds

    text = json.dumps(raw, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def strings(value: Any, element: str) -> tuple[str, ...]:
    """A string or a list of strings as a tuple (policyuniverse's `ensure_array`)."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise PolicyError(f"{element} must be a string or a list of strings")


def _scalar(value: Any, element: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise PolicyError(f"{element} values must be strings, numbers or booleans")


def principals(value: Any, element: str) -> tuple[Principal, ...]:
    """`"*"`, `{"AWS": ...}`, `{"Service": ...}`; a bare account id means its root."""
    if value == "*":
        return (Principal("AWS", "*"),)
    if not isinstance(value, dict) or not value:
        raise PolicyError(f'{element} must be "*" or an object such as {{"AWS": "..."}}')
    found: list[Principal] = []
    for kind, entries in value.items():
        if kind not in PRINCIPAL_TYPES:
            raise PolicyError(f"{element} has an unknown principal type {kind!r}")
        for entry in strings(entries, f"{element}.{kind}"):
            if kind == "AWS" and is_account_id(entry):
                entry = f"arn:aws:iam::{entry}:root"  # noqa: PLW2901 - normalising in place
            found.append(Principal(kind, entry))
    return tuple(found)


def conditions(value: Any, element: str) -> tuple[Condition, ...]:
    """`{"Operator": {"key": value-or-values}}` as a flat tuple of `Condition`s."""
    if not isinstance(value, dict):
        raise PolicyError(f"{element} must be an object of operators")
    found: list[Condition] = []
    for operator, block in value.items():
        if not isinstance(block, dict):
            raise PolicyError(f"{element}.{operator} must be an object of condition keys")
        for key, values in block.items():
            items = values if isinstance(values, list) else [values]
            found.append(
                Condition(
                    operator,
                    str(key),
                    tuple(_scalar(v, f"{element}.{operator}.{key}") for v in items),
                )
            )
    return tuple(found)


def parse_statement(raw: Any, index: int) -> Statement:
    """One statement; raises PolicyError when it is not a statement AWS would accept."""
    where = f"Statement[{index}]"
    if not isinstance(raw, dict):
        raise PolicyError(f"{where} must be an object")
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise PolicyError(f'{where}.Effect must be "Allow" or "Deny"')
    sid = raw.get("Sid")
    if sid is not None and not isinstance(sid, str):
        raise PolicyError(f"{where}.Sid must be a string")

    def optional(name: str, parse: Any) -> Any:
        return parse(raw[name], f"{where}.{name}") if name in raw else ()

    return Statement(
        index=index,
        raw=raw,
        effect=effect,
        sid=sid,
        actions=optional("Action", strings),
        not_actions=optional("NotAction", strings),
        resources=optional("Resource", strings),
        not_resources=optional("NotResource", strings),
        principals=optional("Principal", principals),
        not_principals=optional("NotPrincipal", principals),
        conditions=optional("Condition", conditions),
        has_principal="Principal" in raw or "NotPrincipal" in raw,
        has_resource="Resource" in raw or "NotResource" in raw,
    )


def parse_policy(raw: Any) -> Policy:
    """A policy document; raises PolicyError when it is not one."""
    if not isinstance(raw, dict):
        raise PolicyError("a policy document must be a JSON object")
    if "Statement" not in raw:
        raise PolicyError("a policy document needs a Statement element")
    body = raw["Statement"]
    items = body if isinstance(body, list) else [body]
    version = raw.get("Version")
    policy_id = raw.get("Id")
    return Policy(
        raw=raw,
        version=version if isinstance(version, str) else None,
        id=policy_id if isinstance(policy_id, str) else None,
        statements=tuple(parse_statement(item, index) for index, item in enumerate(items)),
    )


IAM_VERSIONS = ("2012-10-17", "2008-10-17")  # the IAM policy language's only versions


def looks_like_policy(raw: Any) -> bool:
    """True for JSON that is meant to be an IAM policy (has a Statement), valid or not.

    Not a document of another policy language that also has statements: one whose Version
    is not IAM's and no statement of which has an Effect, such as an SNS message data
    protection policy (Version 2021-06-01, statements of DataDirection and Operation).
    """
    if not isinstance(raw, dict) or "Statement" not in raw:
        return False
    version = raw.get("Version")
    if not isinstance(version, str) or version in IAM_VERSIONS:
        return True
    body = raw["Statement"]
    statements = body if isinstance(body, list) else [body]
    return any(isinstance(s, dict) and "Effect" in s for s in statements)
