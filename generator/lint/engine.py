"""Runs the rules over the loaded documents and applies profile, config and suppressions."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..policy.kinds import Kind
from .config import Config
from .context import LintDocument
from .deployment import Deployment
from .findings import Finding, Severity
from .loader import Loader
from .registry import Rule, load_rules
from .suppress import Suppression

SEED_NOTE = " (profile seed; profile hardened would tighten this)"


@dataclass
class Result:
    findings: list[Finding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    documents: int = 0
    suppressed: int = 0

    def exit_code(self, fail_on: Severity) -> int:
        """0 clean, 1 findings at or above `fail_on`, 2 unreadable input (ruff's codes)."""
        if self.errors:
            return 2
        return 1 if any(f.severity.rank >= fail_on.rank for f in self.findings) else 0


def lint(
    paths: list[Path],
    *,
    config: Config,
    kind: Kind | None = None,
    deployment: Deployment | None = None,
) -> Result:
    """Lint every policy found under `paths`."""
    inputs = Loader(kind, deployment).load(paths)
    result = check(inputs.documents, config=config, suppressions=inputs.suppressions)
    result.errors = inputs.errors
    return result


def check(
    documents: list[LintDocument], *, config: Config, suppressions: list[Suppression]
) -> Result:
    """Run the rules over documents already loaded (from files, or read live by audit)."""
    rules = load_rules()
    result = Result(documents=len(documents))
    found: list[Finding] = []
    document_rules = [r for r in rules.values() if r.scope == "document"]
    for doc in documents:
        for rule in document_rules:
            seed = rule.hardened and doc.profile == "seed"
            found.extend(_finish(f, rule, config, seed=seed) for f in rule.check(doc))
    suppressions = [*suppressions, *config.ignores]
    meta = [
        _finish(f, rule, config, seed=False)
        for rule in rules.values()
        if rule.scope == "suppression"
        for s in suppressions
        for f in rule.check(s)
    ]
    root = config.root.resolve()
    kept = [
        f for f in found if not any(s.silences(f, _relative(f.file, root)) for s in suppressions)
    ]
    result.suppressed = len(found) - len(kept)
    result.findings = sorted([*kept, *meta], key=lambda f: f.sort_key)
    return result


def _finish(finding: Finding, rule: Rule, config: Config, *, seed: bool) -> Finding:
    severity = config.severity.get(rule.id, rule.severity)
    if seed:
        return finding.at(rule=rule.id, severity=Severity.INFO, message=finding.message + SEED_NOTE)
    return finding.at(rule=rule.id, severity=severity)


def _relative(file: str, root: Path) -> str:
    try:
        return Path(os.path.relpath(Path(file).resolve(), root)).as_posix()
    except ValueError:  # another drive on Windows
        return Path(file).as_posix()
