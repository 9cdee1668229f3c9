"""What a target's VPC must provide when the model runs in its subnets.

With `VpcConfig`, SageMaker downloads the model artifact and pulls the inference image
through the model's subnets, so they need a route to S3 and ECR: VPC endpoints or a NAT
gateway. A gateway endpoint's policy also decides which buckets are reachable, and ECR
keeps image layers in an S3 bucket of its own, which that policy must allow too.
https://docs.aws.amazon.com/sagemaker/latest/dg/host-vpc.html
https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html
"""

from __future__ import annotations


def vpc_requirements(region: str, bucket_arn: str) -> str:
    """One sentence for verify's notes and the render's README."""
    partition = bucket_arn.split(":")[1]
    return (
        "SageMaker reads the artifact and pulls the image through the model's VPC subnets: "
        f"give the VPC an S3 gateway endpoint (com.amazonaws.{region}.s3) whose policy allows "
        f"s3:GetObject on {bucket_arn}/* and on "
        f"arn:{partition}:s3:::prod-{region}-starport-layer-bucket/* (ECR's image layers), "
        f"and ECR interface endpoints (com.amazonaws.{region}.ecr.api and "
        f"com.amazonaws.{region}.ecr.dkr), or a NAT gateway"
    )
