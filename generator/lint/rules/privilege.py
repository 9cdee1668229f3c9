"""Least privilege on the model: what an identity policy lets its role do with objects and
keys, judged from the document alone (no spec needed), and, with a deployment, what the
source's bucket policy gives the targets besides the artifact.

Without a spec or a render's manifest lint cannot tell whose identity policy it reads: it
is read as the serving role's (xgen's use), which needs `s3:GetObject` on one object and
`kms:Decrypt` via S3. Values known only at apply time (`${...}`: Terraform references,
`var.`/`local.`/`data.` values) are not judged.

AWS facts relied on:
- `*` in a resource ARN matches any characters, `/` included, so `arn:aws:s3:::*` and
  `arn:aws:s3:::bucket*` cover objects (as XG011 reads them).
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
- S3 decrypts an SSE-KMS object by calling `kms:Decrypt` for the caller with
  `kms:ViaService = s3.REGION.amazonaws.com`; nothing else of KMS is needed to read it.
  https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html
- `kms:ViaService` limits a grant to requests a service makes for the caller (so
  `PutKeyPolicy` or `ScheduleKeyDeletion`, which no service calls, are not granted);
  `kms:GrantIsForAWSResource` limits grants to those AWS services create for resources.
  https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html
- KMS actions by access level (read/list: `Describe*`, `Get*`, `List*`).
  https://docs.aws.amazon.com/service-authorization/latest/reference/list_awskeymanagementservice.html
- Severities as parliament rates the like: resource `*` on a data read is LOW to MEDIUM
  (RESOURCE_STAR, checkov CKV_AWS_108 data exfiltration), permissions management MEDIUM:
  warnings here; a grant beyond the deployment's intent (XG043) is an error like XG010.
"""

from __future__ import annotations

from collections.abc import Iterator

from ...policy.document import Statement
from ...policy.kinds import Kind
from ..actions import expand
from ..context import LintDocument
from ..findings import Finding, Severity
from ..registry import rule
from .facts import (
    arn_account,
    arn_service,
    covers,
    glob_match,
    has_wildcard,
    is_unknown,
    narrowing_values,
    narrows,
    s3_bucket,
    s3_object,
    unknown_condition,
)

TYPE_CHECKING = False  # typing.TYPE_CHECKING; `typing` costs lint 4 ms to import
if TYPE_CHECKING:
    from ...manifest import TargetEntry

# Condition keys that tie a grant to tagged resources (ABAC), or to requests S3 Access
# Grants makes with credentials it scoped to one grant: not every object or key.
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-grants-location-register.html
TAG_KEYS = ("s3:existingobjecttag/", "aws:resourcetag/", "s3:accessgrantsinstancearn")
# Keys that tie a KMS grant to some keys: by their tags or aliases (ABAC for KMS).
# https://docs.aws.amazon.com/kms/latest/developerguide/abac.html
KMS_SCOPE_KEYS = ("aws:resourcetag/", "kms:resourcealiases", "kms:requestalias")
# KMS actions a serving role may hold on a key: decrypting and verifying, reading
# metadata; and GenerateRandom, which acts on no key.
KMS_USE = frozenset({"decrypt", "verify", "verifymac", "generaterandom"})
KMS_READ = ("describe", "get", "list")
KMS_AWS_RESOURCE_GRANTS = frozenset({"creategrant", "revokegrant", "retiregrant"})
SHOWN = 6  # actions named in a message


def _tag_scoped(statement: Statement, keys: tuple[str, ...] = TAG_KEYS) -> bool:
    """Whether a condition on one of `keys` (prefixes) limits the statement to some
    resources, in any narrowing operator (StringEqualsIgnoreCase too)."""
    return any(
        c.key_lower.startswith(keys) and narrows(c.operator) and c.values != ("*",)
        for c in statement.conditions
    )


# SageMaker JumpStart's model catalogue, one bucket per region that AWS owns and every
# JumpStart user reads (the SageMaker Python SDK's JUMPSTART_DEFAULT_BUCKET and its private
# hub's): manifests and public model artifacts, none of the account's data.
AWS_CATALOGUE_BUCKETS = ("jumpstart-cache-prod-", "jumpstart-private-cache-prod-")


def _aws_catalogue(bucket: str) -> bool:
    """A JumpStart catalogue bucket: its prefix and a region's name (us-east-1,
    us-gov-west-1), as AWS names them; any other name may be anyone's bucket."""
    for prefix in AWS_CATALOGUE_BUCKETS:
        if bucket.startswith(prefix):
            parts = bucket.removeprefix(prefix).split("-")
            return (
                len(parts) in (3, 4)
                and len(parts[0]) == 2
                and all(p.isascii() and p.isalpha() and p.islower() for p in parts[:-1])
                and parts[-1].isascii()
                and parts[-1].isdigit()
            )
    return False


def _object_scope(resource: str) -> str | None:
    """What an object read on `resource` reaches, when it is more than some objects."""
    if is_unknown(resource):
        return None  # known at apply time only
    if resource == "*":
        return "every object of every bucket"
    if arn_service(resource) != "s3":
        return None
    bucket, slash, key = resource.split(":", 5)[5].partition("/")
    if slash and not (key and set(key) == {"*"}):
        return None  # a key or a prefix: XG010's concern once a spec says which is the model
    if not slash and not bucket.endswith("*"):
        return None  # the bucket itself: GetObject does not apply to it
    if bucket.strip("*") == "":
        return "every object of every bucket"
    if _aws_catalogue(bucket):
        return None  # AWS's own model catalogue: every customer reads it, it holds no data
    if has_wildcard(bucket):
        # a family of buckets by name (`sagemaker*`, AWS's own convention for SageMaker's
        # buckets, which AmazonSageMakerFullAccess reads too): a naming scheme, not a sign
        # of an over-wide grant; public Terraform used it for roles meant to read them
        return None
    return f"every object of bucket {bucket!r}"


@rule(
    "XG013",
    "identity-wide-object-read",
    Severity.WARNING,
    "Identity policy reads a whole bucket or every bucket",
)
def identity_wide_object_read(doc: LintDocument) -> Iterator[Finding]:
    """## What it does
    Flags an identity policy that allows `s3:GetObject` (also through `s3:Get*`, `s3:*` or
    `*`) on `"*"`, `arn:aws:s3:::*` or a whole bucket (`arn:aws:s3:::BUCKET/*`), when no
    spec or manifest says whose policy it is. Not flagged: object ARNs and prefixes, a
    family of buckets named by a pattern (`arn:aws:s3:::sagemaker*/*`, AWS's own naming
    convention for SageMaker's buckets), SageMaker JumpStart's catalogue buckets that AWS
    owns (`jumpstart-cache-prod-REGION`),
    statements limited by `s3:ExistingObjectTag/...` or `aws:ResourceTag/...` conditions
    or to an S3 Access Grants instance (`s3:AccessGrantsInstanceArn`, whose credentials
    are scoped to one grant),
    resources known only at apply time (`${...}`), and permissions boundaries (they cap,
    they grant nothing). A bucket of the same configuration (`"${aws_s3_bucket.x.arn}/*"`)
    is a whole bucket. With a spec or a render, XG010 and XG011 judge a target role's
    grants against the artifact instead.

    ## Why is this bad?
    The serving role needs one object, the `model.tar.gz`. A role that reads every object
    can read training data, other models and whatever is written there later: in every
    bucket of its account, and of any account whose bucket policy lets it in (checkov's
    "data exfiltration" check). A training or pipeline role that must read a whole bucket
    is the exception: suppress the finding there with the reason.

    ## Example
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}

    Use instead:
        {"Effect": "Allow", "Action": "s3:GetObject",
         "Resource": "arn:aws:s3:::bucket/sagemaker/linear-learner/output/model.tar.gz"}
    """
    if doc.kind is not Kind.IDENTITY or doc.deployment is not None or not doc.grants:
        return
    if doc.is_unread("Condition"):
        return  # a condition built at plan time may narrow it
    for statement in doc.allows:
        if not covers(statement.actions, "s3:GetObject") or _tag_scoped(statement):
            continue
        if unknown_condition(statement):
            continue
        wide = [(r, what) for r in statement.resources if (what := _object_scope(r))]
        if wide:
            resource, what = wide[0]
            more = f" and {len(wide) - 1} more" if len(wide) > 1 else ""
            yield doc.finding(
                statement,
                f"{statement.label} lets the role read {what} ({resource!r}{more}), "
                "whatever is written there now or later",
                "name the objects or prefixes the role needs (a model-serving role: the "
                "artifact's object ARN, arn:aws:s3:::BUCKET/PATH/model.tar.gz); a role "
                "that must read it all gets `xgen:ignore XG013 <reason>`",
                at=("Resource", resource),
            )


def _reaches_keys(resource: str) -> bool:
    """Whether `resource` is `*` or names KMS keys (an ARN of one, or a pattern of many)."""
    if resource == "*":
        return True
    if is_unknown(resource):
        return False
    parts = resource.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn" or not glob_match(parts[2], "kms"):
        return False
    # a key (`key/ID`, `key/*`) or a pattern that matches keys among others (`*`)
    return parts[5].lower().startswith("key/") or glob_match(parts[5], "key/1234abcd")


def _grants_for_aws_resources(statement: Statement) -> bool:
    return any(
        v.lower() == "true"
        for c in statement.conditions
        if c.key_lower == "kms:grantisforawsresource" and c.operator.lower() == "bool"
        for v in c.values
    )


def _kms_beyond_use(actions: tuple[str, ...], grants_for_aws: bool) -> list[str]:
    """The KMS actions `actions` allow beyond decrypting and reading metadata."""
    if any(a == "*" or a.lower() == "kms:*" for a in actions):
        return ["kms:*"]
    found: dict[str, None] = {}
    for action in actions:
        prefix, _, _ = action.partition(":")
        if prefix.lower() != "kms":
            continue
        for name in expand(action) or ():
            lower = name.lower()
            if lower in KMS_USE or lower.startswith(KMS_READ):
                continue
            if grants_for_aws and lower in KMS_AWS_RESOURCE_GRANTS:
                continue
            found[f"kms:{name}"] = None
    return sorted(found)


@rule(
    "XG027",
    "identity-kms-beyond-decrypt",
    Severity.WARNING,
    "Identity policy grants KMS write or admin actions",
    hardened=True,
)
def identity_kms_beyond_decrypt(doc: LintDocument) -> Iterator[Finding]:
    """## What it does
    Flags an identity policy that allows `kms:*`, `*`, or KMS actions that write or
    administer keys (`Encrypt`, `ReEncrypt*`, `GenerateDataKey*`, `Sign`, `CreateGrant`,
    `PutKeyPolicy`, `ScheduleKeyDeletion`, `DisableKey`, ...) on a key ARN, a key pattern
    or `"*"`. Not flagged: `Decrypt`, `DescribeKey` and other `Describe*`/`Get*`/`List*`
    actions; statements limited by a `kms:ViaService` condition or to some keys by their
    tags or aliases (`aws:ResourceTag/...`, `kms:ResourceAliases`, `kms:RequestAlias`);
    grant actions limited by `kms:GrantIsForAWSResource`; identity policies of the
    deployment's source account (key administrators, training); permissions boundaries;
    resources known only at apply time (a key of the same configuration,
    `aws_kms_key.x.arn`, is a key). Another account's key in a target's policy is
    XG022/XG023. In profile seed (the article's five actions) this
    is info.

    ## Why is this bad?
    Reading the SSE-KMS artifact needs `kms:Decrypt` only, which S3 calls for the role.
    `GenerateDataKey` and `Encrypt` let the role encrypt data under the key; `CreateGrant`
    lets it hand the key on; with `kms:*` on `"*"` it can change the key policy or
    schedule the deletion of every key whose policy lets IAM decide (AWS's default key
    policy does), and with it every artifact encrypted under them.

    ## Example
        {"Effect": "Allow", "Action": "kms:*", "Resource": "*"}

    Use instead:
        {"Effect": "Allow", "Action": "kms:Decrypt",
         "Resource": "arn:aws:kms:us-east-1:111111111111:key/1234abcd-...",
         "Condition": {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}}
    """
    if doc.kind is not Kind.IDENTITY or not doc.grants:
        return
    if doc.deployment is not None and doc.owner == doc.deployment.source_account:
        return  # the source's own roles: key administrators, training jobs
    if doc.is_unread("Condition"):
        return  # a condition built at plan time may limit it to a service
    for statement in doc.allows:
        keys = [r for r in statement.resources if _reaches_keys(r)]
        if not keys or _another_accounts_key(doc, statement) or _via_service(statement):
            continue
        if _tag_scoped(statement, KMS_SCOPE_KEYS):
            continue
        if unknown_condition(statement):
            continue
        grants_for_aws = _grants_for_aws_resources(statement)
        actions = _kms_beyond_use(statement.actions, grants_for_aws)
        if not actions:
            continue
        shown = ", ".join(actions[:SHOWN])
        if len(actions) > SHOWN:
            shown += f" and {len(actions) - SHOWN} more"
        pattern = next((k for k in keys if has_wildcard(k)), None)
        if pattern == "*" or "*" in keys:
            where = "every key"
        elif pattern:
            where = f"every key matching {pattern!r}"
        else:
            where = f"key {keys[0]!r}"
        yield doc.finding(
            statement,
            f"{statement.label} allows {shown} on {where}: writing with or administering "
            "keys, beyond reading what they protect",
            "grant only what the role uses (a model-serving role: kms:Decrypt on the key ARN "
            "with Condition StringEquals kms:ViaService = s3.REGION.amazonaws.com); a "
            "key administrator's role gets `xgen:ignore XG027 <reason>`",
            at=(
                "Action",
                next(a for a in statement.actions if _kms_beyond_use((a,), grants_for_aws)),
            ),
        )


def _another_accounts_key(doc: LintDocument, statement: Statement) -> bool:
    """A key of another account: XG022 and XG023 report those grants."""
    return any(
        arn_service(r) == "kms" and doc.is_foreign(arn_account(r)) for r in statement.resources
    )


def _via_service(statement: Statement) -> bool:
    return any(v != "*" for v in narrowing_values(statement, "kms:ViaService"))


def _admits(statement: Statement, target: TargetEntry) -> bool:
    """Whether the statement lets the target's execution role in: by its account root or
    role, or by `"*"` with an `aws:PrincipalArn` naming it (`"*"` alone is XG005's)."""
    roles = narrowing_values(statement, "aws:PrincipalArn")
    named = any(p.value in (target.root_arn, target.role_arn) for p in statement.principals)
    if not named and not (roles and any(p.is_wildcard for p in statement.principals)):
        return False
    return not roles or any(glob_match(r, target.role_arn) for r in roles)


@rule(
    "XG043",
    "target-granted-other-object",
    Severity.ERROR,
    "Source bucket grants a target an object besides the artifact",
)
def target_granted_other_object(doc: LintDocument) -> Iterator[Finding]:
    """## What it does
    With a deployment (a render's manifest or `--spec`), flags statements of the source
    bucket's policy that let a target's execution role (its account root, its role, or
    `"*"` narrowed to it by `aws:PrincipalArn`) act on an object of the bucket other
    than the model artifact. Object patterns (`bucket/prefix/*`) are XG010 and XG011;
    values known only at apply time are not judged.

    ## Why is this bad?
    The spec names one object for the targets to read. A second object granted to them
    (an older model, a dataset, a hand-added statement) is data another account can read
    that nobody asked for, and survives in the policy after the model moves.

    ## Example
    The spec's artifact is `.../output/model.tar.gz`, but the bucket policy also grants:
        {"Principal": {"AWS": "arn:aws:iam::222222222222:root"}, "Action": "s3:GetObject",
         "Resource": "arn:aws:s3:::bucket/sagemaker/old/output/model.tar.gz"}

    Use instead:
    Grant the targets the artifact's object ARN only (`xgen render` does).
    """
    deployment = doc.deployment
    if deployment is None or doc.kind is not Kind.BUCKET:
        return
    if doc.owner != deployment.source_account:
        return
    bucket = s3_bucket(deployment.bucket_arn)
    for statement in doc.allows:
        admitted = [t for t in deployment.targets if _admits(statement, t)]
        if not admitted:
            continue
        # What every admitted target may read: a statement for one version names the
        # roles that serve or move off it, and nothing else.
        allowed = set.intersection(*(set(deployment.reads(t)) for t in admitted))
        others = [
            r
            for r in statement.resources
            if not is_unknown(r)
            and not has_wildcard(r)
            and (found := s3_object(r)) is not None
            and found[0] == bucket
            and r not in allowed
        ]
        if others:
            more = f" and {len(others) - 1} more" if len(others) > 1 else ""
            names = ", ".join(t.name for t in admitted)
            served = " or ".join(sorted(allowed)) or "nothing in this bucket"
            yield doc.finding(
                statement,
                f"{statement.label} lets target {names} act on {others[0]!r}"
                f"{more}, not the model artifact it serves ({served})",
                "grant each target the artifacts of the versions it serves only "
                "(run `xgen render`)",
                at=("Resource", others[0]),
            )
