terraform {
  # The majors xgen's end-to-end test applies, plans and destroys with (Terraform 1.11,
  # hashicorp/aws 5.100): a new major is allowed once that test passes on it.
  required_version = ">= 1.5.0, < 2.0.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.68, < 6.0.0"
    }
  }
}
