"""Which versions a spec has and who serves them: the checks across `models` and `targets`.

A spec either names its versions (`models:`, each target `serves` one) or keeps the first
release's shape (`source.artifact` and `source.image`, one version), never both. Each
message starts with the field it blames, so the CLI points at its line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .version import VERSION_NAME, sid_part

if TYPE_CHECKING:
    from .spec import Spec
    from .version import ModelVersion


def check_versions(spec: Spec) -> None:
    """Raise ValueError "field: what; fix" for a spec whose versions do not fit together."""
    if spec.models is None:
        _check_single(spec)
        _check_image_region(spec, "source.image", spec.versions[""])
        return
    for field in ("artifact", "image"):
        if getattr(spec.source, field) is not None:
            raise ValueError(
                f"source.{field}: with `models`, each version names its own {field}; move "
                f"it under models.<name>.{field} (or remove `models`)"
            )
    _check_names(spec)
    _check_targets(spec)
    _check_places(spec)
    _check_registry(spec)


def _check_registry(spec: Spec) -> None:
    """Model Registry: every version is a package of the group, whose key xgen manages."""
    assert spec.models is not None
    group = spec.source.model_package_group
    for name, version in spec.models.items():
        if group is None and version.package_version is not None:
            raise ValueError(
                f"models.{name}.package_version: names a package, but source has no "
                "model_package_group; add source.model_package_group.name"
            )
        if group is not None and version.package_version is None:
            raise ValueError(
                f"models.{name}.package_version: required with source.model_package_group; "
                "give the version number of its package in the group"
            )
    if group is not None and group.kms_key_arn not in (None, spec.source.kms_key_arn):
        raise ValueError(
            "source.model_package_group.kms_key_arn: is not source.kms_key_arn; xgen manages "
            "one key policy, so encrypt the packages (ModelPackageSecurityConfig) with the "
            "training key, or leave it out"
        )


def _check_single(spec: Spec) -> None:
    for field in ("artifact", "image"):
        if getattr(spec.source, field) is None:
            raise ValueError(
                f"source.{field}: required field is missing; add it, or name the versions "
                "under `models` (see `xgen init`)"
            )
    if spec.source.model_package_group is not None:
        raise ValueError(
            "source.model_package_group: needs `models`, each with its package_version; name "
            "the versions under `models`"
        )
    for index, target in enumerate(spec.targets):
        for field in ("serves", "moving_from"):
            if getattr(target, field) is not None:
                raise ValueError(
                    f"targets[{index}].{field}: the spec has no `models` to choose from; "
                    "name the versions under `models`, or remove it"
                )


def _check_names(spec: Spec) -> None:
    assert spec.models is not None
    sids: dict[str, str] = {}
    for name in spec.models:
        if not VERSION_NAME.match(name):
            raise ValueError(
                f"models: version name {name!r} is not usable in a policy's Sid; use 1-32 "
                "lowercase letters, digits or '-', e.g. v8 or 2024-06-01"
            )
        other = sids.setdefault(sid_part(name), name)
        if other != name:
            raise ValueError(
                f"models: versions {other!r} and {name!r} would share Sids; rename one"
            )


def _check_targets(spec: Spec) -> None:
    assert spec.models is not None
    known = ", ".join(spec.models)
    for index, target in enumerate(spec.targets):
        if target.serves is None and len(spec.models) > 1:
            raise ValueError(
                f"targets[{index}].serves: required when there are several versions; add "
                f"the version this endpoint serves (one of {known})"
            )
        for field in ("serves", "moving_from"):
            name = getattr(target, field)
            if name is not None and name not in spec.models:
                raise ValueError(
                    f"targets[{index}].{field}: {name!r} is not a version under `models`; "
                    f"use one of {known}"
                )


def _check_image_region(spec: Spec, field: str, version: ModelVersion) -> None:
    if version.image_region != spec.source.region:
        raise ValueError(
            f"{field}: the image is in {version.image_region} but source.region is "
            f"{spec.source.region}; SageMaker pulls images only from its own region, so "
            "replicate the repository there"
        )


def _check_places(spec: Spec) -> None:
    """One bucket, one region, one source repository, one object per version."""
    assert spec.models is not None
    first_name, first = next(iter(spec.models.items()))
    objects: dict[str, str] = {}
    repositories: dict[str, str] = {}
    for name, version in spec.models.items():
        if version.bucket != first.bucket:
            raise ValueError(
                f"models.{name}.artifact: bucket {version.bucket} is not {first.bucket} of "
                f"models.{first_name}; xgen manages one bucket policy, so keep every version "
                "in one bucket (or use a spec per bucket)"
            )
        _check_image_region(spec, f"models.{name}.image", version)
        other = objects.setdefault(version.artifact, name)
        if other != name:
            raise ValueError(
                f"models.{name}.artifact: the same object as models.{other}; SageMaker "
                "downloads an object's current content at every instance start, so two "
                "versions at one key cannot be served side by side: upload each version to "
                "a key of its own (e.g. .../v8/model.tar.gz)"
            )
        if version.image_account_id == spec.source.account_id:
            repositories.setdefault(version.repository_name, name)
    if len(repositories) > 1:
        (one, a), (two, b) = list(repositories.items())[:2]
        raise ValueError(
            f"models.{b}.image: repository {two} is not {one} of models.{a}; xgen manages "
            "one ECR repository policy in the source account, so push every version's "
            "image to one repository (as tags)"
        )
