"""The policy documents of a deployment, built from the spec for each profile, and where
each goes in the render.

Profile `seed` reproduces the AWS knowledge-center article statement for statement.
Profile `hardened` keeps its structure but grants only what the read path uses:
SageMaker assumes the target role, S3 `GetObject` runs as that role, and S3 calls
`kms:Decrypt` for it (`kms:ViaService = s3.REGION.amazonaws.com`). The source account's
documents are built in `policy.source`, the targets' in `policy.target`; facts and
sources are in the comments beside each statement.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..model import Spec, Target
from .document import statement_digest
from .kinds import Kind
from .source import bucket_policy, key_policy, model_package_group_policy, repository_policy
from .statements import PolicyDoc, Statement
from .target import inline_policies, trust_policy, volume_key_policy


@dataclass(frozen=True)
class Document:
    """One policy document and where it goes: `path` is relative to the render root."""

    path: str
    kind: Kind
    account_id: str
    body: PolicyDoc
    target: str | None = None  # the target's name for documents of a target account
    kept: tuple[str, ...] = ()  # digests of the statements kept from the spec (the user's)


def source_dir(spec: Spec) -> str:
    return f"source-{spec.source.account_id}"


def target_dir(target: Target) -> str:
    return f"target-{target.name}-{target.account_id}"


def _with_kept(
    path: str, kind: Kind, account: str, body: PolicyDoc, kept: list[Statement]
) -> Document:
    """A source document whose last statements are the ones the spec keeps."""
    return Document(path, kind, account, body, kept=tuple(statement_digest(s) for s in kept))


def documents(spec: Spec) -> list[Document]:
    """Every policy document of the deployment, in render order."""
    source = spec.source
    base = f"{source_dir(spec)}/policies"
    docs = [
        _with_kept(
            f"{base}/bucket-policy.json",
            Kind.BUCKET,
            source.account_id,
            bucket_policy(spec),
            source.bucket_policy_statements,
        ),
        _with_kept(
            f"{base}/key-policy.json",
            Kind.KEY,
            source.account_id,
            key_policy(spec),
            source.key_policy_statements,
        ),
    ]
    group = source.model_package_group
    if group is not None:
        docs.append(
            _with_kept(
                f"{base}/model-package-group-policy.json",
                Kind.MODEL_PACKAGE_GROUP,
                source.account_id,
                model_package_group_policy(spec),
                group.policy_statements,
            )
        )
    if spec.image_in_source_account:
        docs.append(
            _with_kept(
                f"{base}/ecr-repository-policy.json",
                Kind.ECR_REPOSITORY,
                source.account_id,
                repository_policy(spec),
                source.repository_policy_statements,
            )
        )
    for target in spec.targets:
        base = f"{target_dir(target)}/policies"
        account = target.account_id
        if target.existing_role_arn is None:  # an existing role's trust is the platform's
            docs.append(
                Document(
                    f"{base}/trust-policy.json",
                    Kind.TRUST,
                    account,
                    trust_policy(spec, target),
                    target.name,
                )
            )
        for name, body in inline_policies(spec, target).items():
            docs.append(Document(f"{base}/{name}.json", Kind.IDENTITY, account, body, target.name))
        if spec.creates_volume_key(target):
            docs.append(
                Document(
                    f"{base}/volume-key-policy.json",
                    Kind.KEY,
                    account,
                    volume_key_policy(spec, target),
                    target.name,
                )
            )
    return docs
