"""The staged-rollout example, applied step by step with real Terraform against a moto server.

Step 1 is applied everywhere; every later step is rendered into the same folder and its
accounts applied in the order `xgen render` prints. After every single `apply`, the live
bucket, key and repository policies, each role's live inline policies and each endpoint's
live configuration are read back, and xgen's evaluator (AWS's decision logic) must say:
each endpoint's role can read, decrypt and pull what its endpoint serves right now, and
no other target's version (but the one it is moving off). After each step every root
plans to no change, and `xgen verify` and `xgen lint` pass. Last, the served artifact is
re-uploaded behind Terraform's back and `xgen audit` reports it (XA006).

The endpoint's update path (new model and configuration, UpdateEndpoint, the waiter) runs
for real against the test server's UpdateEndpoint (tests/aws/moto_server.py, item 4).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.access.evaluate import PolicyFile, authorize
from generator.access.request import Caller, CallerKind, request
from generator.access.result import Decision
from generator.policy.document import parse_policy
from tests.conftest import EXAMPLES, invoke
from tests.terraformkit import Terraform, require_terraform

from .conftest import running_moto
from .e2ekit import Accounts, Roots, audit_json, in_parallel

ROLLOUT = EXAMPLES / "staged-rollout"
STEPS = sorted(ROLLOUT.glob("step-*.yaml"))
STEP_LINE = re.compile(r"^\s+\d+\. (?P<folder>\S+): (?P<why>.+)$")


def _arrange_source(accounts: Accounts, spec: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """The bucket with every version's artifact under the key, and the repository.

    Returns the key's ARN and each version's live ETag (the specs pin them).
    """
    source = spec["source"]
    account = source["account_id"]
    accounts.add(account)
    s3 = accounts.client(account, "s3")
    key_arn = accounts.client(account, "kms").create_key()["KeyMetadata"]["Arn"]
    etags = {}
    for name, version in spec["models"].items():
        bucket, key = version["artifact"].removeprefix("s3://").split("/", 1)
        if name == next(iter(spec["models"])):
            s3.create_bucket(Bucket=bucket)
        put = s3.put_object(
            Bucket=bucket,
            Key=key,
            Body=f"model {name}".encode(),
            ServerSideEncryption="aws:kms",
            SSEKMSKeyId=key_arn,
        )
        etags[name] = put["ETag"].strip('"')
    repository = next(iter(spec["models"].values()))["image"].split("/", 1)[1].split(":")[0]
    accounts.client(account, "ecr").create_repository(repositoryName=repository)
    return key_arn, etags


def _step_spec(step: Path, key_arn: str, etags: dict[str, str], folder: Path) -> Path:
    """The example's step with the key and pins of what the moto server holds."""
    spec = yaml.safe_load(step.read_text(encoding="utf-8"))
    spec["source"]["kms_key_arn"] = key_arn
    for name, version in spec["models"].items():
        version["etag"] = etags[name]
    path = folder / step.name
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


class Live:
    """What the accounts hold now, read back after an apply."""

    def __init__(self, accounts: Accounts, spec: dict[str, Any]) -> None:
        self.accounts = accounts
        self.spec = spec
        self.source = spec["source"]["account_id"]

    def _policy(self, path: str, text: str | None) -> PolicyFile | None:
        return PolicyFile(path, parse_policy(json.loads(text))) if text else None

    def bucket_policy(self, bucket: str) -> PolicyFile | None:
        s3 = self.accounts.client(self.source, "s3")
        return self._policy("live:bucket", s3.get_bucket_policy(Bucket=bucket)["Policy"])

    def key_policy(self) -> PolicyFile | None:
        kms = self.accounts.client(self.source, "kms")
        key = self.spec["source"]["kms_key_arn"]
        return self._policy(
            "live:key", kms.get_key_policy(KeyId=key, PolicyName="default")["Policy"]
        )

    def repository_policy(self, repository: str) -> PolicyFile | None:
        ecr = self.accounts.client(self.source, "ecr")
        found = ecr.get_repository_policy(repositoryName=repository)
        return self._policy("live:repository", found["policyText"])

    def role_policies(self, account: str, role: str) -> list[PolicyFile]:
        iam = self.accounts.client(account, "iam")
        names = iam.list_role_policies(RoleName=role)["PolicyNames"]
        return [
            PolicyFile(
                f"live:{role}/{n}",
                parse_policy(
                    _document(iam.get_role_policy(RoleName=role, PolicyName=n)["PolicyDocument"])
                ),
            )
            for n in names
        ]

    def served(self, account: str, endpoint: str) -> tuple[str, str, str]:
        """(model data URL, image, endpoint configuration) the live endpoint serves."""
        sagemaker = self.accounts.client(account, "sagemaker")
        config_name = sagemaker.describe_endpoint(EndpointName=endpoint)["EndpointConfigName"]
        config = sagemaker.describe_endpoint_config(EndpointConfigName=config_name)
        model = sagemaker.describe_model(ModelName=config["ProductionVariants"][0]["ModelName"])
        container = model["PrimaryContainer"]
        return container["ModelDataUrl"], container["Image"], config_name


def _document(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _object_arn(url: str) -> str:
    return "arn:aws:s3:::" + url.removeprefix("s3://")


@dataclass(frozen=True)
class Role:
    """A target role's session and its live identity policies, asking AWS's logic."""

    caller: Caller
    identity: list[PolicyFile]
    source_account: str

    def decide(
        self, action: str, resource: str, policy: PolicyFile | None, context: dict | None = None
    ) -> Decision:
        context = {"aws:SecureTransport": "true", **(context or {})}
        return authorize(
            request(self.caller, action, resource, context),
            resource_account=self.source_account,
            identity=self.identity,
            resource=policy,
            resource_must_allow=action.startswith("kms:"),
        ).decision


def _check_reads(live: Live, allowed_extra: dict[str, set[str]], when: str) -> dict[str, str]:
    """Every endpoint's role reads what it serves, and no other target's version.

    `allowed_extra` names, per target, the artifacts it may still read (what it moves off,
    in the render being applied or the one before). Returns what each endpoint serves.
    """
    spec = live.spec
    models = spec["models"]
    bucket = next(iter(models.values()))["artifact"].removeprefix("s3://").split("/", 1)[0]
    repository = next(iter(models.values()))["image"].split("/", 1)[1].split(":")[0]
    region = spec["source"]["region"]
    source = spec["source"]["account_id"]
    bucket_policy, key_policy = live.bucket_policy(bucket), live.key_policy()
    repository_policy = live.repository_policy(repository)
    served = {
        t["name"]: live.served(t["account_id"], t.get("endpoint_name") or spec["name"])
        for t in spec["targets"]
    }
    for target in spec["targets"]:
        name, account, role_name = target["name"], target["account_id"], target["role_name"]
        session = f"arn:aws:sts::{account}:assumed-role/{role_name}/SageMaker"
        role = Role(Caller(CallerKind.AWS, session), live.role_policies(account, role_name), source)
        url, image, config = served[name]
        artifact = _object_arn(url)

        where = f"{when}: target {name} (endpoint on {config}, serving {url})"
        assert role.decide("s3:GetObject", artifact, bucket_policy) is Decision.ALLOW, where
        via_s3 = {"kms:ViaService": f"s3.{region}.amazonaws.com"}
        key = spec["source"]["kms_key_arn"]
        assert role.decide("kms:Decrypt", key, key_policy, context=via_s3) is Decision.ALLOW, where
        repository_arn = f"arn:aws:ecr:{region}:{source}:repository/{repository}"
        assert image.split("/", 1)[1].startswith(repository + ":"), where
        assert (
            role.decide("ecr:BatchGetImage", repository_arn, repository_policy) is Decision.ALLOW
        ), where
        for other, (other_url, _, _) in served.items():
            foreign = _object_arn(other_url)
            if other == name or foreign == artifact or foreign in allowed_extra.get(name, set()):
                continue
            decision = role.decide("s3:GetObject", foreign, bucket_policy)
            assert decision is not Decision.ALLOW, f"{where} reads {other}'s {other_url}"
    return {name: url for name, (url, _, _) in served.items()}


def _moving_off(spec_path: Path) -> dict[str, set[str]]:
    spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    return {
        t["name"]: {_object_arn(spec["models"][t["moving_from"]]["artifact"])}
        for t in spec["targets"]
        if t.get("moving_from") and t["moving_from"] in spec["models"]
    }


def test_the_staged_rollout_never_cuts_an_endpoint_off(tmp_path: Path, runner) -> None:
    terraform: Terraform = require_terraform(tmp_path)
    first = yaml.safe_load(STEPS[0].read_text(encoding="utf-8"))
    all_models = {}
    for step in STEPS:
        all_models.update(yaml.safe_load(step.read_text(encoding="utf-8"))["models"])
    out = tmp_path / "rendered"
    with running_moto(tmp_path / "moto.log") as url:
        accounts = Accounts(url, first["source"]["region"])
        key_arn, etags = _arrange_source(accounts, {**first, "models": all_models})
        for target in first["targets"]:
            accounts.add(target["account_id"])
        roots = Roots(out, accounts, terraform)
        previous_extra: dict[str, set[str]] = {}
        for step in STEPS:
            spec_path = _step_spec(step, key_arn, etags, tmp_path)
            spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
            result = invoke(runner, "render", spec_path, "-o", out)
            assert result.exit_code == 0, result.output
            order = [
                Path(m["folder"]).name
                for line in result.stderr.splitlines()
                if (m := STEP_LINE.match(line))
            ]
            assert order, f"{step.name}: xgen render printed no apply order:\n{result.stderr}"
            extra = _moving_off(spec_path)
            allowed = {
                n: extra.get(n, set()) | previous_extra.get(n, set())
                for n in {*extra, *previous_extra}
            }
            live = Live(accounts, {**spec, "source": {**spec["source"], "kms_key_arn": key_arn}})
            for root in order:
                roots.apply(root, step.stem)
                if step == STEPS[0] and root != order[-1]:
                    continue  # no endpoint exists before the first step's last apply
                _check_reads(live, allowed, f"{step.stem}, after applying {root}")
            for root, code, text in in_parallel(roots.plan, roots.all()):
                assert code == 0, f"{step.stem}: {root} plans a change (exit {code}):\n{text}"
            for command in (("verify", out), ("lint", out)):
                checked = invoke(runner, *command)
                assert checked.exit_code == 0, f"{step.stem}: xgen {command[0]}:\n{checked.output}"
            previous_extra = extra
        served = _check_reads(live, {}, "after the last step")
        assert set(served.values()) == {all_models["v8"]["artifact"]}
        _audit_reports_a_reuploaded_artifact(
            accounts, spec_path, all_models["v8"]["artifact"], runner
        )
    print("\n".join(roots.report))


def _audit_reports_a_reuploaded_artifact(
    accounts: Accounts, spec_path: Path, artifact: str, runner
) -> None:
    spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    source = spec["source"]["account_id"]
    bucket, key = artifact.removeprefix("s3://").split("/", 1)
    accounts.client(source, "s3").put_object(
        Bucket=bucket,
        Key=key,
        Body=b"a retrained model, uploaded over v8",
        ServerSideEncryption="aws:kms",
        SSEKMSKeyId=spec["source"]["kms_key_arn"],
    )
    with pytest.MonkeyPatch.context() as env:
        code, report = audit_json(accounts, spec_path, runner, env)
    changed = [f for f in report["findings"] if f["rule"] == "XA006"]
    assert code == 1, report
    assert len(changed) == 1 and key in changed[0]["message"], report["findings"]
