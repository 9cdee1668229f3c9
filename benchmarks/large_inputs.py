"""Time `xgen lint` on large inputs: a policy of many statements, a plan of many resources,
a .tf file of many blocks and suppression comments.

Locating each finding's statement once counted newlines from the start of the text, so a
policy's lint time grew with the square of its size (5 MB took 16 s, 38 MB never
finished); .tf blocks were looked up from the top of the file and each finding checked
against every suppression. The tests check that every line is right, this script how
long it takes.
Each size runs in a fresh process (`--no-cache`), median of `--runs`.

    python benchmarks/large_inputs.py [--xgen .venv/bin/xgen] [--runs 3] [--max-mb 38]
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

STATEMENT_BYTES = 220  # one statement below, indented as json.dumps(indent=2) writes it


def statement(i: int) -> dict[str, object]:
    return {
        "Sid": f"S{i}",
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
        "Action": "s3:*",
        "Resource": f"arn:aws:s3:::bucket/k{i}",
    }


def policy(megabytes: float) -> str:
    count = int(megabytes * 1024 * 1024 / STATEMENT_BYTES)
    return json.dumps(
        {"Version": "2012-10-17", "Statement": [statement(i) for i in range(count)]}, indent=2
    )


def plan(resources: int) -> str:
    changes = [
        {
            "address": f"aws_s3_bucket_policy.b{i}",
            "type": "aws_s3_bucket_policy",
            "change": {"after": {"policy": json.dumps({"Statement": [statement(i)]})}},
        }
        for i in range(resources)
    ]
    return json.dumps({"format_version": "1.2", "resource_changes": changes}, indent=2)


def terraform(blocks: int) -> str:
    """As many suppression comments as resources, then the resources, each a policy."""
    policy = json.dumps(json.dumps({"Statement": [statement(0)]}))
    comments = "# xgen:ignore XG012 a reason\n" * blocks
    resources = "".join(
        f'resource "aws_s3_bucket_policy" "b{i}" {{\n  bucket = "b"\n  policy = {policy}\n}}\n'
        for i in range(blocks)
    )
    return comments + resources


def median_seconds(command: list[str], runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--xgen", default=str(Path(sys.executable).parent / "xgen"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--max-mb", type=float, default=38)
    args = parser.parse_args()
    cases = [("policy", policy(mb)) for mb in (1, 5, 38) if mb <= args.max_mb]
    cases += [("plan", plan(n)) for n in (1000, 10_000)]
    cases += [(".tf", terraform(n)) for n in (1000, 5000)]
    print("| input | size | statements, resources or blocks | xgen lint --no-cache |")
    print("| --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory() as temp:
        for label, text in cases:
            path = Path(temp) / ("input.tf" if label == ".tf" else "input.json")
            path.write_text(text)
            counts = {"policy": '"Sid', "plan": '"address"', ".tf": "resource "}
            count = text.count(counts[label])
            seconds = median_seconds([args.xgen, "lint", "--no-cache", str(path)], args.runs)
            size = f"{len(text) / 1024 / 1024:.1f} MB"
            print(f"| {label} | {size} | {count} | {seconds:.2f} s |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
