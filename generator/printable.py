"""Text for output that always encodes, whatever the input held.

A policy's `Sid` may be a lone surrogate (`"\\ud800"` is valid JSON), and a file name may
hold bytes that are not UTF-8 (Python gives them as surrogates too). Neither can be
encoded, so printing a report that quotes them raised UnicodeEncodeError; in JSON they
became `\\ud800` escapes that strict parsers (and SARIF consumers) reject. Reports pass
their text through `printable` and their JSON through `dumps`: what cannot be encoded is
shown as its backslash escape (`\\ud800`, `\\xe9` on an ASCII terminal), everything else
unchanged.
"""

from __future__ import annotations

import json
import os
from typing import Any


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


def file_uri(path: str) -> str:
    """A relative path as a URI reference (SARIF's `uri`): `/`-separated; a name that
    is not UTF-8 is percent-encoded from its bytes on disk.
    """
    uri = path.replace("\\", "/")
    if printable(uri) == uri:
        return uri
    from urllib.parse import quote  # only for such a name: most runs never need it

    try:
        raw = os.fsencode(uri)
    except UnicodeEncodeError:  # a lone surrogate that no file name holds
        raw = uri.encode("utf-8", "backslashreplace")
    return quote(raw, safe="/")
