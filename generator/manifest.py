"""`xgen-manifest.json`: what a render wrote, and what each of its policy documents is.

One definition for its writer (`render`) and its readers (`render --check` and the
overwrite guard, `lint`, `verify`), so that a field added here reaches all of them. The
format is a contract (docs/architecture.md): extend it, never rename a field.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import InputError
from .filenames import MANIFEST
from .policy.kinds import Kind
from .safe_read import Unreadable, read_limited

if TYPE_CHECKING:
    from .model import Spec, Target

MANIFEST_VERSION = 1
RENDER_FIX = "render the folder again with `xgen render SPEC -o DIR`"


@dataclass(frozen=True)
class SourceEntry:
    """The source account's resources, as the spec named them and their ARNs."""

    account_id: str
    region: str
    dir: str
    artifact: str
    bucket_arn: str
    object_arn: str
    kms_key_arn: str
    image: str
    repository_arn: str
    image_in_source_account: bool


@dataclass(frozen=True)
class TargetEntry:
    """A target account, the execution role it creates and what is attached to it."""

    name: str
    account_id: str
    dir: str
    role_arn: str
    model_name: str
    endpoint_name: str
    managed_policy_arns: tuple[str, ...] = ()
    in_vpc: bool = False  # the model runs in the target's VPC subnets
    # The role is the platform team's (existing_role_arn): no trust policy is rendered and
    # policies on the role that xgen does not render are theirs. Written only when true.
    existing_role: bool = False
    # Written for a spec with `models` only (a spec without keeps its manifest as it was):
    version: str | None = None  # the version the endpoint serves
    artifact: str | None = None  # its S3 URI
    moving_from: str | None = None  # the version the endpoint moves off, still granted
    reads: tuple[str, ...] = ()  # object ARNs the role may read (served, then moving off)
    pin: tuple[tuple[str, str], ...] = ()  # (("version_id" | "etag", value),): the content
    packages: tuple[str, ...] = ()  # Model Registry version ARNs the role may read

    @property
    def root_arn(self) -> str:
        partition = self.role_arn.split(":")[1]
        return f"arn:{partition}:iam::{self.account_id}:root"

    def object_arns(self, source: SourceEntry) -> tuple[str, ...]:
        """The artifacts this target's role may read (a render without `models`: the one)."""
        return self.reads or (source.object_arn,)

    def served_object(self, source: SourceEntry) -> str:
        """The object ARN of what this target's endpoint serves (`reads` lists it first)."""
        return self.object_arns(source)[0]

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["managed_policy_arns"] = list(self.managed_policy_arns)
        for key in (*SERVING_FIELDS, "existing_role"):
            if not data[key]:
                del data[key]
        if "reads" in data:
            data["reads"] = list(self.reads)
        if "pin" in data:
            data["pin"] = dict(self.pin)
        if "packages" in data:
            data["packages"] = list(self.packages)
        return data


SERVING_FIELDS = ("version", "artifact", "moving_from", "reads", "pin", "packages")


@dataclass(frozen=True)
class DocumentEntry:
    """One policy file of the render (path relative to the render's folder)."""

    path: str
    kind: Kind
    account_id: str
    target: str | None = None
    kept_statements: tuple[str, ...] = ()  # digests of the statements kept from the spec


@dataclass(frozen=True)
class Manifest:
    xgen_version: str
    spec_sha256: str
    name: str
    profile: str
    source: SourceEntry
    targets: tuple[TargetEntry, ...]
    documents: tuple[DocumentEntry, ...]
    files: dict[str, str] = field(default_factory=dict)  # path -> sha256

    def to_json(self) -> bytes:
        """The manifest file's bytes: stable key order, newline-terminated."""
        data = {
            "manifest_version": MANIFEST_VERSION,
            "xgen_version": self.xgen_version,
            "spec_sha256": self.spec_sha256,
            "name": self.name,
            "profile": self.profile,
            "source": asdict(self.source),
            "targets": [t.to_json() for t in self.targets],
            "documents": [
                {"path": d.path, "kind": str(d.kind), "account_id": d.account_id}
                | ({"target": d.target} if d.target else {})
                | ({"kept_statements": list(d.kept_statements)} if d.kept_statements else {})
                for d in self.documents
            ],
            "files": [{"path": path, "sha256": digest} for path, digest in self.files.items()],
        }
        return (json.dumps(data, indent=2) + "\n").encode("utf-8")


def deployment_entries(spec: Spec) -> tuple[SourceEntry, tuple[TargetEntry, ...]]:
    """What a spec deploys, as the manifest records it (render writes it; lint --spec uses it).

    With `models`, `source.artifact` and `source.image` name what the first target serves
    (the fields are a contract); each target says what it serves and reads.
    """
    from .policy.build import source_dir, target_dir
    from .policy.target import managed_policy_arns

    source = spec.source
    first = spec.version(spec.targets[0])
    partition = source.partition.id
    return (
        SourceEntry(
            account_id=source.account_id,
            region=source.region,
            dir=source_dir(spec),
            artifact=first.artifact,
            bucket_arn=spec.bucket_arn,
            object_arn=first.object_arn(partition),
            kms_key_arn=source.kms_key_arn,
            image=first.image,
            repository_arn=spec.repository_arn,
            image_in_source_account=spec.image_in_source_account,
        ),
        tuple(
            _target_entry(spec, target, target_dir(target), managed_policy_arns(spec))
            for target in spec.targets
        ),
    )


def _target_entry(spec: Spec, target: Target, folder: str, managed: list[str]) -> TargetEntry:
    entry = TargetEntry(
        name=target.name,
        account_id=target.account_id,
        dir=folder,
        role_arn=spec.role_arn(target),
        model_name=spec.model_name(target),
        endpoint_name=spec.endpoint_name(target),
        managed_policy_arns=tuple(managed),
        in_vpc=target.vpc is not None,
        existing_role=target.existing_role_arn is not None,
    )
    if not spec.versioned:
        return entry
    version = spec.version(target)
    return replace(
        entry,
        version=spec.served(target),
        artifact=version.artifact,
        moving_from=target.moving_from,
        reads=tuple(spec.object_arn(name) for name in spec.reads(target)),
        pin=tuple(version.pin.items()),
        packages=tuple(p for name in spec.reads(target) if (p := spec.package_arn(name))),
    )


def read_manifest(folder: Path) -> Manifest:
    """The manifest of the render in `folder`; InputError when missing or malformed."""
    path = folder / MANIFEST
    shown = str(path)
    try:
        # A regular file of bounded size: a pull request can put a FIFO or a huge file here.
        data = json.loads(read_limited(path).decode("utf-8"))
    except Unreadable as error:
        if error.missing:
            raise InputError(
                "no xgen manifest here", file=shown, fix="pass a folder written by `xgen render`"
            ) from None
        raise InputError(f"cannot read: {error}", file=shown, fix=RENDER_FIX) from None
    except UnicodeDecodeError as error:
        raise InputError(f"cannot read: {error}", file=shown, fix=RENDER_FIX) from None
    except RecursionError:
        raise InputError("invalid JSON: nested too deeply", file=shown, fix=RENDER_FIX) from None
    except json.JSONDecodeError as error:
        raise InputError(
            f"invalid JSON: {error.msg}",
            file=shown,
            place=f"{error.lineno}:{error.colno}",
            fix="restore it from version control, or " + RENDER_FIX,
        ) from None
    except ValueError as error:  # e.g. an integer of more digits than Python converts
        raise InputError(f"invalid JSON: {error}", file=shown, fix=RENDER_FIX) from None
    return parse_manifest(data, shown)


def parse_manifest(data: Any, shown: str) -> Manifest:
    """A manifest from its parsed JSON; `shown` names the file in errors."""
    get = _Getter(shown)
    source = get.mapping(data, "source")
    return Manifest(
        xgen_version=get.value(data, "xgen_version", str),
        spec_sha256=get.value(data, "spec_sha256", str),
        name=get.value(data, "name", str),
        profile=get.value(data, "profile", str),
        source=SourceEntry(
            **{
                name: get.value(
                    source, name, bool if name == "image_in_source_account" else str, "source"
                )
                for name in SourceEntry.__dataclass_fields__
            }
        ),
        targets=tuple(
            TargetEntry(
                **{
                    name: get.value(entry, name, str, f"targets[{index}]")
                    for name in (
                        "name",
                        "account_id",
                        "dir",
                        "role_arn",
                        "model_name",
                        "endpoint_name",
                    )
                },
                managed_policy_arns=tuple(
                    get.strings(entry, "managed_policy_arns", f"targets[{index}]")
                ),
                in_vpc=get.flag(entry, "in_vpc", f"targets[{index}]"),
                existing_role=get.flag(entry, "existing_role", f"targets[{index}]"),
                **get.serving(entry, f"targets[{index}]"),
            )
            for index, entry in enumerate(get.items(data, "targets"))
        ),
        documents=tuple(
            DocumentEntry(
                path=get.path(entry, f"documents[{index}]"),
                kind=get.kind(entry, f"documents[{index}]"),
                account_id=get.value(entry, "account_id", str, f"documents[{index}]"),
                target=entry.get("target") if isinstance(entry.get("target"), str) else None,
                kept_statements=get.digests(entry, "kept_statements", f"documents[{index}]"),
            )
            for index, entry in enumerate(get.items(data, "documents"))
        ),
        files={
            get.path(entry, f"files[{index}]"): get.value(entry, "sha256", str, f"files[{index}]")
            for index, entry in enumerate(get.items(data, "files"))
        },
    )


class _Getter:
    """Typed access to the manifest's JSON; anything else is an InputError with its place."""

    def __init__(self, shown: str) -> None:
        self.shown = shown

    def _fail(self, place: str, what: str) -> InputError:
        return InputError(what, file=self.shown, place=place, fix=RENDER_FIX)

    def value(self, data: Any, key: str, kind: type, where: str = "") -> Any:
        place = f"{where}.{key}" if where else key
        value = data.get(key) if isinstance(data, dict) else None
        if not isinstance(value, kind):
            raise self._fail(place, f"missing or not a {kind.__name__}")
        return value

    def path(self, entry: dict[str, Any], where: str) -> str:
        """A path inside the render's folder: relative, '/'-separated, no '..' or '.' parts.

        A manifest is committed beside the render, so a pull request can change it: a path
        that could leave the folder is refused, whatever reads it.
        """
        text = self.value(entry, "path", str, where)
        parts = text.split("/")
        if (
            not text
            or text.startswith("/")
            or "\\" in text
            or any(part in ("", ".", "..") for part in parts)
            or any(ord(char) < 32 for char in text)
        ):
            raise self._fail(f"{where}.path", f"{text!r} is not a path inside the render's folder")
        return text

    def mapping(self, data: Any, key: str) -> dict[str, Any]:
        return self.value(data, key, dict)

    def items(self, data: Any, key: str) -> list[dict[str, Any]]:
        values = self.value(data, key, list)
        for index, item in enumerate(values):
            if not isinstance(item, dict):
                raise self._fail(f"{key}[{index}]", "not an object")
        return values

    def strings(self, data: dict[str, Any], key: str, where: str) -> list[str]:
        """An optional list of strings (fields added after manifest version 1 began)."""
        values = data.get(key, [])
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise self._fail(f"{where}.{key}", "not a list of strings")
        return values

    def digests(self, data: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
        """An optional list of sha256 digests (added after manifest version 1 began)."""
        values = data.get(key, [])
        if not isinstance(values, list) or not all(
            isinstance(v, str) and len(v) == 64 and all(c in "0123456789abcdef" for c in v)
            for v in values
        ):
            raise self._fail(f"{where}.{key}", "not a list of sha256 digests")
        return tuple(values)

    def flag(self, data: dict[str, Any], key: str, where: str) -> bool:
        """An optional boolean (fields added after manifest version 1 began): false if absent."""
        value = data.get(key, False)
        if not isinstance(value, bool):
            raise self._fail(f"{where}.{key}", "not a boolean")
        return value

    def serving(self, entry: dict[str, Any], where: str) -> dict[str, Any]:
        """What a target serves and reads (written for specs with `models`; all optional)."""
        found: dict[str, Any] = {}
        for key in ("version", "artifact", "moving_from"):
            value = entry.get(key)
            if value is not None and not isinstance(value, str):
                raise self._fail(f"{where}.{key}", "not a string")
            found[key] = value
        found["reads"] = tuple(self.strings(entry, "reads", where))
        found["packages"] = tuple(self.strings(entry, "packages", where))
        pin = entry.get("pin", {})
        if not isinstance(pin, dict) or not all(
            k in ("version_id", "etag") and isinstance(v, str) for k, v in pin.items()
        ):
            raise self._fail(f"{where}.pin", "not a pin ({version_id|etag: text})")
        found["pin"] = tuple(pin.items())
        return found

    def kind(self, entry: dict[str, Any], where: str) -> Kind:
        text = self.value(entry, "kind", str, where)
        try:
            return Kind(text)
        except ValueError:
            raise self._fail(f"{where}.kind", f"unknown document kind {text!r}") from None
