"""What each layer of a deployment must allow, and nothing more: the intended access that
`proof` checks every request against.

A layer is one resource policy: the bucket (artifacts and every other object), the model's
key, the ECR repository, the Model Registry group, each target role's trust policy, each
endpoint volume key. Each says which resources it covers, who the spec intends to reach
them (the target roles, for exactly the versions each serves or moves off), and what
profile seed's design accepts beyond that.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import z3

from ..policy.kinds import Kind
from ..policy.names import ECR_PULL_ACTIONS, SAGEMAKER_SERVICE
from ..policy.statements import SEED_GRANT_ACTIONS, SEED_KEY_ACTIONS
from .deployment import Deployment
from .evaluate import PolicyFile
from .questions import FIX_KEY_DECRYPT, FIX_KEY_ROLES, FIX_KEY_VIA_S3, FIX_TRUST, SEED, Layer
from .smt import ROLE, SERVICE, Space
from .variables import Text
from .wildcard import tokens


@dataclass
class LayerSpec:
    """What one proof needs: the policy, the resource(s), who owns it, what is intended."""

    layer: Layer
    target: str
    words: str
    intended_words: str
    policy: PolicyFile
    service: str
    owner: str
    must_allow: bool
    resource: Callable[[Space], z3.BoolRef]  # which resources: a constraint on space.resource
    intended: Callable[[Space], z3.BoolRef]
    accepted: Callable[[Space], z3.BoolRef] | None = None
    fix: str | None = None
    kept: tuple[str, ...] = field(default_factory=tuple)  # digests of the spec's own statements


def _constant(arn: str) -> Callable[[Space], z3.BoolRef]:
    return lambda sp: sp.resource == sp.s(arn)


def _objects(bucket_arn: str) -> Callable[[Space], z3.BoolRef]:
    """The bucket and every object in it."""

    def domain(sp: Space) -> z3.BoolRef:
        prefix = sp.s(bucket_arn + "/")
        objects = z3.And(
            z3.PrefixOf(prefix, sp.resource), z3.Length(sp.resource) > len(bucket_arn) + 1
        )
        return z3.Or(sp.resource == sp.s(bucket_arn), objects)

    return domain


def _some_key(partition: str, region: str, account: str) -> Callable[[Space], z3.BoolRef]:
    """Any key of the account (the volume key's id is only known after apply)."""

    def domain(sp: Space) -> z3.BoolRef:
        prefix = sp.s(f"arn:{partition}:kms:{region}:{account}:key/")
        return z3.And(z3.PrefixOf(prefix, sp.resource), z3.Length(sp.resource) > z3.Length(prefix))

    return domain


def _in(space: Space, value: z3.SeqRef, options: list[str]) -> z3.BoolRef:
    return space.any_of([value == space.s(o) for o in options])


def _role(space: Space, roles: list[str]) -> z3.BoolRef:
    return z3.And(space.aws_type == ROLE, space.any_of([space.principal_arn_is(r) for r in roles]))


def _of_account(space: Space, accounts: list[str]) -> z3.BoolRef:
    return z3.And(space.is_aws(), _in(space, space.account, accounts))


def _key_is(space: Space, key: str, value: str) -> z3.BoolRef:
    present, found = space.key(key).slots[0]
    return z3.And(present, found == space.s(value))


def _decrypt_via(dep: Deployment) -> list[str]:
    """Services the target roles decrypt through: S3 for the artifact, and SageMaker for
    Model Registry package metadata encrypted with the key (ModelPackageSecurityConfig)."""
    registry = dep.entry(Kind.MODEL_PACKAGE_GROUP, dep.source.account_id) is not None
    return [dep.s3_service, *([dep.via("sagemaker")] if registry else [])]


def _registry_layer(dep: Deployment, policy: PolicyFile, kept: tuple[str, ...]) -> LayerSpec:
    """The model package group: each role reads the versions it deploys and the group."""
    src = dep.source
    group_arn = dep.group_arn
    assert group_arn is not None  # a group document comes with the versions it grants
    packages = group_arn.replace(":model-package-group/", ":model-package/") + "/"

    def domain(sp: Space) -> z3.BoolRef:
        versions = z3.And(
            z3.PrefixOf(sp.s(packages), sp.resource), z3.Length(sp.resource) > len(packages)
        )
        return z3.Or(sp.resource == sp.s(group_arn), versions)

    def intended(sp: Space) -> z3.BoolRef:
        reads = [
            z3.And(
                _role(sp, [t.role_arn]),
                sp.action == sp.s("sagemaker:describemodelpackage"),
                _in(sp, sp.resource, list(t.packages)),
            )
            for t in dep.targets
            if t.packages
        ]
        group = z3.And(
            _role(sp, [t.role_arn for t in dep.targets]),
            sp.action == sp.s("sagemaker:describemodelpackagegroup"),
            sp.resource == sp.s(group_arn),
        )
        return z3.Or(_of_account(sp, [src.account_id]), group, *reads)

    return LayerSpec(
        Layer.REGISTRY,
        "",
        f"model package group {group_arn} and its versions",
        "each target role reads the versions it deploys, and the group; the source account",
        policy,
        "sagemaker",
        src.account_id,
        False,
        domain,
        intended,
        kept=kept,
    )


def _reads_own_artifacts(sp: Space, dep: Deployment) -> z3.BoolRef:
    """A target role on one of the artifacts it serves or moves off, never another's."""
    return z3.Or(
        *(
            z3.And(_role(sp, [t.role_arn]), _in(sp, sp.resource, list(t.object_arns(dep.source))))
            for t in dep.targets
        )
    )


def _seed_key_use(space: Space, accounts: list[str]) -> z3.BoolRef:
    """What profile seed's key grants the target accounts, as the article (and the KMS
    console's "other AWS accounts") writes it: the five key-use actions, and grants only
    for AWS resources (kms:GrantIsForAWSResource, which AWS services set when they create
    a grant for the caller). Anything more (kms:PutKeyPolicy, a grant to anyone) is not
    the article's design and is not accepted.
    https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-users-crossaccount
    https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-grant-is-for-aws-resource
    """
    use = [tokens((Text(a.lower()),)) for a in SEED_KEY_ACTIONS]
    grants = [space.action == space.s(a.lower()) for a in SEED_GRANT_ACTIONS]
    present, value = space.key("kms:grantisforawsresource").slots[0]
    for_aws_resource = z3.And(present, z3.InRe(value, space.re.caseless("true")))
    return z3.And(
        _of_account(space, accounts),
        z3.Or(
            z3.InRe(space.action, z3.Union(*(space.re.pattern(p) for p in use))),
            z3.And(space.any_of(grants), for_aws_resource),
        ),
    )


def layers(dep: Deployment) -> list[LayerSpec]:
    """The layers of a deployment and what each must allow (nothing else)."""
    src = dep.source
    roles = [t.role_arn for t in dep.targets]
    targets = [t.account_id for t in dep.targets]
    source = [src.account_id]
    seed = dep.profile == SEED
    found: list[LayerSpec] = []
    bucket = dep.entry(Kind.BUCKET, src.account_id)
    if bucket:
        found.append(
            LayerSpec(
                Layer.S3,
                "",
                f"bucket {src.bucket_arn} and its objects",
                "the target roles read the artifact; the source account",
                bucket.file,
                "s3",
                src.account_id,
                False,
                _objects(src.bucket_arn),
                lambda sp: z3.Or(
                    _of_account(sp, source),
                    z3.And(sp.action == sp.s("s3:getobject"), _reads_own_artifacts(sp, dep)),
                ),
                kept=bucket.kept,
            )
        )
    key = dep.entry(Kind.KEY, src.account_id)
    if key:
        found.append(
            LayerSpec(
                Layer.KMS,
                "",
                f"key {src.kms_key_arn}",
                "the target roles decrypt via S3; the source account",
                key.file,
                "kms",
                src.account_id,
                True,
                _constant(src.kms_key_arn),
                lambda sp: z3.Or(
                    _of_account(sp, source),
                    z3.And(
                        _role(sp, roles),
                        sp.action == sp.s("kms:decrypt"),
                        z3.Or(*(_key_is(sp, "kms:viaservice", via) for via in _decrypt_via(dep))),
                    ),
                ),
                (lambda sp: _seed_key_use(sp, targets)) if seed else None,
                f"{FIX_KEY_ROLES}; {FIX_KEY_DECRYPT}; {FIX_KEY_VIA_S3}",
                kept=key.kept,
            )
        )
    repository = dep.entry(Kind.ECR_REPOSITORY, src.account_id)
    if repository and src.image_in_source_account:
        pulls = [a.lower() for a in ECR_PULL_ACTIONS]
        found.append(
            LayerSpec(
                Layer.ECR,
                "",
                f"repository {src.repository_arn}",
                "the target roles pull the image; the source account",
                repository.file,
                "ecr",
                src.account_id,
                False,
                _constant(src.repository_arn),
                lambda sp: z3.Or(
                    _of_account(sp, source), z3.And(_role(sp, roles), _in(sp, sp.action, pulls))
                ),
                kept=repository.kept,
            )
        )
    group = dep.entry(Kind.MODEL_PACKAGE_GROUP, src.account_id)
    if group:
        found.append(_registry_layer(dep, group.file, group.kept))
    for target in dep.targets:
        trust = dep.entry(Kind.TRUST, target.account_id, target.name)
        if trust:
            account = target.account_id

            def sagemaker(sp: Space) -> z3.BoolRef:
                return z3.And(
                    sp.kind == SERVICE,
                    sp.service == sp.s(SAGEMAKER_SERVICE),
                    sp.action == sp.s("sts:assumerole"),
                )

            found.append(
                LayerSpec(
                    Layer.TRUST,
                    target.name,
                    f"role {target.role_arn}",
                    f"SageMaker assumes the role for account {account}",
                    trust.file,
                    "sts",
                    account,
                    True,
                    _constant(target.role_arn),
                    lambda sp, account=account, sagemaker=sagemaker: z3.And(
                        sagemaker(sp), _key_is(sp, "aws:sourceaccount", account)
                    ),
                    sagemaker if seed else None,
                    FIX_TRUST,
                )
            )
        volume = dep.entry(Kind.KEY, target.account_id, target.name)
        if volume:
            found.append(
                LayerSpec(
                    Layer.KMS,
                    target.name,
                    f"the endpoint volume key of account {target.account_id}",
                    f"principals of account {target.account_id}",
                    volume.file,
                    "kms",
                    target.account_id,
                    True,
                    _some_key(dep.partition, src.region, target.account_id),
                    lambda sp, account=target.account_id: _of_account(sp, [account]),
                )
            )
    return found
