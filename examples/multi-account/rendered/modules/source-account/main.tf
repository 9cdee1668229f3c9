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
}

# aws_kms_key_policy manages the policy of a key created elsewhere (here: the key the
# training job used); never combine it with aws_kms_key.policy on the same key.
resource "aws_kms_key_policy" "this" {
  count = var.create ? 1 : 0

  key_id = var.kms_key_arn
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
