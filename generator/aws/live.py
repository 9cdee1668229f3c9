"""Read what is live in one account: the policies and resources `xgen audit` compares.

Read-only calls only (Get*, List*, Describe*, Head*). A resource that is not there comes
back as None, for the audit to report as a finding; any other failure (credentials,
AccessDenied, throttling beyond retries) is an InputError naming the account, the
profile and the call, so the user knows which permission to grant where.
https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.exceptions import ClientError

from ..errors import InputError
from ..manifest import SourceEntry, TargetEntry
from ..policy.kinds import Kind
from .session import aws_call, client

# Error codes meaning "not there" per call: a finding, not a failure.
NO_BUCKET = {"NoSuchBucket"}
NO_KEY = {"NotFoundException"}
NO_OBJECT = {"404", "NoSuchKey", "NotFound"}
NO_REPOSITORY = {"RepositoryNotFoundException"}
NO_ENTITY = {"NoSuchEntity"}
# SageMaker answers a missing model or endpoint with ValidationException ("Could not find").
NOT_FOUND_SAGEMAKER = {"ValidationException", "ResourceNotFound"}
VARIANT_FIELDS = ("ModelName", "InstanceType", "InitialInstanceCount")


@dataclass(frozen=True)
class Live:
    """A live resource and its policy: `exists` False means the resource is not there;
    `policy` None means it has no policy (or the resource is not there)."""

    exists: bool
    policy: dict[str, Any] | None = None


@dataclass(frozen=True)
class ObjectState:
    """The artifact object as `head_object` reports it (None fields: not SSE-KMS)."""

    exists: bool
    encryption: str | None = None  # "aws:kms", "AES256", ...
    kms_key_id: str | None = None  # the key ARN S3 reports for SSE-KMS
    version_id: str | None = None  # the current version's id (versioned buckets)
    etag: str | None = None  # without its quotes


@dataclass(frozen=True)
class ModelState:
    """A SageMaker model as DescribeModel names its parts: Image, ModelDataUrl,
    ModelPackageName, ExecutionRoleArn, EnableNetworkIsolation and VpcConfig (ids sorted,
    or None)."""

    fields: dict[str, Any]


@dataclass(frozen=True)
class SourceState:
    bucket: Live
    key: Live
    artifacts: dict[str, ObjectState]  # object ARN -> what HeadObject says of it
    repository: Live | None
    group: Live | None = None  # the Model Registry group's policy (None: no registry)
    approvals: dict[str, str | None] = field(
        default_factory=dict
    )  # package ARN -> status  # None: the image is not in the source account's ECR


@dataclass(frozen=True)
class EndpointState:
    """A SageMaker endpoint: what its configuration serves on what, and its volume key."""

    config_name: str
    # ModelName, InstanceType and InitialInstanceCount of each production variant
    variants: tuple[dict[str, Any], ...] = ()
    volume_key_id: str | None = None
    volume_key: Live | None = None  # None: the configuration names no key


@dataclass(frozen=True)
class TargetState:
    role: Live  # the policy is the trust policy
    inline: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> document
    attached: dict[str, dict[str, Any] | None] = field(default_factory=dict)  # arn -> document
    model: ModelState | None = None  # None: no model of that name
    endpoint: EndpointState | None = None  # None: no endpoint of that name


def caller_account(profile: str | None, via: boto3.session.Session, region: str) -> str:
    """The account the profile's credentials belong to (sts:GetCallerIdentity)."""
    sts = client(profile, "sts", region, via=via)
    call = "sts:GetCallerIdentity"
    with aws_call(_what(None, profile, call), profile=profile, denied=call):
        return str(sts.get_caller_identity()["Account"])


def _what(account: str | None, profile: str | None, call: str) -> str:
    who = f"profile {profile}" if profile else "the ambient credentials"
    return f"account {account} ({who}): {call}" if account else f"{who}: {call}"


class AccountReader:
    """Read-only calls into one account through one profile's session (used by one thread
    at a time), clients made once each."""

    def __init__(
        self, account_id: str, profile: str | None, via: boto3.session.Session, region: str
    ) -> None:
        self.account_id = account_id
        self.profile = profile
        self.session = via
        self.region = region
        self._clients: dict[tuple[str, str], Any] = {}

    def call(
        self,
        service: str,
        operation: str,
        permission: str,
        *,
        missing: set[str] = frozenset(),  # type: ignore[assignment]
        region: str | None = None,
        **params: Any,
    ) -> dict[str, Any] | None:
        """One API call; None when AWS answers with one of the `missing` error codes."""
        where = region or self.region
        if (service, where) not in self._clients:
            self._clients[service, where] = client(self.profile, service, where, via=self.session)
        method: Callable[..., dict[str, Any]] = getattr(self._clients[service, where], operation)
        what = _what(self.account_id, self.profile, permission)
        with aws_call(what, profile=self.profile, denied=permission):
            try:
                return method(**params)
            except ClientError as error:
                if str(error.response.get("Error", {}).get("Code", "")) in missing:
                    return None
                raise

    def source(
        self, entry: SourceEntry, objects: tuple[str, ...], packages: tuple[str, ...] = ()
    ) -> SourceState:
        """The bucket and its policy, the key and its policy, the artifacts, the repository,
        and for the Model Registry the group's policy and each deployed version's approval."""
        bucket = entry.bucket_arn.split(":::", 1)[1]
        group = packages[0].split("/")[1] if packages else None
        return SourceState(
            group=self._group(group) if group else None,
            approvals={arn: self._approval(arn) for arn in packages},
            bucket=self._bucket(bucket),
            key=self._key(entry.kms_key_arn),
            artifacts={arn: self._object(bucket, arn.split("/", 1)[1]) for arn in objects},
            repository=(
                self._repository(entry.repository_arn.split(":repository/", 1)[1])
                if entry.image_in_source_account
                else None
            ),
        )

    def _bucket(self, bucket: str) -> Live:
        found = self.call(
            "s3",
            "get_bucket_policy",
            "s3:GetBucketPolicy",
            missing={*NO_BUCKET, "NoSuchBucketPolicy"},
            Bucket=bucket,
        )
        if found is not None:
            return Live(True, _document(found["Policy"], f"bucket policy of {bucket}"))
        exists = self.call("s3", "head_bucket", "s3:ListBucket", missing=NO_OBJECT, Bucket=bucket)
        return Live(exists is not None)

    def _key(self, key_arn: str) -> Live:
        region = key_arn.split(":")[3] if key_arn.startswith("arn:") else None
        found = self.call(
            "kms",
            "get_key_policy",
            "kms:GetKeyPolicy",
            missing=NO_KEY,
            region=region,
            KeyId=key_arn,
            PolicyName="default",
        )
        if found is None:
            return Live(False)
        return Live(True, _document(found["Policy"], f"key policy of {key_arn}"))

    def _object(self, bucket: str, key: str) -> ObjectState:
        head = self.call(
            "s3",
            "head_object",
            "s3:GetObject",
            missing={*NO_OBJECT, *NO_BUCKET},
            Bucket=bucket,
            Key=key,
        )
        if head is None:
            return ObjectState(False)
        return ObjectState(
            True,
            head.get("ServerSideEncryption"),
            head.get("SSEKMSKeyId"),
            head.get("VersionId"),
            str(head.get("ETag", "")).strip('"') or None,
        )

    def _group(self, name: str) -> Live:
        found = self.call(
            "sagemaker",
            "get_model_package_group_policy",
            "sagemaker:GetModelPackageGroupPolicy",
            missing=NOT_FOUND_SAGEMAKER,
            ModelPackageGroupName=name,
        )
        if found is not None:
            return Live(True, _document(found["ResourcePolicy"], f"policy of group {name}"))
        described = self.call(
            "sagemaker",
            "describe_model_package_group",
            "sagemaker:DescribeModelPackageGroup",
            missing=NOT_FOUND_SAGEMAKER,
            ModelPackageGroupName=name,
        )
        return Live(described is not None)

    def _approval(self, package_arn: str) -> str | None:
        """A model package version's ModelApprovalStatus (None: no such version)."""
        found = self.call(
            "sagemaker",
            "describe_model_package",
            "sagemaker:DescribeModelPackage",
            missing=NOT_FOUND_SAGEMAKER,
            ModelPackageName=package_arn,
        )
        return None if found is None else str(found.get("ModelApprovalStatus", "none"))

    def _repository(self, name: str) -> Live:
        found = self.call(
            "ecr",
            "get_repository_policy",
            "ecr:GetRepositoryPolicy",
            missing={*NO_REPOSITORY, "RepositoryPolicyNotFoundException"},
            registryId=self.account_id,
            repositoryName=name,
        )
        if found is not None:
            return Live(True, _document(found["policyText"], f"repository policy of {name}"))
        described = self.call(
            "ecr",
            "describe_repositories",
            "ecr:DescribeRepositories",
            missing=NO_REPOSITORY,
            registryId=self.account_id,
            repositoryNames=[name],
        )
        return Live(described is not None)

    def whole_policies(self, entry: SourceEntry, group: str | None = None) -> dict[Kind, Live]:
        """The source's resources whose entire policy Terraform owns, for `xgen import`: the
        bucket, the key, when the image is in this account's ECR the repository, and the
        Model Registry group the spec names."""
        found = {
            Kind.BUCKET: self._bucket(entry.bucket_arn.split(":::", 1)[1]),
            Kind.KEY: self._key(entry.kms_key_arn),
        }
        if entry.image_in_source_account:
            name = entry.repository_arn.split(":repository/", 1)[1]
            found[Kind.ECR_REPOSITORY] = self._repository(name)
        if group is not None:
            found[Kind.MODEL_PACKAGE_GROUP] = self._group(group)
        return found

    def target(self, entry: TargetEntry) -> TargetState:
        """The role with its trust, inline and attached policies, and the SageMaker model."""
        role_name = entry.role_arn.rsplit("/", 1)[1]
        role = self.call("iam", "get_role", "iam:GetRole", missing=NO_ENTITY, RoleName=role_name)
        model, endpoint = self._model(entry.model_name), self._endpoint(entry.endpoint_name)
        if role is None:
            return TargetState(Live(False), model=model, endpoint=endpoint)
        return TargetState(
            role=Live(True, _decoded(role["Role"]["AssumeRolePolicyDocument"])),
            inline=self._inline(role_name),
            attached=self._attached(role_name),
            model=model,
            endpoint=endpoint,
        )

    def _inline(self, role_name: str) -> dict[str, dict[str, Any]]:
        names = self._pages(
            "iam", "list_role_policies", "iam:ListRolePolicies", "PolicyNames", role_name
        )
        policies = {}
        for name in sorted(names):
            found = self.call(
                "iam",
                "get_role_policy",
                "iam:GetRolePolicy",
                missing=NO_ENTITY,
                RoleName=role_name,
                PolicyName=name,
            )
            if found is not None:
                policies[name] = _decoded(found["PolicyDocument"])
        return policies

    def _attached(self, role_name: str) -> dict[str, dict[str, Any] | None]:
        """Attached policies by ARN; the document of customer managed ones (AWS managed: None,
        they are AWS's to change and xgen models the one it attaches)."""
        attached = self._pages(
            "iam",
            "list_attached_role_policies",
            "iam:ListAttachedRolePolicies",
            "AttachedPolicies",
            role_name,
        )
        documents: dict[str, dict[str, Any] | None] = {}
        for arn in sorted(p["PolicyArn"] for p in attached):
            documents[arn] = None if ":iam::aws:policy/" in arn else self._managed(arn)
        return documents

    def _managed(self, arn: str) -> dict[str, Any] | None:
        policy = self.call("iam", "get_policy", "iam:GetPolicy", missing=NO_ENTITY, PolicyArn=arn)
        if policy is None:
            return None
        version = self.call(
            "iam",
            "get_policy_version",
            "iam:GetPolicyVersion",
            missing=NO_ENTITY,
            PolicyArn=arn,
            VersionId=policy["Policy"]["DefaultVersionId"],
        )
        return None if version is None else _decoded(version["PolicyVersion"]["Document"])

    def _pages(
        self, service: str, operation: str, permission: str, key: str, role: str
    ) -> list[Any]:
        """Every item of a paginated IAM listing (Marker/IsTruncated)."""
        items: list[Any] = []
        params: dict[str, Any] = {"RoleName": role}
        while True:
            page = self.call(service, operation, permission, missing=NO_ENTITY, **params)
            if page is None:
                return items
            items += page[key]
            if not page.get("IsTruncated"):
                return items
            params["Marker"] = page["Marker"]

    def _model(self, name: str) -> ModelState | None:
        found = self.call(
            "sagemaker",
            "describe_model",
            "sagemaker:DescribeModel",
            missing=NOT_FOUND_SAGEMAKER,
            ModelName=name,
        )
        if found is None:
            return None
        container = found.get("PrimaryContainer") or (found.get("Containers") or [{}])[0]
        source = container.get("ModelDataSource", {}).get("S3DataSource", {})
        vpc = found.get("VpcConfig")
        return ModelState(
            {
                "Image": container.get("Image"),
                "ModelDataUrl": container.get("ModelDataUrl") or source.get("S3Uri"),
                "ModelPackageName": container.get("ModelPackageName"),
                "ExecutionRoleArn": found.get("ExecutionRoleArn"),
                "EnableNetworkIsolation": bool(found.get("EnableNetworkIsolation")),
                "VpcConfig": (
                    {name: sorted(vpc.get(name, [])) for name in ("SecurityGroupIds", "Subnets")}
                    if vpc
                    else None
                ),
            }
        )

    def _endpoint(self, name: str) -> EndpointState | None:
        endpoint = self.call(
            "sagemaker",
            "describe_endpoint",
            "sagemaker:DescribeEndpoint",
            missing=NOT_FOUND_SAGEMAKER,
            EndpointName=name,
        )
        if endpoint is None:
            return None
        config_name = endpoint["EndpointConfigName"]
        config = self.call(
            "sagemaker",
            "describe_endpoint_config",
            "sagemaker:DescribeEndpointConfig",
            missing=NOT_FOUND_SAGEMAKER,
            EndpointConfigName=config_name,
        )
        if config is None:
            return EndpointState(config_name)
        key_id = config.get("KmsKeyId")
        return EndpointState(
            config_name,
            tuple(
                {name: v.get(name) for name in VARIANT_FIELDS}
                for v in config.get("ProductionVariants", [])
            ),
            key_id,
            self._key(key_id) if key_id else None,
        )


def _document(text: str, what: str) -> dict[str, Any]:
    try:
        body = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(f"AWS returned the {what} as invalid JSON: {error.msg}") from None
    if not isinstance(body, dict):
        raise InputError(f"AWS returned the {what} as JSON that is not an object")
    return body


def _decoded(value: Any) -> dict[str, Any]:
    """IAM documents: botocore decodes them to dicts; a string (other clients) is parsed."""
    if isinstance(value, str):
        from urllib.parse import unquote

        return _document(unquote(value), "IAM policy")
    return value
