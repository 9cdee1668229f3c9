# Rendered by xgen 0.1.0 from spec "churn-xgboost" (profile hardened).
# Do not edit: change the spec and run `xgen render`; `xgen render --check` finds drift.

terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.68"
    }
    time = {
      source  = "hashicorp/time"
      version = ">= 0.9"
    }
  }

  # One state per account: configure this account's backend here (or in backend.tf,
  # which xgen leaves alone), e.g. backend "s3" { ... }.
}
