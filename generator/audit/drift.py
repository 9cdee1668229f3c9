"""Statement-level differences between a rendered policy and the one live in AWS.

AWS hands policies back in its own spelling: a one-element list as a string, a bare
account id as its root ARN, statements and values in another order, booleans as strings,
whitespace gone. None of that is drift, so both sides are first brought to one canonical
form (from the shared parser in `policy.document`); only what still differs is reported,
statement by statement and field by field, in words a reviewer can act on.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..policy.document import Policy, Statement

Canonical = dict[str, Any]
# The statement's fields in the order AWS's grammar lists them; Sid is the statement's name.
FIELDS = (
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
)
UNIQUE_ID_PREFIXES = ("AROA", "AIDA")


@dataclass(frozen=True)
class Difference:
    """One difference: where (`statement`, `field`), and the rendered and live values.

    `change` is `missing` (rendered, not live), `unexpected` (live, not rendered) or
    `changed` (the statement is on both sides; `field` differs). A difference of a whole
    document or attachment has no statement and says what it is in `whole`.
    """

    change: str
    statement: str
    field: str
    rendered: Any
    live: Any
    whole: str = ""  # a whole document or attachment that differs, in words

    def message(self) -> str:
        subject = self.whole or f"statement {self.statement}"
        if self.change == "missing":
            return f"{subject} is missing live"
        if self.change == "unexpected":
            return f"{subject} is live but not rendered"
        where = f"{self.statement}: {self.field}"
        if self.live is None:
            return f"{where} is missing live (rendered: {_show(self.rendered)})"
        if self.rendered is None:
            return f"{where} is live but not rendered (live: {_show(self.live)})"
        return f"{where} differs (rendered: {_show(self.rendered)}; live: {_show(self.live)})"

    @property
    def hint(self) -> str | None:
        """Why a principal may show as an id: AWS replaces a deleted role's ARN by it."""
        values = json.dumps(self.live) if self.live is not None else ""
        if self.field.startswith("Principal") and any(p in values for p in UNIQUE_ID_PREFIXES):
            return (
                "a principal shown as a unique id (AROA.../AIDA...) was deleted after the "
                "policy was set; apply the render again"
            )
        return None


def _show(value: Any) -> str:
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def _values(values: tuple[str, ...]) -> list[str]:
    return sorted(set(values))


def canonical(statement: Statement) -> Canonical:
    """The statement in one spelling: sorted unique values, lower-case actions and keys.

    Action names and condition keys are case-insensitive in AWS; resource ARNs and
    condition values are not. Fields a statement does not have are left out.
    """
    out: Canonical = {"Sid": statement.sid} if statement.sid else {}
    out["Effect"] = statement.effect
    for name, principals in (
        ("Principal", statement.principals),
        ("NotPrincipal", statement.not_principals),
    ):
        if principals:
            grouped: dict[str, list[str]] = {}
            for p in principals:
                grouped.setdefault(p.type, []).append(p.value)
            out[name] = {kind: sorted(set(v)) for kind, v in sorted(grouped.items())}
    for name, values in (
        ("Action", tuple(a.lower() for a in statement.actions)),
        ("NotAction", tuple(a.lower() for a in statement.not_actions)),
        ("Resource", statement.resources),
        ("NotResource", statement.not_resources),
    ):
        if values:
            out[name] = _values(values)
    if statement.conditions:
        blocks: dict[str, dict[str, list[str]]] = {}
        for c in statement.conditions:
            block = blocks.setdefault(c.operator, {})
            block[c.key_lower] = sorted({*block.get(c.key_lower, []), *c.values})
        out["Condition"] = {op: dict(sorted(keys.items())) for op, keys in sorted(blocks.items())}
    return out


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def statement_name(statement: Statement) -> str:
    """How drift and the audit's findings name a statement: its Sid quoted, or its place."""
    return f'"{statement.sid}"' if statement.sid else f"Statement[{statement.index}]"


def _field_differences(name: str, rendered: Canonical, live: Canonical) -> list[Difference]:
    """Field by field; a Condition is compared operator by operator and key by key."""
    found: list[Difference] = []
    for field_name in ("Sid", *FIELDS):
        mine, theirs = rendered.get(field_name), live.get(field_name)
        if mine == theirs:
            continue
        if field_name == "Condition" and mine and theirs:
            found += _condition_differences(name, mine, theirs)
        else:
            found.append(Difference("changed", name, field_name, mine, theirs))
    return found


def _condition_differences(
    name: str, rendered: dict[str, dict[str, list[str]]], live: dict[str, dict[str, list[str]]]
) -> list[Difference]:
    found = []
    for operator in sorted({*rendered, *live}):
        mine, theirs = rendered.get(operator, {}), live.get(operator, {})
        for key in sorted({*mine, *theirs}):
            if mine.get(key) != theirs.get(key):
                where = f"Condition.{operator}.{key}"
                found.append(Difference("changed", name, where, mine.get(key), theirs.get(key)))
    return found


Pairing = Callable[[Canonical], str | None]
# How a rendered statement finds its live counterpart, tried in this order: identical
# (no drift), the same Sid, the same content under another Sid, the same grant
# (effect, principal, action and resource: a condition changed), the same actions to the
# same principal (the resources changed).
PAIRINGS: tuple[Pairing, ...] = (
    _key,
    lambda c: c.get("Sid"),
    lambda c: _key({k: v for k, v in c.items() if k != "Sid"}),
    lambda c: _key({k: c.get(k) for k in ("Effect", "Principal", "Action", "Resource")}),
    lambda c: _key({k: c.get(k) for k in ("Effect", "Principal", "Action")}),
)


def compare(rendered: Policy, live: Policy) -> list[Difference]:
    """Every difference between two documents, whatever the order of their statements.

    Statements are paired (see PAIRINGS) and paired statements compared field by field;
    a rendered statement without a pair is missing live, a live one without a pair is
    unexpected.
    """
    found: list[Difference] = []
    if (rendered.version or "") != (live.version or ""):
        found.append(Difference("changed", "document", "Version", rendered.version, live.version))
    mine = [(statement_name(s), canonical(s)) for s in rendered.statements]
    theirs = [(statement_name(s), canonical(s)) for s in live.statements]
    for pairing in PAIRINGS:
        unpaired = []
        for name, canon in mine:
            key = pairing(canon)
            twin = next(
                (i for i, (_, c) in enumerate(theirs) if key is not None and pairing(c) == key),
                None,
            )
            if twin is None:
                unpaired.append((name, canon))
            else:
                found += _field_differences(name, canon, theirs.pop(twin)[1])
        mine = unpaired
    found += [Difference("missing", name, "", canon, None) for name, canon in mine]
    found += [Difference("unexpected", name, "", None, canon) for name, canon in theirs]
    return found
