"""Add statements to a spec's keep lists, in place, with ruamel.yaml's round trip.

The user's comments, key order, quoting and indentation survive: the file is loaded and
dumped by ruamel.yaml in the indentation style that reproduces it byte for byte, and the
result must differ from the original by inserted lines only. A spec that cannot be edited
that way (mixed indentation, a comment the new key would move) is refused, never
rewritten in another style.

The spec is read by PyYAML (YAML 1.1), which reads some plain scalars YAML 1.2 writers
leave unquoted as other types (`on`, `yes`, `1:30`); new text is double-quoted where the
plain form would not read back as the same text, and the caller checks the result by
reading it back as the spec.
"""

from __future__ import annotations

import copy
import difflib
import io
import re
from collections.abc import Collection, Iterator, Mapping
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

# (mapping, sequence, offset) indentations tried in turn: `xgen init`'s and the examples'
# style first (`  - item` under a key), then the other common ones.
STYLES = ((2, 4, 2), (2, 2, 0), (4, 4, 2), (4, 4, 0), (4, 6, 4), (3, 3, 0))
WIDTH = 4096  # never fold a long ARN onto two lines


class NotEditable(ValueError):
    """The spec cannot take the statements without changing what is already there."""


def _yaml(style: tuple[int, int, int]) -> YAML:
    editor = YAML()  # round trip
    editor.preserve_quotes = True
    editor.width = WIDTH
    mapping, sequence, offset = style
    editor.indent(mapping=mapping, sequence=sequence, offset=offset)
    return editor


def _dump(editor: YAML, document: Any) -> str:
    out = io.StringIO()
    editor.dump(document, out)
    return out.getvalue()


def _style(text: str) -> tuple[int, int, int]:
    """The indentation style in which ruamel.yaml writes `text` back unchanged."""
    for style in STYLES:
        if _dump(_yaml(style), _yaml(style).load(text)) == text:
            return style
    raise NotEditable(
        "its indentation is not one consistent style, so the YAML writer would re-indent it"
    )


def _scalar(value: str) -> str:
    """`value` as a string that both YAML 1.1 (PyYAML) and 1.2 read back as this text."""
    try:
        plain = yaml.safe_load(f"k: {value}")
    except yaml.YAMLError:
        plain = None
    if isinstance(plain, dict) and plain.get("k") == value and value == value.strip():
        return value
    return DoubleQuotedScalarString(value)


def _block(value: Any) -> Any:
    """A JSON value as block-style ruamel nodes with YAML-1.1-safe strings."""
    if isinstance(value, dict):
        node = CommentedMap()
        for key, item in value.items():
            node[_scalar(str(key))] = _block(item)
        return node
    if isinstance(value, list):
        return CommentedSeq(_block(item) for item in value)
    if isinstance(value, str):
        return _scalar(value)
    return value


def _only_inserted(old: str, new: str, names: list[str]) -> bool:
    """True when `new` is `old` with lines added right after a value (never after a blank
    or comment line, which belongs to what follows it), and no line changed or removed but
    an empty flow list (`bucket_policy_statements: []`) of `names` that became a block."""
    before, after = old.splitlines(True), new.splitlines(True)
    lists = "|".join(map(re.escape, names))
    empty = re.compile(rf"^\s*(?:{lists}):\s*\[\s*\]\s*(?:#.*)?$")  # its comment stays
    for tag, i1, i2, j1, _ in difflib.SequenceMatcher(None, before, after, False).get_opcodes():
        if tag in ("delete", "replace") and not all(empty.match(line) for line in before[i1:i2]):
            return False
        if tag == "insert" and (j1 == 0 or after[j1 - 1].strip()[:1] in ("", "#")):
            return False
    return True


def _positions(source: CommentedMap, lists: Collection[str]) -> list[int]:
    """Where a new keep list may go in `source`: after the last keep list there is, else
    at the end; then after each other key, from the end (the first that moves no comment)."""
    present = [i for i, key in enumerate(source) if key in lists]
    first = present[-1] + 1 if present else len(source)
    return [first, *(i for i in range(len(source), 0, -1) if i != first)]


def add_statements(
    text: str, additions: Mapping[str, list[dict[str, Any]]], lists: Collection[str]
) -> str:
    """`text` with each `source.<list>` of `additions` extended by its statements.

    `additions` maps keep lists (paths under `source`, dotted for a mapping inside it:
    `model_package_group.policy_statements`) to statements (JSON values); lists with
    nothing to add are left alone; `lists` names every keep list (a new one goes after the
    last there is). Raises NotEditable when the result would change existing lines.
    """
    additions = {name: items for name, items in additions.items() if items}
    if not additions:
        return text
    style = _style(text)
    try:
        candidates = _candidates(text, style, additions, lists)
        for candidate in candidates:
            if _only_inserted(text, candidate, [p.rsplit(".", 1)[-1] for p in additions]):
                return candidate
    except YAMLError as error:  # the caller has already read the spec; this is a guard
        raise NotEditable(f"the YAML writer failed: {error}") from None
    raise NotEditable("a new list would move a comment of the source mapping")


Place = tuple[Any, Any]  # a container (CommentedMap or CommentedSeq) and a key in it


def _tail(container: Any, key: Any) -> Place:
    """Where the text of `container[key]` ends: its last scalar, the one whose trailing
    comment holds the comment lines that follow the value."""
    value = container[key]
    while isinstance(value, (CommentedMap, CommentedSeq)) and len(value):
        container, key = value, (list(value)[-1] if isinstance(value, dict) else len(value) - 1)
        value = container[key]
    return container, key


def _carry_comment(old: Place, new: Place) -> None:
    """Move the comment lines after `old` (not its end-of-line comment) to after `new`.

    ruamel.yaml keeps the comment lines between two values as the first value's trailing
    comment; text inserted after the first value would otherwise come after them, away
    from the value they describe.
    """
    (before, key), (after, new_key) = old, new
    slot = 2 if isinstance(before, dict) else 0  # a mapping's entries: [.., .., after, ..]
    entry = before.ca.items.get(key)
    token = entry[slot] if entry else None
    if token is None:
        return
    end_of_line, _, following = token.value.partition("\n")
    if not following:
        return
    moved = copy.copy(token)
    moved.value = "\n" + following
    if end_of_line:
        token.value = end_of_line + "\n"
    else:
        entry[slot] = None
    width = 4 if isinstance(after, dict) else 2
    items = after.ca.items.setdefault(new_key, [None] * width)
    items[2 if isinstance(after, dict) else 0] = moved


def _parent(document: Any, path: str) -> tuple[CommentedMap, str]:
    """The mapping that holds the keep list `path` (dotted, under `source`), and its name."""
    *parents, name = ("source." + path).split(".")
    mapping = document
    for key in parents:
        mapping = mapping[key]
    return mapping, name


def _candidates(
    text: str,
    style: tuple[int, int, int],
    additions: Mapping[str, list[dict[str, Any]]],
    lists: Collection[str],
) -> Iterator[str]:
    """The edited text for each place the new lists may take in `source` (one when all
    lists exist); a keep list of a mapping under `source` that is not there yet goes at
    that mapping's end."""
    editor = _yaml(style)
    probe = editor.load(text)
    missing = [path for path in additions if path not in probe["source"]]
    places = _positions(probe["source"], lists) if missing else [0]
    for place in places:
        document = editor.load(text)
        at = min(place, len(document["source"]))
        for path, statements in additions.items():
            parent, name = _parent(document, path)
            if name in parent:
                old = _tail(parent, name)
            else:
                where = at if parent is document["source"] else len(parent)
                old = _tail(parent, list(parent)[where - 1]) if where else None
                parent.insert(where, name, CommentedSeq())
                at += parent is document["source"]
            keep = parent[name]
            if keep.fa.flow_style():
                keep.fa.set_block_style()
            keep.extend(_block(s) for s in statements)
            if old is not None:
                _carry_comment(old, _tail(parent, name))
        yield _dump(editor, document)
