"""The questions `xgen verify` asks a deployment, layer by layer.

Each layer (S3, KMS, ECR, trust) must hold on its own, so each is asked separately:
the intended access must be allowed, and every adversary must be denied by that layer's
policies alone. Adversaries with an AWS identity get the strongest identity policy
there is (`*` on `*`, a hypothetical document): the target account's admins can attach
anything in their account, so only the source account's resource policies (and the
trust policy) may stand between them and the model.

Profile seed is the article's design: its key trusts the target accounts' roots, so any
principal the target's IAM admins allow may use it. Those answers carry the hardened fix
and are reported as accepted by profile seed, not as failures.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from itertools import count

from ..errors import InputError
from ..manifest import MANIFEST, TargetEntry
from ..policy.document import parse_policy
from ..policy.kinds import Kind
from ..policy.names import ECR_PULL_ACTIONS, SAGEMAKER_FULL_ACCESS, SAGEMAKER_SERVICE
from .deployment import Deployment
from .evaluate import PolicyFile
from .request import Caller, CallerKind, Request, request

ADMIN = PolicyFile(
    "(hypothetical admin identity policy)",
    parse_policy(
        {"Statement": {"Sid": "AllowEverything", "Effect": "Allow", "Action": "*", "Resource": "*"}}
    ),
)
# Profile seed attaches AWS's AmazonSageMakerFullAccess (the manifest lists each role's
# managed policies), which xgen does not render; it grants the ECR pull actions on "*",
# which is all the ECR questions need of it.
# https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonSageMakerFullAccess.html
FULL_ACCESS_ECR = PolicyFile(
    "(AmazonSageMakerFullAccess, attached in profile seed)",
    parse_policy(
        {
            "Statement": {
                "Sid": "EcrPull",
                "Effect": "Allow",
                "Action": [*ECR_PULL_ACTIONS, "ecr:GetAuthorizationToken"],
                "Resource": "*",
            }
        }
    ),
)
SAGEMAKER = Caller(CallerKind.SERVICE, SAGEMAKER_SERVICE)
OTHER_SERVICE = Caller(CallerKind.SERVICE, "ec2.amazonaws.com")
ANONYMOUS = Caller(CallerKind.ANONYMOUS, "*")
FIRST_OUTSIDER = 999999999999  # counting down until an account the deployment does not use

SEED = "seed"
FIX_KEY_ROLES = "key policy: aws:PrincipalArn = the target roles on the target statement"
FIX_KEY_DECRYPT = "key policy and role: kms:Decrypt only"
FIX_KEY_VIA_S3 = "key policy and role: kms:ViaService = S3 of the region"
FIX_TLS = "bucket policy: deny s3:* when aws:SecureTransport is false"
FIX_TRUST = "trust policy: aws:SourceAccount = the target account"


class Layer(StrEnum):
    S3 = "s3"
    KMS = "kms"
    ECR = "ecr"
    TRUST = "trust"
    REGISTRY = "registry"  # the Model Registry group the targets deploy versions of


@dataclass(frozen=True)
class Question:
    """One request, the policies that decide it, and the answer the deployment needs."""

    layer: Layer
    target: str
    who: str  # the caller in words
    how: str  # what makes the request special, in words ("" for a plain request)
    request: Request
    expect_allow: bool
    identity: tuple[PolicyFile, ...]
    resource: PolicyFile
    resource_account: str
    resource_must_allow: bool
    seed_fix: str | None = None  # an allow here is accepted in profile seed; the fix


@dataclass(frozen=True)
class _Cast:
    """The callers asked about for one target account."""

    role: Caller
    other_role: Caller
    root: Caller
    outsider: Caller
    outsider_account: str

    @property
    def role_words(self) -> str:
        return f"role {self.role.arn.rsplit('/', 1)[-1]}"


def _cast(dep: Deployment, target: TargetEntry) -> _Cast:
    used = {dep.source.account_id, *(t.account_id for t in dep.targets)}
    outsider = next(a for n in count(FIRST_OUTSIDER, -1) if (a := f"{n:012d}") not in used)
    iam = f"arn:{dep.partition}:iam::"
    role_name = target.role_arn.rsplit("/", 1)[-1]
    other = "xgen-verify-other-role" if role_name != "xgen-verify-other-role" else "xgen-other"
    return _Cast(
        role=Caller(CallerKind.AWS, target.role_arn),
        other_role=Caller(CallerKind.AWS, f"{iam}{target.account_id}:role/{other}"),
        root=Caller(CallerKind.AWS, f"{iam}{target.account_id}:root"),
        outsider=Caller(CallerKind.AWS, f"{iam}{outsider}:role/xgen-verify-outsider"),
        outsider_account=outsider,
    )


def _required(dep: Deployment, kind: Kind, account: str, target: str | None = None) -> PolicyFile:
    found = dep.document(kind, account, target)
    if found is None:
        raise InputError(
            f"the manifest lists no {kind} policy for account {account}",
            file=str(dep.root / MANIFEST),
            place="documents",
            fix="render the folder again with `xgen render`",
        )
    return found


@dataclass(frozen=True)
class _Layer:
    """The fixed parts of one layer's questions: whose resource policy decides."""

    layer: Layer
    target: str
    resource: PolicyFile
    resource_account: str
    must_allow: bool

    def ask(
        self,
        who: str,
        caller: Caller,
        action: str,
        resource: str,
        *,
        allow: bool,
        identity: tuple[PolicyFile, ...],
        context: dict[str, str] | None = None,
        fix: str | None = None,
        how: str = "",
    ) -> Question:
        return Question(
            layer=self.layer,
            target=self.target,
            who=who,
            how=how,
            request=request(caller, action, resource, context),
            expect_allow=allow,
            identity=identity,
            resource=self.resource,
            resource_account=self.resource_account,
            resource_must_allow=self.must_allow,
            seed_fix=fix,
        )


def _adversaries(cast: _Cast, account: str) -> list[tuple[str, Caller, tuple[PolicyFile, ...]]]:
    """Who must never get in: (words, caller, identity policies)."""
    return [
        (f"another role in {account}, admin policy", cast.other_role, (ADMIN,)),
        (f"root user of {account}", cast.root, (ADMIN,)),
        (f"a role in {cast.outsider_account}, admin policy", cast.outsider, (ADMIN,)),
        ("anonymous", ANONYMOUS, ()),
    ]


def _s3(dep: Deployment, target: TargetEntry, cast: _Cast) -> list[Question]:
    layer = _Layer(
        Layer.S3,
        target.name,
        _required(dep, Kind.BUCKET, dep.source.account_id),
        dep.source.account_id,
        False,
    )
    own = dep.identity(target.name)
    wider = (*own, ADMIN)  # whatever else the target's admins attach to the role
    tls = {"aws:SecureTransport": "true"}
    reads = target.object_arns(dep.source)
    artifact = reads[0]
    sibling = artifact.rsplit("/", 1)[0] + "/xgen-verify-other-object"
    # Another target's version: what this role must not read (SageMaker "never another
    # target's version": a role reads what its endpoint serves and what it moves off).
    others = sorted({arn for t in dep.targets for arn in t.object_arns(dep.source)} - set(reads))
    role = cast.role_words
    return [
        *(
            layer.ask(role, cast.role, "s3:GetObject", arn, allow=True, identity=own, context=tls)
            for arn in reads
        ),
        *(
            layer.ask(who, caller, "s3:GetObject", artifact, allow=False, identity=ids, context=tls)
            for who, caller, ids in _adversaries(cast, target.account_id)
        ),
        layer.ask(
            role,
            cast.role,
            "s3:GetObject",
            sibling,
            allow=False,
            identity=wider,
            context=tls,
            how="another object",
        ),
        *(
            layer.ask(
                role,
                cast.role,
                "s3:GetObject",
                arn,
                allow=False,
                identity=wider,
                context=tls,
                how="another target's version",
            )
            for arn in others
        ),
        layer.ask(
            role, cast.role, "s3:PutObject", artifact, allow=False, identity=wider, context=tls
        ),
        layer.ask(
            role, cast.role, "s3:DeleteObject", artifact, allow=False, identity=wider, context=tls
        ),
        layer.ask(
            role,
            cast.role,
            "s3:GetObject",
            artifact,
            allow=False,
            identity=wider,
            context={"aws:SecureTransport": "false"},
            fix=FIX_TLS,
            how="without TLS",
        ),
    ]


def _kms(dep: Deployment, target: TargetEntry, cast: _Cast) -> list[Question]:
    # The key policy is the key's only root of trust (KMS "Determining access").
    layer = _Layer(
        Layer.KMS,
        target.name,
        _required(dep, Kind.KEY, dep.source.account_id),
        dep.source.account_id,
        True,
    )
    own = dep.identity(target.name)
    wider = (*own, ADMIN)
    key = dep.source.kms_key_arn
    # S3 decrypting for a GetObject: https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service
    via_s3 = {
        "kms:ViaService": dep.s3_service,
        "kms:EncryptionContext:aws:s3:arn": target.object_arns(dep.source)[0],
    }
    role = cast.role_words
    return [
        layer.ask(
            role,
            cast.role,
            "kms:Decrypt",
            key,
            allow=True,
            identity=own,
            context=via_s3,
            how="via S3",
        ),
        *(
            layer.ask(
                who,
                caller,
                "kms:Decrypt",
                key,
                allow=False,
                identity=ids,
                context=via_s3,
                fix=FIX_KEY_ROLES if caller.account_id == target.account_id else None,
                how="via S3",
            )
            for who, caller, ids in _adversaries(cast, target.account_id)
        ),
        layer.ask(
            role, cast.role, "kms:Encrypt", key, allow=False, identity=wider, fix=FIX_KEY_DECRYPT
        ),
        layer.ask(
            role,
            cast.role,
            "kms:ReEncryptFrom",
            key,
            allow=False,
            identity=wider,
            fix=FIX_KEY_DECRYPT,
        ),
        layer.ask(
            role,
            cast.role,
            "kms:CreateGrant",
            key,
            allow=False,
            identity=wider,
            context={"kms:GrantIsForAWSResource": "true", "kms:ViaService": dep.s3_service},
            fix=FIX_KEY_DECRYPT,
        ),
        layer.ask(
            role,
            cast.role,
            "kms:Decrypt",
            key,
            allow=False,
            identity=wider,
            fix=FIX_KEY_VIA_S3,
            how="not via S3",
        ),
    ]


def _ecr(dep: Deployment, target: TargetEntry, cast: _Cast) -> list[Question]:
    repository = _required(dep, Kind.ECR_REPOSITORY, dep.source.account_id)
    layer = _Layer(Layer.ECR, target.name, repository, dep.source.account_id, False)
    own = dep.identity(target.name)
    if any(arn.endswith(f":{SAGEMAKER_FULL_ACCESS}") for arn in target.managed_policy_arns):
        own = (*own, FULL_ACCESS_ECR)
    repo = dep.source.repository_arn
    role = cast.role_words
    return [
        *(
            layer.ask(role, cast.role, action, repo, allow=True, identity=own)
            for action in ECR_PULL_ACTIONS
        ),
        *(
            layer.ask(who, caller, "ecr:BatchGetImage", repo, allow=False, identity=ids)
            for who, caller, ids in _adversaries(cast, target.account_id)
        ),
        layer.ask(role, cast.role, "ecr:PutImage", repo, allow=False, identity=(*own, ADMIN)),
    ]


def _registry(dep: Deployment, target: TargetEntry, cast: _Cast) -> list[Question]:
    """The Model Registry: the role reads its versions, changes none, reads no other's."""
    group = _required(dep, Kind.MODEL_PACKAGE_GROUP, dep.source.account_id)
    layer = _Layer(Layer.REGISTRY, target.name, group, dep.source.account_id, False)
    own = dep.identity(target.name)
    if any(arn.endswith(f":{SAGEMAKER_FULL_ACCESS}") for arn in target.managed_policy_arns):
        own = (*own, ADMIN)  # AmazonSageMakerFullAccess allows every sagemaker: action
    wider = (*own, ADMIN)
    version = target.packages[0]
    others = sorted({p for t in dep.targets for p in t.packages} - set(target.packages))
    role = cast.role_words
    return [
        *(
            layer.ask(
                role, cast.role, "sagemaker:DescribeModelPackage", p, allow=True, identity=own
            )
            for p in target.packages
        ),
        *(
            layer.ask(
                who, caller, "sagemaker:DescribeModelPackage", version, allow=False, identity=ids
            )
            for who, caller, ids in _adversaries(cast, target.account_id)
        ),
        layer.ask(
            role,
            cast.role,
            "sagemaker:UpdateModelPackage",
            version,
            allow=False,
            identity=wider,
            how="approve or change it",
        ),
        *(
            layer.ask(
                role,
                cast.role,
                "sagemaker:DescribeModelPackage",
                p,
                allow=False,
                identity=wider,
                how="another target's version",
            )
            for p in others
        ),
    ]


def _trust(dep: Deployment, target: TargetEntry, cast: _Cast) -> list[Question]:
    # Assuming a role always needs its trust policy to allow (it is the role's resource policy).
    if target.existing_role and not dep.document(Kind.TRUST, target.account_id, target.name):
        return []  # the platform's trust policy is not in a render (audit reads it live)
    trust = _required(dep, Kind.TRUST, target.account_id, target.name)
    layer = _Layer(Layer.TRUST, target.name, trust, target.account_id, True)
    role = target.role_arn
    region = f"arn:{dep.partition}:sagemaker:{dep.source.region}"

    def on_behalf_of(account: str) -> dict[str, str]:
        # SageMaker sets the caller's account and resource (confused-deputy prevention).
        return {
            "aws:SourceAccount": account,
            "aws:SourceArn": f"{region}:{account}:model/{target.model_name}",
        }

    assume = "sts:AssumeRole"
    return [
        layer.ask(
            "SageMaker",
            SAGEMAKER,
            assume,
            role,
            allow=True,
            identity=(),
            context=on_behalf_of(target.account_id),
            how=f"for {target.account_id}",
        ),
        layer.ask(
            "SageMaker",
            SAGEMAKER,
            assume,
            role,
            allow=False,
            identity=(),
            context=on_behalf_of(cast.outsider_account),
            fix=FIX_TRUST,
            how=f"for {cast.outsider_account}",
        ),
        layer.ask(
            "another service (EC2)",
            OTHER_SERVICE,
            assume,
            role,
            allow=False,
            identity=(),
            context=on_behalf_of(target.account_id),
            how=f"for {target.account_id}",
        ),
        *(
            layer.ask(who, caller, assume, role, allow=False, identity=ids)
            for who, caller, ids in _adversaries(cast, target.account_id)
        ),
    ]


def questions(dep: Deployment) -> list[Question]:
    """Every question, target by target and layer by layer."""
    asked: list[Question] = []
    for target in dep.targets:
        cast = _cast(dep, target)
        asked += _s3(dep, target, cast)
        asked += _kms(dep, target, cast)
        if dep.source.image_in_source_account:
            asked += _ecr(dep, target, cast)
        if target.packages:
            asked += _registry(dep, target, cast)
        asked += _trust(dep, target, cast)
    return asked
