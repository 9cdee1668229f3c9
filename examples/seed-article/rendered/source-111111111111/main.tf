# Rendered by xgen 0.1.0 from spec "linear-learner" (profile seed).
# Do not edit: change the spec and run `xgen render`; `xgen render --check` finds drift.

# Account 111111111111 trained the model: it keeps the artifact, the key and
# the image, and grants the target accounts' SageMaker roles read access to them.
module "source_account" {
  source = "../modules/source-account"

  bucket_name          = "awsdoc-example-bucket"
  bucket_policy        = file("${path.module}/policies/bucket-policy.json")
  enforce_bucket_owner = false

  kms_key_arn = "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  key_policy  = file("${path.module}/policies/key-policy.json")
}

output "bucket_policy_id" {
  description = "Bucket whose policy grants the target roles read access to the artifact."
  value       = module.source_account.bucket_policy_id
}

output "kms_key_id" {
  description = "Key whose policy lets the target roles decrypt the artifact."
  value       = module.source_account.kms_key_id
}
