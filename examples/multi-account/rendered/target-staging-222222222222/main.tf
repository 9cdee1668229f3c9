# Rendered by xgen 0.1.0 from spec "churn-xgboost" (profile hardened).
# Do not edit: change the spec and run `xgen render`; `xgen render --check` finds drift.

# Account 222222222222 serves the model from endpoint "churn-xgboost".
# Apply the source account first: CreateModel checks that this role can read the artifact.
module "deploy_account" {
  source = "../modules/deploy-account"

  role_name    = "ChurnModelExecution"
  trust_policy = file("${path.module}/policies/trust-policy.json")
  inline_policies = {
    "model-artifact-read" = file("${path.module}/policies/model-artifact-read.json")
    "model-key-use"       = file("${path.module}/policies/model-key-use.json")
    "sagemaker-execution" = file("${path.module}/policies/sagemaker-execution.json")
  }
  managed_policy_arns = []

  model_name               = "churn-xgboost-2340efee"
  image                    = "111111111111.dkr.ecr.eu-west-1.amazonaws.com/churn-inference:2026.11.1"
  model_data_url           = "s3://ml-training-output-111111111111/churn/xgboost-2026-11-01/output/model.tar.gz"
  enable_network_isolation = true

  endpoint_name                      = "churn-xgboost"
  endpoint_configuration_name_prefix = "churn-xgboost-"
  instance_type                      = "ml.m5.large"
  initial_instance_count             = 1

  create_volume_kms_key = true
  volume_kms_key_policy = file("${path.module}/policies/volume-key-policy.json")

  tags = {
    "cost-center" = "4711"
    "team"        = "ml-platform"
  }
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
