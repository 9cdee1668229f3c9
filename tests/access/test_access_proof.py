"""A corpus of hand edits of the multi-account render, each judged by AWS's documented logic.

Every edit that opens the model, its key, its image or a role to anyone the spec does not
intend must fail `xgen verify` with a counterexample that `xgen simulate` replays as
Allow; every edit that keeps access as intended must pass. The comment on each case
says why AWS decides as it does (IAM user guide: "Policy evaluation logic", "Condition
operators", "Policy variables", "AWS global condition context keys", "Principal").
"""

from __future__ import annotations

import copy
import json
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from accesskit import edit_json, xgen

SOURCE = "source-111111111111/policies"
STAGING = "target-staging-222222222222/policies"
BUCKET = "arn:aws:s3:::ml-training-output-111111111111"
OBJECT = f"{BUCKET}/churn/xgboost-2026-11-01/output/model.tar.gz"
KEY = "arn:aws:kms:eu-west-1:111111111111:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"
REPO = "arn:aws:ecr:eu-west-1:111111111111:repository/churn-inference"
ROLES = [
    f"arn:aws:iam::{a}:role/ChurnModelExecution"
    for a in ("222222222222", "333333333333", "444444444444")
]
ROLE = ROLES[0]
CANONICAL_ID = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"  # AWS's example

Edit = Callable[[dict[str, Any]], None]


def add(statement: dict[str, Any]) -> Edit:
    return lambda body: body["Statement"].append(statement)


def grant(body: dict[str, Any]) -> dict[str, Any]:
    """The bucket policy's grant to the target roles."""
    return next(s for s in body["Statement"] if s.get("Sid") == "XgenTargetRolesReadModelArtifact")


def decrypt(body: dict[str, Any]) -> dict[str, Any]:
    return next(
        s for s in body["Statement"] if s.get("Sid") == "XgenTargetRolesDecryptArtifactViaS3"
    )


def pull(body: dict[str, Any]) -> dict[str, Any]:
    return body["Statement"][0]


def trust(body: dict[str, Any]) -> dict[str, Any]:
    return body["Statement"][0]


def setting(
    pick: Callable[[dict[str, Any]], dict[str, Any]], change: Callable[[dict[str, Any]], None]
) -> Edit:
    return lambda body: change(pick(body))


def public(action: str, resource: str, condition: dict[str, Any] | None = None) -> dict[str, Any]:
    statement = {"Effect": "Allow", "Principal": "*", "Action": action, "Resource": resource}
    if condition:
        statement["Condition"] = condition
    return statement


# (file, edit, layer, target) -> must fail with a counterexample that replays as Allow
OPENING: dict[str, tuple[str, Edit, str, str]] = {
    # A fourth account gets every object: cross-account needs only the bucket policy's allow.
    "bucket/* to a fourth account": (
        f"{SOURCE}/bucket-policy.json",
        add(
            {
                "Effect": "Allow",
                "Principal": {"AWS": "555555555555"},
                "Action": "s3:GetObject",
                "Resource": f"{BUCKET}/*",
            }
        ),
        "s3",
        "",
    ),
    # ArnLike with "*" in the account segment: the role name in ANY account.
    "Principal * with the role name in any account": (
        f"{SOURCE}/bucket-policy.json",
        setting(
            grant,
            lambda s: s.update(
                Principal="*",
                Condition={
                    "ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/ChurnModelExecution"}
                },
            ),
        ),
        "s3",
        "",
    ),
    # An action no question asked about, to anyone.
    "public s3:GetObjectVersion": (
        f"{SOURCE}/bucket-policy.json",
        add(public("s3:GetObjectVersion", OBJECT)),
        "s3",
        "",
    ),
    "s3:PutBucketPolicy for an outsider": (
        f"{SOURCE}/bucket-policy.json",
        add(
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::999999999999:root"},
                "Action": "s3:PutBucketPolicy",
                "Resource": BUCKET,
            }
        ),
        "s3",
        "",
    ),
    "a CanonicalUser grant": (
        f"{SOURCE}/bucket-policy.json",
        add(
            {
                "Effect": "Allow",
                "Principal": {"CanonicalUser": CANONICAL_ID},
                "Action": "s3:GetObject",
                "Resource": OBJECT,
            }
        ),
        "s3",
        "",
    ),
    # aws:userid is in every signed request (and "anonymous" otherwise): always matches.
    "Allow * if aws:userid like *": (
        f"{SOURCE}/bucket-policy.json",
        add(public("s3:GetObject", OBJECT, {"StringLike": {"aws:userid": "*"}})),
        "s3",
        "",
    ),
    "Allow * if aws:PrincipalType like *": (
        f"{SOURCE}/bucket-policy.json",
        add(public("s3:GetObject", OBJECT, {"StringLike": {"aws:PrincipalType": "*"}})),
        "s3",
        "",
    ),
    # aws:ResourceAccount is the bucket owner's: the condition holds for everyone.
    "Allow * if aws:ResourceAccount is the owner": (
        f"{SOURCE}/bucket-policy.json",
        add(
            public(
                "s3:GetObject", OBJECT, {"StringEquals": {"aws:ResourceAccount": "111111111111"}}
            )
        ),
        "s3",
        "",
    ),
    "Allow * if aws:SecureTransport": (
        f"{SOURCE}/bucket-policy.json",
        add(public("s3:GetObject", OBJECT, {"Bool": {"aws:SecureTransport": "true"}})),
        "s3",
        "",
    ),
    # The variable is substituted: every caller's account equals itself.
    "Allow * if aws:PrincipalAccount = ${aws:PrincipalAccount}": (
        f"{SOURCE}/bucket-policy.json",
        add(
            public(
                "s3:GetObject",
                OBJECT,
                {"StringEquals": {"aws:PrincipalAccount": "${aws:PrincipalAccount}"}},
            )
        ),
        "s3",
        "",
    ),
    # ForAnyValue on an absent key is false, also with IfExists: the Deny never applies to an
    # anonymous caller (no aws:PrincipalArn), so the public allow stands.
    "public allow, Deny with ForAnyValue:StringNotLikeIfExists": (
        f"{SOURCE}/bucket-policy.json",
        lambda body: body["Statement"].extend(
            [
                public("s3:GetObject", OBJECT),
                {
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:GetObject",
                    "Resource": OBJECT,
                    "Condition": {"ForAnyValue:StringNotLikeIfExists": {"aws:PrincipalArn": ROLES}},
                },
            ]
        ),
        "s3",
        "",
    ),
    # ForAllValues on an absent key is true: an anonymous caller passes.
    "Principal * with ForAllValues:StringEquals aws:PrincipalArn": (
        f"{SOURCE}/bucket-policy.json",
        setting(
            grant,
            lambda s: s.update(
                Principal="*", Condition={"ForAllValues:StringEquals": {"aws:PrincipalArn": ROLES}}
            ),
        ),
        "s3",
        "",
    ),
    "any role of a target account (StringLike role/*)": (
        f"{SOURCE}/bucket-policy.json",
        setting(
            grant,
            lambda s: s.update(
                Condition={"StringLike": {"aws:PrincipalArn": "arn:aws:iam::222222222222:role/*"}}
            ),
        ),
        "s3",
        "",
    ),
    "StringNotEquals instead of StringEquals": (
        f"{SOURCE}/bucket-policy.json",
        setting(
            grant, lambda s: s.update(Condition={"StringNotEquals": s["Condition"]["StringEquals"]})
        ),
        "s3",
        "",
    ),
    "the role on every object": (
        f"{SOURCE}/bucket-policy.json",
        setting(grant, lambda s: s.update(Resource=f"{BUCKET}/*")),
        "s3",
        "",
    ),
    "the role may write (s3:*)": (
        f"{SOURCE}/bucket-policy.json",
        setting(grant, lambda s: s.update(Action="s3:*")),
        "s3",
        "",
    ),
    "the PrincipalArn condition dropped": (
        f"{SOURCE}/bucket-policy.json",
        setting(grant, lambda s: s.pop("Condition")),
        "s3",
        "",
    ),
    "IfExists on the PrincipalArn condition, Principal *": (
        f"{SOURCE}/bucket-policy.json",
        setting(
            grant,
            lambda s: s.update(
                Principal="*", Condition={"StringEqualsIfExists": {"aws:PrincipalArn": ROLES}}
            ),
        ),
        "s3",
        "",
    ),
    "a Deny that never matches does not save a public allow": (
        f"{SOURCE}/bucket-policy.json",
        lambda body: body["Statement"].extend(
            [
                public("s3:GetObject", OBJECT),
                {
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:GetObject",
                    "Resource": OBJECT,
                    "Condition": {"StringEquals": {"aws:PrincipalAccount": "${aws:username}"}},
                },
            ]
        ),
        "s3",
        "",
    ),
    # Key policy: the key is the only root of trust, so its grants are what counts.
    "kms:Decrypt to a third account's root": (
        f"{SOURCE}/key-policy.json",
        add(
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::555555555555:root"},
                "Action": "kms:Decrypt",
                "Resource": "*",
            }
        ),
        "kms",
        "",
    ),
    "key: PrincipalArn condition dropped": (
        f"{SOURCE}/key-policy.json",
        setting(decrypt, lambda s: s["Condition"]["StringEquals"].pop("aws:PrincipalArn")),
        "kms",
        "",
    ),
    "key: ViaService dropped (decrypt outside S3)": (
        f"{SOURCE}/key-policy.json",
        setting(decrypt, lambda s: s["Condition"]["StringEquals"].pop("kms:ViaService")),
        "kms",
        "",
    ),
    "key: kms:* for the target roles": (
        f"{SOURCE}/key-policy.json",
        setting(decrypt, lambda s: s.update(Action="kms:*")),
        "kms",
        "",
    ),
    "key: CallerAccount with StringLike *": (
        f"{SOURCE}/key-policy.json",
        setting(
            decrypt,
            lambda s: (
                s["Condition"].update(StringLike={"aws:PrincipalArn": "*"})
                or s["Condition"]["StringEquals"].pop("aws:PrincipalArn")
            ),
        ),
        "kms",
        "",
    ),
    "repository: public pull": (
        f"{SOURCE}/ecr-repository-policy.json",
        setting(pull, lambda s: s.update(Principal="*", Condition={})),
        "ecr",
        "",
    ),
    "repository: any role of any account": (
        f"{SOURCE}/ecr-repository-policy.json",
        setting(
            pull,
            lambda s: s.update(
                Condition={"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/*"}},
                Principal="*",
            ),
        ),
        "ecr",
        "",
    ),
    "repository: the roles may push": (
        f"{SOURCE}/ecr-repository-policy.json",
        setting(pull, lambda s: s.update(Action="ecr:*")),
        "ecr",
        "",
    ),
    # Trust: who may assume the role.
    "trust: web identity from accounts.google.com": (
        f"{STAGING}/trust-policy.json",
        add(
            {
                "Effect": "Allow",
                "Principal": {"Federated": "accounts.google.com"},
                "Action": "sts:AssumeRoleWithWebIdentity",
            }
        ),
        "trust",
        "staging",
    ),
    "trust: another account's root": (
        f"{STAGING}/trust-policy.json",
        add(
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::555555555555:root"},
                "Action": "sts:AssumeRole",
            }
        ),
        "trust",
        "staging",
    ),
    "trust: the target account's own root (any of its principals)": (
        f"{STAGING}/trust-policy.json",
        add({"Effect": "Allow", "Principal": {"AWS": "222222222222"}, "Action": "sts:AssumeRole"}),
        "trust",
        "staging",
    ),
    "trust: SageMaker for any account (SourceAccount dropped)": (
        f"{STAGING}/trust-policy.json",
        setting(trust, lambda s: s.pop("Condition")),
        "trust",
        "staging",
    ),
    "trust: EC2 may assume it too": (
        f"{STAGING}/trust-policy.json",
        setting(
            trust,
            lambda s: s.update(
                Principal={"Service": ["sagemaker.amazonaws.com", "ec2.amazonaws.com"]}
            ),
        ),
        "trust",
        "staging",
    ),
    "trust: SAML provider": (
        f"{STAGING}/trust-policy.json",
        add(
            {
                "Effect": "Allow",
                "Principal": {"Federated": "arn:aws:iam::222222222222:saml-provider/corp"},
                "Action": "sts:AssumeRoleWithSAML",
            }
        ),
        "trust",
        "staging",
    ),
    "volume key: public decrypt": (
        f"{STAGING}/volume-key-policy.json",
        add({"Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*"}),
        "kms",
        "staging",
    ),
    "volume key: another account's root": (
        f"{STAGING}/volume-key-policy.json",
        add(
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::555555555555:root"},
                "Action": "kms:*",
                "Resource": "*",
            }
        ),
        "kms",
        "staging",
    ),
}

# file, edit -> verify passes (access stays as intended)
SAFE: dict[str, tuple[str, Edit]] = {
    # "*" with the exact aws:PrincipalArn list: only those roles' requests carry those ARNs.
    "Principal * with the exact PrincipalArn kept": (
        f"{SOURCE}/bucket-policy.json",
        setting(grant, lambda s: s.update(Principal="*")),
    ),
    # Condition keys compare case-insensitively.
    "condition key in other letter case": (
        f"{SOURCE}/bucket-policy.json",
        setting(grant, lambda s: s.update(Condition={"StringEquals": {"AWS:principalARN": ROLES}})),
    ),
    # Action names compare case-insensitively.
    "action in other letter case": (
        f"{SOURCE}/bucket-policy.json",
        setting(grant, lambda s: s.update(Action="S3:getobject")),
    ),
    "statements reordered": (
        f"{SOURCE}/bucket-policy.json",
        lambda body: body["Statement"].reverse(),
    ),
    "ArnEquals instead of StringEquals": (
        f"{SOURCE}/bucket-policy.json",
        setting(grant, lambda s: s.update(Condition={"ArnEquals": s["Condition"]["StringEquals"]})),
    ),
    "account ids instead of root ARNs": (
        f"{SOURCE}/bucket-policy.json",
        setting(
            grant,
            lambda s: s.update(Principal={"AWS": ["222222222222", "333333333333", "444444444444"]}),
        ),
    ),
    "one statement per role": (
        f"{SOURCE}/bucket-policy.json",
        lambda body: body["Statement"].extend(
            {
                **copy.deepcopy(grant(body)),
                "Sid": f"PerRole{i}",
                "Condition": {"StringEquals": {"aws:PrincipalArn": role}},
            }
            for i, role in enumerate(ROLES)
        ),
    ),
    "an extra Deny for everyone outside the roles (Null-safe)": (
        f"{SOURCE}/bucket-policy.json",
        add(
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": OBJECT,
                "Condition": {
                    "StringNotEqualsIfExists": {
                        "aws:PrincipalArn": [
                            *ROLES,
                            "arn:aws:iam::111111111111:role/SageMakerTraining",
                        ]
                    }
                },
            }
        ),
    ),
    "a deny of every non-TLS request without its condition key case": (
        f"{SOURCE}/bucket-policy.json",
        add(
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": f"{BUCKET}/*",
                "Condition": {"Bool": {"AWS:SecureTransport": "FALSE"}},
            }
        ),
    ),
    "key: narrower encryption context": (
        f"{SOURCE}/key-policy.json",
        setting(
            decrypt,
            lambda s: s["Condition"].update(
                StringLike={"kms:EncryptionContext:aws:s3:arn": f"{BUCKET}/churn/*"}
            ),
        ),
    ),
    "key: roles given as StringLike without wildcards": (
        f"{SOURCE}/key-policy.json",
        setting(
            decrypt,
            lambda s: s["Condition"].update(
                StringLike={
                    "aws:PrincipalArn": s["Condition"]["StringEquals"].pop("aws:PrincipalArn")
                }
            ),
        ),
    ),
    "repository: Principal * with the exact PrincipalArn kept": (
        f"{SOURCE}/ecr-repository-policy.json",
        setting(pull, lambda s: s.update(Principal="*")),
    ),
    "trust: SourceArn narrowed to one model": (
        f"{STAGING}/trust-policy.json",
        setting(
            trust,
            lambda s: s["Condition"].update(
                ArnLike={"aws:SourceArn": "arn:aws:sagemaker:eu-west-1:222222222222:model/churn-*"}
            ),
        ),
    ),
    "trust: SourceAccount as StringLike without wildcards": (
        f"{STAGING}/trust-policy.json",
        setting(
            trust, lambda s: s["Condition"].update(StringLike=s["Condition"].pop("StringEquals"))
        ),
    ),
    "volume key: the role's statements removed": (
        f"{STAGING}/volume-key-policy.json",
        lambda body: body.update(Statement=body["Statement"][:1]),
    ),
    "volume key: the account's own roles": (
        f"{STAGING}/volume-key-policy.json",
        add(
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::222222222222:role/Ops"},
                "Action": "kms:*",
                "Resource": "*",
            }
        ),
    ),
    # ${aws:PrincipalAccount} = aws:ResourceAccount of the bucket: only the source account.
    "a grant to the owner's own principals through a variable": (
        f"{SOURCE}/bucket-policy.json",
        add(
            public(
                "s3:GetObject",
                OBJECT,
                {"StringEquals": {"aws:ResourceAccount": "${aws:PrincipalAccount}"}},
            )
        ),
    ),
}


def _verify(folder: Path) -> tuple[int, dict[str, Any]]:
    result = xgen("verify", folder, "--format", "json")
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


@pytest.mark.parametrize("case", list(OPENING), ids=list(OPENING))
def test_an_opening_edit_fails_with_a_counterexample_that_replays(case: str, copy_of) -> None:
    path, edit, layer, target = OPENING[case]
    folder = copy_of("multi-account")
    edit_json(folder / path, edit)
    code, report = _verify(folder)
    assert code == 1
    proofs = [
        c
        for c in report["checks"]
        if "proved" in c and c["layer"] == layer and (c["target"] or "") == target
    ]
    [proof] = proofs
    assert proof["ok"] is False and proof["proved"] is False
    example = proof["counterexample"]
    assert example is not None, proof["reasons"]
    assert shlex.split(proof["replay"]) == ["xgen", "simulate", str(folder), *_args(example)]
    replay = xgen("simulate", folder, *_args(example))
    assert replay.exit_code == 0, replay.output
    assert replay.stdout.startswith("Allow: ")


def _args(example: dict[str, Any]) -> list[str]:
    args = [
        "--principal",
        example["principal"],
        "--action",
        example["action"],
        "--resource",
        example["resource"],
    ]
    for key, values in example["context"].items():
        args += [arg for value in values for arg in ("--context", f"{key}={value}")]
    return [*args, "--admin"]


@pytest.mark.parametrize("case", list(SAFE), ids=list(SAFE))
def test_a_safe_edit_passes(case: str, copy_of) -> None:
    path, edit = SAFE[case]
    folder = copy_of("multi-account")
    edit_json(folder / path, edit)
    code, report = _verify(folder)
    failed = [c for c in report["checks"] if not c["ok"]]
    assert code == 0, failed


def test_the_corpus_is_at_least_forty_edits() -> None:
    assert len(OPENING) + len(SAFE) >= 40


def test_a_not_principal_deny_is_left_out_of_the_proof_soundly(copy_of) -> None:
    """A Deny only takes access away: without the NotPrincipal Deny (not encoded) nothing
    beyond the intended is allowed, so the layer is proved (issue 18)."""
    folder = copy_of("multi-account")
    edit_json(
        folder / f"{SOURCE}/bucket-policy.json",
        add(
            {
                "Effect": "Deny",
                "NotPrincipal": {"AWS": ROLE},
                "Action": "s3:*",
                "Resource": f"{BUCKET}/*",
            }
        ),
    )
    _code, report = _verify(folder)
    [proof] = [c for c in report["checks"] if "proved" in c and c["layer"] == "s3"]
    assert proof["decision"] == "proved", proof["reasons"]


def test_a_kept_statement_for_a_partner_is_intended(render_dict) -> None:
    """What the spec keeps is the user's own grant: the proof counts it as intended."""
    import yaml
    from accesskit import EXAMPLES

    spec = yaml.safe_load((EXAMPLES / "multi-account" / "spec.yaml").read_text(encoding="utf-8"))
    spec["source"]["bucket_policy_statements"].append(
        {
            "Sid": "PartnerReadsReports",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::777777777777:root"},
            "Action": "s3:GetObject",
            "Resource": f"{BUCKET}/reports/*",
        }
    )
    folder = render_dict(spec)
    code, report = _verify(folder)
    assert code == 0, [c for c in report["checks"] if not c["ok"]]
    # and the same statement added by hand (not kept by the spec) is new access
    edit_json(
        folder / "xgen-manifest.json",
        lambda m: [d.pop("kept_statements", None) for d in m["documents"]],
    )
    code, report = _verify(folder)
    assert code == 1


def test_a_policy_larger_than_aws_accepts_is_not_proved(copy_of) -> None:
    """AWS refuses a bucket policy over 20 KB; proving one would only cost time."""
    folder = copy_of("multi-account")

    def pad(body: dict[str, Any]) -> None:
        for i in range(120):
            body["Statement"].append(
                {
                    "Sid": f"Team{i}",
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
                    "Action": "s3:GetObject",
                    "Resource": f"{BUCKET}/team{i:04d}/*",
                }
            )

    edit_json(folder / f"{SOURCE}/bucket-policy.json", pad)
    code, report = _verify(folder)
    assert code == 1
    [proof] = [c for c in report["checks"] if "proved" in c and c["layer"] == "s3"]
    assert proof["decision"] == "undecided"
    assert "over the 20480 AWS accepts for this policy" in proof["reasons"][0]
