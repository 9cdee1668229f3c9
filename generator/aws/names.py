"""Parse the S3 URI and KMS key ARN a command is given, before any AWS call.

Pure and offline: a typo is reported without credentials or network. The shapes come from
`generator.model`, so the CLI accepts exactly what a spec accepts.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import InputError
from ..model import KEY_ID, KMS_ALIAS, KMS_KEY_ARN, split_s3_object_uri


@dataclass(frozen=True)
class S3Object:
    """One object: the bucket and the key of an `s3://BUCKET/KEY` URI."""

    bucket: str
    key: str

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


@dataclass(frozen=True)
class KmsKey:
    """A KMS key named by its full ARN (what S3 reports back in `SSEKMSKeyId`)."""

    arn: str
    region: str
    account_id: str


def parse_s3_uri(uri: str) -> S3Object:
    """`s3://BUCKET/KEY` -> S3Object, or an InputError saying how to write it."""
    try:
        bucket, key = split_s3_object_uri(uri)
    except ValueError as error:
        what, _, fix = str(error).partition("; ")
        raise InputError(what, place="S3_URI", fix=fix) from None
    return S3Object(bucket, key)


def parse_key_arn(arn: str) -> KmsKey:
    """A full KMS key ARN -> KmsKey; aliases and bare ids are refused with the fix.

    S3 reports an object's key as the key ARN, so only an ARN can be compared afterwards.
    """
    match = KMS_KEY_ARN.match(arn)
    if match:
        return KmsKey(arn, match.group("region"), match.group("account"))
    if arn.endswith("alias/aws/s3"):
        raise InputError(
            "alias/aws/s3 is the AWS managed S3 key, the one other accounts can never use",
            place="--kms-key",
            fix="create a customer managed key (aws kms create-key), allow the target accounts "
            "in its policy (xgen render does) and give its ARN",
        )
    if KMS_ALIAS.match(arn) or KEY_ID.match(arn):
        fix = f"give the key ARN: aws kms describe-key --key-id {arn} --query KeyMetadata.Arn"
        raise InputError(f"{arn!r} is not a key ARN", place="--kms-key", fix=fix)
    raise InputError(
        f"{arn!r} is not a KMS key ARN",
        place="--kms-key",
        fix="use arn:aws:kms:<region>:<account-id>:key/<key-id>, where <key-id> is the key's "
        "id, e.g. 1234abcd-12ab-34cd-56ef-1234567890ab (aws kms list-keys lists them)",
    )
