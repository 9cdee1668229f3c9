"""`xgen import` against the moto server: a source account whose policies already hold
statements xgen does not render, the spec edited in place, then a real `terraform apply`.

The foreign statements are the ones the issue names: S3 server access logs delivered into
the bucket, a replication role reading it, the training role encrypting its output with
the key (kms:GenerateDataKey / kms:Encrypt), and a CI role pushing images.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import boto3
import pytest
from typer.testing import CliRunner

from generator.audit.drift import canonical
from generator.cli import app
from generator.policy.document import parse_statement
from generator.spec import load_spec
from tests.terraformkit import require_terraform

from .conftest import REGION, SOURCE_ACCOUNT, TARGET_ACCOUNT
from .e2ekit import Accounts

ARTIFACT = "churn/output/model.tar.gz"
SOURCE = ("--profile", f"{SOURCE_ACCOUNT}=source")
ENTRY = "from generator.entry import main; main()"  # the console script, without installing it
TRAINING_ROLE = f"arn:aws:iam::{SOURCE_ACCOUNT}:role/SageMakerTraining"


def _session() -> boto3.session.Session:
    return boto3.session.Session(profile_name="source")


def _policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


class Existing:
    """A source account as a platform team left it: bucket, key and repository, each with a
    policy of its own, before xgen."""

    def __init__(self, tmp_path: Path) -> None:
        source = _session()
        self.bucket = f"xgen-import-{uuid.uuid4().hex[:12]}"
        self.repository = f"churn-{uuid.uuid4().hex[:8]}"
        self.s3 = source.client("s3", region_name=REGION)
        self.kms = source.client("kms", region_name=REGION)
        self.ecr = source.client("ecr", region_name=REGION)
        self.s3.create_bucket(Bucket=self.bucket)
        self.key_arn = self.kms.create_key()["KeyMetadata"]["Arn"]
        self.ecr.create_repository(repositoryName=self.repository)
        self.foreign = {
            "bucket": [
                {
                    "Sid": "S3ServerAccessLogsPolicy",
                    "Effect": "Allow",
                    "Principal": {"Service": "logging.s3.amazonaws.com"},
                    "Action": "s3:PutObject",
                    "Resource": f"arn:aws:s3:::{self.bucket}/access-logs/*",
                    "Condition": {"StringEquals": {"aws:SourceAccount": SOURCE_ACCOUNT}},
                },
                {
                    # no Sid: named by its place
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{SOURCE_ACCOUNT}:role/s3-replication"},
                    "Action": ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl"],
                    "Resource": f"arn:aws:s3:::{self.bucket}/*",
                },
            ],
            "key": [
                {
                    "Sid": "TrainingRoleEncryptsOutput",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{SOURCE_ACCOUNT}:root"},
                    "Action": ["kms:GenerateDataKey", "kms:Encrypt"],
                    "Resource": "*",
                    "Condition": {"StringEquals": {"aws:PrincipalArn": TRAINING_ROLE}},
                }
            ],
            "repository": [
                {
                    "Sid": "CiPushesImages",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{SOURCE_ACCOUNT}:role/ci"},
                    "Action": ["ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart"],
                }
            ],
        }
        # AWS's default key policy keeps its root statement: the render has it too
        default_root = {
            "Sid": "Enable IAM User Permissions",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{SOURCE_ACCOUNT}:root"},
            "Action": "kms:*",
            "Resource": "*",
        }
        self.s3.put_bucket_policy(Bucket=self.bucket, Policy=_policy(*self.foreign["bucket"]))
        self.kms.put_key_policy(
            KeyId=self.key_arn,
            PolicyName="default",
            Policy=_policy(default_root, *self.foreign["key"]),
        )
        self.ecr.set_repository_policy(
            repositoryName=self.repository, policyText=_policy(*self.foreign["repository"])
        )
        self.s3.put_object(
            Bucket=self.bucket,
            Key=ARTIFACT,
            Body=b"model",
            ServerSideEncryption="aws:kms",
            SSEKMSKeyId=self.key_arn,
        )
        self.role_name = f"Churn{uuid.uuid4().hex[:8]}"
        self.spec = tmp_path / "spec.yaml"
        self.spec.write_text(self.spec_text(), encoding="utf-8")

    def spec_text(self, bucket: str | None = None, key_arn: str | None = None) -> str:
        """A spec as a person writes one: comments everywhere, no keep lists yet."""
        return f"""\
# Churn model: trained in the ML account, served by prod.
xgen: 1
name: churn
profile: hardened   # least privilege

source:             # the training account
  account_id: "{SOURCE_ACCOUNT}"
  region: {REGION}
  # the training job's output, under the key below
  artifact: s3://{bucket or self.bucket}/{ARTIFACT}
  kms_key_arn: {key_arn or self.key_arn}
  image: {SOURCE_ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{self.repository}:1

# the serving accounts
targets:
  - name: prod
    account_id: "{TARGET_ACCOUNT}"
    role_name: {self.role_name}   # created by xgen
    endpoint_name: churn-{self.role_name.lower()}
"""

    def live(self) -> dict[str, list[dict[str, Any]]]:
        """The statements of the three policies as they are live now."""
        bucket = json.loads(self.s3.get_bucket_policy(Bucket=self.bucket)["Policy"])
        key = json.loads(
            self.kms.get_key_policy(KeyId=self.key_arn, PolicyName="default")["Policy"]
        )
        repository = json.loads(
            self.ecr.get_repository_policy(repositoryName=self.repository)["policyText"]
        )
        return {
            "bucket": bucket["Statement"],
            "key": key["Statement"],
            "repository": repository["Statement"],
        }


def _same(statements: list[dict[str, Any]]) -> list[str]:
    """Statements in drift's canonical spelling (AWS may respell what it hands back)."""
    return sorted(json.dumps(canonical(parse_statement(s, 0))) for s in statements)


def run(*args: str | Path) -> Any:
    result = CliRunner().invoke(app, [str(a) for a in args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


@pytest.fixture
def existing(tmp_path: Path) -> Existing:
    return Existing(tmp_path)


def _kept(spec: Path) -> dict[str, list[dict[str, Any]]]:
    source = load_spec(spec).source
    return {
        "bucket": source.bucket_policy_statements,
        "key": source.key_policy_statements,
        "repository": source.repository_policy_statements,
    }


def test_import_keeps_the_foreign_statements_and_terraform_apply_leaves_them_live(
    existing: Existing, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = existing.spec.read_text()
    existing.spec.chmod(0o640)

    result = run("import", existing.spec, *SOURCE, "--quiet")

    assert result.exit_code == 0, result.output
    kept = [line for line in result.stdout.splitlines() if ": kept: " in line]
    assert len(kept) == 4, result.stdout
    assert any(line.startswith('bucket policy "S3ServerAccessLogsPolicy": kept:') for line in kept)
    assert any(line.startswith("bucket policy Statement[1]: kept:") for line in kept)
    assert any(line.startswith('key policy "TrainingRoleEncryptsOutput": kept:') for line in kept)
    assert any(line.startswith('repository policy "CiPushesImages": kept:') for line in kept)
    assert 'key policy "Enable IAM User Permissions": left: rendered by the spec' in result.stdout
    assert result.stdout.splitlines()[-1].startswith(f"kept 4 statements in {existing.spec}")
    assert "AKIA" not in result.output and "EXAMPLEKEY" not in result.output
    # the person's text survives line for line (comments, order, quoting); lines were added
    after = existing.spec.read_text()
    old = before.splitlines()
    new = iter(after.splitlines())
    assert all(line in new for line in old), after  # the old lines, in order, in the new text
    # the lists follow the source's last value; the comment stays with what it describes
    assert f"{existing.repository}:1\n  bucket_policy_statements:\n    - Sid: S3Server" in after
    assert "\n\n# the serving accounts\ntargets:\n" in after
    assert stat.S_IMODE(existing.spec.stat().st_mode) == 0o640
    assert _kept(existing.spec) == existing.foreign

    # a second run changes nothing, not even the file's inode
    inode = existing.spec.stat().st_ino
    again = run("import", existing.spec, *SOURCE, "--quiet")
    assert again.exit_code == 0, again.output
    assert again.stdout.splitlines()[-1] == f"nothing to keep: {existing.spec} is unchanged"
    assert ": kept: " not in again.stdout
    assert "already in source.bucket_policy_statements" in again.stdout
    assert existing.spec.read_text() == after
    assert existing.spec.stat().st_ino == inode

    # render, and apply the source's root module with real terraform
    rendered = tmp_path / "rendered"
    assert run("render", existing.spec, "-o", rendered).exit_code == 0
    terraform = require_terraform(tmp_path)
    accounts = Accounts(os.environ["AWS_ENDPOINT_URL"], REGION)
    accounts.add(SOURCE_ACCOUNT)
    env = accounts.terraform_env(terraform, SOURCE_ACCOUNT)
    folder = rendered / f"source-{SOURCE_ACCOUNT}"
    terraform.run(folder, "init", "-input=false", env=env)
    terraform.run(folder, "apply", "-auto-approve", "-input=false", env=env)

    live = existing.live()
    for name, statements in existing.foreign.items():
        assert set(_same(statements)) <= set(_same(live[name])), name
    # and the render's own statements are live beside them
    assert any(s.get("Sid") == "XgenTargetRolesReadModelArtifact" for s in live["bucket"])
    assert any(s.get("Sid") == "XgenTargetRolesDecryptArtifactViaS3" for s in live["key"])
    assert any(s.get("Sid") == "XgenTargetRolesPullImage" for s in live["repository"])
    # nothing is left for import to keep: what is live is the render
    last = run("import", existing.spec, *SOURCE, "--quiet")
    assert (last.exit_code, existing.spec.read_text()) == (0, after)
    # and the audit sees the source as rendered (the target is not applied here)
    report = _audit(existing)
    assert [f for f in report["findings"] if f["rule"] == "XA008"] == []
    assert [d for d in report["drift"] if d["account"] == SOURCE_ACCOUNT] == []


def _audit(existing: Existing) -> dict[str, Any]:
    result = run(
        "audit",
        existing.spec,
        *SOURCE,
        "--profile",
        f"{TARGET_ACCOUNT}=target",
        "--format",
        "json",
        "--quiet",
    )
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def test_audit_before_the_first_apply_warns_about_each_statement_the_apply_would_delete(
    existing: Existing,
) -> None:
    report = _audit(existing)
    warned = [f for f in report["findings"] if f["rule"] == "XA008"]
    assert {f["severity"] for f in warned} == {"warning"}
    assert len(warned) == 4, [f["message"] for f in warned]
    messages = " ".join(f["message"] for f in warned)
    for name in ('"S3ServerAccessLogsPolicy"', "Statement[1]", '"TrainingRoleEncryptsOutput"'):
        assert f"statement {name} is live but not in the spec" in messages
    assert all(f"xgen import {existing.spec}" in f["fix"] for f in warned)
    # reported once: as the finding, not also as drift
    assert not [d for d in report["drift"] if d["change"] == "unexpected"]

    assert run("import", existing.spec, *SOURCE, "--quiet").exit_code == 0
    report = _audit(existing)
    assert [f for f in report["findings"] if f["rule"] == "XA008"] == []


def test_explain_xa006_says_why_and_how_to_fix() -> None:
    result = run("explain", "XA008")
    assert result.exit_code == 0
    assert "xgen import SPEC" in result.stdout
    assert "warning" in result.stdout


def test_dry_run_prints_what_would_be_kept_and_writes_nothing(existing: Existing) -> None:
    before = existing.spec.read_bytes()
    result = run("import", existing.spec, *SOURCE, "--dry-run", "--quiet")
    assert result.exit_code == 0, result.output
    assert result.stdout.count(": would keep: ") == 4
    assert ": kept: " not in result.stdout
    assert "--dry-run: nothing written" in result.stdout.splitlines()[-1]
    assert existing.spec.read_bytes() == before


def _refused(existing: Existing, *args: str | Path) -> str:
    """Run import; it must exit 2 with one line and leave the spec as it was."""
    before = existing.spec.read_bytes()
    result = run("import", existing.spec, *args, "--quiet")
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    [line] = result.stderr.strip().splitlines()
    assert existing.spec.read_bytes() == before
    return line


def test_an_unknown_profile_is_one_line_exit_2(existing: Existing) -> None:
    line = _refused(existing, "--profile", f"{SOURCE_ACCOUNT}=nope")
    assert "'nope'" in line and "--profile" in line


def test_credentials_of_another_account_are_refused(existing: Existing) -> None:
    line = _refused(existing, "--profile", f"{SOURCE_ACCOUNT}=target")
    assert f"credentials for account {TARGET_ACCOUNT}, not {SOURCE_ACCOUNT}" in line


def test_a_missing_bucket_is_one_line_exit_2(existing: Existing) -> None:
    existing.spec.write_text(existing.spec_text(bucket=f"xgen-gone-{uuid.uuid4().hex[:8]}"))
    line = _refused(existing, *SOURCE)
    assert "does not exist in account" in line and "source.artifact" in line


def test_a_missing_key_is_one_line_exit_2(existing: Existing) -> None:
    gone = f"arn:aws:kms:{REGION}:{SOURCE_ACCOUNT}:key/{uuid.uuid4()}"
    existing.spec.write_text(existing.spec_text(key_arn=gone))
    line = _refused(existing, *SOURCE)
    assert f"KMS key {gone} does not exist" in line


def test_a_bucket_policy_that_denies_reading_it_is_one_line_exit_2(existing: Existing) -> None:
    deny = {
        "Sid": "NobodyReadsThePolicy",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:GetBucketPolicy",
        "Resource": f"arn:aws:s3:::{existing.bucket}",
    }
    existing.s3.put_bucket_policy(Bucket=existing.bucket, Policy=_policy(deny))
    line = _refused(existing, *SOURCE)
    assert "access denied" in line and "s3:GetBucketPolicy" in line


def test_a_read_only_spec_is_refused_before_any_call(existing: Existing) -> None:
    existing.spec.chmod(0o444)
    line = _refused(existing, *SOURCE)
    assert "read-only" in line
    assert run("import", existing.spec, *SOURCE, "--dry-run", "-q").exit_code == 0


def test_a_spec_that_is_a_symlink_is_edited_where_it_points(
    existing: Existing, tmp_path: Path
) -> None:
    real = tmp_path / "specs" / "churn.yaml"
    real.parent.mkdir()
    existing.spec.rename(real)
    existing.spec.symlink_to(real)
    result = run("import", existing.spec, *SOURCE, "--quiet")
    assert result.exit_code == 0, result.output
    assert existing.spec.is_symlink() and existing.spec.resolve() == real
    assert _kept(real) == existing.foreign
    assert sorted(p.name for p in real.parent.iterdir()) == ["churn.yaml"]  # no temp left


def test_two_imports_at_once_add_each_statement_once(existing: Existing) -> None:
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", ENTRY, "import", str(existing.spec), *SOURCE, "-q"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [(p.wait(timeout=120), p.stderr.read()) for p in runs]
    codes = sorted(code for code, _ in results)
    assert codes in ([0, 0], [0, 2]), results
    for code, stderr in results:
        if code == 2:
            assert "another xgen import is editing this spec" in stderr
    assert _kept(existing.spec) == existing.foreign
    leftovers = [p.name for p in existing.spec.parent.iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_a_changed_statement_of_xgen_own_is_left_for_the_apply_to_rewrite(
    existing: Existing,
) -> None:
    """A render's statement as an earlier spec applied it (another account) is not foreign:
    keeping it would repeat its Sid, and the apply writes the current one."""
    earlier = {
        "Sid": "XgenTargetRolesReadModelArtifact",
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::333333333333:root"},
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{existing.bucket}/{ARTIFACT}",
    }
    existing.s3.put_bucket_policy(Bucket=existing.bucket, Policy=_policy(earlier))
    result = run("import", existing.spec, *SOURCE, "--quiet")
    assert result.exit_code == 0, result.output
    assert (
        'bucket policy "XgenTargetRolesReadModelArtifact": left: xgen\'s own statement'
        in result.stdout
    )
    assert _kept(existing.spec)["bucket"] == []


def test_statements_that_would_make_the_policy_too_large_are_refused(
    existing: Existing,
) -> None:
    """AWS's bucket policy limit is 20 KB: a live policy near it, plus the render's own
    statements, would be refused at apply, so import refuses first."""
    prefixes = [f"arn:aws:s3:::{existing.bucket}/team-{i:04d}/*" for i in range(400)]
    big = {"Sid": "ManyTeams", "Effect": "Allow", "Principal": {"AWS": SOURCE_ACCOUNT}}
    big |= {"Action": "s3:GetObject", "Resource": prefixes}
    existing.s3.put_bucket_policy(Bucket=existing.bucket, Policy=_policy(big))
    line = _refused(existing, *SOURCE)
    assert "would not render" in line and "over AWS's limit" in line
