"""Terraform's syntax, read into blocks with every position kept: `.tf` from python-hcl2's
Lark tree (parser from `hclparser`), `.tf.json` in Terraform's JSON syntax, and the
spans of blocks that suppression comments cover. Values are evaluated by `hclvalue`;
what the blocks hold as policies is read by `terraform`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from . import ReadError
from .hclvalue import DocRef, Encoded, Evaluator, FileCall, Replaced, Spot, template_text
from .jsonfile import Lines

SPANLESS = ("start", "body", "new_line_or_comment")  # not what a comment is above
# Nested blocks in `.tf.json` (where blocks and attributes look alike).
JSON_BLOCKS = ("statement", "principals", "not_principals", "condition", "dynamic", "content")
JSON_BLOCKS += ("inline_policy",)


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


# --- HCL syntax: blocks from the Lark tree -------------------------------------------


def parse_tree(text: str) -> Any:
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
    return serialize(transform(parse_tree(text)), serialization_options=options)


def hcl_blocks(tree: Any) -> list[Block]:
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
                tree = parse_tree(f"x = {expression}")
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


def json_blocks(value: Any, evaluator: JsonEvaluator) -> list[Block]:
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


def construct_spans(tree: Any) -> dict[int, int]:
    """First line -> last line of the largest construct beginning on each line."""
    spans: dict[int, int] = {}
    for node in tree.iter_subtrees():
        meta = node.meta
        if node.data in SPANLESS or getattr(meta, "empty", True):
            continue
        if spans.get(meta.line, 0) < meta.end_line:
            spans[meta.line] = meta.end_line
    return spans


def block_spans(lines: list[str]) -> dict[int, int]:
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


def next_code_lines(lines: list[str]) -> list[int]:
    """For each line number, the first line after it that is code (0: none), in one pass
    from the end (searching forward from each comment was quadratic in a run of them).
    """
    following = [0] * (len(lines) + 2)
    for number in range(len(lines), 0, -1):
        stripped = lines[number - 1].strip()
        code = stripped and not stripped.startswith(("#", "//"))
        following[number - 1] = number if code else following[number]
    return following
