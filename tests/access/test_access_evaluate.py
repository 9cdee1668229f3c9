"""The evaluator against AWS's documented evaluation logic, one table row per rule.

Sources: IAM user guide "Policy evaluation logic", "Cross-account policy evaluation
logic"; KMS developer guide "Determining access to a KMS key".
"""

from __future__ import annotations

from typing import Any

import pytest

from generator.access.evaluate import PolicyFile, authorize
from generator.access.request import parse_caller, request
from generator.access.result import Decision
from generator.policy.document import parse_policy

A, B, C = "111111111111", "222222222222", "333333333333"
ROLE_B = f"arn:aws:iam::{B}:role/Reader"
OTHER_B = f"arn:aws:iam::{B}:role/Other"
ROLE_A = f"arn:aws:iam::{A}:role/Local"
OBJECT = "arn:aws:s3:::bucket/model.tar.gz"
KEY = f"arn:aws:kms:us-east-1:{A}:key/k"

ALLOW, DENY, IMPLICIT = Decision.ALLOW, Decision.DENY, Decision.IMPLICIT_DENY


def doc(path: str, *statements: dict[str, Any]) -> PolicyFile:
    return PolicyFile(path, parse_policy({"Version": "2012-10-17", "Statement": list(statements)}))


def allow(action: str = "s3:GetObject", resource: str = OBJECT, **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def grant(principal: Any, action: str = "s3:GetObject", **extra: Any) -> dict[str, Any]:
    return allow(action, OBJECT, Principal=principal, **extra)


IDENTITY = doc("identity.json", allow())
ADMIN = doc("admin.json", allow("*", "*"))
BUCKET_TO_B = doc("bucket.json", grant({"AWS": f"arn:aws:iam::{B}:root"}))


def decide(
    caller: str,
    *,
    identity: tuple[PolicyFile, ...] = (),
    resource: PolicyFile | None = None,
    owner: str = A,
    action: str = "s3:GetObject",
    target: str = OBJECT,
    context: dict[str, Any] | None = None,
    must_allow: bool = False,
) -> Decision:
    req = request(parse_caller(caller), action, target, context)
    result = authorize(
        req,
        resource_account=owner,
        identity=identity,
        resource=resource,
        resource_must_allow=must_allow,
    )
    return result.decision


@pytest.mark.parametrize(
    ("caller", "identity", "resource", "expected"),
    [
        # Cross-account: both the identity policy and the resource policy must allow.
        (ROLE_B, (IDENTITY,), BUCKET_TO_B, ALLOW),
        (ROLE_B, (), BUCKET_TO_B, IMPLICIT),
        (ROLE_B, (IDENTITY,), None, IMPLICIT),
        (
            ROLE_B,
            (IDENTITY,),
            doc("bucket.json", grant({"AWS": f"arn:aws:iam::{C}:root"})),
            IMPLICIT,
        ),
        # A bare account id is that account's root.
        (ROLE_B, (IDENTITY,), doc("bucket.json", grant({"AWS": B})), ALLOW),
        # Same account: the identity policy alone suffices ...
        (ROLE_A, (IDENTITY,), None, ALLOW),
        # ... or a resource policy naming the caller itself ...
        (ROLE_A, (), doc("bucket.json", grant({"AWS": ROLE_A})), ALLOW),
        # ... but naming the account root only delegates to IAM.
        (ROLE_A, (), doc("bucket.json", grant({"AWS": f"arn:aws:iam::{A}:root"})), IMPLICIT),
        # "*" names every caller, in the same account enough by itself.
        (ROLE_A, (), doc("bucket.json", grant("*")), ALLOW),
        (ROLE_B, (), doc("bucket.json", grant("*")), IMPLICIT),
        # Anonymous callers have no identity policies: only "*" lets them in.
        ("*", (ADMIN,), BUCKET_TO_B, IMPLICIT),
        ("*", (), doc("bucket.json", grant("*")), ALLOW),
        # An explicit Deny anywhere wins over any allow.
        (ROLE_B, (IDENTITY, doc("deny.json", {**allow(), "Effect": "Deny"})), BUCKET_TO_B, DENY),
        (
            ROLE_B,
            (ADMIN,),
            doc("bucket.json", grant({"AWS": B}), {**grant("*"), "Effect": "Deny"}),
            DENY,
        ),
        # NotAction / NotResource / NotPrincipal.
        (
            ROLE_A,
            (doc("i.json", {"Effect": "Allow", "NotAction": "s3:Put*", "Resource": "*"}),),
            None,
            ALLOW,
        ),
        (
            ROLE_A,
            (doc("i.json", {"Effect": "Allow", "NotAction": "s3:Get*", "Resource": "*"}),),
            None,
            IMPLICIT,
        ),
        (
            ROLE_A,
            (doc("i.json", {"Effect": "Allow", "Action": "*", "NotResource": OBJECT}),),
            None,
            IMPLICIT,
        ),
        (
            ROLE_A,
            (ADMIN,),
            doc(
                "b.json",
                {"Effect": "Deny", "NotPrincipal": {"AWS": ROLE_A}, "Action": "*", "Resource": "*"},
            ),
            ALLOW,
        ),
        (
            ROLE_A,
            (ADMIN,),
            doc(
                "b.json",
                {
                    "Effect": "Deny",
                    "NotPrincipal": {"AWS": OTHER_B},
                    "Action": "*",
                    "Resource": "*",
                },
            ),
            DENY,
        ),
    ],
)
def test_identity_and_resource_policies(
    caller: str, identity: tuple[PolicyFile, ...], resource: PolicyFile | None, expected: Decision
) -> None:
    assert decide(caller, identity=identity, resource=resource) is expected


KEY_ROOT_A = {
    "Sid": "Root",
    "Effect": "Allow",
    "Principal": {"AWS": f"arn:aws:iam::{A}:root"},
    "Action": "kms:*",
    "Resource": "*",
}
KEY_USE = doc("i.json", allow("kms:Decrypt", KEY))


@pytest.mark.parametrize(
    ("caller", "identity", "statements", "expected"),
    [
        # No implicit access to a key: an IAM allow alone does nothing without the key policy.
        (ROLE_A, (KEY_USE,), (), IMPLICIT),
        # The root statement delegates to IAM: then the identity policy decides.
        (ROLE_A, (KEY_USE,), (KEY_ROOT_A,), ALLOW),
        (ROLE_A, (), (KEY_ROOT_A,), IMPLICIT),
        # A key policy naming the principal needs no IAM policy in the same account.
        (ROLE_A, (), ({**KEY_ROOT_A, "Principal": {"AWS": ROLE_A}},), ALLOW),
        # Cross-account: key policy (root of B or the role) and B's IAM policy.
        (ROLE_B, (KEY_USE,), ({**KEY_ROOT_A, "Principal": {"AWS": B}},), ALLOW),
        (ROLE_B, (), ({**KEY_ROOT_A, "Principal": {"AWS": ROLE_B}},), IMPLICIT),
        (ROLE_B, (KEY_USE,), ({**KEY_ROOT_A, "Principal": {"AWS": ROLE_B}},), ALLOW),
        (ROLE_B, (KEY_USE,), (KEY_ROOT_A,), IMPLICIT),
    ],
)
def test_kms_key_policy_is_the_root_of_trust(
    caller: str,
    identity: tuple[PolicyFile, ...],
    statements: tuple[dict[str, Any], ...],
    expected: Decision,
) -> None:
    key = (
        doc("key.json", *statements)
        if statements
        else doc("key.json", {**KEY_ROOT_A, "Principal": {"AWS": C}})
    )
    got = decide(
        caller, identity=identity, resource=key, action="kms:Decrypt", target=KEY, must_allow=True
    )
    assert got is expected


@pytest.mark.parametrize(
    ("pattern", "action", "expected"),
    [
        ("s3:GetObject", "s3:GetObject", True),
        ("S3:getobject", "s3:GetObject", True),  # actions are case-insensitive
        ("s3:Get*", "s3:GetObjectAcl", True),
        ("s3:*Object", "s3:PutObject", True),
        ("s3:?etObject", "s3:GetObject", True),
        ("s3:?etObject", "s3:GGetObject", False),
        ("kms:ReEncrypt*", "kms:ReEncryptFrom", True),
        ("*", "iam:CreateUser", True),
        ("s3:GetObject", "s3:GetObjectAcl", False),
        ("s3:[G]etObject", "s3:GetObject", False),  # brackets are literal, unlike fnmatch
    ],
)
def test_action_wildcards(pattern: str, action: str, expected: bool) -> None:
    identity = (doc("i.json", allow(pattern, "*")),)
    got = decide(ROLE_A, identity=identity, action=action)
    assert (got is ALLOW) is expected


@pytest.mark.parametrize(
    ("pattern", "resource", "expected"),
    [
        ("arn:aws:s3:::bucket/*", OBJECT, True),
        ("arn:aws:s3:::bucket/model.tar.???", OBJECT, False),
        ("arn:aws:s3:::bucket/model.tar.??", OBJECT, True),
        ("arn:aws:s3:::BUCKET/*", OBJECT, False),  # ARNs are case-sensitive
        ("arn:aws:s3:::*", OBJECT, True),
        ("arn:aws:s3:::other/*", OBJECT, False),
        # Wildcards stay within their segment ("*" inside a segment cannot eat a colon),
        # but a "*" that ends a segment may expand beyond the colons that follow (IAM user
        # guide, "Resource": "If the * is the last character of a resource ARN segment").
        ("arn:aws:kms:*:111111111111:key/*", KEY, True),
        ("arn:aws:kms:*:key/*", KEY, True),
        ("arn:aws:kms:us*1:key/*", KEY, False),  # "*" inside the region segment
        ("arn:aws:kms:us-*-1:111111111111:key/*", KEY, True),
        ("arn:aws:kms:u?-east-1:111111111111:key/*", KEY, True),
        ("arn:aws:kms:us-east-1?111111111111:key/*", KEY, False),  # "?" is not a colon
        ("arn:aws:kms:us-east-1:*:key/k", KEY, True),
        ("arn:aws:kms:us-east-1:222222222222:key/k", KEY, False),
        ("arn:aws:s3:::bucket/*/model.tar.gz", "arn:aws:s3:::bucket/a:b/model.tar.gz", True),
    ],
)
def test_resource_arns_match_segment_wise(pattern: str, resource: str, expected: bool) -> None:
    identity = (doc("i.json", allow("*", pattern)),)
    got = decide(ROLE_A, identity=identity, action="s3:GetObject", target=resource)
    assert (got is ALLOW) is expected


@pytest.mark.parametrize(
    ("principal", "caller", "expected"),
    [
        ({"AWS": ROLE_B}, ROLE_B, ALLOW),
        # A session of the role is the role.
        ({"AWS": ROLE_B}, f"arn:aws:sts::{B}:assumed-role/Reader/session-1", ALLOW),
        ({"AWS": ROLE_B}, OTHER_B, IMPLICIT),
        ({"AWS": f"arn:aws:iam::{B}:root"}, OTHER_B, ALLOW),
        ({"AWS": f"arn:aws:iam::{B}:root"}, f"arn:aws:iam::{B}:root", ALLOW),
        ({"AWS": f"arn:aws:iam::{C}:root"}, ROLE_B, IMPLICIT),
        ({"Service": "sagemaker.amazonaws.com"}, ROLE_B, IMPLICIT),
        ({"AWS": "*"}, ROLE_B, ALLOW),
    ],
)
def test_principals(principal: dict[str, str], caller: str, expected: Decision) -> None:
    assert decide(caller, identity=(ADMIN,), resource=doc("b.json", grant(principal))) is expected


def test_services_need_only_the_resource_policy() -> None:
    trust = doc(
        "trust.json",
        {
            "Effect": "Allow",
            "Principal": {"Service": "sagemaker.amazonaws.com"},
            "Action": "sts:AssumeRole",
        },
    )
    role = f"arn:aws:iam::{B}:role/Exec"
    ask = {
        "resource": trust,
        "owner": B,
        "action": "sts:AssumeRole",
        "target": role,
        "must_allow": True,
    }
    assert decide("sagemaker.amazonaws.com", **ask) is ALLOW
    assert decide("ec2.amazonaws.com", **ask) is IMPLICIT
    # The trust policy must allow even a same-account admin (it names only the service).
    assert decide(OTHER_B, identity=(ADMIN,), **ask) is IMPLICIT


def test_reasons_name_the_deciding_statements() -> None:
    deny = doc("bucket.json", {**grant("*"), "Effect": "Deny", "Sid": "NoOne"})
    result = authorize(
        request(parse_caller(ROLE_A), "s3:GetObject", OBJECT),
        resource_account=A,
        identity=(IDENTITY,),
        resource=deny,
    )
    assert result.decision is DENY
    assert [str(r) for r in result.reasons] == [
        "bucket.json NoOne: explicit Deny (a Deny always wins)"
    ]

    allowed = authorize(
        request(parse_caller(ROLE_B), "s3:GetObject", OBJECT),
        resource_account=A,
        identity=(IDENTITY,),
        resource=BUCKET_TO_B,
    )
    assert [str(r) for r in allowed.reasons] == [
        "identity.json Statement[0]: Allow (identity policy)",
        "bucket.json Statement[0]: Allow (names the caller's account root)",
    ]


def test_implicit_deny_explains_the_near_misses() -> None:
    bucket = doc(
        "bucket.json",
        grant({"AWS": B}, Sid="Read", Condition={"StringEquals": {"aws:PrincipalArn": ROLE_B}}),
    )
    elsewhere = doc("identity.json", allow(resource="arn:aws:s3:::bucket/other", Sid="Mine"))
    result = authorize(
        request(parse_caller(OTHER_B), "s3:GetObject", OBJECT),
        resource_account=A,
        identity=(elsewhere,),
        resource=bucket,
    )
    assert result.decision is IMPLICIT
    assert [str(r) for r in result.reasons] == [
        "no identity policy allows it (checked: identity.json)",
        "identity.json Mine: Resource does not match",
        "bucket.json: no statement allows this caller",
        "bucket.json Read: condition StringEquals aws:PrincipalArn not met",
    ]
