"""Privilege escalation: passing any role to a service, attaching AWS's broadest
managed policies (checkov checks both; lint did not).

- `iam:PassRole` lets the caller hand a role to a service (SageMaker, Lambda, EC2), which
  then acts with that role's permissions: on `*`, any role of the account, an
  administrator's too. `iam:PassedToService` limits which service, not which role.
  https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html
- AdministratorAccess (`*` on `*`), PowerUserAccess (everything but IAM and
  Organizations) and IAMFullAccess (which can grant itself anything) are AWS managed
  policies; attached to a role, the role can do (nearly) anything in the account.
  https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_job-functions.html
"""

from __future__ import annotations

from collections.abc import Iterator

from ...policy.kinds import Kind
from ..context import LintDocument
from ..findings import Finding, Severity
from ..registry import rule
from .facts import covers, glob_match, is_unknown, narrows, unknown_condition

TYPE_CHECKING = False  # typing.TYPE_CHECKING; `typing` costs lint 4 ms to import
if TYPE_CHECKING:
    from ..attachments import Attachment

# Any role of the account: what a resource pattern must match to reach every role.
SOME_ROLE = "arn:aws:iam::111111111111:role/an-administrator"
# Conditions on the role's tags limit which roles may be passed.
ROLE_TAG_KEYS = ("iam:resourcetag/", "aws:resourcetag/")
BROAD_POLICIES = {
    "AdministratorAccess": "every action on every resource",
    "PowerUserAccess": "every action but IAM and Organizations",
    "IAMFullAccess": "every IAM action, so it can grant itself anything",
}


@rule("XG014", "pass-role-any-role", Severity.WARNING, "iam:PassRole on every role")
def pass_role_any_role(doc: LintDocument) -> Iterator[Finding]:
    """## What it does
    Flags an identity policy that allows `iam:PassRole` (also through `iam:*` or `*`) on
    `"*"` or every role (`arn:aws:iam::*:role/*`), unless a condition on the role's tags
    limits which roles. `iam:PassedToService` does not limit it: it names the service,
    not the role. Not flagged: a role ARN or a path or name pattern
    (`role/service-role/*`, `role/sagemaker-*`), permissions boundaries, values known only
    at apply time.

    ## Why is this bad?
    Whoever holds it can start a SageMaker job, a Lambda function or an instance with any
    role of the account, an administrator's included, and act as that role: a privilege
    escalation. Deploying a model needs to pass the one execution role.
    https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html

    ## Example
        {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}

    Use instead:
        {"Effect": "Allow", "Action": "iam:PassRole",
         "Resource": "arn:aws:iam::222222222222:role/ChurnModelExecution",
         "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}}
    """
    if doc.kind is not Kind.IDENTITY or not doc.grants or doc.is_unread("Condition"):
        return
    for statement in doc.allows:
        if not covers(statement.actions, "iam:PassRole") or unknown_condition(statement):
            continue
        if any(
            c.key_lower.startswith(ROLE_TAG_KEYS) and narrows(c.operator)
            for c in statement.conditions
        ):
            continue
        wide = next(
            (r for r in statement.resources if not is_unknown(r) and glob_match(r, SOME_ROLE)),
            None,
        )
        if wide is not None:
            action = next(a for a in statement.actions if covers([a], "iam:PassRole"))
            yield doc.finding(
                statement,
                f"{statement.label} allows iam:PassRole on {wide!r}: any role of the account, "
                "an administrator's too, can be handed to a service",
                "name the role(s) to pass (the execution role's ARN), with Condition "
                "StringEquals iam:PassedToService = the service",
                at=("Action", action),
            )


@rule(
    "XG015",
    "broad-managed-policy-attached",
    Severity.ERROR,
    "AdministratorAccess (or another broad AWS managed policy) attached",
    scope="attachment",
)
def broad_managed_policy_attached(attachment: Attachment) -> Iterator[Finding]:
    """## What it does
    Flags Terraform that attaches `AdministratorAccess`, `PowerUserAccess` or
    `IAMFullAccess` to a role, user or group: `aws_iam_role_policy_attachment`,
    `aws_iam_user_policy_attachment`, `aws_iam_group_policy_attachment`,
    `aws_iam_policy_attachment`, `aws_iam_role_policy_attachments_exclusive`, an
    `aws_iam_role`'s `managed_policy_arns`, and module arguments named like a policy
    (`role_policy_arns`, `iam_role_policies`) that hold its ARN (written literally, with
    `${data.aws_partition.x.partition}` too).

    ## Why is this bad?
    The role can then do (nearly) anything in the account: read every bucket, decrypt
    with every key whose policy lets IAM decide, create users. A model-serving role needs
    one object and one key.

    ## Example
        resource "aws_iam_role_policy_attachment" "admin" {
          role       = aws_iam_role.sagemaker.name
          policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
        }

    Use instead:
    An inline policy of what the role uses (`xgen render` writes one), or a narrower AWS
    managed policy.
    """
    name = attachment.aws_managed_name
    if name in BROAD_POLICIES:
        yield attachment.finding(
            f"{attachment.resource} attaches {name}: {BROAD_POLICIES[name]}",
            "attach a policy of only what the principal uses",
        )
