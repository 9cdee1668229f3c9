"""A model version: what one endpoint serves (artifact, image, container environment, pin).

A spec names its versions once (`models:`) and each target says which one it serves, so
that "staging gets v8 today, prod next week" is two lines of one spec, and the source's
policies can grant each target role exactly the versions it serves.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field, StrictInt, field_validator, model_validator

from .shapes import ECR_IMAGE, Strict, check_artifact, check_image, image_part

# A version's name is used in Sids (alphanumeric in IAM) and in messages.
VERSION_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?\Z")
# ContainerDefinition.Environment: at most 100 entries, keys [a-zA-Z_][a-zA-Z0-9_]* of at
# most 1024 characters, values of at most 1024, all keys and values together at most 32 KB.
# https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ContainerDefinition.html
ENVIRONMENT_KEY = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*\Z")
ENVIRONMENT_MAX_ENTRIES = 100
ENVIRONMENT_MAX_LENGTH = 1024
ENVIRONMENT_MAX_TOTAL = 32 * 1024
# S3 VersionId: opaque, URL-ready, at most 1024 bytes. ETag: the hex MD5 of a single-part
# upload, or hex MD5 plus "-<parts>" for a multipart one (HeadObject returns it quoted).
# https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html
VERSION_ID = re.compile(r"^[A-Za-z0-9._-]{1,1024}\Z")
ETAG = re.compile(r'^"?(?P<etag>[0-9a-f]{32}(-[0-9]{1,5})?)"?\Z')


class ModelVersion(Strict):
    """One version of the model: the object SageMaker downloads and the image that serves it."""

    artifact: str = Field(
        description="S3 URI of this version's model artifact object (not a prefix).",
        examples=["s3://awsdoc-example-bucket/churn/v8/model.tar.gz"],
    )
    image: str = Field(
        description="ECR URI of the inference image of this version.",
        examples=["111111111111.dkr.ecr.us-east-1.amazonaws.com/churn:8"],
    )
    version_id: str | None = Field(
        default=None,
        description="S3 VersionId the artifact must have: the model's name follows it, and "
        "`xgen audit` reports a live object of another version.",
    )
    etag: str | None = Field(
        default=None,
        description="ETag the artifact must have (as `aws s3api head-object` prints it): the "
        "model's name follows it, and `xgen audit` reports a live object of other content.",
    )
    environment: dict[str, str] = Field(
        default_factory=dict,
        description="Environment of the serving container (SAGEMAKER_PROGRAM, HF_MODEL_ID, ...).",
    )
    package_version: StrictInt | None = Field(
        default=None,
        ge=1,
        description="The version of source.model_package_group this is: targets create their "
        "model from the package (artifact and image must be the package's).",
    )

    @field_validator("artifact")
    @classmethod
    def _artifact(cls, value: str) -> str:
        return check_artifact(value)

    @field_validator("image")
    @classmethod
    def _image(cls, value: str) -> str:
        return check_image(value)

    @field_validator("version_id")
    @classmethod
    def _version_id(cls, value: str | None) -> str | None:
        if value is not None and not VERSION_ID.match(value):
            raise ValueError(
                f"{value!r} is not an S3 VersionId; copy it from "
                "`aws s3api head-object --bucket B --key K --query VersionId`"
            )
        return value

    @field_validator("etag")
    @classmethod
    def _etag(cls, value: str | None) -> str | None:
        if value is None:
            return value
        match = ETAG.match(value)
        if not match:
            raise ValueError(
                f"{value!r} is not an S3 ETag; copy it from "
                "`aws s3api head-object --bucket B --key K --query ETag` (32 hex digits, "
                "with -N for a multipart upload)"
            )
        return match.group("etag")

    @field_validator("environment", mode="before")
    @classmethod
    def _environment(cls, value: Any) -> Any:
        return check_environment(value) if isinstance(value, dict) else value

    @model_validator(mode="after")
    def _one_pin(self) -> ModelVersion:
        if self.version_id is not None and self.etag is not None:
            raise ValueError(
                "etag: give version_id or etag, not both; version_id names the object's "
                "version exactly, etag its content"
            )
        return self

    # --- derived values ---------------------------------------------------------------------

    @property
    def bucket(self) -> str:
        return self.artifact[len("s3://") :].partition("/")[0]

    @property
    def key(self) -> str:
        return self.artifact[len("s3://") :].partition("/")[2]

    def object_arn(self, partition: str) -> str:
        return f"arn:{partition}:s3:::{self.bucket}/{self.key}"

    @property
    def image_account_id(self) -> str:
        return image_part(self.image, "account")

    @property
    def repository_name(self) -> str:
        return image_part(self.image, "repository")

    def repository_arn(self, partition: str) -> str:
        return (
            f"arn:{partition}:ecr:{self.image_region}:{self.image_account_id}:"
            f"repository/{self.repository_name}"
        )

    @property
    def pin(self) -> dict[str, str]:
        """What the artifact's content is pinned to (empty when it is not)."""
        if self.version_id is not None:
            return {"version_id": self.version_id}
        if self.etag is not None:
            return {"etag": self.etag}
        return {}

    @property
    def image_region(self) -> str:
        match = ECR_IMAGE.match(self.image)
        assert match is not None
        return match.group("region")


def check_environment(value: dict[Any, Any]) -> dict[Any, Any]:
    """SageMaker's limits on a container's environment, with the limit named."""
    if len(value) > ENVIRONMENT_MAX_ENTRIES:
        raise ValueError(
            f"{len(value)} variables, over SageMaker's limit of {ENVIRONMENT_MAX_ENTRIES}; "
            "move settings into the artifact (e.g. a config file in model.tar.gz)"
        )
    total = 0
    for key, item in value.items():
        named = isinstance(key, str) and ENVIRONMENT_KEY.match(key)
        if not named or len(key) > ENVIRONMENT_MAX_LENGTH:
            raise ValueError(
                f"{key!r} is not a variable name SageMaker accepts; use letters, digits "
                "and '_', not starting with a digit, at most 1024 characters"
            )
        if not isinstance(item, str):
            raise ValueError(
                f"{key} is {type(item).__name__}, not text; quote the value "
                "(SageMaker passes every variable as a string)"
            )
        if len(item.encode("utf-8")) > ENVIRONMENT_MAX_LENGTH:
            raise ValueError(
                f"the value of {key} is over SageMaker's limit of 1024 bytes; shorten it "
                "or move it into the artifact"
            )
        total += len(key.encode("utf-8")) + len(item.encode("utf-8"))
    if total > ENVIRONMENT_MAX_TOTAL:
        raise ValueError(
            f"keys and values total {total} bytes, over SageMaker's limit of 32 KB; move "
            "settings into the artifact"
        )
    return value


def sid_part(name: str) -> str:
    """A version name as it appears in a Sid: alphanumeric, each hyphen-part capitalised."""
    return "".join(piece[:1].upper() + piece[1:] for piece in name.split("-"))
