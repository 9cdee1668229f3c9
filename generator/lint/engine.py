"""Runs the rules over the loaded documents and applies profile, config and suppressions.

Document rules run per input file (so that a file's result can be cached); rules across
documents run on every file's summaries at the end; config severities, ignores and
suppressions apply last, so they never go stale in the cache.
"""

from __future__ import annotations

import os
from functools import lru_cache

from ..policy.kinds import Kind
from ..records import Record
from ..safe_read import Unreadable
from .config import Config
from .context import LintDocument
from .findings import Finding, Severity
from .loader import SEEN, Input, Loaded, Loader
from .parallel import Linted, lint_each
from .parallel import processes as parallel_processes
from .registry import Rule, load_rules
from .results import FileResult
from .scope import Scope
from .suppress import Silencer, Suppression

TYPE_CHECKING = False  # typing.TYPE_CHECKING; `typing` costs lint 4 ms to import
if TYPE_CHECKING:
    from collections.abc import Sequence

    from .cache import ResultCache
    from .deployment import Deployment

SEED_NOTE = " (profile seed; profile hardened would tighten this)"
# A file's notes (what Terraform builds at plan time, not read) travel with its read
# errors in the result cache, marked by a NUL, which no path or message holds.
NOTE = "\0"


class Result(Record):
    findings: list[Finding]
    errors: list[str]
    documents: int
    suppressed: int
    notes: list[str]  # what was not read, not an error

    def exit_code(self, fail_on: Severity) -> int:
        """0 clean, 1 findings at or above `fail_on`, 2 unreadable input (ruff's codes)."""
        if self.errors:
            return 2
        return 1 if any(f.severity.rank >= fail_on.rank for f in self.findings) else 0


def lint(
    paths: Sequence[str | os.PathLike[str]],
    *,
    config: Config,
    kind: Kind | None = None,
    deployment: Deployment | None = None,
    cache: ResultCache | None = None,
    processes: int = 1,
) -> Result:
    """Lint every policy found under `paths`; `cache` reuses unchanged files' results.

    `processes`: how many processes may lint the JSON files (`parallel`); `.tf` files
    are linted here first, as they decide which JSON files their `file()` calls read.
    """
    loader = Loader(kind, deployment, Scope.of(paths))
    scope = f"{kind}\0{deployment!r}"
    items = loader.inputs(paths)

    def one(item: Input) -> Linted:
        return _lint_file(loader, item, cache, scope)

    linted = [one(item) for item in items if item.terraform]
    rest = [item for item in items if not item.terraform and item.resolved not in loader.seen]
    linted += lint_each(rest, one, min(processes, parallel_processes(len(rest))))
    if cache is not None:
        for key, result, hit in linted:
            if key:
                cache.keep(key, result, hit=hit)
        cache.save()
    return _combine([result for _, result, _ in linted], config, loader.errors)


def check(
    documents: list[LintDocument], *, config: Config, suppressions: list[Suppression]
) -> Result:
    """Run the rules over documents already loaded (from files, or read live by audit)."""
    loaded = Loaded(documents=list(documents), suppressions=list(suppressions))
    return _combine([_check(loaded)], config, [])


def _combine(files: list[FileResult], config: Config, errors: list[str]) -> Result:
    """The files' results, with rules across documents, config and suppressions applied."""
    rules = load_rules()
    summaries = [s for file in files for s in file.summaries]
    found = [f for file in files for f in file.findings]
    found += [
        _finish(f, rule)
        for rule in rules.values()
        if rule.scope == "deployment"
        for f in rule.check(summaries)
    ]
    found = [_configured(f, config) for f in found]
    suppressions = [*(s for file in files for s in file.suppressions), *config.ignores]
    meta = [
        _configured(_finish(f, rule), config)
        for rule in rules.values()
        if rule.scope == "suppression"
        for s in suppressions
        for f in rule.check(s)
    ]
    root = os.path.realpath(config.root)
    silencer = Silencer(suppressions)
    kept = [f for f in found if not silencer.silences(f, lambda f=f: _relative(f.file, root))]
    # dict.fromkeys: a broken manifest is reported once, not once per file under it
    reported = list(dict.fromkeys([*errors, *(e for file in files for e in file.errors)]))
    return Result(
        findings=sorted([*kept, *meta], key=lambda f: f.sort_key),
        errors=[e for e in reported if not e.startswith(NOTE)],
        documents=sum(file.documents for file in files),
        suppressed=len(found) - len(kept),
        notes=[e.removeprefix(NOTE) for e in reported if e.startswith(NOTE)],
    )


def _lint_file(loader: Loader, item: Input, cache: ResultCache | None, scope: str) -> Linted:
    """One file's result, with its cache key and whether the cache had it: from the cache
    when nothing it depends on changed."""
    try:
        data = item.read_bytes()
    except Unreadable as error:
        return "", FileResult(errors=(f"{item.display}: cannot read policy: {error}",)), False
    key = ""
    if cache is not None:
        key = cache.key(scope, item.display, item.resolved, loader.context(item), data=data)
        hit = cache.get(key, loader.state)
        if hit is not None:
            loader.seen.update(path for path, state in hit.deps if state != SEEN)
            return key, hit, True
    return key, _check(loader.read(item, data)), False


@lru_cache(maxsize=2)
def _scoped(scope: str) -> tuple[Rule, ...]:
    return tuple(r for r in load_rules().values() if r.scope == scope)


def _check(loaded: Loaded) -> FileResult:
    """Run the document rules over one file's documents.

    A finding made twice (a statement of a `source_policy_documents` document, read in
    each document that includes it) is reported once.
    """
    findings = dict.fromkeys(
        _finish(f, rule, seed=rule.hardened and doc.profile == "seed")
        for doc in loaded.documents
        for rule in _scoped("document")
        for f in rule.check(doc)
    )
    findings.update(
        dict.fromkeys(
            _finish(f, rule)
            for attachment in loaded.attachments
            for rule in _scoped("attachment")
            for f in rule.check(attachment)
        )
    )
    summaries = (doc.summary() for doc in loaded.documents)
    return FileResult(
        documents=len(loaded.documents),
        findings=tuple(findings),
        summaries=tuple(s for s in summaries if s is not None),
        errors=(*loaded.errors, *(NOTE + note for note in loaded.notes)),
        suppressions=tuple(loaded.suppressions),
        deps=tuple(loaded.deps),
    )


def _finish(finding: Finding, rule: Rule, *, seed: bool = False) -> Finding:
    if seed:
        return finding.at(
            rule=rule.id, severity=Severity.INFO, message=finding.message + SEED_NOTE, seed=True
        )
    return finding.at(rule=rule.id, severity=rule.severity)


def _configured(finding: Finding, config: Config) -> Finding:
    """The severity `[tool.xgen] severity` gives a rule (not to profile seed's info)."""
    severity = config.severity.get(finding.rule)
    if severity is None or finding.seed:
        return finding
    return finding.at(severity=severity)


def _relative(file: str, root: str) -> str:
    try:
        return os.path.relpath(os.path.realpath(file), root).replace(os.sep, "/")
    except ValueError:  # another drive on Windows
        return file.replace(os.sep, "/")
