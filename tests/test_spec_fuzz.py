"""Fuzz `xgen render SPEC -o OUT`: any text or bytes as the spec ends in exit 0 or 2, never
a traceback; a refusal is exactly one `xgen: error: ` line, and nothing is written
anywhere but OUT (nor OUT itself on a refusal)."""

from __future__ import annotations

import contextlib
import tempfile
import traceback
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from generator.cli import app
from tests.conftest import BASE_SPEC

SPEC_TEXT = yaml.safe_dump(BASE_SPEC, sort_keys=False)
FUZZ = settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])


def render_bytes(data: bytes) -> None:
    """Render `data` as a spec in a fresh folder (also the working directory) and check the
    contract; each example costs a few milliseconds (a full render about 20 ms)."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        spec, out, cwd = root / "spec.yaml", root / "out", root / "cwd"
        spec.write_bytes(data)
        cwd.mkdir()
        with contextlib.chdir(cwd):
            result = CliRunner().invoke(app, ["render", str(spec), "-o", str(out)])
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            trace = "".join(traceback.format_exception(result.exception))
            raise AssertionError(f"traceback for {data!r}:\n{trace}")
        assert result.exit_code in (0, 2), (data, result.exit_code, result.output)
        if result.exit_code == 2:
            lines = result.stderr.splitlines()
            assert len(lines) == 1, (data, lines)
            assert lines[0].startswith("xgen: error: "), (data, lines)
            assert not out.exists(), data
        assert {p.name for p in root.iterdir()} <= {"spec.yaml", "out", "cwd"}, data
        assert not any(cwd.iterdir()), data


@FUZZ
@given(st.text())
def test_any_text_as_a_spec(text):
    render_bytes(text.encode("utf-8"))


@FUZZ
@given(st.binary())
def test_any_bytes_as_a_spec(data):
    render_bytes(data)


# YAML's own syntax, so that fragments reach the composer and constructor, not only the
# scanner: anchors and aliases, tags, special floats, dates, flow and block collections.
TOKENS = st.sampled_from(
    [
        "[", "]", "{", "}", ",", ": ", "- ", "? ", "\n", "\n  ", "\n    ", " ", "\t",
        "&a ", "*a", "&b ", "*b", "<<: ", "!!int ", "!!float ", "!!bool ", "!!str ",
        "!!null ", "!!timestamp ", "!!binary ", "!!set ", "!!omap ", "!!python/object:os.system ",
        "!local ", ".nan", ".inf", "-.inf", "1.0e+999", "2024-01-01", "2001-12-14t21:59:43Z",
        "0x1f", "0o17", "017", "1_000", "yes", "off", "~", "null", "=", "'", '"', "|", ">",
        "#", "---", "...", "%YAML 1.1\n", "Effect", "Allow", "Sid", "x",
        "\x00", "\x85", "\u2028", "\ufeff",
    ]
)  # fmt: skip
FRAGMENT = st.lists(TOKENS | st.text(max_size=3), max_size=30).map("".join)
VALUE_LINES = [i for i, line in enumerate(SPEC_TEXT.splitlines()) if ": " in line]


@st.composite
def spliced_spec(draw) -> str:
    """The valid base spec with one value, or a kept statement, replaced by a fragment."""
    lines = SPEC_TEXT.splitlines()
    fragment = draw(FRAGMENT)
    if draw(st.booleans()):
        index = draw(st.sampled_from(VALUE_LINES))
        key = lines[index].split(": ", 1)[0]
        lines[index] = f"{key}: {fragment}"
    else:
        at = lines.index("  image: " + BASE_SPEC["source"]["image"])
        statement = f'{{Effect: Allow, Principal: "*", Action: s3:ListBucket, Sid: {fragment}}}'
        lines.insert(at, f"  bucket_policy_statements: [{statement}]")
    return "\n".join(lines) + "\n"


@FUZZ
@given(spliced_spec())
def test_a_valid_spec_with_a_yaml_fragment_spliced_in(text):
    render_bytes(text.encode("utf-8"))
