"""Output formats: text (`path:line:col: ID severity message`), json, SARIF 2.1.0.

All of them print whatever a policy or a file name holds (see `printable`).
"""

from __future__ import annotations

import re
from collections import Counter

from .. import __version__
from ..printable import dumps, escaped, file_uri, printable
from .engine import Result
from .findings import Finding, Severity
from .registry import Rule

TYPE_CHECKING = False  # typing.TYPE_CHECKING; `typing` costs lint 4 ms to import
if TYPE_CHECKING:
    from typing import Any

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
COLOURS = {Severity.ERROR: "\033[31m", Severity.WARNING: "\033[33m", Severity.INFO: "\033[36m"}
UNREADABLE = ": cannot read policy: "
PLACE = r"^(.*?):(\d+): (.*)$"  # compiled when first used (`re` caches it): SARIF only


def summary(result: Result) -> dict[str, Any]:
    counts = Counter(f.severity.value for f in result.findings)
    return {
        "documents": result.documents,
        "findings": len(result.findings),
        "error": counts["error"],
        "warning": counts["warning"],
        "info": counts["info"],
        "suppressed": result.suppressed,
        "unreadable": len(result.errors),
        "notes": len(result.notes),
    }


def unreadable(error: str) -> dict[str, Any]:
    """One unreadable input as JSON: file, line (or None) and reason."""
    where, found, why = error.partition(UNREADABLE)
    if not found:
        return {"file": "", "line": None, "reason": error}
    head, colon, tail = where.rpartition(":")
    if colon and tail.isdigit():
        return {"file": head, "line": int(tail), "reason": why}
    return {"file": where, "line": None, "reason": why}


def note(text: str) -> dict[str, Any]:
    """One note (`path:line: what was not read`) as JSON."""
    match = re.match(PLACE, text, re.S)
    if match is None:
        return {"file": "", "line": None, "message": text}
    return {"file": match.group(1), "line": int(match.group(2)), "message": match.group(3)}


def text(result: Result, *, colour: bool) -> str:
    """One line per finding and its fix, then the summary; names and values escaped."""
    lines = []
    for f in result.findings:
        severity = f.severity.value
        if colour:  # the only escape sequence printed: added after escaping the rest
            severity = f"{COLOURS[f.severity]}{severity}\033[0m"
        where = escaped(f"{f.file}:{f.line}:{f.col}: {f.rule}")
        lines.append(f"{where} {severity} {escaped(f.message)}")
        lines.append(f"    fix: {escaped(f.fix)}")
    s = summary(result)
    notes = f", {s['notes']} parts not read (known at plan time)" if s["notes"] else ""
    lines.append(
        f"{s['documents']} documents, {s['findings']} findings "
        f"({s['error']} error, {s['warning']} warning, {s['info']} info), "
        f"{s['suppressed']} suppressed{notes}"
    )
    return printable("\n".join(lines))


def as_json(result: Result) -> str:
    """`findings` and `summary`; `unreadable` (file, line, reason) and `notes` (file,
    line, message: what Terraform builds at plan time, not read) when there are any.
    """
    report: dict[str, Any] = {
        "findings": [f.as_json() for f in result.findings],
        "summary": summary(result),
    }
    if result.errors:
        report["unreadable"] = [unreadable(e) for e in result.errors]
    if result.notes:
        report["notes"] = [note(n) for n in result.notes]
    return dumps(report, indent=2)


def sarif(result: Result, rules: dict[str, Rule]) -> str:
    used = sorted({f.rule for f in result.findings})
    index = {rule_id: i for i, rule_id in enumerate(used)}
    driver = {
        "name": "xgen",
        "version": __version__,
        "informationUri": "https://github.com/xgen/xgen/blob/main/docs/rules.md",
        "rules": [_sarif_rule(rules[rule_id]) for rule_id in used],
    }
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": driver},
                "results": [_sarif_result(f, index[f.rule]) for f in result.findings],
                "invocations": [
                    {
                        "executionSuccessful": not result.errors,
                        "toolExecutionNotifications": [
                            *({"level": "error", "message": {"text": e}} for e in result.errors),
                            *({"level": "note", "message": {"text": n}} for n in result.notes),
                        ],
                    }
                ],
            }
        ],
    }
    return dumps(log, indent=2)


def _sarif_rule(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.title},
        "help": {"text": rule.doc, "markdown": rule.doc},
        "defaultConfiguration": {"level": SARIF_LEVELS[rule.severity]},
    }


def _sarif_result(finding: Finding, rule_index: int) -> dict[str, Any]:
    return {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": SARIF_LEVELS[finding.severity],
        "message": {"text": f"{finding.message} (fix: {finding.fix})"},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": file_uri(finding.file)},
                    "region": {"startLine": finding.line, "startColumn": finding.col},
                }
            }
        ],
    }
