"""Lint on real Terraform and policies, round two (issue 20): each case is a minimal
reproduction, written for this file, of a false alarm, a refusal or a miss measured on
public repositories (cloudposse, aws-ia, terraform-aws-modules, trussworks, aws-samples)
and AWS's managed policies.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lintkit import lint_policy, rule_ids

from generator.lint.config import Config
from generator.lint.engine import Result, lint

V = "2012-10-17"
FOREIGN = "arn:aws:iam::222222222222:root"


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": V, "Statement": list(statements)}


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def lint_tf(folder: Path, text: str, **files: str) -> Result:
    (folder / "main.tf").write_text(text)
    for name, content in files.items():
        (folder / name.replace("__", ".")).write_text(content)
    return lint([folder], config=Config(root=folder))


def found(result: Result) -> set[tuple[str, int]]:
    return {(f.rule, f.line) for f in result.findings}


# --- false alarms ---------------------------------------------------------------------


def test_own_accounts_aws_managed_key_is_not_xg026(tmp_path: Path) -> None:
    """A role using its own account's aws/s3 key: nothing crosses accounts."""
    own = "arn:aws:kms:us-east-1:111111111111:alias/aws/s3"
    policy = doc(allow(["kms:Decrypt", "kms:GenerateDataKey"], own))
    assert "XG026" not in rule_ids(lint_policy(tmp_path, policy))
    granted = doc(allow("kms:Decrypt", "*", Principal={"AWS": FOREIGN}), allow("kms:*", "*"))
    granted["Statement"][0]["Condition"] = {"StringEquals": {"kms:ResourceAliases": own}}
    granted["Statement"][1]["Principal"] = {"AWS": "arn:aws:iam::111111111111:root"}
    assert "XG026" in rule_ids(lint_policy(tmp_path, granted, "key"))


def test_trailing_star_arn_is_well_formed(tmp_path: Path) -> None:
    """IAM accepts `arn:aws:logs:*`: a trailing * matches past the colons."""
    policy = doc(allow("logs:CreateLogGroup", ["arn:aws:logs:*", "arn:aws:logs:*:*:*"]))
    assert "XG003" not in rule_ids(lint_policy(tmp_path, policy))
    assert "XG003" in rule_ids(lint_policy(tmp_path, doc(allow("logs:PutLogEvents", "arn:aws"))))


def test_tag_and_alias_conditions_in_any_narrowing_operator(tmp_path: Path) -> None:
    ignore_case = {"StringEqualsIgnoreCase": {"aws:ResourceTag/project": "churn"}}
    read = doc(allow("s3:GetObject", "*", Condition=ignore_case))
    assert "XG013" not in rule_ids(lint_policy(tmp_path, read))
    for condition in (
        {"StringEqualsIgnoreCase": {"aws:ResourceTag/project": "churn"}},
        {"ForAnyValue:StringLike": {"kms:ResourceAliases": "alias/churn-*"}},
        {"StringEquals": {"aws:ResourceTag/team": "ml"}},
    ):
        keys = doc(allow(["kms:Encrypt", "kms:GenerateDataKey"], "*", Condition=condition))
        assert "XG027" not in rule_ids(lint_policy(tmp_path, keys)), condition
    assert "XG027" in rule_ids(lint_policy(tmp_path, doc(allow("kms:Encrypt", "*"))))


def test_not_resource_with_named_actions_is_not_xg006(tmp_path: Path) -> None:
    narrow = {"Effect": "Allow", "Action": "s3:PutObject", "NotResource": "arn:aws:s3:::b/x"}
    assert "XG006" not in rule_ids(lint_policy(tmp_path, doc(narrow)))
    wide = {**narrow, "Action": "s3:*"}
    assert "XG006" in rule_ids(lint_policy(tmp_path, doc(wide)))


def test_lowercase_effect_is_read_as_meant(tmp_path: Path) -> None:
    """IAM takes `"allow"` (AWS's own AFT trust policy is written so): no refusal, and the
    statement is judged as the Allow it is."""
    policy = doc(allow("s3:GetObject", "arn:aws:s3:::b/k"), {**allow("s3:*"), "Effect": "allow"})
    result = lint_policy(tmp_path, policy)
    assert result.errors == []
    assert rule_ids(result) == {"XG013"}


def test_unknown_effect_error_points_at_its_statement(tmp_path: Path) -> None:
    policy = doc(allow("s3:GetObject", "arn:aws:s3:::b/k"), {**allow("s3:*"), "Effect": "Permit"})
    result = lint_policy(tmp_path, policy)
    line = json.dumps(policy, indent=2).splitlines().index("    {", 8) + 1
    assert result.errors == [
        f"{tmp_path / 'policy.json'}:{line}: cannot read policy: "
        'Statement[1].Effect must be "Allow" or "Deny"'
    ]


def test_folder_json_that_is_not_json_nor_a_policy_is_a_note(tmp_path: Path) -> None:
    (tmp_path / "tsconfig.json").write_text('{\n  // comments\n  "strict": true\n}\n')
    (tmp_path / "p.json").write_text(json.dumps(doc(allow("s3:*", "*"))))
    result = lint([tmp_path], config=Config(root=tmp_path))
    assert result.errors == [] and "XG013" in rule_ids(result)
    assert any("tsconfig.json" in note for note in result.notes)
    named = lint([tmp_path / "tsconfig.json"], config=Config(root=tmp_path))
    assert len(named.errors) == 1 and "invalid JSON" in named.errors[0]


# --- misses: what Terraform knows before plan -----------------------------------------

BUCKET_REF = """\
resource "aws_s3_bucket" "models" {
  bucket_prefix = "models-"
}

resource "aws_iam_role_policy" "sagemaker" {
  role = aws_iam_role.sagemaker.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = "s3:*"
      Resource = ["${aws_s3_bucket.models.arn}/*", aws_s3_bucket.models.arn]
    }]
  })
}
"""


def test_reference_to_a_bucket_of_the_configuration_is_judged(tmp_path: Path) -> None:
    result = lint_tf(tmp_path, BUCKET_REF)
    assert result.errors == []
    xg013 = [f for f in result.findings if f.rule == "XG013"]
    assert len(xg013) == 1 and "aws_s3_bucket.models" in xg013[0].message
    assert xg013[0].line == 12  # its Resource (the value is written as a reference)


def test_reference_to_a_key_is_judged_and_not_another_account(tmp_path: Path) -> None:
    text = BUCKET_REF.replace('"s3:*"', '["kms:Encrypt", "kms:GenerateDataKey"]').replace(
        '["${aws_s3_bucket.models.arn}/*", aws_s3_bucket.models.arn]', "aws_kms_key.this.arn"
    )
    result = lint_tf(tmp_path, text)
    assert {f.rule for f in result.findings} == {"XG027"}
    assert "aws_kms_key.this" in result.findings[0].message


TRUST_PARTITION = """\
data "aws_partition" "current" {}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["sagemaker.${data.aws_partition.current.dns_suffix}"]
    }
  }
}

resource "aws_iam_role" "sagemaker" {
  assume_role_policy = data.aws_iam_policy_document.assume.json
}
"""


def test_partition_dns_suffix_is_amazonaws_com(tmp_path: Path) -> None:
    result = lint_tf(tmp_path, TRUST_PARTITION)
    assert "XG032" in {f.rule for f in result.findings}


LOCALS_AND_DEFAULTS = """\
resource "aws_iam_policy" "read" {
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = local.read_action
      Resource = "arn:aws:s3:::${var.bucket}/*"
    }]
  })
}
"""
VARIABLES = """\
variable "bucket" {
  description = "The bucket { with a brace }"
  type        = string
  default     = "training-data"
}

locals {
  read_action = "s3:GetObject"
}
"""


def test_locals_and_variable_defaults_of_the_folder_are_values(tmp_path: Path) -> None:
    result = lint_tf(tmp_path, LOCALS_AND_DEFAULTS, variables__tf=VARIABLES)
    xg013 = [f for f in result.findings if f.rule == "XG013"]
    assert len(xg013) == 1 and "training-data" in xg013[0].message
    # another value of the variable's default is another result: not a stale cache
    (tmp_path / "variables.tf").write_text(VARIABLES.replace('"training-data"', "null"))
    assert lint([tmp_path], config=Config(root=tmp_path)).findings == []


TEMPLATE = """\
resource "aws_iam_policy" "t" {
  policy = templatefile("${path.module}/policy.json.tftpl", { kms = var.kms })
}
"""
TEMPLATE_JSON = """\
{
  "Version": "2012-10-17",
  "Statement": [
    %{ if kms != "" ~}
    {"Effect": "Allow", "Action": "kms:*", "Resource": "*"},
    %{ endif ~}
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/k"}
  ]
}
"""


def test_template_with_if_directive_is_read(tmp_path: Path) -> None:
    result = lint_tf(tmp_path, TEMPLATE, policy__json__tftpl=TEMPLATE_JSON)
    assert result.errors == []
    assert "XG027" in {f.rule for f in result.findings}
    assert any("%{ if } True" in note for note in result.notes)


MODULE_STATEMENTS = """\
module "lambda" {
  source = "terraform-aws-modules/lambda/aws"

  attach_policy_statements = true
  policy_statements = {
    models = {
      effect    = "Allow"
      actions   = ["s3:GetObject"]
      resources = ["arn:aws:s3:::models/*"]
    }
    keys = {
      actions   = ["kms:*"]
      resources = ["*"]
      condition = [{
        test     = "StringEquals"
        variable = "aws:ResourceTag/team"
        values   = ["ml"]
      }]
    }
    later = local.more_statements
  }
}
"""


def test_statements_handed_to_a_module_as_objects_are_read(tmp_path: Path) -> None:
    result = lint_tf(tmp_path, MODULE_STATEMENTS)
    assert result.errors == []
    assert found(result) == {("XG013", 9)}  # its Resource; the tagged keys are limited
    assert any("local.more_statements" in note for note in result.notes)


# --- what kind of document lint reads -------------------------------------------------

BOUNDARY = """\
resource "aws_iam_policy" "boundary" {
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", NotAction = ["iam:*", "organizations:*"], Resource = "*" },
      { Effect = "Allow", Action = ["s3:*", "kms:*"], Resource = "*" },
    ]
  })
}

resource "aws_iam_policy" "grant" {
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "*" }]
  })
}
"""
ROLE = """\
resource "aws_iam_role" "app" {
  name                 = "app"
  assume_role_policy   = "{}"
  permissions_boundary = aws_iam_policy.boundary.arn
}
"""


def test_a_permissions_boundary_grants_nothing(tmp_path: Path) -> None:
    """The boundary caps the role: its NotAction and wildcards are not grants. The
    policy that grants is judged; a boundary the folder does not name is a grant."""
    result = lint_tf(tmp_path, BOUNDARY, role__tf=ROLE)
    assert found(result) == {("XG013", 14)}
    module = 'module "r" {\n  role_permissions_boundary_arn = aws_iam_policy.boundary.arn\n}\n'
    assert found(lint_tf(tmp_path, BOUNDARY, role__tf=module)) == {("XG013", 14)}
    (tmp_path / "role.tf").unlink()
    assert {"XG006", "XG013", "XG027"} <= {f.rule for f in lint_tf(tmp_path, BOUNDARY).findings}


def test_aws_managed_policies_as_the_cli_prints_them(tmp_path: Path) -> None:
    big = allow("s3:GetObject", [f"arn:aws:s3:::bucket-{i}/model.tar.gz" for i in range(400)])
    details = {
        "Policies": [
            {
                "Arn": f"arn:aws:iam::{owner}:policy/ReadOnly",
                "PolicyVersionList": [
                    {"Document": doc(big), "IsDefaultVersion": True, "VersionId": "v2"},
                    {"Document": doc(allow("s3:GetObjects")), "IsDefaultVersion": False},
                ],
            }
            for owner in ("aws", "111111111111")
        ]
    }
    path = tmp_path / "details.json"
    path.write_text(json.dumps(details))
    result = lint([path], config=Config(root=tmp_path))
    assert result.documents == 2 and result.errors == []
    assert {f.rule for f in result.findings} == {"XG009"}  # the customer's only
    version = tmp_path / "version.json"
    version.write_text(json.dumps({"PolicyVersion": {"Document": doc(big), "VersionId": "v1"}}))
    assert lint([version], config=Config(root=tmp_path)).findings == []


# --- new rules: passing any role, attaching the broadest managed policies ----------------


def test_pass_role_on_every_role(tmp_path: Path) -> None:
    to_sagemaker = {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}
    for resource in ("*", "arn:aws:iam::*:role/*", "arn:aws:iam::111111111111:role/*"):
        policy = doc(allow(["s3:GetObject", "iam:PassRole"], resource, Condition=to_sagemaker))
        assert "XG014" in rule_ids(lint_policy(tmp_path, policy)), resource
    for resource in ("arn:aws:iam::111111111111:role/service-role/*", "${var.role_arn}"):
        assert "XG014" not in rule_ids(lint_policy(tmp_path, doc(allow("iam:PassRole", resource))))
    tagged = {"StringEquals": {"iam:ResourceTag/team": "ml"}}
    policy = doc(allow("iam:PassRole", "*", Condition=tagged))
    assert "XG014" not in rule_ids(lint_policy(tmp_path, policy))


ATTACHED = """\
data "aws_partition" "current" {}

resource "aws_iam_role_policy_attachment" "admin" {
  role       = aws_iam_role.sagemaker.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/AdministratorAccess"
}

resource "aws_iam_role_policy_attachment" "full" {
  role       = aws_iam_role.sagemaker.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess"
}

resource "aws_iam_role" "ops" {
  assume_role_policy  = "{}"
  managed_policy_arns = ["arn:aws:iam::aws:policy/PowerUserAccess", var.extra]
}

module "role" {
  source                  = "terraform-aws-modules/iam/aws//modules/iam-assumable-role"
  iam_role_policies       = { admin = "arn:aws:iam::aws:policy/IAMFullAccess" }
}
"""


def test_broad_aws_managed_policy_attached(tmp_path: Path) -> None:
    result = lint_tf(tmp_path, ATTACHED)
    assert found(result) == {("XG015", 5), ("XG015", 15), ("XG015", 20)}
    messages = sorted(f.message for f in result.findings)
    assert messages[0].startswith("aws_iam_role.ops attaches PowerUserAccess")
    assert "aws_iam_role_policy_attachment.admin attaches AdministratorAccess" in messages[1]
    assert messages[2].startswith("module.role attaches IAMFullAccess")


# --- start-up: what linting one JSON policy imports ------------------------------------


def test_linting_json_imports_neither_compression_nor_terraform_modules(tmp_path: Path) -> None:
    """argparse's help formatter asks shutil for the terminal width, and shutil imports
    zlib, bz2 and lzma; the Terraform reader's modules import lark. Python's own import
    log (`-X importtime`) of a real `xgen lint` run names every module it imported."""
    import subprocess
    import sys

    policy = tmp_path / "p.json"
    policy.write_text(json.dumps(doc(allow("s3:GetObject", "arn:aws:s3:::b/k"))))
    xgen = Path(sys.executable).parent / "xgen"
    run = subprocess.run(
        [sys.executable, "-X", "importtime", str(xgen), "lint", "--no-cache", str(policy)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
    )
    imported = {line.rsplit("|", 1)[-1].strip() for line in run.stderr.splitlines()}
    assert run.returncode == 0 and "generator.lint.engine" in imported
    unwanted = {"shutil", "bz2", "lzma", "lark", "generator.lint.sources.references"}
    assert imported & unwanted == set()


def test_key_policy_whose_admin_is_known_at_plan_time_keeps_put_key_policy(tmp_path: Path) -> None:
    """The root written with `data.aws_caller_identity` holds PutKeyPolicy: whoever it is,
    the key can be managed (XG030 cannot say the owner is missing)."""
    text = """\
resource "aws_kms_key" "k" {
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root" }
      Action    = ["kms:Decrypt", "kms:PutKeyPolicy", "kms:GetKeyPolicy"]
      Resource  = "*"
    }]
  })
}
"""
    assert "XG030" not in {f.rule for f in lint_tf(tmp_path, text).findings}
    via_backup = '      Condition = { StringEquals = { "kms:ViaService" = "backup.x" } }\n'
    conditioned = text.replace('      Resource  = "*"\n', '      Resource  = "*"\n' + via_backup)
    assert "XG030" in {f.rule for f in lint_tf(tmp_path, conditioned).findings}


def test_s3_access_grants_role_is_limited_to_its_grants(tmp_path: Path) -> None:
    grants = {
        "ArnEquals": {"s3:AccessGrantsInstanceArn": "arn:aws:s3:us-east-1:1:access-grants/default"}
    }
    policy = doc(allow("s3:GetObject", "arn:aws:s3:::*", Condition=grants))
    assert "XG013" not in rule_ids(lint_policy(tmp_path, policy))


# --- XG016's pattern meeting, against brute force ------------------------------------

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from generator.lint.rules.facts import glob_match  # noqa: E402
from generator.lint.rules.reference import _overlap  # noqa: E402

PATTERNS = st.text(alphabet="ab*?:", max_size=4)


def _words(length: int) -> list[str]:
    words = [""]
    for _ in range(length):
        words = [w + c for w in words for c in "ab:"]
    return words


WORDS = [w for n in range(9) for w in _words(n)]


@given(PATTERNS, PATTERNS)
def test_two_patterns_meet_when_some_string_matches_both(a: str, b: str) -> None:
    """A shortest witness, if any, has each character matched by a letter or `?` of one
    pattern (a character both match with `*` can be dropped): at most 4 + 4 long."""
    assert _overlap(a, b) == any(glob_match(a, w) and glob_match(b, w) for w in WORDS)


TOPIC = "arn:aws:sns:eu-west-1:111111111111:alerts"
SUBSCRIBE_ANYONE = {
    "Effect": "Allow",
    "Principal": "*",
    "Action": "sns:Subscribe",
    "Resource": TOPIC,
}


def test_a_subscribe_pinned_to_its_endpoints_is_narrowed(tmp_path: Path) -> None:
    """terraform-aws-sns (round three): anyone may subscribe, but only the owner's queue;
    SNS's documented use of sns:Endpoint. Its default policy's AWS:SourceOwner too."""
    queue = "arn:aws:sqs:eu-west-1:111111111111:q"
    pinned = {**SUBSCRIBE_ANYONE, "Condition": {"StringEquals": {"sns:Endpoint": queue}}}
    owner = {
        **SUBSCRIBE_ANYONE,
        "Action": ["SNS:Publish", "SNS:Subscribe"],
        "Condition": {"StringEquals": {"AWS:SourceOwner": "111111111111"}},
    }
    assert "XG005" not in rule_ids(lint_policy(tmp_path, doc(pinned), "bucket"))
    assert "XG005" not in rule_ids(lint_policy(tmp_path, doc(owner), "bucket"))
    protocol = {**SUBSCRIBE_ANYONE, "Condition": {"StringEquals": {"sns:Protocol": "sqs"}}}
    anywhere = {**SUBSCRIBE_ANYONE, "Condition": {"StringLike": {"sns:Endpoint": "*"}}}
    for open_ in (protocol, anywhere, SUBSCRIBE_ANYONE):  # any queue of anyone's: still open
        assert "XG005" in rule_ids(lint_policy(tmp_path, doc(open_), "bucket"))


def test_a_data_protection_policy_is_not_an_iam_policy(tmp_path: Path) -> None:
    """terraform-aws-sns (round three): a module's `data_protection_policy` (SNS message
    data protection, Version 2021-06-01, no Effect) was refused as a broken IAM policy
    and the run exited 2."""
    protection = (
        '{ Name = "p", Version = "2021-06-01", Statement = [{ Sid = "Deny",'
        ' DataDirection = "Inbound", Principal = ["*"], Operation = { Deny = {} },'
        ' DataIdentifier = ["arn:aws:dataprotection::aws:data-identifier/EmailAddress"] }] }'
    )
    statement = '{ Effect = "Allow", Action = "s3:*", Resource = "*" }'
    inline = f'{{ Version = "{V}", Statement = [{statement}] }}'
    result = lint_tf(
        tmp_path,
        f'module "sns" {{\n  source = "x"\n  data_protection_policy = jsonencode({protection})\n'
        f"  inline_policy = jsonencode({inline})\n}}\n",
        dpp__json=json.dumps(
            {"Name": "p", "Version": "2021-06-01", "Statement": [{"DataDirection": "Inbound"}]}
        ),
    )
    assert result.errors == [] and result.documents == 1  # the inline policy alone
    assert "XG013" in rule_ids(result)  # s3:* on "*" still judged
    broken = lint_policy(tmp_path, {"Version": V, "Statement": [{"Action": "s3:*"}]})
    assert broken.errors  # an IAM policy without Effect is still refused


def test_a_statement_handed_to_a_module_may_name_every_principal(tmp_path: Path) -> None:
    """terraform-aws-opensearch (round three): `principals = [{ type = "*" }]` in a
    module's statements is `"Principal": "*"`, as the provider writes it: it was refused
    (unknown principal type) and the run exited 2. Limited to one address it is AWS's
    documented IP-based access policy, not open to everyone; to 0.0.0.0/0 it is."""
    text = (
        'module "search" {{\n  source = "x"\n  access_policy_statements = [{{\n'
        '    effect = "Allow"\n    principals = [{{ type = "*", identifiers = ["*"] }}]\n'
        '    actions = ["es:ESHttpGet"]\n'
        '    resources = ["arn:aws:es:eu-west-1:111111111111:domain/d/*"]\n'
        '    conditions = [{{ test = "IpAddress", variable = "aws:SourceIp",'
        ' values = ["{net}"] }}]\n'
        "  }}]\n}}\n"
    )
    narrow = lint_tf(tmp_path, text.format(net="192.0.2.0/24"))
    assert narrow.errors == [] and narrow.documents == 1
    assert "XG005" not in rule_ids(narrow)
    assert "XG005" in rule_ids(lint_tf(tmp_path, text.format(net="0.0.0.0/0")))


def test_jumpstart_catalogue_buckets_are_not_the_accounts_data(tmp_path: Path) -> None:
    """sagemaker-project-chitrakatha (round three): a role reading SageMaker JumpStart's
    catalogue (AWS's bucket, per region) is not reading a whole bucket of its own data."""
    catalogues = ("jumpstart-cache-prod-us-east-1", "jumpstart-private-cache-prod-us-gov-west-1")
    for bucket in catalogues:
        policy = doc(allow("s3:GetObject", f"arn:aws:s3:::{bucket}/*"))
        assert "XG013" not in rule_ids(lint_policy(tmp_path, policy, "identity")), bucket
    # anyone may create a bucket of another name: those are judged as any bucket
    for bucket in ("jumpstart-cache-prod-mine", "jumpstart-cache-prod-us-east-x", "data"):
        policy = doc(allow("s3:GetObject", f"arn:aws:s3:::{bucket}/*"))
        assert "XG013" in rule_ids(lint_policy(tmp_path, policy, "identity")), bucket
