"""Rules on the document's shape: its version, `Not*` elements, its size."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from ...policy.document import Statement
from ...policy.kinds import Kind
from ...policy.limits import ROLE_INLINE_LIMIT, SIZE_LIMITS
from ..context import AWS_MANAGED, LintDocument, Summary
from ..findings import Finding, Severity
from ..registry import rule
from .facts import has_wildcard, is_unknown
from .text import customer_managed

CURRENT_VERSION = "2012-10-17"
MANAGED = (AWS_MANAGED, "managed")


@rule("XG001", "outdated-policy-version", Severity.WARNING, "Version missing or 2008-10-17")
def outdated_policy_version(doc: LintDocument) -> Iterator[Finding]:
    """## What it does
    Flags a policy without `"Version": "2012-10-17"`.

    ## Why is this bad?
    Without a Version, or with `2008-10-17`, AWS evaluates the old policy language, where
    policy variables such as `${aws:PrincipalAccount}` are literal text and newer features
    are missing. https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html

    ## Example
        {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "..."}]}

    Use instead:
        {"Version": "2012-10-17", "Statement": [...]}
    """
    if doc.policy.version != CURRENT_VERSION:
        written = doc.policy.raw.get("Version")
        if isinstance(written, str) and is_unknown(written):
            return  # known at plan time
        if written is None and doc.is_unread("Version"):
            return  # set, perhaps, by what is merged in at plan time
        what = "has no Version" if written is None else f"has Version {written!r}"
        yield doc.finding(None, f"the policy {what}", f'add "Version": "{CURRENT_VERSION}"')


@rule(
    "XG006", "not-element-with-allow", Severity.ERROR, "NotAction/NotResource/NotPrincipal on Allow"
)
def not_element_with_allow(doc: LintDocument) -> Iterator[Finding]:
    """## What it does
    Flags `Allow` statements that use `NotAction`, `NotResource` or `NotPrincipal`.

    ## Why is this bad?
    An Allow with `NotAction` grants every action except those listed, including actions
    AWS adds later; `NotResource` with a wildcard action grants every other resource;
    `NotPrincipal` with Allow grants everyone else (AWS rejects it in most policies).
    They belong in Deny statements. `NotResource` with named actions only (no `*`) is not
    flagged: it grants those actions on fewer resources than `"Resource": "*"` would.
    Nor is a permissions boundary (an `aws_iam_policy` a role of the same folder has as
    `permissions_boundary`): it caps the role and grants nothing.

    ## Example
        {"Effect": "Allow", "NotAction": "s3:DeleteObject", "Resource": "arn:aws:s3:::b/*"}

    Use instead:
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/model.tar.gz"}
    """
    if not doc.grants:
        return  # a permissions boundary: NotAction there caps, it grants nothing
    for statement in doc.allows:
        for element in ("NotAction", "NotResource", "NotPrincipal"):
            if element == "NotResource" and _named_actions_only(statement):
                continue  # those actions on every resource but some: no more than `*`
            if element in statement.raw:
                yield doc.finding(
                    statement,
                    f"{statement.label} allows with {element}: it grants everything not listed",
                    f"list what is granted with {element.removeprefix('Not')}, "
                    f"or use {element} only in a Deny",
                    at=(element, None),
                )


def _named_actions_only(statement: Statement) -> bool:
    """Named actions only, none with a wildcard and no NotAction: what they reach is
    bounded by the actions, whatever resources NotResource leaves."""
    actions = statement.actions
    return (
        bool(actions)
        and not statement.not_actions
        and not any(has_wildcard(a) or is_unknown(a) for a in actions)
    )


@rule("XG007", "policy-size-limit", Severity.ERROR, "Over AWS's size limit for the kind")
def policy_size_limit(doc: LintDocument) -> Iterator[Finding]:
    """## What it does
    Flags a document larger than AWS accepts for its kind: bucket policy 20 KB, key policy
    32 KB, repository policy and inline role policies 10,240 characters, trust policy
    2,048 characters (whitespace not counted). A role's inline policies together: XG008;
    a customer managed policy: XG009. Not judged: a managed policy AWS's CLI printed
    (`get-policy-version`, `get-account-authorization-details`: AWS managed policies
    are not the customer's to size).

    ## Why is this bad?
    `terraform apply` fails half-way with `MalformedPolicy`/`LimitExceeded` after other
    accounts were already changed.

    ## Example
    A bucket policy with one statement per target account for 300 targets.

    Use instead:
    One statement listing every target root, with the roles in one `aws:PrincipalArn`
    condition (values OR), as xgen renders it.
    """
    if customer_managed(doc):
        return  # a customer managed policy's limit is 6,144: XG009
    if doc.purpose in MANAGED:
        return  # a managed policy (AWS's: not yours to size), not an inline one
    limit = SIZE_LIMITS[doc.kind]
    if doc.size > limit:
        yield doc.finding(
            None,
            f"the {doc.kind.value} policy is {doc.size} characters, over AWS's limit of {limit}",
            "merge statements (one statement, principals and role ARNs as lists)",
        )


@rule(
    "XG008",
    "role-inline-policies-size-limit",
    Severity.ERROR,
    "A role's inline policies together over AWS's limit",
    scope="deployment",
)
def role_inline_policies_size_limit(summaries: list[Summary]) -> Iterator[Finding]:
    """## What it does
    Adds up the inline policies of each IAM role and flags a role whose total is over
    10,240 characters (whitespace not counted). Policies belong to one role when a
    render's manifest says so (a target's inline policies), when `aws_iam_role_policy`
    resources of one Terraform folder name the same `role` (`aws_iam_role.NAME.id` and
    `.name` are the same role), when they are `inline_policy` blocks of one
    `aws_iam_role`, or when a plan's `aws_iam_role_policy` changes name the same role.
    One document alone over the limit is XG007.

    ## Why is this bad?
    AWS limits the aggregate of a role's inline policies, not each one: every policy can
    be small and `PutRolePolicy` still fails with `LimitExceeded` for the last one, after
    `terraform apply` changed the others.

    ## Example
    Two `aws_iam_role_policy` resources for `aws_iam_role.sagemaker`, of 6,000 characters
    each.

    Use instead:
    Merge statements (resources and actions as lists), or move policies into a managed
    policy attached with `aws_iam_role_policy_attachment`.
    """
    roles: dict[tuple[str, str], list[Summary]] = defaultdict(list)
    for summary in summaries:
        if summary.kind is Kind.IDENTITY:
            roles[summary.role].append(summary)
    for (_, role), inline in sorted(roles.items()):
        total = sum(s.size for s in inline)
        if len(inline) < 2 or total <= ROLE_INLINE_LIMIT:
            continue
        first = min(inline, key=lambda s: (s.file, s.line, s.col))
        yield Finding(
            message=f"the {len(inline)} inline policies of role {role} are {total} characters "
            f"together, over AWS's limit of {ROLE_INLINE_LIMIT} for one role",
            fix="merge statements, or attach a managed policy instead of inline ones",
            file=first.file,
            line=first.line,
            col=first.col,
        )
