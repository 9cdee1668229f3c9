"""What a deployment is meant to be, from a rendered folder's manifest or from a spec.

Rules compare policies against it: the role ARNs the targets create, the source's key and
artifact object. Plain policy files linted without `--spec` have no deployment.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..manifest import Manifest, TargetEntry

if TYPE_CHECKING:
    from ..model import Spec

PROFILES = ("hardened", "seed")


@dataclass(frozen=True)
class Deployment:
    """The source's resources and the targets that must be able to read them."""

    profile: str
    source_account: str
    bucket_arn: str
    object_arn: str
    kms_key_arn: str
    repository_arn: str | None
    targets: tuple[TargetEntry, ...]

    @property
    def role_arns(self) -> frozenset[str]:
        return frozenset(t.role_arn for t in self.targets)

    @classmethod
    def from_manifest(cls, manifest: Manifest) -> Deployment:
        """From a render's `xgen-manifest.json`."""
        source = manifest.source
        return cls(
            profile=manifest.profile,
            source_account=source.account_id,
            bucket_arn=source.bucket_arn,
            object_arn=source.object_arn,
            kms_key_arn=source.kms_key_arn,
            repository_arn=source.repository_arn if source.image_in_source_account else None,
            targets=manifest.targets,
        )

    @classmethod
    def from_spec(cls, spec: Spec) -> Deployment:
        """From a loaded spec, with the model's derived ARNs."""
        from ..policy.build import managed_policy_arns, target_dir

        source = spec.source
        return cls(
            profile=spec.profile,
            source_account=source.account_id,
            bucket_arn=source.bucket_arn,
            object_arn=source.object_arn,
            kms_key_arn=source.kms_key_arn,
            repository_arn=source.repository_arn if source.image_in_source_account else None,
            targets=tuple(
                TargetEntry(
                    name=t.name,
                    account_id=t.account_id,
                    dir=target_dir(t),
                    role_arn=spec.role_arn(t),
                    model_name=spec.model_name(t),
                    endpoint_name=spec.endpoint_name(t),
                    managed_policy_arns=tuple(managed_policy_arns(spec)),
                )
                for t in spec.targets
            ),
        )
