"""`xgen verify` on real renders: both profiles pass, and hand edits fail for the right reason."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from accesskit import EXAMPLES, edit_json, failing, xgen

CONTRACT = ["layer", "principal", "action", "resource", "expected", "decision", "ok", "reasons"]
SOURCE = "source-111111111111/policies"
BUCKET = f"{SOURCE}/bucket-policy.json"
KEY = f"{SOURCE}/key-policy.json"
ROOT_GRANT = "Allow (names the caller's account root)"
DENY_WINS = "explicit Deny (a Deny always wins)"
STAGING = "target-staging-222222222222/policies"
OTHER_ROLE = "another role in 222222222222, admin policy"


def verify_json(folder: Path, code: int) -> dict[str, Any]:
    result = xgen("verify", folder, "--format", "json")
    assert result.exit_code == code, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    ("example", "checks", "accepted"),
    # seed: 1 target x (s3 9 + kms 9 + trust 7), image in AWS's registry (no ecr layer),
    # and the proofs of 3 layers (bucket, key, trust; 2 accepted by profile seed);
    # multi-account: 3 targets x (s3 9 + kms 9 + ecr 8 + trust 7), and 9 proofs (bucket,
    # key, repository, and each target's trust and volume key).
    [("seed-article", 25 + 3, 8 + 2), ("multi-account", 99 + 9, 0)],
)
def test_example_renders_verify(
    renders: dict[str, Path], example: str, checks: int, accepted: int
) -> None:
    report = verify_json(renders[example], 0)
    assert report["ok"] is True
    assert len(report["checks"]) == checks
    assert all(list(check)[: len(CONTRACT)] == CONTRACT for check in report["checks"])
    assert all(check["ok"] and check["reasons"] for check in report["checks"])
    assert sum(check["accepted"] is not None for check in report["checks"]) == accepted
    # Every intended access is granted; every question expected to be denied is denied,
    # except what profile seed accepts by design; every layer is proved.
    for check in report["checks"]:
        if "proved" in check:
            assert check["proved"] or check["accepted"]
            continue
        granted = check["decision"] == "Allow"
        assert granted == (check["expected"] == "allow") or check["accepted"]


def test_seed_reports_its_open_key_as_accepted_with_the_fix(renders: dict[str, Path]) -> None:
    report = verify_json(renders["seed-article"], 0)
    accepted = {(c["layer"], c["who"], c["action"]): c for c in report["checks"] if c["accepted"]}
    other = accepted[("kms", OTHER_ROLE, "kms:Decrypt")]
    assert other["decision"] == "Allow"
    assert "hardened fix: key policy: aws:PrincipalArn" in other["accepted"]
    assert f"{KEY} Allow use of the key: {ROOT_GRANT}" in other["reasons"]
    assert ("trust", "SageMaker", "sts:AssumeRole") in accepted
    assert ("s3", "role AmazonSageMaker", "s3:GetObject") in accepted  # without TLS

    text = xgen("verify", renders["seed-article"])
    assert text.exit_code == 0
    assert "ok (seed)" in text.stdout
    assert "25 checks: 25 ok (8 accepted by profile seed), 0 failed" in text.stdout


def test_hardened_denies_what_seed_accepts(renders: dict[str, Path]) -> None:
    report = verify_json(renders["multi-account"], 0)
    kms = [c for c in report["checks"] if c["layer"] == "kms" and c["expected"] == "deny"]
    assert kms and all(c["decision"] != "Allow" for c in kms)
    no_tls = next(
        c for c in report["checks"] if c["context"].get("aws:SecureTransport") == ["false"]
    )
    assert no_tls["decision"] == "Deny"
    assert no_tls["reasons"] == [f"{BUCKET} XgenDenyInsecureTransport: {DENY_WINS}"]


def test_bucket_grant_without_principal_arn_condition_fails(copy_of: Callable[[str], Path]) -> None:
    folder = copy_of("multi-account")

    def drop_condition(body: dict[str, Any]) -> None:
        grant = next(
            s for s in body["Statement"] if s.get("Sid") == "XgenTargetRolesReadModelArtifact"
        )
        del grant["Condition"]

    edit_json(folder / SOURCE / "bucket-policy.json", drop_condition)
    report = verify_json(folder, 1)
    # Any principal of each target account can now read the model: its admin role and root.
    assert {(layer, who) for layer, _, who, _ in failing(report)} == {
        ("s3", f"another role in {account}, admin policy")
        for account in ("222222222222", "333333333333", "444444444444")
    } | {
        ("s3", f"root user of {account}")
        for account in ("222222222222", "333333333333", "444444444444")
    } | {("s3", "any request the spec does not intend")}
    bad = next(c for c in report["checks"] if not c["ok"])
    assert f"{BUCKET} XgenTargetRolesReadModelArtifact: {ROOT_GRANT}" in bad["reasons"]
    assert (
        f"{BUCKET}: edited since `xgen render` (differs from the manifest); verified as on disk"
        in report["notes"]
    )


def test_key_grant_without_principal_arn_condition_fails_in_hardened(
    copy_of: Callable[[str], Path],
) -> None:
    folder = copy_of("multi-account")

    def drop_role_condition(body: dict[str, Any]) -> None:
        decrypt = next(
            s for s in body["Statement"] if s.get("Sid") == "XgenTargetRolesDecryptArtifactViaS3"
        )
        del decrypt["Condition"]["StringEquals"]["aws:PrincipalArn"]

    edit_json(folder / SOURCE / "key-policy.json", drop_role_condition)
    report = verify_json(folder, 1)
    failed = failing(report)
    assert ("kms", "staging", OTHER_ROLE, "kms:Decrypt") in failed
    # Profile seed's acceptance never applies to a hardened render.
    assert all(c["accepted"] is None for c in report["checks"])


def test_identity_policy_pointing_at_another_object_fails(copy_of: Callable[[str], Path]) -> None:
    folder = copy_of("multi-account")

    def elsewhere(body: dict[str, Any]) -> None:
        body["Statement"][0]["Resource"] = (
            "arn:aws:s3:::ml-training-output-111111111111/churn/other.tar.gz"
        )

    edit_json(folder / STAGING / "model-artifact-read.json", elsewhere)
    report = verify_json(folder, 1)
    assert failing(report) == [("s3", "staging", "role ChurnModelExecution", "s3:GetObject")]
    bad = next(c for c in report["checks"] if not c["ok"])
    assert bad["decision"] == "ImplicitDeny"
    assert (
        f"{STAGING}/model-artifact-read.json XgenReadModelArtifact: Resource does not match"
        in bad["reasons"]
    )


def test_an_added_deny_fails_the_intended_access(copy_of: Callable[[str], Path]) -> None:
    folder = copy_of("seed-article")

    def add_deny(body: dict[str, Any]) -> None:
        body["Statement"].append(
            {
                "Sid": "FreezeKey",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "kms:Decrypt",
                "Resource": "*",
            }
        )

    edit_json(folder / SOURCE / "key-policy.json", add_deny)
    report = verify_json(folder, 1)
    assert failing(report) == [("kms", "prod", "role AmazonSageMaker", "kms:Decrypt")]
    bad = next(c for c in report["checks"] if not c["ok"])
    assert bad["decision"] == "Deny"
    assert bad["reasons"] == [f"{KEY} FreezeKey: {DENY_WINS}"]
    text = xgen("verify", folder)
    assert text.exit_code == 1
    assert "FAIL" in text.stdout


def test_seed_with_the_image_in_the_source_account_checks_ecr(
    render_dict: Callable[[dict[str, Any]], Path],
) -> None:
    spec = yaml.safe_load((EXAMPLES / "seed-article" / "spec.yaml").read_text(encoding="utf-8"))
    spec["source"]["image"] = "111111111111.dkr.ecr.us-east-1.amazonaws.com/linear-learner:1"
    report = verify_json(render_dict(spec), 0)
    ecr = [c for c in report["checks"] if c["layer"] == "ecr"]
    assert len(ecr) == 8 + 1  # the questions and the proof
    pulls = [c for c in ecr if c["expected"] == "allow"]
    # The role's pull permission comes from AmazonSageMakerFullAccess in profile seed.
    assert all(c["decision"] == "Allow" for c in pulls)
    assert any(
        "(AmazonSageMakerFullAccess, attached in profile seed)" in r for r in pulls[0]["reasons"]
    )


def test_mermaid_graph_draws_who_reaches_what(
    renders: dict[str, Path], copy_of: Callable[[str], Path]
) -> None:
    result = xgen("verify", renders["seed-article"], "--format", "mermaid")
    assert result.exit_code == 0
    graph = result.stdout
    assert graph.startswith("flowchart LR\n")
    assert '-->|"s3:GetObject"|' in graph
    assert '-.->|"kms:Decrypt via S3 (accepted by profile seed)"|' in graph
    assert "NOT OK" not in graph

    folder = copy_of("seed-article")
    edit_json(
        folder / SOURCE / "bucket-policy.json",
        lambda body: body["Statement"][0].pop("Condition"),
    )
    broken = xgen("verify", folder, "--format", "mermaid")
    assert broken.exit_code == 1
    assert '==>|"s3:GetObject NOT OK"|' in broken.stdout
    assert "note: source-111111111111/policies/bucket-policy.json: edited" in broken.stderr


def test_drift_is_a_note_not_a_failure(copy_of: Callable[[str], Path]) -> None:
    folder = copy_of("seed-article")
    path = folder / SOURCE / "bucket-policy.json"
    path.write_text(path.read_text(encoding="utf-8").replace("  ", "    "), encoding="utf-8")
    report = verify_json(folder, 0)
    assert report["notes"][0].startswith(f"{SOURCE}/bucket-policy.json: edited since `xgen render`")


@pytest.mark.parametrize("example", ["seed-article", "multi-account"])
def test_committed_example_renders_verify_without_notes(example: str) -> None:
    report = verify_json(EXAMPLES / example / "rendered", 0)
    assert not [note for note in report["notes"] if "edited since" in note]


def test_a_target_in_a_vpc_gets_a_note_on_the_endpoints_its_subnets_need() -> None:
    report = verify_json(EXAMPLES / "multi-account" / "rendered", 0)
    vpc = [note for note in report["notes"] if "VPC" in note]
    # only prod-eu runs in subnets; staging and analytics use SageMaker's own network
    assert len(vpc) == 1
    assert vpc[0].startswith("target prod-eu runs in a VPC: ")
    for needed in (
        "com.amazonaws.eu-west-1.s3",
        "arn:aws:s3:::ml-training-output-111111111111/*",
        "prod-eu-west-1-starport-layer-bucket",
        "com.amazonaws.eu-west-1.ecr.api",
        "com.amazonaws.eu-west-1.ecr.dkr",
    ):
        assert needed in vpc[0]
