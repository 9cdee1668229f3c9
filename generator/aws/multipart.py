"""Copy an object onto itself part by part, keeping what CopyObject's COPY directives keep.

CopyObject copies at most 5 GB; larger objects need CreateMultipartUpload + UploadPartCopy.
A multipart upload does not inherit anything from its source, so the metadata, content
headers, storage class and tags read from the source are passed to CreateMultipartUpload.
https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPartCopy.html
https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateMultipartUpload.html
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any
from urllib.parse import urlencode

from .names import KmsKey, S3Object
from .session import aws_call

MIB = 1024 * 1024
# Part sizes 5 MiB to 5 GiB, at most 10,000 parts.
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html
MIN_PART_SIZE = 5 * MIB
MAX_PARTS = 10_000
DEFAULT_PART_SIZE = 256 * MIB
# UploadPartCopy runs inside S3; a few calls at once keep a 50 GB copy to minutes.
WORKERS = 8
# Headers HeadObject returns that MetadataDirective=COPY would have kept.
KEPT_HEADERS = (
    "Metadata",
    "ContentType",
    "ContentEncoding",
    "ContentDisposition",
    "ContentLanguage",
    "CacheControl",
    "Expires",
    "WebsiteRedirectLocation",
    "StorageClass",
)


def part_ranges(size: int, part_size: int) -> list[tuple[int, int]]:
    """Inclusive byte ranges covering `size`, growing the part size to stay within 10,000."""
    part_size = max(part_size, MIN_PART_SIZE, -(-size // MAX_PARTS))
    return [(start, min(start + part_size, size) - 1) for start in range(0, size, part_size)]


def copy_in_parts(
    s3: Any,
    obj: S3Object,
    head: dict[str, Any],
    key: KmsKey,
    *,
    part_size: int,
    profile: str | None,
    progress: Callable[[int], None],
) -> dict[str, Any]:
    """Copy `obj` (as described by `head`) onto itself under `key`; return CompleteMultipartUpload.

    The upload is aborted on any failure so no invisible parts stay billed.
    """
    source = _source(obj, head)
    with aws_call(
        f"reading the tags of {obj.uri}",
        profile=profile,
        denied=f"s3:GetObjectTagging on {obj.uri}",
    ):
        tags = s3.get_object_tagging(**source)["TagSet"]
    extra = {name: head[name] for name in KEPT_HEADERS if head.get(name)}
    if tags:
        extra["Tagging"] = urlencode([(tag["Key"], tag["Value"]) for tag in tags])
    # A multipart upload under SSE-KMS needs kms:GenerateDataKey and kms:Decrypt on the new
    # key. https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html#mpuAndPermissions
    with aws_call(
        f"starting the multipart copy of {obj.uri}",
        profile=profile,
        denied=f"s3:PutObject on {obj.uri} and kms:GenerateDataKey, kms:Decrypt on {key.arn}",
    ):
        upload = s3.create_multipart_upload(
            Bucket=obj.bucket,
            Key=obj.key,
            ServerSideEncryption="aws:kms",
            SSEKMSKeyId=key.arn,
            **extra,
        )
    with _aborting(s3, obj, upload["UploadId"]):
        parts = _copy_parts(
            s3,
            obj,
            head,
            key,
            upload_id=upload["UploadId"],
            part_size=part_size,
            profile=profile,
            progress=progress,
        )
        with aws_call(
            f"completing the multipart copy of {obj.uri}",
            profile=profile,
            denied=f"s3:PutObject on {obj.uri}",
        ):
            return s3.complete_multipart_upload(
                Bucket=obj.bucket,
                Key=obj.key,
                UploadId=upload["UploadId"],
                MultipartUpload={"Parts": parts},
            )


def _source(obj: S3Object, head: dict[str, Any]) -> dict[str, str]:
    """Pin the version that was inspected, so a concurrent write is never half-copied."""
    source = {"Bucket": obj.bucket, "Key": obj.key}
    if head.get("VersionId") not in (None, "null"):
        source["VersionId"] = head["VersionId"]
    return source


def _copy_parts(
    s3: Any,
    obj: S3Object,
    head: dict[str, Any],
    key: KmsKey,
    *,
    upload_id: str,
    part_size: int,
    profile: str | None,
    progress: Callable[[int], None],
) -> list[dict[str, Any]]:
    denied = (
        f"s3:GetObject on {obj.uri}, kms:Decrypt on its current key and kms:GenerateDataKey "
        f"on {key.arn}"
    )
    ranges = part_ranges(head["ContentLength"], part_size)
    parts: list[dict[str, Any]] = []
    with (
        aws_call(f"copying the parts of {obj.uri}", profile=profile, denied=denied),
        ThreadPoolExecutor(max_workers=WORKERS) as pool,
    ):
        futures = {
            pool.submit(
                s3.upload_part_copy,
                Bucket=obj.bucket,
                Key=obj.key,
                UploadId=upload_id,
                PartNumber=number,
                CopySource=_source(obj, head),
                CopySourceRange=f"bytes={first}-{last}",
                CopySourceIfMatch=head["ETag"],
            ): (number, last - first + 1)
            for number, (first, last) in enumerate(ranges, start=1)
        }
        try:
            for future in as_completed(futures):
                number, length = futures[future]
                etag = future.result()["CopyPartResult"]["ETag"]
                parts.append({"PartNumber": number, "ETag": etag})
                progress(length)
        except BaseException:
            pool.shutdown(cancel_futures=True)  # one failed part fails the copy: stop the rest
            raise
    return sorted(parts, key=lambda part: part["PartNumber"])


@contextlib.contextmanager
def _aborting(s3: Any, obj: S3Object, upload_id: str) -> Iterator[None]:
    try:
        yield
    except BaseException:
        # Best effort: the original error is what the user needs to see.
        with contextlib.suppress(Exception):
            s3.abort_multipart_upload(Bucket=obj.bucket, Key=obj.key, UploadId=upload_id)
        raise
