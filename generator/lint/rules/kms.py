"""Rules on the KMS key: what another account may do with it, and keeping it manageable.

The read path: S3 calls `kms:Decrypt` on the role's behalf with
`kms:ViaService = s3.REGION.amazonaws.com`; `GetObject` needs nothing else from KMS.
https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html
"""

from __future__ import annotations

from collections.abc import Iterator

from ...policy.document import Statement
from ...policy.kinds import Kind
from ..actions import expand
from ..context import LintDocument
from ..findings import Finding, Severity
from ..registry import rule
from .facts import arn_account, arn_service, covers, is_unknown, narrowing_values, unknown_condition

READ_ACTIONS = frozenset({"Decrypt", "DescribeKey"})
MANAGED_ALIAS = ":alias/aws/"


def _kms_grants(doc: LintDocument) -> Iterator[tuple[Statement, frozenset[str]]]:
    """Allow statements giving another account KMS actions, with the accounts they reach."""
    for statement in doc.allows:
        if not any(a == "*" or a.lower().startswith("kms:") for a in statement.actions):
            continue
        if doc.kind is Kind.KEY:
            accounts = {p.account_id or "*" for p in doc.foreign_principals(statement)}
            accounts |= {"*" for p in statement.principals if p.is_wildcard}
        elif doc.kind is Kind.IDENTITY:
            accounts = {
                arn_account(r) or ""
                for r in statement.resources
                if arn_service(r) == "kms" and doc.is_foreign(arn_account(r))
            }
        else:
            continue
        if accounts:
            yield statement, frozenset(accounts)


def _whom(doc: LintDocument, accounts: frozenset[str] | list[str]) -> str:
    """Who a grant reaches: another account (key policy), or this role on another
    account's key (identity policy)."""
    listed = ", ".join(sorted(accounts))
    if doc.kind is Kind.IDENTITY:
        return f"this role (key of account {listed})"
    return f"account {listed}"


def _is_wildcard_all(statement: Statement) -> bool:
    return any(a == "*" or a.lower() == "kms:*" for a in statement.actions)


def _wildcard_action(statement: Statement) -> str | None:
    return next((a for a in statement.actions if a == "*" or a.lower() == "kms:*"), None)


@rule("XG022", "kms-wildcard-cross-account", Severity.ERROR, "kms:* granted to another account")
def kms_wildcard_cross_account(doc: LintDocument) -> Iterator[Finding]:
    """## What it does
    Flags `kms:*` (or `*`) granted to another account: in a key policy to a foreign
    principal, or in an identity policy on another account's key. `kms:*` for the key's
    own account root is AWS's default key policy and is not flagged.

    ## Why is this bad?
    `kms:*` includes `PutKeyPolicy` and `ScheduleKeyDeletion`: the other account could lock
    the owner out of the key or destroy it, and with it every artifact it encrypts.

    ## Example
        {"Principal": {"AWS": "arn:aws:iam::222222222222:root"}, "Action": "kms:*", "Resource": "*"}

    Use instead:
        {"Principal": {"AWS": "arn:aws:iam::222222222222:root"}, "Action": "kms:Decrypt",
         "Resource": "*",
         "Condition": {"StringEquals": {"kms:ViaService": "s3.REGION.amazonaws.com"}}}
    """
    for statement, accounts in _kms_grants(doc):
        if _is_wildcard_all(statement):
            yield doc.finding(
                statement,
                f"{statement.label} grants kms:* to {_whom(doc, accounts)}",
                "grant kms:Decrypt (with kms:ViaService = s3.REGION.amazonaws.com) only",
                at=("Action", _wildcard_action(statement)),
            )


@rule(
    "XG023",
    "kms-actions-beyond-read",
    Severity.WARNING,
    "Cross-account KMS actions beyond Decrypt",
    hardened=True,
)
def kms_actions_beyond_read(doc: LintDocument) -> Iterator[Finding]:
    """## What it does
    Flags cross-account KMS grants of actions other than `kms:Decrypt` and
    `kms:DescribeKey`, such as the console's `Encrypt`, `ReEncrypt*`, `GenerateDataKey*`
    and `CreateGrant`. In profile seed (the article's policies) this is info.

    ## Why is this bad?
    Downloading an SSE-KMS object needs only `kms:Decrypt`. `GenerateDataKey` lets the
    other account encrypt new data under your key, `CreateGrant` lets it delegate.

    ## Example
        {"Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*",
                    "kms:DescribeKey"]}

    Use instead:
        {"Action": "kms:Decrypt"}
    """
    for statement, accounts in _kms_grants(doc):
        if _is_wildcard_all(statement):
            continue  # XG022
        extra = sorted(
            {
                f"kms:{name}"
                for action in statement.actions
                for name in expand(action) or ()
                if name not in READ_ACTIONS
            }
        )
        first = next((a for a in statement.actions if set(expand(a) or ()) - READ_ACTIONS), None)
        if extra:
            shown = ", ".join(extra[:6]) + (f" and {len(extra) - 6} more" if len(extra) > 6 else "")
            yield doc.finding(
                statement,
                f"{statement.label} grants {_whom(doc, accounts)} {shown}; "
                "reading the artifact needs kms:Decrypt only",
                "remove every KMS action but kms:Decrypt (and kms:DescribeKey if used)",
                at=("Action", first),
            )


@rule("XG024", "kms-decrypt-missing", Severity.ERROR, "Cross-account KMS grant without Decrypt")
def kms_decrypt_missing(doc: LintDocument) -> Iterator[Finding]:
    """## What it does
    Flags an account that is granted KMS actions on the key but not `kms:Decrypt`.

    ## Why is this bad?
    The artifact is encrypted with the key; without `kms:Decrypt` the serving account's
    `GetObject` fails with AccessDenied even though S3 allows it.

    ## Example
        {"Principal": {"AWS": "arn:aws:iam::222222222222:root"}, "Action": "kms:DescribeKey"}

    Use instead:
        {"Principal": {"AWS": "arn:aws:iam::222222222222:root"}, "Action": "kms:Decrypt"}
    """
    grants = list(_kms_grants(doc))
    decrypting = {
        account
        for s, accounts in grants
        if covers(s.actions, "kms:Decrypt") or any(is_unknown(a) for a in s.actions)
        for account in accounts
    }
    if doc.is_unread("Statement"):
        return  # the Decrypt may be granted by a statement built at plan time
    for statement, accounts in grants:
        missing = sorted(accounts - decrypting)
        if missing:
            decrypting |= set(missing)  # report each account once
            yield doc.finding(
                statement,
                f"{_whom(doc, missing)} gets KMS actions but not kms:Decrypt: it "
                "cannot read an artifact encrypted with this key",
                "add kms:Decrypt",
                at=("Action", None),
            )


@rule(
    "XG025",
    "kms-decrypt-without-via-service",
    Severity.WARNING,
    "Cross-account Decrypt not limited to S3",
    hardened=True,
)
def kms_decrypt_without_via_service(doc: LintDocument) -> Iterator[Finding]:
    """## What it does
    Flags cross-account `kms:Decrypt` grants without a `kms:ViaService` condition. In
    profile seed this is info.

    ## Why is this bad?
    The serving role only needs S3 to decrypt the artifact for it. Without the condition
    it can call `Decrypt` directly on any ciphertext made with the key.

    ## Example
        {"Action": "kms:Decrypt", "Resource": "*"}

    Use instead:
        {"Action": "kms:Decrypt", "Resource": "*",
         "Condition": {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}}
    """
    for statement, accounts in _kms_grants(doc):
        if _is_wildcard_all(statement):
            continue  # XG022
        if unknown_condition(statement):
            continue
        decrypt = next((a for a in statement.actions if covers([a], "kms:Decrypt")), None)
        if decrypt is not None and not _via_service(statement):
            yield doc.finding(
                statement,
                f"{statement.label} lets {_whom(doc, accounts)} decrypt "
                "outside S3 (no kms:ViaService condition)",
                "add Condition StringEquals kms:ViaService = s3.REGION.amazonaws.com",
                at=("Action", decrypt),
            )


def _via_service(statement: Statement) -> bool:
    return any(v != "*" for v in narrowing_values(statement, "kms:ViaService"))


@rule("XG026", "aws-managed-key", Severity.ERROR, "AWS managed key (aws/s3) used across accounts")
def aws_managed_key(doc: LintDocument) -> Iterator[Finding]:
    """## What it does
    Flags references to an AWS managed key alias (`alias/aws/s3`, `alias/aws/...`) in KMS
    resources and encryption-key conditions where another account is involved: with a
    deployment (a render's manifest or `--spec`: xgen's deployments cross accounts), in a
    statement granting another account, or naming another account's alias. A role using
    its own account's `aws/s3` key is how AWS meant it to be used, and is not flagged.

    ## Why is this bad?
    The `aws/s3` key's policy cannot be changed and allows use only through S3 by callers
    in its own account: another account can never decrypt what it encrypted. SageMaker
    uses it when the training job has no `output_kms_key`.

    ## Example
        {"Action": "kms:Decrypt", "Resource": "arn:aws:kms:us-east-1:111111111111:alias/aws/s3"}

    Use instead:
    Train with `output_kms_key` set to a customer managed key (or re-encrypt the artifact
    with `xgen reencrypt`) and grant that key's ARN.
    """
    for statement in doc.policy.statements:
        values = [*statement.resources, *(v for c in statement.conditions for v in c.values)]
        for value in values:
            managed = MANAGED_ALIAS in value or value.startswith("alias/aws/")
            if managed and _crosses_accounts(doc, statement, value):
                yield doc.finding(
                    statement,
                    f"{statement.label} uses the AWS managed key {value!r}, which no other "
                    "account can ever use",
                    "encrypt the artifact with a customer managed key and grant that key",
                    at=(None, value),
                )


def _crosses_accounts(doc: LintDocument, statement: Statement, alias: str) -> bool:
    """Whether using `alias` here involves another account: the key policy of an AWS
    managed key allows use by its own account only, so only then does it fail."""
    if doc.deployment is not None or doc.is_foreign(arn_account(alias)):
        return True
    return bool(doc.foreign_principals(statement))


@rule("XG030", "key-policy-lockout", Severity.ERROR, "Key policy without the owner's root admin")
def key_policy_lockout(doc: LintDocument) -> Iterator[Finding]:
    """## What it does
    Flags a key policy without an unconditioned `Allow` of `kms:*` on `"*"` for the key's
    own account root (AWS's default "Enable IAM User Permissions" statement).

    ## Why is this bad?
    Terraform replaces the whole key policy. Without that statement, IAM policies in the
    owning account no longer apply to the key, and when no named principal can
    `PutKeyPolicy` the key becomes unmanageable; only AWS Support can recover it.

    ## Example
        {"Statement": [{"Principal": {"AWS": "arn:aws:iam::222222222222:root"},
                        "Action": "kms:Decrypt", ...}]}

    Use instead:
        {"Statement": [{"Sid": "Enable IAM User Permissions", "Effect": "Allow",
                        "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
                        "Action": "kms:*", "Resource": "*"}, ...]}
    """
    if doc.kind is not Kind.KEY or doc.is_unread("Statement"):
        return
    candidates = [s for s in doc.allows if _may_administer(s)]
    if any(is_unknown(p.value) for s in candidates for p in s.principals):
        return  # the admin may be the owner's root, written with an account known at plan
    admins = {
        p.account_id
        for s in candidates
        if not s.conditions and _is_wildcard_all(s) and all(_this_key(r) for r in s.resources)
        for p in s.principals
        if p.is_account_root
    }
    if (doc.account_id and doc.account_id not in admins) or not admins:
        owner = f"arn:aws:iam::{doc.account_id or 'OWNER'}:root"
        yield doc.finding(
            None,
            f'the key policy does not allow {owner} kms:* on "*": the key can become unmanageable',
            f'keep the statement {{"Principal": {{"AWS": "{owner}"}}, "Action": "kms:*", '
            '"Resource": "*"}',
        )


def _this_key(resource: str) -> bool:
    """In a key policy `"*"` means this key; a key's ARN (Terraform's `aws_kms_key.x.arn`
    of the key itself) can only mean it too: a key policy applies to its own key.
    https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html"""
    if resource == "*":
        return True
    return arn_service(resource) == "kms" and resource.split(":", 5)[5].startswith("key/")


def _may_administer(statement: Statement) -> bool:
    """An Allow that is, or with what is known only at plan time may be, `kms:*` on
    `"*"` unconditioned; or that keeps `kms:PutKeyPolicy`, with which its principal (an
    account known at plan time only, perhaps the owner) can restore the rest."""
    actions = (
        _is_wildcard_all(statement)
        or covers(statement.actions, "kms:PutKeyPolicy")
        or any(is_unknown(a) for a in statement.actions)
    )
    resources = all(_this_key(r) or is_unknown(r) for r in statement.resources)
    return actions and resources and (not statement.conditions or unknown_condition(statement))
