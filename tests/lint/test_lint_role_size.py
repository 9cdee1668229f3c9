"""XG008: the inline policies of one role are summed against AWS's 10,240 characters,
where xgen knows they belong to the same role: a render's target, Terraform's `role`
argument or `inline_policy` blocks, a plan's `aws_iam_role_policy` changes.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from generator.lint.config import Config
from generator.lint.engine import Result, lint

TARGET = "target-staging-222222222222/policies"


def padding(count: int) -> dict[str, Any]:
    """A Deny statement of about 35 characters per resource, that no rule objects to."""
    resources = [f"arn:aws:s3:::scratch/{i:05d}.tar.gz" for i in range(count)]
    return {"Effect": "Deny", "Action": "s3:PutObject", "Resource": resources}


def policy(count: int) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [padding(count)]})


def fired(result: Result) -> list[tuple[str, int, str]]:
    assert result.errors == []
    return [(Path(f.file).name, f.line, f.message) for f in result.findings]


def role_policy(name: str, role: str, count: int) -> str:
    return (
        f'resource "aws_iam_role_policy" "{name}" {{\n'
        f"  role   = {role}\n"
        f"  policy = {json.dumps(policy(count))}\n"
        "}\n"
    )


def test_terraform_role_policies_of_one_role_are_summed(tmp_path: Path) -> None:
    (tmp_path / "a.tf").write_text(role_policy("a", "aws_iam_role.r.id", 170))
    (tmp_path / "b.tf").write_text("\n\n" + role_policy("b", "aws_iam_role.r.name", 170))
    found = fired(lint([tmp_path], config=Config()))
    assert len(found) == 1
    file, line, message = found[0]
    assert (file, line) == ("a.tf", 3)
    assert message.startswith("the 2 inline policies of role aws_iam_role.r are 1")
    assert message.endswith("over AWS's limit of 10240 for one role")


def test_terraform_policies_of_different_roles_or_folders_are_not(tmp_path: Path) -> None:
    (tmp_path / "a.tf").write_text(role_policy("a", "aws_iam_role.r.id", 170))
    (tmp_path / "b.tf").write_text(role_policy("b", "aws_iam_role.other.id", 170))
    (tmp_path / "module").mkdir()
    (tmp_path / "module" / "c.tf").write_text(role_policy("c", "aws_iam_role.r.id", 170))
    assert fired(lint([tmp_path], config=Config())) == []


def test_inline_policy_blocks_of_one_role_are_summed(tmp_path: Path) -> None:
    blocks = "".join(
        f'  inline_policy {{\n    name   = "{n}"\n    policy = {json.dumps(policy(170))}\n  }}\n'
        for n in ("a", "b")
    )
    (tmp_path / "role.tf").write_text(f'resource "aws_iam_role" "r" {{\n{blocks}}}\n')
    assert [f[2].split(" are ")[0] for f in fired(lint([tmp_path], config=Config()))] == [
        "the 2 inline policies of role aws_iam_role.r"
    ]


def test_plan_role_policies_of_one_role_are_summed(tmp_path: Path) -> None:
    def change(name: str, role: str) -> dict[str, Any]:
        after = {"role": role, "policy": policy(170)}
        return {
            "address": f"aws_iam_role_policy.{name}",
            "type": "aws_iam_role_policy",
            "change": {"after": after},
        }

    plan = {"format_version": "1.2", "resource_changes": [change("a", "R"), change("b", "R")]}
    (tmp_path / "plan.json").write_text(json.dumps(plan, indent=2))
    assert len(fired(lint([tmp_path], config=Config()))) == 1
    plan["resource_changes"][1] = change("b", "Other")
    (tmp_path / "plan.json").write_text(json.dumps(plan, indent=2))
    assert fired(lint([tmp_path], config=Config())) == []


def grow(path: Path, count: int) -> None:
    document = json.loads(path.read_text())
    document["Statement"].append(padding(count))
    path.write_text(json.dumps(document, indent=2))


def test_a_rendered_targets_inline_policies_are_summed(
    rendered: dict[str, Path], tmp_path: Path
) -> None:
    render = Path(shutil.copytree(rendered["multi-account"], tmp_path / "render"))
    grow(render / TARGET / "model-artifact-read.json", 150)
    grow(render / TARGET / "model-key-use.json", 150)
    found = fired(lint([render], config=Config()))
    assert [(file, message.split(" are ")[0]) for file, _, message in found] == [
        (
            "model-artifact-read.json",
            "the 3 inline policies of role arn:aws:iam::222222222222:role/ChurnModelExecution",
        )
    ]
    # one file passed alone (pre-commit) is not summed with files it was not given
    alone = lint([render / TARGET / "model-key-use.json"], config=Config())
    assert fired(alone) == []


def test_inline_policies_of_different_targets_are_not_summed(
    rendered: dict[str, Path], tmp_path: Path
) -> None:
    render = Path(shutil.copytree(rendered["multi-account"], tmp_path / "render"))
    grow(render / TARGET / "model-artifact-read.json", 150)
    grow(render / "target-prod-eu-333333333333/policies/model-artifact-read.json", 150)
    assert fired(lint([render], config=Config())) == []
