output "bucket_policy_id" {
  description = "Name of the bucket whose policy this module manages."
  value       = try(aws_s3_bucket_policy.this[0].id, "")
}

output "kms_key_id" {
  description = "ID of the KMS key whose policy this module manages."
  value       = try(aws_kms_key_policy.this[0].key_id, "")
}

output "ecr_repository_name" {
  description = "Name of the ECR repository whose policy this module manages, or empty."
  value       = try(aws_ecr_repository_policy.this[0].repository, "")
}

output "model_package_group_name" {
  description = "Name of the model package group whose policy this module manages, or empty."
  value       = try(aws_sagemaker_model_package_group_policy.this[0].model_package_group_name, "")
}
