"""Project configuration for lint: `[tool.xgen]` in `pyproject.toml`, or `.xgen.toml`.

    [tool.xgen]                       # in .xgen.toml the table may also be top level
    fail-on = "warning"
    severity = { XG023 = "error" }
    ignore = [{ rule = "XG020", path = "legacy/*.json", reason = "partner-owned (T-12)" }]

The nearest file from the current folder upwards is used; path globs are relative to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..safe_read import Unreadable, read_limited
from .findings import Severity
from .suppress import RULE_TOKEN, Suppression

NAMES = (".xgen.toml", "pyproject.toml")


@dataclass(frozen=True)
class Config:
    severity: dict[str, Severity] = field(default_factory=dict)
    ignores: tuple[Suppression, ...] = ()
    fail_on: Severity | None = None
    root: Path = Path()


def find_config(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        for name in NAMES:
            candidate = folder / name
            if candidate.is_file() and (name != "pyproject.toml" or _has_table(candidate)):
                return candidate
    return None


def _has_table(path: Path) -> bool:
    try:
        return "[tool.xgen" in read_limited(path).decode("utf-8")
    except (Unreadable, UnicodeDecodeError):
        return False


def load_config(start: Path) -> Config:
    """The config that applies to runs from `start`; empty when there is none."""
    path = find_config(start.resolve())
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
    table = data.get("tool", {}).get("xgen", data if path.name == ".xgen.toml" else {})
    return _parse(table, path, text)


def _parse(table: Any, path: Path, text: str) -> Config:
    def bad(what: str) -> InputError:
        return InputError(what, file=str(path), fix="see `xgen lint --help` and docs/rules.md")

    if not isinstance(table, dict):
        raise bad("[tool.xgen] must be a table")
    severity: dict[str, Severity] = {}
    for rule_id, level in dict(table.get("severity", {})).items():
        try:
            severity[str(rule_id).upper()] = Severity.parse(str(level))
        except ValueError as error:
            raise bad(str(error)) from None
    ignores: list[Suppression] = []
    entries = table.get("ignore", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise bad("ignore must be a list of tables {rule, path, reason}")
    for entry in entries:
        rules = entry.get("rule", [])
        rules = [rules] if isinstance(rules, str) else rules
        ids = tuple(str(r).upper() for r in rules if RULE_TOKEN.match(str(r)))
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
        parsed_fail_on = Severity.parse(str(fail_on)) if fail_on else None
    except ValueError as error:
        raise bad(str(error)) from None
    return Config(severity, tuple(ignores), parsed_fail_on, path.parent)


def _line_of(text: str, needle: str) -> int:
    index = text.find(needle)
    return text.count("\n", 0, index) + 1 if index >= 0 else 1
