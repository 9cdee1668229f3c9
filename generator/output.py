"""Put a render on disk without losing anything, or compare it with what is there.

A render is written to a temporary sibling folder and swapped into place, so a failure
leaves the previous output as it was. The previous manifest says which files xgen wrote
and with which content: any other file, or a listed file changed by hand, belongs to
the user and is never overwritten or deleted without `--force`.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path

from .errors import InputError
from .manifest import MANIFEST, Manifest, parse_manifest, read_manifest
from .render import Render


@dataclass(frozen=True)
class Drift:
    """How a folder differs from a render: files to add, to change and to remove."""

    missing: list[str]
    changed: list[str]
    stale: list[str]

    @property
    def clean(self) -> bool:
        return not (self.missing or self.changed or self.stale)

    def lines(self) -> list[str]:
        return (
            [f"{path}: missing" for path in self.missing]
            + [f"{path}: differs from the render" for path in self.changed]
            + [f"{path}: no longer rendered" for path in self.stale]
        )


def previous_manifest(out: Path) -> Manifest | None:
    """The manifest of the render already in `out`, or None when there is none."""
    if not (out / MANIFEST).is_file():
        return None
    try:
        return read_manifest(out)
    except InputError as error:
        raise InputError(
            f"cannot read the previous manifest: {error.message}",
            file=error.file,
            place=error.place,
            fix="restore it from version control, or delete the folder and render again",
        ) from None


def previous_files(out: Path) -> dict[str, str]:
    """path -> sha256 of the files the manifest in `out` says xgen wrote ({} if none)."""
    manifest = previous_manifest(out)
    return manifest.files if manifest else {}


def displaced_deployment(previous: Manifest, new: Manifest) -> str | None:
    """Why writing `new` over `previous` would abandon a deployment, or None if it would not.

    Another spec's render (another name or source account) is another deployment, and a
    target that drops out leaves its account's Terraform state behind with nothing to
    destroy it. Adding targets to the same deployment is how a spec grows, and is fine.
    """
    if previous.name != new.name:
        return f"it holds the render of spec {previous.name!r}, not {new.name!r}"
    if previous.source.account_id != new.source.account_id:
        return (
            f"it holds a render for source account {previous.source.account_id}, "
            f"not {new.source.account_id}"
        )
    dropped = sorted({t.dir for t in previous.targets} - {t.dir for t in new.targets})
    if dropped:
        return (
            f"target folders {', '.join(dropped)} would no longer be rendered, leaving "
            "their Terraform state with no configuration to destroy it"
        )
    return None


def _json(rendered: Render) -> object:
    return json.loads(rendered.files[MANIFEST])


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _existing_files(out: Path) -> list[str]:
    return sorted(
        path.relative_to(out).as_posix()
        for path in out.rglob("*")
        if path.is_file() or path.is_symlink()
    )


def check(rendered: Render, out: Path) -> Drift:
    """Compare `out` with the render, without writing anything."""
    previous = previous_files(out) if out.is_dir() else {}
    missing, changed = [], []
    for path, content in rendered.files.items():
        target = out / path
        if not target.is_file():
            missing.append(path)
        elif target.read_bytes() != content:
            changed.append(path)
    stale = sorted(p for p in previous if p not in rendered.files and (out / p).exists())
    return Drift(missing, changed, stale)


# Files that Terraform and its users keep beside a root module: state, the provider cache,
# the lock file, a backend and variable values. A render keeps them and never asks.
TERRAFORM_COMPANIONS = (
    "*/.terraform/*",
    "*/.terraform.lock.hcl",
    "*/terraform.tfstate",
    "*/terraform.tfstate.backup",
    "*/.terraform.tfstate.lock.info",
    "*/backend.tf",
    "*/override.tf",
    "*/*_override.tf",
    "*/*.tfvars",
    "*/*.tfvars.json",
)


def is_companion(path: str) -> bool:
    """True for Terraform's and the user's working files inside a rendered root module."""
    return any(fnmatch(path, pattern) for pattern in TERRAFORM_COMPANIONS)


def foreign_files(
    rendered: Render, out: Path, previous: dict[str, str], existing: list[str]
) -> list[str]:
    """Files in `out` that xgen did not write, or that were edited since it wrote them.

    Terraform's working files (see TERRAFORM_COMPANIONS) are not foreign: they are kept.
    """
    foreign = []
    for path in existing:
        if (path == MANIFEST and previous) or (is_companion(path) and path not in previous):
            continue
        recorded = previous.get(path)
        if recorded is None or recorded != _digest(out / path):
            # an identical file is harmless to replace, whoever wrote it
            same = path in rendered.files and (out / path).read_bytes() == rendered.files[path]
            if not same:
                foreign.append(path)
    return foreign


def write(rendered: Render, out: Path, *, force: bool = False) -> list[str]:
    """Write the render to `out`; returns the files left in place that xgen did not write."""
    if out.exists() and not out.is_dir():
        raise InputError(
            "the output path is a file, not a folder",
            file=str(out),
            fix="choose another --output folder",
        )
    existing = _existing_files(out) if out.is_dir() else []
    manifest = previous_manifest(out) if existing else None
    previous = manifest.files if manifest else {}
    if manifest is not None and not force:
        reason = displaced_deployment(manifest, parse_manifest(_json(rendered), MANIFEST))
        if reason:
            raise InputError(
                f"the output folder belongs to another deployment: {reason}",
                file=str(out),
                fix="render into another folder; or run `terraform destroy` in the folders "
                "that drop out, then pass --force to replace the render",
            )
    foreign = foreign_files(rendered, out, previous, existing)
    if foreign and not force:
        more = f" and {len(foreign) - 3} more" if len(foreign) > 3 else ""
        raise InputError(
            f"the output folder holds files xgen did not write, or edited since: "
            f"{', '.join(foreign[:3])}{more}",
            file=str(out),
            fix="choose another --output folder, move those files away, or pass --force to "
            "write beside them (xgen's edited files are then replaced)",
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.xgen-", dir=out.parent))
    try:
        for path, content in rendered.files.items():
            target = staging / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        if foreign or any(is_companion(path) for path in existing):
            _move_in(staging, out, [p for p in previous if p not in rendered.files])
        else:
            _swap(staging, out)
            staging = None
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
    return [path for path in foreign if path not in rendered.files]


def _move_in(staging: Path, out: Path, stale: list[str]) -> None:
    """Replace xgen's files one by one and keep every other file (state, backend, --force)."""
    for path in _existing_files(staging):
        if path != MANIFEST:
            (out / path).parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / path, out / path)
    for path in stale:
        (out / path).unlink(missing_ok=True)
    os.replace(staging / MANIFEST, out / MANIFEST)  # last: it vouches for the rest


def _swap(staging: Path, out: Path) -> None:
    """Replace `out` by `staging` with two renames; the old folder is removed last."""
    if not out.exists():
        os.replace(staging, out)
        return
    retired = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    os.rmdir(retired)
    os.replace(out, retired)
    try:
        os.replace(staging, out)
    except BaseException:
        os.replace(retired, out)  # put the previous output back
        raise
    shutil.rmtree(retired, ignore_errors=True)
