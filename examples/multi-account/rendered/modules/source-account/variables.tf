variable "create" {
  description = "Controls whether any resource of this module is created."
  type        = bool
  default     = true
}

variable "bucket_name" {
  description = "Name of the existing S3 bucket that holds the model artifact."
  type        = string
}

variable "bucket_policy" {
  description = "Complete bucket policy JSON. `aws_s3_bucket_policy` replaces the bucket's whole policy, so it must include every statement to keep."
  type        = string

  validation {
    condition     = can(jsondecode(var.bucket_policy))
    error_message = "bucket_policy must be a JSON document."
  }
}

variable "enforce_bucket_owner" {
  description = "Set S3 Object Ownership to `BucketOwnerEnforced` so that the bucket policy governs every object, whichever account wrote it."
  type        = bool
  default     = true
}

variable "kms_key_arn" {
  description = "ARN of the existing customer managed KMS key that encrypts the model artifact."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/KEY_ID); aliases resolve in the caller's account."
  }
}

variable "key_policy" {
  description = "Complete key policy JSON. It replaces the key's whole policy; keep the account root's administration statement."
  type        = string

  validation {
    condition     = can(jsondecode(var.key_policy))
    error_message = "key_policy must be a JSON document."
  }
}

variable "ecr_repository_name" {
  description = "Name of the existing ECR repository holding the inference image. `null` when the image is not in this account."
  type        = string
  default     = null
}

variable "ecr_repository_policy" {
  description = "Complete ECR repository policy JSON. Required when `ecr_repository_name` is set."
  type        = string
  default     = null
}

variable "model_package_group_name" {
  description = "Name of the SageMaker model package group (Model Registry) whose versions the targets deploy. `null` for none."
  type        = string
  default     = null
}

variable "model_package_group_policy" {
  description = "Resource policy JSON of the model package group. Required with `model_package_group_name`."
  type        = string
  default     = null

  validation {
    condition     = var.model_package_group_policy == null || can(jsondecode(var.model_package_group_policy))
    error_message = "model_package_group_policy must be a JSON document."
  }
}
