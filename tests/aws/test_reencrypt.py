"""`xgen reencrypt` against a moto server: the article's step 5, and each way it can fail."""

from __future__ import annotations

import uuid
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from typer.testing import CliRunner

from generator.aws.multipart import MIB
from generator.aws.names import KmsKey, S3Object, parse_key_arn
from generator.aws.reencrypt import apply, inspect, s3_client
from generator.cli import app
from generator.errors import InputError

from .conftest import REGION

BODY = b"model weights " * 1000
ARTIFACT = "sagemaker/linear-learner/output/model.tar.gz"
METADATA = {"trained-by": "linear-learner", "job": "job-1"}
TAGS = [{"Key": "team", "Value": "ml"}, {"Key": "stage", "Value": "prod 1"}]


def put_artifact(session: boto3.session.Session, bucket: str, body: bytes = BODY) -> Any:
    s3 = session.client("s3", region_name=REGION)
    s3.put_object(
        Bucket=bucket,
        Key=ARTIFACT,
        Body=body,
        Metadata=METADATA,
        ContentType="application/x-tar",
        Tagging="team=ml&stage=prod%201",
    )
    return s3


def run(*args: str) -> Any:
    """`xgen reencrypt ARGS` in-process; exceptions other than exits are test failures."""
    result = CliRunner().invoke(app, ["reencrypt", *args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def assert_one_line_error(result: Any, *needles: str) -> None:
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    for needle in needles:
        assert needle in lines[0]


def assert_kept(s3: Any, bucket: str, key_arn: str, body: bytes = BODY) -> None:
    head = s3.head_object(Bucket=bucket, Key=ARTIFACT)
    assert head["ServerSideEncryption"] == "aws:kms"
    assert head["SSEKMSKeyId"] == key_arn
    assert head["Metadata"] == METADATA
    assert head["ContentType"] == "application/x-tar"
    assert s3.get_object_tagging(Bucket=bucket, Key=ARTIFACT)["TagSet"] == TAGS
    assert s3.get_object(Bucket=bucket, Key=ARTIFACT)["Body"].read() == body


def test_reencrypts_in_place_keeping_metadata_tags_and_bytes(source, bucket, key_arn):
    s3 = put_artifact(source, bucket)
    assert "SSEKMSKeyId" not in s3.head_object(Bucket=bucket, Key=ARTIFACT)

    result = run(f"s3://{bucket}/{ARTIFACT}", "--kms-key", key_arn, "--profile", "source")

    assert result.exit_code == 0, result.stderr
    assert f"SSE-KMS under {key_arn}" in result.stderr
    assert "versioned" not in result.stderr
    assert_kept(s3, bucket, key_arn)


def test_second_run_is_a_no_op(source, bucket, key_arn, monkeypatch):
    s3 = put_artifact(source, bucket)
    uri = f"s3://{bucket}/{ARTIFACT}"
    assert run(uri, "--kms-key", key_arn, "--profile", "source").exit_code == 0
    before = s3.head_object(Bucket=bucket, Key=ARTIFACT)["LastModified"]

    monkeypatch.setenv("AWS_PROFILE", "source")  # the profile may come from the environment
    result = run(uri, "--kms-key", key_arn)

    assert result.exit_code == 0
    assert "already SSE-KMS" in result.stderr
    assert "nothing to do" in result.stderr
    assert s3.head_object(Bucket=bucket, Key=ARTIFACT)["LastModified"] == before


def test_dry_run_writes_nothing(source, bucket, key_arn):
    s3 = put_artifact(source, bucket)
    before = s3.head_object(Bucket=bucket, Key=ARTIFACT)

    result = run(
        f"s3://{bucket}/{ARTIFACT}", "--kms-key", key_arn, "--profile", "source", "--dry-run"
    )

    assert result.exit_code == 0
    assert result.stderr.startswith(f"would copy s3://{bucket}/{ARTIFACT} ({len(BODY)} bytes")
    assert "2 tag(s)" in result.stderr
    after = s3.head_object(Bucket=bucket, Key=ARTIFACT)
    assert "SSEKMSKeyId" not in after
    assert after["LastModified"] == before["LastModified"]


def test_versioned_bucket_says_the_old_version_keeps_its_encryption(key_arn):
    # The second account, through its own role profile, with its own key and bucket.
    target = boto3.session.Session(profile_name="target")
    account = target.client("sts").get_caller_identity()["Account"]
    target_key = target.client("kms", region_name=REGION).create_key()["KeyMetadata"]["Arn"]
    assert f":{account}:" in target_key
    bucket = f"xgen-versioned-{uuid.uuid4().hex[:12]}"
    s3 = target.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    old_version = put_artifact(target, bucket).head_object(Bucket=bucket, Key=ARTIFACT)["VersionId"]

    result = run(f"s3://{bucket}/{ARTIFACT}", "--kms-key", target_key, "--profile", "target")

    assert result.exit_code == 0, result.stderr
    assert f"previous version {old_version} keeps its old encryption" in result.stderr
    assert_kept(s3, bucket, target_key)
    old = s3.head_object(Bucket=bucket, Key=ARTIFACT, VersionId=old_version)
    assert "SSEKMSKeyId" not in old


def test_multipart_path_keeps_metadata_and_tags(source, bucket, key_arn):
    body = bytes(range(256)) * (11 * MIB // 256)  # 11 MiB: three parts of 5, 5 and 1 MiB
    s3 = put_artifact(source, bucket, body)
    key = parse_key_arn(key_arn)
    seen: list[int] = []

    plan = inspect(
        s3_client("source", key),
        S3Object(bucket, ARTIFACT),
        key,
        profile="source",
        multipart_threshold=8 * MIB,
        part_size=5 * MIB,
    )
    assert (plan.multipart, plan.parts) == (True, 3)
    apply(plan, progress=seen.append)

    assert sorted(seen) == [1 * MIB, 5 * MIB, 5 * MIB]
    assert_kept(s3, bucket, key_arn, body)


def test_missing_object_is_one_line(bucket, key_arn):
    result = run(f"s3://{bucket}/no/such/model.tar.gz", "--kms-key", key_arn, "--profile", "source")
    assert_one_line_error(result, "does not exist", f"s3://{bucket}/no/such/model.tar.gz")


def test_missing_bucket_is_one_line(key_arn):
    result = run(
        "s3://xgen-no-such-bucket/model.tar.gz", "--kms-key", key_arn, "--profile", "source"
    )
    assert_one_line_error(result, "bucket xgen-no-such-bucket does not exist")


def test_key_in_another_region_than_the_bucket(source, bucket):
    put_artifact(source, bucket)
    west_key = source.client("kms", region_name="us-west-2").create_key()["KeyMetadata"]["Arn"]

    result = run(f"s3://{bucket}/{ARTIFACT}", "--kms-key", west_key, "--profile", "source")

    assert_one_line_error(result, "us-west-2", f"bucket {bucket} is in {REGION}")


def test_unknown_profile(bucket, key_arn):
    result = run(f"s3://{bucket}/{ARTIFACT}", "--kms-key", key_arn, "--profile", "nope")
    assert_one_line_error(result, "AWS profile 'nope' is not in the AWS config")


def test_no_credentials(bucket, key_arn):
    result = run(f"s3://{bucket}/{ARTIFACT}", "--kms-key", key_arn, "--profile", "keyless")
    assert_one_line_error(result, "no AWS credentials found", "--profile keyless")


@pytest.mark.parametrize(
    ("uri", "key_arn", "needle"),
    [
        (
            "bucket/model.tar.gz",
            "arn:aws:kms:us-east-1:111111111111:key/" + "1" * 8 + "-1111-1111-1111-" + "1" * 12,
            "not an S3 URI",
        ),
        ("s3://Bad_Bucket/model.tar.gz", "x", "not a valid S3 bucket name"),
        ("s3://bucket/prefix/", "x", "not an object"),
        ("s3://bucket/model.tar.gz", "alias/model", "describe-key --key-id alias/model"),
        ("s3://bucket/model.tar.gz", "1234", "not a KMS key ARN"),
        # a placeholder id: the form and an example, not the input repeated back
        (
            "s3://bucket/model.tar.gz",
            "arn:aws:kms:us-east-1:111111111111:key/KEY_ID",
            "use arn:aws:kms:<region>:<account-id>:key/<key-id>, where <key-id> is the key's id",
        ),
        # the key to move away from is not offered as the way to go
        (
            "s3://bucket/model.tar.gz",
            "alias/aws/s3",
            "alias/aws/s3 is the AWS managed S3 key, the one other accounts can never use "
            "(fix: create a customer managed key",
        ),
    ],
)
def test_invalid_arguments_fail_before_any_call(uri, key_arn, needle):
    assert_one_line_error(run(uri, "--kms-key", key_arn, "--profile", "nope"), needle)


# --- AccessDenied: moto does not enforce IAM, so botocore's Stubber plays S3 -------------

OBJ = S3Object("artifact-bucket", ARTIFACT)
KEY = KmsKey(
    f"arn:aws:kms:{REGION}:111111111111:key/{'1' * 8}-1111-1111-1111-{'1' * 12}",
    REGION,
    "111111111111",
)
HEAD = {"ContentLength": 10, "ETag": '"abc"', "ServerSideEncryption": "AES256"}


def stubbed_s3() -> tuple[Any, Stubber]:
    s3 = boto3.session.Session(
        aws_access_key_id="AKIAIOSFODNN7EXAMPLE", aws_secret_access_key="x", region_name=REGION
    ).client("s3")
    stubber = Stubber(s3)
    stubber.add_response("head_bucket", {}, {"Bucket": OBJ.bucket})
    return s3, stubber


def test_access_denied_on_copy_names_the_permissions():
    s3, stubber = stubbed_s3()
    stubber.add_response("head_object", HEAD, {"Bucket": OBJ.bucket, "Key": OBJ.key})
    stubber.add_client_error("copy_object", "AccessDenied", "Access Denied", 403)
    with stubber, pytest.raises(InputError) as raised:
        apply(inspect(s3, OBJ, KEY, profile="source"))
    message = str(raised.value)
    for permission in (
        "s3:GetObject",
        "s3:PutObject",
        "kms:Decrypt",
        f"kms:GenerateDataKey on {KEY.arn}",
    ):
        assert permission in message
    assert "\n" not in message


def test_access_denied_naming_an_action_names_that_one():
    s3, stubber = stubbed_s3()
    stubber.add_response("head_object", HEAD, {"Bucket": OBJ.bucket, "Key": OBJ.key})
    stubber.add_client_error(
        "copy_object",
        "AccessDenied",
        "User: arn:aws:sts::111111111111:assumed-role/r/s is not authorized to perform: "
        f"kms:GenerateDataKey on resource: {KEY.arn} with access key AKIAIOSFODNN7EXAMPLE",
        403,
    )
    with stubber, pytest.raises(InputError) as raised:
        apply(inspect(s3, OBJ, KEY, profile="source"))
    assert str(raised.value).endswith("(fix: grant the caller kms:GenerateDataKey)")


def test_access_denied_reading_the_object_names_get_object():
    s3, stubber = stubbed_s3()
    stubber.add_client_error("head_object", "403", "Forbidden", 403)
    with stubber, pytest.raises(InputError) as raised:
        inspect(s3, OBJ, KEY, profile="source")
    assert "access denied" in str(raised.value)
    assert f"s3:GetObject on {OBJ.uri}" in str(raised.value)


def test_expired_credentials_are_one_line():
    s3, stubber = stubbed_s3()
    stubber.add_client_error("head_object", "ExpiredToken", "The token has expired", 400)
    with stubber, pytest.raises(InputError) as raised:
        inspect(s3, OBJ, KEY, profile="sso-dev")
    assert "credentials have expired" in str(raised.value)
    assert "aws sso login --profile sso-dev" in str(raised.value)


def test_storage_class_is_kept(source, bucket, key_arn):
    # A copy without StorageClass would be written as STANDARD.
    s3 = source.client("s3", region_name=REGION)
    s3.put_object(Bucket=bucket, Key=ARTIFACT, Body=BODY, StorageClass="STANDARD_IA")

    result = run(f"s3://{bucket}/{ARTIFACT}", "--kms-key", key_arn, "--profile", "source")

    assert result.exit_code == 0, result.stderr
    head = s3.head_object(Bucket=bucket, Key=ARTIFACT)
    assert (head["StorageClass"], head["SSEKMSKeyId"]) == ("STANDARD_IA", key_arn)


def test_access_key_ids_in_aws_messages_are_masked():
    s3, stubber = stubbed_s3()
    stubber.add_client_error(
        "head_object", "InvalidArgument", "bad request from AKIAIOSFODNN7EXAMPLE", 400
    )
    with stubber, pytest.raises(InputError) as raised:
        inspect(s3, OBJ, KEY, profile="source")
    assert "AKIA" not in str(raised.value)
    assert "<access key id>" in str(raised.value)
