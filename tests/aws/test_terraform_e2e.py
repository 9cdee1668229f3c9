"""Every example, in both profiles, goes through real Terraform against a moto server.

For each (example, profile): render; `terraform fmt -check`; in each account's root module,
with that account's own credentials, `init` offline (providers from the mirror only),
`validate` and `apply`, source first; `xgen audit` of the spec exits 0; a second `plan` shows
no change for any resource; `destroy` succeeds targets first, then the source, and leaves
what the render's README says it leaves.

Terraform's SDK would send a profile's `role_arn` AssumeRole to the real STS whatever
AWS_ENDPOINT_URL says, so Terraform gets the session credentials that moto's STS hands out
for each account. Each case runs on a moto server of its own: the examples name fixed
buckets and roles, and a case that fails half-way must not leave them to the next.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.manifest import Manifest, read_manifest
from generator.policy.kinds import Kind
from tests.conftest import EXAMPLES, invoke
from tests.terraformkit import Terraform, require_terraform

from .conftest import running_moto
from .e2ekit import Accounts, audit_json, in_parallel

CASES = [
    (example, profile)
    for example in ("seed-article", "multi-account")
    for profile in ("seed", "hardened")
]


@dataclass(frozen=True)
class Root:
    """One rendered root module and the account whose credentials apply it."""

    folder: Path
    account_id: str


def _source_resources(accounts: Accounts, spec: dict[str, Any]) -> str:
    """What exists before xgen: the bucket with the artifact under the key, the repository.

    Returns the key's ARN (moto picks key ids, so the spec is given the real one).
    """
    source = spec["source"]
    account = source["account_id"]
    accounts.add(account)
    s3 = accounts.client(account, "s3")
    bucket, key = source["artifact"].removeprefix("s3://").split("/", 1)
    location = {} if accounts.region == "us-east-1" else {"LocationConstraint": accounts.region}
    s3.create_bucket(Bucket=bucket, **({"CreateBucketConfiguration": location} if location else {}))
    key_arn = accounts.client(account, "kms").create_key()["KeyMetadata"]["Arn"]
    s3.put_object(
        Bucket=bucket, Key=key, Body=b"model", ServerSideEncryption="aws:kms", SSEKMSKeyId=key_arn
    )
    image_account, repository = re.match(
        r"(\d{12})\.dkr\.ecr\.[^/]+/([^:@]+)", source["image"]
    ).groups()
    if image_account == account:
        accounts.client(account, "ecr").create_repository(repositoryName=repository)
    return key_arn


def _readme_steps(readme: str, heading: str) -> list[tuple[str, list[str]]]:
    """The `(cd FOLDER && COMMAND && ...)` lines of the render README's section `heading`."""
    section = readme.split(f"\n## {heading}", 1)[1]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    steps = []
    for line in block.splitlines():
        match = re.fullmatch(r"\(cd (\S+) && (.+)\)", line)
        assert match, f"not a (cd FOLDER && COMMAND) line: {line!r}"
        steps.append((match[1], match[2].split(" && ")))
    return steps


def _expected_addresses(manifest: Manifest, spec: dict[str, Any], root: Root) -> set[str]:
    """The resources Terraform must manage in `root`, derived from the spec and manifest."""
    if root.folder.name == manifest.source.dir:
        prefix = "module.source_account."
        found = {f"{prefix}aws_s3_bucket_policy.this[0]", f"{prefix}aws_kms_key_policy.this[0]"}
        if spec.get("profile") == "hardened":
            found.add(f"{prefix}aws_s3_bucket_ownership_controls.this[0]")
        if manifest.source.image_in_source_account:
            found.add(f"{prefix}aws_ecr_repository_policy.this[0]")
        return found
    [target] = [t for t in manifest.targets if t.dir == root.folder.name]
    prefix = "module.deploy_account."
    inline = [
        Path(d.path).stem
        for d in manifest.documents
        if d.target == target.name and d.kind is Kind.IDENTITY
    ]
    found = {
        f"{prefix}aws_iam_role.this[0]",
        f"{prefix}aws_sagemaker_model.this[0]",
        f"{prefix}aws_sagemaker_endpoint_configuration.this[0]",
        f"{prefix}aws_sagemaker_endpoint.this[0]",
        *(f'{prefix}aws_iam_role_policy.this["{name}"]' for name in inline),
        *(
            f'{prefix}aws_iam_role_policy_attachment.this["{arn}"]'
            for arn in target.managed_policy_arns
        ),
    }
    if any(d.target == target.name and d.kind is Kind.KEY for d in manifest.documents):
        found.add(f"{prefix}aws_kms_key.volume[0]")
    return found


@dataclass(frozen=True)
class Case:
    """An example's spec in one profile, over the moto server and accounts it runs on."""

    spec: dict[str, Any]
    spec_path: Path
    accounts: Accounts
    terraform: Terraform


@pytest.fixture(params=CASES, ids=[f"{e}-{p}" for e, p in CASES])
def case(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Case]:
    """The example's spec in the case's profile, over a moto server of its own."""
    terraform = require_terraform(tmp_path)
    example, profile = request.param
    spec = yaml.safe_load((EXAMPLES / example / "spec.yaml").read_text(encoding="utf-8"))
    spec["profile"] = profile
    with running_moto(tmp_path / "moto.log") as url:
        accounts = Accounts(url, spec["source"]["region"])
        spec["source"]["kms_key_arn"] = _source_resources(accounts, spec)
        for target in spec["targets"]:
            accounts.add(target["account_id"])
        path = tmp_path / "spec.yaml"
        path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
        yield Case(spec, path, accounts, terraform)


def test_render_applies_audits_clean_replans_to_no_change_and_destroys(
    case: Case, tmp_path: Path, runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec, accounts, terraform = case.spec, case.accounts, case.terraform
    out = tmp_path / "rendered"

    # 1. render; the output is as `terraform fmt` writes it
    result = invoke(runner, "render", case.spec_path, "-o", out)
    assert result.exit_code == 0, result.output
    terraform.run(out, "fmt", "-check", "-recursive", "-diff")
    manifest = read_manifest(out)
    roots = {t.dir: Root(out / t.dir, t.account_id) for t in manifest.targets}
    roots[manifest.source.dir] = Root(out / manifest.source.dir, manifest.source.account_id)
    # the order and commands are the render README's: source first, targets at once
    readme = (out / "README.md").read_text(encoding="utf-8")
    applies, destroys = _readme_steps(readme, "Apply"), _readme_steps(readme, "Destroy")
    targets = [t.dir for t in manifest.targets]
    assert [folder for folder, _ in applies] == [manifest.source.dir, *targets]
    assert [folder for folder, _ in destroys] == [*targets, manifest.source.dir]
    assert {tuple(c) for _, c in applies} == {("terraform init", "terraform apply")}
    assert {tuple(c) for _, c in destroys} == {("terraform destroy",)}

    def tf(folder: str, *args: str, check: bool = True):
        root = roots[folder]
        env = accounts.terraform_env(terraform, root.account_id)
        return terraform.run(root.folder, *args, env=env, check=check)

    # 2. init offline and validate everywhere; apply the source first, then the targets
    timings: dict[str, float] = {}

    def apply(folder: str) -> None:
        tf(folder, "init", "-input=false")
        tf(folder, "validate")
        started = time.monotonic()
        tf(folder, "apply", "-auto-approve", "-input=false")
        timings[folder] = round(time.monotonic() - started, 1)
        state = set(tf(folder, "state", "list").stdout.split())
        assert state == _expected_addresses(manifest, spec, roots[folder]), folder

    apply(applies[0][0])
    in_parallel(apply, [folder for folder, _ in applies[1:]])
    print(f"apply seconds per root module: {timings}")

    # 3. the audit of the spec sees exactly what was rendered, and every check holds
    _audit_clean(case, monkeypatch, runner)

    # 4. a second plan changes nothing, for any resource
    def plan(folder: str) -> tuple[str, int, str]:
        planned = tf(folder, "plan", "-detailed-exitcode", "-input=false", check=False)
        return folder, planned.returncode, planned.stdout[-3000:] + planned.stderr

    for folder, code, text in in_parallel(plan, list(roots)):
        assert code == 0, f"{folder}: plan after apply is not empty (exit {code}):\n{text}"

    # 5. destroy, targets first (at once), then the source
    destroy = ("destroy", "-auto-approve", "-input=false")
    in_parallel(lambda folder: tf(folder, *destroy), [folder for folder, _ in destroys[:-1]])
    tf(destroys[-1][0], *destroy)
    _destroyed_as_the_readme_says(spec, manifest, accounts)


def _audit_clean(case: Case, monkeypatch: pytest.MonkeyPatch, runner) -> dict[str, Any]:
    """`xgen audit SPEC` with a profile per account (role_arn through moto's STS) exits 0;
    returns its JSON report."""
    code, report = audit_json(case.accounts, case.spec_path, runner, monkeypatch)
    assert code == 0, (
        f"audit after apply exited {code}\n"
        f"drift: {report.get('drift')}\nfindings at warning and above: "
        f"{[f for f in report.get('findings', []) if f['severity'] != 'info']}\n"
        f"failed checks: {[c for c in report.get('checks', []) if not c['ok']]}"
    )
    assert report["drift"] == []
    assert report["checks"] and all(check["ok"] for check in report["checks"])
    return report


def _destroyed_as_the_readme_says(
    spec: dict[str, Any], manifest: Manifest, accounts: Accounts
) -> None:
    """Destroy deletes the bucket policy and puts the key's default policy back."""
    source = manifest.source.account_id
    s3 = accounts.client(source, "s3")
    with pytest.raises(s3.exceptions.ClientError, match="NoSuchBucketPolicy"):
        s3.get_bucket_policy(Bucket=spec["source"]["artifact"].split("/")[2])
    kms = accounts.client(source, "kms")
    policy = json.loads(
        kms.get_key_policy(KeyId=spec["source"]["kms_key_arn"], PolicyName="default")["Policy"]
    )
    assert [s["Principal"] for s in policy["Statement"]] == [
        {"AWS": f"arn:aws:iam::{source}:root"}
    ], "the key's default policy: only the account root"
    for target in manifest.targets:
        iam = accounts.client(target.account_id, "iam")
        with pytest.raises(iam.exceptions.NoSuchEntityException):
            iam.get_role(RoleName=target.role_arn.rsplit("/", 1)[1])
        sagemaker = accounts.client(target.account_id, "sagemaker")
        assert sagemaker.list_endpoints()["Endpoints"] == []
