"""`xgen lint` without Typer: the console script's fast path.

Typer 0.29 builds pydantic adapters for every parameter it parses, which costs about
150 ms per run: more than linting a policy takes. `generator.entry.main` sends `xgen lint`
here; `xgen lint --help` still goes to Typer. A test keeps both option sets equal. Six
options are parsed by hand, as argparse parses them (a test compares the two on every
spelling): with argparse, gettext and locale imported a cold run took 7 ms longer.
"""

from __future__ import annotations

import sys

from ..errors import InputError

# option -> (its field, whether it takes a value); what `xgen lint --help` (Typer) lists
FIELDS = {
    "--format": ("output_format", True),
    "-f": ("output_format", True),
    "--fail-on": ("fail_on", True),
    "--kind": ("kind", True),
    "--spec": ("spec", True),
    "--no-cache": ("no_cache", False),
}
OPTIONS = tuple(FIELDS)


class Options:
    """`xgen lint`'s options as parsed; the defaults are Typer's."""

    def __init__(self) -> None:
        self.paths: list[str] = []  # as written: the loader writes them as pathlib would
        self.output_format = "text"
        self.fail_on: str | None = None
        self.kind: str | None = None
        self.spec: str | None = None
        self.no_cache = False


def parse(argv: list[str]) -> Options:
    """Parse as argparse would (no abbreviations, `--opt=value`, `-fjson`, `--` ends the
    options, `-` and negative numbers are file names); InputError with argparse's words.
    """
    found = Options()
    names: list[str] = []
    index = 0
    while index < len(argv):
        arg = argv[index]
        index += 1
        if arg == "--":
            names += argv[index:]
            break
        if not arg.startswith("-") or arg == "-" or _is_number(arg):
            names.append(arg)
            continue
        option, value = _split(arg)
        if option not in FIELDS:
            raise _error(f"unrecognized arguments: {arg}")
        field, takes_value = FIELDS[option]
        shown = "/".join(o for o in OPTIONS if FIELDS[o][0] == field)
        if not takes_value:
            if value is not None:
                raise _error(f"argument {shown}: ignored explicit argument {value!r}")
            setattr(found, field, True)
            continue
        if value is None:
            following = argv[index] if index < len(argv) else "-x"
            if following.startswith("-") and following != "-" and not _is_number(following):
                raise _error(f"argument {shown}: expected one argument")
            value = argv[index]
            index += 1
        setattr(found, field, value)
    if not names:
        raise _error("the following arguments are required: paths")
    found.paths = names
    return found


def _split(arg: str) -> tuple[str, str | None]:
    """An option and the value written into it (`--kind=bucket`, `-fjson`), if any."""
    if arg.startswith("--"):
        option, equals, value = arg.partition("=")
        return option, value if equals else None
    return arg[:2], arg[2:].removeprefix("=") if len(arg) > 2 else None


def _is_number(arg: str) -> bool:
    """`-1` and `-.5` are file names to argparse when no option looks like a number."""
    digits = arg[1:].replace(".", "", 1)
    return digits.isdigit()


def _error(message: str) -> InputError:
    return InputError(message, fix="see `xgen lint --help`")


def main(argv: list[str], *, memoise: bool = False) -> int:
    """Run `xgen lint ARGV`; the exit code (2 with one line on stderr for bad input).

    `memoise`: keep the run for `memo.replay` (the console script's warm path).
    """
    from .command import run_lint

    recorder = None
    try:
        args = parse(argv)
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
