"""The `xgen` console script.

`xgen lint` runs on every commit through pre-commit, so a run that nothing it looked at
has changed since is replayed (lint/memo.py) and any other is parsed by argparse
(lint/argv.py) without importing Typer, which costs ~70 ms to import and ~150 ms to parse
its parameters. Everything else, `xgen lint --help` included, goes to the Typer app.
"""

import os
import sys


def main() -> None:
    """Console-script entry point; a reader that goes away (`| head`) ends it quietly."""
    try:
        try:
            _dispatch()
        finally:
            sys.stdout.flush()  # here, not at exit, where a closed pipe is only a warning
    except BrokenPipeError:
        _quiet_exit()


def _quiet_exit() -> None:
    """Exit 1 without a traceback or Python's "Exception ignored" note when flushing to a
    closed pipe (Python's documented recipe: point stdout at /dev/null)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    raise SystemExit(1)


def _dispatch() -> None:
    try:
        os.getcwd()
    except OSError:  # deleted or moved away under the shell: nothing can be found from it
        print(
            "xgen: error: the current folder no longer exists "
            "(fix: cd to a folder that exists and run again)",
            file=sys.stderr,
        )
        raise SystemExit(2) from None
    args = sys.argv[1:]
    options = args[: args.index("--")] if "--" in args else args  # after `--`: file names
    if args[:1] == ["lint"] and not {"--help", "-h"} & set(options):
        if "--no-cache" not in options:
            from .lint.memo import replay

            code = replay(args[1:])
            if code is not None:  # nothing it looked at changed: printed as it was
                raise SystemExit(code)
        from .lint.argv import main as lint_main

        raise SystemExit(lint_main(args[1:], memoise=True))
    from .cli import run

    run()
