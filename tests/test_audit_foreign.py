"""Which live statements the apply would delete (audit's XA008, `xgen import`): AWS's
respellings and another Sid are the same statement; a Sid of the render's own is not
foreign; anything else is."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from generator.audit.foreign import FOREIGN, OWN, RENDERED, classify, foreign
from generator.policy.document import parse_policy
from tests.test_audit_drift import POLICIES, STATEMENTS, respelled
from tests.test_audit_drift import RENDERED as DRIFT_RENDERED


def _statuses(rendered: dict[str, Any], live: dict[str, Any]) -> list[str]:
    return [v.status for v in classify(parse_policy(rendered), parse_policy(live))]


def test_the_render_as_aws_hands_it_back_holds_nothing_foreign() -> None:
    live = respelled(DRIFT_RENDERED, [2, 0, 1], as_list=True, upper=True)
    assert _statuses(DRIFT_RENDERED, live) == [RENDERED] * 3


def test_another_sid_is_the_same_statement_a_changed_own_sid_is_own() -> None:
    live = copy.deepcopy(DRIFT_RENDERED)
    live["Statement"][0]["Sid"] = "Enable IAM User Permissions"  # content unchanged
    live["Statement"][1]["Resource"] = "arn:aws:s3:::bucket/other.tar.gz"  # Sid unchanged
    live["Statement"].append({"Sid": "XgenOld", "Effect": "Allow", "Action": "s3:GetObject"})
    live["Statement"].append({"Sid": "LogDelivery", "Effect": "Allow", "Action": "s3:PutObject"})
    assert _statuses(DRIFT_RENDERED, live) == [RENDERED, OWN, RENDERED, OWN, FOREIGN]


@given(rendered=POLICIES, extra=st.lists(STATEMENTS, max_size=3))
def test_what_the_apply_deletes_is_exactly_what_the_render_lacks(
    rendered: dict[str, Any], extra: list[dict[str, Any]]
) -> None:
    live = {**rendered, "Statement": [*rendered["Statement"], *extra]}
    dropped = foreign(parse_policy(rendered), parse_policy(live))
    # none of the render's own statements, and only statements of `extra`
    assert len(dropped) <= len(extra)
    assert all(s.index >= len(rendered["Statement"]) for s in dropped)
    # keeping them (as `xgen import` does) leaves nothing foreign
    kept = {**rendered, "Statement": [*rendered["Statement"], *(s.raw for s in dropped)]}
    assert foreign(parse_policy(kept), parse_policy(live)) == []
