"""Every command in README.md runs as written, in order, as a newcomer would copy it.

The commands of each ```sh block are run from a copy of the repository's root (the
examples and modules, committed to a git repository of its own for `--against HEAD`);
`make` targets and the PATH line run in the repository itself. Words in angle brackets
are the user's to replace: each must be one this test knows, and AWS is the moto server
the suite runs (profiles `source` and `target`, a bucket, an object and a key made for
the occasion). A command must exit 0, or 1 where its comment says it may; never 2, never
a traceback. The mermaid picture must be what `xgen verify --format mermaid` prints.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest

from .conftest import REGION

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
# Commands the README shows that this test does not run, and why.
NOT_RUN = {
    "make test": "it is the suite itself: CI runs it (.ci/run)",
}
IN_THE_REPOSITORY = ("make ", "export PATH=")  # run where the virtualenv is
TIMEOUT_SECONDS = 600


@dataclass(frozen=True)
class Command:
    text: str  # what the user copies, continuation lines joined
    comment: str  # the trailing comments, joined

    @property
    def may_exit_1(self) -> bool:
        return bool(re.search(r"\bexit\b[^.]*\b1\b", self.comment))


def commands(markdown: str) -> list[Command]:
    """The commands of every ```sh block, in order."""
    found: list[Command] = []
    for block in re.findall(r"```sh\n(.*?)```", markdown, re.S):
        pending, notes = "", []
        for line in block.splitlines():
            code, _, note = (
                line.partition("  #") if not line.lstrip().startswith("#") else ("", "", line)
            )
            notes.append(note.strip().lstrip("#").strip())
            code = code.rstrip()
            if not code:
                if found and not pending and note:
                    found[-1] = Command(found[-1].text, f"{found[-1].comment} {note}")
                continue
            if code.endswith("\\"):
                pending += code[:-1].strip() + " "
                continue
            found.append(Command((pending + code.strip()).strip(), " ".join(n for n in notes if n)))
            pending, notes = "", []
    return found


@pytest.fixture
def aws_objects(
    source: boto3.session.Session, bucket: str, key_arn: str, tmp_path: Path
) -> dict[str, str]:
    """What the README's placeholders stand for, made in the moto server."""
    key = f"sagemaker/linear-learner/output/{uuid.uuid4().hex[:8]}/model.tar.gz"
    source.client("s3", region_name=REGION).put_object(Bucket=bucket, Key=key, Body=b"model")
    return {
        "<bucket>": bucket,
        "<key>": key,
        "<key-arn>": key_arn,
        "<source-profile>": "source",
        "<target-profile>": "target",
        "<spec>": str(_existing_account(source, bucket, key, key_arn, tmp_path)),
    }


def _existing_account(
    source: boto3.session.Session, bucket: str, key: str, key_arn: str, folder: Path
) -> Path:
    """A spec of the bucket, key and a repository whose policies already hold a statement
    xgen does not render (what `xgen import` is for), not applied yet."""
    repository = f"linear-learner-{uuid.uuid4().hex[:8]}"
    source.client("ecr", region_name=REGION).create_repository(repositoryName=repository)
    logs = {
        "Sid": "S3ServerAccessLogsPolicy",
        "Effect": "Allow",
        "Principal": {"Service": "logging.s3.amazonaws.com"},
        "Action": "s3:PutObject",
        "Resource": f"arn:aws:s3:::{bucket}/access-logs/*",
    }
    source.client("s3", region_name=REGION).put_bucket_policy(
        Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [logs]})
    )
    spec = folder / "existing-account.yaml"
    spec.write_text(
        f"""\
xgen: 1
name: linear-learner
source:
  account_id: "111111111111"
  region: {REGION}
  artifact: s3://{bucket}/{key}
  kms_key_arn: {key_arn}
  image: 111111111111.dkr.ecr.{REGION}.amazonaws.com/{repository}:1
targets:
  - name: prod
    account_id: "222222222222"
    role_name: AmazonSageMaker-{uuid.uuid4().hex[:8]}
""",
        encoding="utf-8",
    )
    return spec


def _workspace(tmp_path: Path) -> Path:
    """A copy of the repository's root as far as the README's commands read it."""
    work = tmp_path / "xgen"
    for folder in ("examples", "modules"):
        shutil.copytree(ROOT / folder, work / folder)
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com"}
    env |= {"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    for args in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "examples"]):
        subprocess.run(["git", *args], cwd=work, env=env, check=True, capture_output=True)
    return work


def _substitute(text: str, values: dict[str, str]) -> str:
    for placeholder in re.findall(r"<[a-z-]+>", text):
        assert placeholder in values, f"README placeholder {placeholder} unknown to the test"
        text = text.replace(placeholder, values[placeholder])
    return text


def test_every_readme_command_runs_as_written(tmp_path: Path, aws_objects: dict[str, str]) -> None:
    work = _workspace(tmp_path)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    ran = []
    for command in commands(README.read_text(encoding="utf-8")):
        if command.text in NOT_RUN:
            continue
        where = ROOT if command.text.startswith(IN_THE_REPOSITORY) else work
        text = _substitute(command.text, aws_objects)
        result = subprocess.run(
            ["bash", "-c", text],
            cwd=where,
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
        allowed = (0, 1) if command.may_exit_1 else (0,)
        output = result.stdout[-2000:] + result.stderr[-2000:]
        assert result.returncode in allowed, (
            f"`{command.text}` exited {result.returncode}:\n{output}"
        )
        assert "Traceback" not in output, f"`{command.text}`:\n{output}"
        ran.append(command.text)
    assert len(ran) >= 20
    assert any(text.startswith("xgen audit") for text in ran)
    assert any(text.startswith("xgen reencrypt") for text in ran)
    assert any(text.startswith("xgen import") for text in ran)


def test_the_readme_says_how_to_put_xgen_on_path() -> None:
    lines = [c.text for c in commands(README.read_text(encoding="utf-8"))]
    assert 'export PATH="$PWD/.venv/bin:$PATH" && xgen --version' in lines


def test_the_picture_is_what_verify_draws() -> None:
    [picture] = re.findall(r"```mermaid\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    drawn = subprocess.run(
        [
            sys.executable,
            "-c",
            "from generator.entry import main; main()",
            "verify",
            "examples/multi-account/rendered",
            "--format",
            "mermaid",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert picture == drawn, (
        "regenerate: xgen verify examples/multi-account/rendered --format mermaid"
    )


def test_the_parser_reads_comments_continuations_and_exit_notes() -> None:
    parsed = commands(
        "```sh\nxgen a \\\n  --b c   # exit 0 ok, 1 not\n                # more\nxgen d\n```\n"
    )
    assert [c.text for c in parsed] == ["xgen a --b c", "xgen d"]
    assert parsed[0].may_exit_1 and not parsed[1].may_exit_1
