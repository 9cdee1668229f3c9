"""Policy JSON files (a plan's policies: `plan`).

Files are size-capped and parsed with the standard library; nesting too deep for it
(RecursionError) or absurd numbers (ValueError) become a `ReadError`, never a traceback.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections import Counter
from itertools import accumulate

from ...policy.document import looks_like_policy
from ...safe_read import MIB, refuse_constant, size
from . import Raw, ReadError

TYPE_CHECKING = False  # typing.TYPE_CHECKING; `typing` costs lint 4 ms to import
if TYPE_CHECKING:
    from typing import Any

    JsonObject = dict[str, Any]
else:
    JsonObject = dict

MAX_BYTES = 64 * MIB  # plans of large estates; a policy is at most 32 KB
# Compiled when first used (`re` caches it): only where a finding is located
TOKENS = r'"(?:[^"\\]|\\.)*"|[{}\[\]:]'


def load_json(data: bytes, name: str) -> tuple[Any, str]:
    """Parsed JSON and its text; ReadError on anything the parser refuses."""
    if len(data) > MAX_BYTES:
        raise ReadError(f"{size(len(data))} is over the {size(MAX_BYTES)} limit")
    try:
        # utf-8-sig's meaning (one leading BOM dropped) without importing that codec (0.2 ms)
        text = data.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    except UnicodeDecodeError as error:
        raise ReadError(f"not UTF-8 ({error.reason} at byte {error.start})") from None
    return parse_json(text), text


def parse_json(text: str) -> Any:
    """JSON text (a file's, or a policy held in a string) parsed; ReadError if refused."""
    try:
        if text.startswith("\ufeff"):  # as json.loads refuses it
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
        return _DECODER.decode(text)
    except json.JSONDecodeError as error:
        raise ReadError(f"invalid JSON at {error.lineno}:{error.colno}: {error.msg}") from None
    except RecursionError:
        raise ReadError("JSON nested too deeply") from None
    except ValueError as error:
        raise ReadError(f"invalid JSON: {error}") from None


class Repeated(JsonObject):
    """A JSON object whose text gives a key more than once: the value kept is the last,
    as `json.loads` keeps; `duplicates` names the keys, for rule XG060 (the parsed
    value alone cannot show them).
    """

    duplicates: tuple[str, ...] = ()


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value = dict(pairs)
    if len(value) == len(pairs):
        return value
    repeated = Repeated(value)
    repeated.duplicates = tuple(k for k, n in Counter(k for k, _ in pairs).items() if n > 1)
    return repeated


# One decoder for every text: json.loads with options builds one, and its scanner, per call
_DECODER = json.JSONDecoder(object_pairs_hook=_object, parse_constant=refuse_constant)


class Lines:
    """Where each line of a text starts, found once: the line and column of any offset by
    bisection. Counting newlines from the start for each statement made a policy of many
    statements quadratic (a 38 MB policy never finished).
    """

    def __init__(self, text: str) -> None:
        self.starts = [0, *accumulate(len(line) + 1 for line in text.split("\n"))]

    def line_col(self, offset: int) -> tuple[int, int]:
        line = bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1


def statement_offsets(text: str) -> list[int]:
    """Offsets of each statement object of a policy's top-level `Statement` element."""
    depth = 0
    last = key = None
    list_depth: int | None = None  # depth inside the Statement list, while in it
    offsets: list[int] = []
    for match in re.finditer(TOKENS, text):
        token = match.group()
        if token[0] == '"':
            last = token
        elif token == ":":
            key = last if depth == 1 else key
        elif token in "{[":
            if depth == 1 and key == '"Statement"':
                if token == "{":
                    offsets.append(match.start())
                else:
                    list_depth = depth + 1
            elif token == "{" and depth == list_depth:
                offsets.append(match.start())
            depth += 1
        else:
            depth -= 1
            if list_depth is not None and depth < list_depth:
                list_depth = None
    return offsets


class TextLocator:
    """Where the statements of a policy written as JSON text are, and the values in them.

    `line`, `indent`: where the text starts in its file (a heredoc's body, trimmed by
    `indent` columns). `flat`: the text is a quoted string in a `.tf` file, so every
    position is that string's. `kept`: the statements read, by their index in the text
    (statements built at plan time were left out). Statement offsets are found once, when
    a finding first needs one; values are searched for in that statement's text only.
    """

    def __init__(
        self,
        text: str,
        *,
        line: int = 1,
        indent: int = 0,
        flat: tuple[int, int] | None = None,
        kept: list[int] | None = None,
    ) -> None:
        self.text = text
        self.base = line
        self.indent = indent
        self.flat = flat
        self.kept = kept
        self._offsets: list[int] | None = None
        self._lines: Lines | None = None

    def _position(self, offset: int) -> tuple[int, int]:
        if self.flat is not None:
            return self.flat
        if self._lines is None:
            self._lines = Lines(self.text)
        line, col = self._lines.line_col(offset)
        return line + self.base - 1, col + self.indent

    def _span(self, index: int) -> tuple[int, int] | None:
        if self._offsets is None:
            self._offsets = statement_offsets(self.text)
        if self.kept is not None:
            if not 0 <= index < len(self.kept):
                return None
            index = self.kept[index]
        if not 0 <= index < len(self._offsets):
            return None
        start = self._offsets[index]
        end = self._offsets[index + 1] if index + 1 < len(self._offsets) else len(self.text)
        return start, end

    def statement(self, index: int) -> tuple[int, int] | None:
        span = self._span(index)
        return None if span is None else self._position(span[0])

    def value(
        self, index: int, element: str | None, candidates: tuple[str, ...]
    ) -> tuple[int, int] | None:
        span = self._span(index)
        if span is None:
            return None
        offset = find_value(self.text, span[0], span[1], element, candidates)
        return None if offset is None else self._position(offset)


def find_value(
    text: str, start: int, end: int, element: str | None, candidates: tuple[str, ...]
) -> int | None:
    """Offset of a value in `candidates` written in the statement at `start:end` (after
    `element`'s key when given); else of `element`'s key; else None.

    The value is searched for as JSON writes it, after the key: a substring search,
    which keeps locating 47,000 findings in a 5 MB policy cheap.
    """
    base = start
    key = None
    if element is not None:
        key = _key_offset(text, _quoted(element)[0], start, end)
        if key is None:
            return None
        base = key
    hits = [
        found
        for candidate in candidates
        for written in _quoted(candidate)
        if (found := text.find(written, base, end)) >= 0
    ]
    return min(hits) if hits else key


def _quoted(value: str) -> tuple[str, ...]:
    """How JSON writes a string: escaped as ASCII or not (json.dumps only when needed)."""
    if value.isascii() and value.isprintable() and '"' not in value and "\\" not in value:
        return (f'"{value}"',)
    return tuple({json.dumps(value), json.dumps(value, ensure_ascii=False)})


def _key_offset(text: str, key: str, start: int, end: int) -> int | None:
    """Offset of `key` (JSON-quoted) written as an object key between start and end."""
    at = text.find(key, start, end)
    while at >= 0:
        after = at + len(key)
        while after < end and text[after] in " \t\r\n":
            after += 1
        if after < end and text[after] == ":":
            return at
        at = text.find(key, at + 1, end)
    return None


def json_template(text: str) -> str:
    """A JSON template (heredoc, `templatefile`) as JSON: each `${...}` outside a string
    becomes a string of itself, inside a string it is escaped; lines stay where they are.
    """
    if "${" not in text:
        return text
    out: list[str] = []
    i = 0
    n = len(text)
    in_string = False
    newlines = 0  # of interpolations inside a string, added after it closes
    while i < n:
        if text.startswith("${", i):
            close = _interpolation_end(text, i + 2)
            if close < 0:
                out.append(text[i:])
                break
            expression = text[i : close + 1]
            escaped = json.dumps(" ".join(expression.split()))[1:-1]
            count = expression.count("\n")
            if in_string:
                out.append(escaped)
                newlines += count
            else:
                out.append('"' + escaped + '"' + "\n" * count)
            i = close + 1
            continue
        char = text[i]
        if in_string and char == "\\":
            out.append(text[i : i + 2])
            i += 2
            continue
        if char == '"':
            in_string = not in_string
            out.append(char)
            if not in_string and newlines:
                out.append("\n" * newlines)
                newlines = 0
            i += 1
            continue
        out.append(char)
        i += 1
    return "".join(out)


def _interpolation_end(text: str, start: int) -> int:
    """Index of the `}` closing an interpolation whose expression starts at `start`."""
    depth = 0
    i = start
    n = len(text)
    while i < n:
        char = text[i]
        if char == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
        elif char == "{":
            depth += 1
        elif char == "}":
            if depth == 0:
                return i
            depth -= 1
        i += 1
    return -1


def policy_raws(value: Any, text: str, file: str) -> list[Raw]:
    """The policies in one JSON file: itself, or a plan's; [] for other JSON.

    A policy holding `${...}` (a template, a policy variable) is read as Terraform's are:
    what is unknown is not judged (see `policyvalue`).
    """
    if looks_like_policy(value):
        from_template = "${" in text
        if from_template:
            from .policyvalue import has_unknown, normalise  # only for text holding "${"

            from_template = has_unknown(value)
        if from_template:
            result = normalise(value)
            if result is None:
                return []
            kept = result.kept
            notes = tuple(f"{file}:1: {note}" for note in result.notes)
            return [
                Raw(
                    result.body,
                    file,
                    text=text,
                    locate=lambda: TextLocator(text, kept=kept),
                    unread=frozenset(result.unread),
                    notes=notes,
                )
            ]
        return [Raw(value, file, text=text)]
    from .plan import is_plan, plan_raws  # plans are rare: not loaded for every policy

    if is_plan(value):
        return plan_raws(value, text, file)
    from .managed import managed_raws  # an AWS managed policy dump: rare

    return managed_raws(value, text, file) or []
