"""A rendered folder as a git revision has it, for `xgen diff --against REF`.

`git archive` writes the folder at REF as a tar stream, which is unpacked into a
temporary folder with Python's "data" filter: no absolute paths, no `..`, no links out
of the folder, no devices (a committed tree is other people's input too).
"""

from __future__ import annotations

import io
import subprocess
import tarfile
from pathlib import Path

from ..errors import InputError
from ..printable import escaped

GIT_TIMEOUT_SECONDS = 60


def _git(folder: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["git", *args],
            cwd=folder,
            capture_output=True,
            timeout=GIT_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise InputError(
            f"cannot run git: {error}", file=str(folder), fix="install git, or pass OLD NEW"
        ) from None


def checkout(folder: Path, ref: str, into: Path) -> Path | None:
    """`folder` as it is at `ref`, unpacked under `into`; None when it does not exist there."""
    top = _git(folder, "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        raise InputError(
            "not inside a git repository",
            file=str(folder),
            fix="run in the repository, or compare two folders: xgen diff OLD NEW",
        )
    root = Path(top.stdout.decode().strip())
    relative = folder.resolve().relative_to(root.resolve()).as_posix()
    # The ref is the user's text: never an option of git's (`--end-of-options`), and only
    # the commit id it names reaches `git archive`.
    commit = _git(
        folder, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"
    )
    if commit.returncode != 0 or ref.startswith("-"):
        if ref == "HEAD":
            return None  # no commit yet: nothing was there before
        raise InputError(
            f"{ref!r} is not a commit", place="--against", fix="give a branch, tag or commit"
        )
    archive = _git(
        root, "archive", "--format=tar", commit.stdout.decode().strip(), "--", relative or "."
    )
    if archive.returncode != 0:
        return None  # the folder is new since `ref`
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        try:
            tar.extractall(into, filter="data")
        except tarfile.FilterError as error:  # a symlink out of the folder, an absolute one
            member = getattr(getattr(error, "tarinfo", None), "name", "a member")
            raise InputError(
                f"the render committed at {ref} holds {escaped(member)}, a link that "
                "leads outside it: not compared",
                file=str(folder),
                place="--against",
                fix="remove the symlink from the committed render (a render holds no "
                "symlinks), or compare two folders: xgen diff OLD NEW",
            ) from None
    old = into / relative
    return old if old.is_dir() else None
