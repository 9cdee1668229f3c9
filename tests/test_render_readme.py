"""The render's README tells the operator what the render cannot enforce.

Its apply and destroy commands are the ones the end-to-end test runs (tests/aws/
test_terraform_e2e.py reads them from this README); here: what destroy leaves, who needs
which permissions, how big the shared policies are, and what a VPC needs.
"""

from __future__ import annotations

import json
import re

from generator.policy.limits import compact_size
from generator.render import render
from generator.spec import load_spec
from tests.conftest import MULTI_SPEC, SEED_SPEC


def _readme(spec) -> tuple[str, dict[str, bytes]]:
    files = render(load_spec(spec)).files
    return files["README.md"].decode(), files


def test_sizes_are_the_policies_as_aws_counts_them_against_their_limits():
    readme, files = _readme(MULTI_SPEC)
    rows = dict(re.findall(r"^\| (\w[\w ]+ policy) \| ([\d,]+) \| [\d,]+ \|$", readme, re.M))
    for what, name in (
        ("bucket policy", "bucket-policy"),
        ("key policy", "key-policy"),
        ("ECR repository policy", "ecr-repository-policy"),
    ):
        body = json.loads(files[f"source-111111111111/policies/{name}.json"])
        assert rows[what] == f"{compact_size(body):,}"
    assert "| ECR repository policy | 516 | 10,240 |" in readme


def test_destroy_and_permissions_follow_what_the_render_manages():
    multi, _ = _readme(MULTI_SPEC)
    seed, _ = _readme(SEED_SPEC)
    for readme in (multi, seed):
        assert "the bucket policy is **deleted**" in readme
        assert "the key policy **reverts to AWS's\n  default**" in readme
        assert (
            "`iam:PassRole` on the role, with `iam:PassedToService = sagemaker.amazonaws.com`"
            in (readme.replace("\n  ", " "))
        )
    # seed: image in AWS's registry, no volume key, AmazonSageMakerFullAccess attached
    assert "ecr:SetRepositoryPolicy" not in seed and "ecr:SetRepositoryPolicy" in multi
    assert "kms:CreateGrant" not in seed and "kms:CreateGrant" in multi
    assert "iam:AttachRolePolicy" in seed and "iam:AttachRolePolicy" not in multi
    assert "s3:PutBucketOwnershipControls" in multi and "OwnershipControls" not in seed


def test_only_targets_in_a_vpc_get_a_vpc_section():
    multi, _ = _readme(MULTI_SPEC)
    seed, _ = _readme(SEED_SPEC)
    assert "## VPC" not in seed
    [line] = [line for line in multi.splitlines() if line.startswith("- `target-")]
    assert line.startswith("- `target-prod-eu-333333333333`: SageMaker reads the artifact")
