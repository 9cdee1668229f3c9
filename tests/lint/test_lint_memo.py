"""The warm path (`lint/memo.py`): a run nothing it looked at has changed since is printed
again without lint's code being imported, and any change it depends on is seen.

Every case runs the real console script. Whether a run was replayed is read from Python's
own import log (`-X importtime`): a replayed run never imports `generator.lint.engine`.
A run is memoised only when what it read is older than `RACY_NS`, so the trees are made
once for the module and left to age (one wait for all cases).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.lint import memo

XGEN = Path(sys.executable).parent / "xgen"
CASES = (
    "replay",
    "edit",
    "new-file",
    "config",
    "file-target",
    "manifest",
    "formats",
    "no-cache",
    "damaged",
    "at-once",
    "parallel",
    "missing-target",
    "symlink",
)
MANY = 240  # enough files for the run to be split over processes (`parallel.MIN_FILES`)


def policy(action: str, account: str = "222222222222") -> str:
    """A bucket policy granting another account `action` on one object, no PrincipalArn
    condition: XG020 (a warning), so the run exits 1."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                    "Action": action,
                    "Resource": "arn:aws:s3:::bucket/model/model.tar.gz",
                }
            ],
        },
        indent=2,
    )


TF = """\
resource "aws_s3_bucket_policy" "artifact" {
  bucket = "bucket"
  policy = file("${path.module}/policies/bucket.json")
}
"""


class Run(NamedTuple):
    code: int
    out: str
    err: str
    replayed: bool


def xgen(repo: Path, *args: str) -> Run:
    """`xgen lint ARGS` from `repo`, its cache beside the repository (not inside it)."""
    env = {**os.environ, "XGEN_CACHE_DIR": str(repo.parent / "cache")}
    env.pop("NO_COLOR", None)
    done = subprocess.run(
        [sys.executable, "-X", "importtime", str(XGEN), "lint", *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    lines = done.stderr.splitlines()
    imported = {line.rsplit("|", 1)[-1].strip() for line in lines if line.startswith("import ")}
    err = "\n".join(line for line in lines if not line.startswith("import time:"))
    return Run(done.returncode, done.stdout, err, "generator.lint.engine" not in imported)


def make_repo(repo: Path) -> None:
    (repo / ".git").mkdir(parents=True)
    (repo / "policies" / "team").mkdir(parents=True)
    (repo / "policies" / "team" / "bucket.json").write_text(policy("s3:GetObject"))
    (repo / "terraform").mkdir()
    (repo / "terraform" / "policies").mkdir()
    (repo / "terraform" / "main.tf").write_text(TF)
    (repo / "terraform" / "policies" / "bucket.json").write_text(policy("s3:GetObject"))


@pytest.fixture(scope="module")
def aged(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A repository per case, older than `RACY_NS` by the time the cases run."""
    base = tmp_path_factory.mktemp("memo")
    repos = {case: base / case / "repo" for case in CASES}
    for repo in repos.values():
        make_repo(repo)
    later = repos["missing-target"] / "terraform" / "main.tf"
    later.write_text(TF.replace("policies/bucket.json", "../shared/later.json"))
    (repos["missing-target"] / "shared").mkdir()  # not linted: never listed
    (repos["symlink"] / "links").mkdir()
    (repos["symlink"] / "links" / "p.json").symlink_to("../policies/team/bucket.json")
    (repos["symlink"] / "other.json").write_text(policy("s3:GetObject", account="333333333333"))
    for i in range(MANY):
        (repos["parallel"] / "policies" / "team" / f"p-{i:03d}.json").write_text(policy("s3:*"))
    time.sleep(memo.RACY_NS / 1e9 + 0.3)
    return repos


def settle(repo: Path, *args: str) -> Run:
    """Run twice; the second run is replayed and prints what the first did."""
    first = xgen(repo, *args)
    again = xgen(repo, *args)
    assert not first.replayed and again.replayed, (first, again)
    assert again[:3] == first[:3]
    return first


def test_a_second_run_is_replayed_exactly(aged: dict[str, Path]) -> None:
    first = settle(aged["replay"], "policies/team", "terraform")
    assert first.code == 1 and first.out.count("XG020") == 2, first


@pytest.mark.parametrize(
    "case",
    ["edit", "new-file", "config", "file-target", "manifest"],
)
def test_every_change_a_run_depends_on_is_seen(aged: dict[str, Path], case: str) -> None:
    """Each change below alters what lint reports; the run after it is not replayed and
    prints what a run without any cache does."""
    repo = aged[case]
    before = settle(repo, "policies/team", "terraform")
    if case == "edit":  # same size, same second: only the content and change time differ
        path = repo / "policies" / "team" / "bucket.json"
        stat = path.stat()
        path.write_text(policy("s3:GetObject", account="333333333333"))
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    elif case == "new-file":
        (repo / "policies" / "team" / "other.json").write_text(policy("s3:*"))
    elif case == "config":  # found by searching up from the current folder
        (repo / ".xgen.toml").write_text('[tool.xgen.severity]\nXG020 = "error"\n')
    elif case == "file-target":  # read through the .tf file's file() call
        (repo / "terraform" / "policies" / "bucket.json").write_text(policy("s3:*"))
    else:  # a manifest above a folder linted, below the current one: searched for, not listed
        (repo / "policies" / "xgen-manifest.json").write_text("{}")
    after = xgen(repo, "policies/team", "terraform")
    assert not after.replayed
    assert after[:3] == xgen(repo, "--no-cache", "policies/team", "terraform")[:3]
    assert after[:3] != before[:3]


@pytest.mark.skipif(sys.platform != "linux", reason="forks on Linux only")
def test_a_file_only_a_forked_process_read_is_seen(aged: dict[str, Path]) -> None:
    """The last files of a large run are linted by a forked process: what it opened is
    part of the memoised run."""
    repo = aged["parallel"]
    before = settle(repo, "policies/team")
    last = repo / "policies" / "team" / f"p-{MANY - 1:03d}.json"
    last.write_text(policy("s3:GetObject", account="333333333333").replace("GetObject", "*"))
    after = xgen(repo, "policies/team")
    assert not after.replayed and "333333333333" in after.out and after != before
    assert after[:3] == xgen(repo, "--no-cache", "policies/team")[:3]


def test_a_file_looked_for_but_not_opened_is_seen(aged: dict[str, Path]) -> None:
    """A `file()` target that does not exist yet is never opened: lint tells the warm
    path it looked (`xgen.look`), so writing it is seen."""
    repo = aged["missing-target"]
    before = settle(repo, "terraform")
    (repo / "shared" / "later.json").write_text(policy("s3:*"))
    after = xgen(repo, "terraform")
    assert not after.replayed and after[:3] != before[:3]
    assert after[:3] == xgen(repo, "--no-cache", "terraform")[:3]


def test_a_symlink_named_on_the_command_line_that_is_pointed_elsewhere_is_seen(
    aged: dict[str, Path],
) -> None:
    """Only what the link leads to is opened; the link's folder is where it changes."""
    repo = aged["symlink"]
    before = settle(repo, "links/p.json")
    link = repo / "links" / "p.json"
    link.unlink()
    link.symlink_to("../other.json")
    after = xgen(repo, "links/p.json")
    assert not after.replayed and "333333333333" in after.out and after[:3] != before[:3]


def test_each_command_line_is_a_run_of_its_own(aged: dict[str, Path]) -> None:
    repo = aged["formats"]
    text = settle(repo, "policies/team")
    as_json = settle(repo, "--format", "json", "policies/team")
    assert json.loads(as_json.out)["findings"][0]["rule"] == "XG020"
    assert "XG020" in text.out and text.out != as_json.out


def test_no_cache_neither_replays_nor_records(aged: dict[str, Path]) -> None:
    repo = aged["no-cache"]
    runs = [xgen(repo, "--no-cache", "policies/team") for _ in range(2)]
    assert not any(run.replayed for run in runs)
    assert not list((repo.parent / "cache").glob("lint-v*/memo/*"))
    assert xgen(repo, "policies/team")[:3] == runs[0][:3]


def test_a_run_over_files_changed_just_now_is_not_memoised(tmp_path: Path) -> None:
    """A file changed within its timestamp granularity of being read may keep its stat:
    such a run is not kept (git's racy files)."""
    repo = tmp_path / "repo"
    make_repo(repo)
    path = repo / "policies" / "team" / "bucket.json"
    recorder = memo.Recorder(["policies/team"])
    recorder.states = {str(path): memo._state(str(path))}  # the file alone
    recorder.started = path.stat().st_mtime_ns
    assert not recorder._settled()
    recorder.started += memo.FINE_RACY_NS + 1  # sub-second timestamps: a tenth of a second
    assert recorder._settled() or not _fine(repo)
    runs = [xgen(repo, "policies/team") for _ in range(2)]
    assert runs[0][:3] == runs[1][:3] and not runs[0].replayed


def _fine(repo: Path) -> bool:
    return any(p.stat().st_mtime_ns % 1_000_000_000 for p in repo.rglob("*"))


def test_a_damaged_store_is_a_miss_not_a_traceback(aged: dict[str, Path]) -> None:
    repo = aged["damaged"]
    expected = settle(repo, "policies/team")
    (store,) = (repo.parent / "cache").glob("lint-v*/memo/*")
    for damage in (b"", store.read_bytes()[:-7], b"\x00" * 100, os.urandom(4096)):
        store.write_bytes(damage)
        run = xgen(repo, "policies/team")
        assert run[:3] == expected[:3] and not run.replayed
        assert "Traceback" not in run.err


def test_runs_at_once_print_the_same_and_leave_a_store_that_replays(
    aged: dict[str, Path],
) -> None:
    repo = aged["at-once"]
    with ThreadPoolExecutor(4) as pool:
        runs = list(pool.map(lambda _: xgen(repo, "policies/team", "terraform"), range(4)))
    assert len({run[:3] for run in runs}) == 1
    assert xgen(repo, "policies/team", "terraform") == runs[0]._replace(replayed=True)


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=2048))
def test_any_bytes_in_the_store_load_as_runs_or_as_none(tmp_path_factory, data: bytes) -> None:
    """The store comes from caches others wrote (CI restores it): whatever it holds is
    read as well-formed runs or as none, never an exception."""
    path = tmp_path_factory.mktemp("store") / "memo.marshal"
    path.write_bytes(data)
    run = memo._load(str(path), ("key",))
    assert run is None or memo._well_formed(run)


@settings(max_examples=200, deadline=None)
@given(
    value=st.recursive(
        st.none() | st.integers() | st.text(max_size=5) | st.binary(max_size=5),
        lambda inner: st.tuples(inner, inner) | st.lists(inner, max_size=3).map(tuple),
        max_leaves=12,
    )
)
def test_marshalled_values_of_other_shapes_are_no_runs(tmp_path_factory, value: object) -> None:
    import marshal

    path = tmp_path_factory.mktemp("store") / "memo.marshal"
    path.write_bytes(marshal.dumps((memo.FORMAT, ("key",), value, (), 0)))
    run = memo._load(str(path), ("key",))
    assert run is None or memo._well_formed(run)
