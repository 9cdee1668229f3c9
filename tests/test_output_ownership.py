"""What Terraform and the user own in a rendered folder survives any manifest.

The manifest says which files xgen wrote, but anyone can edit it: listing a state file,
a backend or a file of the user's with its correct sha256 must not make a render (plain
or `--force`) or `render --check` treat it as xgen's.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.manifest import MANIFEST
from generator.ownership import is_companion, xgen_may_own
from tests.conftest import base_spec, invoke, write_spec

TARGET = "target-prod-222222222222"
SOURCE = "source-111111111111"

# Files Terraform or the user put in a rendered folder (relative to it).
OWNED = {
    f"{TARGET}/terraform.tfstate": b'{"version": 4}',
    f"{TARGET}/terraform.tfstate.backup": b'{"version": 4, "serial": 1}',
    f"{TARGET}/terraform.tfstate.d/prod/terraform.tfstate": b'{"version": 4}',
    f"{TARGET}/.terraform/terraform.tfstate": b"{}",
    f"{TARGET}/.terraform.lock.hcl": b"# lock\n",
    f"{TARGET}/backend.tf": b'terraform {\n  backend "s3" {}\n}\n',
    f"{TARGET}/prod.auto.tfvars": b"x = 1\n",
    f"{TARGET}/x.tfvars.json": b"{}",
    f"{SOURCE}/main_override.tf": b"# override\n",
    f"{SOURCE}/override.tf.json": b"{}",
    f"{SOURCE}/notes.md": b"my notes\n",
    f"{SOURCE}/extra.tf": b"# mine\n",
    f"{SOURCE}/policies/README": b"mine\n",
    "terraform.tfstate": b"{}",
    "Makefile": b"all:\n",
}


def _plant(out: Path, files: dict[str, bytes]) -> None:
    """Write `files` into `out` and list each in its manifest with its correct sha256."""
    manifest = json.loads((out / MANIFEST).read_text())
    for path, content in files.items():
        (out / path).parent.mkdir(parents=True, exist_ok=True)
        (out / path).write_bytes(content)
        manifest["files"].append({"path": path, "sha256": hashlib.sha256(content).hexdigest()})
    (out / MANIFEST).write_text(json.dumps(manifest))


@pytest.mark.parametrize("force", [False, True], ids=["plain", "force"])
def test_a_manifest_listing_terraform_and_user_files_never_drops_them(tmp_path, runner, force):
    spec_path = write_spec(tmp_path, base_spec())
    out = tmp_path / "out"
    assert invoke(runner, "render", spec_path, "-o", out).exit_code == 0
    _plant(out, OWNED)
    check = invoke(runner, "render", spec_path, "-o", out, "--check")
    # the manifest was edited; the planted Terraform files are what Terraform would also
    # apply (issue 18), so --check names them too; nothing else differs
    assert check.exit_code == 1
    lines = check.stdout.splitlines()
    assert lines[0] == f"{out / MANIFEST}: differs from the render"
    assert all("a Terraform file xgen did not write" in line for line in lines[1:]), lines
    result = invoke(runner, "render", spec_path, "-o", out, *(["--force"] if force else []))
    companions = {p for p in OWNED if is_companion(p)}
    if force or not (OWNED.keys() - companions):
        assert result.exit_code == 0, result.stderr
    else:  # the user's own files are refused without --force, never dropped
        assert result.exit_code == 2
        assert "holds files xgen did not write" in result.stderr
    for path, content in OWNED.items():
        assert (out / path).read_bytes() == content, path
    if result.exit_code == 0:
        listed = {f["path"] for f in json.loads((out / MANIFEST).read_text())["files"]}
        assert not listed & OWNED.keys()


def test_state_survives_a_manifest_that_drops_its_target(tmp_path, runner):
    """The target leaves the render (--force): its state and backend stay, its files go."""
    spec = base_spec()
    spec["targets"].append({"name": "dev", "account_id": "333333333333"})
    two = write_spec(tmp_path, spec, "two.yaml")
    out = tmp_path / "out"
    assert invoke(runner, "render", two, "-o", out).exit_code == 0
    dev = "target-dev-333333333333"
    _plant(out, {f"{dev}/terraform.tfstate": b"{}", f"{dev}/backend.tf": b"# s3\n"})
    spec["targets"].pop()
    one = write_spec(tmp_path, spec, "one.yaml")
    assert invoke(runner, "render", one, "-o", out, "--force").exit_code == 0
    assert sorted(p.name for p in (out / dev).iterdir()) == ["backend.tf", "terraform.tfstate"]


NAME = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789._-", min_size=1, max_size=12)


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    folder=st.sampled_from(["", f"{TARGET}/", f"{SOURCE}/policies/", "modules/x/", "a/b/"]),
    name=NAME,
    suffix=st.sampled_from(
        ["", ".tfstate", ".tfstate.backup", ".tfvars", ".tfvars.json", "_override.tf"]
    ),
)
def test_no_terraform_file_has_the_shape_of_xgen_s_files(folder, name, suffix):
    path = folder + name + suffix
    if suffix:
        assert is_companion(path) and not xgen_may_own(path)
    assert not (xgen_may_own(path) and is_companion(path))
