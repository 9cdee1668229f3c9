"""The `xgen` console script.

`xgen lint` runs on every commit through pre-commit, so it is parsed by argparse
(lint/argv.py) without importing Typer, which costs ~70 ms to import and ~150 ms to parse
its parameters. Everything else, `xgen lint --help` included, goes to the Typer app.
"""

from __future__ import annotations

import sys


def main() -> None:
    """Console-script entry point."""
    args = sys.argv[1:]
    options = args[: args.index("--")] if "--" in args else args  # after `--`: file names
    if args[:1] == ["lint"] and not {"--help", "-h"} & set(options):
        from .lint.argv import main as lint_main

        raise SystemExit(lint_main(args[1:]))
    from .cli import run

    run()
