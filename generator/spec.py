"""Read a spec file into a validated `Spec`, or fail with one line that says where and why.

YAML is parsed in two steps (compose, then construct) so that every error can point at
the line and column of the offending value, and so that alias bombs are refused by
counting the expanded size of the node graph before anything is built from it.

Hostile input ends in one InputError too: characters YAML forbids, nesting deeper than
MAX_DEPTH, an alias that contains itself, tags other than YAML's JSON-like types, values
a tag's constructor cannot read, keys that are not text, and NaN or infinite numbers
(the spec's values end up in policy JSON, which has neither). Unquoted dates stay the
text they are written as (YAML 1.2 reads them so), since JSON has no dates either.
"""

from __future__ import annotations

import difflib
import math
import os
import re
from pathlib import Path
from typing import Any, ClassVar

import yaml
from pydantic import BaseModel, ValidationError

from .errors import InputError
from .model import Spec
from .safe_read import Unreadable, read_limited
from .tree import leads_outside

MAX_SPEC_BYTES = 1 << 20  # a spec of 100 targets is ~20 KB; anything near 1 MiB is not a spec
MAX_EXPANDED_NODES = 100_000  # bounds memory when aliases (`*ref`) repeat large subtrees
MAX_DEPTH = 64  # a spec nests about 8 deep; PyYAML composes recursively


def load_spec(path: Path) -> Spec:
    """Parse and validate the spec at `path`; every failure is an `InputError`."""
    return parse_spec(read_spec_file(path), str(path))


def read_spec_file(path: Path) -> bytes:
    """The bytes of the regular file at `path`, at most MAX_SPEC_BYTES (else InputError).

    Read as lint and verify read files (safe_read): a FIFO, a device or a huge file is
    refused without blocking or filling memory.
    """
    name = str(path)
    if (target := leads_outside(name)) is not None:  # never read: no message can quote it
        raise InputError(
            f"cannot read spec: it is a symbolic link to {target!r}, outside the repository "
            "holding it; not read",
            file=name,
            fix="name the spec file itself, or keep it (not a link to it) in the repository",
        )
    try:
        return read_limited(path, MAX_SPEC_BYTES)
    except Unreadable as error:
        if error.too_large:
            raise _too_large(name) from None
        if error.kind is not None:
            raise InputError(
                f"cannot read spec: it is {_SPEC_KINDS.get(error.kind, error.kind)}, not a file",
                file=name,
                fix="give the path of the spec's YAML file, e.g. spec.yaml",
            ) from None
        raise _unreadable(path, str(error), missing=error.missing) from None


# How a spec error names what the path is (a person may not know "FIFO").
_SPEC_KINDS = {"a folder": "a directory", "a FIFO": "a named pipe (FIFO)"}


def _unreadable(path: Path, reason: str, *, missing: bool) -> InputError:
    if missing and path.is_symlink():
        reason = f"it is a symbolic link to {os.readlink(path)!r}, which does not exist"
    return InputError(f"cannot read spec: {reason}", file=str(path), fix="check the path")


def _too_large(name: str) -> InputError:
    return InputError(
        f"spec is larger than {MAX_SPEC_BYTES // 1024} KiB",
        file=name,
        fix="a spec is a few KB of YAML; check that this is the right file",
    )


def parse_spec(data: bytes, name: str) -> Spec:
    """Validate spec text already in memory (`name` is used in messages only)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(
            f"spec is not UTF-8 text (byte {error.start})", file=name, fix="save it as UTF-8"
        ) from None
    _check_characters(text, name)
    node = _compose(text, name)
    if node is None:
        raise InputError("spec is empty", file=name, fix="run `xgen init` for a starter spec")
    if not isinstance(node, yaml.MappingNode):
        raise InputError(
            f"spec must be a YAML mapping, not a {_kind(node)}",
            file=name,
            place=_mark(node),
            fix="start with `xgen: 1` and the fields from `xgen init`",
        )
    _check_expansion(node, name)
    _check_duplicate_keys(node, name)
    try:
        _check_tags_and_keys(node)
        document = _Loader("").construct_document(node)
    except _Refused as refused:
        raise refused.error(node, name) from None
    except yaml.YAMLError as error:
        raise _yaml_error(error, name) from None
    try:
        return Spec.model_validate(document)
    except ValidationError as error:
        raise _validation_error(error, node, name) from None


YAML = "tag:yaml.org,2002:"
# Tags whose values JSON can hold; `merge` is the `<<` key that aliases a mapping's entries.
JSON_TAGS = {f"{YAML}{t}" for t in ("str", "int", "float", "bool", "null", "seq", "map")}
KEY_TAGS = {f"{YAML}str", f"{YAML}merge"}
# Plain scalars read as text rather than as these YAML 1.1 types (YAML 1.2 has neither).
TEXT_TAGS = {f"{YAML}timestamp", f"{YAML}value"}
# What YAML allows in a stream (PyYAML's reader refuses the rest with a traceback).
NON_PRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)
LINE_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")


class _Refused(Exception):
    """A problem found while reading the YAML, at `node` (or `mark` before nodes exist)."""

    def __init__(self, message: str, fix: str, *, node: yaml.Node | None = None, mark=None):
        super().__init__(message)
        self.message, self.fix, self.node = message, fix, node
        self.mark = mark if node is None else node.start_mark

    def error(self, root: yaml.Node | None, name: str) -> InputError:
        field = _field_path(_path_to(root, self.node)) if root and self.node else ""
        return InputError(
            f"{field}: {self.message}" if field else self.message,
            file=name,
            place=f"{self.mark.line + 1}:{self.mark.column + 1}",
            fix=self.fix,
        )


class _Loader(yaml.SafeLoader):
    """SafeLoader that bounds nesting, reads dates as text and refuses unreadable values."""

    yaml_implicit_resolvers: ClassVar[dict[Any, list[tuple[str, re.Pattern[str]]]]] = {
        first: [(tag, pattern) for tag, pattern in resolvers if tag not in TEXT_TAGS]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Refused(
                    f"values are nested more than {MAX_DEPTH} levels deep",
                    "a spec nests a few levels; check for unbalanced brackets",
                    mark=self.peek_event().start_mark,
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            value = super().construct_object(node, deep)
        except (yaml.YAMLError, _Refused, RecursionError):
            raise
        except Exception:  # the constructors of !!int, !!float, !!bool ... raise anything
            raise _Refused(
                f"{_shown(node)} is not a valid {_tag(node)}",
                "correct the value, or quote it if it is text",
                node=node,
            ) from None
        if isinstance(value, str) and SURROGATE.search(value):
            raise _Refused(
                f"{_shown(node)} holds a lone surrogate (an escape such as \\ud800), which is "
                "not Unicode text: nothing can write it as UTF-8",
                "write the character itself, or a surrogate pair's character",
                node=node,
            )
        if isinstance(value, float) and not math.isfinite(value):
            raise _Refused(
                f"{_shown(node)} is not a finite number: JSON (and so Terraform's "
                "jsondecode and AWS policies) has no NaN or Infinity",
                "write a finite number, or quote it if it is text",
                node=node,
            )
        return value


SURROGATE = re.compile("[\ud800-\udfff]")


def _check_characters(text: str, name: str) -> None:
    bad = NON_PRINTABLE.search(text)
    if bad is None:
        return
    index = bad.start()
    breaks = list(LINE_BREAK.finditer(text, 0, index))
    column = index - (breaks[-1].end() if breaks else 0)
    raise InputError(
        f"spec contains the control character U+{ord(bad.group()):04X}, which YAML does "
        "not allow (only tab, line breaks and printable characters)",
        file=name,
        place=f"{len(breaks) + 1}:{column + 1}",
        fix="remove it; if the file is not meant to be binary, save it as UTF-8 text",
    )


def _compose(text: str, name: str) -> yaml.Node | None:
    try:
        loader = _Loader(text)
    except yaml.YAMLError as error:
        raise _yaml_error(error, name) from None
    try:
        return loader.get_single_node()
    except _Refused as refused:
        raise refused.error(None, name) from None
    except yaml.YAMLError as error:
        raise _yaml_error(error, name) from None
    finally:
        loader.dispose()


def _check_tags_and_keys(root: yaml.Node) -> None:
    """Only JSON's types (YAML's sets, binary, timestamps and Python objects are refused),
    and only text as mapping keys (JSON object keys are strings)."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if node.tag not in JSON_TAGS:
            raise _Refused(
                f"the YAML tag {_tag(node)} is not allowed: a spec holds text, numbers, "
                "true/false, null, lists and mappings only",
                "remove the tag, and quote the value if it is text",
                node=node,
            )
        if isinstance(node, yaml.MappingNode):
            for key, _ in node.value:
                if key.tag not in KEY_TAGS:
                    what = "text" if isinstance(key, yaml.ScalarNode) else "a list or mapping"
                    raise _Refused(
                        f"the key {_shown(key)} is read as {_type_name(key)}, not text"
                        if what == "text"
                        else f"a key is {what}, not text",
                        "quote the key" if what == "text" else "use a text key",
                        node=key,
                    )
        stack.extend(_children(node))


def _tag(node: yaml.Node) -> str:
    return f"!!{node.tag[len(YAML) :]}" if node.tag.startswith(YAML) else node.tag


def _type_name(node: yaml.Node) -> str:
    names = {"int": "a number", "float": "a number", "bool": "true/false", "null": "null"}
    return names.get(node.tag[len(YAML) :], _tag(node))


def _shown(node: yaml.Node, limit: int = 40) -> str:
    """A scalar as written, shortened: messages stay one readable line."""
    text = node.value if isinstance(node, yaml.ScalarNode) else _kind(node)
    return repr(text if len(text) <= limit else text[:limit] + "...")


def _path_to(root: yaml.Node, target: yaml.Node) -> list[Any]:
    """The field path from `root` to `target` (a value, or a key: its mapping's path)."""
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, list[Any]]] = [(root, [])]
    while stack:
        node, path = stack.pop()
        if node is target:
            return path
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            stack.extend((child, [*path, i]) for i, child in enumerate(node.value))
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key is target:
                    return path
                stack.append((value, [*path, key.value if isinstance(key.value, str) else "?"]))
    return []


def _yaml_error(error: yaml.YAMLError, name: str) -> InputError:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    place = f"{mark.line + 1}:{mark.column + 1}" if mark else None
    return InputError(
        f"YAML syntax error: {problem}",
        file=name,
        place=place,
        fix="correct the YAML at that position (indentation, quotes, a missing ':')",
    )


def _check_expansion(root: yaml.Node, name: str) -> None:
    """Refuse documents whose aliases would expand past MAX_EXPANDED_NODES, or forever
    (`a: &a [*a]`: an alias inside the value it names)."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()  # the nodes whose subtree is being counted: the path
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        children = _children(node)
        if children_done or not children:
            size = 1 + sum(sizes.get(id(child), 0) for child in children)
            if size > MAX_EXPANDED_NODES:
                raise InputError(
                    f"spec holds more than {MAX_EXPANDED_NODES} values, counting each use "
                    "of a YAML alias (an alias bomb?)",
                    file=name,
                    place=_mark(node),
                    fix="a spec holds a few hundred values; write them out instead of "
                    "nesting aliases",
                )
            sizes[id(node)] = size
            open_nodes.discard(id(node))
            continue
        if id(node) in open_nodes:
            raise _Refused(
                f"this {_kind(node)} contains an alias to itself, so it never ends",
                "write the values out instead of the alias",
                node=node,
            ).error(root, name)
        open_nodes.add(id(node))
        stack.append((node, True))
        stack.extend((child, False) for child in children if id(child) not in sizes)


def _check_duplicate_keys(root: yaml.Node, name: str) -> None:
    """Refuse a key given twice in one mapping: YAML loaders silently keep the last one."""
    seen_nodes: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        if isinstance(node, yaml.MappingNode):
            keys: dict[str, yaml.Node] = {}
            for key, _ in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value in keys:
                    first = keys[key.value].start_mark.line + 1
                    raise InputError(
                        f"key {key.value!r} appears twice in one mapping (first on line {first})",
                        file=name,
                        place=_mark(key),
                        fix="keep one of them; YAML would silently use the last",
                    )
                if isinstance(key, yaml.ScalarNode):
                    keys[key.value] = key
        stack.extend(_children(node))


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "mapping"
    return "list" if isinstance(node, yaml.SequenceNode) else "single value"


def _mark(node: yaml.Node) -> str:
    return f"{node.start_mark.line + 1}:{node.start_mark.column + 1}"


def _validation_error(error: ValidationError, root: yaml.Node, name: str) -> InputError:
    """The first problem pydantic found, at its field path and its position in the file."""
    errors = error.errors(include_url=False)
    # A misspelt field is reported both as unknown and (its right name) as missing: the
    # unknown one says what to fix, so it comes first.
    first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    location = [part for part in first["loc"] if not _is_function_tag(part)]
    message, fix = _describe(first, location)
    # Checks across fields name the field they blame first: "targets[1].account_id: ...".
    blamed = _LEADING_PATH.match(message)
    if blamed:
        location += _parse_path(blamed.group("path"))
        message = message[blamed.end() :]
    node, _ = _node_at(root, location)
    field = _field_path(location)
    return InputError(
        f"{field}: {message}" if field else message, file=name, place=_mark(node), fix=fix
    )


_LEADING_PATH = re.compile(r"^(?P<path>[a-z_]+(?:\[\d+\])?(?:\.[a-z_]+(?:\[\d+\])?)*): ")


def _parse_path(path: str) -> list[Any]:
    parts: list[Any] = []
    for piece in path.split("."):
        name, _, index = piece.partition("[")
        parts.append(name)
        if index:
            parts.append(int(index.rstrip("]")))
    return parts


def _is_function_tag(part: Any) -> bool:
    # pydantic puts validator names such as "function-after[...]" into some locations
    return isinstance(part, str) and "[" in part and part.endswith("]")


def _node_at(root: yaml.Node, location: list[Any]) -> tuple[yaml.Node, bool]:
    """The YAML node at `location`, or the deepest existing ancestor (False) if absent."""
    node = root
    for part in location:
        child = None
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if k.value == part), None)
            if child is None:  # an unknown field: point at its key
                child = next((k for k, _ in node.value if k.value == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            child = node.value[part] if part < len(node.value) else None
        if child is None:
            return node, False
        node = child
    return node, True


def _field_path(location: list[Any]) -> str:
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _describe(error: dict[str, Any], location: list[Any]) -> tuple[str, str]:
    """pydantic's error as xgen's message and fix; our own validators already carry both."""
    kind = error["type"]
    if kind == "value_error":
        message = str(error["ctx"]["error"])
        what, _, fix = message.partition("; ")
        return what, fix
    if kind == "extra_forbidden":
        field = str(location[-1])
        known = _known_fields(location[:-1])
        close = difflib.get_close_matches(field, known, n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"known fields: {', '.join(known)}"
        return f"unknown field {field!r}", f"remove it or fix its name ({hint})"
    if kind == "missing":
        return "required field is missing", "add it (see `xgen init` for an example)"
    if kind == "literal_error":
        return error["msg"].lower(), "use one of the values listed"
    if kind == "too_short":
        least = error.get("ctx", {}).get("min_length", 1)
        return f"needs at least {least} {'entry' if least == 1 else 'entries'}", "add one"
    if kind == "too_long":
        most = error.get("ctx", {}).get("max_length")
        return f"has more than {most} entries", "split it (e.g. one spec per group of accounts)"
    return error["msg"][0].lower() + error["msg"][1:], "give a value of the expected type"


def _known_fields(location: list[Any]) -> list[str]:
    model: type[BaseModel] = Spec
    for part in location:
        if isinstance(part, int):
            continue
        annotation = model.model_fields[part].annotation
        inner = getattr(annotation, "__args__", None) or (annotation,)
        model = next(a for a in inner if isinstance(a, type) and issubclass(a, BaseModel))
    return list(model.model_fields)
