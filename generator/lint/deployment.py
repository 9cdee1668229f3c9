"""What a deployment is meant to be, from a rendered folder's manifest or from a spec.

Rules compare policies against it: the role ARNs the targets create, the source's key and
artifact object. Plain policy files linted without `--spec` have no deployment.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..model import Spec

PROFILES = ("hardened", "seed")


@dataclass(frozen=True)
class TargetAccount:
    """A target account and the execution role it creates."""

    name: str
    account_id: str
    role_arn: str

    @property
    def root_arn(self) -> str:
        partition = self.role_arn.split(":")[1]
        return f"arn:{partition}:iam::{self.account_id}:root"


@dataclass(frozen=True)
class Deployment:
    """The source's resources and the targets that must be able to read them."""

    profile: str
    source_account: str
    bucket_arn: str
    object_arn: str
    kms_key_arn: str
    repository_arn: str | None
    targets: tuple[TargetAccount, ...]

    @property
    def role_arns(self) -> frozenset[str]:
        return frozenset(t.role_arn for t in self.targets)

    @property
    def target_accounts(self) -> frozenset[str]:
        return frozenset(t.account_id for t in self.targets)

    @classmethod
    def from_manifest(cls, manifest: dict[str, Any]) -> Deployment:
        """From `xgen-manifest.json` (KeyError/TypeError when it is not one)."""
        source = manifest["source"]
        return cls(
            profile=str(manifest.get("profile", "hardened")),
            source_account=str(source["account_id"]),
            bucket_arn=str(source["bucket_arn"]),
            object_arn=str(source["object_arn"]),
            kms_key_arn=str(source["kms_key_arn"]),
            repository_arn=source["repository_arn"]
            if source.get("image_in_source_account")
            else None,
            targets=tuple(
                TargetAccount(str(t["name"]), str(t["account_id"]), str(t["role_arn"]))
                for t in manifest["targets"]
            ),
        )

    @classmethod
    def from_spec(cls, spec: Spec) -> Deployment:
        """From a loaded spec, with the model's derived ARNs."""
        source = spec.source
        return cls(
            profile=spec.profile,
            source_account=source.account_id,
            bucket_arn=source.bucket_arn,
            object_arn=source.object_arn,
            kms_key_arn=source.kms_key_arn,
            repository_arn=source.repository_arn if source.image_in_source_account else None,
            targets=tuple(
                TargetAccount(t.name, t.account_id, spec.role_arn(t)) for t in spec.targets
            ),
        )
