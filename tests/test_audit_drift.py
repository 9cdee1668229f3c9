"""Drift between a rendered and a live policy: AWS's respellings are not drift, changes are."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from generator.audit.drift import compare
from generator.policy.document import parse_policy

ROLE = "arn:aws:iam::222222222222:role/Serving"
RENDERED: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": ["arn:aws:s3:::bucket", "arn:aws:s3:::bucket/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
        {
            "Sid": "TargetReadsModel",
            "Effect": "Allow",
            "Principal": {"AWS": ["arn:aws:iam::222222222222:root"]},
            "Action": ["s3:GetObject"],
            "Resource": "arn:aws:s3:::bucket/model.tar.gz",
            "Condition": {"StringEquals": {"aws:PrincipalArn": [ROLE]}},
        },
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
            "Action": ["s3:GetObject", "s3:PutObject"],
            "Resource": "arn:aws:s3:::bucket/*",
        },
    ],
}


def differences(live: dict[str, Any]) -> list[str]:
    return [d.message() for d in compare(parse_policy(RENDERED), parse_policy(live))]


def respelled(doc: dict[str, Any], order: list[int], as_list: bool, upper: bool) -> dict[str, Any]:
    """How AWS may hand a policy back: statements reordered, one value as a string or a
    list, account roots as bare ids, action and condition key case changed, booleans typed."""
    live = copy.deepcopy(doc)
    statements = [live["Statement"][i] for i in order]
    for statement in statements:
        for field in ("Action", "Resource"):
            values = statement[field] if isinstance(statement[field], list) else [statement[field]]
            values = list(reversed(values))
            if field == "Action" and upper:
                values = [v.upper() for v in values]
            statement[field] = values if as_list or len(values) > 1 else values[0]
        principal = statement["Principal"]
        if isinstance(principal, dict):
            arns = principal["AWS"] if isinstance(principal["AWS"], list) else [principal["AWS"]]
            principal["AWS"] = [a.split(":")[4] if a.endswith(":root") else a for a in arns]
        for block in statement.get("Condition", {}).values():
            for key in list(block):
                value = block.pop(key)
                block[key.upper() if upper else key] = False if value == "false" else value
    live["Statement"] = statements
    return live


@given(
    order=st.permutations([0, 1, 2]),
    as_list=st.booleans(),
    upper=st.booleans(),
    whitespace=st.booleans(),
)
def test_respelling_is_never_drift(
    order: list[int], as_list: bool, upper: bool, whitespace: bool
) -> None:
    live = respelled(RENDERED, order, as_list, upper)
    text = json.dumps(live, indent=4 if whitespace else None, separators=None)
    assert differences(json.loads(text)) == []


def test_a_lost_condition_is_named_with_the_rendered_value() -> None:
    live = copy.deepcopy(RENDERED)
    del live["Statement"][1]["Condition"]
    [diff] = compare(parse_policy(RENDERED), parse_policy(live))
    assert (diff.change, diff.statement, diff.field) == (
        "changed",
        '"TargetReadsModel"',
        "Condition",
    )
    assert diff.live is None
    assert diff.message() == (
        '"TargetReadsModel": Condition is missing live (rendered: '
        '{"StringEquals": {"aws:principalarn": ["' + ROLE + '"]}})'
    )


def test_a_changed_condition_value_is_named_down_to_the_key() -> None:
    live = copy.deepcopy(RENDERED)
    live["Statement"][1]["Condition"]["StringEquals"]["aws:PrincipalArn"] = (
        "arn:aws:iam::222222222222:role/*"
    )
    [diff] = compare(parse_policy(RENDERED), parse_policy(live))
    assert diff.field == "Condition.StringEquals.aws:principalarn"
    assert (diff.rendered, diff.live) == ([ROLE], ["arn:aws:iam::222222222222:role/*"])


def test_statements_without_sid_are_paired_by_what_they_grant() -> None:
    live = copy.deepcopy(RENDERED)
    live["Statement"][2]["Resource"] = "*"
    live["Statement"][2]["Condition"] = {"Bool": {"aws:SecureTransport": "true"}}
    diffs = compare(parse_policy(RENDERED), parse_policy(live))
    assert [(d.change, d.statement, d.field) for d in diffs] == [
        ("changed", "Statement[2]", "Resource"),
        ("changed", "Statement[2]", "Condition"),
    ]


def test_removed_and_added_statements_are_missing_and_unexpected() -> None:
    live = copy.deepcopy(RENDERED)
    live["Statement"] = [
        *live["Statement"][:1],
        {
            "Sid": "Backdoor",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::bucket/*",
        },
    ]
    assert sorted(differences(live)) == sorted(
        [
            'statement "TargetReadsModel" is missing live',
            "statement Statement[2] is missing live",
            'statement "Backdoor" is live but not rendered',
        ]
    )


def test_a_renamed_sid_is_a_sid_change_only() -> None:
    live = copy.deepcopy(RENDERED)
    live["Statement"][0]["Sid"] = "TLSOnly"
    [diff] = compare(parse_policy(RENDERED), parse_policy(live))
    assert (diff.field, diff.rendered, diff.live) == ("Sid", "DenyInsecureTransport", "TLSOnly")


def test_a_deleted_role_shown_as_unique_id_gets_a_hint() -> None:
    live = copy.deepcopy(RENDERED)
    live["Statement"][1]["Principal"] = {"AWS": "AROAEXAMPLEID1234567"}
    [diff] = compare(parse_policy(RENDERED), parse_policy(live))
    assert diff.field == "Principal"
    assert diff.hint and "deleted" in diff.hint


def test_version_change_is_drift() -> None:
    live = copy.deepcopy(RENDERED)
    live["Version"] = "2008-10-17"
    assert differences(live) == [
        "document: Version differs (rendered: 2012-10-17; live: 2008-10-17)"
    ]


ARNS = st.sampled_from(
    [
        "*",
        "arn:aws:s3:::bucket/*",
        "arn:aws:s3:::bucket/model.tar.gz",
        "arn:aws:iam::222222222222:root",
        ROLE,
        "222222222222",
    ]
)
VALUES = st.one_of(ARNS, st.lists(ARNS, min_size=1, max_size=3))
STATEMENTS = st.fixed_dictionaries(
    {"Effect": st.sampled_from(["Allow", "Deny"])},
    optional={
        "Sid": st.text("AbcXyz09", min_size=1, max_size=6),
        "Principal": st.one_of(st.just("*"), st.fixed_dictionaries({"AWS": VALUES})),
        "Action": st.one_of(
            st.sampled_from(["s3:GetObject", "s3:*", "kms:Decrypt"]),
            st.lists(st.sampled_from(["s3:GetObject", "S3:GETOBJECT", "kms:*"]), min_size=1),
        ),
        "Resource": VALUES,
        "Condition": st.dictionaries(
            st.sampled_from(["StringEquals", "ArnLike", "Bool"]),
            st.dictionaries(
                st.sampled_from(["aws:PrincipalArn", "AWS:PRINCIPALARN", "aws:SecureTransport"]),
                st.one_of(VALUES, st.booleans()),
                min_size=1,
                max_size=2,
            ),
            min_size=1,
            max_size=2,
        ),
    },
)
POLICIES = st.fixed_dictionaries(
    {"Version": st.just("2012-10-17"), "Statement": st.lists(STATEMENTS, min_size=1, max_size=5)}
)


@given(policy=POLICIES, data=st.data())
def test_any_policy_against_itself_in_any_order_is_no_drift(
    policy: dict[str, Any], data: st.DataObject
) -> None:
    shuffled = {**policy, "Statement": data.draw(st.permutations(policy["Statement"]))}
    assert compare(parse_policy(policy), parse_policy(shuffled)) == []


@given(rendered=POLICIES, live=POLICIES)
def test_any_two_policies_compare_without_crashing_and_name_each_difference(
    rendered: dict[str, Any], live: dict[str, Any]
) -> None:
    diffs = compare(parse_policy(rendered), parse_policy(live))
    for diff in diffs:
        assert diff.change in {"missing", "unexpected", "changed"}
        assert diff.message()
    # every statement is accounted for: paired, missing or unexpected
    missing = sum(d.change == "missing" for d in diffs)
    unexpected = sum(d.change == "unexpected" for d in diffs)
    assert len(rendered["Statement"]) - missing == len(live["Statement"]) - unexpected
