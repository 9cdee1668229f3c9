"""Replace a folder as one step, and keep two writers of one folder apart.

A render is built in a sibling folder and exchanged with the output folder by one
`renameat2(RENAME_EXCHANGE)` (Linux 3.15+): a reader of the folder sees the old render or
the new one, never a mix and never nothing, whenever the process is killed. Where the
exchange is not available (another OS, a file system without it) two renames are used,
and a folder lost between them (a kill at that instant) is put back by the next render.

Writers take an exclusive `flock` on a lock file beside the folder; the kernel drops it
when the process dies, so a killed render never blocks the next one.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from .errors import InputError

STAGING = "xgen-new"  # .NAME.xgen-new-XXXX: a render being built
RETIRED = "xgen-old"  # .NAME.xgen-old-XXXX: the previous render, being removed
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def sibling(out: Path, kind: str) -> str:
    """The name prefix of `out`'s temporary siblings of `kind` (STAGING or RETIRED)."""
    return f".{out.name}.{kind}-"


@contextlib.contextmanager
def exclusive(out: Path, holder: str = "render is writing this folder") -> Iterator[None]:
    """Hold the lock of `out` (`.NAME.xgen-lock` beside it), or refuse: another xgen
    command (`holder` says which, and what it does to `out`) has it."""
    path = out.parent / f".{out.name}.xgen-lock"
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
        except OSError as error:
            raise InputError(
                f"cannot create the lock file {path.name}: {error.strerror}",
                file=str(out.parent),
                fix="render into a folder whose parent you can write to",
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise InputError(
                f"another xgen {holder} (its lock {path.name} is held)",
                file=str(out),
                fix=f"wait for that {holder.split(maxsplit=1)[0]} to finish, then run again",
            ) from None
        # The holder before us may have removed the file after we opened it: then our lock
        # is on a file nobody else will open. Only a lock on the current file counts.
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(path, follow_symlinks=False))
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)  # while still locked, so no one can lock the old file after us
        os.close(fd)


def recover(out: Path) -> None:
    """Clear what a killed render left beside `out`, putting back a folder it had moved away.

    Call with the lock held. Only two-rename swaps can lose the folder (see the module).
    """
    leftovers = sorted(p for p in out.parent.iterdir() if _is_leftover(p, out))
    retired = [p for p in leftovers if p.name.startswith(sibling(out, RETIRED))]
    if not os.path.lexists(out) and len(retired) == 1:
        os.rename(retired[0], out)
        leftovers.remove(retired[0])
    for path in leftovers:
        remove_tree(path)


def _is_leftover(path: Path, out: Path) -> bool:
    name = path.name
    ours = name.startswith((sibling(out, STAGING), sibling(out, RETIRED)))
    return ours and path.is_dir() and not path.is_symlink()


def replace(staging: Path, out: Path) -> None:
    """Make `staging` the folder at `out` in one step; the previous folder is removed."""
    if not os.path.lexists(out):
        os.rename(staging, out)
        return
    if _exchange(staging, out):
        remove_tree(staging)  # now the previous render
        return
    retired = Path(f"{out.parent / sibling(out, RETIRED)}{os.getpid()}")
    os.rename(out, retired)
    try:
        os.rename(staging, out)
    except BaseException:
        os.rename(retired, out)  # put the previous render back
        raise
    remove_tree(retired)


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths atomically (Linux renameat2); False where the system cannot."""
    renameat2 = getattr(_libc(), "renameat2", None)
    if renameat2 is None:
        return False
    result = renameat2(
        _AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE
    )
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(second))


def _libc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


def remove_tree(path: Path) -> None:
    """Delete a folder of ours, never following a symlink out of it."""
    shutil.rmtree(path, ignore_errors=True)
