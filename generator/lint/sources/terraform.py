"""Policies in Terraform `.tf` files, read with python-hcl2 (imported only for `.tf` input).

Handled: `jsonencode({...})`, heredoc or string JSON, `file("...json")` resolved against
the module folder, and `data "aws_iam_policy_document"` blocks (statement, principals,
condition), whether used by a resource or not. The resource type gives the kind.
python-hcl2 keeps no line numbers, so blocks and attributes are located in the text.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import replace
from functools import cached_property
from pathlib import Path
from typing import Any

from ...policy.kinds import TERRAFORM_POLICY_ATTRIBUTES
from ...safe_read import FILE_LIMIT, Unreadable, size
from ..scope import Outside
from . import Raw, ReadError
from .jsonfile import load_json, parse_json

MAX_BYTES = FILE_LIMIT
DOCUMENT_VERSION = "2012-10-17"

# A module argument's name says what the policy is (xgen's own modules use these names).
MODULE_KINDS = (
    ("trust", "trust"),
    ("assume_role", "trust"),
    ("ecr", "ecr-repository"),
    ("bucket", "bucket"),
    ("key", "key"),
    ("inline", "identity"),
)
FILE_CALL = re.compile(r'^\$\{file\("(.+)"\)\}$')
DATA_REF = re.compile(r"^\$\{data\.aws_iam_policy_document\.([\w-]+)\.json\}$")
JSONENCODE = re.compile(r"^\$\{jsonencode\((.*)\)\}$", re.S)
ROLE_REF = re.compile(r"^\$\{aws_iam_role\.([\w-]+)\.(?:id|name)\}$")
IGNORE = re.compile(r"(?:#|//)\s*xgen:ignore\b[ \t]*([^\n]*)")
HEADER = re.compile(r'^\s*(\S+?)((?:\s+"[^"]*")*)\s*\{')  # resource "type" "name" {
LABEL = re.compile(r'"([^"]*)"')
LEADING_WORD = re.compile(r"^\s*(.+?)\s*([={])")  # what a line begins with: `word =`, `word {`


class TerraformFile:
    """One parsed `.tf` file, with a text index for line numbers."""

    def __init__(self, path: Path, display: str, data: bytes, read: Callable[[str], bytes]) -> None:
        """`read(resolved)` reads a `file()` target, or raises `Unreadable` (see `scope`)."""
        if len(data) > MAX_BYTES:
            raise ReadError(f"{size(len(data))} is over the {size(MAX_BYTES)} limit")
        self.path = path
        self.read = read
        self.refused: list[str] = []  # file() targets not read, one message each
        self.display = display
        self.text = data.decode("utf-8", errors="replace")
        self.lines = self.text.splitlines()
        self.tree = _parse(self.text)
        self.blocks = _block_spans(self.lines)
        self.documents: dict[str, Raw] = {}
        self.used: set[str] = set()
        self.seen: set[str] = set()
        self.deps: list[tuple[str, bool]] = []  # file() targets, and whether already seen
        self._block_words: dict[int, dict[tuple[str, str], list[int]]] = {}

    def raws(self, seen: set[str]) -> list[Raw]:
        """Every policy document written in this file; `seen` holds JSON already linted
        (resolved paths), and gets the files this one reads through `file()`.
        """
        found: list[Raw] = []
        self.seen = seen
        self.documents = self._data_documents()
        for block in _blocks(self.tree, "resource"):
            rtype, name, body = block
            role = role_name(body.get("role")) if rtype == "aws_iam_role_policy" else None
            for attribute, kind in TERRAFORM_POLICY_ATTRIBUTES.get(rtype, ()):
                start = self.block_line("resource", rtype, name)
                line = self.attribute_line(start, attribute)
                raws = self._value(body.get(attribute), line, kind)
                found.extend(replace(raw, role=role) for raw in raws)
            for inline in _as_list(body.get("inline_policy")) if rtype == "aws_iam_role" else []:
                line = self.attribute_line(
                    self.block_line("resource", rtype, name), "inline_policy"
                )
                raws = self._value(inline.get("policy"), line, "identity")
                found.extend(replace(raw, role=f"{rtype}.{name}") for raw in raws)
        for module in _module_bodies(self.tree):
            name, body = module
            start = self.block_line("module", name)
            for attribute, value in body.items():
                kind = _module_kind(attribute)
                values = value.values() if isinstance(value, dict) else [value]
                for item in values:
                    line = self.attribute_line(start, attribute)
                    found.extend(self._value(item, line, kind, files_only=True))
        for name, raw in self.documents.items():
            if name not in self.used:
                found.append(raw)
        return found

    def _data_documents(self) -> dict[str, Raw]:
        documents: dict[str, Raw] = {}
        for dtype, name, body in _blocks(self.tree, "data"):
            if dtype != "aws_iam_policy_document":
                continue
            start = self.block_line("data", dtype, name)
            statements = _as_list(body.get("statement"))
            lines = tuple(self.nth_line(start, "statement", i) for i in range(len(statements)))
            documents[name] = Raw(
                policy_document(body), self.display, line=start, statement_lines=lines
            )
        return documents

    def _value(
        self,
        value: Any,
        line: int,
        kind: str | None,
        *,
        files_only: bool = False,
    ) -> list[Raw]:
        if not isinstance(value, str):
            return []
        value = value.strip()
        if match := FILE_CALL.match(value):
            return self._file(match.group(1), kind, line)
        if files_only:
            return []
        if match := DATA_REF.match(value):
            raw = self.documents.get(match.group(1))
            if raw is None:
                return []
            self.used.add(match.group(1))
            return [_with_kind(raw, kind)]
        if match := JSONENCODE.match(value):
            return [Raw(_hcl_value(match.group(1)), self.display, line=line, kind=kind)]
        if value.startswith("{"):
            body = parse_json(value)
            return [Raw(body, self.display, line=line, kind=kind)]
        return []  # a variable or an expression: known only at plan time

    def _file(self, target: str, kind: str | None, line: int) -> list[Raw]:
        relative = target.replace("${path.module}", ".").replace("${path.root}", ".")
        if "${" in relative or "\0" in relative:  # known at plan time; no such file
            return []
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
                    f'{self.display}:{line}: cannot read policy: file("{target}"){why}'
                )
            return []
        self.seen.add(resolved)
        body, text = load_json(data, resolved)
        shown = _display(Path(resolved), self.path, self.display)
        return [Raw(body, shown, text=text, kind=kind, path=resolved)]

    def block_line(self, *labels: str) -> int:
        """Line of the first `keyword "label" ... {` header with these labels (else 1)."""
        return self._headers.get(labels, 1)

    def attribute_line(self, start: int, attribute: str) -> int:
        return self.nth_line(start, attribute, 0, assignment=True)

    def nth_line(self, start: int, word: str, nth: int, *, assignment: bool = False) -> int:
        """Line of the nth `word {` (block) or `word =` (attribute) inside the block at start."""
        hits = self._words(start).get((word, "=" if assignment else "{"), [])
        return hits[nth] if nth < len(hits) else start

    @cached_property
    def _headers(self) -> dict[tuple[str, ...], int]:
        """Block headers (keyword and labels) -> their first line, from one scan: looking
        each block up from the top made a file of many blocks quadratic.
        """
        found: dict[tuple[str, ...], int] = {}
        for number, text in enumerate(self.lines, start=1):
            if match := HEADER.match(text):
                labels = tuple(LABEL.findall(match.group(2)))
                found.setdefault((match.group(1), *labels), number)
        return found

    def _words(self, start: int) -> dict[tuple[str, str], list[int]]:
        """(word, "=" or "{") -> the lines inside the block at `start` that begin with
        them, from one scan of the block (not one per word asked for).
        """
        if start not in self._block_words:
            found: dict[tuple[str, str], list[int]] = {}
            for index in range(start, self.blocks.get(start, len(self.lines))):
                if match := LEADING_WORD.match(self.lines[index]):
                    found.setdefault((match.group(1), match.group(2)), []).append(index + 1)
            self._block_words[start] = found
        return self._block_words[start]

    def suppressions(self) -> list[tuple[int, range, str]]:
        """`# xgen:ignore ID reason` comments: (comment line, lines covered, text after)."""
        found: list[tuple[int, range, str]] = []
        next_code = _next_code_lines(self.lines)
        for number, text in enumerate(self.lines, start=1):
            match = IGNORE.search(text)
            if not match:
                continue
            code_before = text[: match.start()].strip()
            target = number if code_before else next_code[number] or number
            covered = range(target, self.blocks.get(target, target) + 1)
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


def policy_document(body: dict[str, Any]) -> dict[str, Any]:
    """A `data "aws_iam_policy_document"` block as the JSON policy it produces."""
    statements = [_statement(s) for s in _as_list(body.get("statement"))]
    document: dict[str, Any] = {"Version": body.get("version", DOCUMENT_VERSION)}
    if "policy_id" in body:
        document["Id"] = body["policy_id"]
    document["Statement"] = statements
    return document


def _statement(block: dict[str, Any]) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": block.get("effect", "Allow")}
    for hcl_name, json_name in (
        ("sid", "Sid"),
        ("actions", "Action"),
        ("not_actions", "NotAction"),
        ("resources", "Resource"),
        ("not_resources", "NotResource"),
    ):
        if hcl_name in block:
            statement[json_name] = block[hcl_name]
    for hcl_name, json_name in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
        if hcl_name in block:
            statement[json_name] = _principals(_as_list(block[hcl_name]))
    if "condition" in block:
        condition: dict[str, dict[str, Any]] = {}
        for item in _as_list(block["condition"]):
            test = condition.setdefault(str(item.get("test")), {})
            test[str(item.get("variable"))] = item.get("values", [])
        statement["Condition"] = condition
    return statement


def _principals(blocks: list[dict[str, Any]]) -> Any:
    """`principals { type = "*" identifiers = ["*"] }` is the provider's `Principal: "*"`."""
    if any(b.get("type") == "*" for b in blocks):
        return "*"
    merged: dict[str, list[Any]] = {}
    for block in blocks:
        merged.setdefault(str(block.get("type")), []).extend(_as_list(block.get("identifiers")))
    return merged


def _parse(text: str) -> dict[str, Any]:
    """`hcl2.loads(text)`, with the parser from `hclparser` (see why there)."""
    from hcl2.api import serialize, transform
    from hcl2.utils import SerializationOptions

    from .hclparser import parser

    options = SerializationOptions(
        with_comments=False,
        explicit_blocks=False,
        preserve_heredocs=False,
        strip_string_quotes=True,
    )
    try:
        # "\n": as hcl2.loads adds, for Lark has no end-of-file token (lark issue 237)
        tree = transform(parser().parse(text + "\n"))
        return serialize(tree, serialization_options=options)
    except RecursionError:
        raise ReadError("Terraform nested too deeply") from None
    except Exception as error:  # lark raises many types; all mean "not valid HCL"
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ReadError(f"invalid Terraform: {first}") from None


def _hcl_value(expression: str) -> Any:
    """An HCL object expression (jsonencode's argument) as Python values."""
    tree = _parse(f"value = {expression}\n")
    return _unquote(tree.get("value"))


def _unquote(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(_unquote(k)): _unquote(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unquote(v) for v in value]
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return json.loads(value) if "\\" in value else value[1:-1]
    return value


def _blocks(tree: dict[str, Any], keyword: str) -> list[tuple[str, str, dict[str, Any]]]:
    found: list[tuple[str, str, dict[str, Any]]] = []
    for group in _as_list(tree.get(keyword)):
        for rtype, named in group.items():
            for name, body in (named or {}).items():
                if isinstance(body, dict):
                    found.append((str(rtype), str(name), body))
    return found


def _module_bodies(tree: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    for group in _as_list(tree.get("module")):
        for name, body in group.items():
            if isinstance(body, dict):
                found.append((str(name), body))
    return found


def _module_kind(attribute: str) -> str | None:
    if "polic" not in attribute:
        return None
    return next((kind for word, kind in MODULE_KINDS if word in attribute), None)


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return [v for v in value if isinstance(v, dict)] or value
    return [value] if isinstance(value, dict) else []


def _with_kind(raw: Raw, kind: str | None) -> Raw:
    return replace(raw, kind=kind or raw.kind)


def _display(path: Path, tf_path: Path, tf_display: str) -> str:
    """Show a resolved file() target relative to how the .tf file was named."""
    try:
        return str(Path(tf_display).parent / path.relative_to(tf_path.parent.resolve()))
    except ValueError:
        return str(path)


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
