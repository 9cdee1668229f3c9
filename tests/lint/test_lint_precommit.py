"""The hooks of .pre-commit-hooks.yaml, run by the real `pre-commit` in a fresh git repo:
`xgen-lint` on policy files, `xgen-render-check` on specs.

pre-commit clones this repository at HEAD and installs it into its own virtualenv, so the
test sees the committed hook definitions exactly as a user would.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator.output import write
from generator.render import render
from generator.spec import load_spec

ROOT = Path(__file__).resolve().parents[2]
PRE_COMMIT = Path(sys.executable).parent / "pre-commit"
BAD = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": "111111111111"},
            "Action": "kms:*",
            "Resource": "*",
        },
        {
            "Effect": "Allow",
            "Principal": {"AWS": "222222222222"},
            "Action": "kms:*",
            "Resource": "*",
        },
    ],
}
GOOD = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/model.tar.gz"}
    ],
}


def git(repo: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=False
    )


def hook_repo(tmp_path: Path, hook: str) -> tuple[Path, dict[str, str]]:
    """A fresh git repository whose pre-commit runs `hook` from this repository's HEAD."""
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    repo = tmp_path / "repo"
    repo.mkdir()
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    git(repo, "init", "-q", env=env)
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {ROOT}\n    rev: {head}\n    hooks:\n      - id: {hook}\n"
    )
    subprocess.run([PRE_COMMIT, "install"], cwd=repo, env=env, check=True, capture_output=True)
    return repo, env


@pytest.mark.skipif(not PRE_COMMIT.exists(), reason="pre-commit is a test dependency")
def test_bad_policy_stops_the_commit_and_good_passes(tmp_path: Path) -> None:
    repo, env = hook_repo(tmp_path, "xgen-lint")
    (repo / "key-policy.json").write_text(json.dumps(BAD, indent=2))
    git(repo, "add", ".", env=env)
    refused = git(repo, "commit", "-q", "-m", "bad", env=env)
    assert refused.returncode != 0
    assert "XG022" in refused.stdout + refused.stderr
    assert git(repo, "rev-parse", "HEAD", env=env).returncode != 0  # nothing committed

    (repo / "key-policy.json").unlink()
    (repo / "identity.json").write_text(json.dumps(GOOD, indent=2))
    git(repo, "add", "-A", env=env)
    accepted = git(repo, "commit", "-q", "-m", "good", env=env)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert "xgen lint" in accepted.stdout + accepted.stderr


@pytest.mark.skipif(not PRE_COMMIT.exists(), reason="pre-commit is a test dependency")
def test_current_render_passes_and_a_stale_one_stops_the_commit(tmp_path: Path) -> None:
    repo, env = hook_repo(tmp_path, "xgen-render-check")
    spec = repo / "deploy" / "spec.yaml"
    spec.parent.mkdir()
    shutil.copy(ROOT / "examples" / "seed-article" / "spec.yaml", spec)
    write(render(load_spec(spec)), spec.parent / "rendered")
    git(repo, "add", ".", env=env)
    accepted = git(repo, "commit", "-q", "-m", "spec and its render", env=env)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert "xgen render --check" in accepted.stdout + accepted.stderr

    spec.write_text(spec.read_text().replace("ml.m5.large", "ml.m5.xlarge"))
    git(repo, "add", ".", env=env)
    refused = git(repo, "commit", "-q", "-m", "spec without its render", env=env)
    assert refused.returncode != 0
    assert "deploy/rendered is out of date with deploy/spec.yaml" in refused.stderr + refused.stdout
    assert git(repo, "log", "--format=%s", env=env).stdout.split("\n")[0] == "spec and its render"


@pytest.mark.skipif(not PRE_COMMIT.exists(), reason="pre-commit is a test dependency")
def test_a_render_edit_that_opens_access_stops_the_commit(tmp_path: Path) -> None:
    repo, env = hook_repo(tmp_path, "xgen-diff")
    rendered = repo / "deploy" / "rendered"
    write(render(load_spec(ROOT / "examples" / "multi-account" / "spec.yaml")), rendered)
    git(repo, "add", ".", env=env)
    first = git(repo, "commit", "-q", "-m", "render", env=env)
    assert first.returncode == 0, first.stdout + first.stderr  # all of it is new access...
    policy = rendered / "source-111111111111" / "policies" / "bucket-policy.json"
    body = json.loads(policy.read_text())
    body["Statement"].append(
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}
    )
    policy.write_text(json.dumps(body, indent=2))
    git(repo, "add", ".", env=env)
    refused = git(repo, "commit", "-q", "-m", "public", env=env)
    assert refused.returncode != 0
    assert "s3: NEW ACCESS: " in refused.stdout + refused.stderr
    body["Statement"].pop()
    body["Statement"][0]["Sid"] = "DenyInsecureTransportRenamed"  # a change, no new access
    policy.write_text(json.dumps(body, indent=2))
    git(repo, "add", ".", env=env)
    accepted = git(repo, "commit", "-q", "-m", "renamed", env=env)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr


@pytest.mark.skipif(not PRE_COMMIT.exists(), reason="pre-commit is a test dependency")
def test_file_names_that_look_like_options_are_linted_as_files(tmp_path: Path) -> None:
    repo, env = hook_repo(tmp_path, "xgen-lint")
    for name in ("--help.json", "-fjson.json", "--no.json"):
        (repo / name).write_text(json.dumps(BAD, indent=2))
    git(repo, "add", "--", ".", env=env)
    refused = git(repo, "commit", "-q", "-m", "bad", env=env)
    output = refused.stdout + refused.stderr
    assert refused.returncode != 0
    assert "usage" not in output.lower() and "xgen: error" not in output
    for name in ("--help.json", "-fjson.json", "--no.json"):
        assert f"{name}:" in output and "XG022" in output


@pytest.mark.skipif(not PRE_COMMIT.exists(), reason="pre-commit is a test dependency")
def test_a_spec_and_a_render_in_folders_named_like_options_stay_in_the_repository(
    tmp_path: Path,
) -> None:
    repo, env = hook_repo(tmp_path, "xgen-render-check")
    spec = repo / "-o" / "spec.yaml"
    spec.parent.mkdir()
    shutil.copy(ROOT / "examples" / "seed-article" / "spec.yaml", spec)
    write(render(load_spec(spec)), spec.parent / "rendered")
    git(repo, "add", "--", ".", env=env)
    accepted = git(repo, "commit", "-q", "-m", "spec and its render", env=env)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    spec.write_text(spec.read_text().replace("ml.m5.large", "ml.m5.xlarge"))
    git(repo, "add", "--", ".", env=env)
    refused = git(repo, "commit", "-q", "-m", "stale", env=env)
    assert refused.returncode != 0
    assert "-o/rendered is out of date with -o/spec.yaml" in refused.stdout + refused.stderr


@pytest.mark.skipif(not PRE_COMMIT.exists(), reason="pre-commit is a test dependency")
def test_a_render_in_a_folder_named_like_an_option_is_diffed(tmp_path: Path) -> None:
    repo, env = hook_repo(tmp_path, "xgen-diff")
    rendered = repo / "-r" / "rendered"
    write(render(load_spec(ROOT / "examples" / "seed-article" / "spec.yaml")), rendered)
    git(repo, "add", "--", ".", env=env)
    first = git(repo, "commit", "-q", "-m", "render", env=env)
    assert first.returncode == 0, first.stdout + first.stderr
    policy = rendered / "source-111111111111" / "policies" / "bucket-policy.json"
    body = json.loads(policy.read_text())
    body["Statement"].append(
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}
    )
    policy.write_text(json.dumps(body, indent=2))
    git(repo, "add", "--", ".", env=env)
    refused = git(repo, "commit", "-q", "-m", "public", env=env)
    assert refused.returncode != 0
    assert "s3: NEW ACCESS: " in refused.stdout + refused.stderr
