"""The manifest: what render writes is what lint, verify and --check read back."""

from __future__ import annotations

import json

import pytest

from generator.errors import InputError
from generator.manifest import MANIFEST, parse_manifest, read_manifest
from generator.policy.kinds import Kind
from generator.render import render
from generator.spec import load_spec
from tests.conftest import SEED_SPEC


@pytest.fixture(scope="module")
def written() -> bytes:
    return render(load_spec(SEED_SPEC)).files[MANIFEST]


def test_manifest_round_trips(written):
    manifest = parse_manifest(json.loads(written), MANIFEST)
    assert manifest.to_json() == written
    (target,) = manifest.targets
    assert target.managed_policy_arns == ("arn:aws:iam::aws:policy/AmazonSageMakerFullAccess",)
    assert target.root_arn == "arn:aws:iam::222222222222:root"
    assert {d.kind for d in manifest.documents} == {
        Kind.BUCKET,
        Kind.KEY,
        Kind.TRUST,
        Kind.IDENTITY,
    }


def test_manifest_without_later_fields_still_reads(written):
    data = json.loads(written)
    del data["targets"][0]["managed_policy_arns"]
    assert parse_manifest(data, MANIFEST).targets[0].managed_policy_arns == ()


@pytest.mark.parametrize(
    ("change", "place", "what"),
    [
        (lambda d: d.pop("source"), "source", "missing or not a dict"),
        (lambda d: d["targets"][0].update(role_arn=7), "targets[0].role_arn", "not a str"),
        (lambda d: d["documents"][1].update(kind="queue"), "documents[1].kind", "'queue'"),
        (lambda d: d["files"].append("x"), "files[", "not an object"),
        (lambda d: d["targets"][0].update(managed_policy_arns="x"), "managed_policy_arns", "list"),
    ],
)
def test_malformed_manifest_names_the_place(written, change, place, what):
    data = json.loads(written)
    change(data)
    with pytest.raises(InputError) as error:
        parse_manifest(data, MANIFEST)
    assert place in (error.value.place or "") and what in error.value.message
    assert "xgen render" in error.value.fix


def test_reading_a_folder_without_or_with_a_broken_manifest(tmp_path):
    with pytest.raises(InputError, match="no xgen manifest here"):
        read_manifest(tmp_path)
    (tmp_path / MANIFEST).write_text("{")
    with pytest.raises(InputError) as error:
        read_manifest(tmp_path)
    assert error.value.place == "1:2" and "invalid JSON" in error.value.message
