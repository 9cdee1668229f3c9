"""`xgen-manifest.json`: what a render wrote, and what each of its policy documents is.

One definition for its writer (`render`) and its readers (`render --check` and the
overwrite guard, `lint`, `verify`), so that a field added here reaches all of them. The
format is a contract (docs/architecture.md): extend it, never rename a field.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import InputError
from .policy.kinds import Kind
from .safe_read import Unreadable, read_limited

if TYPE_CHECKING:
    from .model import Spec

MANIFEST = "xgen-manifest.json"
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

    @property
    def root_arn(self) -> str:
        partition = self.role_arn.split(":")[1]
        return f"arn:{partition}:iam::{self.account_id}:root"


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
            "targets": [
                {**asdict(t), "managed_policy_arns": list(t.managed_policy_arns)}
                for t in self.targets
            ],
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
    """What a spec deploys, as the manifest records it (render writes it; lint --spec uses it)."""
    from .policy.build import managed_policy_arns, source_dir, target_dir

    source = spec.source
    return (
        SourceEntry(
            account_id=source.account_id,
            region=source.region,
            dir=source_dir(spec),
            artifact=source.artifact,
            bucket_arn=source.bucket_arn,
            object_arn=source.object_arn,
            kms_key_arn=source.kms_key_arn,
            image=source.image,
            repository_arn=source.repository_arn,
            image_in_source_account=source.image_in_source_account,
        ),
        tuple(
            TargetEntry(
                name=target.name,
                account_id=target.account_id,
                dir=target_dir(target),
                role_arn=spec.role_arn(target),
                model_name=spec.model_name(target),
                endpoint_name=spec.endpoint_name(target),
                managed_policy_arns=tuple(managed_policy_arns(spec)),
                in_vpc=target.vpc is not None,
            )
            for target in spec.targets
        ),
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

    def kind(self, entry: dict[str, Any], where: str) -> Kind:
        text = self.value(entry, "kind", str, where)
        try:
            return Kind(text)
        except ValueError:
            raise self._fail(f"{where}.kind", f"unknown document kind {text!r}") from None
