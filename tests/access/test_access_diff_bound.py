"""`xgen diff` is bounded per layer as verify is: what the solver cannot decide in time is
reported undecided, never waited on without end (issue 18: 74 s where verify stopped)."""

from __future__ import annotations

import json
import time
from pathlib import Path

from accesskit import xgen

from generator.access.proof import TIMEOUT_MS


def test_diff_of_many_hard_statements_stops_within_the_bound(tmp_path: Path) -> None:
    # OLD lets role NAME read, NEW any role whose name ends in NAME: a new role must end in
    # NAME and not be it, which takes the solver seconds each over a path and a name
    def statements(operator: str, pattern: str) -> list[dict[str, object]]:
        return [
            {
                "Sid": f"Team{i}",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::22222222{i:04d}:root"},
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::bucket/t{i}/*",
                "Condition": {
                    operator: {"aws:PrincipalArn": f"arn:aws:iam::22222222{i:04d}:{pattern}{i}"}
                },
            }
            for i in range(60)
        ]

    old, new = tmp_path / "old.json", tmp_path / "new.json"
    body = {"Version": "2012-10-17"}
    old.write_text(json.dumps({**body, "Statement": statements("StringEquals", "role/Name")}))
    new.write_text(json.dumps({**body, "Statement": statements("StringLike", "role/*Name")}))
    started = time.monotonic()
    result = xgen("diff", old, new, "--format", "json")
    elapsed = time.monotonic() - started
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert report["new_access"] or report["undecided"]
    # one layer's bound, the readable re-solves (2 s each at most) and Python's own time
    assert elapsed < TIMEOUT_MS / 1000 + 25, elapsed
