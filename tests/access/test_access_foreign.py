"""A Terraform file xgen did not write changes what Terraform applies: verify refuses the
folder (one line, exit 2) and `render --check` reports it; Terraform's own working files
and a backend-only `backend.tf` are left alone."""

from __future__ import annotations

import pytest
from accesskit import EXAMPLES, xgen

OVERRIDE = """\
module "source_account" {
  bucket_policy = replace(
    file("${path.module}/policies/bucket-policy.json"), "StringEquals", "StringLike"
  )
}
"""
BACKEND = 'terraform {\n  backend "s3" {\n    bucket = "state"\n    key    = "x"\n  }\n}\n'


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("source-111111111111/main_override.tf", OVERRIDE),
        ("source-111111111111/override.tf.json", '{"locals": {"x": 1}}'),
        ("target-staging-222222222222/extra.tf", 'output "x" { value = 1 }\n'),
        ("modules/source-account/more.tf", "locals {\n  x = 1\n}\n"),
        # a backend.tf that also declares a resource is not just a backend
        ("source-111111111111/backend.tf", BACKEND + 'resource "aws_s3_bucket" "x" {}\n'),
    ],
)
def test_a_terraform_file_xgen_did_not_write_is_refused(copy_of, path: str, text: str) -> None:
    folder = copy_of("multi-account")
    (folder / path).write_text(text, encoding="utf-8")
    result = xgen("verify", folder)
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert path in line and "--plan" in line
    check = xgen("render", EXAMPLES / "multi-account" / "spec.yaml", "-o", folder, "--check")
    assert check.exit_code == 1
    assert f"{path}: a Terraform file xgen did not write" in check.stdout


def test_a_backend_and_terraforms_working_files_are_not_foreign(copy_of) -> None:
    folder = copy_of("multi-account")
    (folder / "source-111111111111/backend.tf").write_text(BACKEND, encoding="utf-8")
    cached = folder / "source-111111111111/.terraform/modules/x"
    cached.mkdir(parents=True)
    (cached / "main.tf").write_text("locals {}\n", encoding="utf-8")
    assert xgen("verify", folder).exit_code == 0
    check = xgen("render", EXAMPLES / "multi-account" / "spec.yaml", "-o", folder, "--check")
    assert check.exit_code == 0, check.output
