"""Render against hostile folders: planted manifests, symlinks, special files, kills, races.

xgen runs in pre-commit and CI on files other people wrote. Whatever the output folder
holds, a render writes, replaces and deletes only what it rendered inside that folder,
never through a symlink, and a reader always finds exactly one complete render.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator import atomic, output
from generator.manifest import MANIFEST
from generator.ownership import is_companion
from generator.render import render
from generator.spec import load_spec
from tests.conftest import ROOT, base_spec, invoke, write_spec

SOURCE = "source-111111111111"
ENTRY = "from generator.entry import main; main()"  # the console script, without installing it
TARGET = "target-prod-222222222222"


@pytest.fixture
def spec_path(tmp_path) -> Path:
    return write_spec(tmp_path, base_spec())


def _files(folder: Path) -> dict[str, bytes]:
    """The render's own files in `folder` (Terraform's working files left out)."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file() and not is_companion(p.relative_to(folder).as_posix())
    }


def _render_of(spec_path: Path) -> dict[str, bytes]:
    return render(load_spec(spec_path)).files


def _two_versions(tmp_path: Path) -> tuple[Path, Path]:
    """Two specs of one deployment (so either may replace the other without --force)."""
    first = write_spec(tmp_path, base_spec(), "a.yaml")
    spec = base_spec()
    spec["targets"][0]["instance_count"] = 7
    spec["tags"] = {"version": "b"}
    return first, write_spec(tmp_path, spec, "b.yaml")


def test_a_planted_manifest_cannot_delete_a_file_outside_the_folder(tmp_path, runner, spec_path):
    out = tmp_path / "out"
    assert invoke(runner, "render", spec_path, "-o", out).exit_code == 0
    (out / SOURCE / ".terraform").mkdir()  # after `terraform init`
    (out / SOURCE / "terraform.tfstate").write_text("{}")
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    digest = hashlib.sha256(b"precious").hexdigest()
    for planted in ("../victim.txt", str(victim), f"{SOURCE}/../../victim.txt"):
        manifest = json.loads((out / MANIFEST).read_text())
        manifest["files"].append({"path": planted, "sha256": digest})
        (out / MANIFEST).write_text(json.dumps(manifest))
        result = invoke(runner, "render", spec_path, "-o", out)
        assert result.exit_code == 2, planted
        assert "is not a path inside the render's folder" in result.stderr
        assert victim.read_text() == "precious"
        check = invoke(runner, "render", spec_path, "-o", out, "--check")
        assert check.exit_code == 2 and "victim" not in check.stdout


def test_force_never_writes_through_a_symlinked_subfolder(tmp_path, runner, spec_path):
    out = tmp_path / "out"
    assert invoke(runner, "render", spec_path, "-o", out).exit_code == 0
    elsewhere = tmp_path / "elsewhere"
    shutil.move(out / TARGET, elsewhere)
    (elsewhere / "main.tf").write_text("# theirs\n")
    (out / TARGET).symlink_to(elsewhere, target_is_directory=True)
    before = {p.name: p.read_bytes() for p in elsewhere.rglob("*") if p.is_file()}

    refused = invoke(runner, "render", spec_path, "-o", out)
    assert refused.exit_code == 2
    assert f"{TARGET} (a symlink)" in refused.stderr

    forced = invoke(runner, "render", spec_path, "-o", out, "--force")
    assert forced.exit_code == 0
    assert f"replaced {out / TARGET} (not xgen's, or edited since; --force)" in forced.stderr
    assert "kept" not in forced.stderr
    assert not (out / TARGET).is_symlink() and (out / TARGET / "main.tf").is_file()
    assert {p.name: p.read_bytes() for p in elsewhere.rglob("*") if p.is_file()} == before


def test_force_keeps_a_hand_edited_file_that_is_no_longer_rendered_and_says_so(tmp_path, runner):
    spec = base_spec()
    spec["targets"].append({"name": "dev", "account_id": "333333333333"})
    two = write_spec(tmp_path, spec, "two.yaml")
    out = tmp_path / "out"
    assert invoke(runner, "render", two, "-o", out).exit_code == 0
    edited = out / "target-dev-333333333333" / "main.tf"
    edited.write_text(edited.read_text() + "# my change\n")
    spec["targets"].pop()
    one = write_spec(tmp_path, spec, "one.yaml")
    result = invoke(runner, "render", one, "-o", out, "--force")
    assert result.exit_code == 0
    assert f"kept {edited} (not written by xgen)" in result.stderr
    assert edited.read_text().endswith("# my change\n")
    # the unedited files of the dropped target were xgen's: gone with the old render
    assert sorted(p.name for p in edited.parent.iterdir()) == ["main.tf"]


def test_special_files_are_never_opened_kept_or_replaced(tmp_path, runner, spec_path):
    out = tmp_path / "out"
    assert invoke(runner, "render", spec_path, "-o", out).exit_code == 0
    os.mkfifo(out / SOURCE / "pipe")
    os.remove(out / SOURCE / "main.tf")
    os.mkfifo(out / SOURCE / "main.tf")  # a FIFO where a rendered file goes
    for extra in ((), ("--force",)):
        result = invoke(runner, "render", spec_path, "-o", out, *extra)
        assert result.exit_code == 2
        assert "is a FIFO, socket or device" in result.stderr
    check = invoke(runner, "render", spec_path, "-o", out, "--check")
    assert check.exit_code == 1 and f"{SOURCE}/main.tf: differs from the render" in check.stdout


@pytest.mark.parametrize("where", [".", "..", "/"])
def test_the_current_folder_its_parents_and_the_root_are_refused(
    tmp_path, runner, monkeypatch, where
):
    spec_path = write_spec(tmp_path, base_spec())
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    for extra in ((), ("--check",)):
        result = invoke(runner, "render", spec_path, "-o", where, *extra)
        assert result.exit_code == 2
        assert "must be a folder of its own" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spec.yaml", "work"]


def test_a_symlink_as_output_folder_is_refused_dangling_or_not(tmp_path, runner, spec_path):
    for target in (tmp_path / "missing", tmp_path):
        link = tmp_path / f"link-to-{target.name}"
        link.symlink_to(target)
        result = invoke(runner, "render", spec_path, "-o", link)
        assert result.exit_code == 2
        assert "the output folder is a symlink" in result.stderr
    assert not (tmp_path / "missing").exists()


def test_an_unwritable_parent_is_one_line_and_nothing_changes(tmp_path, runner, spec_path):
    parent = tmp_path / "locked"
    parent.mkdir()
    if shutil.which("chattr") is None:
        pytest.skip("chattr is not installed (e2fsprogs)")
    # chattr +i makes the folder read-only even for root, as CI runs
    if subprocess.run(["chattr", "+i", parent], check=False, capture_output=True).returncode:
        pytest.skip("this file system has no immutable attribute")
    try:
        result = invoke(runner, "render", spec_path, "-o", parent / "out")
    finally:
        subprocess.run(["chattr", "-i", parent], check=True)
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert line.startswith(f"xgen: error: {parent}: cannot create the lock file")
    assert list(parent.iterdir()) == []


def test_a_file_as_the_parent_of_the_output_folder_is_one_line(tmp_path, runner, spec_path):
    (tmp_path / "plain").write_text("x")
    result = invoke(runner, "render", spec_path, "-o", tmp_path / "plain" / "out")
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert "cannot write the render" in line


# --- kill -9 and concurrency ------------------------------------------------------------------


def _start(spec: Path, out: Path) -> subprocess.Popen:
    """`xgen render SPEC -o OUT` in a process of its own (the console script's entry point)."""
    return subprocess.Popen(
        [sys.executable, "-c", ENTRY, "render", str(spec), "-o", str(out)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def _is_one_complete_render(out: Path, renders: list[dict[str, bytes]]) -> bool:
    return _files(out) in renders


def test_a_render_killed_at_any_point_leaves_one_complete_render(tmp_path):
    """With Terraform's files in the folder (state, .terraform), as after `terraform init`."""
    first, second = _two_versions(tmp_path)
    renders = [_render_of(first), _render_of(second)]
    out = tmp_path / "out"
    assert _start(first, out).wait() == 0
    state = out / TARGET / "terraform.tfstate"
    state.write_text('{"version": 4}')
    (out / TARGET / ".terraform" / "providers").mkdir(parents=True)
    started = time.monotonic()
    assert _start(second, out).wait() == 0
    full = time.monotonic() - started
    chooser = random.Random(1729)
    kills = 0
    for attempt in range(24):
        process = _start((first, second)[attempt % 2], out)
        time.sleep(chooser.uniform(0.5, 1.1) * full)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        process.wait()
        assert _is_one_complete_render(out, renders), f"attempt {attempt}"
        assert state.read_text() == '{"version": 4}'
        assert (out / TARGET / ".terraform" / "providers").is_dir()
    assert kills >= 6, "the kills should land while renders run"
    assert _start(first, out).wait() == 0
    assert _files(out) == renders[0]
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.")]
    assert leftovers == []


# Every call through which a render changes the file system (os.replace is unused).
FILE_SYSTEM_CALLS = [
    (os, "rename"),
    (os, "link"),
    (os, "symlink"),
    (os, "mkdir"),
    (os, "unlink"),
    (os, "rmdir"),
    (Path, "write_bytes"),
    (atomic, "_exchange"),
]


def _die_at_call(number: int) -> None:
    """In this (forked) process, die like `kill -9` at the `number`th file-system call."""
    calls = iter(range(1, number + 1))

    def wrap(real):
        def call(*args, **kwargs):
            if next(calls, None) == number:
                os._exit(9)  # no cleanup, no finally: as SIGKILL
            return real(*args, **kwargs)

        return call

    for owner, name in FILE_SYSTEM_CALLS:
        setattr(owner, name, wrap(getattr(owner, name)))


def test_a_render_killed_after_any_file_system_call_leaves_one_complete_render(tmp_path):
    """Exhaustive: a child process dies at call 1, 2, 3, ... until a render completes."""
    first, second = _two_versions(tmp_path)
    old, new = render(load_spec(first)), render(load_spec(second))
    out = tmp_path / "out"
    output.write(old, out)
    state = out / TARGET / "terraform.tfstate"
    state.write_text('{"version": 4}')
    number = 0
    while True:
        number += 1
        output.write(old, out)
        pid = os.fork()
        if pid == 0:  # the child renders, and dies at the chosen call
            _die_at_call(number)
            output.write(new, out)
            os._exit(0)
        _, status = os.waitpid(pid, 0)
        assert _is_one_complete_render(out, [old.files, new.files]), f"killed at call {number}"
        assert state.read_text() == '{"version": 4}', f"killed at call {number}"
        if os.WEXITSTATUS(status) == 0:
            break
    assert number > 30, "the render should make dozens of file-system calls"
    assert _files(out) == new.files
    output.write(old, out)  # and the next render clears what the killed ones left
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.yaml", "b.yaml", "out"]


def test_two_concurrent_renders_leave_one_complete_render_and_the_loser_says_why(tmp_path):
    first, second = _two_versions(tmp_path)
    renders = [_render_of(first), _render_of(second)]
    out = tmp_path / "out"
    assert _start(first, out).wait() == 0
    (out / SOURCE / "terraform.tfstate").write_text("{}")  # files are kept, not swapped away
    for _ in range(8):
        processes = [_start(first, out), _start(second, out)]
        results = [(p.wait(), p.stderr.read()) for p in processes]
        for code, stderr in results:
            assert code in (0, 2), stderr
            if code == 2:
                [line] = stderr.splitlines()
                assert line == (
                    f"xgen: error: {out}: another xgen render is writing this folder (its lock "
                    ".out.xgen-lock is held) (fix: wait for that render to finish, then run again)"
                )
        assert 0 in [code for code, _ in results]
        assert _is_one_complete_render(out, renders)
        assert (out / SOURCE / "terraform.tfstate").read_text() == "{}"


# --- fuzzing the manifest a render finds --------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=12,
)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    paths=st.lists(
        st.sampled_from(["../x", "/etc/passwd", "a/../../x", "./x", "x\\..\\y", "", "ok.txt"])
        | st.text(max_size=12),
        max_size=4,
    ),
    junk=JSON,
)
def test_any_manifest_is_refused_in_one_line_or_changes_nothing_outside(
    tmp_path_factory, runner, paths, junk
):
    base = tmp_path_factory.mktemp("fuzz")
    spec_path = write_spec(base, base_spec())
    out = base / "out"
    assert invoke(runner, "render", spec_path, "-o", out).exit_code == 0
    outside = base / "x"
    outside.write_text("keep")
    manifest = json.loads((out / MANIFEST).read_text())
    manifest["files"] += [{"path": p, "sha256": "0" * 64} for p in paths]
    manifest["junk"] = junk
    if isinstance(junk, dict):
        manifest["documents"] = junk.get("documents", manifest["documents"])
    (out / MANIFEST).write_text(json.dumps(manifest))
    result = invoke(runner, "render", spec_path, "-o", out)
    assert result.exit_code in (0, 2)
    if result.exit_code == 2:
        assert len(result.stderr.splitlines()) == 1
        assert result.stderr.startswith("xgen: error: ")
    assert outside.read_text() == "keep"
    assert sorted(p.name for p in base.iterdir()) == ["out", "spec.yaml", "x"]
    assert yaml.safe_load((out / MANIFEST).read_text())  # a manifest is always there


def test_a_fifo_or_huge_manifest_is_one_line_never_a_hang(tmp_path, runner, spec_path):
    out = tmp_path / "out"
    assert invoke(runner, "render", spec_path, "-o", out).exit_code == 0
    (out / MANIFEST).unlink()
    (out / MANIFEST).write_bytes(b'{"x": "' + b"a" * (5 * 1024 * 1024) + b'"}')
    result = invoke(runner, "render", spec_path, "-o", out)
    assert result.exit_code == 2
    assert "cannot read the previous manifest: cannot read: " in result.stderr
    assert len(result.stderr.splitlines()) == 1
    (out / MANIFEST).unlink()
    os.mkfifo(out / MANIFEST)
    for extra in ((), ("--force",)):
        result = invoke(runner, "render", spec_path, "-o", out, *extra)
        assert result.exit_code == 2
        assert f"{MANIFEST} is a FIFO, socket or device" in result.stderr
