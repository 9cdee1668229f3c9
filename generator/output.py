"""Put a render on disk without losing anything, or compare it with what is there.

A render is built in a sibling folder and exchanged with the output folder in one step
(`atomic.replace`), under a lock: a reader, a killed render or a second render never sees
a mix of two renders or a missing folder. The files to keep (Terraform's working files,
and with `--force` the user's own) are hard-linked into the new folder, so the state
file is never copied or moved while the render runs.

What is in the output folder is found by walking it without following symlinks; the
previous manifest only says which of those files xgen wrote and with which content.
Nothing a manifest names is ever opened, written or deleted by its name: a manifest
planted in a pull request cannot reach outside the folder. Any other file, a listed file
changed by hand, a symlink or a special file belongs to the user and is never replaced
or dropped without `--force`, and what is printed is what happened.
"""

from __future__ import annotations

import hashlib
import os
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from . import atomic
from .errors import InputError
from .foreign import foreign_line, foreign_terraform, refuse_second_backend
from .manifest import MANIFEST, Manifest, read_manifest
from .ownership import is_companion, xgen_may_own
from .promotion import Step, apply_steps, check_nothing_cut_off
from .render import Render


@dataclass(frozen=True)
class Entry:
    """Something found in the output folder (never followed if it is a symlink)."""

    mode: int
    size: int

    @property
    def regular(self) -> bool:
        return stat.S_ISREG(self.mode)

    @property
    def symlink(self) -> bool:
        return stat.S_ISLNK(self.mode)

    @property
    def folder(self) -> bool:
        return stat.S_ISDIR(self.mode)

    def what(self) -> str:
        if self.symlink:
            return "a symlink"
        if self.regular:
            return "a file"
        return "a FIFO, socket or device"


def inventory(out: Path) -> dict[str, Entry]:
    """Every file, symlink, special file and empty folder under `out`, symlinks unfollowed."""
    found: dict[str, Entry] = {}
    if not out.is_dir() or out.is_symlink():
        return found
    for folder, dirs, files in os.walk(out, followlinks=False):
        base = Path(folder)
        linked_dirs = [d for d in dirs if (base / d).is_symlink()]
        if not dirs and not files and base != out:
            found[base.relative_to(out).as_posix()] = Entry(stat.S_IFDIR, 0)
        for name in [*files, *linked_dirs]:
            info = os.lstat(base / name)
            found[(base / name).relative_to(out).as_posix()] = Entry(info.st_mode, info.st_size)
    return found


def _same_bytes(path: Path, entry: Entry, content: bytes) -> bool:
    """True when the regular file at `path` holds exactly `content` (never reads a big file)."""
    return entry.regular and entry.size == len(content) and path.read_bytes() == content


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class Drift:
    """How a folder differs from a render: files to add, to change and to remove."""

    missing: list[str]
    changed: list[str]
    stale: list[str]
    foreign: list[str] = field(default_factory=list)  # Terraform files xgen did not write

    @property
    def clean(self) -> bool:
        return not (self.missing or self.changed or self.stale or self.foreign)

    def lines(self) -> list[str]:
        return (
            [f"{path}: missing" for path in self.missing]
            + [f"{path}: differs from the render" for path in self.changed]
            + [f"{path}: no longer rendered" for path in self.stale]
            + [foreign_line(path) for path in self.foreign]
        )


def check(rendered: Render, out: Path) -> Drift:
    """Compare `out` with the render, without writing anything."""
    check_output_folder(out)
    found = inventory(out)
    previous = previous_manifest(out) if MANIFEST in found else None
    missing, changed = [], []
    for path, content in rendered.files.items():
        entry = found.get(path)
        if entry is None:
            missing.append(path)
        elif not _same_bytes(out / path, entry, content):
            changed.append(path)
    listed = _xgens(previous, rendered)
    stale = sorted(p for p in listed if p not in rendered.files and p in found)
    return Drift(missing, changed, stale, foreign_terraform(out, rendered.files))


def _xgens(previous: Manifest | None, rendered: Render) -> dict[str, str]:
    """The files of the previous manifest that xgen may own (path -> sha256).

    A manifest can be edited by anyone: the files it lists are xgen's only if xgen writes
    them (this render, or the shape of any render), so no manifest makes a render drop or
    overwrite a state file, a backend or a file of the user's.
    """
    listed = previous.files if previous else {}
    return {
        path: digest
        for path, digest in listed.items()
        if xgen_may_own(path) or (path in rendered.files and not is_companion(path))
    }


def previous_manifest(out: Path) -> Manifest | None:
    """The manifest of the render already in `out`, or None when there is none."""
    path = out / MANIFEST
    if not path.is_file() or path.is_symlink():
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


def check_output_folder(out: Path) -> None:
    """Refuse an output path that is not a folder of the render's own."""
    if out.is_symlink():
        raise InputError(
            "the output folder is a symlink; xgen writes only into a real folder",
            file=str(out),
            fix="give the folder the symlink points to, or another --output folder",
        )
    if out.exists() and not out.is_dir():
        raise InputError(
            "the output path is a file, not a folder",
            file=str(out),
            fix="choose another --output folder",
        )
    resolved = out.resolve()
    if resolved == Path(resolved.anchor) or Path.cwd().resolve().is_relative_to(resolved):
        raise InputError(
            "the output folder must be a folder of its own, not the file system's root or a "
            "folder holding the current directory",
            file=str(out),
            fix="render into a subfolder, e.g. -o rendered",
        )


@dataclass
class Plan:
    """What a write keeps from the output folder, and what it replaces that was not xgen's."""

    previous: Manifest | None = None  # the manifest of the render being replaced
    keep: list[str] = field(default_factory=list)  # Terraform's files and the user's
    replaced: list[str] = field(default_factory=list)  # not xgen's (or edited), with --force
    kept_foreign: list[str] = field(default_factory=list)  # not xgen's, kept with --force


def _plan(
    rendered: Render,
    out: Path,
    found: dict[str, Entry],
    previous: Manifest | None,
    *,
    force: bool,
) -> Plan:
    """Sort what is in `out` into xgen's own files, files to keep, and foreign files."""
    listed = _xgens(previous, rendered)
    rendered_dirs = {parent.as_posix() for p in rendered.files for parent in Path(p).parents}
    plan, foreign = Plan(previous), []
    for path, entry in found.items():
        in_the_way = (
            path in rendered.files
            or path in rendered_dirs
            or any(parent.as_posix() in rendered.files for parent in Path(path).parents)
        )
        if path == MANIFEST and previous is not None:
            continue  # replaced by the new manifest
        if entry.folder:
            if not in_the_way:
                plan.keep.append(path)  # an empty folder (e.g. Terraform's) holds no data
            continue
        if entry.regular and not in_the_way and is_companion(path):
            plan.keep.append(path)  # Terraform's or the user's, whatever the manifest lists
            continue
        ours = entry.regular and path in listed and listed[path] == _sha256(out / path)
        identical = path in rendered.files and _same_bytes(out / path, entry, rendered.files[path])
        if ours or identical:
            continue  # xgen's own file, replaced or dropped with the old render
        if is_companion(path) and entry.symlink and not in_the_way:
            plan.keep.append(path)  # e.g. .terraform's links into a provider mirror
            continue
        foreign.append(path)
        if not (entry.regular or entry.symlink):
            raise InputError(
                f"{path} is {entry.what()}, which a render never keeps or replaces",
                file=str(out),
                fix="move it out of the output folder",
            )
        if in_the_way:
            plan.replaced.append(path)
        else:
            plan.keep.append(path)
            plan.kept_foreign.append(path)
    if foreign and not force:
        shown = ", ".join(f"{p} ({found[p].what()})" for p in sorted(foreign)[:3])
        more = f" and {len(foreign) - 3} more" if len(foreign) > 3 else ""
        raise InputError(
            f"the output folder holds files xgen did not write, or edited since: {shown}{more}",
            file=str(out),
            fix="choose another --output folder, move those files away, or pass --force to "
            "keep them beside the render (those in the render's way are replaced)",
        )
    return plan


def _preflight(rendered: Render, out: Path, found: dict[str, Entry], *, force: bool) -> Plan:
    """What a write would keep and replace; InputError when it must be refused."""
    refuse_second_backend(rendered.files, out)
    previous = previous_manifest(out) if MANIFEST in found else None
    if previous is not None and not force:
        new = rendered.manifest
        reason = displaced_deployment(previous, new)
        if reason:
            raise InputError(
                f"the output folder belongs to another deployment: {reason}",
                file=str(out),
                fix="render into another folder; or run `terraform destroy` in the folders "
                "that drop out, then pass --force to replace the render",
            )
        check_nothing_cut_off(previous, new, str(out))
    return _plan(rendered, out, found, previous, force=force)


def refusal(rendered: Render, out: Path) -> str | None:
    """Why a plain `xgen render` into `out` would be refused (what --force would override)."""
    try:
        check_output_folder(out)
        _preflight(rendered, out, inventory(out), force=False)
    except InputError as error:
        return error.message
    return None


@dataclass(frozen=True)
class Written:
    """What a write did with what was not xgen's: kept beside the render, or replaced."""

    kept: list[str]
    replaced: list[str]
    steps: list[Step]  # the accounts the new render changes, in the order to apply them


def write(rendered: Render, out: Path, *, force: bool = False) -> Written:
    """Write the render to `out` as one step; report what was kept or replaced."""
    check_output_folder(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise _cannot_write(out, error) from None
    with atomic.exclusive(out):
        atomic.recover(out)
        found = inventory(out)
        plan = _preflight(rendered, out, found, force=force)
        try:
            staging = Path(
                tempfile.mkdtemp(prefix=atomic.sibling(out, atomic.STAGING), dir=out.parent)
            )
        except OSError as error:
            raise _cannot_write(out, error) from None
        try:
            _fill(staging, rendered, out, plan.keep)
            atomic.replace(staging, out)
        except OSError as error:
            atomic.remove_tree(staging)
            raise _cannot_write(out, error) from None
        except BaseException:
            atomic.remove_tree(staging)
            raise
    steps = apply_steps(plan.previous, rendered.manifest)
    return Written(sorted(plan.kept_foreign), sorted(plan.replaced), steps)


def _fill(staging: Path, rendered: Render, out: Path, keep: list[str]) -> None:
    """The new folder: the render's files, and links to the files kept from `out`."""
    for path, content in rendered.files.items():
        target = staging / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    for path in keep:
        source, target = out / path, staging / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir() and not source.is_symlink():
            target.mkdir(exist_ok=True)
            continue
        if source.is_symlink():
            os.symlink(os.readlink(source), target)
            continue
        try:
            os.link(source, target, follow_symlinks=False)
        except OSError:
            _copy(source, target)


def _copy(source: Path, target: Path) -> None:
    """Copy a regular file without following a symlink (where hard links are refused)."""
    fd = os.open(source, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as handle, target.open("xb") as copy:
        while chunk := handle.read(1 << 20):
            copy.write(chunk)
    os.chmod(target, stat.S_IMODE(os.stat(source, follow_symlinks=False).st_mode))


def _cannot_write(out: Path, error: OSError) -> InputError:
    return InputError(
        f"cannot write the render: {error.strerror or error}",
        file=str(out),
        fix="check that the output folder's parent exists, is writable and has free space; "
        "the previous render is unchanged",
    )
