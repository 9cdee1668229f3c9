output "role_arn" {
  description = "ARN of the SageMaker execution role (created or existing)."
  value       = try(aws_iam_role.this[0].arn, data.aws_iam_role.existing[0].arn, "")
}

output "role_name" {
  description = "Name of the SageMaker execution role (created or existing)."
  value       = try(aws_iam_role.this[0].name, data.aws_iam_role.existing[0].name, "")
}

output "model_name" {
  description = "Name of the SageMaker model."
  value       = try(aws_sagemaker_model.this[0].name, "")
}

output "endpoint_configuration_name" {
  description = "Name of the current endpoint configuration."
  value       = try(aws_sagemaker_endpoint_configuration.this[0].name, "")
}

output "endpoint_name" {
  description = "Name of the SageMaker endpoint."
  value       = try(aws_sagemaker_endpoint.this[0].name, "")
}

output "endpoint_arn" {
  description = "ARN of the SageMaker endpoint."
  value       = try(aws_sagemaker_endpoint.this[0].arn, "")
}

output "volume_kms_key_arn" {
  description = "ARN of the KMS key that encrypts the endpoint's storage volume, or empty (SageMaker's default encryption)."
  # Not coalesce(): it is an error when every argument is null or empty.
  value = try(aws_kms_key.volume[0].arn, var.volume_kms_key_arn == null ? "" : var.volume_kms_key_arn)
}
