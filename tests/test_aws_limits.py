"""What AWS would refuse is refused before anything is written, with the limit named.

A kept statement reaches the rendered policy verbatim: a NUL or ESC in its Sid, a lone
surrogate in a condition value, or 51 tags would fail at `terraform apply`, half applied
(or, for a surrogate, as a traceback while writing). And a policy holding NaN or Infinity
is not JSON: lint, verify and diff refuse it instead of reporting it clean.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from generator.cli import app
from tests.conftest import base_spec

KEPT = {
    "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
    "Action": "s3:GetObject",
    "Resource": "arn:aws:s3:::awsdoc-example-bucket/other/*",
}
BUCKET_POLICY = "source-111111111111/policies/bucket-policy.json"


def run(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def render_spec(folder: Path, spec: dict) -> tuple[int, str, Path]:
    """Render `spec`, written as JSON text (JSON is YAML, and its `\\u` escapes reach the
    parser as they are: a lone surrogate, a NUL, an ESC)."""
    path = folder / "spec.yaml"
    path.write_text(json.dumps(spec), encoding="ascii")
    out = folder / "out"
    code, _, err = run("render", path, "-o", out)
    return code, err, out


def one_line(code: int, err: str, *needles: str) -> None:
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1 and err.startswith("xgen: error: ")
    assert "spec.yaml:1:" in err, err
    for needle in needles:
        assert needle in err, err


def _kept(**fields: object) -> dict:
    spec = base_spec()
    spec["source"]["bucket_policy_statements"] = [{**KEPT, **fields}]
    return spec


@pytest.mark.parametrize(
    "sid",
    ["\x00", "A\x1bB", "Keep\r\nMe", "\x7f", "\x85", "Bell\x07", "\ud800", "Ünïcode", "\u202e"],
)
def test_a_sid_aws_refuses_is_refused_at_its_line(tmp_path, sid):
    code, err, out = render_spec(tmp_path, _kept(Sid=sid))
    one_line(code, err, "source.bucket_policy_statements")
    assert not out.exists()


@pytest.mark.parametrize("sid", ["KeepPartnerRead", "Enable IAM User Permissions", "a-b_c.d:1"])
def test_a_printable_ascii_sid_is_kept_exactly(tmp_path, sid):
    code, err, out = render_spec(tmp_path, _kept(Sid=sid))
    assert code == 0, err
    sids = [s.get("Sid") for s in json.loads((out / BUCKET_POLICY).read_text())["Statement"]]
    assert sid in sids


@pytest.mark.parametrize("value", ["\ud800", "\udfff", "a\x00b", "x\x1b]0;t\x07"])
@pytest.mark.parametrize("where", ["condition value", "condition key", "resource"])
def test_control_characters_and_lone_surrogates_in_kept_text_are_refused(tmp_path, value, where):
    if where == "condition value":
        spec = _kept(Sid="Keep", Condition={"StringEquals": {"aws:userid": value}})
    elif where == "condition key":
        spec = _kept(Sid="Keep", Condition={"StringEquals": {value: "x"}})
    else:
        spec = _kept(Sid="Keep", Resource=f"arn:aws:s3:::awsdoc-example-bucket/{value}")
    code, err, out = render_spec(tmp_path, spec)
    one_line(code, err)
    assert "Traceback" not in err and not out.exists()


@settings(max_examples=80, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sid=st.text(max_size=12), value=st.text(max_size=12))
def test_any_kept_text_is_refused_in_one_line_or_rendered_exactly(tmp_path, sid, value):
    folder = tmp_path / "case"
    folder.mkdir(exist_ok=True)
    spec = _kept(Sid=sid or "S", Condition={"StringLike": {"aws:userid": value}})
    code, err, out = render_spec(folder, spec)
    if code == 2:
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
        return
    assert code == 0, err
    statements = json.loads((out / BUCKET_POLICY).read_bytes())["Statement"]
    kept = [s for s in statements if s.get("Sid") == (sid or "S")]
    assert kept and kept[0]["Condition"]["StringLike"]["aws:userid"] == value
    assert all(" " <= c <= "~" for c in sid)
    assert not any(
        ord(c) < 32 or 0x7F <= ord(c) <= 0x9F or 0xD800 <= ord(c) <= 0xDFFF for c in value
    )


def test_more_than_50_tags_on_a_resource_are_refused_with_the_limit(tmp_path):
    spec = base_spec(tags={f"k{i}": "v" for i in range(50)})
    code, err, _ = render_spec(tmp_path, spec)
    assert code == 0, err
    spec["targets"][0]["tags"] = {"team": "ml"}  # 51 on the target's resources
    code, err, _ = render_spec(tmp_path, spec)
    one_line(code, err, "targets[0].tags", "51 tags", "at most 50")
    spec = base_spec(tags={f"k{i}": "v" for i in range(30)})
    spec["targets"][0]["tags"] = {f"t{i}": "v" for i in range(30)}
    code, err, _ = render_spec(tmp_path, spec)
    one_line(code, err, "60 tags", "at most 50")


NOT_JSON = ["NaN", "Infinity", "-Infinity"]


@pytest.mark.parametrize("constant", NOT_JSON)
def test_nan_and_infinity_in_a_policy_are_not_json(tmp_path, monkeypatch, constant):
    monkeypatch.chdir(tmp_path)
    text = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": "333333333333"},
                    "Action": "s3:*",
                    "Resource": "*",
                    "Condition": {"NumericLessThan": {"s3:max-keys": "X"}},
                }
            ],
        }
    ).replace('"X"', constant)
    Path("p.json").write_text(text)
    Path("empty.json").write_text('{"Version": "2012-10-17", "Statement": []}')
    code, out, err = run("lint", "--no-cache", "p.json")
    assert code == 2, out + err
    assert f"p.json: cannot read policy: invalid JSON: {constant} is not JSON" in err
    code, out, err = run("diff", "empty.json", "p.json")
    assert code == 2 and "is not JSON" in err and len(err.strip().splitlines()) == 1
