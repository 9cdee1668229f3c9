variable "create" {
  description = "Controls whether any resource of this module is created."
  type        = bool
  default     = true
}

variable "create_role" {
  description = "Create the execution role. `false` uses the existing role `role_name`/`role_arn` that the platform team manages: its trust policy stays theirs, and only `inline_policies` and `managed_policy_arns` are put on it."
  type        = bool
  default     = true
}

variable "role_arn" {
  description = "ARN (path included) of the existing execution role, when `create_role` is false. The role is read to check it."
  type        = string
  default     = null

  validation {
    condition     = var.role_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/", var.role_arn))
    error_message = "role_arn must be an IAM role ARN, arn:aws:iam::ACCOUNT:role/PATH/NAME."
  }
}

variable "permissions_boundary" {
  description = "ARN of the managed policy set as the permissions boundary of the created role, or `null` for none. It must allow what the inline policies grant."
  type        = string
  default     = null
}

variable "role_name" {
  description = "Name of the SageMaker execution role to create (or of the existing role, when `create_role` is false)."
  type        = string

  validation {
    condition     = can(regex("^[\\w+=,.@-]{1,64}$", var.role_name))
    error_message = "role_name must be 1-64 characters of letters, digits and + = , . @ _ -."
  }
}

variable "trust_policy" {
  description = "Trust policy JSON of the created execution role (who may assume it). Required when `create_role` is true."
  type        = string
  default     = null

  validation {
    condition     = var.trust_policy == null || can(jsondecode(var.trust_policy))
    error_message = "trust_policy must be a JSON document (or null with create_role = false)."
  }
}

variable "inline_policies" {
  description = "Inline policies of the execution role: policy name => policy JSON. Managed as `aws_iam_role_policy` (the role's `inline_policy` argument is deprecated)."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for doc in values(var.inline_policies) : can(jsondecode(doc))])
    error_message = "Every inline policy must be a JSON document."
  }
}

variable "managed_policy_arns" {
  description = "ARNs of managed policies to attach to the execution role."
  type        = list(string)
  default     = []
}

variable "model_name" {
  description = "Name of the SageMaker model. It must change whenever the model does (every change replaces a model, and the new one is created before the old one is deleted)."
  type        = string

  validation {
    condition     = length(var.model_name) <= 63 && can(regex("^[a-zA-Z0-9](-*[a-zA-Z0-9])*$", var.model_name))
    error_message = "model_name must be at most 63 letters, digits and hyphens, starting and ending with a letter or digit."
  }
}

variable "image" {
  description = "ECR URI of the inference image."
  type        = string
}

variable "model_data_url" {
  description = "S3 URI of the model artifact (model.tar.gz) in the source account."
  type        = string

  validation {
    condition     = startswith(var.model_data_url, "s3://")
    error_message = "model_data_url must be an s3:// URI."
  }
}

variable "model_package_name" {
  description = "ARN of a Model Registry version (model package) to create the model from, instead of `image` and `model_data_url`. `null` for none."
  type        = string
  default     = null
}

variable "environment" {
  description = "Environment variables of the model's container (e.g. `SAGEMAKER_PROGRAM`). Empty for none."
  type        = map(string)
  default     = {}
}

variable "enable_network_isolation" {
  description = "Run the model container without inbound or outbound network access."
  type        = bool
  default     = true
}

variable "vpc_config" {
  description = "Subnets and security groups for the model container, or `null` for none."
  type = object({
    subnet_ids         = list(string)
    security_group_ids = list(string)
  })
  default = null
}

variable "endpoint_name" {
  description = "Name of the SageMaker endpoint."
  type        = string

  validation {
    condition     = length(var.endpoint_name) <= 63 && can(regex("^[a-zA-Z0-9](-*[a-zA-Z0-9])*$", var.endpoint_name))
    error_message = "endpoint_name must be at most 63 letters, digits and hyphens, starting and ending with a letter or digit."
  }
}

variable "endpoint_configuration_name_prefix" {
  description = "Name prefix of the endpoint configuration. A prefix (not a name) lets a new configuration be created before the old one is deleted."
  type        = string

  validation {
    condition     = length(var.endpoint_configuration_name_prefix) <= 37
    error_message = "endpoint_configuration_name_prefix must be at most 37 characters (the provider adds a 26-character suffix)."
  }
}

variable "instance_type" {
  description = "Instance type of the production variant, e.g. `ml.m5.large`."
  type        = string
}

variable "initial_instance_count" {
  description = "Number of instances of the production variant."
  type        = number
  default     = 1
}

variable "deployment_config" {
  description = "Deployment guardrails of the endpoint: a blue/green update with `ALL_AT_ONCE`, `CANARY` or `LINEAR` traffic shifting (`step` sizes the canary or linear step), and automatic rollback on the CloudWatch alarms named. `null` updates without guardrails."
  type = object({
    traffic_routing_type                 = string
    wait_interval_in_seconds             = number
    termination_wait_in_seconds          = optional(number, 0)
    maximum_execution_timeout_in_seconds = optional(number, 3600)
    step = optional(object({
      type  = string
      value = number
    }))
    rollback_alarms = optional(list(string), [])
  })
  default = null

  validation {
    condition     = var.deployment_config == null || contains(["ALL_AT_ONCE", "CANARY", "LINEAR"], try(var.deployment_config.traffic_routing_type, ""))
    error_message = "deployment_config.traffic_routing_type must be ALL_AT_ONCE, CANARY or LINEAR."
  }

  validation {
    condition     = var.deployment_config == null || try(var.deployment_config.traffic_routing_type, "") == "ALL_AT_ONCE" || try(var.deployment_config.step, null) != null
    error_message = "deployment_config.step is required for CANARY and LINEAR traffic."
  }
}

variable "create_volume_kms_key" {
  description = "Create a customer managed KMS key for the endpoint's ML storage volume. Not possible for instance types with local NVMe storage."
  type        = bool
  default     = false
}

variable "volume_kms_key_policy" {
  description = "Key policy JSON of the created volume key. Required when `create_volume_kms_key` is true."
  type        = string
  default     = null
}

variable "volume_kms_key_arn" {
  description = "ARN of an existing KMS key for the endpoint's ML storage volume, when `create_volume_kms_key` is false. `null` uses SageMaker's default encryption."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags for every resource that supports them."
  type        = map(string)
  default     = {}
}
