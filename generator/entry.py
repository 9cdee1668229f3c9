"""The `xgen` console script.

`xgen lint` runs on every commit through pre-commit, so a run that nothing it looked at
has changed since is replayed (lint/memo.py) and any other is parsed by argparse
(lint/argv.py) without importing Typer, which costs ~70 ms to import and ~150 ms to parse
its parameters. Everything else, `xgen lint --help` included, goes to the Typer app.

A lint run also skips what only costs it time (measured on one policy, 57 ms in all): the
cyclic garbage collector, which ran some fifty times while its modules were imported (7
ms; a run's inputs are trees it holds to the end: off, the peak memory of linting a 4.8
MB policy, a 10,000-resource plan and a 5,000-block .tf stayed 77, 54 and 172 MB, and the
.tf took 3.6 s, not 4.8), and the interpreter's teardown of those modules at exit (4.5
ms; nothing on the lint path registers an exit handler).
"""

import os
import sys


def main() -> None:
    """Console-script entry point; a reader that goes away (`| head`) ends it quietly."""
    try:
        try:
            code = run()
        finally:
            sys.stdout.flush()  # here, not at exit, where a closed pipe is only a warning
        sys.stderr.flush()
    except BrokenPipeError:
        _quiet_exit()
    os._exit(code)  # in effect lint only: the other commands exit through Typer's SystemExit


def _quiet_exit() -> None:
    """Exit 1 without a traceback or Python's "Exception ignored" note when flushing to a
    closed pipe (Python's documented recipe: point stdout at /dev/null)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    raise SystemExit(1)


def run() -> int:
    """The exit code of `xgen lint`; any other command raises SystemExit (Typer)."""
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
        import gc

        gc.disable()
        if "--no-cache" not in options:
            from .lint.memo import replay

            code = replay(args[1:])
            if code is not None:  # nothing it looked at changed: printed as it was
                return code
        from .bundle import install, update

        bundle = install()  # xgen's modules from one file of bytecode (`bundle`)
        from .lint.argv import main as lint_main

        code = lint_main(args[1:], memoise=True)
        update(bundle)
        return code
    from .cli import run as run_typer

    run_typer()  # raises SystemExit in Click's standalone mode, as Typer runs it
    return 0
