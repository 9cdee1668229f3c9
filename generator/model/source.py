"""The source account: where the model was trained, its key, and the policies xgen joins."""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any

from pydantic import Field, StrictBool, field_validator, model_validator

from ..aws_limits import statement_problem
from ..partitions import Partition, partition_of
from .landing import check_role_arn
from .shapes import (
    KEY_ARN_FORM,
    KEY_ID,
    KMS_ALIAS,
    KMS_KEY_ARN,
    AccountId,
    Strict,
    check_artifact,
    check_image,
    not_json,
)

# SageMaker model package group names (CreateModelPackageGroup). Lowercase here: the group's
# name appears lowercased in its packages' ARNs, which the group policy must match exactly.
# https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateModelPackageGroup.html
GROUP_NAME = re.compile(r"^[a-z0-9](-*[a-z0-9]){0,62}\Z")


def check_kept_statements(value: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Statements of a live policy to keep: whole statements, JSON, not under xgen's Sids."""
    for index, statement in enumerate(value):
        if statement.get("Effect") not in ("Allow", "Deny"):
            raise ValueError(
                f"statement {index} has no Effect of Allow or Deny; copy the whole "
                "statement from the current policy"
            )
        problem = not_json(statement)
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


class ModelPackageGroup(Strict):
    """The Model Registry group in the source account whose versions the targets deploy."""

    name: str = Field(description="Name of the model package group (lowercase).")
    kms_key_arn: str | None = Field(
        default=None,
        description="Key the packages' metadata is encrypted with (ModelPackageSecurityConfig); "
        "it must be source.kms_key_arn, whose policy xgen manages.",
    )
    policy_statements: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Statements of the group's current policy to keep: "
        "aws_sagemaker_model_package_group_policy replaces the whole policy.",
    )

    @field_validator("policy_statements")
    @classmethod
    def _statements(cls, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return check_kept_statements(value)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not GROUP_NAME.match(value):
            raise ValueError(
                f"{value!r} is not a model package group name xgen can grant exactly; use "
                "1-63 lowercase letters, digits and hyphens (packages' ARNs carry it lowercased)"
            )
        return value


class Source(Strict):
    """The account that trained the model and owns its artifact, key and image (account A)."""

    account_id: AccountId
    region: str = Field(examples=["us-east-1"])
    artifact: str | None = Field(
        default=None,
        description="S3 URI of the model artifact object (not a prefix); the one version "
        "when the spec has no `models`.",
        examples=["s3://awsdoc-example-bucket/sagemaker/linear-learner/output/model.tar.gz"],
    )
    kms_key_arn: str = Field(
        description="ARN of the customer managed KMS key the training job encrypted with.",
    )
    image: str | None = Field(
        default=None,
        description="ECR URI of the inference image; with `artifact`, the one version when "
        "the spec has no `models`.",
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
    model_package_group: ModelPackageGroup | None = Field(
        default=None,
        description="Deploy from the Model Registry: the group whose versions (models.*."
        "package_version) the targets create their models from.",
    )
    enforce_bucket_owner: StrictBool | None = Field(
        default=None,
        description="Set S3 Object Ownership to BucketOwnerEnforced so the bucket policy "
        "governs every object (default: on in hardened).",
    )
    deploy_role_arn: str | None = Field(
        default=None,
        description="Role of this account that Terraform's provider assumes to apply here "
        "(assume_role); the credentials Terraform runs with must be allowed to assume it.",
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
    def _artifact(cls, value: str | None) -> str | None:
        return None if value is None else check_artifact(value)

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

    @field_validator("deploy_role_arn")
    @classmethod
    def _deploy_role(cls, value: str | None) -> str | None:
        return check_role_arn(value)

    @field_validator("image")
    @classmethod
    def _image(cls, value: str | None) -> str | None:
        return None if value is None else check_image(value)

    @field_validator(
        "bucket_policy_statements", "key_policy_statements", "repository_policy_statements"
    )
    @classmethod
    def _statements(cls, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return check_kept_statements(value)

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
        return self

    # --- derived values (computed once; the model is immutable) --------------------------------

    @property
    def group_arn(self) -> str:
        assert self.model_package_group is not None
        return (
            f"arn:{self.partition.id}:sagemaker:{self.region}:{self.account_id}:"
            f"model-package-group/{self.model_package_group.name}"
        )

    def package_arn(self, version: int) -> str:
        """The ARN of version `version` of the model package group."""
        assert self.model_package_group is not None
        return (
            f"arn:{self.partition.id}:sagemaker:{self.region}:{self.account_id}:"
            f"model-package/{self.model_package_group.name}/{version}"
        )

    @cached_property
    def partition(self) -> Partition:
        partition = partition_of(self.region)
        assert partition is not None
        return partition

    @property
    def root_arn(self) -> str:
        return f"arn:{self.partition.id}:iam::{self.account_id}:root"

    def via_service(self, service: str) -> str:
        """The `kms:ViaService` value `service` of this region sends when it calls KMS."""
        return f"{service}.{self.region}.{self.partition.dns_suffix}"

    @property
    def s3_service(self) -> str:
        """The `kms:ViaService` value S3 sends when it decrypts for a caller."""
        return self.via_service("s3")
