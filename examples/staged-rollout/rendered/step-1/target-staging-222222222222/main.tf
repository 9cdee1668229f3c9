# Rendered by xgen 0.1.0 from spec "churn" (profile hardened).
# Do not edit: change the spec and run `xgen render`; `xgen render --check` finds drift.

# Account 222222222222 serves the model from endpoint "churn".
# Apply the source account first: CreateModel checks that this role can read the artifact.
module "deploy_account" {
  source = "../modules/deploy-account"

  role_name    = "ChurnExecution"
  trust_policy = file("${path.module}/policies/trust-policy.json")
  inline_policies = {
    "model-artifact-read" = file("${path.module}/policies/model-artifact-read.json")
    "model-key-use"       = file("${path.module}/policies/model-key-use.json")
    "sagemaker-execution" = file("${path.module}/policies/sagemaker-execution.json")
  }
  managed_policy_arns = []

  model_name               = "churn-034b4c4d"
  image                    = "111111111111.dkr.ecr.us-east-1.amazonaws.com/churn-inference:7"
  model_data_url           = "s3://ml-models-111111111111/churn/v7/model.tar.gz"
  enable_network_isolation = true

  endpoint_name                      = "churn"
  endpoint_configuration_name_prefix = "churn-"
  instance_type                      = "ml.m5.large"
  initial_instance_count             = 1

  create_volume_kms_key = true
  volume_kms_key_policy = file("${path.module}/policies/volume-key-policy.json")

  tags = {}
}

output "role_arn" {
  description = "SageMaker execution role; the source account's policies name it."
  value       = module.deploy_account.role_arn
}

output "model_name" {
  description = "SageMaker model."
  value       = module.deploy_account.model_name
}

output "endpoint_name" {
  description = "SageMaker endpoint serving the model."
  value       = module.deploy_account.endpoint_name
}
