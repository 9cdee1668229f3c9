"""HCL literals for values that come from a spec.

Every spec string that reaches a `.tf` file goes through `quote`, so that a quote, a
backslash, a newline or a template sequence (`${`, `%{`) in a value can never end the
string or start an interpolation. `$` and `%` are written as `\u0024` and `\u0025`:
an escape sequence can never begin a template sequence, whereas the documented `$${`
is ambiguous after another `$` (`$$${`) and some parsers reject it.
https://developer.hashicorp.com/terraform/language/expressions/strings
"""

from __future__ import annotations

from typing import Any

import regex

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def quote(value: str) -> str:
    """`value` as a double-quoted HCL string literal that evaluates back to `value`."""
    out: list[str] = []
    for char in value:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif char in "$%" or ord(char) < 0x20 or 0x7F <= ord(char) < 0xA0:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def literal(value: Any) -> str:
    """A Python value (str, bool, int, None, list, dict of those) as an HCL expression."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, list):
        return "[" + ", ".join(literal(item) for item in value) + "]"
    if isinstance(value, dict):
        return _object(value)
    raise TypeError(f"no HCL literal for {type(value).__name__}")


def _object(value: dict[str, Any]) -> str:
    """An object one level inside a block, as `terraform fmt` writes it.

    Keys are sorted, so the spec's key order never changes the output bytes, and the `=`
    signs are aligned: `terraform fmt` pads each key to the longest counted in grapheme
    clusters (hclwrite counts a letter and its combining marks, e.g. Thai "0ำ", as one).
    """
    if not value:
        return "{}"
    keys = {key: quote(key) for key in sorted(value)}
    width = max(_columns(quoted) for quoted in keys.values())
    items = "".join(
        f"\n    {keys[k]}{' ' * (width - _columns(keys[k]))} = {literal(value[k])}" for k in keys
    )
    return "{" + items + "\n  }"


def _columns(text: str) -> int:
    """How many columns `terraform fmt` gives `text`: its grapheme clusters."""
    return len(regex.findall(r"\X", text))
