"""The whole spec: one model in its versions, the account that trained it, the targets."""

from __future__ import annotations

import hashlib
import json
from functools import cached_property
from typing import Any, Literal

from pydantic import ConfigDict, Field, field_validator, model_validator

from ..aws_limits import tags_problem
from .landing import Backend, policy_in_account, role_in_account
from .landing import role_name as arn_role_name
from .serving import check_versions
from .shapes import KMS_KEY_ARN, SAGEMAKER_NAME_MAX, Strict, Tags, check_sagemaker_name, check_tags
from .source import Source
from .target import Target, volume_key_allowed
from .version import ModelVersion

SPEC_VERSION = 1
PROFILES = ("hardened", "seed")
# Target fields of landing zones (after the first release): left out of the digest unset.
LANDING_TARGET_FIELDS = ("existing_role_arn", "permissions_boundary_arn", "deploy_role_arn")


class Spec(Strict):
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
    models: dict[str, ModelVersion] | None = Field(
        default=None,
        min_length=1,
        description="The model's versions by name; each target says which one it serves. "
        "Without it, source.artifact and source.image are the one version.",
    )
    targets: list[Target] = Field(min_length=1, max_length=100)
    backend: Backend | None = Field(
        default=None,
        description="Terraform S3 backend of every root module (one state per account); "
        "without it, each folder's state is local or in its own backend.tf.",
    )
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
        check_sagemaker_name(value, "model name")
        return value

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: dict[str, str]) -> dict[str, str]:
        return check_tags(value)

    @model_validator(mode="after")
    def _versions(self) -> Spec:
        check_versions(self)
        return self

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

    @model_validator(mode="after")
    def _landing_zone(self) -> Spec:
        """Roles and boundaries the spec names must be of the account they serve."""
        partition = self.source.partition.id
        named = [("source.deploy_role_arn", self.source.deploy_role_arn, self.source.account_id)]
        for index, target in enumerate(self.targets):
            named += [
                (f"targets[{index}].{field}", getattr(target, field), target.account_id)
                for field in ("existing_role_arn", "deploy_role_arn")
            ]
            boundary = target.permissions_boundary_arn
            problem = boundary and policy_in_account(boundary, partition, target.account_id)
            if problem:
                raise ValueError(
                    f"targets[{index}].permissions_boundary_arn: {problem}; a boundary must be "
                    "a managed policy of the role's own account or an AWS managed policy"
                )
        for place, arn, account in named:
            problem = arn and role_in_account(arn, partition, account)
            if problem:
                raise ValueError(
                    f"{place}: {problem}; name a role of account {account} "
                    f"(arn:{partition}:iam::{account}:role/...)"
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
            if self.role_name(other) == self.role_name(target):
                raise ValueError(
                    f"targets[{index}].{self._role_field(target)}: {self.role_name(target)!r} "
                    f"is also the role of targets[{earlier}] in account {target.account_id}; "
                    "give each target in one account its own role"
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
        """The execution role's ARN (an existing role's with its path): policies name it."""
        if target.existing_role_arn is not None:
            return target.existing_role_arn
        return f"arn:{self.source.partition.id}:iam::{target.account_id}:role/{target.role_name}"

    def role_name(self, target: Target) -> str:
        """The execution role's name (IAM role names are unique per account, paths aside)."""
        if target.existing_role_arn is not None:
            return arn_role_name(target.existing_role_arn)
        return target.role_name

    @staticmethod
    def _role_field(target: Target) -> str:
        return "role_name" if target.existing_role_arn is None else "existing_role_arn"

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
        the old one, so the two must not share a name. A version's environment and content
        pin count too: a new pin is a new model, so the endpoint is updated onto it.
        """
        version = self.version(target)
        content: list[Any] = [
            version.image,
            version.artifact,
            self.role_arn(target),
            self.network_isolation(target),
            target.vpc.model_dump() if target.vpc else None,
        ]
        if version.environment or version.pin:
            content += [version.environment, version.pin]
        if version.package_version is not None:
            content.append(self.source.package_arn(version.package_version))
        digest = hashlib.sha256(json.dumps(content, sort_keys=True).encode("utf-8")).hexdigest()
        return f"{self.name[: SAGEMAKER_NAME_MAX - 9]}-{digest[:8]}"

    # --- versions ---------------------------------------------------------------------------

    @property
    def versioned(self) -> bool:
        """Whether the spec names its versions (`models`) rather than one source artifact."""
        return self.models is not None

    @cached_property
    def versions(self) -> dict[str, ModelVersion]:
        """Every version by name; a spec without `models` has one, named ''."""
        if self.models is not None:
            return dict(self.models)
        assert self.source.artifact is not None and self.source.image is not None
        return {"": ModelVersion(artifact=self.source.artifact, image=self.source.image)}

    def served(self, target: Target) -> str:
        """The name of the version `target`'s endpoint serves."""
        return target.serves or next(iter(self.versions))

    def version(self, target: Target) -> ModelVersion:
        return self.versions[self.served(target)]

    def reads(self, target: Target) -> list[str]:
        """The versions `target`'s role may read: what it serves, and what it moves off."""
        names = [self.served(target)]
        if target.moving_from is not None:
            names.append(target.moving_from)
        return names

    def readers(self, name: str) -> list[Target]:
        """The targets whose roles may read version `name`, in spec order."""
        return [t for t in self.targets if name in self.reads(t)]

    def granted_versions(self) -> list[str]:
        """The versions some target reads, in the order of `versions`."""
        read = {name for t in self.targets for name in self.reads(t)}
        return [name for name in self.versions if name in read]

    @property
    def registry(self) -> bool:
        """Whether targets deploy versions of a Model Registry group."""
        return self.source.model_package_group is not None

    def package_arn(self, name: str) -> str | None:
        """The model package ARN of version `name` (None outside the Model Registry)."""
        number = self.versions[name].package_version
        return None if number is None else self.source.package_arn(number)

    def object_arn(self, name: str) -> str:
        return self.versions[name].object_arn(self.source.partition.id)

    @property
    def bucket(self) -> str:
        """The artifacts' bucket (one for every version, checked at validation)."""
        return next(iter(self.versions.values())).bucket

    @property
    def bucket_arn(self) -> str:
        return f"arn:{self.source.partition.id}:s3:::{self.bucket}"

    def in_source_repository(self, name: str) -> bool:
        """Whether version `name`'s image is in the source account's ECR (its policy is ours)."""
        return self.versions[name].image_account_id == self.source.account_id

    @property
    def image_in_source_account(self) -> bool:
        return any(self.in_source_repository(name) for name in self.granted_versions())

    @property
    def repository_name(self) -> str:
        """The source repository every source-account image is in (checked at validation)."""
        return self._repository_version.repository_name

    @property
    def repository_arn(self) -> str:
        return self._repository_version.repository_arn(self.source.partition.id)

    @property
    def _repository_version(self) -> ModelVersion:
        """A granted version whose image is in the source's ECR (else the first version)."""
        names = [n for n in self.granted_versions() if self.in_source_repository(n)]
        return self.versions[(names or list(self.versions))[0]]

    def repository_readers(self) -> list[Target]:
        """Targets that pull an image from the source account's repository."""
        return [t for t in self.targets if any(self.in_source_repository(n) for n in self.reads(t))]

    def enforce_bucket_owner(self) -> bool:
        flag = self.source.enforce_bucket_owner
        return self.hardened if flag is None else flag

    def canonical_json(self) -> str:
        """The spec's content, independent of comments, key order and formatting.

        Fields a spec leaves unset that came after the first release are left out, so a
        spec written before them keeps its digest (and its render its manifest).
        """
        data = self.model_dump(mode="json")
        landing = [
            (data, ("backend",)),
            (data["source"], ("deploy_role_arn",)),
            *((t, LANDING_TARGET_FIELDS) for t in data["targets"]),
        ]
        for parent, keys in [
            (data, ("models",)),
            (data["source"], ("artifact", "image", "model_package_group")),
            *((t, ("serves", "moving_from", "guardrails")) for t in data["targets"]),
            *landing,
        ]:
            for key in keys:
                if parent.get(key) is None:
                    parent.pop(key, None)
        return json.dumps(data, sort_keys=True, separators=(",", ":"))

    def digest(self) -> str:
        return hashlib.sha256(self.canonical_json().encode("utf-8")).hexdigest()
