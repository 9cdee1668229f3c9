"""`xgen verify` and `xgen simulate` at the command line: exit codes, JSON, one-line errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from accesskit import edit_json, xgen

ROLE = "arn:aws:iam::222222222222:role/ChurnModelExecution"
KEY = "arn:aws:kms:eu-west-1:111111111111:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"
OBJECT = "arn:aws:s3:::ml-training-output-111111111111/churn/xgboost-2026-11-01/output/model.tar.gz"
VIA_S3 = "kms:ViaService=s3.eu-west-1.amazonaws.com"


def one_line_error(result: Any, *parts: str) -> None:
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for part in parts:
        assert part in lines[0]


def test_verify_refuses_a_folder_without_manifest(tmp_path: Path) -> None:
    one_line_error(xgen("verify", tmp_path), "xgen-manifest.json", "no xgen manifest here", "fix:")


def test_verify_refuses_a_missing_folder(tmp_path: Path) -> None:
    one_line_error(xgen("verify", tmp_path / "nope"), "not a folder")


def test_verify_refuses_invalid_json_with_line_and_column(copy_of: Callable[[str], Path]) -> None:
    folder = copy_of("seed-article")
    (folder / "source-111111111111/policies/key-policy.json").write_text('{"Statement": [\n  ,]}')
    one_line_error(xgen("verify", folder), "key-policy.json:2:3: invalid JSON")


def test_verify_refuses_a_document_that_is_not_a_policy(copy_of: Callable[[str], Path]) -> None:
    folder = copy_of("seed-article")
    edit_json(
        folder / "target-prod-222222222222/policies/trust-policy.json",
        lambda body: body["Statement"][0].update(Effect="Permit"),
    )
    one_line_error(
        xgen("verify", folder), "trust-policy.json", 'Statement[0].Effect must be "Allow" or "Deny"'
    )


def test_verify_never_says_ok_about_operators_it_cannot_judge(
    copy_of: Callable[[str], Path],
) -> None:
    folder = copy_of("seed-article")

    def ip_condition(body: dict[str, Any]) -> None:
        body["Statement"][0]["Condition"] = {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}

    edit_json(folder / "source-111111111111/policies/bucket-policy.json", ip_condition)
    result = xgen("verify", folder)
    assert result.exit_code == 1
    assert "s3: UNDECIDED, source-111111111111/policies/bucket-policy.json: condition " in (
        result.stdout
    )
    assert "'IpAddress' is not supported" in result.stdout
    assert "0 undecided" not in result.stdout


def test_verify_refuses_a_missing_policy_file(copy_of: Callable[[str], Path]) -> None:
    folder = copy_of("seed-article")
    (folder / "target-prod-222222222222/policies/model-key-use.json").unlink()
    one_line_error(xgen("verify", folder), "model-key-use.json: file not found")


def test_verify_refuses_a_broken_manifest(copy_of: Callable[[str], Path]) -> None:
    folder = copy_of("seed-article")
    edit_json(folder / "xgen-manifest.json", lambda body: body["source"].pop("kms_key_arn"))
    one_line_error(xgen("verify", folder), "xgen-manifest.json:source.kms_key_arn: missing")


def test_verify_refuses_an_unknown_format(renders: dict[str, Path]) -> None:
    one_line_error(xgen("verify", renders["seed-article"], "--format", "xml"), "--format")


def simulate(folder: Path, *args: str) -> Any:
    return xgen("simulate", folder, *args)


def test_simulate_allows_the_role_through_s3(renders: dict[str, Path]) -> None:
    result = simulate(
        renders["multi-account"],
        *("--principal", "arn:aws:sts::222222222222:assumed-role/ChurnModelExecution/s-1"),
        *("--action", "kms:Decrypt", "--resource", KEY, "--context", VIA_S3, "--format", "json"),
    )
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["decision"] == "Allow"
    assert answer["context"]["aws:PrincipalArn"] == [ROLE]  # a session is its role
    assert answer["identity_policies"] == [
        "target-staging-222222222222/policies/model-artifact-read.json",
        "target-staging-222222222222/policies/model-key-use.json",
        "target-staging-222222222222/policies/sagemaker-execution.json",
    ]
    assert answer["resource_policy"] == "source-111111111111/policies/key-policy.json"


@pytest.mark.parametrize(
    ("args", "decision", "reason"),
    [
        # Not via S3: the hardened key policy's kms:ViaService condition fails.
        (
            ("--principal", ROLE, "--action", "kms:Decrypt", "--resource", KEY),
            "ImplicitDeny",
            "XgenTargetRolesDecryptArtifactViaS3: condition StringEquals kms:ViaService not met",
        ),
        # Plain HTTP: the bucket's explicit Deny.
        (
            (
                "--principal",
                ROLE,
                "--action",
                "s3:GetObject",
                "--resource",
                OBJECT,
                "--context",
                "aws:SecureTransport=false",
            ),
            "Deny",
            "XgenDenyInsecureTransport: explicit Deny",
        ),
        # An admin of another account gets nothing from the source's policies.
        (
            (
                "--principal",
                "arn:aws:iam::999999999999:role/X",
                "--admin",
                "--action",
                "s3:GetObject",
                "--resource",
                OBJECT,
            ),
            "ImplicitDeny",
            "bucket-policy.json: no statement allows this caller",
        ),
    ],
)
def test_simulate_explains_denials(
    renders: dict[str, Path], args: tuple[str, ...], decision: str, reason: str
) -> None:
    result = simulate(renders["multi-account"], *args)
    assert result.exit_code == 1
    assert result.stdout.startswith(f"{decision}: ")
    assert reason in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--principal", "bob", "--action", "s3:GetObject", "--resource", OBJECT), "--principal"),
        (
            (
                "--principal",
                ROLE,
                "--action",
                "s3:GetObject",
                "--resource",
                "arn:aws:s3:::elsewhere/x",
            ),
            "--resource: arn:aws:s3:::elsewhere/x is not a resource of this deployment",
        ),
        (
            (
                "--principal",
                ROLE,
                "--action",
                "kms:Decrypt",
                "--resource",
                KEY,
                "--context",
                "novalue",
            ),
            "--context: 'novalue' is not KEY=VALUE",
        ),
    ],
)
def test_simulate_bad_input_is_one_line(
    renders: dict[str, Path], args: tuple[str, ...], message: str
) -> None:
    one_line_error(simulate(renders["multi-account"], *args), message)
