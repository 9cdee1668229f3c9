"""The article's last step: copy an artifact onto itself under SSE-KMS with the customer key.

An artifact under the AWS managed `aws/s3` key can never be read by another account (that
key's policy cannot be changed); one under SSE-S3 can, through the bucket policy alone, but
the spec's key then protects nothing. S3 cannot change an object's encryption in place: a
copy onto itself with new encryption settings is the documented way, and CopyObject allows
it because the encryption changes. https://docs.aws.amazon.com/AmazonS3/latest/userguide/specifying-kms-encryption.html
`inspect` reads only; `apply` writes, then checks the result with HeadObject, because the
SageMaker SDK has at times dropped the key (aws/sagemaker-python-sdk#646, #1124).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from ..errors import InputError
from .multipart import DEFAULT_PART_SIZE, copy_in_parts, part_ranges
from .names import KmsKey, S3Object
from .session import COPY_READ_TIMEOUT, aws_call, client, session

# CopyObject copies up to 5 GB in one atomic call; larger objects need a multipart copy.
# https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html
COPY_OBJECT_MAX = 5 * 1024**3
# The client that copies, per client `s3_client` made: reads must answer within seconds,
# copies may take minutes (see session.COPY_READ_TIMEOUT). Other clients copy themselves.
_COPIERS: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class Plan:
    """What `inspect` found and what `apply` will do; `apply` writes nothing else."""

    s3: Any
    obj: S3Object
    key: KmsKey
    profile: str | None
    head: dict[str, Any]
    multipart: bool
    part_size: int
    copier: Any = None  # the client for CopyObject and the multipart copy (None: s3)

    @property
    def copying(self) -> Any:
        return self.s3 if self.copier is None else self.copier

    @property
    def parts(self) -> int:
        return len(part_ranges(self.size, self.part_size)) if self.multipart else 1

    @property
    def size(self) -> int:
        return int(self.head["ContentLength"])

    @property
    def encryption(self) -> str:
        return describe_encryption(self.head)

    @property
    def done(self) -> bool:
        """Already SSE-KMS under the key: HeadObject reports the key's ARN in SSEKMSKeyId."""
        return (
            self.head.get("ServerSideEncryption") == "aws:kms"
            and self.head.get("SSEKMSKeyId") == self.key.arn
        )

    @property
    def version_id(self) -> str | None:
        """The inspected version, when the bucket versions its objects."""
        version = self.head.get("VersionId")
        return None if version in (None, "null") else version

    def summary(self) -> list[str]:
        """What `apply` would do, for --dry-run."""
        how = f"multipart copy in {self.parts} parts" if self.multipart else "one CopyObject"
        tags = self.head.get("TagCount", 0)
        lines = [
            f"would copy {self.obj.uri} ({self.size} bytes, {how}) onto itself: "
            f"{self.encryption} -> SSE-KMS under {self.key.arn}, keeping metadata, "
            f"content type and {tags} tag(s)"
        ]
        if self.version_id:
            lines.append(versioned_note(self.obj, self.version_id, self.encryption))
        return lines


@dataclass(frozen=True)
class Result:
    """A verified re-encryption; `previous_version` is set when the bucket kept the old one."""

    obj: S3Object
    key: KmsKey
    size: int
    old_encryption: str
    previous_version: str | None

    def lines(self) -> list[str]:
        lines = [
            f"re-encrypted {self.obj.uri} ({self.size} bytes): {self.old_encryption} -> "
            f"SSE-KMS under {self.key.arn} (checked with HeadObject)"
        ]
        if self.previous_version:
            lines.append(versioned_note(self.obj, self.previous_version, self.old_encryption))
        return lines


def versioned_note(obj: S3Object, version: str, encryption: str) -> str:
    """Versioning keeps the old version as it was: still readable under the old encryption.

    https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html
    """
    return (
        f"note: the bucket is versioned; the previous version {version} keeps its old "
        f"encryption ({encryption}); delete it if it must not stay readable: aws s3api "
        f"delete-object --bucket {obj.bucket} --key {obj.key} --version-id {version}"
    )


def describe_encryption(head: dict[str, Any]) -> str:
    """HeadObject's encryption headers in words."""
    sse = head.get("ServerSideEncryption")
    if sse == "aws:kms":
        return f"SSE-KMS under {head.get('SSEKMSKeyId')}"
    if sse == "aws:kms:dsse":
        return f"DSSE-KMS under {head.get('SSEKMSKeyId')}"
    if sse == "AES256":
        return "SSE-S3 (AES256)"
    return "no server-side encryption"


def s3_client(profile: str | None, key: KmsKey) -> Any:
    """An S3 client in the key's region: SSE-KMS needs the bucket there anyway.

    Its calls must answer within session.READ_TIMEOUT; `apply` copies through a second
    client of the same session that waits COPY_READ_TIMEOUT for S3 to finish a copy.
    """
    via = session(profile)
    s3 = client(profile, "s3", key.region, via=via)
    _COPIERS[s3] = client(profile, "s3", key.region, via=via, read_timeout=COPY_READ_TIMEOUT)
    return s3


def inspect(
    s3: Any,
    obj: S3Object,
    key: KmsKey,
    *,
    profile: str | None,
    multipart_threshold: int = COPY_OBJECT_MAX,
    part_size: int = DEFAULT_PART_SIZE,
) -> Plan:
    """Read the object and its bucket's region; refuse what cannot work before writing."""
    bucket_region = _bucket_region(s3, obj, profile)
    # S3 uses a KMS key only in the bucket's own Region.
    # https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html
    if bucket_region and bucket_region != key.region:
        raise InputError(
            f"the key is in {key.region} but bucket {obj.bucket} is in {bucket_region}; "
            "S3 can only use a KMS key of the bucket's Region",
            place="--kms-key",
            fix=f"use a key in {bucket_region} (or copy the artifact to a bucket in {key.region})",
        )
    head = _head(s3, obj, profile)
    multipart = head["ContentLength"] > multipart_threshold
    return Plan(s3, obj, key, profile, head, multipart, part_size, _COPIERS.get(s3))


def apply(plan: Plan, progress: Callable[[int], None] = lambda _: None) -> Result:
    """Copy the object onto itself under the key, then verify it with HeadObject."""
    obj, key = plan.obj, plan.key
    if plan.multipart:
        written = copy_in_parts(
            plan.copying,
            obj,
            plan.head,
            key,
            part_size=plan.part_size,
            profile=plan.profile,
            progress=progress,
        )
    else:
        written = _copy_object(plan)
        progress(plan.size)
    _verify(plan)
    new_version = written.get("VersionId")
    previous = (plan.version_id or "null") if new_version not in (None, "null") else None
    return Result(obj, key, plan.size, plan.encryption, previous)


def _bucket_region(s3: Any, obj: S3Object, profile: str | None) -> str | None:
    """The bucket's Region from HeadBucket, which S3 reports even when it answers 403.

    https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadBucket.html
    """
    with aws_call(f"reading bucket {obj.bucket}", profile=profile, denied="s3:ListBucket"):
        try:
            response = s3.head_bucket(Bucket=obj.bucket)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code")
            if code in ("404", "NoSuchBucket"):
                raise InputError(
                    f"bucket {obj.bucket} does not exist",
                    place="S3_URI",
                    fix="check the bucket name and the account of the profile",
                ) from None
            if code not in ("301", "403"):
                raise
            response = error.response
    headers = response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
    return response.get("BucketRegion") or headers.get("x-amz-bucket-region")


def _head(s3: Any, obj: S3Object, profile: str | None) -> dict[str, Any]:
    denied = (
        f"s3:GetObject on {obj.uri} (S3 also answers 403 for a missing object when the "
        "caller lacks s3:ListBucket)"
    )
    with aws_call(f"reading {obj.uri}", profile=profile, denied=denied):
        try:
            return s3.head_object(Bucket=obj.bucket, Key=obj.key)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code")
            if code in ("404", "NoSuchKey"):
                raise InputError(
                    f"{obj.uri} does not exist",
                    place="S3_URI",
                    fix=f"check the key: aws s3 ls s3://{obj.bucket}/{obj.key.rpartition('/')[0]}/",
                ) from None
            if code == "400":  # HEAD has no error body; 400 is SSE-C or stale credentials
                raise InputError(
                    f"S3 answered 400 Bad Request for {obj.uri}",
                    fix="refresh the credentials; an object under a customer-provided key "
                    "(SSE-C) cannot be re-encrypted without that key",
                ) from None
            raise


def _copy_object(plan: Plan) -> dict[str, Any]:
    """One CopyObject onto itself; the COPY directives keep metadata, content type and tags."""
    obj, head = plan.obj, plan.head
    source = {"Bucket": obj.bucket, "Key": obj.key}
    if plan.version_id:
        source["VersionId"] = plan.version_id
    # Without StorageClass a copy is written as STANDARD; keep the object's class.
    extra = {"StorageClass": head["StorageClass"]} if head.get("StorageClass") else {}
    denied = (
        f"s3:GetObject and s3:PutObject on {obj.uri}, s3:GetObjectTagging and "
        f"s3:PutObjectTagging when it has tags, kms:Decrypt on its current key and "
        f"kms:GenerateDataKey on {plan.key.arn}"
    )
    with aws_call(f"copying {obj.uri}", profile=plan.profile, denied=denied):
        response = plan.copying.copy_object(
            Bucket=obj.bucket,
            Key=obj.key,
            CopySource=source,
            CopySourceIfMatch=head["ETag"],  # never copy a version written meanwhile
            ServerSideEncryption="aws:kms",
            SSEKMSKeyId=plan.key.arn,
            MetadataDirective="COPY",
            TaggingDirective="COPY",
            **extra,
        )
    return response


def _verify(plan: Plan) -> None:
    """HeadObject after the copy: under the key, same size, same metadata and content type."""
    after = _head(plan.s3, plan.obj, plan.profile)
    problems = []
    if after.get("ServerSideEncryption") != "aws:kms" or after.get("SSEKMSKeyId") != plan.key.arn:
        problems.append(f"it is under {describe_encryption(after)}")
    if int(after["ContentLength"]) != plan.size:
        problems.append(f"its size is {after['ContentLength']}, was {plan.size}")
    for field in ("Metadata", "ContentType"):
        if after.get(field) != plan.head.get(field):
            problems.append(f"its {field} changed")
    if problems:
        raise InputError(
            f"after the copy, {plan.obj.uri} is not as expected: {'; '.join(problems)}",
            fix="check for a bucket default-encryption rule, replication or an event handler "
            "rewriting the object, then run again",
        )
