"""`data "aws_iam_policy_document"` blocks as the JSON policies the provider builds, with
the spot of every statement and value (`statement`, `principals`, `condition`, their
`dynamic` forms, `source_policy_documents`/`override_policy_documents` of documents in
the same file), and statement objects written the same way (`object_statement`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from .hclvalue import DocRef, Spot, is_unknown_text
from .tfsyntax import Block

DOCUMENT_VERSION = "2012-10-17"
STATEMENT_ELEMENTS = (
    ("sid", "Sid"),
    ("effect", "Effect"),
    ("actions", "Action"),
    ("not_actions", "NotAction"),
    ("resources", "Resource"),
    ("not_resources", "NotResource"),
)


@dataclass
class Document:
    """A `data "aws_iam_policy_document"` as the JSON policy it produces, with spots."""

    body: dict[str, Any]
    statements: list[Spot]
    spot: Spot
    unread: set[str]
    notes: list[str]


class SpotLocator:
    """Statements and values of a policy evaluated from HCL, by their spots."""

    def __init__(self, statements: list[Spot]) -> None:
        self.statements = statements

    def statement(self, index: int) -> tuple[int, int] | None:
        if not 0 <= index < len(self.statements):
            return None
        spot = self.statements[index]
        return spot.line, spot.col

    def value(
        self, index: int, element: str | None, candidates: tuple[str, ...]
    ) -> tuple[int, int] | None:
        if not 0 <= index < len(self.statements):
            return None
        root = self.statements[index]
        if element is not None:
            members = root.members if isinstance(root.members, dict) else {}
            if element not in members:
                return None
            root = members[element]
        found = _leaf(root, set(candidates))
        if found is not None:
            return found.line, found.col
        return (root.line, root.col) if element is not None else None


def _leaf(spot: Spot, wanted: set[str]) -> Spot | None:
    if spot.value is not None and spot.value in wanted:
        return spot
    members = spot.members
    items = members.values() if isinstance(members, dict) else members or ()
    for member in items:
        found = _leaf(member, wanted)
        if found is not None:
            return found
    return None


class PolicyDocuments:
    """The policy document data blocks of one file, each built once when first asked."""

    def __init__(self, evaluate: Callable[[Any], tuple[Any, Spot]], data: dict[str, Block]) -> None:
        self.evaluate = evaluate
        self._data = data
        self.used: set[str] = set()  # documents a resource or another document uses
        self._documents: dict[str, Document | None] = {}

    def document(self, name: str) -> Document | None:
        """A policy document data block, built once (None while being built: a cycle)."""
        if name in self._documents:
            return self._documents[name]
        self._documents[name] = None
        block = self._data[name]
        document = self._build(block)
        self._documents[name] = document
        return document

    def _build(self, block: Block) -> Document:
        built = Document({}, [], block.spot, set(), [])
        for attribute in ("source_policy_documents", "source_json"):
            if attribute in block.attributes:
                self._include(block, attribute, built)
        for item in block.blocks:
            if item.keyword == "statement":
                statement = self._statement(item, built.notes)
                if statement is None:
                    built.unread.add("Statement")
                    continue
                _merge_statement(built, statement, item.spot)
            elif item.keyword == "dynamic" and item.labels[:1] == ("statement",):
                built.unread.add("Statement")
                built.notes.append(
                    f'dynamic "statement" (line {item.spot.line}) is built at plan time: not read'
                )
        for attribute in ("override_policy_documents", "override_json"):
            if attribute in block.attributes:
                self._include(block, attribute, built)
        body: dict[str, Any] = {}
        version = self._literal(block, "version")
        body["Version"] = version if version is not None else DOCUMENT_VERSION
        policy_id = self._literal(block, "policy_id")
        if policy_id is not None:
            body["Id"] = policy_id
        body["Statement"] = built.body.get("Statement", [])
        built.body = body
        return built

    def _literal(self, block: Block, attribute: str) -> Any:
        if attribute not in block.attributes:
            return None
        return _policy_variables(self.evaluate(block.attributes[attribute])[0])

    def _include(self, block: Block, attribute: str, built: Document) -> None:
        """Statements of `source_policy_documents` (or overrides) known in this file."""
        value, _ = self.evaluate(block.attributes[attribute])
        items = value if isinstance(value, list) else [value]
        for index, item in enumerate(items):
            included = None
            if isinstance(item, DocRef) and item.name in self._data:
                self.used.add(item.name)
                included = self.document(item.name)
            if included is None:
                if item is not None and item != "":
                    built.unread.add("Statement")
                    built.notes.append(
                        f"{attribute} item {index} is known at plan time (or elsewhere): not read"
                    )
                continue
            built.unread |= included.unread
            for statement, where in zip(
                included.body["Statement"], included.statements, strict=False
            ):
                _merge_statement(built, dict(statement), where)

    def _statement(self, block: Block, notes: list[str]) -> dict[str, Any] | None:
        """A `statement` block as JSON, or None (with a note) when it cannot be judged."""
        statement: dict[str, Any] = {}
        members: dict[str, Spot] = {}
        for name, element in STATEMENT_ELEMENTS:
            if name in block.attributes:
                value, spot = self.evaluate(block.attributes[name])
                value = _policy_variables(value)
                if value is None:
                    continue
                if isinstance(value, list):
                    value = [v for v in value if v is not None]
                statement[element] = value
                members[element] = spot
        effect = statement.setdefault("Effect", "Allow")
        if isinstance(effect, str) and "${" in effect:
            notes.append(
                f"statement (line {block.spot.line}): effect {effect} is known at plan time: "
                "not read"
            )
            return None
        for name, element in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
            principal, spot = self._principals(block, name)
            if principal is not None:
                statement[element] = principal
                members[element] = spot
        condition, spot = self._conditions(block)
        if condition:
            statement["Condition"] = condition
            members["Condition"] = spot
        statement["__spots__"] = members
        return statement

    def _content(self, block: Block, name: str) -> Iterator[Block]:
        """Nested blocks `name`, and the content of `dynamic "name"` blocks."""
        for item in block.blocks:
            if item.keyword == name:
                yield item
            elif item.keyword == "dynamic" and item.labels[:1] == (name,):
                yield from item.nested("content")

    def _principals(self, block: Block, name: str) -> tuple[Any, Spot]:
        """`principals { type identifiers }` blocks as the provider writes them: `type = "*"`
        is `Principal: "*"`; a type known only at plan time names nobody known.
        """
        merged: dict[str, list[Any]] = {}
        spots: dict[str, list[Spot]] = {}
        found = False
        wildcard: Spot | None = None
        for item in self._content(block, name):
            found = True
            kind = self._attribute(item, "type")
            values: Any = []
            where = item.spot
            if "identifiers" in item.attributes:
                values, where = self.evaluate(item.attributes["identifiers"])
            values = _policy_variables(values)
            listed = values if isinstance(values, list) else [values]
            listed_spots = (
                [where.member(i) for i in range(len(listed))]
                if isinstance(values, list)
                else [where]
            )
            if kind == "*":
                wildcard = item.spot
                continue
            if isinstance(kind, str) and "${" not in kind:
                key = kind
            else:  # a type known at plan time: nobody known
                key = "AWS"
                marker = kind if isinstance(kind, str) else "${type}"
                listed = [marker for _ in listed] or [marker]
                listed_spots = listed_spots or [where]
            merged.setdefault(key, []).extend(v for v in listed if v is not None)
            spots.setdefault(key, []).extend(listed_spots)
        if not found:
            return None, block.spot
        if wildcard is not None:
            return "*", Spot(wildcard.line, wildcard.col, value="*")
        members: dict[str, Spot] = {
            key: Spot(block.spot.line, block.spot.col, members=listed)
            for key, listed in spots.items()
        }
        first = next(iter(members.values()), block.spot)
        return merged, Spot(first.line, first.col, members=members)

    def _conditions(self, block: Block) -> tuple[dict[str, Any], Spot]:
        condition: dict[str, dict[str, Any]] = {}
        spots: dict[str, dict[str, Spot]] = {}
        first: Spot | None = None
        for item in self._content(block, "condition"):
            test = self._attribute(item, "test")
            variable = self._attribute(item, "variable")
            values: Any = []
            where = item.spot
            if "values" in item.attributes:
                values, where = self.evaluate(item.attributes["values"])
                values = _policy_variables(values)
            if isinstance(values, list):
                values = [v for v in values if v is not None]
            operator = test if isinstance(test, str) else "${test}"
            key = variable if isinstance(variable, str) else "${variable}"
            block_values = condition.setdefault(operator, {})
            if key in block_values:  # the provider ANDs them; lint reads their union
                existing = block_values[key]
                existing = existing if isinstance(existing, list) else [existing]
                block_values[key] = existing + (values if isinstance(values, list) else [values])
            else:
                block_values[key] = values
            spots.setdefault(operator, {})[key] = where
            first = first or item.spot
        if first is None:
            return {}, block.spot
        members = {
            operator: Spot(first.line, first.col, members=keys) for operator, keys in spots.items()
        }
        return condition, Spot(first.line, first.col, members=members)

    def _attribute(self, block: Block, name: str) -> Any:
        if name not in block.attributes:
            return None
        return self.evaluate(block.attributes[name])[0]


def _merge_statement(built: Document, statement: dict[str, Any], where: Spot) -> None:
    """Add a statement; one with the Sid of an earlier one replaces it (the provider's
    rule for source and override documents)."""
    statements = built.body.setdefault("Statement", [])
    spots = built.statements
    members = statement.pop("__spots__", None)
    spot = Spot(where.line, where.col, members=members) if members is not None else where
    sid = statement.get("Sid")
    if isinstance(sid, str) and sid:
        for index, existing in enumerate(statements):
            if existing.get("Sid") == sid:
                statements[index] = statement
                spots[index] = spot
                return
    statements.append(statement)
    spots.append(spot)


def object_statement(item: dict[str, Any], name: str | None) -> dict[str, Any]:
    """A statement object (see `TerraformFile._objects`) as policy JSON; its map key is
    its Sid when it has none."""
    statement: dict[str, Any] = {}
    for attribute, element in STATEMENT_ELEMENTS:
        value = _policy_variables(item.get(attribute))
        if value is not None:
            statement[element] = value
    if name is not None and "Sid" not in statement and name.isalnum():
        statement["Sid"] = name
    statement.setdefault("Effect", "Allow")
    for attribute, element in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
        listed = item.get(attribute)
        if isinstance(listed, list):
            principal: dict[str, Any] = {}
            if any(isinstance(entry, dict) and entry.get("type") == "*" for entry in listed):
                statement[element] = "*"  # as the provider writes `type = "*"` (`_principals`)
                continue
            for entry in listed:
                if isinstance(entry, dict) and isinstance(entry.get("type"), str):
                    ids = entry.get("identifiers")
                    principal.setdefault(entry["type"], []).extend(
                        ids if isinstance(ids, list) else [ids]
                    )
                else:
                    principal.setdefault("AWS", []).append("${principal}")  # nobody known
            if principal:
                statement[element] = principal
        elif is_unknown_text(listed):
            statement[element] = listed
    conditions = item.get("condition", item.get("conditions"))
    if isinstance(conditions, list):
        condition: dict[str, dict[str, Any]] = {}
        for entry in conditions:
            entry = entry if isinstance(entry, dict) else {}  # noqa: PLW2901
            test, variable = entry.get("test"), entry.get("variable")
            operator = test if isinstance(test, str) else "${test}"
            key = variable if isinstance(variable, str) else "${variable}"
            condition.setdefault(operator, {})[key] = _policy_variables(entry.get("values"))
        if condition:
            statement["Condition"] = condition
    elif is_unknown_text(conditions):
        statement["Condition"] = conditions
    return statement


def spot_locator(spots: list[Spot]) -> Callable[[], SpotLocator]:
    return lambda: SpotLocator(spots)


def _policy_variables(value: Any) -> Any:
    """`&{aws:username}` is how `aws_iam_policy_document` writes `${aws:username}`."""
    if isinstance(value, str):
        return value.replace("&{", "${") if "&{" in value else value
    if isinstance(value, list):
        return [_policy_variables(v) for v in value]
    return value
