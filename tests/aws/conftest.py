"""A real moto server on 127.0.0.1 for the boto3 paths, reached the way users reach AWS.

boto3 finds the server through AWS_ENDPOINT_URL and a temporary AWS config: a base profile
with static test keys and `role_arn` profiles into two accounts (moto's STS hands out
credentials in the role's account). Nothing in xgen is patched.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

SOURCE_ACCOUNT = "111111111111"
TARGET_ACCOUNT = "222222222222"
REGION = "us-east-1"
STARTUP_SECONDS = 20
# moto's server, with its bucket policies' conditions left out (see the file).
MOTO_SERVER = Path(__file__).with_name("moto_server.py")

CONFIG = f"""\
[profile base]
region = {REGION}

[profile source]
role_arn = arn:aws:iam::{SOURCE_ACCOUNT}:role/xgen-test
source_profile = base
region = {REGION}

[profile target]
role_arn = arn:aws:iam::{TARGET_ACCOUNT}:role/xgen-test
source_profile = base
region = {REGION}

[profile keyless]
region = {REGION}
"""
# moto accepts any keys; these are AWS's documented example keys.
CREDENTIALS = """\
[base]
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"moto server exited: {log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(f"{url}/moto-api/", timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"moto server did not answer within {STARTUP_SECONDS}s")


@contextlib.contextmanager
def running_moto(log: Path) -> Iterator[str]:
    """A moto server on a free port of 127.0.0.1 (its URL), stopped on exit."""
    port = _free_port()
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, str(MOTO_SERVER), "-H", "127.0.0.1", "-p", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            # AWS managed policies exist in every account (profile seed attaches one).
            env={**os.environ, "MOTO_IAM_LOAD_MANAGED_POLICIES": "true"},
        )
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_until_up(url, server, log)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture(scope="session")
def moto_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The moto server the boto3 tests share; stopped at the end of the session."""
    with running_moto(tmp_path_factory.mktemp("moto") / "server.log") as url:
        yield url


@pytest.fixture(scope="session")
def aws_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("aws")
    (folder / "config").write_text(CONFIG, encoding="utf-8")
    (folder / "credentials").write_text(CREDENTIALS, encoding="utf-8")
    return folder / "config", folder / "credentials"


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch, moto_url: str, aws_files: tuple[Path, Path]) -> None:
    """Only the test config counts: no ambient keys, profile, region or instance metadata."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    config, credentials = aws_files
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def source() -> boto3.session.Session:
    """Account A, through the `source` role profile: arranges what the tests act on."""
    return boto3.session.Session(profile_name="source")


@pytest.fixture
def bucket(source: boto3.session.Session) -> str:
    name = f"xgen-test-{uuid.uuid4().hex[:12]}"
    source.client("s3", region_name=REGION).create_bucket(Bucket=name)
    return name


@pytest.fixture
def key_arn(source: boto3.session.Session) -> str:
    return source.client("kms", region_name=REGION).create_key()["KeyMetadata"]["Arn"]
