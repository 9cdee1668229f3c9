"""HCL expressions evaluated as far as they are literal, from python-hcl2's Lark tree.

Lint reads Terraform without running it, so most values are unknown until plan:
variables, locals, data sources, module outputs, resource attributes, conditionals,
`for` expressions, splats, most functions. Such a value is kept as its source text in
Terraform's own interpolation form, `${var.account_id}`, inside whatever is literal
around it (`arn:aws:iam::${local.account_id}:root`). That is the one mark of an unknown
value that rules see (`rules.facts.is_unknown`); structure that is unknown is marked by
the policy reader (`policyvalue`).

What is evaluated: strings (escapes, `$${` and `%%{` escapes), heredocs (`<<-` trims the
indentation as Terraform does), numbers (as the strings Terraform passes to AWS: a
leading zero is lost, `012345678901` is `12345678901`), booleans, `null`, tuples,
objects, and the functions that build policies from literal parts: `concat`,
`flatten`, `merge`, `replace`, `format`, `join`, `lower`, `upper`, `tolist`, `toset`,
`distinct`, `compact`. `jsonencode`, `file`, `templatefile` and references to
`data.aws_iam_policy_document.NAME.json` are kept as what they are (`Encoded`,
`FileCall`, `DocRef`), for the Terraform reader to resolve.

Every value comes with a `Spot`: where it is written, and where its members are, so a
finding can point at the action or the principal it is about.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lark import Token, Tree

ESCAPES = re.compile(r'\\(?:[nrt"\\]|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8})')
SIMPLE_ESCAPES = {"\\n": "\n", "\\r": "\r", "\\t": "\t", '\\"': '"', "\\\\": "\\"}
FORMAT_VERB = re.compile(r"%(?:%|[-+# 0]*\d*(?:\.\d+)?[svdqtbxXeEfgG])")
SKIP = ("new_line_or_comment",)


@dataclass(frozen=True)
class Spot:
    """Where a value is written (1-based line and column).

    `members`: the spots of an object's values (by key) or a list's items. `value`: a
    string leaf's value, to find it by value. `text`: for a string that may hold a JSON
    policy, where that text starts (`body_line`, `indent` for a trimmed heredoc;
    `flat` for a quoted string, whose JSON positions are all on its own line).
    """

    line: int
    col: int
    value: str | None = None
    members: dict[str, Spot] | list[Spot] | None = None
    body_line: int | None = None
    indent: int = 0
    flat: bool = False

    def member(self, key: str | int) -> Spot:
        """The spot of a member, or this one when it is not known."""
        members = self.members
        if isinstance(members, dict) and isinstance(key, str):
            return members.get(key, self)
        if isinstance(members, list) and isinstance(key, int) and 0 <= key < len(members):
            return members[key]
        return self


@dataclass(frozen=True)
class Encoded:
    """`jsonencode(value)`: a JSON string whose structure is known as far as `value` is."""

    value: Any
    spot: Spot


@dataclass(frozen=True)
class FileCall:
    """`file(path)` or `templatefile(path, variables)`; `path` may be unknown."""

    function: str
    path: Any
    variables: Any
    text: str  # the call as written, for messages
    spot: Spot


@dataclass(frozen=True)
class DocRef:
    """`data.aws_iam_policy_document.NAME.json` (or `[i].json`, `.minified_json`)."""

    name: str
    spot: Spot


@dataclass(frozen=True)
class Replaced:
    """`replace(inner, old, new)` of a policy read from elsewhere (a file, a document)."""

    inner: Any
    old: str
    new: str


@dataclass
class Evaluator:
    """Evaluates expressions of one parsed file; `text` is what was parsed."""

    text: str
    _dispatch: dict[str, Callable[[Tree, Spot], tuple[Any, Spot]]] = field(
        default_factory=dict, repr=False
    )

    def __post_init__(self) -> None:
        self._dispatch = {
            "expr_term": self._expr_term,
            "string": self._string,
            "int_lit": self._number,
            "float_lit": self._number,
            "literal_value": self._literal,
            "tuple": self._tuple,
            "object": self._object,
            "heredoc_template": self._heredoc,
            "heredoc_template_trim": self._heredoc,
            "function_call": self._function,
            "get_attr_expr_term": self._traversal,
            "index_expr_term": self._traversal,
            "unary_op": self._unary,
        }

    def value(self, node: Tree | Token, default: Spot | None = None) -> tuple[Any, Spot]:
        """The value of an expression node and where it is written."""
        spot = _spot(node, default)
        if isinstance(node, Token):
            return self.unknown(node), spot
        handler = self._dispatch.get(node.data)
        if handler is None:  # conditionals, for expressions, splats, operators
            return self.unknown(node), spot
        return handler(node, spot)

    def unknown(self, node: Tree | Token) -> str:
        """`${...}`: the expression as written (whitespace collapsed), unknown until plan."""
        return "${" + " ".join(self.source(node).split()) + "}"

    def source(self, node: Tree | Token) -> str:
        if isinstance(node, Token):
            return str(node)
        meta = node.meta
        if getattr(meta, "empty", True):
            return node.data
        return self.text[meta.start_pos : meta.end_pos]

    def _expr_term(self, node: Tree, spot: Spot) -> tuple[Any, Spot]:
        inner = _children(node)
        if len(inner) != 1:
            return self.unknown(node), spot
        child = inner[0]
        if isinstance(child, Tree) and child.data == "identifier":
            return self.unknown(node), spot  # a bare name: each, count, a for variable
        if isinstance(child, Tree) and child.data == "expression":
            return self.value(child, spot)
        return self.value(child, spot)

    def _string(self, node: Tree, spot: Spot) -> tuple[Any, Spot]:
        parts: list[str] = []
        for part in node.children:
            if not isinstance(part, Tree):
                continue  # the quotes
            for piece in part.children:
                if isinstance(piece, Token):
                    parts.append(_string_chars(piece))
                elif piece.data == "interpolation":
                    parts.append(self.unknown_interpolation(piece))
                else:  # %{ if }, %{ for }: a template; the whole string is unknown
                    return self.unknown(node), spot
        value = "".join(parts)
        return value, Spot(spot.line, spot.col, value=value, flat=True)

    def unknown_interpolation(self, node: Tree) -> str:
        expression = [c for c in node.children if isinstance(c, Tree)]
        inner = " ".join(self.source(expression[0]).split()) if expression else ""
        return "${" + inner + "}"

    def _number(self, node: Tree, spot: Spot) -> tuple[Any, Spot]:
        token = str(node.children[0])
        try:
            number = int(token)
            value = str(number)
        except ValueError:
            value = str(float(token))
        return value, Spot(spot.line, spot.col, value=value)

    def _literal(self, node: Tree, spot: Spot) -> tuple[Any, Spot]:
        word = str(node.children[0])
        return {"true": True, "false": False}.get(word), spot

    def _tuple(self, node: Tree, spot: Spot) -> tuple[Any, Spot]:
        values: list[Any] = []
        spots: list[Spot] = []
        for child in _children(node):
            value, where = self.value(child, spot)
            values.append(value)
            spots.append(where)
        return values, Spot(spot.line, spot.col, members=spots)

    def _object(self, node: Tree, spot: Spot) -> tuple[Any, Spot]:
        values: dict[str, Any] = {}
        spots: dict[str, Spot] = {}
        for element in _children(node):
            if not isinstance(element, Tree) or element.data != "object_elem":
                continue
            key_node, *_, value_node = _children(element)
            key = self._key(key_node)
            value, where = self.value(value_node, spot)
            values[key] = value
            spots[key] = where
        return values, Spot(spot.line, spot.col, members=spots)

    def _key(self, node: Tree | Token) -> str:
        inner = _children(node) if isinstance(node, Tree) else [node]
        child = inner[0] if len(inner) == 1 else node
        if isinstance(child, Tree) and child.data == "keyword":
            return str(child.children[0])
        if isinstance(child, Tree) and child.data == "expr_term":
            names = _children(child)
            if len(names) == 1 and isinstance(names[0], Tree) and names[0].data == "identifier":
                return str(names[0].children[0])
        value, _ = self.value(child)
        return value if isinstance(value, str) else self.unknown(child)

    def _heredoc(self, node: Tree, spot: Spot) -> tuple[Any, Spot]:
        token = node.children[0]
        text, indent = heredoc_text(str(token))
        line = getattr(token, "line", spot.line)
        value = template_text(text)
        return value, Spot(line, spot.col, value=value, body_line=line + 1, indent=indent)

    def _unary(self, node: Tree, spot: Spot) -> tuple[Any, Spot]:
        sign, operand = node.children[0], node.children[-1]
        value, _ = self.value(operand, spot)
        if str(sign) == "-" and isinstance(value, str) and _is_number(value):
            negative = "-" + value
            return negative, Spot(spot.line, spot.col, value=negative)
        return self.unknown(node), spot

    def _traversal(self, node: Tree, spot: Spot) -> tuple[Any, Spot]:
        names = _traversal_names(node)
        if (
            names
            and len(names) >= 4
            and names[:2] == ["data", "aws_iam_policy_document"]
            and names[-1] in ("json", "minified_json")
            and all(n == "[]" for n in names[3:-1])
            and names[2] not in ("[]", None)
        ):
            return DocRef(str(names[2]), spot), spot
        return self.unknown(node), spot

    def _function(self, node: Tree, spot: Spot) -> tuple[Any, Spot]:
        parts = _children(node)
        name = str(parts[0].children[0]) if isinstance(parts[0], Tree) else ""
        arguments = next((p for p in parts if isinstance(p, Tree) and p.data == "arguments"), None)
        raw_args = _children(arguments)
        if any(isinstance(a, Token) for a in raw_args):
            return self.unknown(node), spot  # f(list...): the arguments are unknown
        args = [self.value(a, spot) for a in raw_args]
        handler = FUNCTIONS.get(name)
        if handler is None:
            return self.unknown(node), spot
        result = handler(self, node, spot, args)
        return result if result is not None else (self.unknown(node), spot)


def _spot(node: Tree | Token, default: Spot | None) -> Spot:
    if isinstance(node, Token):
        line = getattr(node, "line", None)
        column = getattr(node, "column", None)
    else:
        meta = node.meta
        line = None if getattr(meta, "empty", True) else meta.line
        column = None if line is None else meta.column
    if line is None or column is None:
        return default or Spot(1, 1)
    return Spot(line, column)


def _children(node: Tree | Token | None) -> list[Any]:
    """The meaningful children of a node: no punctuation tokens, newlines or comments."""
    if not isinstance(node, Tree):
        return []
    return [
        c
        for c in node.children
        if (isinstance(c, Tree) and c.data not in SKIP)
        or (isinstance(c, Token) and c.type == "ELLIPSIS")
    ]


def _traversal_names(node: Tree) -> list[str | None] | None:
    """`data.aws_iam_policy_document.x[0].json` as ["data", "aws_iam_policy_document",
    "x", "[]", "json"]; None when the chain does not start with a name.
    """
    names: list[str | None] = []
    current: Any = node
    trail: list[str | None] = []
    while isinstance(current, Tree):
        if current.data == "expr_term":
            inner = _children(current)
            if len(inner) != 1:
                return None
            current = inner[0]
        elif current.data == "identifier":
            names.append(str(current.children[0]))
            break
        elif current.data == "get_attr_expr_term":
            base, attr = _children(current)
            attribute = _children(attr)
            trail.append(str(attribute[0].children[0]) if attribute else None)
            current = base
        elif current.data == "index_expr_term":
            base = _children(current)[0]
            trail.append("[]")
            current = base
        else:
            return None
    if not names:
        return None
    return names + list(reversed(trail))


def _string_chars(token: Token) -> str:
    text = str(token)
    if token.type == "ESCAPED_INTERPOLATION":
        return text[1:]  # $${x} is the literal ${x}
    if token.type == "ESCAPED_DIRECTIVE":
        return text[1:]
    if "\\" not in text:
        return text
    return ESCAPES.sub(_unescape, text)


def _unescape(match: re.Match[str]) -> str:
    escape = match.group()
    if escape in SIMPLE_ESCAPES:
        return SIMPLE_ESCAPES[escape]
    try:
        return chr(int(escape[2:], 16))
    except ValueError:  # beyond Unicode: kept as written
        return escape


def heredoc_text(token: str) -> tuple[str, int]:
    """The body of a heredoc token and how much indentation `<<-` removed."""
    first = token.find("\n")
    lines = token[first + 1 :].split("\n")[:-2]  # without the closing marker and its newline
    lines = [line.removesuffix("\r") for line in lines]
    indent = 0
    if token.startswith("<<-"):
        widths = [len(line) - len(line.lstrip(" \t")) for line in lines if line.strip()]
        indent = min(widths, default=0)
        lines = [line[indent:] for line in lines]
    return "".join(line + "\n" for line in lines), indent


def template_text(text: str) -> str:
    """A template's text with its escapes resolved; interpolations stay as `${...}`."""
    return text.replace("$${", "${").replace("%%{", "%{")


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def is_unknown_text(value: Any) -> bool:
    return isinstance(value, str) and "${" in value


Result = tuple[Any, Spot] | None
Args = list[tuple[Any, Spot]]


def _jsonencode(ev: Evaluator, node: Tree, spot: Spot, args: Args) -> Result:
    if len(args) != 1:
        return None
    value, where = args[0]
    return Encoded(value, where), spot


def _file(ev: Evaluator, node: Tree, spot: Spot, args: Args) -> Result:
    if len(args) != 1:
        return None
    return FileCall("file", args[0][0], None, ev.source(node), spot), spot


def _templatefile(ev: Evaluator, node: Tree, spot: Spot, args: Args) -> Result:
    if len(args) != 2:
        return None
    return FileCall("templatefile", args[0][0], args[1][0], ev.source(node), spot), spot


def _replace(ev: Evaluator, node: Tree, spot: Spot, args: Args) -> Result:
    if len(args) != 3:
        return None
    (inner, where), (old, _), (new, _) = args
    if not isinstance(old, str) or is_unknown_text(old) or not isinstance(new, str):
        return None
    if isinstance(inner, (Encoded, FileCall, DocRef, Replaced)):
        return Replaced(inner, old, new), where
    if not isinstance(inner, str):
        return None
    if len(old) > 1 and old.startswith("/") and old.endswith("/"):
        try:
            return re.sub(old[1:-1], new.replace("\\", "\\\\"), inner), where
        except re.error:
            return None
    return inner.replace(old, new), where


def _concat(ev: Evaluator, node: Tree, spot: Spot, args: Args) -> Result:
    values: list[Any] = []
    spots: list[Spot] = []
    for value, where in args:
        if isinstance(value, list):
            values.extend(value)
            spots.extend(where.members if isinstance(where.members, list) else [where] * len(value))
        elif isinstance(value, str) and is_unknown_text(value):
            values.append(value)  # zero or more unknown items
            spots.append(where)
        else:
            return None
    return values, Spot(spot.line, spot.col, members=spots)


def _flatten(ev: Evaluator, node: Tree, spot: Spot, args: Args) -> Result:
    if len(args) != 1:
        return None
    values: list[Any] = []
    spots: list[Spot] = []

    def walk(value: Any, where: Spot) -> None:
        if isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, where.member(index))
        else:
            values.append(value)
            spots.append(where)

    walk(*args[0])
    return values, Spot(spot.line, spot.col, members=spots)


def _merge(ev: Evaluator, node: Tree, spot: Spot, args: Args) -> Result:
    values: dict[str, Any] = {}
    spots: dict[str, Spot] = {}
    for value, where in args:
        if isinstance(value, dict):
            values.update(value)
            members = where.members if isinstance(where.members, dict) else {}
            spots.update({k: members.get(k, where) for k in value})
        elif value is None:
            continue
        elif isinstance(value, str) and is_unknown_text(value):
            values[value] = value  # keys unknown until plan
            spots[value] = where
        else:
            return None
    return values, Spot(spot.line, spot.col, members=spots)


def _identity(ev: Evaluator, node: Tree, spot: Spot, args: Args) -> Result:
    return args[0] if len(args) == 1 else None


def _distinct(ev: Evaluator, node: Tree, spot: Spot, args: Args) -> Result:
    if len(args) != 1 or not isinstance(args[0][0], list):
        return None
    value, where = args[0]
    seen: list[Any] = []
    spots: list[Spot] = []
    for index, item in enumerate(value):
        if item not in seen:
            seen.append(item)
            spots.append(where.member(index))
    return seen, Spot(where.line, where.col, members=spots)


def _compact(ev: Evaluator, node: Tree, spot: Spot, args: Args) -> Result:
    if len(args) != 1 or not isinstance(args[0][0], list):
        return None
    value, where = args[0]
    kept = [(item, where.member(i)) for i, item in enumerate(value) if item not in ("", None)]
    return [item for item, _ in kept], Spot(where.line, where.col, members=[s for _, s in kept])


def _case(change: Callable[[str], str]) -> Callable[[Evaluator, Tree, Spot, Args], Result]:
    def apply(ev: Evaluator, node: Tree, spot: Spot, args: Args) -> Result:
        if len(args) != 1 or not isinstance(args[0][0], str) or is_unknown_text(args[0][0]):
            return None
        value = change(args[0][0])
        return value, Spot(spot.line, spot.col, value=value)

    return apply


def _format(ev: Evaluator, node: Tree, spot: Spot, args: Args) -> Result:
    if not args or not isinstance(args[0][0], str) or is_unknown_text(args[0][0]):
        return None
    pattern, values = args[0][0], [value for value, _ in args[1:]]
    if not all(isinstance(v, str) for v in values):
        return None
    supply = iter(values)
    failed = False

    def verb(match: re.Match[str]) -> str:
        nonlocal failed
        text = match.group()
        if text == "%%":
            return "%"
        if text[-1] not in "sdv":
            failed = True
            return text
        return next(supply, "")

    value = FORMAT_VERB.sub(verb, pattern)
    return None if failed else (value, Spot(spot.line, spot.col, value=value))


def _join(ev: Evaluator, node: Tree, spot: Spot, args: Args) -> Result:
    if len(args) != 2:
        return None
    (separator, _), (items, _) = args
    if not isinstance(separator, str) or not isinstance(items, list):
        return None
    if not all(isinstance(i, str) for i in items):
        return None
    value = separator.join(items)
    return value, Spot(spot.line, spot.col, value=value)


FUNCTIONS: dict[str, Callable[[Evaluator, Tree, Spot, Args], Result]] = {
    "jsonencode": _jsonencode,
    "file": _file,
    "templatefile": _templatefile,
    "replace": _replace,
    "concat": _concat,
    "flatten": _flatten,
    "merge": _merge,
    "tolist": _identity,
    "toset": _identity,
    "tostring": _identity,
    "distinct": _distinct,
    "compact": _compact,
    "lower": _case(str.lower),
    "upper": _case(str.upper),
    "format": _format,
    "join": _join,
}
