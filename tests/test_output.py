"""Writing a render: deterministic, atomic, never losing a user's file, and --check."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from generator import atomic, output
from generator.errors import InputError
from generator.render import MANIFEST, render
from generator.spec import load_spec
from tests.conftest import MULTI_SPEC, SEED_SPEC, base_spec, invoke, write_spec


@pytest.fixture
def spec_path(tmp_path) -> Path:
    return write_spec(tmp_path, base_spec())


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def test_same_spec_renders_byte_identical_files(tmp_path, runner):
    first, second = tmp_path / "a", tmp_path / "b"
    spec = MULTI_SPEC
    assert invoke(runner, "render", spec, "-o", first).exit_code == 0
    assert invoke(runner, "render", spec, "-o", second).exit_code == 0
    assert _snapshot(first) == _snapshot(second)
    assert render(load_spec(spec)).files == render(load_spec(spec)).files


def test_manifest_lists_every_file_with_its_hash(tmp_path, runner, spec_path):
    out = tmp_path / "out"
    invoke(runner, "render", spec_path, "-o", out)
    manifest = json.loads((out / MANIFEST).read_text())
    files = _snapshot(out)
    assert {entry["path"] for entry in manifest["files"]} == set(files) - {MANIFEST}
    for entry in manifest["files"]:
        assert hashlib.sha256(files[entry["path"]]).hexdigest() == entry["sha256"]
    assert manifest["profile"] == "hardened"
    assert manifest["xgen_version"] == "0.1.0"
    assert [t["role_arn"] for t in manifest["targets"]] == [
        "arn:aws:iam::222222222222:role/AmazonSageMaker"
    ]
    kinds = {d["path"].rsplit("/", 1)[1]: d["kind"] for d in manifest["documents"]}
    assert kinds == {
        "bucket-policy.json": "bucket",
        "key-policy.json": "key",
        "ecr-repository-policy.json": "ecr-repository",
        "trust-policy.json": "trust",
        "model-artifact-read.json": "identity",
        "model-key-use.json": "identity",
        "sagemaker-execution.json": "identity",
        "volume-key-policy.json": "key",
    }


def test_comments_in_the_spec_do_not_change_the_render(tmp_path):
    plain = write_spec(tmp_path, base_spec(), "a.yaml")
    commented = tmp_path / "b.yaml"
    commented.write_text("# a comment\n" + plain.read_text().replace("\n", "  # note\n", 3))
    assert render(load_spec(plain)).files == render(load_spec(commented)).files


def test_check_is_clean_right_after_render_and_lists_drift(tmp_path, runner, spec_path):
    out = tmp_path / "out"
    invoke(runner, "render", spec_path, "-o", out)
    clean = invoke(runner, "render", spec_path, "-o", out, "--check")
    assert clean.exit_code == 0 and clean.stdout == ""
    assert clean.stderr == f"xgen: {out} is up to date with {spec_path}\n"

    policy = out / "source-111111111111/policies/bucket-policy.json"
    policy.write_text(policy.read_text().replace("GetObject", "GetObject*"))
    (out / "target-prod-222222222222/providers.tf").unlink()
    drift = invoke(runner, "render", spec_path, "-o", out, "--check")
    assert drift.exit_code == 1
    assert drift.stdout.splitlines() == [
        f"{out}/target-prod-222222222222/providers.tf: missing",
        f"{out}/source-111111111111/policies/bucket-policy.json: differs from the render",
    ]
    assert "is out of date" in drift.stderr
    assert policy.read_text().count("GetObject*") == 1  # --check writes nothing
    # the command it suggests works, and says what --force discards (the hand edit)
    assert f"run `xgen render {spec_path} -o {out} --force`" in drift.stderr
    assert "bucket-policy.json (a file); --force discards that" in drift.stderr
    assert invoke(runner, "render", spec_path, "-o", out, "--force").exit_code == 0
    assert invoke(runner, "render", spec_path, "-o", out, "--check").exit_code == 0


def test_check_suggests_a_plain_render_when_nothing_would_be_discarded(tmp_path, runner, spec_path):
    out = tmp_path / "out"
    invoke(runner, "render", spec_path, "-o", out)
    spec = base_spec()
    spec["targets"][0]["instance_count"] = 2
    changed = write_spec(tmp_path, spec)
    drift = invoke(runner, "render", changed, "-o", out, "--check")
    assert drift.exit_code == 1
    assert drift.stderr.strip().endswith(f"run `xgen render {changed} -o {out}`")
    assert invoke(runner, "render", changed, "-o", out).exit_code == 0


def test_check_reports_files_that_are_no_longer_rendered(tmp_path, runner):
    spec = base_spec()
    spec["targets"].append({"name": "dev", "account_id": "333333333333"})
    two = write_spec(tmp_path, spec)
    out = tmp_path / "out"
    invoke(runner, "render", two, "-o", out)
    spec["targets"].pop()
    one = write_spec(tmp_path, spec)
    result = invoke(runner, "render", one, "-o", out, "--check")
    assert result.exit_code == 1
    assert f"{out}/target-dev-333333333333/main.tf: no longer rendered" in result.stdout
    # a target that drops out would orphan its state: refused until the user says --force
    before = _snapshot(out)
    refused = invoke(runner, "render", one, "-o", out)
    assert refused.exit_code == 2
    assert "target folders target-dev-333333333333 would no longer be rendered" in refused.stderr
    assert "terraform destroy" in refused.stderr
    assert _snapshot(out) == before
    assert invoke(runner, "render", one, "-o", out, "--force").exit_code == 0
    assert not (out / "target-dev-333333333333").exists()


def test_adding_a_target_to_the_same_deployment_needs_no_force(tmp_path, runner, spec_path):
    out = tmp_path / "out"
    assert invoke(runner, "render", spec_path, "-o", out).exit_code == 0
    spec = base_spec()
    spec["targets"].append({"name": "dev", "account_id": "333333333333"})
    assert invoke(runner, "render", write_spec(tmp_path, spec), "-o", out).exit_code == 0
    assert (out / "target-dev-333333333333" / "main.tf").is_file()


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (
            {"name": "other-model"},
            "it holds the render of spec 'linear-learner', not 'other-model'",
        ),
        (
            {"source": {**base_spec()["source"], "account_id": "999999999999"}},
            "it holds a render for source account 111111111111, not 999999999999",
        ),
    ],
)
def test_a_render_of_another_deployment_is_refused_without_force(
    tmp_path, runner, spec_path, change, reason
):
    out = tmp_path / "out"
    assert invoke(runner, "render", spec_path, "-o", out).exit_code == 0
    (out / "source-111111111111" / "terraform.tfstate").write_text("{}")
    before = _snapshot(out)
    spec = base_spec(**change)
    if "source" in change:
        spec["source"]["kms_key_arn"] = spec["source"]["kms_key_arn"].replace(
            "111111111111", "999999999999"
        )
        spec["source"]["image"] = spec["source"]["image"].replace("111111111111", "999999999999")
    other = write_spec(tmp_path, spec, "other.yaml")
    result = invoke(runner, "render", other, "-o", out)
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert f"{out}: the output folder belongs to another deployment: {reason}" in line
    assert _snapshot(out) == before
    assert invoke(runner, "render", other, "-o", out, "--force").exit_code == 0


def test_two_specs_rendering_into_one_folder_are_refused_before_writing(tmp_path, runner):
    first = write_spec(tmp_path, base_spec(), "a.yaml")
    second = write_spec(tmp_path, base_spec(name="other-model"), "b.yaml")
    for extra in ((), ("--check",)):
        result = invoke(runner, "render", first, second, *extra)
        assert result.exit_code == 2
        assert f"{first} and {second} both render into {tmp_path / 'rendered'}" in result.stderr
        assert not (tmp_path / "rendered").exists()


def test_check_of_a_missing_folder_is_drift(tmp_path, runner, spec_path):
    result = invoke(runner, "render", spec_path, "-o", tmp_path / "never", "--check")
    assert result.exit_code == 1
    assert not (tmp_path / "never").exists()


def test_check_accepts_several_specs_each_with_its_default_folder(tmp_path, runner):
    for name in ("a", "b"):
        folder = tmp_path / name
        folder.mkdir()
        write_spec(folder, base_spec())
        invoke(runner, "render", folder / "spec.yaml")
    assert (tmp_path / "a" / "rendered" / MANIFEST).is_file()
    specs = [tmp_path / "a" / "spec.yaml", tmp_path / "b" / "spec.yaml"]
    assert invoke(runner, "render", *specs, "--check").exit_code == 0
    (tmp_path / "b" / "rendered" / "README.md").write_text("changed\n")
    assert invoke(runner, "render", *specs, "--check").exit_code == 1


def test_user_files_are_never_overwritten_without_force(tmp_path, runner, spec_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    result = invoke(runner, "render", spec_path, "-o", out)
    assert result.exit_code == 2
    assert "notes.txt" in result.stderr and "--force" in result.stderr
    assert sorted(os.listdir(out)) == ["notes.txt"]

    forced = invoke(runner, "render", spec_path, "-o", out, "--force")
    assert forced.exit_code == 0
    assert (out / "notes.txt").read_text() == "mine"
    assert (out / MANIFEST).is_file()


def test_hand_edited_rendered_files_are_protected(tmp_path, runner, spec_path):
    out = tmp_path / "out"
    invoke(runner, "render", spec_path, "-o", out)
    main = out / "source-111111111111/main.tf"
    main.write_text(main.read_text() + "# my change\n")
    result = invoke(runner, "render", spec_path, "-o", out)
    assert result.exit_code == 2 and "source-111111111111/main.tf" in result.stderr
    assert main.read_text().endswith("# my change\n")
    assert invoke(runner, "render", spec_path, "-o", out, "--force").exit_code == 0
    assert not main.read_text().endswith("# my change\n")


def test_terraform_working_files_are_kept_without_force(tmp_path, runner, spec_path):
    out = tmp_path / "out"
    invoke(runner, "render", spec_path, "-o", out)
    root = out / "target-prod-222222222222"
    companions = {
        ".terraform/providers/registry.terraform.io/hashicorp/aws/plugin": b"binary",
        ".terraform.lock.hcl": b"# lock",
        "terraform.tfstate": b"{}",
        "backend.tf": b'terraform {\n  backend "s3" {}\n}\n',
        "prod.tfvars": b"",
    }
    for name, content in companions.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(content)
    spec = base_spec()
    spec["targets"][0]["instance_count"] = 2
    changed = write_spec(tmp_path, spec)
    assert invoke(runner, "render", changed, "-o", out).exit_code == 0
    for name, content in companions.items():
        assert (root / name).read_bytes() == content
    assert "initial_instance_count             = 2" in (root / "main.tf").read_text()
    assert invoke(runner, "render", changed, "-o", out, "--check").exit_code == 0


def test_failed_render_leaves_previous_output_untouched(tmp_path, runner, spec_path, monkeypatch):
    out = tmp_path / "out"
    invoke(runner, "render", spec_path, "-o", out)
    before = _snapshot(out)

    def disk_full(staging: Path, target: Path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic, "replace", disk_full)
    spec = base_spec()
    spec["targets"][0]["instance_count"] = 3
    result = invoke(runner, "render", write_spec(tmp_path, spec), "-o", out)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"xgen: error: {out}: cannot write the render: No space left")
    assert _snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "spec.yaml"]


def test_two_rename_swap_restores_the_old_folder_if_the_new_one_cannot_move_in(
    tmp_path, monkeypatch
):
    """Where the atomic exchange is unavailable, a failed second rename puts the old back."""
    out = tmp_path / "out"
    output.write(render(load_spec(SEED_SPEC)), out)
    before = _snapshot(out)
    real_rename = os.rename
    calls = []

    def failing_second_rename(src, dst):
        calls.append((src, dst))
        if len(calls) == 2:
            raise OSError(5, "I/O error")
        return real_rename(src, dst)

    monkeypatch.setattr(atomic, "_exchange", lambda first, second: False)
    monkeypatch.setattr(atomic.os, "rename", failing_second_rename)
    with pytest.raises(InputError, match="I/O error"):
        output.write(render(load_spec(MULTI_SPEC)), out, force=True)
    assert _snapshot(out) == before


def test_a_folder_lost_between_two_renames_is_put_back_by_the_next_render(tmp_path, spec_path):
    out = tmp_path / "out"
    output.write(render(load_spec(spec_path)), out)
    before = _snapshot(out)
    os.rename(out, tmp_path / ".out.xgen-old-4242")  # killed between the two renames
    output.write(render(load_spec(spec_path)), out)
    assert _snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "spec.yaml"]


def test_output_path_that_is_a_file_is_refused(tmp_path, runner, spec_path):
    target = tmp_path / "file"
    target.write_text("x")
    result = invoke(runner, "render", spec_path, "-o", target)
    assert result.exit_code == 2 and "is a file" in result.stderr
    assert target.read_text() == "x"


def test_output_takes_one_spec_only(tmp_path, runner, spec_path):
    result = invoke(runner, "render", spec_path, spec_path, "-o", tmp_path / "x")
    assert result.exit_code == 2 and "--output takes one spec" in result.stderr


def test_corrupt_previous_manifest_is_a_clear_error(tmp_path, runner, spec_path):
    out = tmp_path / "out"
    invoke(runner, "render", spec_path, "-o", out)
    (out / MANIFEST).write_text("{not json")
    result = invoke(runner, "render", spec_path, "-o", out)
    assert result.exit_code == 2 and "cannot read the previous manifest" in result.stderr
