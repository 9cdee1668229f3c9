"""The spec as a validated, immutable model, plus the ARNs every other layer derives from it.

pydantic does the checking and gives the JSON Schema that editors use (`xgen schema`).
Every rule refuses a value with a message that says what is wrong *and* how to fix it,
because the CLI prints exactly that one line. No I/O happens here.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import math
import re
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    field_validator,
    model_validator,
)

from .aws_limits import statement_problem, tags_problem
from .partitions import Partition, partition_of

SPEC_VERSION = 1
PROFILES = ("hardened", "seed")

# --- shapes AWS documents --------------------------------------------------------------------

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


def _check_tags(tags: dict[str, str]) -> dict[str, str]:
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


class _Strict(BaseModel):
    """Unknown fields are errors (a typo must not be silently ignored); values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)


class VpcConfig(_Strict):
    """Run the model's containers in the target account's VPC."""

    subnet_ids: list[str] = Field(min_length=1, max_length=16)
    security_group_ids: list[str] = Field(min_length=1, max_length=5)

    @field_validator("subnet_ids")
    @classmethod
    def _subnets(cls, value: list[str]) -> list[str]:
        for subnet in value:
            if not SUBNET_ID.match(subnet):
                raise ValueError(f"{subnet!r} is not a subnet id; use the form subnet-0abc1234")
        return value

    @field_validator("security_group_ids")
    @classmethod
    def _groups(cls, value: list[str]) -> list[str]:
        for group in value:
            if not SECURITY_GROUP_ID.match(group):
                raise ValueError(f"{group!r} is not a security group id; use the form sg-0abc1234")
        return value


class Target(_Strict):
    """An account that serves the model from a SageMaker endpoint (the article's account B)."""

    name: str = Field(description="Short name of the target, used in the output folder name.")
    account_id: AccountId
    region: str | None = Field(
        default=None,
        description="Must equal source.region: SageMaker reads model data only in its region.",
    )
    role_name: str = Field(
        default="AmazonSageMaker", description="Name of the SageMaker execution role to create."
    )
    instance_type: str = Field(default="ml.m5.large", examples=["ml.m5.large"])
    instance_count: StrictInt = Field(default=1, ge=1, le=100)
    endpoint_name: str | None = Field(
        default=None, description="SageMaker endpoint name (default: the spec's name)."
    )
    network_isolation: StrictBool | None = Field(
        default=None,
        description="Run the container without network access (default: on in hardened).",
    )
    volume_kms_key_arn: str | None = Field(
        default=None,
        description="Existing KMS key in the target account for the endpoint's storage volume; "
        "in profile hardened xgen creates one when this is empty.",
    )
    vpc: VpcConfig | None = None
    tags: Tags

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not TARGET_NAME.match(value):
            raise ValueError(
                f"target name {value!r} is not usable in a folder name; use 1-32 lowercase "
                "letters, digits or '-', not starting or ending with '-'"
            )
        return value

    @field_validator("role_name")
    @classmethod
    def _role_name(cls, value: str) -> str:
        if not ROLE_NAME.match(value):
            raise ValueError(
                f"role name {value!r} is not a valid IAM role name; use 1-64 characters of "
                "letters, digits and + = , . @ _ -"
            )
        return value

    @field_validator("instance_type")
    @classmethod
    def _instance_type(cls, value: str) -> str:
        if not INSTANCE_TYPE.match(value):
            raise ValueError(
                f"{value!r} is not a SageMaker instance type; use the form ml.m5.large"
            )
        return value

    @field_validator("endpoint_name")
    @classmethod
    def _endpoint_name(cls, value: str | None) -> str | None:
        if value is not None:
            _check_sagemaker_name(value, "endpoint name")
        return value

    @field_validator("volume_kms_key_arn")
    @classmethod
    def _volume_key(cls, value: str | None) -> str | None:
        if value is not None and not KMS_KEY_ARN.match(value):
            raise ValueError(f"{value!r} is not a KMS key ARN; {KEY_ARN_FORM}")
        return value

    @model_validator(mode="after")
    def _volume_key_fits_instance(self) -> Target:
        if self.volume_kms_key_arn is not None and not volume_key_allowed(self.instance_type):
            raise ValueError(
                f"volume_kms_key_arn: {self.instance_type} has local NVMe storage, which "
                "SageMaker encrypts in hardware and for which it refuses a KMS key; remove "
                "volume_kms_key_arn"
            )
        return self

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: dict[str, str]) -> dict[str, str]:
        return _check_tags(value)


# Instance families with local NVMe storage, which SageMaker encrypts in hardware and for
# which CreateEndpointConfig refuses a KmsKeyId ("Certain Nitro-based instances include
# local storage ... do not specify a value for the KmsKeyId parameter").
# https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateEndpointConfig.html
LOCAL_STORAGE_FAMILIES = re.compile(
    r"^([a-z]+[0-9]+[a-z]*d[a-z]*|g5|g6|g6e|p5|p5e|p5en|trn1|trn1n|trn2)\Z"
)


def volume_key_allowed(instance_type: str) -> bool:
    """False for instance types whose local NVMe storage refuses a KMS key."""
    return not LOCAL_STORAGE_FAMILIES.match(instance_type.split(".")[1])


def _check_sagemaker_name(value: str, what: str) -> None:
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


class Source(_Strict):
    """The account that trained the model and owns its artifact, key and image (account A)."""

    account_id: AccountId
    region: str = Field(examples=["us-east-1"])
    artifact: str = Field(
        description="S3 URI of the model artifact object (not a prefix).",
        examples=["s3://awsdoc-example-bucket/sagemaker/linear-learner/output/model.tar.gz"],
    )
    kms_key_arn: str = Field(
        description="ARN of the customer managed KMS key the training job encrypted with.",
    )
    image: str = Field(
        description="ECR URI of the inference image.",
        examples=["111111111111.dkr.ecr.us-east-1.amazonaws.com/linear-learner:1"],
    )
    bucket_policy_statements: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Statements of the bucket's current policy to keep: aws_s3_bucket_policy "
        "replaces the whole policy.",
    )
    key_policy_statements: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Statements of the key's current policy to keep (key administrators, "
        "users in this account): aws_kms_key_policy replaces the whole policy.",
    )
    repository_policy_statements: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Statements of the ECR repository's current policy to keep.",
    )
    enforce_bucket_owner: StrictBool | None = Field(
        default=None,
        description="Set S3 Object Ownership to BucketOwnerEnforced so the bucket policy "
        "governs every object (default: on in hardened).",
    )

    @field_validator("region")
    @classmethod
    def _region(cls, value: str) -> str:
        if partition_of(value) is None:
            raise ValueError(
                f"{value!r} is not an AWS region botocore knows; use a region code such as "
                "us-east-1 or eu-west-1"
            )
        return value

    @field_validator("artifact")
    @classmethod
    def _artifact(cls, value: str) -> str:
        _, key = split_s3_object_uri(value)
        if any(c in key for c in "*?$") or any(ord(c) < 32 or ord(c) == 127 for c in key):
            raise ValueError(
                f"the key of {value!r} contains a wildcard, '$' or a control character, "
                "which an IAM policy cannot name exactly; copy the artifact to a plain key"
            )
        return value

    @field_validator("kms_key_arn")
    @classmethod
    def _kms_key_arn(cls, value: str) -> str:
        alias = KMS_ALIAS.match(value)
        if alias and alias.group("name") == "aws/s3":
            raise ValueError(
                "alias/aws/s3 is the AWS managed S3 key: its policy cannot be changed and "
                "allows only the owning account, so another account can never decrypt the "
                "artifact; create a customer managed key, train with output_kms_key (or "
                "`xgen reencrypt`) and give its key ARN"
            )
        if alias:
            raise ValueError(
                f"{value!r} is an alias; aliases resolve in the caller's account, so target "
                "accounts cannot use it; give the key ARN "
                "(aws kms describe-key --key-id ALIAS --query KeyMetadata.Arn)"
            )
        if KEY_ID.match(value):
            raise ValueError(
                f"{value!r} is a bare key id; give the full key ARN "
                "arn:aws:kms:<region>:<account-id>:key/<key-id> so other accounts can name it"
            )
        if not KMS_KEY_ARN.match(value):
            raise ValueError(f"{value!r} is not a KMS key ARN; {KEY_ARN_FORM}")
        return value

    @field_validator("image")
    @classmethod
    def _image(cls, value: str) -> str:
        if not ECR_IMAGE.match(value):
            raise ValueError(
                f"{value!r} is not an ECR image URI; use "
                "ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPOSITORY:TAG"
            )
        return value

    @field_validator(
        "bucket_policy_statements", "key_policy_statements", "repository_policy_statements"
    )
    @classmethod
    def _statements(cls, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for index, statement in enumerate(value):
            if statement.get("Effect") not in ("Allow", "Deny"):
                raise ValueError(
                    f"statement {index} has no Effect of Allow or Deny; copy the whole "
                    "statement from the current policy"
                )
            problem = _not_json(statement)
            if problem:
                raise ValueError(
                    f"statement {index}: {problem}; kept statements must be JSON: text, "
                    "finite numbers, true/false, null, lists and mappings with text keys "
                    "(quote dates)"
                )
            refused = statement_problem(statement)
            if refused:
                raise ValueError(f"statement {index}: {refused}; correct or drop it")
            if "Sid" in statement and str(statement["Sid"]).startswith("Xgen"):
                raise ValueError(
                    f"statement {index} uses the Sid prefix 'Xgen' that xgen reserves for "
                    "its own statements; rename it"
                )
        return value

    @model_validator(mode="after")
    def _same_region(self) -> Source:
        key = KMS_KEY_ARN.match(self.kms_key_arn)
        assert key is not None  # checked by the field validator
        if key.group("account") != self.account_id:
            raise ValueError(
                f"kms_key_arn: the key is in account {key.group('account')}, not the source "
                f"account {self.account_id}; xgen manages the key policy from the source "
                "account, so use the key the training job used there"
            )
        if key.group("region") != self.region:
            raise ValueError(
                f"kms_key_arn: the key is in {key.group('region')} but source.region is "
                f"{self.region}; S3 needs the key in the bucket's region, so use a key there"
            )
        if key.group("partition") != self.partition.id:
            raise ValueError(
                f"kms_key_arn: the key is in partition {key.group('partition')} but region "
                f"{self.region} is in {self.partition.id}; fix the ARN's partition"
            )
        image = ECR_IMAGE.match(self.image)
        assert image is not None
        if image.group("region") != self.region:
            raise ValueError(
                f"image: the image is in {image.group('region')} but source.region is "
                f"{self.region}; SageMaker pulls images only from its own region, so "
                "replicate the repository there"
            )
        return self

    # --- derived values (computed once; the model is immutable) --------------------------------

    @cached_property
    def partition(self) -> Partition:
        partition = partition_of(self.region)
        assert partition is not None
        return partition

    @property
    def bucket(self) -> str:
        return self.artifact[len("s3://") :].partition("/")[0]

    @property
    def key(self) -> str:
        return self.artifact[len("s3://") :].partition("/")[2]

    @property
    def bucket_arn(self) -> str:
        return f"arn:{self.partition.id}:s3:::{self.bucket}"

    @property
    def object_arn(self) -> str:
        return f"{self.bucket_arn}/{self.key}"

    @property
    def root_arn(self) -> str:
        return f"arn:{self.partition.id}:iam::{self.account_id}:root"

    @property
    def image_account_id(self) -> str:
        return _image_part(self.image, "account")

    @property
    def repository_name(self) -> str:
        return _image_part(self.image, "repository")

    @property
    def repository_arn(self) -> str:
        return (
            f"arn:{self.partition.id}:ecr:{self.region}:{self.image_account_id}:"
            f"repository/{self.repository_name}"
        )

    @property
    def image_in_source_account(self) -> bool:
        return self.image_account_id == self.account_id

    def via_service(self, service: str) -> str:
        """The `kms:ViaService` value `service` of this region sends when it calls KMS."""
        return f"{service}.{self.region}.{self.partition.dns_suffix}"

    @property
    def s3_service(self) -> str:
        """The `kms:ViaService` value S3 sends when it decrypts for a caller."""
        return self.via_service("s3")


def _not_json(value: Any, path: str = "") -> str | None:
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
            problem = _not_json(item, f"{path}.{key}" if path else key)
            if problem:
                return problem
        return None
    if isinstance(value, list):
        for index, item in enumerate(value):
            problem = _not_json(item, f"{path}[{index}]")
            if problem:
                return problem
        return None
    return f"{where} is of type {type(value).__name__}, which JSON cannot hold"


def _image_part(image: str, group: str) -> str:
    match = ECR_IMAGE.match(image)
    assert match is not None
    return match.group(group)


class Spec(_Strict):
    """An xgen spec: one model, the account it was trained in, the accounts that serve it."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        title="xgen spec",
        json_schema_extra={"$schema": "https://json-schema.org/draft/2020-12/schema"},
    )

    xgen: Literal[1] = Field(description="Spec format version.")
    name: str = Field(description="SageMaker model name.", examples=["linear-learner"])
    profile: Literal["hardened", "seed"] = Field(
        default="hardened",
        description="hardened: least privilege. seed: the AWS article's policies exactly.",
    )
    source: Source
    targets: list[Target] = Field(min_length=1, max_length=100)
    tags: Tags

    @field_validator("xgen", mode="before")
    @classmethod
    def _version(cls, value: Any) -> Any:
        if value != SPEC_VERSION or isinstance(value, bool):
            raise ValueError(
                f"spec version {value!r} is not one this xgen reads; write `xgen: 1` "
                "(or upgrade xgen)"
            )
        return value

    @field_validator("profile", mode="before")
    @classmethod
    def _profile(cls, value: Any) -> Any:
        if value not in PROFILES:
            raise ValueError(
                f"unknown profile {value!r}; use 'hardened' (least privilege, the default) "
                "or 'seed' (the AWS article's policies)"
            )
        return value

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        _check_sagemaker_name(value, "model name")
        return value

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: dict[str, str]) -> dict[str, str]:
        return _check_tags(value)

    @model_validator(mode="after")
    def _targets(self) -> Spec:
        seen: dict[str, int] = {}
        for index, target in enumerate(self.targets):
            if target.name in seen:
                raise ValueError(
                    f"targets[{index}].name: {target.name!r} repeats targets[{seen[target.name]}]"
                    "; give every target its own name"
                )
            seen[target.name] = index
            if too_many := tags_problem({**self.tags, **target.tags}, "its resources"):
                raise ValueError(f"targets[{index}].tags: {too_many}")
            self._check_unique_in_account(index, target)
            if target.account_id == self.source.account_id:
                raise ValueError(
                    f"targets[{index}].account_id: {target.account_id} is the source account; a "
                    "target "
                    "must be another account (serve from the source account without xgen)"
                )
            if target.region is not None and target.region != self.source.region:
                raise ValueError(
                    f"targets[{index}].region: {target.region} is not {self.source.region}, "
                    "where the artifact and key are"
                    "; SageMaker reads model data only in its own "
                    "region, so copy the artifact and key there and use a spec per region"
                )
            if target.volume_kms_key_arn is not None:
                key = KMS_KEY_ARN.match(target.volume_kms_key_arn)
                assert key is not None
                if (key.group("account"), key.group("region")) != (
                    target.account_id,
                    self.source.region,
                ):
                    raise ValueError(
                        f"targets[{index}].volume_kms_key_arn: must be a key of account "
                        f"{target.account_id} in {self.source.region}, where the endpoint runs; "
                        "create one there or remove volume_kms_key_arn"
                    )
        return self

    def _check_unique_in_account(self, index: int, target: Target) -> None:
        """Two targets in one account must not create the same role or endpoint.

        IAM role names and SageMaker endpoint names are unique per account (and region):
        every check passes on such a spec, and the second `terraform apply` fails.
        """
        for earlier, other in enumerate(self.targets[:index]):
            if other.account_id != target.account_id:
                continue
            if other.role_name == target.role_name:
                raise ValueError(
                    f"targets[{index}].role_name: {target.role_name!r} is also the role of "
                    f"targets[{earlier}] in account {target.account_id}; give each target in "
                    "one account its own role_name"
                )
            if self.endpoint_name(other) == self.endpoint_name(target):
                raise ValueError(
                    f"targets[{index}].endpoint_name: {self.endpoint_name(target)!r} is also "
                    f"the endpoint of targets[{earlier}] in account {target.account_id}; give "
                    "each target in one account its own endpoint_name"
                )

    # --- derived values -------------------------------------------------------------------------

    @property
    def hardened(self) -> bool:
        return self.profile == "hardened"

    def role_arn(self, target: Target) -> str:
        return f"arn:{self.source.partition.id}:iam::{target.account_id}:role/{target.role_name}"

    def root_arn(self, target: Target) -> str:
        return f"arn:{self.source.partition.id}:iam::{target.account_id}:root"

    def endpoint_name(self, target: Target) -> str:
        return target.endpoint_name or self.name

    def network_isolation(self, target: Target) -> bool:
        return self.hardened if target.network_isolation is None else target.network_isolation

    def creates_volume_key(self, target: Target) -> bool:
        """Hardened encrypts the endpoint's storage with a key xgen creates, where it can."""
        return (
            self.hardened
            and target.volume_kms_key_arn is None
            and volume_key_allowed(target.instance_type)
        )

    def model_name(self, target: Target) -> str:
        """The SageMaker model's name: the spec's name plus a digest of what the model is.

        Any change to a model replaces it, and the endpoint configuration's
        create_before_destroy makes Terraform create the new model before it deletes
        the old one, so the two must not share a name.
        """
        content = json.dumps(
            [
                self.source.image,
                self.source.artifact,
                self.role_arn(target),
                self.network_isolation(target),
                target.vpc.model_dump() if target.vpc else None,
            ],
            sort_keys=True,
        )
        digest = hashlib.sha256(content.encode("utf-8")).hexdigest()[:8]
        return f"{self.name[: SAGEMAKER_NAME_MAX - 9]}-{digest}"

    def enforce_bucket_owner(self) -> bool:
        flag = self.source.enforce_bucket_owner
        return self.hardened if flag is None else flag

    def canonical_json(self) -> str:
        """The spec's content, independent of comments, key order and formatting."""
        return json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))

    def digest(self) -> str:
        return hashlib.sha256(self.canonical_json().encode("utf-8")).hexdigest()
