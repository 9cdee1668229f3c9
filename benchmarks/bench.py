"""Time `xgen lint` against parliament and checkov on the same inputs (`make bench`).

Each tool runs from its own virtualenv as a user would run it (a fresh process per run,
Python's start included). Runs alternate between the tools so that machine noise hits all
of them alike; the table shows medians and how many times faster xgen is.

    python benchmarks/bench.py --parliament .venv-parliament/bin/parliament \
        --checkov .venv-checkov/bin/checkov
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROLE = "arn:aws:iam::{account}:role/SageMakerExecution"


def bucket_policy(i: int) -> dict[str, object]:
    """A realistic cross-account bucket policy, different per file."""
    account = f"{222222222222 + i:012d}"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::bucket-{i}", f"arn:aws:s3:::bucket-{i}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
            {
                "Sid": "TargetReadsModel",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::bucket-{i}/model/output/model.tar.gz",
                "Condition": {"StringEquals": {"aws:PrincipalArn": ROLE.format(account=account)}},
            },
        ],
    }


def terraform(i: int) -> str:
    """A .tf file with a bucket policy (jsonencode) and a role with an inline policy."""
    policy = json.dumps(bucket_policy(i), indent=2).replace("\n", "\n  ")
    return f"""\
resource "aws_s3_bucket" "b{i}" {{
  bucket = "bucket-{i}"
}}

resource "aws_s3_bucket_policy" "b{i}" {{
  bucket = aws_s3_bucket.b{i}.id
  policy = <<POLICY
  {policy}
POLICY
}}

resource "aws_iam_role" "r{i}" {{
  name = "role-{i}"
  assume_role_policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{
      Effect    = "Allow"
      Principal = {{ Service = "sagemaker.amazonaws.com" }}
      Action    = "sts:AssumeRole"
      Condition = {{ StringEquals = {{ "aws:SourceAccount" = "222222222222" }} }}
    }}]
  }})
}}
"""


def make_inputs(base: Path) -> dict[str, Path]:
    one = base / "one"
    many = base / "many"
    tf = base / "tf"
    for folder in (one, many, tf):
        folder.mkdir()
    (one / "policy.json").write_text(json.dumps(bucket_policy(0), indent=2))
    for i in range(1000):
        (many / f"policy-{i:04d}.json").write_text(json.dumps(bucket_policy(i), indent=2))
    for i in range(20):
        (tf / f"main-{i:02d}.tf").write_text(terraform(i))
    return {"one": one / "policy.json", "many": many, "tf": tf}


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def race(commands: dict[str, list[str]], runs: int) -> dict[str, float]:
    """Median seconds per tool, runs alternating between tools (after one warm-up each)."""
    for command in commands.values():
        timed(command)  # warm-up: page cache, xgen's action index, .pyc files
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            samples[name].append(timed(command))
    return {name: statistics.median(values) for name, values in samples.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--xgen", default=str(Path(sys.executable).parent / "xgen"))
    parser.add_argument("--parliament", required=True)
    parser.add_argument("--checkov", required=True)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    xgen, parliament, checkov = args.xgen, args.parliament, args.checkov
    with tempfile.TemporaryDirectory() as temp:
        inputs = make_inputs(Path(temp))
        one, many, tf = (str(inputs[k]) for k in ("one", "many", "tf"))
        cases = [
            (
                "1 policy file",
                "parliament",
                {"xgen": [xgen, "lint", one], "parliament": [parliament, "--files", one]},
            ),
            (
                "1000 policy files",
                "parliament",
                {
                    "xgen": [xgen, "lint", many],
                    "parliament": [
                        parliament,
                        "--directory",
                        many,
                        "--include_policy_extension",
                        ".json",
                    ],
                },
            ),
            (
                "20 .tf files",
                "checkov",
                {
                    "xgen": [xgen, "lint", tf],
                    "checkov": [
                        checkov,
                        "-d",
                        tf,
                        "--framework",
                        "terraform",
                        "--quiet",
                        "--compact",
                        "--skip-download",
                    ],
                },
            ),
        ]
        print("| input | xgen | peer | peer time | xgen is |")
        print("| --- | --- | --- | --- | --- |")
        for label, peer, commands in cases:
            medians = race(commands, args.runs)
            ratio = medians[peer] / medians["xgen"]
            print(
                f"| {label} | {medians['xgen']:.2f} s | {peer} | {medians[peer]:.2f} s "
                f"| {ratio:.1f}x faster |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
