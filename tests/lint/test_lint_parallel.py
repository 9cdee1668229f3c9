"""A large run linted over several processes (`lint/parallel.py`) reports exactly what one
process does, whatever its children do, and keeps the result cache as one process would.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from generator.lint import engine, parallel
from generator.lint.cache import ResultCache
from generator.lint.config import Config
from generator.lint.engine import Result, lint

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="forks on Linux only")


def statement(i: int) -> dict[str, object]:
    """Every fourth file a finding (XG020), every seventh a wildcard object (XG010)."""
    resource = f"arn:aws:s3:::bucket-{i}/" + ("models/*" if i % 7 == 0 else "model.tar.gz")
    found: dict[str, object] = {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{222222222222 + i:012d}:root"},
        "Action": "s3:GetObject",
        "Resource": resource,
    }
    if i % 4:
        role = f"arn:aws:iam::{222222222222 + i:012d}:role/R"
        found["Condition"] = {"StringEquals": {"aws:PrincipalArn": role}}
    return found


def make_tree(folder: Path, files: int) -> Path:
    """Policies with findings, repeated keys, an unreadable file and JSON that is no policy."""
    folder.mkdir()
    for i in range(files):
        text = json.dumps({"Version": "2012-10-17", "Statement": [statement(i)]}, indent=2)
        if i % 50 == 0:  # a key given twice: XG060
            text = text.replace('"Effect": "Allow",', '"Effect": "Allow", "Effect": "Allow",')
        (folder / f"policy-{i:04d}.json").write_text(text)
    (folder / "broken.json").write_text('{"Statement": [')
    (folder / "package.json").write_text('{"name": "x" // a comment\n}')
    return folder


def shown(result: Result) -> tuple:
    findings = [(f.file, f.line, f.col, f.rule, f.severity, f.message) for f in result.findings]
    return findings, result.errors, result.notes, result.documents, result.suppressed


@pytest.fixture(autouse=True)
def _split_as_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    """As many processes as a test asks for, however many CPUs this machine has: on one
    CPU every run would otherwise be linted in one process and no test here could fail."""
    monkeypatch.setattr(engine, "parallel_processes", lambda files: parallel.MAX_PROCESSES)


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tree(tmp_path_factory.mktemp("parallel") / "policies", 260)


def test_the_run_is_split_only_where_it_pays() -> None:
    assert parallel.processes(parallel.MIN_FILES - 1) == 1
    cpus = len(os.sched_getaffinity(0))
    assert parallel.processes(10_000) == min(cpus, parallel.MAX_PROCESSES)
    assert parallel.processes(parallel.MIN_FILES) == min(cpus, 2)


@pytest.mark.parametrize("processes", [2, 3, 8])
def test_several_processes_report_what_one_does(tree: Path, processes: int) -> None:
    config = Config(root=tree.parent)
    alone = lint([tree], config=config, processes=1)
    split = lint([tree], config=config, processes=processes)
    assert shown(split) == shown(alone)
    assert {f.rule for f in alone.findings} >= {"XG010", "XG020", "XG060"}
    assert alone.errors and alone.notes and alone.documents == 260


def test_a_child_that_fails_costs_only_time(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Children are forks of this process: making `encode` fail there makes every child
    exit with an error, and the parent lints their chunks itself."""
    config = Config(root=tree.parent)
    expected = shown(lint([tree], config=config, processes=1))
    parent = os.getpid()

    def failing(result: object) -> object:
        if os.getpid() != parent:
            raise MemoryError
        return real(result)

    real = parallel.encode
    monkeypatch.setattr(parallel, "encode", failing)
    assert shown(lint([tree], config=config, processes=4)) == expected


def test_a_child_killed_midway_costs_only_time(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = Config(root=tree.parent)
    expected = shown(lint([tree], config=config, processes=1))
    parent = os.getpid()
    real = parallel.marshal.dumps

    def killed(value: object) -> bytes:
        if os.getpid() != parent:
            os.kill(os.getpid(), 9)
        return real(value)

    monkeypatch.setattr(parallel.marshal, "dumps", killed)
    assert shown(lint([tree], config=config, processes=4)) == expected


def test_the_cache_keeps_what_the_children_linted(
    tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XGEN_CACHE_DIR", str(tmp_path / "cache"))
    config = Config(root=tree.parent)
    cold = lint([tree], config=config, cache=ResultCache(tree.parent), processes=4)
    store = ResultCache(tree.parent)
    assert len(store.entries) == 262  # every file, with its read error or note
    warm = lint([tree], config=config, cache=store, processes=4)
    assert shown(warm) == shown(cold)
    assert store.added == 0
