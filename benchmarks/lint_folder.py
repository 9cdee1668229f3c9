"""Time `xgen lint` on folders or files of policies you give it, and count its findings.

Made to measure XG002 on a dump of AWS managed policies (one policy document per JSON
file; keep such a dump outside the repository), before and after a change to the action
data:

    python benchmarks/lint_folder.py /tmp/managed-policies            # this checkout
    PYTHONPATH=/tmp/xgen-before python benchmarks/lint_folder.py ...  # another copy of xgen

Each run is a fresh process (`python -c 'from generator.entry import main; ...'`, Python's
start and imports included), cold (`--no-cache`), after one warm-up run; it prints the
median and the range of the runs, and the findings per rule of the last one. The action
data and xgen's caches live in a temporary XGEN_CACHE_DIR unless one is set.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

LINT = (
    "import sys; sys.argv = ['xgen', 'lint', *sys.argv[1:]]\n"
    "from generator.entry import main\n"
    "main()\n"
)


def run(paths: list[str], env: dict[str, str]) -> tuple[float, bytes]:
    command = [sys.executable, "-c", LINT, "--no-cache", "--format", "json", *paths]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, env=env, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1) or not done.stdout.startswith(b"{"):
        sys.exit(f"xgen lint exited {done.returncode}: {done.stderr.decode(errors='replace')}")
    return elapsed, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", help="policy files or folders of them")
    parser.add_argument("--runs", type=int, default=5, help="timed runs (default 5)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "XGEN_CACHE_DIR": os.environ.get("XGEN_CACHE_DIR", cache)}
        run(args.paths, env)  # warm-up: page cache, bytecode, xgen's own caches
        samples = []
        for _ in range(args.runs):
            elapsed, output = run(args.paths, env)
            samples.append(elapsed)
    report = json.loads(output)
    rules = collections.Counter(finding["rule"] for finding in report["findings"])
    files = len({finding["file"] for finding in report["findings"] if finding["rule"] == "XG002"})
    print(
        f"cold: median {statistics.median(samples):.3f} s "
        f"(min {min(samples):.3f}, max {max(samples):.3f}, {args.runs} runs)"
    )
    summary = report["summary"]
    print(f"{summary['documents']} documents, {summary['findings']} findings")
    print("findings per rule: " + ", ".join(f"{r} {n}" for r, n in sorted(rules.items())))
    print(f"XG002: {rules.get('XG002', 0)} in {files} files")


if __name__ == "__main__":
    main()
