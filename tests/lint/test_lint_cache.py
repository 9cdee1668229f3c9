"""The per-file result cache: a warm run reports exactly what a cold one does, and every
input a result depends on invalidates it (file, file() target, manifest, spec, code).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lintkit import EXAMPLES

from generator.lint import cache as cache_module
from generator.lint.argv import main
from generator.lint.cache import ResultCache
from generator.lint.config import Config, load_config
from generator.lint.deployment import Deployment
from generator.lint.engine import Result, lint
from generator.spec import load_spec

BUCKET = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": "222222222222"},
            "Action": "s3:*",
            "Resource": "arn:aws:s3:::bucket/model.tar.gz",
            "Condition": {"StringEquals": {"aws:PrincipalArn": "arn:aws:iam::222222222222:role/R"}},
        }
    ],
}
TF = f"""\
# xgen:ignore XG012 partner account (T-1)
resource "aws_s3_bucket_policy" "artifact" {{
  bucket = "bucket"
  policy = {json.dumps(json.dumps(BUCKET))}
}}
"""
TF_FILE = """\
resource "aws_s3_bucket_policy" "artifact" {
  bucket = "bucket"
  policy = file("${path.module}/bucket.json")
}
"""


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Hidden, so that linting `tmp_path` does not lint the store itself."""
    monkeypatch.setenv("XGEN_CACHE_DIR", str(tmp_path / ".cache"))


def shown(result: Result) -> list[tuple[str, str, int, str, str]]:
    return [
        (Path(f.file).name, f.rule, f.line, f.severity.value, f.message) for f in result.findings
    ]


def twice(paths: list[Path], config: Config, **options: object) -> tuple[Result, ResultCache]:
    """Lint cold (no cache), then with a cache that is filled and used: the same result."""
    cold = lint(paths, config=config, **options)  # type: ignore[arg-type]
    lint(paths, config=config, cache=ResultCache(config.root), **options)  # type: ignore[arg-type]
    warm_cache = ResultCache(config.root)
    warm = lint(paths, config=config, cache=warm_cache, **options)  # type: ignore[arg-type]
    assert (shown(warm), warm.errors, warm.documents, warm.suppressed) == (
        shown(cold),
        cold.errors,
        cold.documents,
        cold.suppressed,
    )
    return warm, warm_cache


def test_warm_run_reports_what_a_cold_run_does(rendered: dict[str, Path], tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(TF)
    (tmp_path / "file.tf").write_text(TF_FILE)
    (tmp_path / "bucket.json").write_text(json.dumps(BUCKET))
    (tmp_path / "bad.json").write_text('{"Statement": [')
    for paths in ([rendered["seed-article"]], [rendered["multi-account"]], [tmp_path]):
        result, cache = twice(paths, Config(root=tmp_path))
        assert cache.added == 0  # every file came from the cache
    assert (result.documents, result.suppressed, len(result.errors)) == (2, 1, 1)
    assert {(Path(f.file).name, f.rule) for f in result.findings} == {("bucket.json", "XG012")}


def test_a_changed_file_is_linted_again(tmp_path: Path) -> None:
    path = tmp_path / "bucket.json"
    path.write_text(json.dumps(BUCKET))
    assert {f.rule for f in twice([path], Config(root=tmp_path))[0].findings} == {"XG012"}
    path.write_text(json.dumps(BUCKET).replace("s3:*", "s3:GetObject"))
    result, cache = twice([path], Config(root=tmp_path))
    assert result.findings == [] and cache.added == 0


def test_config_and_suppressions_apply_to_cached_results(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(TF)
    assert twice([tmp_path], Config(root=tmp_path))[0].findings == []  # silenced inline
    (tmp_path / "main.tf").write_text(TF.replace("XG012", "XG011"))
    assert {f.rule for f in twice([tmp_path], Config(root=tmp_path))[0].findings} == {"XG012"}
    (tmp_path / ".xgen.toml").write_text("severity = { XG012 = 'info' }\n")
    result, cache = twice([tmp_path], load_config(tmp_path))
    assert [(f.rule, f.severity.value) for f in result.findings] == [("XG012", "info")]
    assert cache.added == 0  # the config changed, the files did not


def test_a_changed_file_target_invalidates_the_tf_result(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(TF_FILE)
    (tmp_path / "bucket.json").write_text(json.dumps(BUCKET))
    config = Config(root=tmp_path)
    assert {f.rule for f in twice([tmp_path / "main.tf"], config)[0].findings} == {"XG012"}
    (tmp_path / "bucket.json").write_text(json.dumps(BUCKET).replace("s3:*", "s3:GetObject"))
    assert twice([tmp_path / "main.tf"], config)[0].findings == []
    (tmp_path / "bucket.json").unlink()
    result = twice([tmp_path / "main.tf"], config)[0]
    assert result.documents == 0


def test_a_changed_manifest_invalidates_its_documents(
    rendered: dict[str, Path], tmp_path: Path
) -> None:
    render = Path(shutil.copytree(rendered["multi-account"], tmp_path / "render"))
    bucket = render / "source-111111111111/policies/bucket-policy.json"
    assert twice([bucket], Config(root=tmp_path))[0].findings == []
    manifest = render / "xgen-manifest.json"
    manifest.write_text(manifest.read_text().replace("role/ChurnModelExecution", "role/Other"))
    assert "XG040" in {f.rule for f in twice([bucket], Config(root=tmp_path))[0].findings}


def test_the_spec_is_part_of_the_key(rendered: dict[str, Path], tmp_path: Path) -> None:
    bucket = tmp_path / "bucket.json"
    shutil.copy(
        rendered["multi-account"] / "source-111111111111/policies/bucket-policy.json", bucket
    )
    config = Config(root=tmp_path)
    multi = Deployment.from_spec(load_spec(EXAMPLES / "multi-account" / "spec.yaml"))
    seed = Deployment.from_spec(load_spec(EXAMPLES / "seed-article" / "spec.yaml"))
    assert twice([bucket], config, deployment=multi)[0].findings == []
    assert "XG042" in {f.rule for f in twice([bucket], config, deployment=seed)[0].findings}


def role_policy(folder: Path, name: str, resources: int) -> None:
    """An inline policy of `aws_iam_role.r` of about 35 characters per resource."""
    listed = [f"arn:aws:s3:::bucket/{i:05d}.tar.gz" for i in range(resources)]
    statement = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": listed}
    policy = json.dumps(json.dumps({"Version": "2012-10-17", "Statement": [statement]}))
    (folder / f"{name}.tf").write_text(
        f'resource "aws_iam_role_policy" "{name}" {{\n'
        f"  role   = aws_iam_role.r.id\n  policy = {policy}\n}}\n"
    )


def test_role_sizes_are_summed_over_cached_and_fresh_files(tmp_path: Path) -> None:
    role_policy(tmp_path, "a", 170)  # about 6,000 characters, cached below
    role_policy(tmp_path, "b", 1)
    config = Config(root=tmp_path)
    assert twice([tmp_path], config)[0].findings == []
    role_policy(tmp_path, "b", 170)
    result, cache = twice([tmp_path], config)
    assert [(Path(f.file).name, f.rule) for f in result.findings] == [("a.tf", "XG008")]
    assert cache.added == 0


def test_a_store_of_other_code_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "bucket.json"
    path.write_text(json.dumps(BUCKET))
    lint([path], config=Config(root=tmp_path), cache=ResultCache(tmp_path))
    assert ResultCache(tmp_path).entries
    monkeypatch.setattr(cache_module, "fingerprint", lambda: "other xgen")
    assert ResultCache(tmp_path).entries == {}


def test_no_cache_neither_reads_nor_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "bucket.json"
    path.write_text(json.dumps(BUCKET))
    monkeypatch.chdir(tmp_path)
    assert main(["--no-cache", str(path)]) == 1
    assert not (tmp_path / ".cache").exists()
    assert main([str(path)]) == 1
    assert list((tmp_path / ".cache").glob("lint-v*/*.json"))


def _leaves(value: object, at: tuple = ()) -> list[tuple]:
    """Every position in stored JSON (as a path of keys and indices), the root included."""
    found = [at]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _leaves(item, (*at, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _leaves(item, (*at, index))
    return found


def _at(value: object, at: tuple) -> object:
    for part in at:
        value = value[part]  # type: ignore[index]
    return value


def _replace(value: object, at: tuple, new: object) -> object:
    if not at:
        return new
    head, rest = at[0], at[1:]
    copy = dict(value) if isinstance(value, dict) else list(value)  # type: ignore[call-overload]
    copy[head] = _replace(copy[head], rest, new)
    return copy


JUNK = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3), children)
    ),
    max_leaves=6,
)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_corrupt_cache_entry_is_a_cache_miss_never_a_traceback(tmp_path, monkeypatch, data):
    folder = tmp_path / "in"
    if not folder.exists():
        folder.mkdir()
        (folder / "main.tf").write_text(TF.replace("XG012", "XG011"))  # a finding, a suppression
        (folder / "file.tf").write_text(TF_FILE)
        (folder / "bucket.json").write_text(json.dumps(BUCKET))
        (folder / "bad.json").write_text("{")
    monkeypatch.chdir(folder)
    shutil.rmtree(tmp_path / ".cache", ignore_errors=True)
    cold = main(["--no-cache", "--format", "json", "."])
    assert main(["--format", "json", "."]) == cold  # fills the store
    (store,) = (tmp_path / ".cache").glob("lint-v*/*.json")
    stored = json.loads(store.read_text())
    at = data.draw(st.sampled_from(_leaves(stored["entries"])))
    old = _at(stored["entries"], at)
    # A value of another type: what corruption (or a store of another xgen) looks like. A
    # well-typed forgery cannot be told from a result; the store is trusted as CI's own.
    junk = data.draw(JUNK.filter(lambda new: type(new) is not type(old)))
    stored["entries"] = _replace(stored["entries"], at, junk)
    store.write_text(json.dumps(stored))
    assert main(["--format", "json", "."]) == cold
