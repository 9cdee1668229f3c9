# Rendered by xgen 0.1.0 from spec "churn" (profile hardened).
# Do not edit: change the spec and run `xgen render`; `xgen render --check` finds drift.

provider "aws" {
  region = "us-east-1"

  # Refuse to run with credentials of any other account.
  allowed_account_ids = ["333333333333"]
}
