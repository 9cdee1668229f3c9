"""Names and values reach the terminal inert: no ESC/OSC sequence, CR or LF of theirs.

A file name, a folder name or a policy value is someone else's text. Printed raw, an OSC
sequence retitles the terminal window, a CR overwrites the line, an LF forges a report
line. Every text output escapes them (`\\x1b`, `\\r`, `\\n`), one value per line, and a SARIF
`uri` percent-encodes every byte that is not unreserved (a space included).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from urllib.parse import unquote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from generator.cli import app
from generator.lint.argv import main as lint_main
from tests.conftest import EXAMPLES, base_spec, write_spec

BAD = {
    "Version": "2012-10-17",
    "Statement": {
        "Sid": "Evil\x1b]0;pwned\x07\r\nforged.json:1:1: XG000 info clean",
        "Effect": "Allow",
        "Principal": {"AWS": "333333333333"},
        "Action": "s3:*",
        "Resource": "arn:aws:s3:::bucket/*",
    },
}
HOSTILE = ["\x1b]0;pwned\x07", "a\rb", "x\nforged.json:1:1: XG000 info ok", "\x9b31m", "\u202e"]
# Unreserved characters, `/` and percent escapes only (RFC 3986 section 2.3).
URI = re.compile(r"(?:[A-Za-z0-9._~/-]|%[0-9A-F]{2})*")


def _raw_controls(text: str) -> list[str]:
    """Control characters (but the newlines ending lines) and bidi overrides in `text`."""
    return [
        c for c in text if (c != "\n" and (ord(c) < 32 or 0x7F <= ord(c) <= 0x9F)) or c in "\u202e"
    ]


def run(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def _lint_fast_path(capsys, *args: str | Path) -> tuple[int, str, str]:
    code = lint_main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_lint_text_escapes_hostile_file_names_and_values(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    for index, name in enumerate(HOSTILE):
        (tmp_path / f"{index}{name}.json").write_text(json.dumps(BAD))
    (tmp_path / "broken\x1b[2J.json").write_text("{")  # an unreadable one: an error line
    for lint in (lambda *a: run("lint", *a), lambda *a: _lint_fast_path(capsys, *a)):
        code, out, err = lint("--no-cache", ".")
        assert code == 2
        assert _raw_controls(out + err) == []
        assert "\\x1b]0;pwned\\x07" in out and "forged.json" in out
        assert not any(line.startswith("forged.json") for line in out.splitlines())
        findings = [ln for ln in out.splitlines() if re.match(r"\d", ln) and ".json:" in ln]
        assert {line[: line.index(".json")] for line in findings} == {
            "0\\x1b]0;pwned\\x07",
            "1a\\rb",
            "2x\\nforged",
            "3\\x9b31m",
            "4\\u202e",
        }
        assert "broken\\x1b[2J.json" in err and len(err.strip().splitlines()) == 1


NAMES = st.text(
    st.characters(codec="utf-8", exclude_characters="/\x00", exclude_categories=("Cs",)),
    min_size=1,
    max_size=12,
).filter(lambda n: n not in (".", ".."))


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=NAMES)
def test_any_file_name_is_one_inert_line_and_a_valid_sarif_uri(tmp_path, name):
    folder = tmp_path / "in"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    path = folder / f"{name}.json"
    try:
        path.write_text(json.dumps(BAD))
    except OSError:  # a name the file system refuses (too long in bytes)
        return
    code, out, _ = run("lint", "--no-cache", path)
    assert code == 1
    assert _raw_controls(out) == []
    assert all(line.startswith((str(folder), "    fix:")) for line in out.splitlines()[:-1])
    _, sarif, _ = run("lint", "--no-cache", "--format", "sarif", path)
    uris = {
        loc["physicalLocation"]["artifactLocation"]["uri"]
        for result in json.loads(sarif)["runs"][0]["results"]
        for loc in result["locations"]
    }
    assert uris and all(URI.fullmatch(uri) for uri in uris), uris
    assert {unquote(uri) for uri in uris} == {str(path)}


def test_render_verify_and_diff_messages_escape_folder_names(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    spec = write_spec(tmp_path, base_spec())
    out = tmp_path / "out\x1b]0;pwned\x07\nforged line"
    code, _, err = run("render", spec, "-o", out)
    # one line for what was written, then the accounts to apply (each naming the folder)
    lines = err.strip().splitlines()
    assert code == 0 and _raw_controls(err) == [] and len(lines) == 4
    assert not any(line.startswith("forged") for line in lines)
    assert "out\\x1b]0;pwned\\x07\\nforged line" in err
    code, stdout, err = run("render", spec, "-o", out, "--check")
    assert code == 0 and _raw_controls(stdout + err) == []
    code, stdout, _ = run("verify", out)
    assert code == 0 and _raw_controls(stdout) == [] and "\\x1b]0;pwned" in stdout
    old = EXAMPLES / "seed-article" / "rendered"
    code, stdout, err = run("diff", old, out)
    assert _raw_controls(stdout + err) == []
    missing = tmp_path / "gone\x1b[2J"
    code, _, err = run("verify", missing)
    assert code == 2 and _raw_controls(err) == [] and "gone\\x1b[2J" in err


def test_a_policy_value_in_a_verify_or_diff_report_is_escaped(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    old = tmp_path / "old.json"
    new = tmp_path / "new.json"
    allow = {"Effect": "Allow", "Principal": {"AWS": "333333333333"}, "Action": "s3:GetObject"}
    old.write_text(json.dumps({"Version": "2012-10-17", "Statement": []}))
    statement = {**allow, "Sid": "S\x1b]0;x\x07\nforged", "Resource": "arn:aws:s3:::b\r/k"}
    new.write_text(json.dumps({"Version": "2012-10-17", "Statement": [statement]}))
    code, stdout, err = run("diff", old, new)
    assert code == 1, stdout + err
    assert _raw_controls(stdout + err) == []
    assert not any(line.startswith("forged") for line in stdout.splitlines())
