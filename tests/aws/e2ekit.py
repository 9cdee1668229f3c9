"""What the real-terraform tests share: accounts on the moto server, root modules applied
with each account's own credentials, and `xgen audit` run through a profile per account.

Terraform's SDK would send a profile's `role_arn` AssumeRole to the real STS whatever
AWS_ENDPOINT_URL says, so Terraform gets the session credentials that moto's STS hands out
for each account; `xgen audit` (boto3) reads through `role_arn` profiles, as a user's would.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml

from generator.manifest import read_manifest
from tests.conftest import invoke
from tests.terraformkit import Terraform

APPLIED = re.compile(r"Resources: (\d+) added, (\d+) changed, (\d+) destroyed")
BASE_KEYS = {"aws_access_key_id": "AKIAIOSFODNN7EXAMPLE", "aws_secret_access_key": "x" * 40}


@dataclass
class Accounts:
    """Credentials for each account, from moto's STS, and boto3 sessions built on them."""

    url: str
    region: str
    credentials: dict[str, dict[str, str]] = field(default_factory=dict)

    def add(self, account_id: str) -> None:
        sts = boto3.client("sts", endpoint_url=self.url, region_name=self.region, **BASE_KEYS)
        role = f"arn:aws:iam::{account_id}:role/xgen-e2e"
        issued = sts.assume_role(RoleArn=role, RoleSessionName="xgen-e2e")["Credentials"]
        self.credentials[account_id] = {
            "AWS_ACCESS_KEY_ID": issued["AccessKeyId"],
            "AWS_SECRET_ACCESS_KEY": issued["SecretAccessKey"],
            "AWS_SESSION_TOKEN": issued["SessionToken"],
        }

    def client(self, account_id: str, service: str) -> Any:
        keys = self.credentials[account_id]
        return boto3.client(
            service,
            endpoint_url=self.url,
            region_name=self.region,
            aws_access_key_id=keys["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=keys["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=keys["AWS_SESSION_TOKEN"],
        )

    def terraform_env(self, terraform: Terraform, account_id: str) -> dict[str, str]:
        return terraform.env(
            AWS_ENDPOINT_URL=self.url, AWS_REGION=self.region, **self.credentials[account_id]
        )


def in_parallel(work: Callable[[str], Any], folders: list[str]) -> list[Any]:
    """Run `work` for every root module at once (separate accounts and states)."""
    with ThreadPoolExecutor(max_workers=max(1, len(folders))) as pool:
        return list(pool.map(work, folders))


@dataclass
class Roots:
    """The render's root modules, each applied with its own account's credentials."""

    out: Path
    accounts: Accounts
    terraform: Terraform
    initialised: set[str] = field(default_factory=set)
    report: list[str] = field(default_factory=list)

    def account_of(self, root: str) -> str:
        manifest = read_manifest(self.out)
        owners = {manifest.source.dir: manifest.source.account_id}
        return {**owners, **{t.dir: t.account_id for t in manifest.targets}}[root]

    def apply(self, root: str, step: str) -> None:
        env = self.accounts.terraform_env(self.terraform, self.account_of(root))
        if root not in self.initialised:
            self.terraform.run(self.out / root, "init", "-input=false", env=env)
            self.initialised.add(root)
        started = time.monotonic()
        applied = self.terraform.run(
            self.out / root, "apply", "-auto-approve", "-input=false", env=env
        )
        counts = APPLIED.search(applied.stdout)
        self.report.append(
            f"{step}: {root}: {counts.group(0) if counts else '?'} "
            f"in {time.monotonic() - started:.1f} s"
        )

    def plan(self, root: str) -> tuple[str, int, str]:
        env = self.accounts.terraform_env(self.terraform, self.account_of(root))
        planned = self.terraform.run(
            self.out / root, "plan", "-detailed-exitcode", "-input=false", env=env, check=False
        )
        return root, planned.returncode, planned.stdout[-3000:] + planned.stderr

    def all(self) -> list[str]:
        manifest = read_manifest(self.out)
        return [manifest.source.dir, *(t.dir for t in manifest.targets)]


def audit_json(
    accounts: Accounts, spec_path: Path, runner, monkeypatch: pytest.MonkeyPatch
) -> tuple[int, dict[str, Any]]:
    """`xgen audit SPEC --format json` with a `role_arn` profile per account of the spec
    (written beside it): its exit code and report ({} when it printed none)."""
    spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    owners = [spec["source"]["account_id"], *(t["account_id"] for t in spec["targets"])]
    config, credentials = spec_path.with_name("aws-config"), spec_path.with_name("aws-credentials")
    credentials.write_text(
        "[base]\n" + "".join(f"{k} = {v}\n" for k, v in BASE_KEYS.items()), encoding="utf-8"
    )
    config.write_text(
        "[profile base]\n"
        + "".join(
            f"[profile a{a}]\nrole_arn = arn:aws:iam::{a}:role/xgen-audit\nsource_profile = base\n"
            for a in owners
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.setenv("AWS_ENDPOINT_URL", accounts.url)
    monkeypatch.setenv("AWS_REGION", accounts.region)
    args = [arg for a in owners for arg in ("--profile", f"{a}=a{a}")]
    result = invoke(runner, "audit", spec_path, *args, "--format", "json", "--quiet")
    report = json.loads(result.stdout) if result.stdout.startswith("{") else {}
    return result.exit_code, report
