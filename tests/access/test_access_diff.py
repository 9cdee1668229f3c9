"""`xgen diff OLD NEW`: the access NEW grants that OLD did not, as replayable requests."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml
from accesskit import EXAMPLES, edit_json, render_spec, xgen

SOURCE = "source-111111111111/policies"
BUCKET = "arn:aws:s3:::ml-training-output-111111111111"


def diff_json(old: Path, new: Path, code: int) -> dict[str, Any]:
    result = xgen("diff", old, new, "--format", "json")
    assert result.exit_code == code, result.output
    return json.loads(result.stdout)


def fourth_account(body: dict[str, Any]) -> None:
    body["Statement"].append(
        {
            "Effect": "Allow",
            "Principal": {"AWS": "555555555555"},
            "Action": "s3:GetObject",
            "Resource": f"{BUCKET}/*",
        }
    )


def test_the_same_render_grants_no_new_access(renders) -> None:
    folder = renders["multi-account"]
    result = xgen("diff", folder, folder)
    assert result.exit_code == 0
    assert result.stdout == "no new access\n"


def test_a_new_grant_is_listed_and_replays_in_new_but_not_in_old(renders, copy_of) -> None:
    old = renders["multi-account"]
    new = copy_of("multi-account")
    edit_json(new / f"{SOURCE}/bucket-policy.json", fourth_account)
    report = diff_json(old, new, 1)
    [access] = report["new_access"]
    assert list(access)[:6] == ["layer", "target", "principal", "action", "resource", "context"]
    assert access["layer"] == "s3"
    assert access["principal"].startswith("arn:aws:iam::555555555555:")
    assert access["action"] == "s3:GetObject"
    assert access["resource"].startswith(f"{BUCKET}/")
    assert access["statement"] == f"{new / SOURCE}/bucket-policy.json Statement[3]".replace(
        f"{new}/", ""
    )
    args = ["--principal", access["principal"], "--action", "s3:GetObject"]
    args += ["--resource", access["resource"], "--admin"]
    for key, values in access["context"].items():
        args += [a for v in values for a in ("--context", f"{key}={v}")]
    assert xgen("simulate", new, *args).exit_code == 0
    assert xgen("simulate", old, *args).exit_code == 1


def test_taking_access_away_is_no_new_access(renders, copy_of) -> None:
    old = copy_of("multi-account")
    edit_json(old / f"{SOURCE}/bucket-policy.json", fourth_account)
    result = xgen("diff", old, renders["multi-account"])
    assert result.exit_code == 0, result.output


def test_a_new_target_is_new_access_for_its_role_alone(tmp_path: Path, renders) -> None:
    spec = yaml.safe_load((EXAMPLES / "multi-account" / "spec.yaml").read_text(encoding="utf-8"))
    spec["targets"].append({"name": "dr", "account_id": "555555555555", "role_name": "ChurnDr"})
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    new = render_spec(path, tmp_path / "new")
    report = diff_json(renders["multi-account"], new, 1)
    layers = {(a["layer"], a["target"]) for a in report["new_access"]}
    # the bucket, the key and the repository let the new role in; its trust and volume
    # key are new layers
    assert {("s3", None), ("kms", None), ("ecr", None), ("trust", "dr"), ("kms", "dr")} <= layers
    shared = [a for a in report["new_access"] if a["target"] is None]
    assert {a["principal"].split(":")[4] for a in shared} == {"555555555555"}


def test_two_policy_files_compare_as_resource_or_identity_policies(tmp_path: Path) -> None:
    def write(name: str, statements: list[dict[str, Any]]) -> Path:
        path = tmp_path / name
        path.write_text(json.dumps({"Version": "2012-10-17", "Statement": statements}))
        return path

    read = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"{BUCKET}/model.tar.gz"}
    old = write("old.json", [read])
    new = write("new.json", [read, {**read, "Action": "s3:PutObject"}])
    report = diff_json(old, new, 1)
    [access] = report["new_access"]
    assert (access["layer"], access["action"]) == ("identity", "s3:PutObject")
    assert diff_json(new, old, 0) == {"new_access": [], "undecided": []}


def test_bad_input_is_one_line_exit_2(tmp_path: Path, renders) -> None:
    policy = renders["multi-account"] / f"{SOURCE}/bucket-policy.json"
    for args in ((renders["multi-account"], policy), (policy,), (policy, policy, policy)):
        result = xgen("diff", *args)
        assert result.exit_code == 2
        assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("xgen: error: ")


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def _commit(repo: Path, message: str) -> None:
    who = ("-c", "user.email=ci@example.com", "-c", "user.name=ci")
    _git(repo, *who, "commit", "-q", "--allow-empty", "-m", message)


def test_against_a_git_ref_compares_with_the_committed_render(tmp_path: Path, renders) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    _commit(repo, "nothing yet")
    render = repo / "deploy" / "rendered"
    shutil.copytree(renders["multi-account"], render)
    _git(repo, "add", ".")
    _commit(repo, "render")
    assert xgen("diff", "--against", "HEAD", render).exit_code == 0
    edit_json(render / f"{SOURCE}/bucket-policy.json", fourth_account)
    result = xgen("diff", "--against", "HEAD", render / "xgen-manifest.json")
    assert result.exit_code == 1
    assert "s3: NEW ACCESS: arn:aws:iam::555555555555:" in result.stdout
    # a render the ref does not have: nothing to compare with (verify proves it)
    fresh = xgen("diff", "--against", "HEAD~1", render)
    assert fresh.exit_code == 0, fresh.output
    assert f"note: {render} is new since HEAD~1: nothing to compare with" in fresh.stderr
    refused = xgen("diff", "--against", "no-such-ref", render)
    assert refused.exit_code == 2 and "is not a commit" in refused.stderr


def test_a_new_policy_larger_than_aws_accepts_is_undecided(renders, copy_of) -> None:
    new = copy_of("multi-account")

    def pad(body: dict[str, Any]) -> None:
        body["Statement"] += [
            {**body["Statement"][1], "Sid": f"Copy{i}", "Resource": f"{BUCKET}/t{i:04d}"}
            for i in range(60)
        ]

    edit_json(new / f"{SOURCE}/bucket-policy.json", pad)
    report = diff_json(renders["multi-account"], new, 1)
    assert report["new_access"] == []
    [undecided] = report["undecided"]
    assert "over the 20480 AWS accepts for this policy" in undecided["reason"]
