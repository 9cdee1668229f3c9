"""The hooks of .pre-commit-hooks.yaml, run by the real `pre-commit` in a fresh git repo.

pre-commit clones this repository at HEAD and installs it into its own virtualenv, so the
test sees the committed hook definitions exactly as a user would.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

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


@pytest.mark.skipif(not PRE_COMMIT.exists(), reason="pre-commit is a test dependency")
def test_bad_policy_stops_the_commit_and_good_passes(tmp_path: Path) -> None:
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
        f"repos:\n  - repo: {ROOT}\n    rev: {head}\n    hooks:\n      - id: xgen-lint\n"
    )
    subprocess.run([PRE_COMMIT, "install"], cwd=repo, env=env, check=True, capture_output=True)

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
