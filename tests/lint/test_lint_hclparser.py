"""The pickled python-hcl2 parser parses as python-hcl2 does, and a bad pickle rebuilds."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import hcl2
import pytest
from hcl2.utils import SerializationOptions
from lintkit import EXAMPLES, ROOT
from test_lint_inputs import TF

from generator.lint.sources import hclparser
from generator.lint.sources.terraform import _parse

OPTIONS = SerializationOptions(
    with_comments=False, explicit_blocks=False, preserve_heredocs=False, strip_string_quotes=True
)


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("XGEN_CACHE_DIR", str(tmp_path))
    hclparser.parser.cache_clear()
    yield
    hclparser.parser.cache_clear()


def test_parses_as_hcl2_does_from_a_fresh_and_a_pickled_parser(tmp_path: Path) -> None:
    texts = [TF] + [p.read_text() for p in sorted(EXAMPLES.glob("*/rendered/*/main.tf"))]
    texts += [p.read_text() for p in sorted((ROOT / "modules").glob("*/*.tf"))]
    expected = [hcl2.loads(text, serialization_options=OPTIONS) for text in texts]
    assert [_parse(text) for text in texts] == expected  # built, and pickled
    assert len(list(tmp_path.glob("hcl2-parser-*.pickle"))) == 1
    hclparser.parser.cache_clear()
    assert [_parse(text) for text in texts] == expected  # loaded from the pickle


def test_an_unreadable_pickle_is_rebuilt(tmp_path: Path) -> None:
    hclparser.parser()
    (pickled,) = tmp_path.glob("hcl2-parser-*.pickle")
    pickled.write_bytes(b"not a pickle")
    hclparser.parser.cache_clear()
    assert _parse('a = "b"\n') == {"a": "b"}
    assert pickled.read_bytes() != b"not a pickle"
