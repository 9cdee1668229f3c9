"""Hostile spec input: whatever the path or the bytes, every spec command ends with exit 0
or 2, never a traceback or a hang, and a refusal is one line naming the place and the fix."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import BASE_SPEC, invoke, write_spec

# The console script, in a child process: a regression that blocks (a FIFO, an alias loop)
# fails the test at the timeout instead of hanging the suite.
XGEN = [sys.executable, "-c", "from generator.entry import main; main()"]
TIMEOUT = 60
COMMANDS = {
    "render": ["render", "{spec}", "-o", "{out}"],
    "audit": ["audit", "{spec}"],
    "lint --spec": ["lint", "--no-cache", "--spec", "{spec}", "{policy}"],
}


def run_xgen(command: str, spec: Path | str, tmp_path: Path) -> subprocess.CompletedProcess:
    policy = tmp_path / "policy.json"
    policy.write_text('{"Version": "2012-10-17", "Statement": []}', encoding="utf-8")
    args = [a.format(spec=spec, out=tmp_path / "out", policy=policy) for a in COMMANDS[command]]
    # No AWS access: audit must fail on the spec before it would call anything.
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
