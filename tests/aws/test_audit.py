"""`xgen audit` against a moto server filled from the render, then tampered with.

That a real `terraform apply` of a render audits clean is tested with Terraform itself
(test_terraform_e2e.py). These tests need a fresh deployment each to tamper with, which
Terraform would take 10-20 s to make (the KMS key waits for propagation), so they put the
rendered documents in place with boto3, the calls the provider makes, and then change
what is live. moto does not enforce bucket or key policies; the audit's evaluator judges
access, and the tests check that it judges the live documents, not the rendered ones.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from typer.testing import CliRunner

from generator.aws.live import AccountReader
from generator.cli import app
from generator.errors import InputError
from generator.manifest import SourceEntry, read_manifest
from generator.policy.kinds import Kind
from tests.conftest import write_spec

from .conftest import REGION, SOURCE_ACCOUNT, TARGET_ACCOUNT

ARTIFACT = "churn/output/model.tar.gz"
LOG_GROUPS = f"arn:aws:logs:{REGION}:{TARGET_ACCOUNT}:log-group:/aws/sagemaker"
PROFILES = ("--profile", f"{SOURCE_ACCOUNT}=source", "--profile", f"{TARGET_ACCOUNT}=target")


def run(*args: str | Path) -> Any:
    """`xgen audit ARGS` in-process; exceptions other than exits are test failures."""
    result = CliRunner().invoke(app, ["audit", *(str(a) for a in args)])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def session(profile: str) -> boto3.session.Session:
    return boto3.session.Session(profile_name=profile)


class Deployment:
    """A spec over real moto resources of the source account, rendered to a folder."""

    def __init__(
        self, tmp_path: Path, profile: str = "hardened", image_account: str = SOURCE_ACCOUNT
    ) -> None:
        source = session("source")
        self.profile = profile
        self.bucket = f"xgen-audit-{uuid.uuid4().hex[:12]}"
        self.repository = f"churn-{uuid.uuid4().hex[:8]}"
        source.client("s3", region_name=REGION).create_bucket(Bucket=self.bucket)
        kms = source.client("kms", region_name=REGION)
        self.key_arn = kms.create_key()["KeyMetadata"]["Arn"]
        source.client("ecr", region_name=REGION).create_repository(repositoryName=self.repository)
        self.put_artifact(self.key_arn)
        self.role_name = f"Churn{uuid.uuid4().hex[:8]}"
        self.spec = write_spec(
            tmp_path,
            {
                "xgen": 1,
                "name": "churn",
                "profile": profile,
                "source": {
                    "account_id": SOURCE_ACCOUNT,
                    "region": REGION,
                    "artifact": f"s3://{self.bucket}/{ARTIFACT}",
                    "kms_key_arn": self.key_arn,
                    "image": f"{image_account}.dkr.ecr.{REGION}.amazonaws.com/{self.repository}:1",
                },
                "targets": [
                    {
                        "name": "prod",
                        "account_id": TARGET_ACCOUNT,
                        "role_name": self.role_name,
                        # names are per account: one per test on the shared server
                        "endpoint_name": f"churn-{self.role_name.lower()}",
                    }
                ],
            },
        )
        self.render = tmp_path / "rendered"
        result = CliRunner().invoke(app, ["render", str(self.spec), "-o", str(self.render)])
        assert result.exit_code == 0, result.output

    def put_artifact(self, key_arn: str | None) -> None:
        extra = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": key_arn} if key_arn else {}
        session("source").client("s3", region_name=REGION).put_object(
            Bucket=self.bucket, Key=ARTIFACT, Body=b"model", **extra
        )

    def document(self, kind: Kind, name: str | None = None) -> dict[str, Any]:
        manifest = read_manifest(self.render)
        for doc in manifest.documents:
            if doc.kind is kind and (name is None or Path(doc.path).stem == name):
                return json.loads((self.render / doc.path).read_text())
        raise AssertionError(f"no {kind} document")

    def apply(self) -> None:
        """What `terraform apply` of both root modules does, with boto3."""
        manifest = read_manifest(self.render)
        source = session("source")
        source.client("s3", region_name=REGION).put_bucket_policy(
            Bucket=self.bucket, Policy=json.dumps(self.document(Kind.BUCKET))
        )
        source.client("kms", region_name=REGION).put_key_policy(
            KeyId=self.key_arn, PolicyName="default", Policy=json.dumps(self.document(Kind.KEY))
        )
        if manifest.source.image_in_source_account:
            source.client("ecr", region_name=REGION).set_repository_policy(
                repositoryName=self.repository,
                policyText=json.dumps(self.document(Kind.ECR_REPOSITORY)),
            )
        target = manifest.targets[0]
        iam = session("target").client("iam", region_name=REGION)
        iam.create_role(
            RoleName=self.role_name,
            AssumeRolePolicyDocument=json.dumps(self.document(Kind.TRUST)),
        )
        for doc in manifest.documents:
            if doc.kind is Kind.IDENTITY:
                iam.put_role_policy(
                    RoleName=self.role_name,
                    PolicyName=Path(doc.path).stem,
                    PolicyDocument=(self.render / doc.path).read_text(),
                )
        for arn in target.managed_policy_arns:
            iam.attach_role_policy(RoleName=self.role_name, PolicyArn=arn)
        sagemaker = session("target").client("sagemaker", region_name=REGION)
        sagemaker.create_model(
            ModelName=target.model_name,
            PrimaryContainer={
                "Image": manifest.source.image,
                "ModelDataUrl": manifest.source.artifact,
            },
            ExecutionRoleArn=target.role_arn,
            EnableNetworkIsolation=self.profile == "hardened",
        )
        volume = {}
        if any(d.kind is Kind.KEY and d.target for d in manifest.documents):
            kms = session("target").client("kms", region_name=REGION)
            volume["KmsKeyId"] = kms.create_key(Policy=json.dumps(self.volume_key_policy()))[
                "KeyMetadata"
            ]["Arn"]
        self.endpoint_config = f"{target.endpoint_name}-config"
        sagemaker.create_endpoint_config(
            EndpointConfigName=self.endpoint_config,
            ProductionVariants=[
                {
                    "VariantName": "AllTraffic",
                    "ModelName": target.model_name,
                    "InstanceType": "ml.m5.large",
                    "InitialInstanceCount": 1,
                }
            ],
            **volume,
        )
        sagemaker.create_endpoint(
            EndpointName=target.endpoint_name, EndpointConfigName=self.endpoint_config
        )

    def volume_key_policy(self) -> dict[str, Any]:
        manifest = read_manifest(self.render)
        [doc] = [d for d in manifest.documents if d.kind is Kind.KEY and d.target]
        return json.loads((self.render / doc.path).read_text())

    def put_bucket_policy(self, body: dict[str, Any]) -> None:
        session("source").client("s3", region_name=REGION).put_bucket_policy(
            Bucket=self.bucket, Policy=json.dumps(body)
        )


@pytest.fixture
def deployed(tmp_path: Path) -> Deployment:
    deployment = Deployment(tmp_path)
    deployment.apply()
    return deployment


def audit_json(deployment: Deployment, *extra: str) -> tuple[int, dict[str, Any]]:
    result = run(deployment.spec, *PROFILES, "--format", "json", "--quiet", *extra)
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


def test_a_faithful_apply_audits_clean(deployed: Deployment) -> None:
    code, report = audit_json(deployed)
    assert report["drift"] == []
    assert [f for f in report["findings"] if f["severity"] != "info"] == []
    assert report["checks"] and all(c["ok"] for c in report["checks"])
    assert {c["layer"] for c in report["checks"]} == {"s3", "kms", "ecr", "trust"}
    assert report["summary"]["accounts"] == 2
    assert code == 0


def test_render_compares_with_the_folder_as_applied_hand_edits_included(tmp_path: Path) -> None:
    deployment = Deployment(tmp_path)
    path = next(deployment.render.glob("source-*/policies/bucket-policy.json"))
    policy = json.loads(path.read_text())
    guard = {
        "Sid": "NobodyDeletesTheModel",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:DeleteObject",
        "Resource": f"arn:aws:s3:::{deployment.bucket}/{ARTIFACT}",
    }
    policy["Statement"].append(guard)  # a hand edit, applied with the rest
    path.write_text(json.dumps(policy, indent=2))
    deployment.apply()  # applies the folder as it is, like terraform apply

    code, report = audit_json(deployment, "--render", str(deployment.render))
    assert (code, report["drift"]) == (0, [])
    assert any("edited since `xgen render`" in note for note in report["notes"])
    # against the spec, the hand-added statement is one XA008 finding (the next apply of the
    # spec's render deletes it), not drift as well
    code, report = audit_json(deployment)
    assert code == 1
    assert report["drift"] == []
    [kept] = [f for f in report["findings"] if f["rule"] == "XA008"]
    assert kept["severity"] == "warning"
    assert 'statement "NobodyDeletesTheModel" is live but not in the spec' in kept["message"]
    assert f"xgen import {deployment.spec}" in kept["fix"]


def test_a_lost_principal_arn_condition_is_drift_a_finding_and_a_failed_check(
    deployed: Deployment,
) -> None:
    policy = deployed.document(Kind.BUCKET)
    [grant] = [s for s in policy["Statement"] if "aws:PrincipalArn" in json.dumps(s)]
    del grant["Condition"]
    deployed.put_bucket_policy(policy)

    code, report = audit_json(deployed)

    assert code == 1
    # the JSON contract: these keys, never renamed (more may be added)
    assert list(report)[:3] == ["drift", "findings", "checks"]
    [drift] = report["drift"]
    assert set(drift) >= {"account", "resource", "document", "change", "statement", "field"}
    assert set(drift) >= {"rendered", "live", "message"}
    assert {k for f in report["findings"] for k in f} >= {"rule", "severity", "file", "line"}
    assert {k for c in report["checks"] for k in c} >= {"layer", "principal", "action", "ok"}
    assert drift["account"] == SOURCE_ACCOUNT
    assert drift["resource"] == f"arn:aws:s3:::{deployed.bucket}"
    assert drift["document"].endswith("policies/bucket-policy.json")
    assert (drift["change"], drift["statement"], drift["field"]) == (
        "changed",
        f'"{grant["Sid"]}"',
        "Condition",
    )
    assert drift["live"] is None
    assert "aws:principalarn" in json.dumps(drift["rendered"])
    assert "Condition is missing live" in drift["message"]
    [lint] = [f for f in report["findings"] if f["rule"] == "XG020"]
    assert lint["severity"] == "warning"
    assert lint["file"] == "live:source-111111111111/policies/bucket-policy.json"
    failed = [c for c in report["checks"] if not c["ok"]]
    assert failed and {c["layer"] for c in failed} == {"s3"}
    assert all(c["expected"] == "deny" and c["decision"] == "Allow" for c in failed), [
        (c["expected"], c["decision"], c["principal"]) for c in failed
    ]


def test_reordered_and_respelled_live_policy_is_not_drift(deployed: Deployment) -> None:
    policy = deployed.document(Kind.BUCKET)
    policy["Statement"] = list(reversed(policy["Statement"]))
    for statement in policy["Statement"]:
        if isinstance(statement["Action"], str):
            statement["Action"] = [statement["Action"].upper()]
    deployed.put_bucket_policy(policy)
    code, report = audit_json(deployed)
    assert (code, report["drift"]) == (0, [])


def test_an_extra_inline_policy_is_unexpected_drift_and_is_linted(deployed: Deployment) -> None:
    extra = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{deployed.bucket}/*",
            }
        ],
    }
    session("target").client("iam", region_name=REGION).put_role_policy(
        RoleName=deployed.role_name, PolicyName="debugging", PolicyDocument=json.dumps(extra)
    )
    code, report = audit_json(deployed)
    assert code == 1
    assert len(report["drift"]) == 1, [d["message"] for d in report["drift"]]
    [drift] = report["drift"]
    assert drift["change"] == "unexpected"
    assert drift["document"].endswith("policies/inline/debugging.json")
    assert drift["message"].endswith("inline policy debugging of the role is live but not rendered")
    [finding] = [f for f in report["findings"] if f["file"].endswith("inline/debugging.json")]
    assert finding["rule"] == "XG011"


def test_the_artifact_under_another_key_is_a_finding_with_the_reencrypt_fix(
    deployed: Deployment,
) -> None:
    other = session("source").client("kms", region_name=REGION).create_key()["KeyMetadata"]
    deployed.put_artifact(other["Arn"])
    code, report = audit_json(deployed)
    [finding] = [f for f in report["findings"] if f["rule"] == "XA002"]
    assert finding["severity"] == "error"
    assert "other accounts can only read it under" in finding["message"]
    assert f"xgen reencrypt s3://{deployed.bucket}/{ARTIFACT} --kms-key" in finding["fix"]
    assert code == 1


def test_an_sse_s3_artifact_is_readable_but_not_under_the_key(deployed: Deployment) -> None:
    """SSE-S3 objects are readable across accounts with the bucket policy alone (only the
    aws/s3 managed key is not): a warning that the spec's key protects nothing."""
    deployed.put_artifact(None)  # S3's default encryption: SSE-S3
    code, report = audit_json(deployed)
    [finding] = [f for f in report["findings"] if f["rule"] in ("XA002", "XA005")]
    assert (finding["rule"], finding["severity"]) == ("XA005", "warning")
    assert "readable across accounts through the bucket policy alone" in finding["message"]
    assert code == 1


def test_nothing_applied_yet_gives_findings_not_a_crash(tmp_path: Path) -> None:
    deployment = Deployment(tmp_path)
    code, report = audit_json(deployment)
    assert code == 1
    rules = {f["rule"] for f in report["findings"]}
    assert {"XA001", "XA003"} <= rules
    not_applied = {f["message"].split()[2] for f in report["findings"] if f["rule"] == "XA003"}
    assert not_applied == {"model", "endpoint"}
    missing = [f["message"] for f in report["findings"] if f["rule"] == "XA001"]
    assert any(deployment.role_name in m for m in missing)
    changes = {(d["change"], d["field"]) for d in report["drift"]}
    # The bucket and the repository have no policy yet; the key has AWS's default policy,
    # whose root statement is the rendered one under another Sid.
    assert ("missing", "") in changes
    assert ("changed", "Sid") in changes
    assert any(not c["ok"] for c in report["checks"])


def test_text_report_names_the_drift_and_progress_goes_to_stderr(deployed: Deployment) -> None:
    policy = deployed.document(Kind.BUCKET)
    policy["Statement"] = policy["Statement"][:-1]
    deployed.put_bucket_policy(policy)
    result = run(deployed.spec, *PROFILES)
    assert result.exit_code == 1
    assert "is missing live" in result.stdout
    assert f"read source account {SOURCE_ACCOUNT}" in result.stderr
    assert f"read target prod ({TARGET_ACCOUNT})" in result.stderr
    assert result.stdout.rstrip().splitlines()[-1].startswith("2 accounts: 1 drift")


def test_an_unknown_profile_is_one_line_exit_2(deployed: Deployment) -> None:
    result = run(deployed.spec, "--profile", f"{TARGET_ACCOUNT}=nope", "--quiet")
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert "'nope'" in line and "--profile" in line


def test_ambient_credentials_of_another_account_are_refused(
    deployed: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_PROFILE", "source")
    result = run(deployed.spec, "--quiet")
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert f"no --profile for account {TARGET_ACCOUNT}" in line
    assert f"--profile {TARGET_ACCOUNT}=PROFILE" in line


@pytest.mark.parametrize(
    ("value", "needle"),
    [
        ("source", "is not ACCOUNT_ID=PROFILE"),
        ("333333333333=source", "account 333333333333 is not in the spec"),
    ],
)
def test_bad_profile_options_are_refused_before_any_call(
    deployed: Deployment, value: str, needle: str
) -> None:
    result = run(deployed.spec, "--profile", value, "--quiet")
    assert result.exit_code == 2
    assert needle in result.stderr


def test_a_render_of_another_spec_is_refused(deployed: Deployment, tmp_path: Path) -> None:
    other = tmp_path / "other"
    spec = json.loads(json.dumps(__import__("yaml").safe_load(deployed.spec.read_text())))
    spec["name"] = "other"
    other_spec = write_spec(tmp_path, spec, "other.yaml")
    CliRunner().invoke(app, ["render", str(other_spec), "-o", str(other)])
    result = run(deployed.spec, *PROFILES, "--render", other, "--quiet")
    assert result.exit_code == 2
    assert "was not rendered from" in result.stderr


def test_ambient_credentials_read_the_account_they_belong_to(
    deployed: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_PROFILE", "source")
    result = run(deployed.spec, "--profile", f"{TARGET_ACCOUNT}=target", "--format", "json")
    assert result.exit_code == 0, result.output
    accounts = json.loads(result.stdout)["accounts"]
    assert accounts == [
        {"account_id": SOURCE_ACCOUNT, "profile": None},
        {"account_id": TARGET_ACCOUNT, "profile": "target"},
    ]


def source_entry() -> SourceEntry:
    """The source of a render whose bucket the stubbed calls are about."""
    bucket = "xgen-denied"
    return SourceEntry(
        account_id=SOURCE_ACCOUNT,
        region=REGION,
        dir=f"source-{SOURCE_ACCOUNT}",
        artifact=f"s3://{bucket}/{ARTIFACT}",
        bucket_arn=f"arn:aws:s3:::{bucket}",
        object_arn=f"arn:aws:s3:::{bucket}/{ARTIFACT}",
        kms_key_arn=f"arn:aws:kms:{REGION}:{SOURCE_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        image=f"{SOURCE_ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/churn:1",
        repository_arn=f"arn:aws:ecr:{REGION}:{SOURCE_ACCOUNT}:repository/churn",
        image_in_source_account=True,
    )


@pytest.mark.parametrize(
    ("code", "status", "expected"),
    [
        ("AccessDenied", 403, "access denied (fix: grant the caller s3:GetBucketPolicy)"),
        ("ExpiredToken", 400, "the AWS credentials have expired (fix: refresh them"),
    ],
)
def test_a_failed_read_names_the_account_the_profile_and_the_call(
    code: str, status: int, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    reader = AccountReader(SOURCE_ACCOUNT, "source", session("source"), REGION)
    s3 = session("source").client("s3", region_name=REGION)
    # the stubbed answer stands for AWS over TLS (a plain-http endpoint gets its own message)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "https://s3.us-east-1.amazonaws.com")
    reader._clients["s3", REGION] = s3
    with Stubber(s3) as stub:
        stub.add_client_error("get_bucket_policy", code, "no", status)
        with pytest.raises(InputError) as caught:
            entry = source_entry()
            reader.source(entry, (entry.object_arn,))
    message = str(caught.value)
    assert message.startswith(
        f"account {SOURCE_ACCOUNT} (profile source): s3:GetBucketPolicy: {expected}"
    )
    assert "\n" not in message


def test_profile_seed_audits_clean_and_the_live_attachments_feed_verify(tmp_path: Path) -> None:
    deployment = Deployment(tmp_path, profile="seed")
    deployment.apply()
    code, report = audit_json(deployment)
    assert (code, report["drift"]) == (0, [])
    assert {f["severity"] for f in report["findings"]} == {"info"}
    assert any(c["accepted"] for c in report["checks"])

    [arn] = read_manifest(deployment.render).targets[0].managed_policy_arns
    iam = session("target").client("iam", region_name=REGION)
    iam.detach_role_policy(RoleName=deployment.role_name, PolicyArn=arn)
    code, report = audit_json(deployment)
    assert code == 1
    [drift] = report["drift"]
    assert (drift["change"], drift["message"].rsplit(": ", 1)[1]) == (
        "missing",
        f"{arn} is missing live",
    )
    # Without AmazonSageMakerFullAccess the role has no ECR pull permission any more.
    failed = {(c["layer"], c["action"]) for c in report["checks"] if not c["ok"]}
    assert ("ecr", "ecr:BatchGetImage") in failed


def test_a_live_condition_verify_cannot_judge_is_a_finding_not_a_guess(
    deployed: Deployment,
) -> None:
    trust = deployed.document(Kind.TRUST)
    trust["Statement"][0]["Condition"]["DateLessThan"] = {"aws:CurrentTime": "2030-01-01T00:00:00Z"}
    session("target").client("iam", region_name=REGION).update_assume_role_policy(
        RoleName=deployed.role_name, PolicyDocument=json.dumps(trust)
    )
    code, report = audit_json(deployed)
    assert code == 1
    [finding] = [f for f in report["findings"] if f["rule"] == "XA004"]
    assert finding["file"].endswith("policies/trust-policy.json")
    assert "DateLessThan" in finding["message"]
    # Questions the statement's condition decides are skipped; the rest (other principals,
    # whom the statement never names) are still answered.
    trust_checks = [c for c in report["checks"] if c["layer"] == "trust"]
    assert trust_checks and all(c["ok"] for c in trust_checks)
    assert not any(c["expected"] == "allow" for c in trust_checks)
    assert [d["field"] for d in report["drift"]] == ["Condition.DateLessThan.aws:currenttime"]


def test_an_endpoint_serving_another_model_on_other_instances_without_the_key_is_drift(
    deployed: Deployment,
) -> None:
    target = read_manifest(deployed.render).targets[0]
    sagemaker = session("target").client("sagemaker", region_name=REGION)
    sagemaker.create_model(
        ModelName="hand-made",
        PrimaryContainer={"Image": "nginx:latest"},
        ExecutionRoleArn=target.role_arn,
    )
    sagemaker.create_endpoint_config(
        EndpointConfigName="hand-made-config",
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": "hand-made",
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 2,
            }
        ],
    )
    # What UpdateEndpoint does (moto's server does not implement it).
    sagemaker.delete_endpoint(EndpointName=target.endpoint_name)
    sagemaker.create_endpoint(
        EndpointName=target.endpoint_name, EndpointConfigName="hand-made-config"
    )
    code, report = audit_json(deployed)
    assert code == 1
    drift = {(d["field"] or d["change"], d["resource"]) for d in report["drift"]}
    assert drift == {
        ("ProductionVariants[0].ModelName", "hand-made-config"),
        ("ProductionVariants[0].InitialInstanceCount", "hand-made-config"),
        ("missing", "hand-made-config"),
    }
    [count] = [d for d in report["drift"] if d["field"].endswith("InitialInstanceCount")]
    assert (count["rendered"], count["live"]) == (1, 2)
    [volume] = [d for d in report["drift"] if d["change"] == "missing"]
    assert "volume key (KmsKeyId) is missing live" in volume["message"]


def test_a_tampered_volume_key_policy_is_drift(deployed: Deployment) -> None:
    policy = deployed.volume_key_policy()
    policy["Statement"][1]["Principal"] = {"AWS": f"arn:aws:iam::{TARGET_ACCOUNT}:root"}
    sagemaker = session("target").client("sagemaker", region_name=REGION)
    config = sagemaker.describe_endpoint_config(EndpointConfigName=deployed.endpoint_config)
    session("target").client("kms", region_name=REGION).put_key_policy(
        KeyId=config["KmsKeyId"], PolicyName="default", Policy=json.dumps(policy)
    )
    code, report = audit_json(deployed)
    assert code == 1
    [drift] = report["drift"]
    assert drift["document"].endswith("policies/volume-key-policy.json")
    assert (drift["field"], drift["resource"]) == ("Principal", config["KmsKeyId"])


def test_live_inline_policies_over_the_role_limit_together_are_a_finding(
    deployed: Deployment,
) -> None:
    iam = session("target").client("iam", region_name=REGION)
    for index in range(2):
        statements = [
            {
                "Sid": f"Logs{index}x{n}",
                "Effect": "Allow",
                "Action": "logs:PutLogEvents",
                "Resource": f"{LOG_GROUPS}/{n:04d}:*",
            }
            for n in range(45)
        ]
        iam.put_role_policy(
            RoleName=deployed.role_name,
            PolicyName=f"logging-{index}",
            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}),
        )
    code, report = audit_json(deployed)
    assert code == 1
    [size] = [f for f in report["findings"] if f["rule"] == "XG008"]
    role = f"arn:aws:iam::{TARGET_ACCOUNT}:role/{deployed.role_name}"
    # the render's three inline policies and the two extra ones, measured as AWS does
    assert size["message"].startswith(f"the 5 inline policies of role {role} are ")
    assert size["file"].startswith("live:")


def test_a_model_without_network_isolation_is_drift(deployed: Deployment) -> None:
    target = read_manifest(deployed.render).targets[0]
    sagemaker = session("target").client("sagemaker", region_name=REGION)
    model = sagemaker.describe_model(ModelName=target.model_name)
    sagemaker.delete_model(ModelName=target.model_name)
    sagemaker.create_model(
        ModelName=target.model_name,
        PrimaryContainer=model["PrimaryContainer"],
        ExecutionRoleArn=target.role_arn,
        EnableNetworkIsolation=False,
    )
    code, report = audit_json(deployed)
    assert code == 1
    [drift] = report["drift"]
    assert (drift["field"], drift["rendered"], drift["live"]) == (
        "EnableNetworkIsolation",
        True,
        False,
    )
    assert drift["message"].endswith(
        "model: EnableNetworkIsolation differs (rendered: true; live: false)"
    )


def test_an_image_outside_the_source_account_is_not_read_nor_asked_about(tmp_path: Path) -> None:
    # an AWS-owned image registry (SageMaker's prebuilt containers): not the source's ECR
    deployment = Deployment(tmp_path, image_account="683313688378")
    deployment.apply()
    code, report = audit_json(deployment)
    assert (code, report["drift"], report["findings"]) == (0, [], [])
    assert {c["layer"] for c in report["checks"]} == {"s3", "kms", "trust"}


def test_each_profile_fetches_its_credentials_once(
    deployed: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A role profile assumes its role once per audit, not once per service client."""
    from botocore.client import BaseClient

    calls: list[str] = []
    make_call = BaseClient._make_api_call

    def counting(self: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        calls.append(operation)
        return make_call(self, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", counting)
    code, _ = audit_json(deployed)
    assert code == 0
    assert calls.count("AssumeRole") == 2  # profiles source and target
    assert calls.count("GetCallerIdentity") == 2


def test_a_lone_surrogate_in_a_live_sid_prints_escaped(deployed: Deployment) -> None:
    policy = deployed.document(Kind.BUCKET)
    policy["Statement"][0]["Sid"] = "Deny\ud800"  # valid JSON ("\ud800"), not encodable
    deployed.put_bucket_policy(policy)
    for output in ("text", "json"):
        result = run(deployed.spec, *PROFILES, "--format", output, "--quiet")
        assert result.exit_code == 1, result.output
        assert "\\ud800" in result.stdout
    assert json.loads(result.stdout)["drift"]


def test_access_denied_over_plain_http_names_the_non_tls_deny(deployed: Deployment) -> None:
    policy = deployed.document(Kind.BUCKET)
    # as AWS applies the rendered non-TLS deny to a plain-http request (moto cannot tell)
    policy["Statement"].insert(
        0,
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": f"arn:aws:s3:::{deployed.bucket}/*",
        },
    )
    deployed.put_bucket_policy(policy)
    result = run(deployed.spec, *PROFILES, "--quiet")
    assert result.exit_code == 2, result.output
    [line] = result.stderr.splitlines()
    assert "access denied over plain HTTP (http://127.0.0.1:" in line
    assert "denies every request without TLS (aws:SecureTransport false)" in line
