"""One input file's share of a lint run: what the result cache stores per file, and how
it is written down (plain lists and strings: JSON for the cache, marshal between the
processes of a parallel run).
"""

from __future__ import annotations

from ..policy.kinds import Kind
from ..records import Record
from .context import Summary
from .findings import Finding, Severity
from .suppress import Suppression

TYPE_CHECKING = False  # typing.TYPE_CHECKING; `typing` costs lint 4 ms to import
if TYPE_CHECKING:
    from typing import Any


class FileResult(Record):
    """How many documents, the findings of the document rules (before config severities
    and suppressions), summaries of the inline policies of known roles for the rules
    across documents, read errors, inline suppressions, and the files read through `.tf`
    `file()` calls with the state they were in.
    """

    documents: int = 0
    findings: tuple[Finding, ...] = ()
    summaries: tuple[Summary, ...] = ()
    errors: tuple[str, ...] = ()
    suppressions: tuple[Suppression, ...] = ()
    deps: tuple[tuple[str, str], ...] = ()


def encode(result: FileResult) -> dict[str, Any]:
    return {
        "documents": result.documents,
        "findings": [
            [f.rule, f.severity.value, f.message, f.fix, f.file, f.line, f.col, f.seed]
            for f in result.findings
        ],
        "summaries": [
            [s.file, s.line, s.col, s.kind.value, s.size, list(s.role)] for s in result.summaries
        ],
        "errors": list(result.errors),
        "suppressions": [
            [s.file, s.line, list(s.rules), s.reason, [s.lines.start, s.lines.stop]]
            for s in result.suppressions
            if s.lines is not None  # a file's own suppressions are inline ones
        ],
        "deps": [list(dep) for dep in result.deps],
    }


def decode(entry: Any) -> FileResult:
    """A stored result, every field of the type it was written with; ValueError (or
    KeyError, TypeError) if not.

    The store comes from caches others wrote (CI restores it): a value of another type
    would otherwise fail later, far from here, as a traceback.
    """
    return FileResult(
        documents=_of(int, entry["documents"]),
        findings=tuple(
            Finding(
                _of(str, message),
                _of(str, fix),
                _of(int, line),
                _of(int, col),
                _of(str, file),
                _of(str, rule),
                Severity(severity),
                _of(bool, seed),
            )
            for rule, severity, message, fix, file, line, col, seed in _of(list, entry["findings"])
        ),
        summaries=tuple(
            Summary(
                _of(str, file),
                _of(int, line),
                _of(int, col),
                Kind(kind),
                _of(int, size),
                (_of(str, scope), _of(str, role)),
            )
            for file, line, col, kind, size, (scope, role) in _of(list, entry["summaries"])
        ),
        errors=tuple(_of(str, error) for error in _of(list, entry["errors"])),
        suppressions=tuple(
            Suppression(
                _of(str, file),
                _of(int, line),
                tuple(_of(str, rule) for rule in _of(list, rules)),
                _of(str, reason),
                lines=range(*(_of(int, n) for n in _of(list, lines))),
            )
            for file, line, rules, reason, lines in _of(list, entry["suppressions"])
        ),
        deps=tuple((_of(str, path), _of(str, state)) for path, state in _of(list, entry["deps"])),
    )


def _of(kind: type, value: Any) -> Any:
    """`value` if it is of type `kind` exactly (a bool is no int here); ValueError if not."""
    if type(value) is not kind:
        raise ValueError(f"a cached {kind.__name__} is {type(value).__name__}")
    return value
