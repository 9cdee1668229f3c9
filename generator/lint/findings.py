"""What a rule reports: a `Finding`, with a `Severity` that config may override."""

from __future__ import annotations

from enum import Enum

from ..records import Record


class Severity(Enum):
    """Ordered like ruff's and SARIF's levels: info < warning < error."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return ("info", "warning", "error").index(self.value)

    @classmethod
    def parse(cls, value: str) -> Severity:
        try:
            return cls(value.lower())
        except ValueError:
            raise ValueError(f"unknown severity {value!r} (use error, warning or info)") from None


class Finding(Record):
    """One problem at one place; `rule` and `severity` are filled in by the engine."""

    message: str
    fix: str
    line: int = 1
    col: int = 1
    file: str = ""
    rule: str = ""
    severity: Severity = Severity.WARNING
    seed: bool = False  # info because of profile seed: config severities do not apply

    def at(self, **changes: object) -> Finding:
        return self._replace(**changes)  # type: ignore[arg-type]

    def as_json(self) -> dict[str, object]:
        """The contract's keys (lint `--format json`; audit's `findings`)."""
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "file": self.file,
            "line": self.line,
            "column": self.col,
            "message": self.message,
            "fix": self.fix,
        }

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.file, self.line, self.col, self.rule)
