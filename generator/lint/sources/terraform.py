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

Four modules help: `tfsyntax` reads the syntax into blocks, `tfdocuments` builds
policy document data blocks, `tftext` reads policies written as text (heredocs,
`file()`, `templatefile()`), `references` puts in what the configuration knows before
plan (locals, variable defaults, references to resources of known types, `%{ if }`
templates). This one finds the policies and attachments in the blocks.

Errors name the file that failed: a `file()` target that is not valid JSON is reported
as that file, a read refused (outside the repository, not a regular file) at the `.tf`
line that asked for it. What was skipped is noted (`notes`), never an error.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ...policy.document import looks_like_policy
from ...policy.kinds import TERRAFORM_POLICY_ATTRIBUTES
from ...safe_read import FILE_LIMIT, size
from ..attachments import Attachment
from . import Raw, ReadError
from .hclvalue import (
    DocRef,
    Encoded,
    Evaluator,
    FileCall,
    Replaced,
    Spot,
    is_unknown_text,
)
from .jsonfile import load_json
from .policyvalue import normalise, replace_strings
from .references import Folder, resolver
from .tfdocuments import (
    DOCUMENT_VERSION,
    STATEMENT_ELEMENTS,
    PolicyDocuments,
    object_statement,
    spot_locator,
)
from .tfsyntax import (
    Block,
    JsonEvaluator,
    block_spans,
    construct_spans,
    hcl_blocks,
    json_blocks,
    next_code_lines,
    parse_tree,
)
from .tftext import PolicyTexts

MAX_BYTES = FILE_LIMIT
BOUNDARY = "boundary"  # see context.LintDocument.purpose
# Resources that attach managed policies, and the attributes that name them.
ATTACHMENTS = {
    "aws_iam_role_policy_attachment": ("policy_arn",),
    "aws_iam_user_policy_attachment": ("policy_arn",),
    "aws_iam_group_policy_attachment": ("policy_arn",),
    "aws_iam_policy_attachment": ("policy_arn",),
    "aws_iam_role_policy_attachments_exclusive": ("policy_arns",),
    "aws_iam_role": ("managed_policy_arns",),
}

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
ROLE_REF = re.compile(r"^\$\{aws_iam_role\.([\w-]+)\.(?:id|name)\}$")
IGNORE = re.compile(r"(?:#|//)\s*xgen:ignore\b[ \t]*([^\n]*)")


class TerraformFile(PolicyTexts):
    """One Terraform file: its policy documents, the files it read, what it skipped."""

    def __init__(
        self,
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
        self.path = Path(display)
        self.read = read
        self.display = display
        self.refused: list[str] = []  # errors, one line each (file() refusals, bad JSON)
        self.notes: list[str] = []  # what was not read, one line each
        self.text = data.decode("utf-8", errors="replace")
        self.lines = self.text.splitlines()
        self._tree: Any = None
        self.deps: list[tuple[str, bool]] = []  # file() targets, and whether already seen
        self.attachments: list[Attachment] = []  # managed policies attached
        self.seen: set[str] = set()
        if json_syntax:
            value, _ = load_json(data, display)
            evaluator: Any = JsonEvaluator(self.text)
            self.blocks = json_blocks(value, evaluator)
        else:
            evaluator = Evaluator(self.text + "\n")
            self._tree = parse_tree(self.text)
            self.blocks = hcl_blocks(self._tree)
        self.evaluate: Callable[[Any], tuple[Any, Spot]] = resolver(
            evaluator.value, self.folder.values
        )
        self._data = {
            b.labels[1]: b
            for b in self.blocks
            if b.keyword == "data" and len(b.labels) == 2
            if b.labels[0] == "aws_iam_policy_document"
        }
        self.documents = PolicyDocuments(self.evaluate, self._data)

    def raws(self, seen: set[str]) -> list[Raw]:
        """Every policy document written in this file; `seen` holds JSON already linted
        (resolved paths), and gets the files this one reads through `file()`.
        """
        self.seen = seen
        for name in self._data:
            self.documents.document(name)
        found: list[Raw] = []
        for block in self.blocks:
            if block.keyword == "resource" and len(block.labels) == 2:
                found.extend(self._resource(block))
                self._attached(block, ATTACHMENTS.get(block.labels[0], ()))
            elif block.keyword == "module" and block.labels:
                found.extend(self._module(block))
                self._attached(block, tuple(a for a in block.attributes if "polic" in a))
        for name, block in self._data.items():
            if name not in self.documents.used:
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
                    raw._replace(role=role, resource_type=rtype, purpose=purpose) for raw in raws
                )
        if rtype == "aws_iam_role":
            for inline in block.nested("inline_policy"):
                if "policy" in inline.attributes:
                    raws = self._policy(inline.attributes["policy"], inline.spot.line, "identity")
                    found.extend(raw._replace(role=f"{rtype}.{name}") for raw in raws)
        return found

    def _attached(self, block: Block, attributes: tuple[str, ...]) -> None:
        """The managed policy ARNs the block attaches, as far as they are known."""
        for attribute in attributes:
            if attribute not in block.attributes:
                continue
            value, _ = self.evaluate(block.attributes[attribute])
            values = list(value.values()) if isinstance(value, dict) else value
            for arn in values if isinstance(values, list) else [value]:
                if isinstance(arn, str) and arn.startswith("arn:") and "${" not in arn:
                    name = ".".join((block.keyword, *block.labels)).removeprefix("resource.")
                    line = block.lines[attribute]
                    self.attachments.append(Attachment(arn, name, self.display, line))

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
                found.extend(raw._replace(purpose=purpose) for raw in raws)
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
                statements.append(object_statement(item, name))
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
            self.documents.used.add(value.name)
            return self._data_raws(value.name, kind, line)
        if isinstance(value, FileCall):
            return self._file(value, kind, line, module=module)
        if isinstance(value, Replaced):
            raws = self._value(value.inner, spot, line, kind, module=module)
            return [
                raw._replace(body=replace_strings(raw.body, value.old, value.new)) for raw in raws
            ]
        if isinstance(value, str) and value.lstrip().startswith("{"):
            return self._text(value, spot, line, kind, module=module)
        return []  # null, a variable, an expression: known only at plan time

    def _structure(
        self, value: Any, spot: Spot, line: int, kind: str | None, *, module: bool
    ) -> list[Raw]:
        """`jsonencode(...)` of an HCL object."""
        if module and not looks_like_policy(value):
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
                locate=spot_locator(spots),
                unread=frozenset(result.unread),
                notes=self._noted(line, result.notes),
            )
        ]

    def _data_raws(self, name: str, kind: str | None, line: int) -> list[Raw]:
        document = self.documents.document(name)
        if document is None:
            return []
        return [
            Raw(
                document.body,
                self.display,
                line=document.spot.line,
                kind=kind,
                locate=spot_locator(document.statements),
                unread=frozenset(document.unread),
                notes=self._noted(document.spot.line, document.notes),
            )
        ]

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
        next_code = next_code_lines(self.lines)
        for number, text in enumerate(self.lines, start=1):
            match = IGNORE.search(text)
            if not match:
                continue
            if spans is None:
                spans = construct_spans(self._tree) if self._tree is not None else {}
                spans = spans or block_spans(self.lines)
            code_before = text[: match.start()].strip()
            target = number if code_before else next_code[number] or number
            covered = range(target, spans.get(target, target) + 1)
            found.append((number, covered, match.group(1).strip()))
        return found


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
