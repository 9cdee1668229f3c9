"""One input file's share of a lint run: what the result cache stores per file."""

from __future__ import annotations

from typing import NamedTuple

from .context import Summary
from .findings import Finding
from .suppress import Suppression


class FileResult(NamedTuple):
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
