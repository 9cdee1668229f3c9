"""Which statements of a live resource policy the spec neither renders nor keeps.

`aws_s3_bucket_policy`, `aws_kms_key_policy` and `aws_ecr_repository_policy` each own the
whole policy: a live statement that is not in the rendered document (xgen's own statements
plus the spec's keep lists) is deleted by the next `terraform apply`. `xgen import` keeps
such statements in the spec; `xgen audit` warns about each one (XA008).

Statements are compared in drift's canonical spelling (AWS's reordering and respelling is
not a difference) and without their Sid: a live statement equal to a rendered one under
another Sid (AWS's default key policy's "Enable IAM User Permissions" beside the hardened
"EnableIAMUserPermissions") is the rendered statement, not a foreign one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..policy.document import Policy, Statement
from ..policy.kinds import Kind
from .drift import canonical

# The spec's keep list of each source resource policy (`source.<path>`, dotted for a
# mapping inside source); each resource whose Terraform resource owns the whole policy
# gets an entry here.
KEEP_LISTS = {
    Kind.BUCKET: "bucket_policy_statements",
    Kind.KEY: "key_policy_statements",
    Kind.ECR_REPOSITORY: "repository_policy_statements",
    Kind.MODEL_PACKAGE_GROUP: "model_package_group.policy_statements",
}

# The Sid prefix xgen reserves for its own statements (the spec refuses it in keep lists).
XGEN_SID_PREFIX = "Xgen"
RENDERED = "rendered"  # equal to a statement the spec renders or keeps
OWN = "own"  # a Sid of the render's own, with other content: the apply rewrites it
FOREIGN = "foreign"  # neither: the apply deletes it


@dataclass(frozen=True)
class Verdict:
    """What the render does with one live statement: `status` RENDERED, OWN or FOREIGN."""

    statement: Statement
    status: str


def content(statement: Statement) -> str:
    """A statement's canonical text without its Sid: equal for AWS's spellings of it."""
    return json.dumps({k: v for k, v in canonical(statement).items() if k != "Sid"}, sort_keys=True)


def classify(rendered: Policy, live: Policy) -> list[Verdict]:
    """Every live statement, in live order, with what the rendered document does with it."""
    contents = {content(s) for s in rendered.statements}
    sids = {s.sid for s in rendered.statements if s.sid}
    verdicts = []
    for statement in live.statements:
        if content(statement) in contents:
            status = RENDERED
        elif statement.sid and (statement.sid in sids or statement.sid.startswith(XGEN_SID_PREFIX)):
            # A statement of the render's own, changed live: the apply writes the rendered one
            # back. Keeping it beside the rendered one would repeat its Sid, which AWS refuses
            # ("the Sid value must be unique within a JSON policy", IAM JSON policy elements:
            # Sid; S3 answers MalformedPolicy). https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_sid.html
            status = OWN
        else:
            status = FOREIGN
        verdicts.append(Verdict(statement, status))
    return verdicts


def foreign(rendered: Policy, live: Policy) -> list[Statement]:
    """The live statements the next apply of `rendered` would delete."""
    return [v.statement for v in classify(rendered, live) if v.status == FOREIGN]
