"""The kinds of policy document xgen renders, lints and evaluates.

The names are part of the manifest (`xgen-manifest.json`), which `lint` and `verify`
read to know what each file is, so they are a contract: extend, never rename.
"""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    """What a policy document is attached to, which decides how AWS evaluates it."""

    BUCKET = "bucket"  # S3 bucket policy (resource policy)
    KEY = "key"  # KMS key policy (resource policy; the key's only root of trust)
    ECR_REPOSITORY = "ecr-repository"  # ECR repository policy (resource policy)
    MODEL_PACKAGE_GROUP = "model-package-group"  # SageMaker Model Registry group (resource)
    TRUST = "trust"  # IAM role trust policy (who may assume the role)
    IDENTITY = "identity"  # IAM policy attached to a role (inline)


# Where each Terraform resource type keeps its policy documents, and what they are
# (read by lint from `.tf` files and from `terraform show -json` plans alike).
TERRAFORM_POLICY_ATTRIBUTES: dict[str, tuple[tuple[str, str], ...]] = {
    "aws_s3_bucket_policy": (("policy", "bucket"),),
    "aws_kms_key": (("policy", "key"),),
    "aws_kms_key_policy": (("policy", "key"),),
    "aws_ecr_repository_policy": (("policy", "ecr-repository"),),
    "aws_sagemaker_model_package_group_policy": (("resource_policy", "model-package-group"),),
    "aws_iam_role": (("assume_role_policy", "trust"),),
    "aws_iam_role_policy": (("policy", "identity"),),
    "aws_iam_policy": (("policy", "identity"),),
    "aws_iam_user_policy": (("policy", "identity"),),
    "aws_iam_group_policy": (("policy", "identity"),),
}
