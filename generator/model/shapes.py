"""Shapes AWS documents for the values of a spec, and the checks every model shares.

Each check raises ValueError with "what is wrong; how to fix it": the CLI prints exactly
that one line (spec.py adds the file, line and column). No I/O happens here.
"""

from __future__ import annotations

import ipaddress
import math
import re
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

# IAM: role names are 1-64 of [\w+=,.@-] (ASCII word characters).
# https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html
ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}\Z", re.ASCII)
# SageMaker model, endpoint and endpoint-configuration names.
# https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateModel.html
SAGEMAKER_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9])*\Z")
SAGEMAKER_NAME_MAX = 63
INSTANCE_TYPE = re.compile(r"^ml\.[a-z0-9]+\.[a-z0-9]+\Z")
TARGET_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?\Z")
KMS_KEY_ARN = re.compile(
    r"^arn:(?P<partition>aws[a-z-]*):kms:(?P<region>[a-z0-9-]+):(?P<account>[0-9]{12}):"
    r"key/(?P<key_id>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})\Z"
)
KMS_ALIAS = re.compile(r"^(arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:)?alias/(?P<name>.+)\Z")
KEY_ID = re.compile(
    r"^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})\Z"
)
# ECR image URI: ACCOUNT.dkr.ecr.REGION.amazonaws.com[.cn]/REPOSITORY[:TAG|@sha256:DIGEST]
# https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html
ECR_IMAGE = re.compile(
    r"^(?P<account>[0-9]{12})\.dkr\.ecr(-fips)?\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(\.cn)?/"
    r"(?P<repository>(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*)"
    r"(?P<reference>:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[0-9a-f]{64})?\Z"
)
# S3 bucket naming rules (general purpose buckets).
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\Z")
BUCKET_BAD_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
BUCKET_BAD_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
# Tags: https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html
TAG_EXTRA_CHARS = set(" _.:/=+-@")
SUBNET_ID = re.compile(r"^subnet-[0-9a-f]{8,17}\Z")
SECURITY_GROUP_ID = re.compile(r"^sg-[0-9a-f]{8,17}\Z")
MAX_KEY_BYTES = 1024  # S3 object keys, in UTF-8
ACCOUNT_ID = re.compile(r"^[0-9]{12}\Z")
KEY_ARN_FORM = (
    "use arn:aws:kms:<region>:<account-id>:key/<key-id> with the key's id, e.g. "
    "1234abcd-12ab-34cd-56ef-1234567890ab (aws kms list-keys)"
)


def _account_id(value: Any) -> Any:
    """Account ids must be quoted strings: YAML reads `012345670123` as an octal integer."""
    if isinstance(value, int) and not isinstance(value, bool):
        raise ValueError(
            f"account id {value} is a YAML number; quote it as a 12-digit string, "
            'e.g. "111111111111" (unquoted ids lose leading zeros or are read as octal)'
        )
    if isinstance(value, str) and not ACCOUNT_ID.match(value):
        raise ValueError(
            f"{value!r} is not an AWS account id; write the 12 digits of the account, quoted"
        )
    return value


AccountId = Annotated[str, BeforeValidator(_account_id), Field(examples=["111111111111"])]


def check_tags(tags: dict[str, str]) -> dict[str, str]:
    for key, value in tags.items():
        if not 1 <= len(key) <= 128:
            raise ValueError(f"tag key {key!r} is empty or too long; use 1-128 characters")
        if len(value) > 256:
            raise ValueError(f"tag {key!r} has a value over 256 characters; shorten it")
        if key.lower().startswith("aws:"):
            raise ValueError(f"tag key {key!r} uses the reserved prefix 'aws:'; rename it")
        for text in (key, value):
            bad = sorted({c for c in text if not (c.isalnum() or c in TAG_EXTRA_CHARS)})
            if bad:
                raise ValueError(
                    f"tag {key!r} contains {''.join(bad)!r}; AWS tags allow letters, digits, "
                    "spaces and _ . : / = + - @ only"
                )
    return tags


Tags = Annotated[dict[str, str], Field(default_factory=dict)]


class Strict(BaseModel):
    """Unknown fields are errors (a typo must not be silently ignored); values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)


def check_sagemaker_name(value: str, what: str) -> None:
    if len(value) > SAGEMAKER_NAME_MAX or not SAGEMAKER_NAME.match(value):
        raise ValueError(
            f"{what} {value!r} is not a valid SageMaker name; use at most 63 letters, digits "
            "and hyphens, starting and ending with a letter or digit"
        )


def check_bucket(bucket: str) -> None:
    """Raise ValueError (with the fix) unless `bucket` follows the S3 naming rules."""
    fix = "see the S3 bucket naming rules: 3-63 lowercase letters, digits, '.' and '-'"
    if not BUCKET_NAME.match(bucket) or ".." in bucket or ".-" in bucket or "-." in bucket:
        raise ValueError(f"{bucket!r} is not a valid S3 bucket name; {fix}")
    try:
        ipaddress.IPv4Address(bucket)
    except ValueError:
        pass
    else:
        raise ValueError(f"{bucket!r} is formatted as an IP address, not a bucket name; {fix}")
    if bucket.startswith(BUCKET_BAD_PREFIXES) or bucket.endswith(BUCKET_BAD_SUFFIXES):
        raise ValueError(f"{bucket!r} uses a prefix or suffix S3 reserves; {fix}")


def split_s3_object_uri(uri: str) -> tuple[str, str]:
    """(bucket, key) of an `s3://BUCKET/KEY` object URI; ValueError "what; fix" otherwise."""
    if not uri.startswith("s3://"):
        raise ValueError(
            f"{uri!r} is not an S3 URI; write it as s3://BUCKET/KEY "
            "(the training job's output path ending in model.tar.gz)"
        )
    bucket, _, key = uri[len("s3://") :].partition("/")
    check_bucket(bucket)
    if not key:
        raise ValueError(f"{uri!r} names a bucket, not an object; add the object key")
    if key.endswith("/"):
        raise ValueError(
            f"{uri!r} ends with '/', so it is a prefix, not an object; name the "
            "object itself, e.g. .../output/model.tar.gz"
        )
    # https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html
    if len(key.encode("utf-8")) > MAX_KEY_BYTES:
        raise ValueError(f"the key of {uri!r} is over S3's 1024-byte limit; shorten it")
    return bucket, key


def not_json(value: Any, path: str = "") -> str | None:
    """Why `value` is not a JSON value (with where in it), or None.

    Kept statements are written into policy JSON as they are: a date or a set would fail
    the render, and NaN or Infinity would be written where Terraform's jsondecode and AWS
    refuse them. (The spec loader refuses these in YAML already, with line and column.)
    """
    where = path or "the statement"
    if value is None or isinstance(value, (str, bool, int)):
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else f"{where} is {value}, not a finite number"
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                return f"{where} has the key {key!r}, which is not text"
            problem = not_json(item, f"{path}.{key}" if path else key)
            if problem:
                return problem
        return None
    if isinstance(value, list):
        for index, item in enumerate(value):
            problem = not_json(item, f"{path}[{index}]")
            if problem:
                return problem
        return None
    return f"{where} is of type {type(value).__name__}, which JSON cannot hold"


def image_part(image: str, group: str) -> str:
    match = ECR_IMAGE.match(image)
    assert match is not None
    return match.group(group)


def check_artifact(value: str) -> str:
    """An S3 object URI an IAM policy can name exactly (no wildcard, `$` or control char)."""
    _, key = split_s3_object_uri(value)
    if any(c in key for c in "*?$") or any(ord(c) < 32 or ord(c) == 127 for c in key):
        raise ValueError(
            f"the key of {value!r} contains a wildcard, '$' or a control character, "
            "which an IAM policy cannot name exactly; copy the artifact to a plain key"
        )
    return value


def check_image(value: str) -> str:
    if not ECR_IMAGE.match(value):
        raise ValueError(
            f"{value!r} is not an ECR image URI; use "
            "ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPOSITORY:TAG"
        )
    return value
