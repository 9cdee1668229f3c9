"""Suppressions: `# xgen:ignore ID reason` in `.tf` files, and `ignore` entries in
`[tool.xgen]` of `pyproject.toml` or in `.xgen.toml` (rule, path glob, reason).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable
from itertools import accumulate

from ..records import Record
from .findings import Finding


def is_rule_token(word: str) -> bool:
    """`XG` and digits, in any case: a rule id as a suppression names it."""
    return word[:2].lower() == "xg" and word[2:].isascii() and word[2:].isdigit()


class Suppression(Record):
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
        if self.path_glob is None:
            return True
        import fnmatch  # only for a config's path globs: most runs have none

        return fnmatch.fnmatch(relative, self.path_glob)


class Silencer:
    """Every suppression of a run, indexed so that asking about a finding does not try
    each one: inline comments by (rule, file) as sorted line ranges, config entries by
    rule. A file of thousands of comments and findings took hours before.
    """

    def __init__(self, suppressions: Iterable[Suppression]) -> None:
        spans: dict[tuple[str, str], list[range]] = {}
        self.config: dict[str, list[Suppression]] = {}
        for suppression in suppressions:
            for rule in suppression.rules:
                if suppression.lines is not None:
                    spans.setdefault((rule, suppression.file), []).append(suppression.lines)
                else:
                    self.config.setdefault(rule, []).append(suppression)
        # per (rule, file): the ranges' starts in order, and the furthest stop up to each
        self.inline = {
            key: ([r.start for r in ordered], list(accumulate((r.stop for r in ordered), max)))
            for key, ranges in spans.items()
            for ordered in [sorted(ranges, key=lambda r: r.start)]
        }

    def silences(self, finding: Finding, relative: Callable[[], str]) -> bool:
        """Whether any suppression silences `finding`; `relative()` gives its path from the
        config's folder (asked only when a config entry may apply).
        """
        spans = self.inline.get((finding.rule, finding.file))
        if spans is not None:
            starts, reach = spans
            index = bisect_right(starts, finding.line)
            if index and reach[index - 1] > finding.line:
                return True
        entries = self.config.get(finding.rule)
        if not entries:
            return False
        path = relative()
        return any(s.silences(finding, path) for s in entries)


def inline(file: str, line: int, lines: range, text: str) -> Suppression:
    """`XG020,XG021 reason...` after `xgen:ignore`: the ids, then the reason."""
    words = text.replace(",", " , ").split()
    rules: list[str] = []
    while words and (is_rule_token(words[0]) or words[0] == ","):
        word = words.pop(0)
        if word != ",":
            rules.append(word.upper())
    reason = " ".join(words).lstrip("-: ").strip()
    return Suppression(file, line, tuple(rules), reason, lines=lines)
