"""Rules on who is granted: anyone, and other accounts without naming their role."""

from __future__ import annotations

from collections.abc import Iterator

from ...policy.kinds import Kind
from ..context import LintDocument
from ..findings import Finding, Severity
from ..registry import rule
from .facts import has_wildcard, narrowing_values, unknown_condition

TYPE_CHECKING = False  # typing.TYPE_CHECKING; `typing` costs lint 4 ms to import
if TYPE_CHECKING:
    from ...policy.document import Statement

RESOURCE_KINDS = (Kind.BUCKET, Kind.KEY, Kind.ECR_REPOSITORY, Kind.MODEL_PACKAGE_GROUP)
# Condition keys that restrict who or what can match a Principal "*".
NARROWING_KEYS = (
    "aws:PrincipalArn",
    "aws:PrincipalAccount",
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:SourceAccount",
    "aws:SourceArn",
    "aws:SourceOrgID",
    "aws:SourceVpce",
    "aws:SourceVpc",
    "kms:CallerAccount",
    # The account the caller acts for, in SNS's own default topic policy: "AWS": "*"
    # with StringEquals AWS:SourceOwner = the owner's account.
    "aws:SourceOwner",
    # Only Subscribe sends it, so the statement allows nothing else, and only to the
    # endpoints named: SNS's documented way to let anyone subscribe, say, addresses of
    # one domain ("*@example.com"), never somewhere of their own.
    # https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-language-api-permissions-reference.html
    "sns:Endpoint",
)


@rule("XG005", "wildcard-principal-allow", Severity.ERROR, 'Principal "*" on Allow, unconditioned')
def wildcard_principal_allow(doc: LintDocument) -> Iterator[Finding]:
    """## What it does
    Flags `Allow` statements with `Principal: "*"` (or `{"AWS": "*"}`) that no condition
    narrows to an account, organisation, role, source or network (`aws:SourceIp` in
    `IpAddress`, other than 0.0.0.0/0). `Deny` with `"*"` is fine: it is how a bucket
    refuses non-TLS access.

    ## Why is this bad?
    It grants the action to every AWS account and to anonymous callers.

    ## Example
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "..."}

    Use instead:
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
         "Action": "s3:GetObject", "Resource": "...",
         "Condition": {"StringEquals": {"aws:PrincipalArn": "arn:aws:iam::222222222222:role/R"}}}
    """
    for statement in doc.allows:
        if not any(p.is_wildcard for p in statement.principals) or unknown_condition(statement):
            continue
        narrowed = any(
            value != "*" for key in NARROWING_KEYS for value in narrowing_values(statement, key)
        )
        if not narrowed and not _from_addresses(statement):
            yield doc.finding(
                statement,
                f'{statement.label} allows Principal "*" without a narrowing condition',
                "name the account roots as principals and add an aws:PrincipalArn condition",
                at=("Principal", "*"),
            )


EVERY_ADDRESS = ("0.0.0.0/0", "::/0")


def _from_addresses(statement: Statement) -> bool:
    """Whether the statement admits callers from some addresses only (`IpAddress` on
    aws:SourceIp): AWS's documented way to open a bucket or an OpenSearch domain to a
    network, not to everyone."""
    return any(
        c.operator.lower() == "ipaddress"
        and c.key_lower == "aws:sourceip"
        and c.values
        and not set(c.values) & set(EVERY_ADDRESS)
        for c in statement.conditions
    )


@rule(
    "XG020",
    "cross-account-without-principal-arn",
    Severity.WARNING,
    "Cross-account grant without an exact aws:PrincipalArn",
    hardened=True,
)
def cross_account_without_principal_arn(doc: LintDocument) -> Iterator[Finding]:
    """## What it does
    Flags bucket, key and repository policy `Allow` statements that grant another
    account's root (or a bare 12-digit account id) without an `aws:PrincipalArn` condition
    under `StringEquals`/`ArnEquals`, or with one whose values have wildcards.

    ## Why is this bad?
    Granting `arn:aws:iam::B:root` delegates to every principal in B whose IAM policy
    allows the action. The `aws:PrincipalArn` condition keeps the grant to the one role
    that serves the model (keys are compared case-insensitively; the value is the role
    ARN, not the session ARN). In profile seed this is reported at info level.

    ## Example
        {"Effect": "Allow", "Principal": {"AWS": "222222222222"}, "Action": "s3:GetObject",
         "Resource": "arn:aws:s3:::bucket/model.tar.gz"}

    Use instead:
        {..., "Condition": {"StringEquals":
            {"aws:PrincipalArn": "arn:aws:iam::222222222222:role/SageMakerRole"}}}
    """
    if doc.kind not in RESOURCE_KINDS:
        return
    for statement in doc.allows:
        roots = [p for p in doc.foreign_principals(statement) if p.is_account_root]
        if not roots or unknown_condition(statement):
            continue
        exact = narrowing_values(statement, "aws:PrincipalArn", exact=True)
        loose = narrowing_values(statement, "aws:PrincipalArn")
        accounts = ", ".join(sorted({p.account_id or "" for p in roots}))
        if not loose:
            yield doc.finding(
                statement,
                f"{statement.label} grants account {accounts} without an aws:PrincipalArn "
                "condition: every principal there that IAM allows gets access",
                "add Condition StringEquals aws:PrincipalArn = the target role ARN",
                at=("Principal", roots[0].value),
            )
        elif not exact and any(has_wildcard(v) for v in loose):
            pattern = next(v for v in loose if has_wildcard(v))
            yield doc.finding(
                statement,
                f"{statement.label} matches aws:PrincipalArn with a wildcard pattern",
                "use StringEquals/ArnEquals with the exact role ARN",
                at=("Condition", pattern),
            )


@rule(
    "XG021", "principal-arn-not-role", Severity.WARNING, "aws:PrincipalArn names a user or session"
)
def principal_arn_not_role(doc: LintDocument) -> Iterator[Finding]:
    """## What it does
    Flags `aws:PrincipalArn` values that are IAM users (`:user/`) or role sessions
    (`:assumed-role/`) where the execution role is meant.

    ## Why is this bad?
    SageMaker reads the artifact as a session of the execution role, and for a role
    session `aws:PrincipalArn` is the role's ARN (`arn:aws:iam::B:role/NAME`): a user or
    session ARN never matches, so the deployment fails with AccessDenied.

    ## Example
        {"StringEquals": {"aws:PrincipalArn": "arn:aws:iam::222222222222:user/AmazonSageMaker"}}

    Use instead:
        {"StringEquals": {"aws:PrincipalArn": "arn:aws:iam::222222222222:role/AmazonSageMaker"}}
    """
    for statement in doc.allows:
        for value in narrowing_values(statement, "aws:PrincipalArn"):
            if ":user/" in value or ":assumed-role/" in value:
                yield doc.finding(
                    statement,
                    f"{statement.label}: aws:PrincipalArn {value!r} is not a role ARN",
                    "use the role ARN arn:aws:iam::ACCOUNT:role/NAME",
                    at=("Condition", value),
                )
