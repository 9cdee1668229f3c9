"""Policies in Terraform files (`.tf`, and `.tf.json` in Terraform's JSON syntax), read
without running Terraform.

A `.tf` file is parsed with python-hcl2's parser (imported only for Terraform input) and
read from its Lark tree, which keeps every line and column: blocks, attributes and the
values of policies are evaluated as far as they are literal (`hclvalue`); what is known
only at plan time stays `${...}` and is never judged (`policyvalue`).

Read: policy attributes of the resources in `TERRAFORM_POLICY_ATTRIBUTES` and
`aws_iam_role` `inline_policy` blocks; module arguments whose name says policy (kind
from the name; a `file()` there is read only when it names a `.json` file, so a module's
`file("README.md")` is not taken for a policy); `data "aws_iam_policy_document"` blocks
(statement, principals, condition, `dynamic` principals and conditions read from their
`content`, `source_policy_documents`/`override_policy_documents` of documents in the same
file), used by a resource or not. A policy may be `jsonencode({...})` (with `concat`,
`merge`, conditionals and `for` inside: what is literal is read, the rest noted), a
heredoc or string of JSON (interpolations are unknown values), `file()` or
`templatefile()` of a JSON file resolved against the module folder, a reference to a
policy document, or any of these through `replace()`. Anything else (a variable, a
local, a module output) is known only at plan time and skipped.

Errors name the file that failed: a `file()` target that is not valid JSON is reported
as that file, a read refused (outside the repository, not a regular file) at the `.tf`
line that asked for it. What was skipped is noted (`notes`), never an error.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ...policy.kinds import TERRAFORM_POLICY_ATTRIBUTES
from ...safe_read import FILE_LIMIT, Unreadable, size
from ..scope import Outside
from . import Raw, ReadError
from .hclvalue import (
    DocRef,
    Encoded,
    Evaluator,
    FileCall,
    Replaced,
    Spot,
    is_unknown_text,
    template_text,
)
from .jsonfile import Lines, TextLocator, json_template, load_json, parse_json
from .policyvalue import has_unknown, normalise, replace_strings
from .references import Folder, resolver, with_conditions

MAX_BYTES = FILE_LIMIT
DOCUMENT_VERSION = "2012-10-17"
BOUNDARY = "boundary"  # see context.LintDocument.purpose

# A module argument's name says what the policy is (xgen's own modules use these names).
MODULE_KINDS = (
    ("trust", "trust"),
    ("assume_role", "trust"),
    ("ecr", "ecr-repository"),
    ("bucket", "bucket"),
    ("key", "key"),
    ("inline", "identity"),
)
# What a module argument's file() may name to be read as a policy.
POLICY_FILES = (".json", ".json.tpl", ".json.tftpl", ".tpl.json")
ROLE_REF = re.compile(r"^\$\{aws_iam_role\.([\w-]+)\.(?:id|name)\}$")
IGNORE = re.compile(r"(?:#|//)\s*xgen:ignore\b[ \t]*([^\n]*)")
PATH_REFS = ("${path.module}", "${path.root}", "${path.cwd}")
SPANLESS = ("start", "body", "new_line_or_comment")  # not what a comment is above
# Nested blocks in `.tf.json` (where blocks and attributes look alike).
JSON_BLOCKS = ("statement", "principals", "not_principals", "condition", "dynamic", "content")
JSON_BLOCKS += ("inline_policy",)
STATEMENT_ELEMENTS = (
    ("sid", "Sid"),
    ("effect", "Effect"),
    ("actions", "Action"),
    ("not_actions", "NotAction"),
    ("resources", "Resource"),
    ("not_resources", "NotResource"),
)


@dataclass
class Block:
    """A block (`resource "type" "name" { ... }`): labels, attributes, nested blocks."""

    keyword: str
    labels: tuple[str, ...]
    spot: Spot
    attributes: dict[str, Any] = field(default_factory=dict)  # name -> expression
    lines: dict[str, int] = field(default_factory=dict)  # name -> line
    blocks: list[Block] = field(default_factory=list)

    def nested(self, keyword: str) -> Iterator[Block]:
        return (b for b in self.blocks if b.keyword == keyword)


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


class TerraformFile:
    """One Terraform file: its policy documents, the files it read, what it skipped."""

    def __init__(
        self,
        path: Path,
        display: str,
        data: bytes,
        read: Callable[[str], bytes],
        *,
        json_syntax: bool = False,
        folder: Folder | None = None,
    ) -> None:
        """`read(resolved)` reads a `file()` target, or raises `Unreadable` (see `scope`);
        `folder`: what the module folder's other files say (`references`)."""
        self.folder = folder or Folder()
        if len(data) > MAX_BYTES:
            raise ReadError(f"{size(len(data))} is over the {size(MAX_BYTES)} limit")
        self.path = path
        self.read = read
        self.display = display
        self.refused: list[str] = []  # errors, one line each (file() refusals, bad JSON)
        self.notes: list[str] = []  # what was not read, one line each
        self.text = data.decode("utf-8", errors="replace")
        self.lines = self.text.splitlines()
        self._tree: Any = None
        self.deps: list[tuple[str, bool]] = []  # file() targets, and whether already seen
        self.seen: set[str] = set()
        self.used: set[str] = set()
        self._documents: dict[str, Document | None] = {}
        if json_syntax:
            value, _ = load_json(data, display)
            evaluator: Any = JsonEvaluator(self.text)
            self.blocks = _json_blocks(value, evaluator)
        else:
            evaluator = Evaluator(self.text + "\n")
            self._tree = _tree(self.text)
            self.blocks = _hcl_blocks(self._tree)
        self.evaluate: Callable[[Any], tuple[Any, Spot]] = resolver(
            evaluator.value, self.folder.values
        )
        self._data = {
            b.labels[1]: b
            for b in self.blocks
            if b.keyword == "data" and len(b.labels) == 2
            if b.labels[0] == "aws_iam_policy_document"
        }

    def raws(self, seen: set[str]) -> list[Raw]:
        """Every policy document written in this file; `seen` holds JSON already linted
        (resolved paths), and gets the files this one reads through `file()`.
        """
        self.seen = seen
        for name in self._data:
            self._document(name)
        found: list[Raw] = []
        for block in self.blocks:
            if block.keyword == "resource" and len(block.labels) == 2:
                found.extend(self._resource(block))
            elif block.keyword == "module" and block.labels:
                found.extend(self._module(block))
        for name, block in self._data.items():
            if name not in self.used:
                found.extend(self._data_raws(name, None, block.spot.line))
        return found

    def _resource(self, block: Block) -> list[Raw]:
        rtype, name = block.labels
        role = None
        if rtype == "aws_iam_role_policy" and "role" in block.attributes:
            role = role_name(self.evaluate(block.attributes["role"])[0])
        found: list[Raw] = []
        for attribute, kind in TERRAFORM_POLICY_ATTRIBUTES.get(rtype, ()):
            if attribute in block.attributes:
                line = block.lines[attribute]
                raws = self._policy(block.attributes[attribute], line, kind)
                boundary = rtype == "aws_iam_policy" and name in self.folder.boundaries
                purpose = BOUNDARY if boundary else None
                found.extend(
                    replace(raw, role=role, resource_type=rtype, purpose=purpose) for raw in raws
                )
        if rtype == "aws_iam_role":
            for inline in block.nested("inline_policy"):
                if "policy" in inline.attributes:
                    raws = self._policy(inline.attributes["policy"], inline.spot.line, "identity")
                    found.extend(replace(raw, role=f"{rtype}.{name}") for raw in raws)
        return found

    def _module(self, block: Block) -> list[Raw]:
        found: list[Raw] = []
        for attribute, expression in block.attributes.items():
            if "polic" not in attribute:
                continue
            kind = _module_kind(attribute)
            line = block.lines[attribute]
            value, spot = self.evaluate(expression)
            if "statement" in attribute:  # policy_statements = { name = { actions = ... } }
                found.extend(self._objects(value, spot, line, kind))
                continue
            items = [(value, spot)]
            if isinstance(value, dict):
                members = spot.members if isinstance(spot.members, dict) else {}
                items = [(v, members.get(k, spot)) for k, v in value.items()]
            elif isinstance(value, list):
                items = [(v, spot.member(i)) for i, v in enumerate(value)]
            purpose = BOUNDARY if "boundary" in attribute else None
            for item, where in items:
                raws = self._value(item, where, line, kind, module=True)
                found.extend(replace(raw, purpose=purpose) for raw in raws)
        return found

    def _objects(self, value: Any, spot: Spot, line: int, kind: str | None) -> list[Raw]:
        """Statements handed to a module as objects (terraform-aws-modules' and
        cloudposse's `policy_statements`), written as `aws_iam_policy_document`
        statements are: `sid`, `effect`, `actions`, `resources`, `principals`, `condition`.
        """
        if isinstance(value, dict):
            members = spot.members if isinstance(spot.members, dict) else {}
            items = [(v, members.get(k, spot), k) for k, v in value.items()]
        elif isinstance(value, list):
            items = [(v, spot.member(i), None) for i, v in enumerate(value)]
        else:
            return []
        statements: list[Any] = []
        spots: list[Spot] = []
        for item, where, name in items:
            if isinstance(item, dict) and ("actions" in item or "not_actions" in item):
                statements.append(_object_statement(item, name))
                members = {e: where.member(a) for a, e in STATEMENT_ELEMENTS if a in item}
                spots.append(Spot(where.line, where.col, members=members))
            elif is_unknown_text(item):
                statements.append(item)  # statements built at plan time: noted
                spots.append(where)
        if not statements:
            return []
        body = {"Version": DOCUMENT_VERSION, "Statement": statements}
        return self._structure(
            body,
            Spot(
                spot.line, spot.col, members={"Statement": Spot(spot.line, spot.col, members=spots)}
            ),
            line,
            kind or "identity",
            module=True,
        )

    def _policy(self, expression: Any, line: int, kind: str | None) -> list[Raw]:
        value, spot = self.evaluate(expression)
        return self._value(value, spot, line, kind, module=False)

    def _value(
        self, value: Any, spot: Spot, line: int, kind: str | None, *, module: bool
    ) -> list[Raw]:
        """The documents a policy value holds (none when it is known only at plan time)."""
        if isinstance(value, Encoded):
            return self._structure(value.value, value.spot, line, kind, module=module)
        if isinstance(value, DocRef):
            if value.name not in self._data:
                return []  # a document of another file or module
            self.used.add(value.name)
            return self._data_raws(value.name, kind, line)
        if isinstance(value, FileCall):
            return self._file(value, kind, line, module=module)
        if isinstance(value, Replaced):
            raws = self._value(value.inner, spot, line, kind, module=module)
            return [
                replace(raw, body=replace_strings(raw.body, value.old, value.new)) for raw in raws
            ]
        if isinstance(value, str) and value.lstrip().startswith("{"):
            return self._text(value, spot, line, kind, module=module)
        return []  # null, a variable, an expression: known only at plan time

    def _structure(
        self, value: Any, spot: Spot, line: int, kind: str | None, *, module: bool
    ) -> list[Raw]:
        """`jsonencode(...)` of an HCL object."""
        if module and not (isinstance(value, dict) and "Statement" in value):
            return []
        result = normalise(value)
        if result is None:
            return []
        statements = spot.member("Statement")
        spots = [statements.member(k) for k in result.kept]
        return [
            Raw(
                result.body,
                self.display,
                line=line,
                kind=kind,
                locate=_spot_locator(spots),
                unread=frozenset(result.unread),
                notes=self._noted(line, result.notes),
            )
        ]

    def _text(
        self, value: str, spot: Spot, line: int, kind: str | None, *, module: bool
    ) -> list[Raw]:
        """JSON written in a heredoc or a string, where `${...}` are unknown values."""
        where = spot.body_line or spot.line
        if "%{" in value:
            return self._conditional(value, self.display, line, kind, module=module)
        text = json_template(value)
        try:
            body = parse_json(text)
        except ReadError as error:
            if not module:
                self.refused.append(f"{self.display}:{where}: cannot read policy: {error}")
            return []
        if module and not (isinstance(body, dict) and "Statement" in body):
            return []
        flat = (spot.line, spot.col) if spot.flat else None
        return self._parsed(
            body, text, self.display, line, kind, text_line=where, indent=spot.indent, flat=flat
        )

    def _conditional(
        self,
        text: str,
        shown: str,
        line: int,
        kind: str | None,
        *,
        module: bool,
        path: str | None = None,
    ) -> list[Raw]:
        """A policy template with `%{ if }` directives (a heredoc, a `templatefile()`):
        read with its conditions true, else false, whichever is JSON."""
        for taken in (True, False):
            rendered = with_conditions(text, taken)
            if rendered is None:
                break
            try:
                body = parse_json(json_template(rendered))
            except ReadError:
                continue
            if module and not (isinstance(body, dict) and "Statement" in body):
                return []
            raws = self._parsed(body, rendered, shown, line, kind, text_line=1, path=path)
            note = f"{shown}:{line}: the template is read with its %{{ if }} {taken}"
            return [_conditioned(r, note) for r in raws]
        self.notes.append(f"{shown}:{line}: the template has directives (%{{...}}): not read")
        return []

    def _parsed(
        self,
        body: Any,
        text: str,
        display: str,
        line: int,
        kind: str | None,
        *,
        text_line: int,
        indent: int = 0,
        flat: tuple[int, int] | None = None,
        path: str | None = None,
    ) -> list[Raw]:
        """A document parsed from JSON text, located in that text."""
        kept: list[int] | None = None
        unread: frozenset[str] = frozenset()
        notes: tuple[str, ...] = ()
        if has_unknown(body):
            result = normalise(body)
            if result is None:
                return []  # the whole policy is an interpolation
            body, kept, unread = result.body, result.kept, frozenset(result.unread)
            notes = self._noted(line, result.notes)

        def locate() -> TextLocator:
            return TextLocator(text, line=text_line, indent=indent, flat=flat, kept=kept)

        return [
            Raw(
                body,
                display,
                line=line,
                kind=kind,
                locate=locate,
                unread=unread,
                notes=notes,
                path=path,
            )
        ]

    def _file(self, call: FileCall, kind: str | None, line: int, *, module: bool) -> list[Raw]:
        target = call.path
        if not isinstance(target, str):
            return []
        relative = target
        for reference in PATH_REFS:
            relative = relative.replace(reference, ".")
        if "${" in relative or "\0" in relative:  # known at plan time; no such file
            return []
        if module and not relative.endswith(POLICY_FILES):
            return []  # a module's README, a certificate: not a policy
        resolved = os.path.realpath(self.path.parent / relative)
        if all(dep != resolved for dep, _ in self.deps):
            self.deps.append((resolved, resolved in self.seen))
        if resolved in self.seen:
            return []
        try:
            data = self.read(resolved)
        except Unreadable as error:
            if not error.missing:  # a missing file may be written before plan: skipped
                why = f" {error}" if isinstance(error, Outside) else f": {error}"
                self.refused.append(
                    f'{self.display}:{line}: cannot read policy: {call.function}("{target}"){why}'
                )
            return []
        self.seen.add(resolved)
        shown = _display(Path(resolved), self.path, self.display)
        try:
            if call.function == "templatefile":
                text = _template(data, call.variables)
                if "%{" in text:
                    return self._conditional(text, shown, 1, kind, module=module, path=resolved)
                text = json_template(text)
                body = parse_json(text)
            else:
                body, text = load_json(data, resolved)
        except ReadError as error:
            self.refused.append(f"{shown}: cannot read policy: {error}")
            return []
        if module and not (isinstance(body, dict) and "Statement" in body):
            return []
        return self._parsed(body, text, shown, 1, kind, text_line=1, path=resolved)

    def _data_raws(self, name: str, kind: str | None, line: int) -> list[Raw]:
        document = self._document(name)
        if document is None:
            return []
        return [
            Raw(
                document.body,
                self.display,
                line=document.spot.line,
                kind=kind,
                locate=_spot_locator(document.statements),
                unread=frozenset(document.unread),
                notes=self._noted(document.spot.line, document.notes),
            )
        ]

    def _document(self, name: str) -> Document | None:
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
                included = self._document(item.name)
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

    def _noted(self, line: int, notes: list[str]) -> tuple[str, ...]:
        return tuple(f"{self.display}:{line}: {note}" for note in notes)

    def suppressions(self) -> list[tuple[int, range, str]]:
        """`# xgen:ignore ID reason` comments: (comment line, lines covered, text after).

        A comment covers the line it ends, or else the next line of code, and all of
        what begins there: a block, an attribute (a whole `jsonencode(...)`), a statement
        object or block, wherever it is nested.
        """
        found: list[tuple[int, range, str]] = []
        if "xgen:ignore" not in self.text:
            return found
        spans: dict[int, int] | None = None
        next_code = _next_code_lines(self.lines)
        for number, text in enumerate(self.lines, start=1):
            match = IGNORE.search(text)
            if not match:
                continue
            if spans is None:
                spans = _spans(self._tree) if self._tree is not None else {}
                spans = spans or _block_spans(self.lines)
            code_before = text[: match.start()].strip()
            target = number if code_before else next_code[number] or number
            covered = range(target, spans.get(target, target) + 1)
            found.append((number, covered, match.group(1).strip()))
        return found


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


def _object_statement(item: dict[str, Any], name: str | None) -> dict[str, Any]:
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


def _conditioned(raw: Raw, note: str) -> Raw:
    """A policy read from one branch of its template: other statements may exist, and
    its positions are those of the document (the rendered text is not the file's)."""
    return replace(raw, unread=raw.unread | {"Statement"}, notes=(*raw.notes, note), locate=None)


def _spot_locator(spots: list[Spot]) -> Callable[[], SpotLocator]:
    return lambda: SpotLocator(spots)


def _policy_variables(value: Any) -> Any:
    """`&{aws:username}` is how `aws_iam_policy_document` writes `${aws:username}`."""
    if isinstance(value, str):
        return value.replace("&{", "${") if "&{" in value else value
    if isinstance(value, list):
        return [_policy_variables(v) for v in value]
    return value


def _template(data: bytes, variables: Any) -> str:
    """A `templatefile()` target's text with the literal string variables put in."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ReadError(f"not UTF-8 ({error.reason} at byte {error.start})") from None
    text = template_text(text)
    if isinstance(variables, dict):
        for key, value in variables.items():
            if (
                isinstance(key, str)
                and key.isidentifier()
                and isinstance(value, str)
                and "${" not in value
                and not set(value) & set('"\\\n')
            ):
                text = text.replace("${" + key + "}", value)
    return text


def role_name(value: Any) -> str | None:
    """The role an `aws_iam_role_policy` belongs to: `aws_iam_role.NAME` for a reference
    to the role's id or name, else the argument as written (a literal name, a variable).
    """
    if not isinstance(value, str) or not value.strip():
        return None
    match = ROLE_REF.match(value.strip())
    return f"aws_iam_role.{match.group(1)}" if match else value.strip()


def _module_kind(attribute: str) -> str | None:
    return next((kind for word, kind in MODULE_KINDS if word in attribute), None)


def _display(path: Path, tf_path: Path, tf_display: str) -> str:
    """Show a resolved file() target relative to how the .tf file was named."""
    try:
        return str(Path(tf_display).parent / path.relative_to(tf_path.parent.resolve()))
    except ValueError:
        return str(path)


# --- HCL syntax: blocks from the Lark tree -------------------------------------------


def _tree(text: str) -> Any:
    """The Lark tree of a `.tf` file (python-hcl2's grammar and parser, see `hclparser`)."""
    from .hclparser import parser

    try:
        # "\n": as hcl2.loads adds, for Lark has no end-of-file token (lark issue 237)
        return parser().parse(text + "\n")
    except RecursionError:
        raise ReadError("Terraform nested too deeply") from None
    except Exception as error:  # lark raises many types; all mean "not valid HCL"
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ReadError(f"invalid Terraform: {first}") from None


def _parse(text: str) -> dict[str, Any]:
    """`hcl2.loads(text)`, with the parser from `hclparser` (the parse python-hcl2 gives)."""
    from hcl2.api import serialize, transform
    from hcl2.utils import SerializationOptions

    options = SerializationOptions(
        with_comments=False,
        explicit_blocks=False,
        preserve_heredocs=False,
        strip_string_quotes=True,
    )
    return serialize(transform(_tree(text)), serialization_options=options)


def _hcl_blocks(tree: Any) -> list[Block]:
    body = next((c for c in tree.children if getattr(c, "data", None) == "body"), None)
    return _hcl_body(body)[1] if body is not None else []


def _hcl_body(body: Any) -> tuple[dict[str, tuple[Any, int]], list[Block]]:
    from lark import Tree

    attributes: dict[str, tuple[Any, int]] = {}
    blocks: list[Block] = []
    for item in body.children:
        if not isinstance(item, Tree):
            continue
        if item.data == "attribute":
            parts = [c for c in item.children if isinstance(c, Tree)]
            if len(parts) >= 2:
                attributes[_name(parts[0])] = (parts[-1], item.meta.line)
        elif item.data == "block":
            blocks.append(_hcl_block(item))
    return attributes, blocks


def _hcl_block(node: Any) -> Block:
    from lark import Tree

    parts = [c for c in node.children if isinstance(c, Tree) and c.data != "new_line_or_comment"]
    keyword = _name(parts[0])
    labels = tuple(_name(p) for p in parts[1:] if p.data != "body")
    body = next((p for p in parts if p.data == "body"), None)
    attributes, nested = _hcl_body(body) if body is not None else ({}, [])
    block = Block(keyword, labels, Spot(node.meta.line, node.meta.column))
    block.attributes = {name: expression for name, (expression, _) in attributes.items()}
    block.lines = {name: line for name, (_, line) in attributes.items()}
    block.blocks = nested
    return block


def _name(node: Any) -> str:
    """An identifier, keyword or literal label (`"aws_iam_role"` without its quotes)."""
    if node.data == "string":
        return "".join(
            str(t) for part in node.children if hasattr(part, "children") for t in part.children
        )
    return str(node.children[0]) if node.children else ""


# --- JSON syntax (.tf.json) ------------------------------------------------------------


class JsonEvaluator:
    """Values of `.tf.json` attributes: strings are templates, `"${...}"` an expression."""

    def __init__(self, text: str) -> None:
        self.positions = _json_positions(text)

    def spot(self, path: tuple[Any, ...]) -> Spot:
        line, col = self.positions.get(path, (1, 1))
        return Spot(line, col)

    def value(self, handle: tuple[Any, tuple[Any, ...]]) -> tuple[Any, Spot]:
        value, path = handle
        spot = self.spot(path)
        if isinstance(value, str):
            return self._string(value, spot)
        if isinstance(value, bool) or value is None:
            return value, spot
        if isinstance(value, (int, float)):
            return str(value), Spot(spot.line, spot.col, value=str(value))
        if isinstance(value, list):
            items = [self.value((v, (*path, i))) for i, v in enumerate(value)]
            return [v for v, _ in items], Spot(spot.line, spot.col, members=[s for _, s in items])
        if isinstance(value, dict):
            pairs = {k: self.value((v, (*path, k))) for k, v in value.items()}
            return {k: v for k, (v, _) in pairs.items()}, Spot(
                spot.line, spot.col, members={k: s for k, (_, s) in pairs.items()}
            )
        return None, spot

    def _string(self, value: str, spot: Spot) -> tuple[Any, Spot]:
        stripped = value.strip()
        if stripped.startswith("${") and _whole_interpolation(stripped):
            expression = stripped[2:-1]
            try:
                tree = _tree(f"x = {expression}")
            except ReadError:
                return value, spot
            attribute = tree.children[0].children[0]
            node = [c for c in attribute.children if hasattr(c, "data")][-1]
            result, _ = Evaluator(f"x = {expression}\n").value(node)
            return _respot(result, spot), spot
        text = template_text(value)
        return text, Spot(spot.line, spot.col, value=text, flat=True)


def _whole_interpolation(text: str) -> bool:
    depth = 0
    for index, char in enumerate(text):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return index == len(text) - 1
    return False


def _moved(spot: Spot, to: Spot) -> Spot:
    members = spot.members
    if isinstance(members, dict):
        members = {k: _moved(v, to) for k, v in members.items()}
    elif isinstance(members, list):
        members = [_moved(v, to) for v in members]
    return Spot(to.line, to.col, value=spot.value, members=members)


def _respot(value: Any, spot: Spot) -> Any:
    """A value evaluated from an expression in a JSON string, placed at that string."""
    if isinstance(value, Encoded):
        return Encoded(value.value, _moved(value.spot, spot))
    if isinstance(value, (FileCall, DocRef)):
        return replace(value, spot=spot)
    if isinstance(value, Replaced):
        return Replaced(_respot(value.inner, spot), value.old, value.new)
    return value


def _json_blocks(value: Any, evaluator: JsonEvaluator) -> list[Block]:
    """Resource, data and module blocks of a `.tf.json` file."""
    blocks: list[Block] = []
    if not isinstance(value, dict):
        return blocks
    for keyword, depth in (("resource", 2), ("data", 2), ("module", 1)):
        for labels, body, path in _json_labelled(value.get(keyword), depth, (keyword,)):
            blocks.append(_json_block(keyword, labels, body, path, evaluator))
    return blocks


def _json_labelled(
    value: Any, depth: int, path: tuple[Any, ...]
) -> Iterator[tuple[tuple[str, ...], dict[str, Any], tuple[Any, ...]]]:
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield from _json_labelled(item, depth, (*path, index))
        return
    if not isinstance(value, dict):
        return
    if depth == 0:
        yield (), value, path
        return
    for label, inner in value.items():
        for labels, body, where in _json_labelled(inner, depth - 1, (*path, label)):
            yield (label, *labels), body, where


def _json_block(
    keyword: str,
    labels: tuple[str, ...],
    body: dict[str, Any],
    path: tuple[Any, ...],
    evaluator: JsonEvaluator,
) -> Block:
    block = Block(keyword, labels, evaluator.spot(path))
    for name, value in body.items():
        where = (*path, name)
        if name in JSON_BLOCKS and isinstance(value, (dict, list)):
            if name == "dynamic" and isinstance(value, dict):
                for label, inner in value.items():
                    for _, item, at in _json_labelled(inner, 0, (*where, label)):
                        block.blocks.append(_json_block(name, (label,), item, at, evaluator))
                continue
            for _, item, at in _json_labelled(value, 0, where):
                block.blocks.append(_json_block(name, (), item, at, evaluator))
        else:
            block.attributes[name] = (value, where)
            block.lines[name] = evaluator.spot(where).line
    return block


JSON_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]|[^\s{}\[\]:,"]+')


def _json_positions(text: str) -> dict[tuple[Any, ...], tuple[int, int]]:
    """The line and column of every value of a JSON text, by its path of keys and
    indexes (a `.tf.json` file: at most 4 MiB, read once)."""
    lines = Lines(text)
    positions: dict[tuple[Any, ...], tuple[int, int]] = {}
    stack: list[list[Any]] = []  # [kind, index, path]
    expect_key = False
    pending_key: str | None = None
    for match in JSON_TOKENS.finditer(text):
        token = match.group()
        if token == ":":
            continue
        if token == ",":
            if stack and stack[-1][0] == "list":
                stack[-1][1] += 1
            elif stack:
                expect_key = True
            continue
        if token in "}]":
            if stack:
                stack.pop()
            expect_key = False
            continue
        if expect_key and token[0] == '"':
            try:
                pending_key = json.loads(token)
            except ValueError:
                pending_key = token
            expect_key = False
            continue
        here: tuple[Any, ...] = ()
        if stack:
            top = stack[-1]
            here = (*top[2], pending_key) if top[0] == "dict" else (*top[2], top[1])
        positions.setdefault(here, lines.line_col(match.start()))
        if token == "{":
            stack.append(["dict", None, here])
            expect_key = True
        elif token == "[":
            stack.append(["list", 0, here])
    return positions


def _spans(tree: Any) -> dict[int, int]:
    """First line -> last line of the largest construct beginning on each line."""
    spans: dict[int, int] = {}
    for node in tree.iter_subtrees():
        meta = node.meta
        if node.data in SPANLESS or getattr(meta, "empty", True):
            continue
        if spans.get(meta.line, 0) < meta.end_line:
            spans[meta.line] = meta.end_line
    return spans


def _block_spans(lines: list[str]) -> dict[int, int]:
    """First line -> last line of each top-level block, by brace counting outside strings."""
    spans: dict[int, int] = {}
    depth = 0
    start = 0
    for number, text in enumerate(lines, start=1):
        code = re.sub(r'"(?:[^"\\]|\\.)*"', '""', text.split("#", 1)[0])
        opened, closed = code.count("{"), code.count("}")
        if depth == 0 and opened > closed:
            start = number
        depth += opened - closed
        if depth <= 0 and start:
            spans[start] = number
            depth, start = 0, 0
    return spans


def _next_code_lines(lines: list[str]) -> list[int]:
    """For each line number, the first line after it that is code (0: none), in one pass
    from the end (searching forward from each comment was quadratic in a run of them).
    """
    following = [0] * (len(lines) + 2)
    for number in range(len(lines), 0, -1):
        stripped = lines[number - 1].strip()
        code = stripped and not stripped.startswith(("#", "//"))
        following[number - 1] = number if code else following[number]
    return following
