# Rendered by xgen 0.1.0 from spec "linear-learner" (profile seed).
# Do not edit: change the spec and run `xgen render`; `xgen render --check` finds drift.

# Account 222222222222 serves the model from endpoint "linear-learner".
# Apply the source account first: CreateModel checks that this role can read the artifact.
module "deploy_account" {
  source = "../modules/deploy-account"

  role_name    = "AmazonSageMaker"
  trust_policy = file("${path.module}/policies/trust-policy.json")
  inline_policies = {
    "model-artifact-read" = file("${path.module}/policies/model-artifact-read.json")
    "model-key-use"       = file("${path.module}/policies/model-key-use.json")
  }
  managed_policy_arns = ["arn:aws:iam::aws:policy/AmazonSageMakerFullAccess"]

  model_name               = "linear-learner-ece60ca2"
  image                    = "382416733822.dkr.ecr.us-east-1.amazonaws.com/linear-learner:1"
  model_data_url           = "s3://awsdoc-example-bucket/sagemaker/linear-learner/output/model.tar.gz"
  enable_network_isolation = false

  endpoint_name                      = "linear-learner"
  endpoint_configuration_name_prefix = "linear-learner-"
  instance_type                      = "ml.m5.large"
  initial_instance_count             = 1

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
