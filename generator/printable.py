"""Text for output that always encodes, whatever the input held.

A policy's `Sid` may be a lone surrogate (`"\\ud800"` is valid JSON), and a file name may
hold bytes that are not UTF-8 (Python gives them as surrogates too). Neither can be
encoded, so printing a report that quotes them raised UnicodeEncodeError; in JSON they
became `\\ud800` escapes that strict parsers (and SARIF consumers) reject. Reports pass
their text through `printable` and their JSON through `dumps`: what cannot be encoded is
shown as its backslash escape (`\\ud800`, `\\xe9` on an ASCII terminal), everything else
unchanged.

Names and values also reach a terminal: an ESC or OSC sequence in a file name can retitle
the window or hide text, a CR or LF can forge a report line. `escaped` shows every control
character (and Unicode's line separators and bidirectional overrides) as its escape, so
one value stays on one line and nothing in it acts on the terminal; `lines` builds a text
report from lines that each stay one line.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable

TYPE_CHECKING = False  # typing.TYPE_CHECKING; `typing` costs lint 4 ms to import
if TYPE_CHECKING:
    from typing import Any

# C0 and C1 controls and DEL, line and paragraph separators, bidirectional embeddings,
# overrides and isolates (the "Trojan Source" characters), and lone surrogates.
# A pattern, not compiled here: most text is plain ASCII and never needs it (`re` caches
# what it compiles; compiling at import costs every lint run 0.6 ms).
_UNSAFE = "[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    return repr(char)[1:-1] if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def escaped(text: str) -> str:
    """`text` as one inert line: control characters as escapes (`\\x1b`, `\\n`, `\\u202e`)."""
    if text.isascii() and text.isprintable():
        return text
    return re.sub(_UNSAFE, _escape, text)


def text_lines(parts: Iterable[str]) -> str:
    """A text report: each part one line (escaped), each line ended by a newline."""
    return "".join(escaped(part) + "\n" for part in parts)


def printable(text: str, encoding: str | None = "utf-8") -> str:
    """`text` with what `encoding` cannot encode replaced by backslash escapes."""
    if text.isascii():
        return text
    codec = encoding or "utf-8"
    return text.encode(codec, "backslashreplace").decode(codec)


def printable_data(value: Any) -> Any:
    """JSON data (dicts, lists, strings, ...) with every string `printable` in UTF-8."""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, list | tuple):
        return [printable_data(item) for item in value]
    if isinstance(value, dict):
        return {printable_data(key): printable_data(item) for key, item in value.items()}
    return value


def dumps(data: Any, **options: Any) -> str:
    """`json.dumps(data)` (ASCII), with no escape of a lone surrogate in it."""
    text = json.dumps(data, **options)
    if "\\ud" not in text:  # no surrogate escapes at all: the common case, checked fast
        return text
    return json.dumps(printable_data(data), **options)


def path_arg(path: str) -> str:
    """`path` as an argument of a command line xgen prints: never read as an option."""
    return f"./{path}" if path.startswith("-") else path


def file_uri(path: str) -> str:
    """A relative path as a URI reference (SARIF's `uri`): `/`-separated, every byte but
    the unreserved ones percent-encoded (RFC 3986): a space, a control character, a `:`
    that would read as a scheme, and the bytes of a name that is not UTF-8 on disk.
    """
    uri = path.replace(os.sep, "/")  # on POSIX a backslash is part of a name
    if re.fullmatch(_URI_SAFE, uri):
        return uri
    from urllib.parse import quote  # only for such a name: most runs never need it

    try:
        raw = os.fsencode(uri)
    except UnicodeEncodeError:  # a lone surrogate that no file name holds
        raw = uri.encode("utf-8", "backslashreplace")
    return quote(raw, safe="/")


_URI_SAFE = r"[A-Za-z0-9._~/-]*"  # compiled when first used, as `_UNSAFE`
