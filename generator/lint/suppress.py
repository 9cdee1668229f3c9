"""Suppressions: `# xgen:ignore ID reason` in `.tf` files, and `ignore` entries in
`[tool.xgen]` of `pyproject.toml` or in `.xgen.toml` (rule, path glob, reason).
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass

from .findings import Finding

RULE_TOKEN = re.compile(r"^XG\d+$", re.I)


@dataclass(frozen=True)
class Suppression:
    """Where a suppression is written, what it silences and why."""

    file: str  # where it is written (for XG050/XG051)
    line: int
    rules: tuple[str, ...]
    reason: str
    path_glob: str | None = None  # config entries: which files (None: all)
    lines: range | None = None  # inline comments: which lines of `file`

    def silences(self, finding: Finding, relative: str) -> bool:
        """Whether this silences `finding`; `relative` is its path from the config's folder."""
        if finding.rule not in self.rules:
            return False
        if self.lines is not None:
            return finding.file == self.file and finding.line in self.lines
        return self.path_glob is None or fnmatch.fnmatch(relative, self.path_glob)


def inline(file: str, line: int, lines: range, text: str) -> Suppression:
    """`XG020,XG021 reason...` after `xgen:ignore`: the ids, then the reason."""
    words = text.replace(",", " , ").split()
    rules: list[str] = []
    while words and (RULE_TOKEN.match(words[0]) or words[0] == ","):
        word = words.pop(0)
        if word != ",":
            rules.append(word.upper())
    reason = " ".join(words).lstrip("-: ").strip()
    return Suppression(file, line, tuple(rules), reason, lines=lines)
