"""`xgen lint`, `xgen rules`, `xgen explain` at the command line: formats, exit codes, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from generator.cli import app

BAD = {
    "Version": "2012-10-17",
    "Statement": {
        "Effect": "Allow",
        "Principal": {"AWS": "222222222222"},
        "Action": ["s3:*"],
        "Resource": "arn:aws:s3:::bucket/*",
    },
}
WARN_ONLY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::bucket/model.tar.gz",
        }
    ],
}


def run(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def write(folder: Path, name: str, body: object) -> Path:
    path = folder / name
    path.write_text(body if isinstance(body, str) else json.dumps(body, indent=2))
    return path


def test_text_format_is_path_line_col_id_severity_message(tmp_path: Path) -> None:
    path = write(tmp_path, "bucket.json", BAD)
    code, out, _ = run("lint", path)
    assert code == 1
    first = out.splitlines()[0]
    assert first.startswith(f"{path}:6:14: XG020 warning ")  # the principal's line
    assert f"{path}:11:17: XG011 error " in out  # the resource's
    assert "\033[" not in out  # no colour when not a terminal
    assert out.splitlines()[-1].startswith("1 documents, 3 findings (2 error, 1 warning")


def test_json_format_contract(tmp_path: Path) -> None:
    code, out, _ = run("lint", "--format", "json", write(tmp_path, "b.json", BAD))
    report = json.loads(out)
    assert code == 1
    assert set(report) == {"findings", "summary"}
    assert {"rule", "severity", "file", "line", "message", "fix"} <= set(report["findings"][0])
    assert {f["rule"] for f in report["findings"]} == {"XG011", "XG012", "XG020"}
    assert report["summary"]["error"] == 2


def test_sarif_format_contract(tmp_path: Path) -> None:
    code, out, _ = run("lint", "--format", "sarif", write(tmp_path, "b.json", BAD))
    log = json.loads(out)
    assert code == 1
    assert log["version"] == "2.1.0"
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["name"] == "xgen"
    assert {r["id"] for r in driver["rules"]} == {"XG011", "XG012", "XG020"}
    assert all(r["help"]["text"].startswith("## What it does") for r in driver["rules"])
    result = log["runs"][0]["results"][0]
    assert result["ruleId"] == driver["rules"][result["ruleIndex"]]["id"]
    assert result["level"] in ("error", "warning", "note")
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 6


@pytest.mark.parametrize(
    ("fail_on", "expected"), [(None, 1), ("warning", 1), ("error", 0), ("info", 1)]
)
def test_fail_on_sets_the_threshold(tmp_path: Path, fail_on: str | None, expected: int) -> None:
    path = write(tmp_path, "b.json", WARN_ONLY)
    args = ["lint", path] + (["--fail-on", fail_on] if fail_on else [])
    assert run(*args)[0] == expected


def test_clean_input_exits_0_and_non_policy_json_is_skipped(tmp_path: Path) -> None:
    write(tmp_path, "package.json", {"name": "x"})
    write(tmp_path, "xgen-manifest.json", {"not": "a manifest"})
    assert run("lint", tmp_path)[0] == 0
    write(tmp_path, "policy.json", WARN_ONLY)  # now the broken manifest matters
    code, _, err = run("lint", tmp_path)
    assert code == 2 and "xgen-manifest.json: cannot read policy: not an xgen manifest" in err


@pytest.mark.parametrize(
    ("content", "why"),
    [
        ('{"Statement": not json', "invalid JSON at 1:15"),
        ('{"Statement": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested too deeply"),
        ('{"Statement": [{"Effect": "Maybe"}]}', 'Effect must be "Allow" or "Deny"'),
        ('{"Statement": {"Effect": "Allow", "Action": 1}}', "Action must be a string"),
        ('{"Statement": []}', None),
    ],
)
def test_unreadable_file_is_one_line_and_others_still_linted(
    tmp_path: Path, content: str, why: str | None
) -> None:
    bad = write(tmp_path, "a.json", content)
    write(tmp_path, "b.json", BAD)
    code, out, err = run("lint", tmp_path)
    if why is None:
        assert code == 1 and err == ""
        return
    assert code == 2
    assert err.count("\n") == 1
    assert err.startswith(f"xgen: {bad}") and "cannot read policy" in err and why in err
    assert "XG012" in out  # b.json was still linted


def test_missing_path_and_bad_options_exit_2(tmp_path: Path) -> None:
    assert run("lint", tmp_path / "nope.json")[0] == 2
    path = write(tmp_path, "b.json", BAD)
    for option in (["--kind", "lambda"], ["--format", "xml"], ["--fail-on", "fatal"]):
        code, _, err = run("lint", *option, path)
        assert code == 2 and err.startswith("xgen: error:")


def test_kind_overrides_inference(tmp_path: Path) -> None:
    no_root_admin = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/model.tar.gz"}
        ],
    }
    path = write(tmp_path, "p.json", no_root_admin)
    assert run("lint", path)[0] == 0
    code, out, _ = run("lint", "--kind", "key", "--format", "json", path)
    assert code == 1 and json.loads(out)["findings"][0]["rule"] == "XG030"


def test_rules_and_explain(tmp_path: Path) -> None:
    code, out, _ = run("rules", "--format", "json")
    rules = json.loads(out)
    assert code == 0 and len(rules) == len({r["id"] for r in rules}) >= 20
    code, out, _ = run("explain", "xg020")
    assert code == 0 and out.startswith("XG020 cross-account-without-principal-arn (warning")
    assert "## Why is this bad?" in out
    assert run("explain", "kms-wildcard-cross-account")[1].startswith("XG022")
    code, _, err = run("explain", "XG999")
    assert code == 2 and "xgen rules" in err


def test_fast_path_takes_the_same_options_as_typer() -> None:
    """`xgen lint` runs through lint/argv.py (no Typer); its options must not drift."""
    import typer

    from generator.lint.argv import OPTIONS

    command = typer.main.get_command(app).commands["lint"]  # type: ignore[attr-defined]
    typer_options = {o for p in command.params for o in p.opts if o.startswith("-")}
    assert typer_options == set(OPTIONS)


def test_fast_path_exit_codes_and_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from generator.lint.argv import main

    path = write(tmp_path, "b.json", BAD)
    assert main(["--format", "json", str(path)]) == 1
    assert {f["rule"] for f in json.loads(capsys.readouterr().out)["findings"]} == {
        "XG011",
        "XG012",
        "XG020",
    }
    assert main(["--bogus", str(path)]) == 2
    assert capsys.readouterr().err.startswith("xgen: error: unrecognized arguments: --bogus")
