"""Lint's configuration from hostile places and with hostile values.

A `.xgen.toml` planted above the repository (a shared temporary folder, a home folder)
must not silence the repository's findings, and any value in a config file is either
used or refused in one line (exit 2), never a traceback.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lintkit import BAD
from typer.testing import CliRunner

from generator.cli import app
from generator.errors import InputError
from generator.lint.config import load_config
from generator.lint.findings import Severity

# What a planted config would say to turn those findings off.
PLANTED = 'fail-on = "error"\nignore = [{ rule = "ALL", path = "*", reason = "planted" }]\n'


def lint_in(cwd: Path, *args: str, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    monkeypatch.chdir(cwd)
    result = CliRunner().invoke(app, ["lint", "--no-cache", "--format", "json", *args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout + result.stderr


def _ignore_everything(folder: Path, rules: list[str]) -> None:
    text = PLANTED.replace('"ALL"', json.dumps(rules))
    (folder / ".xgen.toml").write_text(text)


def _rules_of(output: str) -> list[str]:
    return sorted({f["rule"] for f in json.loads(output)["findings"]})


@pytest.mark.parametrize("inside", [True, False], ids=["in a repository", "outside any"])
def test_a_config_above_the_repository_or_the_current_folder_is_never_read(
    tmp_path, monkeypatch, inside
):
    work = tmp_path / "shared" / "repo" / "sub"
    work.mkdir(parents=True)
    if inside:
        (tmp_path / "shared" / "repo" / ".git").mkdir()
    (work / "bad.json").write_text(json.dumps(BAD))
    code, output = lint_in(work, "bad.json", monkeypatch=monkeypatch)
    assert code == 1
    rules = _rules_of(output)
    above = [tmp_path, tmp_path / "shared"]
    if not inside:  # outside a repository only the starting folder counts
        above.append(tmp_path / "shared" / "repo")
    for planted in above:
        _ignore_everything(planted, rules)
    code, output = lint_in(work, "bad.json", monkeypatch=monkeypatch)
    assert (code, _rules_of(output)) == (1, rules)
    # the repository's own config (or, outside one, the current folder's) still applies
    _ignore_everything(tmp_path / "shared" / "repo" if inside else work, rules)
    code, output = lint_in(work, "bad.json", monkeypatch=monkeypatch)
    assert code == 0, output


MALFORMED = {
    "severity = 5": ("[tool.xgen]\nseverity = 5\n", "severity must be a table"),
    "[[tool]]": ("[[tool]]\nxgen = 1\n", "[tool] must be a table"),
    "tool = 1": ("tool = 1\n", "[tool] must be a table"),
    "severity level 5": ("[tool.xgen]\nseverity = { XG001 = 5 }\n", "must be a level name"),
    "fail-on = 1": ('[tool.xgen]\n"fail-on" = 1\n', "fail-on must be a level name"),
    "rule = 5": ("[tool.xgen]\nignore = [{ rule = 5 }]\n", "rule must be a rule id"),
    "ignore = 'x'": ("[tool.xgen]\nignore = 'x'\n", "ignore must be a list of tables"),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_a_malformed_config_value_is_one_line_and_exit_2(tmp_path, monkeypatch, case):
    text, why = MALFORMED[case]
    (tmp_path / ".xgen.toml").write_text(text)
    (tmp_path / "bad.json").write_text(json.dumps(BAD))
    code, output = lint_in(tmp_path, "bad.json", monkeypatch=monkeypatch)
    assert code == 2, output
    assert len(output.strip().splitlines()) == 1, output
    assert output.startswith("xgen: error: ") and why in output and ".xgen.toml" in output


def _toml(value: object) -> str:
    """`value` as a TOML inline value (keys are bare words)."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + "}"
    return repr(value)


KEYS = st.sampled_from(["rule", "path", "reason", "XG001", "xg020", "error", "x"])
VALUES = st.recursive(
    st.booleans()
    | st.integers(-5, 5)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(["error", "warning", "info", "XG001", "*", ""])
    | st.text(st.characters(codec="utf-8", categories=["L", "N", "P", "Zs"]), max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(KEYS, children, max_size=3),
    max_leaves=12,
)


@given(
    header=st.sampled_from(["[tool.xgen]", "[[tool]]", "[tool]", ""]),
    entries=st.dictionaries(st.sampled_from(["severity", "ignore", '"fail-on"', "xgen"]), VALUES),
)
def test_any_config_value_is_used_or_refused_in_one_line(header, entries):
    text = header + "\n" + "".join(f"{k} = {_toml(v)}\n" for k, v in entries.items())
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / ".xgen.toml").write_text(text, encoding="utf-8")
        try:
            config = load_config(Path(folder))
        except InputError as error:
            assert "\n" not in str(error)
        else:
            assert all(isinstance(s, Severity) for s in config.severity.values())
