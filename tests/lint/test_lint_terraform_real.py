"""Lint on Terraform as public modules write it: precise, and never exit 2 on valid code.

Each case is a minimal reproduction, written for this file, of a false alarm or a read
error seen on terraform-aws-modules (iam, s3-bucket, kms, ecr) and aws-samples'
mlops-multi-account-terraform, or of a Terraform construct those repositories use.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lintkit import EXAMPLES
from typer.testing import CliRunner

from generator.cli import app
from generator.lint.config import Config
from generator.lint.deployment import Deployment
from generator.lint.engine import Result, lint
from generator.spec import load_spec


def lint_tf(folder: Path, text: str, name: str = "main.tf", **files: str) -> Result:
    (folder / name).write_text(text)
    for file, content in files.items():
        (folder / file.replace("__", ".")).write_text(content)
    return lint([folder], config=Config(root=folder))


def found(result: Result) -> set[tuple[str, int]]:
    return {(f.rule, f.line) for f in result.findings}


def rules(result: Result) -> set[str]:
    return {f.rule for f in result.findings}


def line_of(text: str, needle: str, nth: int = 0) -> int:
    lines = [i for i, line in enumerate(text.splitlines(), start=1) if needle in line]
    return lines[nth]


# --- A: what is known only at plan time is never a violation ---------------------------

KEY_ADMIN_FROM_LOCAL = """\
data "aws_iam_policy_document" "key" {
  statement {
    sid       = "Admin"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${local.account_id}:root"]
    }
  }
  statement {
    sid       = "Use"
    actions   = ["kms:Decrypt", "kms:Encrypt"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = [module.roles.data_scientist_role_arn]
    }
  }
}

resource "aws_kms_key" "key" {
  policy = data.aws_iam_policy_document.key.json
}
"""


def test_key_admin_of_an_account_known_at_plan_time_is_no_lockout(tmp_path: Path) -> None:
    result = lint_tf(tmp_path, KEY_ADMIN_FROM_LOCAL)
    assert (result.errors, result.findings) == ([], [])


def test_key_admin_from_a_variable_or_caller_identity_is_no_lockout(tmp_path: Path) -> None:
    text = KEY_ADMIN_FROM_LOCAL.replace(
        '["arn:aws:iam::${local.account_id}:root"]', "[var.account_id]"
    )
    assert lint_tf(tmp_path, text).findings == []
    text = KEY_ADMIN_FROM_LOCAL.replace(
        "${local.account_id}", "${data.aws_caller_identity.current.account_id}"
    )
    assert lint_tf(tmp_path, text).findings == []


def test_a_key_policy_without_any_admin_is_still_a_lockout(tmp_path: Path) -> None:
    text = KEY_ADMIN_FROM_LOCAL.replace('actions   = ["kms:*"]', 'actions   = ["kms:Decrypt"]')
    assert rules(lint_tf(tmp_path, text)) == {"XG030"}


def test_a_wildcard_principal_with_a_condition_built_at_plan_time_is_not_judged(
    tmp_path: Path,
) -> None:
    text = """\
data "aws_iam_policy_document" "bucket" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::b/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    dynamic "condition" {
      for_each = var.conditions
      content {
        test     = condition.value.test
        variable = condition.value.variable
        values   = condition.value.values
      }
    }
  }
}
"""
    assert lint_tf(tmp_path, text).findings == []
    unconditioned = text[: text.index("    dynamic")] + "  }\n}\n"
    assert rules(lint_tf(tmp_path, unconditioned)) == {"XG005"}


def test_a_version_merged_in_at_plan_time_is_not_missing(tmp_path: Path) -> None:
    text = """\
resource "aws_iam_policy" "p" {
  policy = jsonencode(merge(local.policy_header, {
    Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "arn:aws:s3:::b/k" }]
  }))
}
"""
    result = lint_tf(tmp_path, text)
    assert (result.errors, result.findings) == ([], [])
    assert any("merged from ${local.policy_header}" in note for note in result.notes)
    literal = text.replace("merge(local.policy_header, {", "({")
    assert rules(lint_tf(tmp_path, literal)) == {"XG001"}


def test_placeholders_replaced_by_replace_are_not_malformed(tmp_path: Path) -> None:
    text = """\
data "aws_iam_policy_document" "bucket_policy" {
  statement {
    actions   = ["s3:ListBucket"]
    resources = ["_S3_BUCKET_ARN_"]
    principals {
      type        = "AWS"
      identifiers = [aws_iam_role.this.arn]
    }
    condition {
      test     = "StringNotEquals"
      variable = "aws:PrincipalAccount"
      values   = ["_AWS_ACCOUNT_ID_"]
    }
  }
}
"""
    assert lint_tf(tmp_path, text).findings == []


def test_replace_of_a_policy_file_fills_its_placeholder(tmp_path: Path) -> None:
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "__BUCKET__/k"}],
    }
    text = """\
resource "aws_iam_policy" "p" {
  policy = replace(file("policy.json"), "__BUCKET__", aws_s3_bucket.b.arn)
}
"""
    result = lint_tf(tmp_path, text, policy__json=json.dumps(policy))
    assert (result.errors, result.findings, result.documents) == ([], [], 1)


# --- B: context before judging -----------------------------------------------------------

SHARED_ROLE = """\
resource "aws_iam_role" "pipeline" {
  name = "pipeline"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect    = "Allow"
        Action    = "sts:AssumeRole"
        Principal = {
          Service = ["lambda.amazonaws.com", "states.amazonaws.com", "sagemaker.amazonaws.com"]
        }
      },
      {
        Effect    = "Allow"
        Action    = "sts:AssumeRole"
        Principal = { AWS = "arn:aws:iam::${local.account_id}:root" }
      },
    ]
  })
}
"""


def test_a_role_lambda_and_step_functions_share_with_sagemaker_is_not_judged(
    tmp_path: Path,
) -> None:
    """Not a SageMaker execution role that anything says is one: XG031 and XG032 are
    silent (a SourceAccount condition on that statement would apply to Lambda too)."""
    result = lint_tf(tmp_path, SHARED_ROLE)
    assert (result.errors, result.findings) == ([], [])


def test_a_sagemaker_only_trust_statement_still_needs_its_source_account(tmp_path: Path) -> None:
    text = SHARED_ROLE.replace('"lambda.amazonaws.com", "states.amazonaws.com", ', "")
    result = lint_tf(tmp_path, text)
    assert found(result) == {("XG032", line_of(text, "sagemaker.amazonaws.com"))}


def test_with_a_spec_the_trust_policy_is_the_execution_role(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(SHARED_ROLE)
    deployment = Deployment.from_spec(load_spec(EXAMPLES / "multi-account" / "spec.yaml"))
    result = lint([tmp_path], config=Config(root=tmp_path), deployment=deployment)
    assert found(result) == {
        ("XG031", line_of(SHARED_ROLE, "lambda.amazonaws.com")),
        ("XG032", line_of(SHARED_ROLE, "lambda.amazonaws.com")),
    }


def test_with_a_spec_a_trust_of_sagemaker_alone_is_clean(tmp_path: Path) -> None:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "sagemaker.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": "222222222222"}},
            }
        ],
    }
    (tmp_path / "trust.json").write_text(json.dumps(trust))
    deployment = Deployment.from_spec(load_spec(EXAMPLES / "multi-account" / "spec.yaml"))
    result = lint([tmp_path / "trust.json"], config=Config(), deployment=deployment)
    assert (result.errors, result.findings) == ([], [])


def test_another_services_resource_policy_is_not_a_bucket_policy(tmp_path: Path) -> None:
    text = """\
data "aws_iam_policy_document" "queue" {
  statement {
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.this.arn]
    principals {
      type        = "Service"
      identifiers = ["s3.amazonaws.com"]
    }
  }
}
"""
    assert lint_tf(tmp_path, text).findings == []


def test_a_plan_says_whose_account_is_its_own(tmp_path: Path) -> None:
    own = "arn:aws:iam::111111111111:root"
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": own}, "Action": "s3:*", "Resource": "*"}
        ],
    }
    plan = {
        "format_version": "1.2",
        "resource_changes": [
            {
                "address": "aws_s3_bucket_policy.b",
                "type": "aws_s3_bucket_policy",
                "change": {"after": {"policy": json.dumps(policy)}},
            }
        ],
        "prior_state": {
            "values": {
                "root_module": {
                    "resources": [
                        {
                            "type": "aws_caller_identity",
                            "mode": "data",
                            "values": {"account_id": "111111111111"},
                        }
                    ]
                }
            }
        },
    }
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    assert lint([tmp_path / "plan.json"], config=Config()).findings == []
    plan["prior_state"]["values"]["root_module"]["resources"][0]["values"]["account_id"] = (
        "222222222222"
    )
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    assert {"XG011", "XG012", "XG020"} <= rules(lint([tmp_path / "plan.json"], config=Config()))


# --- C: findings point at the offending line ----------------------------------------------


def test_json_findings_point_at_the_action_and_the_principal(tmp_path: Path) -> None:
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Partner",
                "Effect": "Allow",
                "Principal": {"AWS": "222222222222"},
                "Action": ["s3:GetObject", "s3:*"],
                "Resource": "arn:aws:s3:::b/model.tar.gz",
            }
        ],
    }
    text = json.dumps(policy, indent=2)
    (tmp_path / "p.json").write_text(text)
    result = lint([tmp_path / "p.json"], config=Config())
    assert found(result) == {
        ("XG012", line_of(text, '"s3:*"')),
        ("XG020", line_of(text, '"222222222222"')),
    }


def test_tf_findings_point_at_the_action_in_jsonencode_heredoc_and_data(tmp_path: Path) -> None:
    text = """\
resource "aws_s3_bucket_policy" "b" {
  bucket = "b"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::222222222222:root" }
      Action    = "s3:*"
      Resource  = "arn:aws:s3:::b/k"
      Condition = { StringEquals = { "aws:PrincipalArn" = "arn:aws:iam::222222222222:role/R" } }
    }]
  })
}

resource "aws_iam_policy" "heredoc" {
  policy = <<-EOT
    {
      "Version": "2012-10-17",
      "Statement": [
        {
          "Effect": "Allow",
          "Action": [
            "s3:GetObject",
            "kms:Decrpyt"
          ],
          "Resource": "arn:aws:s3:::b/k"
        }
      ]
    }
  EOT
}

data "aws_iam_policy_document" "d" {
  statement {
    sid       = "Target"
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::111111111111:root"]
    }
    actions = [
      "kms:*",
    ]
  }
}
"""
    result = lint_tf(tmp_path, text)
    assert result.errors == []
    positions = {(f.rule, f.line, f.col) for f in result.findings}
    assert ("XG012", line_of(text, '"s3:*"'), 19) in positions
    assert ("XG002", line_of(text, '"kms:Decrpyt"'), 13) in positions
    # the data document has no finding: kms:* to the key's own root is its admin statement
    assert {f.rule for f in result.findings} == {"XG012", "XG002"}


def test_a_suppression_above_a_policy_covers_what_is_inside_it(tmp_path: Path) -> None:
    text = """\
resource "aws_s3_bucket_policy" "b" {
  bucket = "b"
  # xgen:ignore XG012 the partner account is ours (T-1)
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::222222222222:root" }
      Action    = "s3:*"
      Resource  = "arn:aws:s3:::b/k"
      Condition = { StringEquals = { "aws:PrincipalArn" = "arn:aws:iam::222222222222:role/R" } }
    }]
  })
}

data "aws_iam_policy_document" "d" {
  # xgen:ignore XG012 the partner account is ours (T-2)
  statement {
    actions   = ["s3:*"]
    resources = ["arn:aws:s3:::b/k"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::333333333333:root"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:PrincipalArn"
      values   = ["arn:aws:iam::333333333333:role/R"]
    }
  }
}
"""
    result = lint_tf(tmp_path, text)
    assert (result.findings, result.suppressed) == ([], 2)


# --- D: valid Terraform is read, never exit 2 ---------------------------------------------


def run(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_an_indented_heredoc_is_read(tmp_path: Path) -> None:
    text = """\
resource "aws_iam_policy" "this" {
  policy = <<-EOT
    {
      "Version": "2012-10-17",
      "Statement": [
        {
          "Action": ["ec2:Describe*"],
          "Effect": "Allow",
          "Resource": "*"
        }
      ]
    }
  EOT
}
"""
    result = lint_tf(tmp_path, text)
    assert (result.errors, result.findings, result.documents) == ([], [], 1)


def test_a_module_argument_reading_a_readme_is_not_a_policy(tmp_path: Path) -> None:
    text = """\
module "public_ecr" {
  source = "../.."
  public_repository_catalog_data = {
    about_text = file("${path.module}/files/ABOUT.md")
  }
  repository_policy = file("README.md")
}
"""
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "ABOUT.md").write_text("# About\n")
    result = lint_tf(tmp_path, text, README__md="# Module\n")
    assert (result.errors, result.findings) == ([], [])


def test_a_policy_file_that_is_not_json_is_reported_as_that_file(tmp_path: Path) -> None:
    text = 'resource "aws_iam_policy" "p" {\n  policy = file("policies/p.json")\n}\n'
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "p.json").write_text('{"Version": "2012-10-17",')
    (tmp_path / "main.tf").write_text(text)
    code, out, err = run("lint", "--no-cache", "--format", "json", tmp_path / "main.tf")
    assert code == 2
    shown = f"{tmp_path / 'policies' / 'p.json'}"
    why = "invalid JSON at 1:26: Expecting property name enclosed in double quotes"
    assert err == f"xgen: {shown}: cannot read policy: {why}\n"
    assert json.loads(out)["unreadable"] == [{"file": shown, "line": None, "reason": why}]


STATEMENTS_BUILT_AT_PLAN = """\
resource "aws_s3_bucket_policy" "b" {
  bucket = "b"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [{
        Sid       = "Partner"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::222222222222:root" }
        Action    = "s3:*"
        Resource  = "arn:aws:s3:::b/k"
        Condition = { StringEquals = { "aws:PrincipalArn" = "arn:aws:iam::222222222222:role/R" } }
      }],
      var.extra_statements,
      [for account in var.readers : {
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::${account}:root" }
        Action    = "s3:GetObject"
        Resource  = "arn:aws:s3:::b/k"
      }],
      var.deny_tls ? [{ Effect = "Deny", Principal = "*", Action = "s3:*", Resource = "*" }] : [],
    )
  })
}

resource "aws_kms_key" "k" {
  policy = null
}

data "aws_iam_policy_document" "d" {
  statement {
    sid       = "Literal"
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::b/k"]
  }
  statement {
    effect    = var.allow ? "Allow" : "Deny"
    actions   = ["s3:*"]
    resources = ["*"]
  }
  dynamic "statement" {
    for_each = var.statements
    content {
      actions   = statement.value.actions
      resources = statement.value.resources
    }
  }
}
"""


def test_statements_built_at_plan_time_are_skipped_with_a_note(tmp_path: Path) -> None:
    result = lint_tf(tmp_path, STATEMENTS_BUILT_AT_PLAN)
    assert result.errors == []
    assert found(result) == {("XG012", line_of(STATEMENTS_BUILT_AT_PLAN, '"s3:*"'))}
    notes = " | ".join(result.notes)
    assert "statement ${var.extra_statements} is built at plan time: not read" in notes
    assert "[for account in var.readers" in notes
    assert "var.deny_tls ?" in notes
    assert 'effect ${var.allow ? "Allow" : "Deny"} is known at plan time' in notes
    assert 'dynamic "statement" (line 41) is built at plan time' in notes
    code, out, _ = run("lint", "--no-cache", "--format", "json", tmp_path / "main.tf")
    report = json.loads(out)
    assert code == 1 and report["summary"]["notes"] == 5
    assert {(n["file"], n["line"]) for n in report["notes"]} == {
        (str(tmp_path / "main.tf"), 3),
        (str(tmp_path / "main.tf"), 30),
    }
    code, out, _ = run("lint", "--no-cache", tmp_path / "main.tf")
    assert out.splitlines()[-1].endswith("5 parts not read (known at plan time)")


def test_terraform_json_syntax_is_read(tmp_path: Path) -> None:
    trust = (
        '{Version = \\"2012-10-17\\", Statement = [{Effect = \\"Allow\\", '
        'Action = \\"sts:AssumeRole\\", Principal = {AWS = \\"*\\"}}]}'
    )
    text = (
        "{\n"
        '  "resource": {"aws_iam_role": {"r": {\n'
        f'    "assume_role_policy": "${{jsonencode({trust})}}"\n'
        "  }}},\n"
        '  "data": {"aws_iam_policy_document": {"d": {\n'
        '    "statement": [\n'
        '      {"actions": ["s3:GetObject"], "resources": ["arn:aws:s3:::b/k"]},\n'
        '      {"actions": ["s3:*"], "resources": ["arn:aws:s3:::b/k"],\n'
        '       "principals": [{"type": "AWS",\n'
        '                       "identifiers": ["arn:aws:iam::444444444444:root"]}],\n'
        '       "condition": [{"test": "StringEquals", "variable": "aws:PrincipalArn",\n'
        '                      "values": ["arn:aws:iam::444444444444:role/R"]}]}\n'
        "    ]\n"
        "  }}}\n"
        "}\n"
    )
    json.loads(text)
    result = lint_tf(tmp_path, text, name="main.tf.json")
    assert result.errors == []
    assert found(result) == {("XG005", 3), ("XG012", 8)}


def test_templatefile_of_a_json_template_is_read(tmp_path: Path) -> None:
    template = """\
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": {"AWS": ${jsonencode(reader_arns)}},
      "Action": "s3:GetObject",
      "Resource": "arn:aws:s3:::${bucket}/*"
    },
    {
      "Effect": "Allow",
      "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
      "Action": "s3:*",
      "Resource": "arn:aws:s3:::${bucket}/k",
      "Condition": {"StringEquals": {"aws:PrincipalArn": "${role_arn}"}}
    }
  ]
}
"""
    text = """\
resource "aws_s3_bucket_policy" "b" {
  bucket = "b"
  policy = templatefile("${path.module}/bucket.json.tpl", {
    bucket      = "artifacts"
    reader_arns = var.readers
    role_arn    = aws_iam_role.r.arn
  })
}
"""
    result = lint_tf(tmp_path, text, bucket__json__tpl=template)
    assert result.errors == []
    assert [(Path(f.file).name, f.rule, f.line) for f in result.findings] == [
        ("bucket.json.tpl", "XG012", 13)
    ]


def test_an_hcl_number_as_account_id_is_a_finding_not_a_read_error(tmp_path: Path) -> None:
    text = """\
resource "aws_s3_bucket_policy" "b" {
  bucket = "b"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = 012345678901 }
      Action    = "s3:GetObject"
      Resource  = "arn:aws:s3:::b/k"
    }]
  })
}
"""
    result = lint_tf(tmp_path, text)
    assert result.errors == []
    assert [(f.rule, f.line, f.message) for f in result.findings] == [
        ("XG004", 7, "Statement[0]: account id '12345678901' in the principal is not 12 digits")
    ]


def test_source_policy_documents_in_the_same_file_are_merged(tmp_path: Path) -> None:
    text = """\
data "aws_iam_policy_document" "base" {
  statement {
    sid       = "Partner"
    actions   = ["s3:*"]
    resources = ["arn:aws:s3:::b/k"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::222222222222:root"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:PrincipalArn"
      values   = ["arn:aws:iam::222222222222:role/R"]
    }
  }
}

data "aws_iam_policy_document" "combined" {
  source_policy_documents = [data.aws_iam_policy_document.base.json]
  statement {
    sid       = "Partner"
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::b/k"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::222222222222:root"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:PrincipalArn"
      values   = ["arn:aws:iam::222222222222:role/R"]
    }
  }
}

resource "aws_s3_bucket_policy" "b" {
  bucket = "b"
  policy = data.aws_iam_policy_document.combined.json
}
"""
    result = lint_tf(tmp_path, text)  # the Sid overrides the base's s3:* statement
    assert (result.errors, result.findings, result.documents) == ([], [], 1)


@pytest.mark.parametrize(
    "value",
    [
        "var.policy",
        "local.policy",
        "module.policy.json",
        'try(data.aws_iam_policy_document.x[0].json, "")',
        'var.create ? data.aws_iam_policy_document.x[0].json : ""',
        'coalesce(var.policy, "{}")',
        "null",
    ],
)
def test_a_policy_known_only_at_plan_time_is_skipped(tmp_path: Path, value: str) -> None:
    text = f'resource "aws_iam_policy" "p" {{\n  policy = {value}\n}}\n'
    result = lint_tf(tmp_path, text)
    assert (result.errors, result.findings, result.documents) == ([], [], 0)


def test_a_json_template_linted_alone_is_not_a_read_error(tmp_path: Path) -> None:
    template = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "${effect}", "Action": "s3:GetObject", "Resource": "*"},
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::${b}/k"},
        ],
    }
    (tmp_path / "p.json").write_text(json.dumps(template, indent=2))
    result = lint([tmp_path / "p.json"], config=Config())
    assert (result.errors, result.findings, result.documents) == ([], [], 1)
    assert result.notes == [
        f"{tmp_path / 'p.json'}:1: a statement: Effect ${{effect}} is known at plan time: not read"
    ]
