# Rendered by xgen 0.1.0 from spec "churn" (profile hardened).
# Do not edit: change the spec and run `xgen render`; `xgen render --check` finds drift.

# Account 111111111111 trained the model: it keeps the artifact, the key and
# the image, and grants the target accounts' SageMaker roles read access to them.
module "source_account" {
  source = "../modules/source-account"

  bucket_name          = "ml-models-111111111111"
  bucket_policy        = file("${path.module}/policies/bucket-policy.json")
  enforce_bucket_owner = true

  kms_key_arn = "arn:aws:kms:us-east-1:111111111111:key/5c1b2a3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
  key_policy  = file("${path.module}/policies/key-policy.json")

  ecr_repository_name   = "churn-inference"
  ecr_repository_policy = file("${path.module}/policies/ecr-repository-policy.json")
}

output "bucket_policy_id" {
  description = "Bucket whose policy grants the target roles read access to the artifact."
  value       = module.source_account.bucket_policy_id
}

output "kms_key_id" {
  description = "Key whose policy lets the target roles decrypt the artifact."
  value       = module.source_account.kms_key_id
}
