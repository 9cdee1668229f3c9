# Rendered by xgen 0.1.0 from spec "churn" (profile hardened).
# Do not edit: change the spec and run `xgen render`; `xgen render --check` finds drift.

terraform {
  # The majors xgen's end-to-end test applies, plans and destroys with (Terraform 1.11,
  # hashicorp/aws 5.100).
  required_version = ">= 1.5.0, < 2.0.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.68, < 6.0.0"
    }
  }

  # One state per account: configure this account's backend here (or in backend.tf,
  # which xgen leaves alone), e.g. backend "s3" { ... }.
}
