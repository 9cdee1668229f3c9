"""`python -m moto.server`, with two fixes where moto differs from AWS in what xgen reads.

1. moto applies a bucket policy's Deny statements to object reads without evaluating their
   conditions, so the hardened render's `Deny s3:* when aws:SecureTransport is false`
   denies every request, which AWS (over HTTPS) never does. Here a statement with a
   condition is left out of that check, which matches AWS for the requests these tests
   make. xgen itself never relies on moto to judge access: its evaluator does.
   moto's GetBucketPolicy ignores the bucket policy, where AWS denies it to a caller
   that a statement denies `s3:GetBucketPolicy` (all but the bucket owner's root user,
   who may always read, put and delete the policy: "GetBucketPolicy", Amazon S3 API
   Reference). Here an unconditional Deny of it denies; the tests call as role sessions.
   https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketPolicy.html
2. moto's CreateModel drops `EnableNetworkIsolation` (DescribeModel always says false);
   here it is kept, as SageMaker keeps it.
3. moto's DescribeModel and DescribeEndpointConfig return `"VpcConfig": {}` and
   `"DataCaptureConfig": {}` for a model or configuration created without them, where
   SageMaker leaves the fields out. Terraform reads the empty objects back as a
   `vpc_config` and a `data_capture_config` block that the configuration does not have,
   and plans to replace the model and the configuration after every apply. Here the
   empty objects are left out, as SageMaker does, and nothing else is changed: the
   end-to-end test's plan after apply must be empty for every resource, SageMaker's
   included.
4. moto has no UpdateEndpoint, and drops CreateEndpoint's DeploymentConfig. Here both are
   implemented as SageMaker documents them, so that Terraform's real update path runs
   (a new model and endpoint configuration, then UpdateEndpoint, then the waiter for
   InService): UpdateEndpoint checks that the endpoint and the new configuration exist
   ("Could not find endpoint configuration" otherwise), switches the endpoint to the new
   configuration's production variants, keeps the request's DeploymentConfig, and reports
   the endpoint InService (SageMaker goes through Updating first; the blue/green traffic
   shift itself, baking periods and alarm-driven rollback are SageMaker's and are not
   emulated). DescribeEndpoint returns the last DeploymentConfig as LastDeploymentConfig,
   which the provider reads back into `deployment_config`.
   https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateEndpoint.html
   https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeEndpoint.html
5. moto has no model package group policies. Here Put-, Get- and
   DeleteModelPackageGroupPolicy keep one resource policy per group, as SageMaker does:
   a group that does not exist is a ValidationException "Cannot find Model Package Group",
   a group without a policy "Cannot find resource policy" (the messages the AWS provider
   tells "not found" by). The policy is stored as sent; SageMaker does not enforce it here.
   https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_PutModelPackageGroupPolicy.html
"""

from __future__ import annotations

import json
import sys
from typing import Any

from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.s3.models import FakeBucket
from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import FakeEndpoint
from moto.sagemaker.responses import SageMakerResponse
from moto.server import main

_get_permission = FakeBucket.get_permission


def _unconditional_permission(self: FakeBucket, action: str, resource: str) -> Any:
    if self.policy is None:
        return _get_permission(self, action, resource)
    policy = json.loads(self.policy)
    statements = policy.get("Statement", [])
    statements = statements if isinstance(statements, list) else [statements]
    kept = [s for s in statements if "Condition" not in s]
    original = self.policy
    self.policy = json.dumps({**policy, "Statement": kept}).encode()
    try:
        return _get_permission(self, action, resource)
    finally:
        self.policy = original


FakeBucket.get_permission = _unconditional_permission  # type: ignore[method-assign]


def _patch_get_bucket_policy() -> None:
    """GetBucketPolicy as AWS answers a role session that the bucket policy denies it."""
    from moto.iam.access_control import PermissionResult
    from moto.s3.exceptions import S3AccessDeniedError
    from moto.s3.responses import S3Response

    original = S3Response.get_bucket_policy

    def get_bucket_policy(self: S3Response) -> Any:
        bucket = self.backend.get_bucket(self.bucket_name)
        arn = f"arn:aws:s3:::{self.bucket_name}"
        if bucket.get_permission("s3:GetBucketPolicy", arn) == PermissionResult.DENIED:
            raise S3AccessDeniedError()
        return original(self)

    S3Response.get_bucket_policy = get_bucket_policy  # type: ignore[method-assign]


_patch_get_bucket_policy()

_create_model = SageMakerResponse.create_model


def _create_model_keeping_isolation(self: SageMakerResponse) -> Any:
    result = _create_model(self)
    model = self.sagemaker_backend.describe_model(self._get_param("ModelName"))
    model.enable_network_isolation = bool(self._get_param("EnableNetworkIsolation", False))
    return result


SageMakerResponse.create_model = _create_model_keeping_isolation  # type: ignore[method-assign]


def _without_empty(describe: Any, *fields: str) -> Any:
    """A Describe* handler whose response leaves out `fields` when they are empty objects."""

    def handler(self: SageMakerResponse) -> Any:
        result = describe(self)
        body = result.result
        if isinstance(body, dict) and any(body.get(f) == {} for f in fields):
            return ActionResult({k: v for k, v in body.items() if not (k in fields and v == {})})
        return result

    return handler


SageMakerResponse.describe_model = _without_empty(  # type: ignore[method-assign]
    SageMakerResponse.describe_model, "VpcConfig"
)
SageMakerResponse.describe_endpoint_config = _without_empty(  # type: ignore[method-assign]
    SageMakerResponse.describe_endpoint_config, "DataCaptureConfig"
)

_create_endpoint = SageMakerResponse.create_endpoint


def _create_endpoint_keeping_deployment(self: SageMakerResponse) -> Any:
    result = _create_endpoint(self)
    deployment = self._get_param("DeploymentConfig")
    if deployment:
        self.sagemaker_backend.endpoints[
            self._get_param("EndpointName")
        ].last_deployment_config = deployment
    return result


def _update_endpoint(self: SageMakerResponse) -> Any:
    backend = self.sagemaker_backend
    name = self._get_param("EndpointName")
    endpoint = backend.endpoints.get(name)
    if endpoint is None:
        arn = FakeEndpoint.arn_formatter(name, backend.account_id, backend.region_name)
        raise ValidationError(message=f"Could not find endpoint '{arn}'.")
    config_name = self._get_param("EndpointConfigName")
    config = backend.describe_endpoint_config(config_name)  # ValidationError when missing
    endpoint.endpoint_config_name = config_name
    endpoint.production_variants = endpoint._process_production_variants(
        config["ProductionVariants"]
    )
    deployment = self._get_param("DeploymentConfig")
    if deployment:
        endpoint.last_deployment_config = deployment
    endpoint.last_modified_time = utcnow()
    endpoint.endpoint_status = "InService"
    return ActionResult({"EndpointArn": endpoint.arn})


SageMakerResponse.create_endpoint = _create_endpoint_keeping_deployment  # type: ignore[method-assign]
SageMakerResponse.update_endpoint = _update_endpoint  # type: ignore[attr-defined]


def _group(self: SageMakerResponse) -> Any:
    name = self._get_param("ModelPackageGroupName")
    group = self.sagemaker_backend.model_package_groups.get(name)
    if group is None:
        raise ValidationError(message=f"Cannot find Model Package Group {name}")
    return group


def _put_group_policy(self: SageMakerResponse) -> Any:
    group = _group(self)
    group.resource_policy = self._get_param("ResourcePolicy")
    return ActionResult({"ModelPackageGroupArn": group.arn})


def _get_group_policy(self: SageMakerResponse) -> Any:
    group = _group(self)
    policy = getattr(group, "resource_policy", None)
    if policy is None:
        raise ValidationError(message=f"Cannot find resource policy for {group.arn}")
    return ActionResult({"ResourcePolicy": policy})


def _delete_group_policy(self: SageMakerResponse) -> Any:
    group = _group(self)
    if getattr(group, "resource_policy", None) is None:
        raise ValidationError(message=f"Cannot find resource policy for {group.arn}")
    group.resource_policy = None
    return ActionResult({})


SageMakerResponse.put_model_package_group_policy = _put_group_policy  # type: ignore[attr-defined]
SageMakerResponse.get_model_package_group_policy = _get_group_policy  # type: ignore[attr-defined]
SageMakerResponse.delete_model_package_group_policy = _delete_group_policy  # type: ignore[attr-defined]

if __name__ == "__main__":
    main(sys.argv[1:])
