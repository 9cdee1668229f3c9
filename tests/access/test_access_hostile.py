"""Hostile input: a pull request can change a rendered folder and its manifest.

verify reads a document only if it resolves inside the rendered folder, only a regular
file and only up to 4 MiB; anything else is one line, exit 2, and what was not read is
never shown.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from accesskit import edit_json, xgen
from test_access_cli import one_line_error

SECRET = "TopSecret7f3a"  # a Sid: verify's reasons name the statements that decide
BUCKET = "source-111111111111/policies/bucket-policy.json"
KEY = "source-111111111111/policies/key-policy.json"
needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")


@pytest.fixture
def render(copy_of: Callable[[str], Path], tmp_path: Path) -> Path:
    """A render, and beside it, outside it, a policy verify would show if it read it."""
    folder = copy_of("seed-article")
    secret = json.loads((folder / BUCKET).read_text())
    for statement in secret["Statement"]:
        statement["Sid"] = SECRET
    (tmp_path / "secret.json").write_text(json.dumps(secret))
    return folder


def point_document(folder: Path, index: int, path: str) -> None:
    edit_json(folder / "xgen-manifest.json", lambda m: m["documents"][index].update(path=path))


def no_secret(result: Any) -> None:
    assert SECRET not in result.stdout + result.stderr


def verify_process(folder: Path) -> subprocess.CompletedProcess[str]:
    """`xgen verify` in a process of its own: a hang fails the test instead of wedging it."""
    script = "import sys; sys.argv[0] = 'xgen'; from generator.entry import main; main()"
    return subprocess.run(
        [sys.executable, "-c", script, "verify", str(folder)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("where", ["../secret.json", "absolute"])
@pytest.mark.parametrize("output_format", ["text", "json", "mermaid"])
def test_a_document_path_out_of_the_render_is_refused(
    render: Path, where: str, output_format: str
) -> None:
    path = str(render.parent / "secret.json") if where == "absolute" else where
    point_document(render, 0, path)
    result = xgen("verify", "--format", output_format, render)
    one_line_error(result, f"{render / 'xgen-manifest.json'}:documents[0].path: ", "(fix: ")
    no_secret(result)


def test_a_symlink_out_of_the_render_is_refused(render: Path) -> None:
    """A path the manifest may hold (inside, no `..`) that a symlink takes out of the folder."""
    (render / BUCKET).unlink()
    (render / BUCKET).symlink_to(render.parent / "secret.json")
    result = xgen("verify", render)
    one_line_error(
        result,
        f"{render / 'xgen-manifest.json'}:documents[0].path: ",
        f"'{BUCKET}' resolves outside the rendered folder; not read",
        "(fix: ",
    )
    no_secret(result)
    (render / BUCKET).unlink()
    (render / "source-111111111111" / "policies").rename(render.parent / "policies")
    (render / "source-111111111111" / "policies").symlink_to(render.parent / "policies")
    one_line_error(xgen("verify", render), "documents[0].path: ", "resolves outside")


def test_a_symlink_within_the_render_is_read(render: Path) -> None:
    moved = render / "source-111111111111" / "bucket-policy.json"
    (render / BUCKET).rename(moved)
    (render / BUCKET).symlink_to(moved)
    assert xgen("verify", render).exit_code == 0


@needs_fifo
def test_fifos_and_huge_files_are_refused(render: Path) -> None:
    (render / BUCKET).unlink()
    os.mkfifo(render / BUCKET)
    result = verify_process(render)
    assert result.returncode == 2
    assert result.stderr == (
        f"xgen: error: {render / BUCKET}: cannot read: not a regular file (a FIFO) "
        "(fix: render the folder again with `xgen render SPEC -o DIR`)\n"
    )
    (render / BUCKET).unlink()
    with open(render / BUCKET, "wb") as huge:  # sparse: over the limit, costs no disk
        huge.truncate(4 * 1024 * 1024 + 1)
    one_line_error(xgen("verify", render), BUCKET, "cannot read: 4.1 MiB is over the 4 MiB limit")
    (render / "xgen-manifest.json").unlink()
    os.mkfifo(render / "xgen-manifest.json")
    result = verify_process(render)
    assert result.returncode == 2
    assert "xgen-manifest.json: cannot read: not a regular file (a FIFO)" in result.stderr


def test_json_nested_too_deeply_is_one_line(render: Path) -> None:
    (render / KEY).write_text("[" * 100_000 + "]" * 100_000)
    one_line_error(xgen("verify", render), KEY, "nested too deeply")


@pytest.mark.parametrize("output_format", ["text", "json", "mermaid"])
def test_a_lone_surrogate_in_a_sid_prints_escaped(render: Path, output_format: str) -> None:
    text = (render / BUCKET).read_text()
    body = json.loads(text)
    body["Statement"][0]["Sid"] = "Sid\ud800"
    (render / BUCKET).write_text(json.dumps(body))  # ASCII: the JSON escape "\ud800"
    result = xgen("verify", "--format", output_format, render)
    assert result.exit_code == 0, result.stderr
    result.stdout.encode("utf-8")  # strict: nothing unencodable reached the output
    if output_format == "text":
        assert "bucket-policy.json Sid\\ud800: Allow" in result.stdout
    if output_format == "json":
        reasons = [r for c in json.loads(result.stdout)["checks"] for r in c["reasons"]]
        assert any("Sid\\ud800" in reason for reason in reasons)
