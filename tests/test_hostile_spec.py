"""Hostile spec input: whatever the path or the bytes, every spec command ends with exit 0
or 2, never a traceback or a hang, and a refusal is one line naming the place and the fix."""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from generator.model import Spec
from tests.conftest import BASE_SPEC, base_spec, invoke, write_spec

# The console script, in a child process: a regression that blocks (a FIFO, an alias loop)
# fails the test at the timeout instead of hanging the suite.
XGEN = [sys.executable, "-c", "from generator.entry import main; main()"]
TIMEOUT = 60
COMMANDS = {
    "render": ["render", "{spec}", "-o", "{out}"],
    "audit": ["audit", "{spec}"],
    "import": ["import", "{spec}"],
    "lint --spec": ["lint", "--no-cache", "--spec", "{spec}", "{policy}"],
}


def run_xgen(command: str, spec: Path | str, tmp_path: Path) -> subprocess.CompletedProcess:
    policy = tmp_path / "policy.json"
    policy.write_text('{"Version": "2012-10-17", "Statement": []}', encoding="utf-8")
    args = [a.format(spec=spec, out=tmp_path / "out", policy=policy) for a in COMMANDS[command]]
    # No AWS access: audit and import must fail on the spec before they would call anything.
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["XGEN_CACHE_DIR"] = str(tmp_path / "cache")
    return subprocess.run(
        [*XGEN, *args],
        capture_output=True,
        check=False,
        text=True,
        timeout=TIMEOUT,
        env=env,
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
    )


def assert_refused(stderr: str, exit_code: int, *words: str, where: str | None = None) -> str:
    """Exit 2 and exactly one line `xgen: error: ...` holding `words` and a fix."""
    assert exit_code == 2, stderr
    assert "Traceback" not in stderr
    lines = stderr.splitlines()
    assert len(lines) == 1, lines
    (line,) = lines
    assert line.startswith("xgen: error: "), line
    if where is not None:
        assert line.startswith(f"xgen: error: {where}"), line
    for word in words:
        assert word in line, line
    assert "(fix: " in line, line
    return line


# --- the path is not a regular file --------------------------------------------------------


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_fifo_is_refused_without_blocking(command, tmp_path):
    fifo = tmp_path / "spec.yaml"
    os.mkfifo(fifo)
    result = run_xgen(command, fifo, tmp_path)
    assert_refused(result.stderr, result.returncode, "named pipe (FIFO)", where=f"{fifo}: ")


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_directory_is_refused(command, tmp_path):
    folder = tmp_path / "spec.yaml"
    folder.mkdir()
    result = run_xgen(command, folder, tmp_path)
    assert_refused(result.stderr, result.returncode, "is a directory", where=f"{folder}: ")


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null", "/dev/urandom"])
def test_a_device_is_refused_without_reading_it(device, tmp_path):
    if not os.path.exists(device):
        pytest.skip(f"no {device} here")
    result = run_xgen("render", device, tmp_path)
    assert_refused(result.stderr, result.returncode, "character device", where=f"{device}: ")


def test_a_dangling_symlink_names_its_target(tmp_path, runner):
    link = tmp_path / "spec.yaml"
    link.symlink_to(tmp_path / "gone.yaml")
    result = invoke(runner, "render", link, "-o", tmp_path / "out")
    assert_refused(result.stderr, result.exit_code, "symbolic link", "gone.yaml", where=f"{link}: ")


def test_a_symlink_loop_is_one_line(tmp_path, runner):
    (tmp_path / "a.yaml").symlink_to(tmp_path / "b.yaml")
    (tmp_path / "b.yaml").symlink_to(tmp_path / "a.yaml")
    result = invoke(runner, "render", tmp_path / "a.yaml", "-o", tmp_path / "out")
    assert_refused(result.stderr, result.exit_code, "cannot read spec")


def test_a_symlink_to_a_spec_is_read(tmp_path, runner):
    link = tmp_path / "link.yaml"
    link.symlink_to(write_spec(tmp_path, BASE_SPEC))
    result = invoke(runner, "render", link, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.stderr


def test_the_size_limit_is_checked_before_reading(tmp_path, runner):
    sparse = tmp_path / "spec.yaml"
    with sparse.open("wb") as handle:  # 4 GiB that take no disk space
        handle.truncate(4 << 30)
    result = invoke(runner, "render", sparse, "-o", tmp_path / "out")
    assert_refused(result.stderr, result.exit_code, "larger than 1024 KiB")


# --- the bytes are not a spec -------------------------------------------------------------

SPEC_TEXT = yaml.safe_dump(BASE_SPEC, sort_keys=False)


def with_statements(text: str, field: str = "bucket_policy_statements") -> str:
    """The base spec with `text` (flow YAML) as a list of kept statements."""
    return SPEC_TEXT.replace("  image:", f"  {field}: {text}\n  image:", 1)


def line_and_column(text: str, needle: str) -> str:
    """`LINE:COL` (1-based) of the first `needle` in `text`."""
    before = text[: text.index(needle)]
    return f"{before.count(chr(10)) + 1}:{len(before) - before.rfind(chr(10))}"


def render_text(runner, tmp_path: Path, text: str) -> tuple[Path, object]:
    path = tmp_path / "spec.yaml"
    path.write_bytes(text.encode("utf-8"))
    return path, invoke(runner, "render", path, "-o", tmp_path / "out")


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x07", "\x1b", "\x7f", "\x80", "\ufffe"])
def test_a_control_character_is_refused_at_its_place(char, tmp_path, runner):
    text = SPEC_TEXT.replace("name: linear-learner", f"name: linear{char}learner")
    path, result = render_text(runner, tmp_path, text)
    line = assert_refused(
        result.stderr, result.exit_code, f"U+{ord(char):04X}", "control character"
    )
    assert line.startswith(f"xgen: error: {path}:{line_and_column(text, char)}: ")
    assert char not in line
    assert not (tmp_path / "out").exists()


def test_tabs_and_crlf_line_ends_are_fine(tmp_path, runner):
    text = "#\ta comment after a tab\n" + SPEC_TEXT.replace("\n", "\r\n")
    _, result = render_text(runner, tmp_path, text)
    assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize(
    "value",
    ["&a [*a]", "&a {b: *a}", "&a [[[x, *a]]]", "&a {b: [{c: *a}]}"],
    ids=["list", "mapping", "nested list", "nested mapping"],
)
def test_an_alias_inside_itself_is_refused_quickly(value, tmp_path):
    # `name: &a [*a]` grew past 1 GB before: run in a child with a timeout.
    path = write_spec(tmp_path, SPEC_TEXT.replace("name: linear-learner", f"name: {value}"))
    result = run_xgen("render", path, tmp_path)
    line = assert_refused(result.stderr, result.returncode, "alias to itself", where=f"{path}:")
    assert line.startswith(f"xgen: error: {path}:2:7: name: ")


@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_spec_command_refuses_a_looping_alias(command, tmp_path):
    path = write_spec(tmp_path, SPEC_TEXT.replace("name: linear-learner", "name: &a [*a]"))
    result = run_xgen(command, path, tmp_path)
    assert_refused(result.stderr, result.returncode, "alias to itself", where=f"{path}:2:7:")


@pytest.mark.parametrize(("opening", "closing"), [("[", "]"), ("{a: ", "}")])
def test_deep_nesting_is_refused_without_recursion_error(opening, closing, tmp_path):
    text = f"xgen: 1\nname: {opening * 50_000}{closing * 50_000}\n"
    path = write_spec(tmp_path, text)
    result = run_xgen("render", path, tmp_path)
    assert_refused(
        result.stderr, result.returncode, "nested more than 64 levels", where=f"{path}:2:"
    )


def test_deep_block_nesting_is_refused(tmp_path, runner):
    text = "xgen: 1\nname:\n" + "".join(" " * i + "-\n" for i in range(0, 400, 2))
    _, result = render_text(runner, tmp_path, text)
    assert_refused(result.stderr, result.exit_code, "nested more than 64 levels")


def test_ordinary_nesting_is_well_within_the_limit(tmp_path, runner):
    condition = "{StringEquals: {aws:PrincipalTag/team: [ml, [x]]}}"
    statement = f'{{Effect: Allow, Principal: "*", Action: s3:ListBucket, Condition: {condition}}}'
    _, result = render_text(runner, tmp_path, with_statements(f"[{statement}]"))
    assert result.exit_code == 0, result.stderr


TAGS = {
    # id: (value of `name`, words)
    "int": ("!!int foo", "'foo' is not a valid !!int"),
    "float": ("!!float .", "'.' is not a valid !!float"),
    "bool": ("!!bool maybe", "'maybe' is not a valid !!bool"),
    "huge int": ("9" * 5000, "is not a valid !!int"),
    "timestamp": ("!!timestamp foo", "tag !!timestamp is not allowed"),
    "valid timestamp": ("!!timestamp 2024-01-01", "tag !!timestamp is not allowed"),
    "binary": ("!!binary aGVsbG8=", "tag !!binary is not allowed"),
    "set": ("!!set {a: null}", "tag !!set is not allowed"),
    "omap": ("!!omap [a: 1]", "tag !!omap is not allowed"),
    "python object": ("!!python/object:os.system foo", "tag !!python/object:os.system"),
    "python apply": (
        '!!python/object/apply:os.system ["touch pwned"]',
        "tag !!python/object/apply:os.system",
    ),
    "python name": ("!!python/name:os.system ''", "tag !!python/name:os.system"),
    "local tag": ("!secret foo", "tag !secret is not allowed"),
    "verbatim tag": ("!<tag:example.com,2024:x> foo", "tag tag:example.com,2024:x"),
}


@pytest.mark.parametrize("case", list(TAGS), ids=list(TAGS))
def test_a_tag_outside_json_or_a_value_its_tag_cannot_read_is_refused(case, tmp_path, runner):
    value, words = TAGS[case]
    text = SPEC_TEXT.replace("name: linear-learner", f"name: {value}")
    path, result = render_text(runner, tmp_path, text)
    line = assert_refused(result.stderr, result.exit_code, words)
    assert line.startswith(f"xgen: error: {path}:2:7: name: ")
    assert len(line) < 400
    assert not (tmp_path / "pwned").exists() and not (tmp_path / "out").exists()


STATEMENT = '{{Sid: {sid}, Effect: Allow, Principal: "*", Action: s3:ListBucket{extra}}}'


def statement(sid: str = "Keep", extra: str = "") -> str:
    return STATEMENT.format(sid=sid, extra=extra)


@pytest.mark.parametrize(
    ("value", "shown"),
    [(".nan", "'.nan'"), (".inf", "'.inf'"), ("-.Inf", "'-.Inf'"), ("1.0e+999", "'1.0e+999'")],
)
@pytest.mark.parametrize(
    "field", ["bucket_policy_statements", "key_policy_statements", "repository_policy_statements"]
)
def test_nan_and_infinity_in_a_kept_statement_are_refused_at_their_place(
    value, shown, field, tmp_path, runner
):
    extra = f", Condition: {{NumericLessThan: {{s3:max-keys: {value}}}}}"
    text = with_statements(f"[{statement(extra=extra)}]", field)
    path, result = render_text(runner, tmp_path, text)
    line = assert_refused(result.stderr, result.exit_code, f"{shown} is not a finite number")
    place = line_and_column(text, value)
    assert line.startswith(
        f"xgen: error: {path}:{place}: source.{field}[0].Condition.NumericLessThan.s3:max-keys: "
    )
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("!!set {s3:ListBucket: null}", "tag !!set is not allowed"),
        ("!!binary aGVsbG8=", "tag !!binary is not allowed"),
        ("!!timestamp 2024-01-01", "tag !!timestamp is not allowed"),
        ("!!omap [a: b]", "tag !!omap is not allowed"),
        ("!!pairs [a: b]", "tag !!pairs is not allowed"),
    ],
)
def test_non_json_values_in_a_kept_statement_are_refused_at_validation(
    value, words, tmp_path, runner
):
    text = with_statements(f"[{statement(extra=f', Resource: {value}')}]")
    path, result = render_text(runner, tmp_path, text)
    line = assert_refused(result.stderr, result.exit_code, words)
    place = line_and_column(text, value)
    assert line.startswith(
        f"xgen: error: {path}:{place}: source.bucket_policy_statements[0].Resource: "
    )


@pytest.mark.parametrize("key", ["1", "true", "null", "1.5", "[a, b]"])
def test_a_key_that_is_not_text_is_refused(key, tmp_path, runner):
    extra = f", Condition: {{StringEquals: {{{key}: x}}}}"
    text = with_statements(f"[{statement(extra=extra)}]")
    path, result = render_text(runner, tmp_path, text)
    line = assert_refused(result.stderr, result.exit_code, "not text", where=f"{path}:")
    assert "source.bucket_policy_statements[0].Condition.StringEquals: " in line


def test_unquoted_dates_are_kept_as_written(tmp_path, runner):
    # YAML 1.1 reads these as dates, which JSON cannot hold; they stay the text written.
    extra = ", Condition: {DateLessThan: {aws:CurrentTime: 2030-01-01T00:00:00Z}}"
    text = with_statements(f"[{statement(sid='2024-01-01', extra=extra)}]")
    _, result = render_text(runner, tmp_path, text)
    assert result.exit_code == 0, result.stderr
    policy = json.loads(
        next((tmp_path / "out").glob("source-*/policies/bucket-policy.json")).read_text()
    )
    kept = next(s for s in policy["Statement"] if s.get("Sid") == "2024-01-01")
    assert kept["Condition"] == {"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}}


def test_a_date_as_a_name_is_text(tmp_path, runner):
    text = SPEC_TEXT.replace("name: linear-learner", "name: 2024-01-01")
    _, result = render_text(runner, tmp_path, text)
    assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (float("nan"), "Condition.X.k is nan, not a finite number"),
        (float("-inf"), "Condition.X.k is -inf, not a finite number"),
        (datetime.date(2024, 1, 1), "Condition.X.k is of type date"),
        (datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC), "Condition.X.k is of type datetime"),
        ({"a"}, "Condition.X.k is of type set"),
        (b"x", "Condition.X.k is of type bytes"),
        ({1: "a"}, "Condition.X.k has the key 1"),
        ([1, float("inf")], "Condition.X.k[1] is inf"),
    ],
)
def test_the_model_refuses_non_json_kept_statements_too(value, words):
    # Specs built in code skip the YAML loader; the model is the backstop.
    spec = base_spec()
    spec["source"]["key_policy_statements"] = [
        {"Effect": "Allow", "Condition": {"X": {"k": value}}}
    ]
    with pytest.raises(ValidationError) as raised:
        Spec.model_validate(spec)
    assert words in str(raised.value)


@pytest.mark.parametrize("brk", ["\n", "\r", "\x0b", "\x1e", "\x85", "\u2028"])
def test_a_file_name_with_a_line_break_still_gives_one_line(brk, tmp_path, runner):
    path = tmp_path / f"sp{brk}ec.yaml"
    result = invoke(runner, "render", path, "-o", tmp_path / "out")
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1, result.stderr
