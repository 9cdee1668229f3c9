"""`python -m moto.server`, with one fix: moto's bucket policies ignore their conditions.

moto applies a bucket policy's Deny statements to object reads without evaluating their
conditions, so the hardened render's `Deny s3:* when aws:SecureTransport is false` denies
every request, which AWS (over HTTPS) never does. Here a statement with a condition is left
out of that check, which matches AWS for the requests these tests make. xgen itself never
relies on moto to judge access: its evaluator does (docs in tests/aws/conftest.py).
"""

from __future__ import annotations

import json
import sys
from typing import Any

from moto.s3.models import FakeBucket
from moto.server import main

_get_permission = FakeBucket.get_permission


def _unconditional_permission(self: FakeBucket, action: str, resource: str) -> Any:
    if self.policy is None:
        return _get_permission(self, action, resource)
    policy = json.loads(self.policy)
    statements = policy.get("Statement", [])
    statements = statements if isinstance(statements, list) else [statements]
    kept = [s for s in statements if "Condition" not in s]
    original = self.policy
    self.policy = json.dumps({**policy, "Statement": kept}).encode()
    try:
        return _get_permission(self, action, resource)
    finally:
        self.policy = original


FakeBucket.get_permission = _unconditional_permission  # type: ignore[method-assign]

if __name__ == "__main__":
    main(sys.argv[1:])
