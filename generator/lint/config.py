"""Project configuration for lint: `[tool.xgen]` in `pyproject.toml`, or `.xgen.toml`.

    [tool.xgen]                       # in .xgen.toml the table may also be top level
    fail-on = "warning"
    severity = { XG023 = "error" }
    ignore = [{ rule = "XG020", path = "legacy/*.json", reason = "partner-owned (T-12)" }]

The nearest file from the current folder upwards, up to the repository root, is used
(outside a repository only the current folder's): a `.xgen.toml` in a folder above the
repository (a shared temporary folder, a home folder) is never read, so nobody outside
the repository can turn its errors off. Path globs are relative to the file.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from types import MappingProxyType

from ..errors import InputError
from ..records import Record
from ..safe_read import Unreadable, read_limited
from .findings import Severity
from .scope import repository_root
from .suppress import Suppression, is_rule_token

TYPE_CHECKING = False  # typing.TYPE_CHECKING; `typing` costs lint 4 ms to import
if TYPE_CHECKING:
    from typing import Any

NAMES = (".xgen.toml", "pyproject.toml")


class Config(Record):
    severity: Mapping[str, Severity] = MappingProxyType({})
    ignores: tuple[Suppression, ...] = ()
    fail_on: Severity | None = None
    root: str | os.PathLike[str] = "."  # the config file's folder: ignore paths are from it


def find_config(start: str) -> str | None:
    """The config file for runs from `start` (resolved): searched up to the repository root."""
    root = repository_root(start)
    folder = start
    while True:
        for name in NAMES:
            candidate = os.path.join(folder, name)
            if os.path.isfile(candidate) and (name != "pyproject.toml" or _has_table(candidate)):
                return candidate
        parent = os.path.dirname(folder)
        if folder in (root, parent):
            return None
        folder = parent


def _has_table(path: str) -> bool:
    try:
        return "[tool.xgen" in read_limited(path).decode("utf-8")
    except (Unreadable, UnicodeDecodeError):
        return False


def load_config(start: str | os.PathLike[str]) -> Config:
    """The config that applies to runs from `start`; empty when there is none."""
    path = find_config(os.path.realpath(start))
    if path is None:
        return Config(root=start)
    import tomllib  # only with a config file: most runs have none

    try:
        text = read_limited(path).decode("utf-8")
        data = tomllib.loads(text)
    except (Unreadable, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise InputError(f"cannot read config: {error}", file=str(path)) from None
    except RecursionError:
        raise InputError("cannot read config: nested too deeply", file=str(path)) from None
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        raise InputError(
            "[tool] must be a table, not an array of tables ([[tool]]) or a value",
            file=str(path),
            place=f"line {_line_of(text, 'tool')}",
            fix="write [tool.xgen] with single brackets",
        )
    table = tool.get("xgen", data if os.path.basename(path) == ".xgen.toml" else {})
    return _parse(table, path, text)


def _parse(table: Any, path: str, text: str) -> Config:
    def bad(what: str) -> InputError:
        return InputError(what, file=str(path), fix="see `xgen lint --help` and docs/rules.md")

    if not isinstance(table, dict):
        raise bad("[tool.xgen] must be a table")
    levels = table.get("severity", {})
    if not isinstance(levels, dict):
        raise bad(
            f'severity must be a table of rule = level, e.g. {{ XG023 = "error" }}, '
            f"not {_shown(levels)}"
        )
    severity: dict[str, Severity] = {}
    for rule_id, level in levels.items():
        try:
            if not isinstance(level, str):
                raise ValueError(f"severity of {rule_id} must be a level name, not {_shown(level)}")
            severity[str(rule_id).upper()] = Severity.parse(level)
        except ValueError as error:
            raise bad(str(error)) from None
    ignores: list[Suppression] = []
    entries = table.get("ignore", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise bad("ignore must be a list of tables {rule, path, reason}")
    for entry in entries:
        rules = entry.get("rule", [])
        rules = [rules] if isinstance(rules, str) else rules
        if not isinstance(rules, list):
            raise bad(f"ignore's rule must be a rule id or a list of them, not {_shown(rules)}")
        ids = tuple(str(r).upper() for r in rules if is_rule_token(str(r)))
        line = _line_of(text, ids[0] if ids else "ignore")
        path_glob = entry.get("path")
        ignores.append(
            Suppression(
                str(path),
                line,
                ids,
                str(entry.get("reason", "")).strip(),
                path_glob=str(path_glob) if path_glob else None,
            )
        )
    fail_on = table.get("fail-on")
    try:
        if fail_on is not None and not isinstance(fail_on, str):
            raise ValueError(f"fail-on must be a level name, not {_shown(fail_on)}")
        parsed_fail_on = Severity.parse(fail_on) if fail_on else None
    except ValueError as error:
        raise bad(str(error)) from None
    return Config(severity, tuple(ignores), parsed_fail_on, os.path.dirname(path))


def _shown(value: Any) -> str:
    """A config value for a message: its TOML type, never its content."""
    return {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "text",
        list: "an array",
        dict: "a table",
    }.get(type(value), "a date or time")


def _line_of(text: str, needle: str) -> int:
    index = text.find(needle)
    return text.count("\n", 0, index) + 1 if index >= 0 else 1
