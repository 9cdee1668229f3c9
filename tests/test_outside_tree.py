"""A spec or policy that is a symlink out of its repository is refused unread.

A committed `spec.yaml -> ~/.aws/credentials` (or any file outside) used to be parsed,
and the error quoted it (`unknown field 'aws_secret_access_key'`, `spec version 'x'`).
Now it is never opened: one line naming the link, exit 2, nothing of its content.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from generator.cli import app
from tests.conftest import SEED_SPEC

SECRET = "hunter2TopSecret"
CONTENTS = [
    f"xgen: {SECRET}\n",  # echoed as the spec version
    f"{SECRET}: 1\n",  # echoed as an unknown field
    f'{{"auths": {{"{SECRET}": {{}}}}}}\n',  # docker's config.json
    f"[default]\naws_secret_access_key = {SECRET}\n",
    f"{SECRET}\n",
]


def run(cwd: Path, *args: str | Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    monkeypatch.chdir(cwd)
    result = CliRunner().invoke(app, [str(a) for a in args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout + result.stderr


def commands(spec: str) -> list[list[str]]:
    return [
        ["render", spec, "-o", "out"],
        ["render", spec, "--check"],
        ["audit", spec, "-q"],
        ["lint", "--spec", spec, "p.json"],
    ]


@pytest.mark.parametrize("content", CONTENTS)
@pytest.mark.parametrize("how", ["absolute", "relative", "chained"])
@pytest.mark.parametrize("repository", [True, False], ids=["in a repository", "outside any"])
def test_a_spec_linked_outside_its_tree_is_never_read(
    tmp_path, monkeypatch, content, how, repository
):
    outside = tmp_path / "home" / ".aws" / "credentials"
    outside.parent.mkdir(parents=True)
    outside.write_text(content)
    repo = tmp_path / "repo"
    (repo / "deploy").mkdir(parents=True)
    if repository:
        (repo / ".git").mkdir()
    (repo / "deploy" / "p.json").write_text("{}")
    link = repo / "deploy" / "spec.yaml"
    if how == "absolute":
        link.symlink_to(outside)
    elif how == "relative":
        link.symlink_to(os.path.relpath(outside, link.parent))
    else:  # a link to a link in the repository that leads out
        (repo / "deploy" / "hop.yaml").symlink_to(outside)
        link.symlink_to("hop.yaml")
    for args in commands("spec.yaml"):
        code, output = run(repo / "deploy", *args, monkeypatch=monkeypatch)
        assert code == 2, (args, output)
        assert SECRET not in output and "aws_secret" not in output and "auths" not in output
        assert "spec.yaml: cannot read spec: it is a symbolic link to " in output
        assert "outside the repository holding it; not read" in output
        assert len(output.strip().splitlines()) == 1
    assert not (repo / "deploy" / "out").exists()


def test_a_spec_linked_inside_its_repository_is_read(tmp_path, monkeypatch):
    repo = tmp_path / "repo"
    (repo / "specs").mkdir(parents=True)
    (repo / ".git").mkdir()
    shutil.copy(SEED_SPEC, repo / "specs" / "seed.yaml")
    (repo / "deploy").mkdir()
    (repo / "deploy" / "spec.yaml").symlink_to("../specs/seed.yaml")
    code, output = run(repo / "deploy", "render", "spec.yaml", "-o", "out", monkeypatch=monkeypatch)
    assert code == 0, output
    # named on the command line, a file outside is the user's choice: read
    code, output = run(
        tmp_path, "render", repo / "specs" / "seed.yaml", "-o", "o2", monkeypatch=monkeypatch
    )
    assert code == 0, output


@pytest.mark.parametrize("repository", [True, False], ids=["in a repository", "outside any"])
def test_a_named_policy_linked_outside_its_tree_is_never_read(tmp_path, monkeypatch, repository):
    """The pre-commit case: a committed `policy.json -> ~/.docker/config.json` is named."""
    outside = tmp_path / "home" / "policy.json"
    outside.parent.mkdir()
    statement = {"Sid": SECRET, "Effect": "Allow", "Principal": "*", "Action": "s3:*"}
    outside.write_text(json.dumps({"Version": "2012-10-17", "Statement": [statement]}))
    repo = tmp_path / "repo"
    repo.mkdir()
    if repository:
        (repo / ".git").mkdir()
    (repo / "policy.json").symlink_to(outside)
    code, output = run(repo, "lint", "--no-cache", "policy.json", monkeypatch=monkeypatch)
    assert code == 2 and SECRET not in output
    assert "policy.json: cannot read policy: symlink resolves outside the repository root" in output
    code, output = run(tmp_path, "lint", "--no-cache", outside, monkeypatch=monkeypatch)
    assert code == 1  # the file itself, named: the user's choice, read
