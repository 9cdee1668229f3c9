"""Properties over arbitrary input: matching and evaluation never crash and stay explained."""

from __future__ import annotations

import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.access.conditions import SUPPORTED
from generator.access.evaluate import PolicyFile, authorize
from generator.access.request import Caller, CallerKind, parse_caller, request
from generator.access.result import Decision
from generator.access.wildcard import arn_matches, like
from generator.policy.document import PolicyError, parse_policy

text = st.text(alphabet=st.characters(codec="utf-8"), max_size=30)
arn_text = st.text(alphabet="arn:aws3*?/.-_12", max_size=40)


@given(text, text)
def test_like_never_crashes_and_star_matches_all(pattern: str, value: str) -> None:
    assert isinstance(like(pattern, value), bool)
    assert like("*", value)
    assert like(re.sub(r"[*?]", "", value), value) is (value == re.sub(r"[*?]", "", value))


@given(text)
def test_a_literal_matches_itself(value: str) -> None:
    if "*" not in value and "?" not in value:
        assert like(value, value)


@given(arn_text, arn_text)
def test_arn_matching_never_crashes(pattern: str, arn: str) -> None:
    assert isinstance(arn_matches(pattern, arn), bool)


ACCOUNTS = ["111111111111", "222222222222"]
principal = st.one_of(
    st.just("*"),
    st.builds(
        lambda a: {"AWS": a}, st.sampled_from([*ACCOUNTS, "arn:aws:iam::222222222222:role/R"])
    ),
    st.just({"Service": "sagemaker.amazonaws.com"}),
)
condition = st.dictionaries(
    st.sampled_from(
        [*SUPPORTED, "ForAnyValue:StringLike", "ForAllValues:StringEquals", "StringEqualsIfExists"]
    ),
    st.dictionaries(
        st.sampled_from(["aws:PrincipalArn", "kms:ViaService", "aws:SecureTransport", "k"]),
        st.one_of(text, st.booleans(), st.integers(), st.lists(text, max_size=3)),
        min_size=1,
        max_size=2,
    ),
    max_size=2,
)
statement = st.fixed_dictionaries(
    {"Effect": st.sampled_from(["Allow", "Deny"])},
    optional={
        "Sid": text,
        "Action": st.one_of(
            st.sampled_from(["*", "s3:*", "s3:Get*", "kms:Decrypt"]), st.lists(text, max_size=2)
        ),
        "NotAction": st.sampled_from(["s3:Put*", "kms:*"]),
        "Resource": st.one_of(arn_text, st.lists(arn_text, max_size=2)),
        "NotResource": arn_text,
        "Principal": principal,
        "NotPrincipal": principal,
        "Condition": condition,
    },
)
policy = st.builds(
    lambda s: {"Version": "2012-10-17", "Statement": s}, st.lists(statement, max_size=4)
)
caller = st.sampled_from(
    [
        Caller(CallerKind.AWS, "arn:aws:iam::222222222222:role/R"),
        Caller(CallerKind.AWS, "arn:aws:iam::111111111111:root"),
        Caller(CallerKind.SERVICE, "sagemaker.amazonaws.com"),
        Caller(CallerKind.ANONYMOUS, "*"),
    ]
)


def parsed(raw: dict[str, Any]) -> PolicyFile | None:
    try:
        return PolicyFile("p.json", parse_policy(raw))
    except PolicyError:
        return None


ask = st.tuples(
    st.sampled_from(["s3:GetObject", "kms:Decrypt", "sts:AssumeRole"]), arn_text, st.booleans()
)


@settings(max_examples=300, deadline=None)
@given(policy, policy, caller, ask)
def test_random_policies_never_crash_the_evaluator(
    identity: dict[str, Any], resource: dict[str, Any], who: Caller, question: tuple[str, str, bool]
) -> None:
    action, target, must = question
    files = [f for f in (parsed(identity), parsed(resource)) if f is not None]
    if len(files) < 2:
        return
    result = authorize(
        request(who, action, target, {"k": "v"}),
        resource_account="111111111111",
        identity=files[:1],
        resource=files[1],
        resource_must_allow=must,
    )
    assert result.decision in Decision
    # Every answer is explained; an allow or a deny by the statements that made it.
    assert result.reasons
    if result.decision is not Decision.IMPLICIT_DENY:
        assert all(r.path == "p.json" and r.statement for r in result.reasons)


@settings(max_examples=200, deadline=None)
@given(policy, caller)
def test_adding_a_deny_everything_statement_always_denies(raw: dict[str, Any], who: Caller) -> None:
    raw["Statement"].append({"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*"})
    file = parsed(raw)
    if file is None:
        return
    result = authorize(
        request(who, "s3:GetObject", "arn:aws:s3:::b/o"),
        resource_account="111111111111",
        resource=file,
    )
    assert result.decision is Decision.DENY


@given(text)
def test_any_principal_text_parses_or_is_refused(value: str) -> None:
    try:
        caller = parse_caller(value)
    except ValueError:
        return
    assert (
        caller.kind is CallerKind.ANONYMOUS
        or caller.arn == value
        or caller.arn.endswith(f"::{value}:root")
    )
