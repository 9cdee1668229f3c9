"""Time `xgen verify` (questions and z3 proofs) and `xgen diff` on renders of growing size.

Each run is a fresh `xgen` process, as in CI or pre-commit (Python's start and z3's
import included); the table shows the median of `--runs` runs after one warm-up.
The goals (issue 11): the multi-account example under 2 s, 100 targets under 30 s, on
the 2-core development machine.

    .venv/bin/python benchmarks/verify.py [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
XGEN = [sys.executable, "-c", "from generator.entry import main; main()"]


def _spec(targets: int) -> dict:
    spec = yaml.safe_load((ROOT / "examples/multi-account/spec.yaml").read_text(encoding="utf-8"))
    spec["targets"] = [
        {"name": f"t{i}", "account_id": f"{200000000000 + i:012d}", "role_name": f"Churn{i}"}
        for i in range(targets)
    ]
    return spec


def _render(folder: Path, targets: int | None) -> Path:
    if targets is None:
        return ROOT / "examples/multi-account/rendered"
    spec = folder / f"spec-{targets}.yaml"
    spec.write_text(yaml.safe_dump(_spec(targets)), encoding="utf-8")
    out = folder / f"render-{targets}"
    subprocess.run([*XGEN, "render", str(spec), "-o", str(out)], check=True, capture_output=True)
    return out


def _median(command: list[str], runs: int, ok: tuple[int, ...]) -> float:
    times = []
    for index in range(runs + 1):
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, check=False)
        elapsed = time.perf_counter() - started
        if done.returncode not in ok:
            raise SystemExit(f"{' '.join(command)} exited {done.returncode}: {done.stderr!r}")
        if index:  # the first run warms the file cache
            times.append(elapsed)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print("| render | targets | verify | diff against itself |")
    print("| --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory() as scratch:
        for label, targets in (
            ("multi-account example", None),
            ("10 targets", 10),
            ("100 targets", 100),
        ):
            render = _render(Path(scratch), targets)
            count = 3 if targets is None else targets
            verify = _median([*XGEN, "verify", str(render)], args.runs, (0,))
            diff = _median([*XGEN, "diff", str(render), str(render)], args.runs, (0,))
            print(f"| {label} | {count} | {verify:.2f} s | {diff:.2f} s |", flush=True)


if __name__ == "__main__":
    main()
