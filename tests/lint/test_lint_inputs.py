"""Terraform (.tf) and plan JSON inputs, suppressions and config, and random JSON."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path, PurePosixPath

from hypothesis import given
from hypothesis import strategies as st
from lintkit import rule_ids

from generator.lint.config import Config, load_config
from generator.lint.engine import Result, lint
from generator.lint.scope import shown
from generator.policy.kinds import Kind

FOREIGN_ROOT = "arn:aws:iam::222222222222:root"
TF = """\
resource "aws_s3_bucket_policy" "artifact" {
  bucket = "bucket"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "222222222222" }
      Action    = "s3:*"
      Resource  = "arn:aws:s3:::bucket/model.tar.gz"
      Condition = { StringEquals = { "aws:PrincipalArn" = "arn:aws:iam::222222222222:role/R" } }
    }]
  })
}

resource "aws_iam_role" "sagemaker" {
  name               = "R"
  assume_role_policy = <<EOF
{"Version": "2012-10-17",
 "Statement": {"Effect": "Allow", "Action": "sts:AssumeRole",
               "Principal": {"Service": "sagemaker.amazonaws.com"}}}
EOF
}

resource "aws_kms_key" "artifact" {
  policy = data.aws_iam_policy_document.key.json
}

data "aws_iam_policy_document" "key" {
  statement {
    sid       = "Root"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::111111111111:root"]
    }
  }
  statement {
    sid       = "Target"
    actions   = ["kms:*"]
    resources = ["*"]
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

resource "aws_ecr_repository_policy" "image" {
  repository = "r"
  policy     = file("${path.module}/ecr.json")
}
"""
ECR = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": FOREIGN_ROOT},
            "Action": "ecr:*",
            "Condition": {"StringEquals": {"aws:PrincipalArn": "arn:aws:iam::222222222222:role/R"}},
        }
    ],
}
KEYS = ["Version", "Statement", "Effect", "Action", "Resource", "Principal", "AWS", "Condition"]
KEYS += ["NotAction", "StringEquals", "aws:PrincipalArn", "Sid", "Allow", "x"]


def where(result: Result, rule: str) -> set[tuple[str, int]]:
    return {(Path(f.file).name, f.line) for f in result.findings if f.rule == rule}


def test_terraform_policies_in_every_form(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(TF)
    (tmp_path / "ecr.json").write_text(json.dumps(ECR, indent=2))
    result = lint([tmp_path], config=Config())
    assert result.errors == []
    assert result.documents == 4  # ecr.json once, through file(), with its kind
    assert where(result, "XG012") == {("main.tf", 8), ("ecr.json", 9)}  # jsonencode, file()
    assert where(result, "XG032") == {("main.tf", 20)}  # heredoc trust policy's principal
    assert where(result, "XG022") == {("main.tf", 40)}  # the data block's second statement


def test_unused_policy_document_is_linted_with_inferred_kind(tmp_path: Path) -> None:
    data = TF[TF.index('data "aws_iam_policy_document"') : TF.index('resource "aws_ecr')]
    (tmp_path / "doc.tf").write_text(data)
    assert rule_ids(lint([tmp_path / "doc.tf"], config=Config())) == {"XG022"}


def test_invalid_terraform_is_a_read_error(tmp_path: Path) -> None:
    (tmp_path / "bad.tf").write_text('resource "x" {\n  a = \n')
    result = lint([tmp_path / "bad.tf"], config=Config())
    assert len(result.errors) == 1
    assert result.errors[0].startswith(f"{tmp_path / 'bad.tf'}: cannot read policy: invalid")


def test_plan_json_policies(tmp_path: Path) -> None:
    repository_policy = json.dumps(ECR)
    plan = {
        "format_version": "1.2",
        "resource_changes": [
            {"address": "aws_s3_bucket.b", "type": "aws_s3_bucket", "change": {"after": {}}},
            {
                "address": "aws_ecr_repository_policy.p",
                "type": "aws_ecr_repository_policy",
                "change": {"after": {"policy": repository_policy}},
            },
            {
                "address": "aws_iam_role.r",
                "type": "aws_iam_role",
                "change": {"after": {"assume_role_policy": None, "inline_policy": []}},
            },
        ],
    }
    (tmp_path / "plan.json").write_text(json.dumps(plan, indent=2))
    result = lint([tmp_path / "plan.json"], config=Config())
    assert result.documents == 1
    assert where(result, "XG012") == {("plan.json", 12)}


def test_inline_suppression_needs_a_known_rule_and_a_reason(tmp_path: Path) -> None:
    lines = TF.splitlines()
    lines.insert(0, "# xgen:ignore XG012 the partner account is ours (T-1)")
    lines.insert(15, "# xgen:ignore XG032")
    lines.insert(16, "  # xgen:ignore XG99 typo")
    (tmp_path / "main.tf").write_text("\n".join(lines))
    (tmp_path / "ecr.json").write_text(json.dumps(ECR))
    result = lint([tmp_path], config=Config())
    assert where(result, "XG012") == {("ecr.json", 1)}  # the .tf one is silenced
    assert where(result, "XG032") == set()
    assert where(result, "XG050") == {("main.tf", 16)}
    assert where(result, "XG051") == {("main.tf", 17)}
    assert result.suppressed == 2


def test_config_ignores_severity_and_fail_on(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()  # the config is found upwards up to the repository root
    (tmp_path / "legacy").mkdir()
    (tmp_path / "legacy" / "ecr.json").write_text(json.dumps(ECR))
    (tmp_path / "ecr.json").write_text(json.dumps(ECR))
    (tmp_path / "pyproject.toml").write_text(
        "[project]\nname = 'x'\n\n[tool.xgen]\nfail-on = 'error'\n"
        "severity = { XG012 = 'info' }\n"
        "ignore = [\n  { rule = 'XG012', path = 'legacy/*', reason = 'owned by team B' },\n"
        "  { rule = 'XG001' },\n]\n"
    )
    config = load_config(tmp_path / "legacy")
    result = lint([tmp_path], config=config)
    assert [(Path(f.file).name, f.rule, f.severity.value) for f in result.findings] == [
        ("ecr.json", "XG012", "info"),
        ("pyproject.toml", "XG050", "warning"),
    ]
    assert result.findings[1].line == 9
    assert config.fail_on is not None and config.fail_on.value == "error"


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.sampled_from(KEYS), children, max_size=5)
        ),
        max_leaves=30,
    )
)
def test_random_json_never_crashes(value: object) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "p.json"
        path.write_text(json.dumps(value))
        for kind in (None, Kind.KEY, Kind.TRUST):
            result = lint([path], config=Config(), kind=kind)
            assert all(e.startswith(str(path)) for e in result.errors)


@given(st.lists(st.sampled_from(["", ".", "..", "a", "b c", "-x", "é"]), max_size=6), st.data())
def test_a_named_path_is_reported_as_pathlib_would_write_it(parts: list[str], data) -> None:
    """The loader writes names without pathlib (4.5 ms of a cold run) and must write them
    as the reports always have: "./a//b/" is "a/b", "/" and "//" stay."""
    slashes = st.sampled_from(["/", "//", "///"])
    name = "".join(p + data.draw(slashes) for p in parts) if data.draw(st.booleans()) else ""
    name = data.draw(st.sampled_from(["", "/", "//", "///"])) + name.rstrip("/")
    assert shown(name) == str(PurePosixPath(name))


def test_a_folder_named_with_dots_and_slashes_reports_its_files_plainly(
    tmp_path: Path, monkeypatch
) -> None:
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "p.json").write_text(json.dumps(ECR))
    monkeypatch.chdir(tmp_path)
    for named in ("./policies//", "policies", "./policies/./p.json"):
        result = lint([named], config=Config(root=tmp_path), kind=Kind.ECR_REPOSITORY)
        assert result.findings, named
        assert {f.file for f in result.findings} == {"policies/p.json"}, named
