"""`xgen lint` without Typer: the console script's fast path.

Typer 0.29 builds pydantic adapters for every parameter it parses, which costs about
150 ms per run: more than linting a policy takes. `generator.entry.main` sends `xgen lint`
here; `xgen lint --help` still goes to Typer. A test keeps both option sets equal.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import InputError

OPTIONS = ("--format", "-f", "--fail-on", "--kind", "--spec", "--no-cache")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise InputError(message, fix="see `xgen lint --help`")


class _Formatter(argparse.HelpFormatter):
    """A fixed width: argparse asks `shutil` for the terminal's otherwise, and importing
    shutil imports zlib, bz2 and lzma (milliseconds per run); this parser prints no help
    (`xgen lint --help` is Typer's), only one-line errors."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, width=100)


def parser() -> argparse.ArgumentParser:
    # No abbreviations: a file named `--no` must not be taken for --no-cache.
    parse = _Parser(
        prog="xgen lint", add_help=False, allow_abbrev=False, formatter_class=_Formatter
    )
    parse.add_argument("paths", nargs="+", type=Path)
    parse.add_argument("--format", "-f", dest="output_format", default="text")
    parse.add_argument("--fail-on", dest="fail_on")
    parse.add_argument("--kind")
    parse.add_argument("--spec", type=Path)
    parse.add_argument("--no-cache", dest="no_cache", action="store_true")
    return parse


def main(argv: list[str], *, memoise: bool = False) -> int:
    """Run `xgen lint ARGV`; the exit code (2 with one line on stderr for bad input).

    `memoise`: keep the run for `memo.replay` (the console script's warm path).
    """
    from .command import run_lint

    recorder = None
    try:
        args = parser().parse_args(argv)
        if memoise and not args.no_cache:
            from .memo import Recorder

            recorder = Recorder(argv)
            recorder.start()
        code = run_lint(
            args.paths,
            args.output_format,
            args.fail_on,
            args.kind,
            args.spec,
            use_cache=not args.no_cache,
            recorder=recorder,
        )
        if recorder is not None:
            recorder.store(code)
        return code
    except InputError as error:
        from ..printable import escaped

        print(escaped(f"xgen: error: {error}"), file=sys.stderr)
        return 2
    finally:
        if recorder is not None:
            recorder.stop()
