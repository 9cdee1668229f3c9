"""Policy JSON files and `terraform show -json` plans.

Files are size-capped and parsed with the standard library; nesting too deep for it
(RecursionError) or absurd numbers (ValueError) become a `ReadError`, never a traceback.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from itertools import accumulate
from typing import Any

from ...policy.document import looks_like_policy
from ...policy.kinds import TERRAFORM_POLICY_ATTRIBUTES
from ...safe_read import MIB, size
from . import Raw, ReadError

MAX_BYTES = 64 * MIB  # plans of large estates; a policy is at most 32 KB
TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:]')
ADDRESS = re.compile(r'"address"\s*:\s*("(?:[^"\\]|\\.)*")')


def load_json(data: bytes, name: str) -> tuple[Any, str]:
    """Parsed JSON and its text; ReadError on anything the parser refuses."""
    if len(data) > MAX_BYTES:
        raise ReadError(f"{size(len(data))} is over the {size(MAX_BYTES)} limit")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ReadError(f"not UTF-8 ({error.reason} at byte {error.start})") from None
    return parse_json(text), text


def parse_json(text: str) -> Any:
    """JSON text (a file's, or a policy held in a string) parsed; ReadError if refused."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ReadError(f"invalid JSON at {error.lineno}:{error.colno}: {error.msg}") from None
    except RecursionError:
        raise ReadError("JSON nested too deeply") from None
    except ValueError as error:
        raise ReadError(f"invalid JSON: {error}") from None


def is_plan(value: Any) -> bool:
    return isinstance(value, dict) and "resource_changes" in value and "format_version" in value


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
    for match in TOKENS.finditer(text):
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


def locator(text: str, base_line: int = 1) -> list[tuple[int, int]]:
    """Line and column of each statement, for `Origin.locate`."""
    lines = Lines(text)
    positions = [lines.line_col(offset) for offset in statement_offsets(text)]
    return [(line + base_line - 1, col) for line, col in positions]


def policy_raws(value: Any, text: str, file: str) -> list[Raw]:
    """The policies in one JSON file: itself, or a plan's; [] for other JSON."""
    if looks_like_policy(value):
        return [Raw(value, file, text=text)]
    if is_plan(value):
        return plan_raws(value, text, file)
    return []


def plan_raws(plan: dict[str, Any], text: str, file: str) -> list[Raw]:
    """Policies in a plan's `resource_changes` (the values after apply)."""
    found: list[Raw] = []
    lines = _AddressLines(text)
    changes = plan.get("resource_changes")
    for change in changes if isinstance(changes, list) else []:
        if not isinstance(change, dict) or not isinstance(change.get("change"), dict):
            continue
        after = change["change"].get("after")
        attributes = TERRAFORM_POLICY_ATTRIBUTES.get(str(change.get("type")), ())
        if not isinstance(after, dict) or not attributes:
            continue
        line = lines.line(str(change.get("address", "")))
        role = after.get("role") if change.get("type") == "aws_iam_role_policy" else None
        for attribute, kind in attributes:
            found.extend(_plan_policy(after.get(attribute), file, line, kind, role))
        if change.get("type") == "aws_iam_role":
            inline = after.get("inline_policy")
            for item in inline if isinstance(inline, list) else []:
                if isinstance(item, dict):
                    policy = item.get("policy")
                    found.extend(_plan_policy(policy, file, line, "identity", after.get("name")))
    return found


def _plan_policy(value: Any, file: str, line: int, kind: str, role: Any) -> list[Raw]:
    """One policy of a planned resource; `role` names the role it is inline in, if any."""
    if not isinstance(value, str) or not value.strip():
        return []  # unknown until apply, or not set
    body = parse_json(value)
    named = role if isinstance(role, str) and role else None
    return [Raw(body, file, line=line, kind=kind, role=named)]


class _AddressLines:
    """The line of each address's first `"address": "..."` in a plan, from one scan of
    the text when first asked (a search per resource made large plans quadratic).
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.first: dict[str, int] | None = None

    def line(self, address: str) -> int:
        if self.first is None:
            lines = Lines(self.text)
            self.first = {}
            for match in ADDRESS.finditer(self.text):
                self.first.setdefault(match.group(1), lines.line_col(match.start())[0])
        return self.first.get(json.dumps(address), 1)
