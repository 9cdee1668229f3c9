"""AWS names that the policy builder, lint and verify must agree on (no imports: cheap)."""

from __future__ import annotations

SAGEMAKER_SERVICE = "sagemaker.amazonaws.com"
# Pulling an image: https://docs.aws.amazon.com/AmazonECR/latest/userguide/repository-policy-examples.html
ECR_PULL_ACTIONS = (
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:GetDownloadUrlForLayer",
)
# The managed policy the AWS article attaches to the execution role (profile seed).
SAGEMAKER_FULL_ACCESS = "policy/AmazonSageMakerFullAccess"
