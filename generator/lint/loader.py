"""From the paths on the command line to `LintDocument`s, with per-file read errors.

Folders are walked (hidden folders skipped). A folder with `xgen-manifest.json` is a
render: the manifest gives each document's kind, account, target and profile. A policy
file passed alone finds its render's manifest in a parent folder (pre-commit passes single
files). `.tf` files are read before loose JSON so that `file("x.json")` gives the kind.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..manifest import MANIFEST, read_manifest
from ..policy.document import PolicyError, parse_policy
from ..policy.kinds import Kind
from .context import LintDocument, Origin
from .deployment import Deployment
from .infer import infer_kind
from .sources import Raw, ReadError
from .sources.jsonfile import load_json, locator, policy_raws
from .suppress import Suppression, inline

MANIFEST_SEARCH_DEPTH = 4
SKIP_DIRS = ("node_modules", "__pycache__")


@dataclass
class Inputs:
    documents: list[LintDocument] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    suppressions: list[Suppression] = field(default_factory=list)


@dataclass(frozen=True)
class Placement:
    """What a manifest says about one document."""

    deployment: Deployment
    kind: Kind
    account_id: str | None
    target: str | None


class Loader:
    def __init__(self, kind: Kind | None, deployment: Deployment | None) -> None:
        self.kind = kind
        self.deployment = deployment
        self.inputs = Inputs()
        self.seen: set[Path] = set()
        self.manifests: dict[Path, dict[Path, Placement] | None] = {}

    def load(self, paths: list[Path]) -> Inputs:
        json_files: list[tuple[Path, str]] = []
        tf_files: list[tuple[Path, str]] = []
        for path in paths:
            if path.is_dir():
                for found in _walk(path):
                    (tf_files if found.suffix == ".tf" else json_files).append((found, str(found)))
            elif path.is_file():
                (tf_files if path.suffix == ".tf" else json_files).append((path, str(path)))
            else:
                self.error(str(path), "no such file or folder")
        for path, display in tf_files:
            self._terraform(path, display)
        for path, display in json_files:
            self._json(path, display)
        return self.inputs

    def error(self, file: str, why: str) -> None:
        self.inputs.errors.append(f"{file}: cannot read policy: {why}")

    def _json(self, path: Path, display: str) -> None:
        resolved = path.resolve()
        if resolved in self.seen or path.name == MANIFEST:
            return
        self.seen.add(resolved)
        try:
            value, text = load_json(path.read_bytes(), display)
            raws = policy_raws(value, text, display)
        except ReadError as error:
            self.error(display, str(error))
            return
        except OSError as error:
            self.error(display, error.strerror or str(error))
            return
        placement = self._placement(resolved) if raws else None
        for raw in raws:
            self._add(raw, placement)

    def _terraform(self, path: Path, display: str) -> None:
        from .sources.terraform import TerraformFile

        try:
            tf = TerraformFile(path, display)
            raws = tf.raws(self.seen)
        except ReadError as error:
            self.error(display, str(error))
            return
        except OSError as error:
            self.error(display, error.strerror or str(error))
            return
        for number, lines, text in tf.suppressions():
            self.inputs.suppressions.append(inline(display, number, lines, text))
        for raw in raws:
            file_path = Path(raw.file).resolve() if raw.text is not None else None
            self._add(raw, self._placement(file_path) if file_path else None)

    def _placement(self, path: Path) -> Placement | None:
        """The manifest's entry for a policy file, from the nearest render above it."""
        folder = path.parent
        for _ in range(MANIFEST_SEARCH_DEPTH):
            entries = self._manifest(folder)
            if entries is not None:
                return entries.get(path)
            if folder.parent == folder:
                break
            folder = folder.parent
        return None

    def _manifest(self, folder: Path) -> dict[Path, Placement] | None:
        if folder not in self.manifests:
            self.manifests[folder] = None
            if (folder / MANIFEST).is_file():
                self.manifests[folder] = self._read_manifest(folder)
        return self.manifests[folder]

    def _read_manifest(self, folder: Path) -> dict[Path, Placement]:
        try:
            manifest = read_manifest(folder)
        except InputError as error:
            self.error(str(folder / MANIFEST), f"not an xgen manifest ({error})")
            return {}
        deployment = Deployment.from_manifest(manifest)
        return {
            (folder / d.path).resolve(): Placement(deployment, d.kind, d.account_id, d.target)
            for d in manifest.documents
        }

    def _add(self, raw: Raw, placement: Placement | None) -> None:
        try:
            policy = parse_policy(raw.body)
            size = _size(raw.body)
        except PolicyError as error:
            self.error(f"{raw.file}:{raw.line}", str(error))
            return
        except RecursionError:
            self.error(f"{raw.file}:{raw.line}", "nested too deeply")
            return
        deployment = placement.deployment if placement else self.deployment
        written = placement.kind if placement else raw.kind
        kind = self.kind or (Kind(written) if written in set(Kind) else infer_kind(policy))
        self.inputs.documents.append(
            LintDocument(
                policy=policy,
                kind=kind,
                origin=_origin(raw),
                size=size,
                account_id=placement.account_id if placement else None,
                target=placement.target if placement else None,
                profile=deployment.profile if deployment else "hardened",
                deployment=deployment,
            )
        )


def _origin(raw: Raw) -> Origin:
    if raw.text is not None:
        text = raw.text
        return Origin(raw.file, raw.line, raw.col, lambda: locator(text))
    if raw.statement_lines:
        lines = raw.statement_lines
        return Origin(raw.file, raw.line, raw.col, lambda: [(line, 1) for line in lines])
    return Origin(raw.file, raw.line, raw.col)


def _size(body: Any) -> int:
    return len(json.dumps(body, separators=(",", ":"), ensure_ascii=False))


def _walk(root: Path) -> list[Path]:
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIP_DIRS)
        found.extend(Path(folder) / f for f in sorted(files) if f.endswith((".json", ".tf")))
    return found
