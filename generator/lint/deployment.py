"""What a deployment is meant to be, from a rendered folder's manifest or from a spec.

Rules compare policies against it: the role ARNs the targets create, the source's key and
artifact object. Plain policy files linted without `--spec` have no deployment.
"""

from __future__ import annotations

from ..records import Record

TYPE_CHECKING = False  # typing.TYPE_CHECKING; `typing` costs lint 4 ms to import
if TYPE_CHECKING:
    from ..manifest import Manifest, SourceEntry, TargetEntry
    from ..model import Spec

PROFILES = ("hardened", "seed")


class Deployment(Record):
    """The source's resources and the targets that must be able to read them."""

    profile: str
    source_account: str
    bucket_arn: str
    object_arn: str
    object_arns: frozenset[str]  # every artifact some target reads (a spec's versions)
    kms_key_arn: str
    repository_arn: str | None
    targets: tuple[TargetEntry, ...]
    source: SourceEntry

    def reads(self, target: TargetEntry) -> tuple[str, ...]:
        """The artifacts `target`'s role may read: what it serves and what it moves off."""
        return target.object_arns(self.source)

    @property
    def role_arns(self) -> frozenset[str]:
        return frozenset(t.role_arn for t in self.targets)

    @classmethod
    def from_manifest(cls, manifest: Manifest) -> Deployment:
        """From a render's `xgen-manifest.json`."""
        return cls._of(manifest.profile, manifest.source, manifest.targets)

    @classmethod
    def from_spec(cls, spec: Spec) -> Deployment:
        """From a loaded spec: what its render's manifest would say."""
        from ..manifest import deployment_entries  # with a spec only: lint's JSON needs none

        return cls._of(spec.profile, *deployment_entries(spec))

    @classmethod
    def _of(cls, profile: str, source: SourceEntry, targets: tuple[TargetEntry, ...]) -> Deployment:
        return cls(
            profile=profile,
            source_account=source.account_id,
            bucket_arn=source.bucket_arn,
            object_arn=source.object_arn,
            object_arns=frozenset(arn for t in targets for arn in t.object_arns(source)),
            kms_key_arn=source.kms_key_arn,
            repository_arn=source.repository_arn if source.image_in_source_account else None,
            targets=targets,
            source=source,
        )
