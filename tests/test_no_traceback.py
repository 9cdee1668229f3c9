"""Faults that used to end in a traceback: one line and exit 2, or a quiet exit.

A reader that goes away (`xgen lint . | head`), a committed render that holds symlinks
under `xgen diff --against`, a `--against` ref that is an option of git's.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from generator.cli import app
from tests.conftest import EXAMPLES, ROOT

ENTRY = "import sys; sys.argv[0] = 'xgen'; from generator.entry import main; main()"
RENDERED = EXAMPLES / "multi-account" / "rendered"


def run(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["lint", "--no-cache", "examples"],
        ["lint", "--no-cache", "--format", "sarif", "examples"],
        ["lint", "--no-cache", "--format", "json", "examples"],
        ["schema"],
        ["rules"],
        ["verify", str(RENDERED)],
    ],
    ids=lambda a: " ".join(a[:3]),
)
def test_a_closed_pipe_ends_the_command_quietly(args):
    """Like `xgen ... | head`, with the reader gone before anything is written."""
    reader, writer = os.pipe()
    os.close(reader)
    try:
        done = subprocess.run(
            [sys.executable, "-c", ENTRY, *args],
            check=False,
            cwd=ROOT,
            stdout=writer,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    finally:
        os.close(writer)
    assert done.stderr == ""
    assert done.returncode == 1


def git(repo: Path, *args: str) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@e",
        "GIT_COMMITTER_NAME": "t",
    }
    env["GIT_COMMITTER_EMAIL"] = "t@e"
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(RENDERED, repo / "rendered")
    git(repo, "init", "-q")
    return repo


LINKS = {
    "outside, relative": "../../../../etc/passwd",
    "outside, absolute": "/etc/passwd",
    "inside": "key-policy.json",
}


@pytest.mark.parametrize("case", list(LINKS))
def test_a_committed_render_holding_a_symlink_is_one_line_under_diff_against(
    repo, monkeypatch, case
):
    link = repo / "rendered" / "source-111111111111" / "policies" / "bucket-policy.json"
    link.unlink()
    link.symlink_to(LINKS[case])
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "a render with a symlink")
    monkeypatch.chdir(repo)
    code, stdout, stderr = run("diff", "--against", "HEAD", "rendered")
    assert "Traceback" not in stderr
    if case == "inside":  # a link inside the folder reads like the file: no crash either way
        assert code in (0, 1, 2)
    else:
        assert code == 2, stdout + stderr
        assert len(stderr.strip().splitlines()) == 1
        assert "bucket-policy.json" in stderr and "outside" in stderr
    assert "root:" not in stdout + stderr  # the content of /etc/passwd never shows


@pytest.mark.parametrize("ref", ["--output=/tmp/xgen-pwned.tar", "-h", "--help", "-o"])
def test_a_ref_that_is_an_option_of_git_is_refused(repo, monkeypatch, ref):
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "render")
    monkeypatch.chdir(repo)
    code, _, stderr = run("diff", "--against", ref, "rendered")
    assert code == 2 and f"{ref!r} is not a commit" in stderr
    assert not Path("/tmp/xgen-pwned.tar").exists()


@pytest.mark.parametrize(
    "args",
    [["lint", "policy.json"], ["lint", "--no-cache", "policy.json"], ["render", "spec.yaml"]],
    ids=" ".join,
)
def test_a_current_folder_deleted_under_the_shell_is_one_line(tmp_path: Path, args):
    """`cd build && rm -rf ../build && xgen lint ...`: Python cannot say where it runs."""
    gone = tmp_path / "gone"
    gone.mkdir()
    script = f"import os; os.chdir({str(gone)!r}); os.rmdir({str(gone)!r}); {ENTRY}"
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr == (
        "xgen: error: the current folder no longer exists "
        "(fix: cd to a folder that exists and run again)\n"
    )
