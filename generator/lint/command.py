"""The bodies of `xgen lint`, `xgen rules` and `xgen explain`: parse options, run, print."""

from __future__ import annotations

import json
import os
import sys

from ..errors import InputError
from ..policy.kinds import Kind
from ..printable import escaped, printable
from .findings import Severity

TYPE_CHECKING = False  # typing.TYPE_CHECKING; `typing` costs lint 4 ms to import
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import TextIO

    from .config import Config
    from .memo import Recorder

FORMATS = ("text", "json", "sarif")


def run_lint(
    paths: Sequence[str | os.PathLike[str]],
    output_format: str,
    fail_on: str | None,
    kind: str | None,
    spec: str | os.PathLike[str] | None,
    *,
    use_cache: bool = True,
    recorder: Recorder | None = None,
) -> int:
    """Lint, print the report on stdout and unreadable files on stderr; the exit code.

    `use_cache`: reuse and store per-file results under the cache folder (`--no-cache`);
    `recorder`: told what is printed, for the warm path (`memo`).
    """
    from . import report
    from .config import load_config
    from .engine import lint
    from .parallel import MAX_PROCESSES
    from .registry import load_rules

    if output_format not in FORMATS:
        raise InputError(f"unknown format {output_format!r}", fix="use text, json or sarif")
    try:
        kind_value = Kind(kind) if kind else None
    except ValueError:
        raise InputError(
            f"unknown kind {kind!r}", fix=f"use one of {', '.join(k.value for k in Kind)}"
        ) from None
    config = load_config(os.getcwd())
    level = threshold(fail_on, config)
    deployment = None
    if spec is not None:
        from pathlib import Path

        from ..spec import load_spec
        from .deployment import Deployment

        deployment = Deployment.from_spec(load_spec(Path(spec)))
    cache = None
    if use_cache:
        from .cache import ResultCache

        cache = ResultCache(config.root)
    result = lint(
        paths,
        config=config,
        kind=kind_value,
        deployment=deployment,
        cache=cache,
        processes=MAX_PROCESSES,  # a large run: one process per CPU (`parallel`)
    )
    for error in result.errors:
        _print(escaped(f"xgen: {error}"), "stderr", recorder)
    if output_format == "json":
        _print(report.as_json(result), "stdout", recorder)
    elif output_format == "sarif":
        _print(report.sarif(result, load_rules()), "stdout", recorder)
    else:
        _print(report.text(result, colour=_colour()), "stdout", recorder)
    return result.exit_code(level)


def _print(text: str, name: str, recorder: Recorder | None) -> None:
    """Print `text` on sys.`name`, escaping what the stream's encoding cannot encode (an
    ASCII locale, a lone surrogate from a policy or a file name): a report never fails to
    print.
    """
    stream: TextIO = getattr(sys, name)
    shown = printable(text, getattr(stream, "encoding", None))
    print(shown, file=stream)
    if recorder is not None:
        recorder.printing(name, shown)


def threshold(fail_on: str | None, config: Config) -> Severity:
    """The severity that fails the run: --fail-on, else the config's, else warning."""
    try:
        return Severity.parse(fail_on) if fail_on else config.fail_on or Severity.WARNING
    except ValueError as error:
        raise InputError(str(error), place="--fail-on", fix="use error, warning or info") from None


def _colour() -> bool:
    """Colour only on a terminal that supports it (pre-commit's rule)."""
    return sys.stdout.isatty() and os.environ.get("TERM") != "dumb" and "NO_COLOR" not in os.environ


def list_rules(output_format: str) -> str:
    from .registry import load_rules

    rules = load_rules().values()
    if output_format == "json":
        return json.dumps(
            [
                {"id": r.id, "name": r.name, "severity": r.severity.value, "title": r.title}
                for r in rules
            ],
            indent=2,
        )
    if output_format == "markdown":
        from .docs import rules_markdown

        return rules_markdown()
    if output_format != "text":
        raise InputError(f"unknown format {output_format!r}", fix="use text, json or markdown")
    return "\n".join(f"{r.id}  {r.severity.value:<7}  {r.name:<38} {r.title}" for r in rules)


def explain_rule(key: str) -> str:
    from .registry import find_rule

    found = find_rule(key)
    if found is None:
        from ..audit.findings import explain

        audit = explain(key)
        if audit is not None:
            return audit
        raise InputError(f"no rule {key!r}", fix="`xgen rules` lists them (XA001-XA004: audit)")
    profile = " (info in profile seed)" if found.hardened else ""
    return (
        f"{found.id} {found.name} ({found.severity.value}{profile})\n{found.title}\n\n{found.doc}"
    )
