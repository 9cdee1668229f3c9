"""Rules on whom a bucket or key policy hands control: a key administered by another
account alone, and AWS services allowed to act for any account (the confused deputy).

AWS facts relied on:
- A key policy is the key's root of trust; AWS's default key policy is one statement
  giving the owning account's root `kms:*` ("allows access to the AWS account and enables
  IAM policies"), so a key policy of one root with `kms:*` is that account's own key
  unless something says the key belongs to another account.
  https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
- `kms:PutKeyPolicy` replaces the key policy and `kms:ScheduleKeyDeletion` destroys the
  key after 7 to 30 days; whoever holds them administers the key.
  https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-administrators
- Cross-service confused deputy: AWS recommends `aws:SourceArn`, `aws:SourceAccount`,
  `aws:SourceOrgID` or `aws:SourceOrgPaths` in resource policies that allow a service
  principal, so the service acts on the resource only for your accounts or resources.
  https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html#cross-service-confused-deputy-prevention
- Services that use a key with an encryption context bound to the calling resource are
  limited by a `kms:EncryptionContext:...` condition instead (CloudWatch Logs'
  `kms:EncryptionContext:aws:logs:arn`, CloudTrail's `...:aws:cloudtrail:arn`).
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
"""

from __future__ import annotations

from collections.abc import Iterator

from ...policy.document import Statement
from ...policy.kinds import Kind
from ..context import LintDocument
from ..findings import Finding, Severity
from ..registry import rule
from .facts import covers, is_unknown, narrows, unknown_condition

ADMIN_ACTIONS = ("kms:PutKeyPolicy", "kms:ScheduleKeyDeletion")
SOURCE_KEYS = ("aws:sourcearn", "aws:sourceaccount", "aws:sourceorgid", "aws:sourceorgpaths")
ENCRYPTION_CONTEXT = "kms:encryptioncontext:"
# What a service reads to check a resource before it uses it (CloudTrail's documented key
# and bucket statements): metadata, not data; not flagged.
METADATA_ACTIONS = frozenset({"kms:describekey", "s3:getbucketacl", "s3:getbucketlocation"})


def _administers(statement: Statement) -> list[str]:
    """The key-administration actions a statement allows: `kms:*`, or the two that decide
    who controls the key."""
    if any(a == "*" or a.lower() == "kms:*" for a in statement.actions):
        return ["kms:*"]
    return [a for a in ADMIN_ACTIONS if covers(statement.actions, a)]


@rule(
    "XG028",
    "key-administered-by-another-account",
    Severity.ERROR,
    "Key policy lets only another account administer the key",
)
def key_administered_by_another_account(doc: LintDocument) -> Iterator[Finding]:
    """## What it does
    With `--spec`, flags a key policy of unknown account whose administrators (`kms:*`,
    `kms:PutKeyPolicy`, `kms:ScheduleKeyDeletion`) are target accounts' principals only,
    with no statement for the source account, which owns the deployment's key, and no
    statement for another principal of an administrator's own account (which would make
    it that account's own key, such as a target's endpoint volume key). Principals known
    only at apply time are not judged.

    When the key's account is known (a render's manifest, `xgen audit`), XG030 and XG022
    report the same policy. Without a spec lint cannot judge it: a key policy whose only
    statement gives one account's root `kms:*` is AWS's default key policy of that
    account's own key.

    ## Why is this bad?
    The other account can replace the key policy or schedule the key's deletion, and with
    it every artifact encrypted under it, while the owner's own principals can no longer
    use or manage the key; only AWS Support can restore access. Giving the serving
    account `kms:*` to make decryption work is the usual way this happens.

    ## Example
    Source account 111111111111, target 222222222222:
        {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
                        "Action": "kms:*", "Resource": "*"}]}

    Use instead:
        {"Statement": [
            {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
             "Action": "kms:*", "Resource": "*"},
            {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
             "Action": "kms:Decrypt", "Resource": "*",
             "Condition": {"StringEquals": {"kms:ViaService": "s3.REGION.amazonaws.com"}}}]}
    """
    deployment = doc.deployment
    if doc.kind is not Kind.KEY or deployment is None or doc.account_id is not None:
        return
    if doc.is_unread("Statement") or doc.is_unread("Principal"):
        return  # statements built at plan time may name the owner
    allows = list(doc.allows)
    admin = [(s, actions) for s in allows if (actions := _administers(s))]
    principals = {p for s in allows for p in s.principals}
    if not admin or any(
        p.type != "AWS" or p.account_id is None or is_unknown(p.value) for p in principals
    ):
        return  # nobody administers it (XG030), or someone lint cannot place
    accounts = {p.account_id for p in principals}
    targets = {t.account_id for t in deployment.targets}
    if deployment.source_account in accounts or not accounts <= targets:
        return
    admins = {p for s, _ in admin for p in s.principals}
    admin_accounts = {p.account_id for p in admins}
    if any(p.account_id in admin_accounts for p in principals - admins):
        return  # the administrators' own account uses it too: its own key
    statement, actions = admin[0]
    listed = ", ".join(sorted(a for a in admin_accounts if a))
    partition = deployment.kms_key_arn.split(":")[1] if ":" in deployment.kms_key_arn else "aws"
    owner = f"arn:{partition}:iam::{deployment.source_account}:root"
    yield doc.finding(
        statement,
        f"{statement.label} gives account {listed} {' and '.join(actions)} and no statement "
        f"names the source account {deployment.source_account}, which owns the "
        f"deployment's key: {listed} can replace the key policy or delete the key",
        f'add {{"Principal": {{"AWS": "{owner}"}}, "Action": "kms:*", "Resource": "*"}} '
        f"and give account {listed} kms:Decrypt with kms:ViaService instead",
        at=("Principal", next(iter(sorted(p.value for p in statement.principals)))),
    )


def _bound_to_source(statement: Statement) -> bool:
    """Whether a condition ties the statement to the accounts or resources the service
    acts for: `aws:Source*`, or an encryption context naming the calling resource."""
    return any(
        (c.key_lower in SOURCE_KEYS or c.key_lower.startswith(ENCRYPTION_CONTEXT))
        and narrows(c.operator)
        and any(v != "*" for v in c.values)
        for c in statement.conditions
    )


@rule(
    "XG033",
    "service-principal-without-source",
    Severity.WARNING,
    "Bucket or key policy lets a service act for any account",
)
def service_principal_without_source(doc: LintDocument) -> Iterator[Finding]:
    """## What it does
    Flags `Allow` statements of bucket and key policies that name a service principal
    (`{"Service": "sagemaker.amazonaws.com"}`, `delivery.logs.amazonaws.com`, ...) with no
    `aws:SourceAccount`, `aws:SourceArn`, `aws:SourceOrgID` or `aws:SourceOrgPaths`
    condition (or, in a key policy, a `kms:EncryptionContext:...` condition naming the
    calling resource) under `StringEquals`/`StringLike`/`ArnEquals`/`ArnLike`. Statements
    that only let a service check the resource (`kms:DescribeKey`, `s3:GetBucketAcl`,
    `s3:GetBucketLocation`) are not flagged. A trust policy's SageMaker principal is XG032.

    ## Why is this bad?
    A service principal acts for every AWS customer. Without the condition, anyone can
    point the service at your bucket or key from their own account (a log delivery, a
    SageMaker job, a trail) and make it read or write your data for them: the confused
    deputy problem, which AWS's guide says to prevent with these keys. Check that the
    service sets the key you add: a condition on a key it does not send denies it.

    ## Example
        {"Effect": "Allow", "Principal": {"Service": "delivery.logs.amazonaws.com"},
         "Action": "s3:PutObject", "Resource": "arn:aws:s3:::bucket/logs/*"}

    Use instead:
        {..., "Condition": {"StringEquals": {"aws:SourceAccount": "111111111111"},
                            "ArnLike": {"aws:SourceArn": "arn:aws:logs:us-east-1:111111111111:*"}}}
    """
    if doc.kind not in (Kind.BUCKET, Kind.KEY) or doc.is_unread("Condition"):
        return
    what = "bucket" if doc.kind is Kind.BUCKET else "key"
    for statement in doc.allows:
        services = sorted({p.value for p in statement.principals if p.type == "Service"})
        metadata = all(a.lower() in METADATA_ACTIONS for a in statement.actions)
        if not services or not statement.actions or metadata or unknown_condition(statement):
            continue
        if not _bound_to_source(statement):
            yield doc.finding(
                statement,
                f"{statement.label} lets {', '.join(services)} use this {what} on behalf of "
                "any account (no aws:SourceAccount or aws:SourceArn condition)",
                "add Condition StringEquals aws:SourceAccount = the account the service "
                "acts for (or ArnLike aws:SourceArn = the resources it acts for)",
                at=("Principal", services[0]),
            )
