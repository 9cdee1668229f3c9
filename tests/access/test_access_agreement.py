"""The two engines agree: the concrete evaluator (`xgen simulate`) and the solver (`verify`).

For random bucket policies (principals of every kind, wildcards, Deny statements,
conditions on the keys AWS always sends, policy variables, IfExists and set operators,
under each policy Version: variables are text unless 2012-10-17; callers whose IAM path
holds ":", which a wildcard before the account can match)
and a pool of requests: whenever the concrete evaluator allows a request the spec does not
intend, the proof of that layer must fail; and every counterexample the proof prints must
replay as Allow (the proof replays it itself, and says so if it does not).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.access.deployment import load
from generator.access.evaluate import authorize
from generator.access.layers import layers
from generator.access.proof import _prove
from generator.access.questions import ADMIN
from generator.access.request import CallerKind, parse_caller, request

SOURCE = "111111111111"
BUCKET = "arn:aws:s3:::ml-training-output-111111111111"
OBJECT = f"{BUCKET}/churn/xgboost-2026-11-01/output/model.tar.gz"
ROLES = [f"arn:aws:iam::{a}:role/ChurnModelExecution" for a in ("222222222222", "333333333333")]

PRINCIPALS = [
    "*",
    {"AWS": "*"},
    {"AWS": "arn:aws:iam::222222222222:root"},
    {"AWS": "555555555555"},
    {"AWS": ROLES[0]},
    {"AWS": f"arn:aws:iam::{SOURCE}:root"},
    {"Service": "sagemaker.amazonaws.com"},
    {"Federated": "accounts.google.com"},
    {"CanonicalUser": "abc123"},
]
ACTIONS = ["s3:GetObject", "s3:*", "s3:Get*", "s3:PutObject", "S3:getobjectversion", "*"]
RESOURCES = [
    OBJECT,
    f"{BUCKET}/*",
    BUCKET,
    "*",
    f"{BUCKET}/churn/*",
    f"{BUCKET}/other",
    f"{BUCKET}/${{aws:PrincipalAccount}}/*",
]
ANY_PARTITION = "arn:*:iam::222222222222:role/ChurnModelExecution"
CONDITIONS = [
    {"StringEquals": {"aws:PrincipalArn": ROLES}},
    {"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/*"}},
    {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::222222222222:*"}},
    {"StringNotEquals": {"aws:PrincipalArn": ROLES[0]}},
    {"Bool": {"aws:SecureTransport": "false"}},
    {"Bool": {"aws:SecureTransport": "true"}},
    {"StringLike": {"aws:userid": "*"}},
    {"StringEquals": {"aws:PrincipalAccount": "${aws:PrincipalAccount}"}},
    {"StringEqualsIfExists": {"aws:PrincipalArn": ROLES}},
    {"ForAnyValue:StringLike": {"aws:PrincipalArn": ROLES[0]}},
    {"ForAllValues:StringEquals": {"aws:PrincipalArn": ROLES}},
    {"ForAnyValue:StringNotLikeIfExists": {"aws:PrincipalArn": ROLES}},
    {"Null": {"aws:PrincipalArn": "true"}},
    {"Null": {"aws:PrincipalArn": "false"}},
    {"StringEquals": {"aws:PrincipalType": "Anonymous"}},
    {"StringEquals": {"aws:ResourceAccount": SOURCE}},
    {"StringEquals": {"aws:SourceAccount": "222222222222"}},
    {"StringLike": {"aws:PrincipalArn": ANY_PARTITION}},
    {"StringNotLike": {"aws:PrincipalArn": ANY_PARTITION}},
    {"StringEquals": {"aws:PrincipalArn": "${aws:PrincipalArn}"}},
]
STATEMENT = st.fixed_dictionaries(
    {
        "Effect": st.sampled_from(["Allow", "Allow", "Deny"]),
        "Principal": st.sampled_from(PRINCIPALS),
        "Action": st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=2, unique=True),
        "Resource": st.sampled_from(RESOURCES),
    },
    optional={"Condition": st.sampled_from(CONDITIONS)},
)
# a role and a user of account 555555555555 whose path spells 222222222222's role
ODD_ROLE = "arn:aws:iam::555555555555:role/x:iam::222222222222:role/ChurnModelExecution"
ODD_USER = "arn:aws:iam::555555555555:user/x:iam::222222222222:role/ChurnModelExecution"
# (principal as simulate takes it, action, resource, context)
REQUESTS: list[tuple[str, str, str] | tuple[str, str, str, dict[str, str]]] = [
    # a session of the odd role: its aws:PrincipalArn is the role's, path included
    (
        "arn:aws:sts::555555555555:assumed-role/ChurnModelExecution/s",
        "s3:GetObject",
        OBJECT,
        {"aws:PrincipalArn": ODD_ROLE},
    ),
    (ODD_USER, "s3:GetObject", OBJECT),
    ("arn:aws:iam::555555555555:root", "s3:GetObject", f"{BUCKET}/555555555555/x"),
    ("arn:aws:iam::555555555555:root", "s3:GetObject", f"{BUCKET}/${{aws:PrincipalAccount}}/x"),
    ("arn:aws:sts::222222222222:assumed-role/ChurnModelExecution/s", "s3:GetObject", OBJECT),
    ("arn:aws:sts::222222222222:assumed-role/Other/s", "s3:GetObject", OBJECT),
    ("arn:aws:iam::555555555555:root", "s3:GetObject", OBJECT),
    ("arn:aws:sts::555555555555:assumed-role/ChurnModelExecution/s", "s3:GetObject", OBJECT),
    ("arn:aws:iam::222222222222:user/alice", "s3:GetObject", OBJECT),
    ("arn:aws:sts::222222222222:assumed-role/ChurnModelExecution/s", "s3:PutObject", OBJECT),
    ("arn:aws:sts::222222222222:assumed-role/ChurnModelExecution/s", "s3:GetObject", f"{BUCKET}/x"),
    ("*", "s3:GetObject", OBJECT),
    ("*", "s3:ListBucket", BUCKET),
    ("sagemaker.amazonaws.com", "s3:GetObject", OBJECT),
    ("federated:accounts.google.com", "s3:GetObject", OBJECT),
    ("canonical:abc123", "s3:GetObjectVersion", OBJECT),
]
CONTEXTS = [
    {},
    {"aws:SecureTransport": "false"},
    {"aws:SourceAccount": "222222222222"},
]


def _intended(principal: str, action: str, resource: str) -> bool:
    """What the S3 layer's proof intends: the target roles read the artifact; the source."""
    caller = parse_caller(principal)
    if caller.kind is not CallerKind.AWS:
        return False
    if caller.account_id == SOURCE:
        return True
    role = caller.principal_arn in [*ROLES, "arn:aws:iam::444444444444:role/ChurnModelExecution"]
    return role and action.lower() == "s3:getobject" and resource == OBJECT


@pytest.fixture(scope="module")
def base(renders) -> Path:
    return renders["multi-account"]


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    statements=st.lists(STATEMENT, min_size=1, max_size=4),
    version=st.sampled_from(["2012-10-17", "2008-10-17", None]),
)
def test_the_proof_fails_whenever_simulate_allows_the_unintended(
    base: Path,
    tmp_path_factory: pytest.TempPathFactory,
    statements: list[dict[str, Any]],
    version: str | None,
) -> None:
    folder = tmp_path_factory.mktemp("agree") / "render"
    shutil.copytree(base, folder)
    path = folder / "source-111111111111/policies/bucket-policy.json"
    body = {"Statement": statements} | ({"Version": version} if version else {})
    path.write_text(json.dumps(body))
    dep = load(folder)
    [layer] = [spec for spec in layers(dep) if str(spec.layer) == "s3"]
    proof = _prove(dep, layer)
    assert "does not replay" not in (proof.undecided or ""), proof.undecided
    for principal, action, resource, *own in REQUESTS:
        for context in CONTEXTS:
            context = {**context, **(own[0] if own else {})}  # noqa: PLW2901
            caller = parse_caller(principal)
            identity = (ADMIN,) if caller.kind is CallerKind.AWS else ()
            result = authorize(
                request(caller, action, resource, context),
                resource_account=SOURCE,
                identity=identity,
                resource=layer.policy,
            )
            if result.allowed and not _intended(principal, action, resource):
                assert not proof.proved, (principal, action, resource, context, statements)
    if proof.counterexample is not None:
        example = proof.counterexample
        caller = parse_caller(example.principal)
        replay = authorize(
            request(caller, example.action, example.resource, example.context),
            resource_account=SOURCE,
            identity=(ADMIN,) if caller.kind is CallerKind.AWS else (),
            resource=layer.policy,
        )
        assert replay.allowed
        assert not _intended(example.principal, example.action, example.resource)
