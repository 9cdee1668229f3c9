"""`xgen lint`'s hand-made option parser (lint/argv.py) reads every command line as
argparse reads it with file names and options mixed (`parse_intermixed_args`, as Typer's
`xgen lint` takes them): the same values, and an error where argparse gives one.
"""

from __future__ import annotations

import argparse

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.errors import InputError
from generator.lint.argv import parse

WORDS = [
    "--format", "-f", "--fail-on", "--kind", "--spec", "--no-cache", "-", "-1", "-.5",
    "--format=json", "-fjson", "-f=sarif", "--no-cache=1", "--form", "--bogus", "-x", "json",
    "a.json", "dir", "--kind=bucket", "--spec=s.yaml", "", "=", "--=x", "-f-",
]  # fmt: skip


class _Refused(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _Refused(message)


def reference() -> argparse.ArgumentParser:
    """The parser lint/argv.py used before (argparse, no abbreviations), read in
    intermixed mode: it read `a.json --no-cache b.json` as an error, Typer does not."""
    parse = _Parser(prog="xgen lint", add_help=False, allow_abbrev=False)
    parse.add_argument("paths", nargs="+")
    parse.add_argument("--format", "-f", dest="output_format", default="text")
    parse.add_argument("--fail-on", dest="fail_on")
    parse.add_argument("--kind")
    parse.add_argument("--spec")
    parse.add_argument("--no-cache", dest="no_cache", action="store_true")
    return parse


def both(argv: list[str]) -> tuple[object, object]:
    try:
        known = vars(reference().parse_intermixed_args(argv))
    except _Refused:
        known = None
    try:
        found = vars(parse(argv))
    except InputError:
        found = None
    return found, known


@pytest.mark.parametrize(
    "argv",
    [
        ["a.json"],
        ["--format", "json", "a.json", "b.json"],
        ["a.json", "--format=sarif", "--no-cache"],
        ["-fjson", "a.json"],
        ["-", "-1"],
        ["--kind", "bucket", "--spec", "s.yaml", "x"],
        ["--fail-on", "error", "--fail-on", "info", "x"],
    ],
)
def test_command_lines_read_as_argparse_reads_them(argv: list[str]) -> None:
    found, known = both(argv)
    assert found == known and found is not None


def test_after_a_double_dash_every_word_is_a_file_name() -> None:
    """What the pre-commit hooks pass (`--` then the files); argparse's intermixed mode
    mishandles `--`, so this is stated outright."""
    found = parse(["--no-cache", "a.json", "--", "--help.json", "-o", "--"])
    assert found.paths == ["a.json", "--help.json", "-o", "--"]
    assert found.no_cache and found.output_format == "text"
    with pytest.raises(InputError):
        parse(["--no-cache", "--"])


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--bogus", "a.json"], "unrecognized arguments: --bogus"),
        (["--form", "json", "a.json"], "unrecognized arguments: --form"),
        (["--format"], "argument --format/-f: expected one argument"),
        (["--format", "--no-cache", "a"], "argument --format/-f: expected one argument"),
        (["--no-cache=yes", "a"], "argument --no-cache: ignored explicit argument 'yes'"),
        (["--no-cache"], "the following arguments are required: paths"),
    ],
)
def test_refusals_say_what_argparse_said(argv: list[str], message: str) -> None:
    with pytest.raises(InputError) as raised:
        parse(argv)
    assert raised.value.message == message
    assert both(argv) == (None, None)


@settings(max_examples=400, deadline=None)
@given(argv=st.lists(st.sampled_from(WORDS) | st.text(max_size=6), max_size=7))
def test_any_command_line_is_read_as_argparse_reads_it(argv: list[str]) -> None:
    found, known = both(argv)
    assert found == known
