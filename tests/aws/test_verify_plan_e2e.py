"""`xgen verify --plan` over real `terraform plan` output of the examples, against moto.

For each example: render; in each account's root module, with that account's own
credentials (moto's STS), `terraform init` offline, `plan -out`, `show -json`; verify
proves the documents the plans will apply. Then a `main_override.tf` beside the source's
main.tf rewrites the bucket policy Terraform applies (the policy file is untouched):
`render --check` and plain `verify` refuse the folder, and `verify --plan` over the new
plan finds the opening, with a counterexample, in the plan's own document.

The accounts, credentials and existing resources are test_terraform_e2e's (its kit is
reused; that file stays the lead's).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from generator.manifest import read_manifest
from tests.conftest import EXAMPLES, invoke
from tests.terraformkit import Terraform, require_terraform

from .conftest import running_moto
from .e2ekit import Accounts, in_parallel
from .test_terraform_e2e import _source_resources

# The kind of override, made to open the bucket: every principal of the target
# accounts but the roles (the policy file itself is untouched).
OVERRIDE = """\
module "source_account" {
  bucket_policy = replace(
    file("${path.module}/policies/bucket-policy.json"), "StringEquals", "StringNotEquals"
  )
}
"""


def _plan_all(
    out: Path, roots: dict[str, str], accounts: Accounts, terraform: Terraform
) -> list[Path]:
    """`terraform init`, `plan -out` and `show -json` in each root module; the JSON files."""

    def plan(folder: str) -> Path:
        env = accounts.terraform_env(terraform, roots[folder])
        root = out / folder
        if not (root / ".terraform").exists():
            terraform.run(root, "init", "-input=false", env=env)
        terraform.run(root, "plan", "-input=false", "-out=tfplan", env=env)
        shown = terraform.run(root, "show", "-json", "tfplan", env=env).stdout
        path = out.parent / f"plan-{folder}.json"
        path.write_text(shown, encoding="utf-8")
        return path

    return in_parallel(plan, list(roots))


@pytest.mark.parametrize("example", ["seed-article", "multi-account"])
def test_verify_plan_proves_what_the_plans_apply(example: str, tmp_path: Path, runner) -> None:
    terraform = require_terraform(tmp_path)
    spec = yaml.safe_load((EXAMPLES / example / "spec.yaml").read_text(encoding="utf-8"))
    with running_moto(tmp_path / "moto.log") as url:
        accounts = Accounts(url, spec["source"]["region"])
        spec["source"]["kms_key_arn"] = _source_resources(accounts, spec)
        for target in spec["targets"]:
            accounts.add(target["account_id"])
        spec_path = tmp_path / "spec.yaml"
        spec_path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
        out = tmp_path / "rendered"
        assert invoke(runner, "render", spec_path, "-o", out).exit_code == 0
        manifest = read_manifest(out)
        roots = {t.dir: t.account_id for t in manifest.targets}
        roots[manifest.source.dir] = manifest.source.account_id
        plans = _plan_all(out, roots, accounts, terraform)

        # 1. the plans apply what the folder says: every check and proof holds
        args = [arg for plan in plans for arg in ("--plan", plan)]
        result = invoke(runner, "verify", out, *args, "--format", "json")
        assert result.exit_code == 0, result.output
        report = json.loads(result.stdout)
        proofs = [c for c in report["checks"] if "proved" in c]
        assert proofs and all(p["ok"] for p in proofs)
        assert not any("no plan for" in note for note in report.get("notes", []))

        # 2. an override file changes what Terraform applies, not the policy file
        source = out / manifest.source.dir
        (source / "main_override.tf").write_text(OVERRIDE, encoding="utf-8")
        check = invoke(runner, "render", spec_path, "-o", out, "--check")
        assert check.exit_code == 1
        assert "main_override.tf: a Terraform file xgen did not write" in check.stdout
        refused = invoke(runner, "verify", out)
        assert refused.exit_code == 2
        assert len(refused.stderr.strip().splitlines()) == 1
        assert "main_override.tf" in refused.stderr

        # 3. the source's new plan applies the overridden policy: verify --plan fails it
        [source_plan] = _plan_all(
            out, {manifest.source.dir: manifest.source.account_id}, accounts, terraform
        )
        planned = json.loads(source_plan.read_text(encoding="utf-8"))
        [bucket] = [c for c in planned["resource_changes"] if c["type"] == "aws_s3_bucket_policy"]
        assert "StringNotEquals" in bucket["change"]["after"]["policy"]
        others = [p for p in plans if p.name != source_plan.name]
        args = [arg for plan in (source_plan, *others) for arg in ("--plan", plan)]
        result = invoke(runner, "verify", out, *args, "--format", "json")
        assert result.exit_code == 1, result.output
        report = json.loads(result.stdout)
        [s3] = [c for c in report["checks"] if "proved" in c and c["layer"] == "s3"]
        assert s3["ok"] is False and s3["counterexample"] is not None, s3["reasons"]
        assert s3["counterexample"]["principal"] not in {t.role_arn for t in manifest.targets}
        assert any(r.startswith(f"{source_plan}:") for r in s3["reasons"]), s3["reasons"]
