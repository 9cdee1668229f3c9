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


def test_lowercase_effect_is_a_finding_at_the_statement(tmp_path: Path) -> None:
    policy = doc(allow("s3:GetObject", "arn:aws:s3:::b/k"), {**allow("s3:*"), "Effect": "allow"})
    result = lint_policy(tmp_path, policy)
    assert result.errors == []
    effect_line = json.dumps(policy, indent=2).splitlines().index('      "Effect": "allow",') + 1
    assert ("XG061", effect_line) in found(result)
    assert "XG012" not in rule_ids(result) and "XG013" in rule_ids(result)  # read as Allow


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
