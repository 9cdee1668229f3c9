"""The pickled python-hcl2 parser parses as python-hcl2 does; a bad pickle never runs code
or stops lint.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Iterator
from pathlib import Path

import hcl2
import lark
import pytest
from hcl2.utils import SerializationOptions
from lintkit import EXAMPLES, ROOT
from test_lint_inputs import TF
from typer.testing import CliRunner

from generator.cli import app
from generator.lint.sources import hclparser
from generator.lint.sources.tfsyntax import _parse

OPTIONS = SerializationOptions(
    with_comments=False, explicit_blocks=False, preserve_heredocs=False, strip_string_quotes=True
)


class RunsCode:
    """Unpickling this runs a shell command: what a replaced pickle could do."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return os.system, (f"touch {self.marker}",)


@pytest.fixture
def beside_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The folder the pickle is kept in (a private one), Python free to write bytecode,
    and the user cache folder elsewhere.
    """
    folder = tmp_path / "__pycache__"
    monkeypatch.setattr(hclparser, "folder", lambda: folder)
    monkeypatch.setattr("sys.dont_write_bytecode", False)
    monkeypatch.setenv("XGEN_CACHE_DIR", str(tmp_path / "user-cache"))
    hclparser.parser.cache_clear()
    yield folder
    hclparser.parser.cache_clear()


def pickled(folder: Path) -> Path:
    return folder / f"hcl2-parser-{hclparser._key()}.pickle"


def lint_tf(folder: Path) -> tuple[int, str]:
    """`xgen lint` of a .tf file with a finding, with the parser loaded afresh."""
    (folder / "main.tf").write_text(TF)
    hclparser.parser.cache_clear()
    result = CliRunner().invoke(app, ["lint", "--no-cache", str(folder / "main.tf")])
    return result.exit_code, result.stdout


def test_parses_as_hcl2_does_from_a_fresh_and_a_pickled_parser(beside_code: Path) -> None:
    texts = [TF] + [p.read_text() for p in sorted(EXAMPLES.glob("*/rendered/*/main.tf"))]
    texts += [p.read_text() for p in sorted((ROOT / "modules").glob("*/*.tf"))]
    expected = [hcl2.loads(text, serialization_options=OPTIONS) for text in texts]
    assert [_parse(text) for text in texts] == expected  # built, and pickled
    assert list(beside_code.glob("hcl2-parser-*.pickle")) == [pickled(beside_code)]
    hclparser.parser.cache_clear()
    assert [_parse(text) for text in texts] == expected  # loaded from the pickle


def test_an_unreadable_pickle_is_rebuilt(beside_code: Path) -> None:
    hclparser.parser()
    pickled(beside_code).write_bytes(b"not a pickle")
    hclparser.parser.cache_clear()
    assert _parse('a = "b"\n') == {"a": "b"}
    assert pickled(beside_code).read_bytes() != b"not a pickle"


def test_a_pickle_in_the_user_cache_folder_is_never_loaded(
    beside_code: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CI restores ~/.cache from caches other jobs wrote: nothing there is unpickled."""
    marker = tmp_path / "ran"
    cache = Path(os.environ["XGEN_CACHE_DIR"])
    cache.mkdir()
    current = hclparser.FORMAT
    for version in range(1, 4):  # the names this module used (format 1) or might use
        monkeypatch.setattr(hclparser, "FORMAT", version)
        (cache / pickled(cache).name).write_bytes(pickle.dumps(RunsCode(marker)))
    monkeypatch.setattr(hclparser, "FORMAT", current)
    code, out = lint_tf(tmp_path)
    assert code == 1 and "XG012" in out
    assert not marker.exists()


def test_a_writable_or_linked_pickle_beside_the_code_is_not_loaded(
    beside_code: Path, tmp_path: Path
) -> None:
    marker = tmp_path / "ran"
    beside_code.mkdir()
    path = pickled(beside_code)
    path.write_bytes(pickle.dumps(RunsCode(marker)))
    path.chmod(0o664)  # others of the group may replace it
    code, out = lint_tf(tmp_path)
    assert code == 1 and "XG012" in out
    assert not marker.exists()
    assert isinstance(pickle.loads(path.read_bytes()), lark.Lark)  # replaced by a parser
    assert path.stat().st_mode & 0o777 == 0o600
    elsewhere = tmp_path / "elsewhere.pickle"
    elsewhere.write_bytes(pickle.dumps(RunsCode(marker)))
    elsewhere.chmod(0o600)
    path.unlink()
    path.symlink_to(elsewhere)
    assert lint_tf(tmp_path)[0] == 1
    assert not marker.exists()


def test_a_pickle_that_is_not_a_parser_does_not_stop_lint(
    beside_code: Path, tmp_path: Path
) -> None:
    beside_code.mkdir()
    path = pickled(beside_code)
    path.write_bytes(pickle.dumps({"not": "a parser"}))
    path.chmod(0o600)
    for _ in range(2):  # and not on the next run either: it was replaced
        code, out = lint_tf(tmp_path)
        assert code == 1 and "XG012" in out
    assert isinstance(pickle.loads(path.read_bytes()), lark.Lark)


def test_nothing_is_written_where_python_writes_no_bytecode(
    beside_code: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.dont_write_bytecode", True)
    assert lint_tf(tmp_path)[0] == 1
    assert not beside_code.exists()
