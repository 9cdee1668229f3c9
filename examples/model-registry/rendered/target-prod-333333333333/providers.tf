# Rendered by xgen 0.1.0 from spec "fraud-detector" (profile hardened).
# Do not edit: change the spec and run `xgen render`; `xgen render --check` finds drift.

provider "aws" {
  region = "eu-central-1"

  # Refuse to run with credentials of any other account.
  allowed_account_ids = ["333333333333"]
}
