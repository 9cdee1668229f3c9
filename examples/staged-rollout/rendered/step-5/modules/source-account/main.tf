# Account A of the AWS article: the account that trained the model owns the artifact's
# bucket, the KMS key the training job used and (optionally) the inference image. All
# three exist already, so this module manages only their policies.

resource "aws_s3_bucket_policy" "this" {
  count = var.create ? 1 : 0

  bucket = var.bucket_name
  policy = var.bucket_policy
}

resource "aws_s3_bucket_ownership_controls" "this" {
  count = var.create && var.enforce_bucket_owner ? 1 : 0

  bucket = var.bucket_name

  rule {
    object_ownership = "BucketOwnerEnforced"
  }

  # S3 may answer OperationAborted to concurrent writes of one bucket's configuration:
  # write the policy first, then the ownership controls.
  depends_on = [aws_s3_bucket_policy.this]
}

locals {
  # arn:aws:kms:REGION:ACCOUNT:key/KEY_ID -> KEY_ID
  kms_key_id = element(split("/", var.kms_key_arn), 1)
}

# aws_kms_key_policy manages the policy of a key created elsewhere (here: the key the
# training job used); never combine it with aws_kms_key.policy on the same key.
resource "aws_kms_key_policy" "this" {
  count = var.create ? 1 : 0

  # The key id, not the ARN: the provider reads key_id back as the bare id, so an ARN
  # here would show a change on every plan.
  key_id = local.kms_key_id
  policy = var.key_policy
}

resource "aws_ecr_repository_policy" "this" {
  count = var.create && var.ecr_repository_name != null ? 1 : 0

  repository = var.ecr_repository_name
  policy     = var.ecr_repository_policy

  lifecycle {
    precondition {
      condition     = var.ecr_repository_policy != null
      error_message = "ecr_repository_policy is required when ecr_repository_name is set."
    }
  }
}

# The Model Registry group's resource policy (the group and its versions exist already).
# Like the other policies here, it replaces the group's whole policy.
resource "aws_sagemaker_model_package_group_policy" "this" {
  count = var.create && var.model_package_group_name != null ? 1 : 0

  model_package_group_name = var.model_package_group_name
  resource_policy          = var.model_package_group_policy

  lifecycle {
    precondition {
      condition     = var.model_package_group_policy != null
      error_message = "model_package_group_policy is required when model_package_group_name is set."
    }
  }
}
