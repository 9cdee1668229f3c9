"""The bytecode bundle (`generator/bundle.py`): `xgen lint` runs from a copy of the package,
in processes of their own, as the console script runs: the bundle is written beside the
`.pyc` files, serves the next run, and never serves a module whose source changed."""

from __future__ import annotations

import json
import marshal
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}],
}
# Runs `xgen lint`, then says where generator came from and which modules the bundle served.
SCRIPT = (
    "import sys; sys.argv = ['xgen', 'lint', '--no-cache', '--format', 'json', 'p.json']\n"
    "import generator, generator.bundle as b\n"
    "served = []\n"
    "install = b.install\n"
    "def spy():\n"
    "    bundle = install(); served.append(bundle.served); return bundle\n"
    "b.install = spy\n"
    "from generator.entry import run\n"
    "code = run()\n"
    "print(code, generator.__file__, len(served[0]), file=sys.stderr)\n"
)


@pytest.fixture
def package(tmp_path: Path) -> Path:
    """A copy of the package (no bytecode yet) and a policy to lint beside it."""
    copy = tmp_path / "site"
    shutil.copytree(
        ROOT / "generator", copy / "generator", ignore=shutil.ignore_patterns("__pycache__")
    )
    (tmp_path / "p.json").write_text(json.dumps(POLICY))
    return copy


def lint(package: Path, **env: str) -> tuple[int, int, dict]:
    """(exit code, modules the bundle served, the JSON report) of one run."""
    environ = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    environ.update(PYTHONPATH=str(package), XGEN_CACHE_DIR=str(package.parent / "cache"), **env)
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=package.parent,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    code, origin, served = result.stderr.strip().splitlines()[-1].split()
    assert origin == str(package / "generator" / "__init__.py")  # the copy, not the checkout
    return int(code), int(served), json.loads(result.stdout)


def bundle_file(package: Path) -> Path:
    return (
        package
        / "generator"
        / "__pycache__"
        / f"xgen-bundle.{sys.implementation.cache_tag}.marshal"
    )


def test_a_run_writes_the_bundle_and_the_next_is_served_from_it(package: Path) -> None:
    first = lint(package)
    assert first[0] == 1 and first[1] == 0  # nothing to serve from yet
    assert bundle_file(package).is_file()
    second = lint(package)
    assert second[1] >= 40  # the lint path's modules, each from the bundle
    assert second[0] == first[0] and second[2] == first[2]  # the same report
    modules = marshal.loads(bundle_file(package).read_bytes())[2]
    assert all(source.startswith(str(package)) for source, *_ in modules.values())
    assert oct(bundle_file(package).stat().st_mode & 0o777) == oct(
        (package / "generator" / "__init__.py").stat().st_mode & 0o666
    )


def test_an_edited_module_is_imported_from_its_source_and_the_bundle_rewritten(
    package: Path,
) -> None:
    lint(package)
    lint(package)
    report = package / "generator" / "lint" / "report.py"
    text = report.read_text()
    assert '"documents":' in text  # the JSON report's key, renamed below
    report.write_text(text.replace('"documents":', '"edited_documents":'))
    _, served, found = lint(package)
    assert "edited_documents" in found["summary"]  # the edit, not the bundle's old code
    _, served_after, again = lint(package)
    assert served_after == served + 1 and again == found  # report.py bundled again


def test_no_bundle_where_python_writes_no_bytecode(package: Path) -> None:
    lint(package, PYTHONDONTWRITEBYTECODE="1")
    lint(package, PYTHONDONTWRITEBYTECODE="1")
    assert not bundle_file(package).exists()


@pytest.mark.parametrize(
    "content",
    [b"", b"\x00garbage", marshal.dumps((1, b"\x00\x00\r\n", {})), marshal.dumps([1, 2])],
    ids=["empty", "garbage", "another-python", "not-a-bundle"],
)
def test_a_broken_bundle_is_ignored_and_replaced(package: Path, content: bytes) -> None:
    expected = lint(package)
    bundle_file(package).write_bytes(content)
    assert lint(package)[::2] == expected[::2]
    assert lint(package)[1] >= 40  # written again, and served


def test_a_bundle_entry_for_a_missing_source_is_dropped(package: Path) -> None:
    lint(package)
    version, magic, modules = marshal.loads(bundle_file(package).read_bytes())
    modules["generator.gone"] = (str(package / "generator" / "gone.py"), 0, 0, False, b"")
    modules.pop("generator.lint.report")  # so that the next run rewrites it
    bundle_file(package).write_bytes(marshal.dumps((version, magic, modules)))
    lint(package)
    assert "generator.gone" not in marshal.loads(bundle_file(package).read_bytes())[2]


def test_optimised_bytecode_has_a_bundle_of_its_own(package: Path) -> None:
    """`python -O` strips asserts from its bytecode: neither run may take the other's."""
    lint(package)
    lint(package, PYTHONOPTIMIZE="1")
    names = sorted(p.name for p in bundle_file(package).parent.glob("xgen-bundle.*"))
    tag = sys.implementation.cache_tag
    assert names == [f"xgen-bundle.{tag}.marshal", f"xgen-bundle.{tag}.opt-1.marshal"]


def test_a_bundle_others_may_write_is_not_loaded(package: Path) -> None:
    """Whoever may write the file could make lint run their code: it is not read."""
    lint(package)
    bundle_file(package).chmod(0o666)
    assert lint(package)[1] == 0
    assert lint(package)[1] >= 40  # replaced by a file only its owner may write


def test_runs_at_once_leave_one_whole_bundle(package: Path) -> None:
    """Each run writes through a temporary file renamed into place: never half a file."""
    environ = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    environ.update(PYTHONPATH=str(package), XGEN_CACHE_DIR=str(package.parent / "cache"))
    command = [sys.executable, "-c", SCRIPT]
    runs = [
        subprocess.Popen(
            command,
            cwd=package.parent,
            env=environ,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(4)
    ]
    assert [run.wait(timeout=120) for run in runs] == [0, 0, 0, 0]  # no traceback
    assert lint(package)[1] >= 40
    assert not [p for p in bundle_file(package).parent.iterdir() if p.name.startswith(".")]


def test_a_symlinked_bundle_is_not_followed(package: Path, tmp_path: Path) -> None:
    """A bundle that is a link (to a file elsewhere) is not read, and rewriting it replaces
    the link, never the file it points to."""
    lint(package)
    elsewhere = tmp_path / "elsewhere.marshal"
    elsewhere.write_bytes(bundle_file(package).read_bytes())
    bundle_file(package).unlink()
    bundle_file(package).symlink_to(elsewhere)
    before = elsewhere.read_bytes()
    assert lint(package)[1] == 0  # not read through the link
    assert not bundle_file(package).is_symlink()  # replaced by a file of its own
    assert elsewhere.read_bytes() == before
    assert lint(package)[1] >= 40
