"""Read a rendered folder as verify sees it: the manifest, and the policies as they are on disk.

The manifest (`xgen-manifest.json`, see docs/architecture.md) says what each policy file
is; the files themselves may have been edited by hand since `xgen render`, and verify
judges what would be applied, so it parses the files on disk and reports the edit as a
note. Anything unreadable is an `InputError` (exit 2) naming the file, place and fix;
files are read as `safe_read` reads them, and only inside the rendered folder.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..foreign import foreign_terraform
from ..manifest import MANIFEST, RENDER_FIX, SourceEntry, TargetEntry, read_manifest
from ..partitions import partition_of
from ..policy.document import PolicyError, parse_policy
from ..policy.kinds import Kind
from ..safe_read import Unreadable, read_limited, refuse_constant, within
from .evaluate import PolicyFile


@dataclass(frozen=True)
class Document:
    """One policy document of the manifest, parsed from disk."""

    kind: Kind
    account_id: str
    target: str | None
    file: PolicyFile
    kept: tuple[str, ...] = ()  # digests of the statements kept from the spec (the user's)


@dataclass(frozen=True)
class Deployment:
    """What verify needs from a rendered folder."""

    root: Path
    name: str
    profile: str
    source: SourceEntry
    targets: tuple[TargetEntry, ...]
    documents: tuple[Document, ...]
    notes: tuple[str, ...]  # hand edits since the render
    written: frozenset[str] = frozenset()  # every file xgen wrote (the manifest's list)

    @property
    def partition(self) -> str:
        return self.source.object_arn.split(":")[1]

    @property
    def s3_service(self) -> str:
        """The `kms:ViaService` value S3 sends when it decrypts for a caller."""
        return self.via("s3")

    def via(self, service: str) -> str:
        """The `kms:ViaService` value `service` of the source's region sends."""
        partition = partition_of(self.source.region)
        suffix = partition.dns_suffix if partition else "amazonaws.com"
        return f"{service}.{self.source.region}.{suffix}"

    @property
    def group_arn(self) -> str | None:
        """The Model Registry group the targets deploy versions of (None: not the registry)."""
        package = next((p for t in self.targets for p in t.packages), None)
        if package is None:
            return None
        return package.rsplit("/", 1)[0].replace(":model-package/", ":model-package-group/")

    def entry(self, kind: Kind, account_id: str, target: str | None = None) -> Document | None:
        """The one document of `kind` in `account_id` (of `target`, for target documents)."""
        for doc in self.documents:
            if doc.kind is kind and doc.account_id == account_id and doc.target == target:
                return doc
        return None

    def document(self, kind: Kind, account_id: str, target: str | None = None) -> PolicyFile | None:
        """The policy file of `entry(kind, account_id, target)`."""
        found = self.entry(kind, account_id, target)
        return found.file if found else None

    def identity(self, target: str) -> tuple[PolicyFile, ...]:
        """The inline policies of a target's role."""
        return tuple(
            d.file for d in self.documents if d.kind is Kind.IDENTITY and d.target == target
        )


def read_json(path: str | Path, shown: str, fix: str) -> tuple[Any, bytes]:
    """The parsed JSON of a render's file and its bytes; InputError if unreadable.

    Read as `safe_read` reads: a regular file of at most 4 MiB (a pull request can put a
    FIFO, a device or a huge file in a render's place).
    """
    try:
        data = read_limited(path)
    except Unreadable as error:
        if error.missing:
            raise InputError("file not found", file=shown, fix=fix) from None
        raise InputError(f"cannot read: {error}", file=shown, fix=fix) from None
    try:
        return json.loads(data.decode("utf-8"), parse_constant=refuse_constant), data
    except UnicodeDecodeError as error:
        why = f"not UTF-8 ({error.reason} at byte {error.start})"
        raise InputError(why, file=shown, fix=fix) from None
    except json.JSONDecodeError as error:
        raise InputError(
            f"invalid JSON: {error.msg}",
            file=shown,
            place=f"{error.lineno}:{error.colno}",
            fix="fix the JSON syntax",
        ) from None
    except RecursionError:
        raise InputError("invalid JSON: nested too deeply", file=shown, fix=fix) from None
    except ValueError as error:  # e.g. an integer of more digits than Python converts
        raise InputError(f"invalid JSON: {error}", file=shown, fix=fix) from None


def load_policy(root: Path, relative: str, raw: Any) -> PolicyFile:
    """A policy file of the render, parsed and checked; `relative` names it in reasons."""
    shown = str(root / relative)
    try:
        policy = parse_policy(raw)
    except PolicyError as error:
        raise InputError(
            str(error), file=shown, fix="make it a valid IAM policy document"
        ) from None
    except RecursionError:
        raise InputError("nested too deeply", file=shown, fix=RENDER_FIX) from None
    return PolicyFile(relative, policy)


def _drift(relative: str, data: bytes, hashes: dict[str, str]) -> str | None:
    if hashes.get(relative) == hashlib.sha256(data).hexdigest():
        return None
    return (
        f"{relative}: edited since `xgen render` (differs from the manifest); verified as on disk"
    )


def refuse_foreign_terraform(deployment: Deployment) -> None:
    """What verify proves is what the policy files say; a Terraform file xgen did not
    write can make Terraform apply something else (foreign.py): refuse the folder."""
    root = deployment.root
    found = foreign_terraform(root, {*deployment.written, MANIFEST})
    if found:
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        raise InputError(
            f"a Terraform file xgen did not write{more}: Terraform applies it with the "
            "render, so the policy files are not what is applied; not verified",
            file=str(root / found[0]),
            fix="move it out of the folder, or verify what Terraform will apply: "
            "`terraform show -json PLAN > plan.json`, then `xgen verify DIR --plan plan.json`",
        )


def load(root: Path) -> Deployment:
    """The deployment rendered into `root`; raises InputError for anything unreadable.

    A document is read only if its path resolves, symlinks followed, inside `root`: the
    manifest is committed beside the render, so a pull request can point it at
    `../../secret.json`, `/etc/...` or a symlink out of the folder, and verify's reasons
    would show what it read.
    """
    if not root.is_dir():
        raise InputError("not a folder", file=str(root), fix="pass the folder `xgen render` wrote")
    manifest = read_manifest(root)
    base = os.path.realpath(root)
    documents: list[Document] = []
    notes: list[str] = []
    for index, entry in enumerate(manifest.documents):
        real = os.path.realpath(root / entry.path) if "\0" not in entry.path else ""
        if not within(real, base):
            raise InputError(
                f"{entry.path!r} resolves outside the rendered folder; not read",
                file=str(root / MANIFEST),
                place=f"documents[{index}].path",
                fix="list only the render's own policy files (inside the folder, no symlink "
                "out of it), or " + RENDER_FIX,
            )
        raw, data = read_json(real, str(root / entry.path), RENDER_FIX)
        policy = load_policy(root, entry.path, raw)
        documents.append(
            Document(entry.kind, entry.account_id, entry.target, policy, entry.kept_statements)
        )
        if note := _drift(entry.path, data, manifest.files):
            notes.append(note)
    return Deployment(
        root=root,
        name=manifest.name,
        profile=manifest.profile,
        source=manifest.source,
        targets=manifest.targets,
        documents=tuple(documents),
        notes=tuple(notes),
        written=frozenset(manifest.files),
    )
