"""A target account: the endpoint it runs, the version it serves, how updates roll out."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, StrictBool, StrictInt, field_validator, model_validator

from .landing import check_policy_arn, check_role_arn
from .shapes import (
    INSTANCE_TYPE,
    KEY_ARN_FORM,
    KMS_KEY_ARN,
    ROLE_NAME,
    SECURITY_GROUP_ID,
    SUBNET_ID,
    TARGET_NAME,
    AccountId,
    Strict,
    Tags,
    check_sagemaker_name,
    check_tags,
)

# CloudWatch alarm names: 1-255 characters (PutMetricAlarm). Deployment guardrails take
# at most 10 (AutoRollbackConfig.Alarms).
# https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html
# https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_AutoRollbackConfig.html
ALARM_NAME_MAX = 255
TRAFFIC = {"all-at-once": "ALL_AT_ONCE", "canary": "CANARY", "linear": "LINEAR"}


class VpcConfig(Strict):
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


class Guardrails(Strict):
    """SageMaker deployment guardrails: a blue/green update that rolls back on alarms.

    https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails.html
    """

    traffic: Literal["all-at-once", "canary", "linear"] = Field(
        description="How traffic shifts to the new fleet: at once, a canary then the rest, "
        "or in equal linear steps."
    )
    step_percent: StrictInt | None = Field(
        default=None,
        description="Canary or linear step as a percentage of the fleet (canary: at most 50; "
        "linear: 10-50).",
    )
    step_instances: StrictInt | None = Field(
        default=None, description="Canary or linear step as a number of instances."
    )
    # TrafficRoutingConfig.WaitIntervalInSeconds: 0-3600.
    wait_seconds: StrictInt = Field(
        default=600, ge=0, le=3600, description="Baking time between traffic steps."
    )
    # BlueGreenUpdatePolicy.TerminationWaitInSeconds: 0-3600.
    termination_wait_seconds: StrictInt = Field(
        default=0, ge=0, le=3600, description="How long the old fleet stays after the shift."
    )
    # BlueGreenUpdatePolicy.MaximumExecutionTimeoutInSeconds: 600-28800.
    timeout_seconds: StrictInt = Field(
        default=3600, ge=600, le=28800, description="Longest the whole update may take."
    )
    rollback_alarms: list[str] = Field(
        default_factory=list,
        max_length=10,
        description="CloudWatch alarms (in the target account) that roll the update back.",
    )

    @field_validator("rollback_alarms")
    @classmethod
    def _alarms(cls, value: list[str]) -> list[str]:
        for name in value:
            if not 1 <= len(name) <= ALARM_NAME_MAX or any(ord(c) < 32 for c in name):
                raise ValueError(
                    f"{name!r} is not a CloudWatch alarm name; use the 1-255 character "
                    "name the alarm was created with"
                )
        if len(set(value)) != len(value):
            raise ValueError("an alarm is named twice; name each alarm once")
        return value

    @model_validator(mode="after")
    def _step(self) -> Guardrails:
        given = [v for v in (self.step_percent, self.step_instances) if v is not None]
        if self.traffic == "all-at-once":
            if given:
                raise ValueError(
                    "step_percent: all-at-once shifts traffic in one step; remove the step "
                    "or use traffic: canary or linear"
                )
            return self
        if len(given) != 1:
            raise ValueError(
                f"step_percent: {self.traffic} traffic needs exactly one of step_percent or "
                "step_instances, e.g. step_percent: 25"
            )
        low = 10 if self.traffic == "linear" else 1
        if self.step_percent is not None and not low <= self.step_percent <= 50:
            raise ValueError(
                f"step_percent: {self.step_percent} is outside {low}-50, what SageMaker "
                f"accepts for a {self.traffic} step; choose a value in that range"
            )
        if self.step_instances is not None and self.step_instances < 1:
            raise ValueError("step_instances: must be at least 1; give a number of instances")
        return self

    @property
    def traffic_type(self) -> str:
        return TRAFFIC[self.traffic]

    @property
    def step(self) -> dict[str, object] | None:
        """The CapacitySize of a canary or linear step (None for all at once)."""
        if self.step_percent is not None:
            return {"type": "CAPACITY_PERCENT", "value": self.step_percent}
        if self.step_instances is not None:
            return {"type": "INSTANCE_COUNT", "value": self.step_instances}
        return None


class Target(Strict):
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
    existing_role_arn: str | None = Field(
        default=None,
        description="ARN of an execution role of this account that the platform team "
        "manages (path included): xgen creates no role and no trust policy, and puts only "
        "its inline policies on this role.",
    )
    permissions_boundary_arn: str | None = Field(
        default=None,
        description="Managed policy ARN set as the permissions boundary of the role xgen "
        "creates; it must allow what the role's inline policies grant.",
    )
    deploy_role_arn: str | None = Field(
        default=None,
        description="Role of this account that Terraform's provider assumes to apply here "
        "(assume_role); the credentials Terraform runs with must be allowed to assume it.",
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
    serves: str | None = Field(
        default=None,
        description="Name of the version (under `models`) this target's endpoint serves; "
        "optional when there is one.",
    )
    moving_from: str | None = Field(
        default=None,
        description="The version the endpoint is moving off: the source keeps granting it "
        "until this line is removed (expand, move, contract).",
    )
    guardrails: Guardrails | None = Field(
        default=None,
        description="Blue/green update with canary or linear traffic shifting and automatic "
        "rollback on CloudWatch alarms.",
    )
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

    @field_validator("existing_role_arn", "deploy_role_arn")
    @classmethod
    def _role_arns(cls, value: str | None) -> str | None:
        return check_role_arn(value)

    @field_validator("permissions_boundary_arn")
    @classmethod
    def _boundary(cls, value: str | None) -> str | None:
        return check_policy_arn(value)

    @model_validator(mode="after")
    def _existing_role(self) -> Target:
        if self.existing_role_arn is None:
            return self
        if "role_name" in self.model_fields_set:
            raise ValueError(
                "role_name: xgen creates no role when existing_role_arn is given (the name "
                "is the ARN's last part); remove role_name"
            )
        if self.permissions_boundary_arn is not None:
            raise ValueError(
                "permissions_boundary_arn: the existing role's boundary is the platform "
                "team's to set; remove permissions_boundary_arn or existing_role_arn"
            )
        return self

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
            check_sagemaker_name(value, "endpoint name")
        return value

    @field_validator("volume_kms_key_arn")
    @classmethod
    def _volume_key(cls, value: str | None) -> str | None:
        if value is not None and not KMS_KEY_ARN.match(value):
            raise ValueError(f"{value!r} is not a KMS key ARN; {KEY_ARN_FORM}")
        return value

    @model_validator(mode="after")
    def _guardrails_fit_fleet(self) -> Target:
        steps = self.guardrails.step_instances if self.guardrails else None
        if steps is not None and steps * 2 > self.instance_count:
            raise ValueError(
                f"guardrails.step_instances: {steps} of {self.instance_count} instances is "
                "over half the fleet, more than SageMaker accepts for a canary or linear "
                "step; raise instance_count or use a smaller step"
            )
        if self.moving_from is not None and self.moving_from == self.serves:
            raise ValueError(
                f"moving_from: the endpoint serves {self.serves!r} already; remove "
                "moving_from (it names the version the endpoint moves off)"
            )
        return self

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
        return check_tags(value)


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
