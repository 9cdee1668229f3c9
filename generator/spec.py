"""Read a spec file into a validated `Spec`, or fail with one line that says where and why.

YAML is parsed in two steps (compose, then construct) so that every error can point at
the line and column of the offending value, and so that alias bombs are refused by
counting the expanded size of the node graph before anything is built from it.
"""

from __future__ import annotations

import difflib
import os
import re
import stat
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from .errors import InputError
from .model import Spec

MAX_SPEC_BYTES = 1 << 20  # a spec of 100 targets is ~20 KB; anything near 1 MiB is not a spec
MAX_EXPANDED_NODES = 100_000  # bounds memory when aliases (`*ref`) repeat large subtrees


def load_spec(path: Path) -> Spec:
    """Parse and validate the spec at `path`; every failure is an `InputError`."""
    return parse_spec(read_spec_file(path), str(path))


def read_spec_file(path: Path) -> bytes:
    """The bytes of the regular file at `path`, at most MAX_SPEC_BYTES (else InputError).

    A FIFO would block `open` until a writer comes and a device (`/dev/zero`) never ends,
    so the path is checked with stat first (opening some devices has side effects), then
    opened with O_NONBLOCK and checked again with fstat, in case it changed in between.
    """
    name = str(path)
    try:
        _require_regular(os.stat(path).st_mode, name)
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        raise _unreadable(path, error) from None
    with open(descriptor, "rb") as handle:
        info = os.fstat(handle.fileno())
        _require_regular(info.st_mode, name)
        if info.st_size > MAX_SPEC_BYTES:
            raise _too_large(name)
        try:
            data = handle.read(MAX_SPEC_BYTES + 1)
        except OSError as error:
            raise _unreadable(path, error) from None
    if len(data) > MAX_SPEC_BYTES:
        raise _too_large(name)
    return data


_FILE_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _require_regular(mode: int, name: str) -> None:
    if stat.S_ISREG(mode):
        return
    kind = next((kind for test, kind in _FILE_KINDS if test(mode)), "not a regular file")
    raise InputError(
        f"cannot read spec: it is {kind}, not a file",
        file=name,
        fix="give the path of the spec's YAML file, e.g. spec.yaml",
    )


def _unreadable(path: Path, error: OSError) -> InputError:
    reason = error.strerror or str(error)
    if isinstance(error, FileNotFoundError) and path.is_symlink():
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
        document = yaml.SafeLoader("").construct_document(node)
    except yaml.YAMLError as error:
        raise _yaml_error(error, name) from None
    try:
        return Spec.model_validate(document)
    except ValidationError as error:
        raise _validation_error(error, node, name) from None


def _compose(text: str, name: str) -> yaml.Node | None:
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.YAMLError as error:
        raise _yaml_error(error, name) from None
    finally:
        loader.dispose()
    return node


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
    """Refuse documents whose aliases would expand past MAX_EXPANDED_NODES."""
    sizes: dict[int, int] = {}
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
                    "spec expands to more than "
                    f"{MAX_EXPANDED_NODES} values through YAML aliases (an alias bomb?)",
                    file=name,
                    place=_mark(node),
                    fix="write the values out instead of nesting aliases",
                )
            sizes[id(node)] = size
            continue
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
    return "list" if isinstance(node, yaml.SequenceNode) else "single value"


def _mark(node: yaml.Node) -> str:
    return f"{node.start_mark.line + 1}:{node.start_mark.column + 1}"


def _validation_error(error: ValidationError, root: yaml.Node, name: str) -> InputError:
    """The first problem pydantic found, at its field path and its position in the file."""
    first = error.errors(include_url=False)[0]
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
    if kind in ("too_short", "too_long"):
        return error["msg"].lower(), "adjust the number of entries"
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
