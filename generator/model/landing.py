"""Landing zones: what the platform team already owns and xgen must use as it is.

An execution role it manages, a permissions boundary every created role must carry, a
deploy role each account's provider assumes, and the remote state backend. Only shapes
and checks live here (no I/O); `Spec` checks the accounts against the source and targets.
"""

from __future__ import annotations

import re

from pydantic import Field, StrictBool, field_validator

from ..partitions import partition_of
from .shapes import KEY_ARN_FORM, KMS_KEY_ARN, Strict, check_bucket

# Role ARNs: arn:PARTITION:iam::ACCOUNT:role/PATH/NAME. A path is `/` or `/…/` of
# characters \x21-\x7e, at most 512 (so `:` may be in it); a name 1-64 of [\w+=,.@-].
# https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns
ROLE_ARN = re.compile(
    r"^arn:(?P<partition>aws[a-z-]*):iam::(?P<account>[0-9]{12}):role"
    r"(?P<path>/(?:[\x21-\x7e]{1,510}/)?)(?P<name>[\w+=,.@-]{1,64})\Z",
    re.ASCII,
)
# Managed policy ARNs: a customer managed policy of the account, or an AWS managed one
# (account `aws`); names are 1-128 of [\w+=,.@-] (CreatePolicy).
# https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreatePolicy.html
POLICY_ARN = re.compile(
    r"^arn:(?P<partition>aws[a-z-]*):iam::(?P<account>[0-9]{12}|aws):policy"
    r"(?P<path>/(?:[\x21-\x7e]{1,510}/)?)(?P<name>[\w+=,.@-]{1,128})\Z",
    re.ASCII,
)
# DynamoDB table names: 3-255 of [a-zA-Z0-9_.-] (CreateTable).
TABLE_NAME = re.compile(r"^[a-zA-Z0-9_.-]{3,255}\Z")
# A state key prefix: S3 key characters AWS calls safe (but `*`, a wildcard in the IAM
# policies that grant the state), '/'-separated, no empty part.
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html
KEY_PREFIX = re.compile(r"^[A-Za-z0-9!_.'()-]+(/[A-Za-z0-9!_.'()-]+)*\Z")
ROLE_ARN_FORM = "use arn:aws:iam::<account-id>:role/<path/><name> (aws iam get-role)"
# `*` and `?` are wildcards to lint and to ARN conditions, `$` starts a policy variable in
# condition values: a role named with them could not be named exactly in a policy.
UNNAMEABLE = set("*?$")


def check_role_arn(value: str | None) -> str | None:
    """A role ARN a policy can name exactly (its path included), or ValueError."""
    if value is None:
        return None
    match = ROLE_ARN.match(value)
    if match is None:
        raise ValueError(f"{value!r} is not an IAM role ARN; {ROLE_ARN_FORM}")
    if UNNAMEABLE & set(match.group("path")):
        raise ValueError(
            f"the path of {value!r} contains '*', '?' or '$', which a policy cannot name "
            "exactly; use a role whose path has none"
        )
    return value


def role_in_account(value: str, partition: str, account: str) -> str | None:
    """Why role ARN `value` is not a role of `account` in `partition` (None when it is)."""
    return _elsewhere(ROLE_ARN.match(value), partition, (account,), "role")


def _elsewhere(
    match: re.Match[str] | None, partition: str, accounts: tuple[str, ...], what: str
) -> str | None:
    """Why an ARN checked by its field (`match`) is not in `accounts` and `partition`."""
    assert match is not None  # checked by the field validator
    if match.group("account") not in accounts:
        return f"the {what} is in account {match.group('account')}, not {accounts[0]}"
    if match.group("partition") != partition:
        return f"the ARN's partition is {match.group('partition')}, not {partition}"
    return None


def role_name(arn: str) -> str:
    """The role's name: the ARN's last part (its path left out)."""
    return arn.rsplit("/", 1)[1]


def check_policy_arn(value: str | None) -> str | None:
    if value is not None and not POLICY_ARN.match(value):
        raise ValueError(
            f"{value!r} is not an IAM managed policy ARN; use "
            "arn:aws:iam::<account-id>:policy/<path/><name> (aws iam list-policies)"
        )
    return value


def policy_in_account(value: str, partition: str, account: str) -> str | None:
    """Why managed policy `value` cannot be a boundary in `account` (None when it can).

    A boundary is a managed policy of the role's own account or an AWS managed policy.
    https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html
    """
    return _elsewhere(POLICY_ARN.match(value), partition, (account, "aws"), "policy")


class Backend(Strict):
    """Terraform's S3 backend for every root module: one bucket, one state key per account.

    https://developer.hashicorp.com/terraform/language/backend/s3
    """

    bucket: str = Field(description="S3 bucket that holds the states (versioned, encrypted).")
    region: str | None = Field(
        default=None, description="Region of the state bucket (default: source.region)."
    )
    key_prefix: str | None = Field(
        default=None,
        description="Prefix of the state keys: each root module's state is "
        "PREFIX/FOLDER/terraform.tfstate (default: the spec's name).",
    )
    dynamodb_table: str | None = Field(
        default=None,
        description="DynamoDB table for state locking; without it the lock is an S3 lock "
        "file (use_lockfile, Terraform 1.10 or later).",
    )
    kms_key_id: str | None = Field(
        default=None,
        description="ARN of the KMS key that encrypts the state objects (default: the "
        "bucket's default encryption).",
    )
    encrypt: StrictBool = Field(
        default=True, description="Encrypt the state objects on the server side."
    )

    @field_validator("bucket")
    @classmethod
    def _bucket(cls, value: str) -> str:
        check_bucket(value)
        return value

    @field_validator("region")
    @classmethod
    def _region(cls, value: str | None) -> str | None:
        if value is not None and partition_of(value) is None:
            raise ValueError(
                f"{value!r} is not an AWS region botocore knows; give the state bucket's "
                "region, e.g. us-east-1"
            )
        return value

    @field_validator("key_prefix")
    @classmethod
    def _key_prefix(cls, value: str | None) -> str | None:
        if value is not None and (len(value) > 512 or not KEY_PREFIX.match(value)):
            raise ValueError(
                f"key_prefix {value!r} is not a plain S3 key prefix; use letters, digits "
                "and ! _ . ' ( ) - in '/'-separated parts, without a leading or trailing '/'"
            )
        return value

    @field_validator("dynamodb_table")
    @classmethod
    def _table(cls, value: str | None) -> str | None:
        if value is not None and not TABLE_NAME.match(value):
            raise ValueError(
                f"{value!r} is not a DynamoDB table name; use 3-255 letters, digits, "
                "'_', '.' or '-'"
            )
        return value

    @field_validator("kms_key_id")
    @classmethod
    def _kms_key(cls, value: str | None) -> str | None:
        if value is not None and not KMS_KEY_ARN.match(value):
            raise ValueError(f"{value!r} is not a KMS key ARN; {KEY_ARN_FORM}")
        return value

    @property
    def locks_with_file(self) -> bool:
        """Whether the lock is S3's lock file (no DynamoDB table)."""
        return self.dynamodb_table is None

    def state_key(self, name: str, folder: str) -> str:
        """The state object of root module `folder` of spec `name`: one per account."""
        return f"{self.key_prefix or name}/{folder}/terraform.tfstate"

    def settings(self, name: str, folder: str, default_region: str) -> list[tuple[str, object]]:
        """The `backend "s3"` arguments of root module `folder`, in the order written."""
        found: list[tuple[str, object]] = [
            ("bucket", self.bucket),
            ("key", self.state_key(name, folder)),
            ("region", self.region or default_region),
        ]
        if self.dynamodb_table is None:
            found.append(("use_lockfile", True))
        else:
            found.append(("dynamodb_table", self.dynamodb_table))
        found.append(("encrypt", self.encrypt))
        if self.kms_key_id is not None:
            found.append(("kms_key_id", self.kms_key_id))
        return found
