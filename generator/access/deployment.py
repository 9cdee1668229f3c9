"""Read a rendered folder as verify sees it: the manifest, and the policies as they are on disk.

The manifest (`xgen-manifest.json`, see docs/architecture.md) says what each policy file
is; the files themselves may have been edited by hand since `xgen render`, and verify
judges what would be applied, so it parses the files on disk and reports the edit as a
note. Anything unreadable is an `InputError` (exit 2) naming the file, place and fix.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..manifest import RENDER_FIX, SourceEntry, TargetEntry, read_manifest
from ..partitions import partition_of
from ..policy.document import Policy, PolicyError, parse_policy
from ..policy.kinds import Kind
from .conditions import UnsupportedOperator, split_operator
from .evaluate import PolicyFile


@dataclass(frozen=True)
class Document:
    """One policy document of the manifest, parsed from disk."""

    kind: Kind
    account_id: str
    target: str | None
    file: PolicyFile


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

    @property
    def partition(self) -> str:
        return self.source.object_arn.split(":")[1]

    @property
    def s3_service(self) -> str:
        """The `kms:ViaService` value S3 sends when it decrypts for a caller."""
        partition = partition_of(self.source.region)
        suffix = partition.dns_suffix if partition else "amazonaws.com"
        return f"s3.{self.source.region}.{suffix}"

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


def _read_json(path: Path, shown: str, fix: str) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("file not found", file=shown, fix=fix) from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"cannot read: {error}", file=shown, fix=fix) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(
            f"invalid JSON: {error.msg}",
            file=shown,
            place=f"{error.lineno}:{error.colno}",
            fix="fix the JSON syntax",
        ) from None


def _check_operators(policy: Policy, shown: str) -> None:
    """Refuse operators the evaluator cannot judge, rather than guess their outcome."""
    for statement in policy.statements:
        for condition in statement.conditions:
            try:
                split_operator(condition.operator)
            except UnsupportedOperator as error:
                raise InputError(
                    str(error),
                    file=shown,
                    place=f"{statement.label}.Condition",
                    fix="verify understands String*, Arn*, Bool, Null and Numeric* operators "
                    "(with ...IfExists, ForAnyValue:, ForAllValues:)",
                ) from None


def load_policy(root: Path, relative: str) -> PolicyFile:
    """A policy file of the render, parsed and checked; `relative` names it in reasons."""
    shown = str(root / relative)
    raw = _read_json(root / relative, shown, RENDER_FIX)
    try:
        policy = parse_policy(raw)
    except PolicyError as error:
        raise InputError(
            str(error), file=shown, fix="make it a valid IAM policy document"
        ) from None
    _check_operators(policy, shown)
    return PolicyFile(relative, policy)


def _drift(root: Path, relative: str, hashes: dict[str, str]) -> str | None:
    digest = hashlib.sha256((root / relative).read_bytes()).hexdigest()
    if hashes.get(relative) == digest:
        return None
    return (
        f"{relative}: edited since `xgen render` (differs from the manifest); verified as on disk"
    )


def load(root: Path) -> Deployment:
    """The deployment rendered into `root`; raises InputError for anything unreadable."""
    if not root.is_dir():
        raise InputError("not a folder", file=str(root), fix="pass the folder `xgen render` wrote")
    manifest = read_manifest(root)
    documents = tuple(
        Document(entry.kind, entry.account_id, entry.target, load_policy(root, entry.path))
        for entry in manifest.documents
    )
    notes = tuple(
        note for entry in manifest.documents if (note := _drift(root, entry.path, manifest.files))
    )
    return Deployment(
        root=root,
        name=manifest.name,
        profile=manifest.profile,
        source=manifest.source,
        targets=manifest.targets,
        documents=documents,
        notes=notes,
    )
