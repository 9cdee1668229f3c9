"""`xgen audit` runs verify's proofs over the live documents, not only its questions.

The deployment kit (a spec applied to moto with boto3, the audit's JSON) is
test_audit's; this file adds what issue 18 asks of the audit.
"""

from __future__ import annotations

from generator.policy.kinds import Kind

from .test_audit import Deployment, audit_json, deployed  # noqa: F401 - the fixture


def test_a_faithful_apply_proves_every_live_layer(deployed: Deployment) -> None:  # noqa: F811
    code, report = audit_json(deployed)
    proofs = [c for c in report["checks"] if "proved" in c]
    assert {p["layer"] for p in proofs} == {"s3", "kms", "ecr", "trust"}
    assert all(p["ok"] for p in proofs), [p["reasons"] for p in proofs if not p["ok"]]
    assert code == 0


def test_a_live_grant_no_question_asks_about_fails_the_proof(
    deployed: Deployment,  # noqa: F811
) -> None:
    """Anyone may read the artifact's versions: no question asks about s3:GetObjectVersion,
    the proof over the live bucket policy finds it."""
    policy = deployed.document(Kind.BUCKET)
    policy["Statement"].append(
        {
            "Sid": "PublicVersions",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObjectVersion",
            "Resource": f"arn:aws:s3:::{deployed.bucket}/*",
        }
    )
    deployed.put_bucket_policy(policy)
    code, report = audit_json(deployed)
    assert code == 1
    [s3] = [c for c in report["checks"] if "proved" in c and c["layer"] == "s3"]
    assert s3["ok"] is False
    assert s3["counterexample"]["action"] == "s3:GetObjectVersion"
    assert any("PublicVersions" in reason for reason in s3["reasons"])
    questions = [c for c in report["checks"] if "proved" not in c and c["layer"] == "s3"]
    assert questions and all(c["ok"] for c in questions)
