# Account B of the AWS article: the account that serves the model. The execution role
# reads the artifact and its key from the source account; its policies are passed in
# as JSON so that what is linted and verified is exactly what is applied.

resource "aws_iam_role" "this" {
  count = var.create && var.create_role ? 1 : 0

  name                 = var.role_name
  description          = "SageMaker execution role for endpoint ${var.endpoint_name}"
  assume_role_policy   = var.trust_policy
  permissions_boundary = var.permissions_boundary
  tags                 = var.tags

  lifecycle {
    precondition {
      condition     = var.trust_policy != null
      error_message = "trust_policy is required when create_role is true."
    }
  }
}

# An execution role the platform team manages (create_role = false) is read, not managed:
# a role_arn whose path is not the role's would name no principal in the source account's
# policies, so it fails the plan here rather than CreateModel at apply.
data "aws_iam_role" "existing" {
  count = var.create && !var.create_role ? 1 : 0

  name = var.role_name

  lifecycle {
    postcondition {
      condition     = self.arn == var.role_arn
      error_message = "The role named role_name has another ARN than role_arn (check its path): the source account's policies name role_arn."
    }
  }
}

locals {
  role_name = var.create_role ? one(aws_iam_role.this[*].name) : var.role_name
  role_arn  = var.create_role ? one(aws_iam_role.this[*].arn) : one(data.aws_iam_role.existing[*].arn)
}

resource "aws_iam_role_policy" "this" {
  for_each = var.create ? var.inline_policies : {}

  name   = each.key
  role   = local.role_name
  policy = each.value
}

resource "aws_iam_role_policy_attachment" "this" {
  for_each = var.create ? toset(var.managed_policy_arns) : toset([])

  role       = local.role_name
  policy_arn = each.value
}

resource "aws_kms_key" "volume" {
  count = var.create && var.create_volume_kms_key ? 1 : 0

  description             = "Encrypts the ML storage volume of SageMaker endpoint ${var.endpoint_name}"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = var.volume_kms_key_policy
  tags                    = var.tags

  # The key policy names the execution role, which must exist first.
  depends_on = [aws_iam_role.this]

  lifecycle {
    precondition {
      condition     = var.volume_kms_key_policy != null
      error_message = "volume_kms_key_policy is required when create_volume_kms_key is true."
    }
  }
}

resource "aws_sagemaker_model" "this" {
  count = var.create ? 1 : 0

  name                     = var.model_name
  execution_role_arn       = local.role_arn
  enable_network_isolation = var.enable_network_isolation

  # From a Model Registry version (the package names its image and artifact), or from the
  # image and artifact themselves.
  primary_container {
    model_package_name = var.model_package_name
    image              = var.model_package_name == null ? var.image : null
    model_data_url     = var.model_package_name == null ? var.model_data_url : null
    environment        = length(var.environment) > 0 ? var.environment : null
  }

  dynamic "vpc_config" {
    for_each = var.vpc_config == null ? [] : [var.vpc_config]

    content {
      subnets            = vpc_config.value.subnet_ids
      security_group_ids = vpc_config.value.security_group_ids
    }
  }

  tags = var.tags

  # CreateModel checks that the role can read the artifact ("Could not access model
  # data"), so the role's policies must be in place first. IAM propagation is covered
  # by the AWS provider itself, which retries CreateModel on ValidationException for
  # 2 minutes (internal/service/sagemaker/model.go).
  depends_on = [aws_iam_role_policy.this, aws_iam_role_policy_attachment.this]
}

resource "aws_sagemaker_endpoint_configuration" "this" {
  count = var.create ? 1 : 0

  name_prefix = var.endpoint_configuration_name_prefix
  kms_key_arn = var.create_volume_kms_key ? aws_kms_key.volume[0].arn : var.volume_kms_key_arn

  production_variants {
    variant_name           = "AllTraffic"
    model_name             = aws_sagemaker_model.this[0].name
    instance_type          = var.instance_type
    initial_instance_count = var.initial_instance_count
  }

  tags = var.tags

  # A new configuration must exist before the endpoint switches to it, or the update
  # fails with "Could not find endpoint configuration" (terraform-provider-aws#40048).
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_sagemaker_endpoint" "this" {
  count = var.create ? 1 : 0

  name                 = var.endpoint_name
  endpoint_config_name = aws_sagemaker_endpoint_configuration.this[0].name

  # Deployment guardrails: a new configuration is rolled out blue/green, traffic shifted at
  # once, as a canary or linearly, and rolled back when an alarm fires.
  # https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails.html
  dynamic "deployment_config" {
    for_each = var.deployment_config == null ? [] : [var.deployment_config]

    content {
      blue_green_update_policy {
        termination_wait_in_seconds          = deployment_config.value.termination_wait_in_seconds
        maximum_execution_timeout_in_seconds = deployment_config.value.maximum_execution_timeout_in_seconds

        traffic_routing_configuration {
          type                     = deployment_config.value.traffic_routing_type
          wait_interval_in_seconds = deployment_config.value.wait_interval_in_seconds

          dynamic "canary_size" {
            for_each = deployment_config.value.traffic_routing_type == "CANARY" ? [deployment_config.value.step] : []

            content {
              type  = canary_size.value.type
              value = canary_size.value.value
            }
          }

          dynamic "linear_step_size" {
            for_each = deployment_config.value.traffic_routing_type == "LINEAR" ? [deployment_config.value.step] : []

            content {
              type  = linear_step_size.value.type
              value = linear_step_size.value.value
            }
          }
        }
      }

      dynamic "auto_rollback_configuration" {
        for_each = length(deployment_config.value.rollback_alarms) > 0 ? [deployment_config.value.rollback_alarms] : []

        content {
          dynamic "alarms" {
            for_each = toset(auto_rollback_configuration.value)

            content {
              alarm_name = alarms.value
            }
          }
        }
      }
    }
  }

  tags = var.tags
}
