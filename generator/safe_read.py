"""Reading a file someone else wrote: only a regular file, only up to a size limit.

`xgen lint` runs in pre-commit and CI on files other people wrote, and `xgen verify` on
rendered folders that pull requests change. Whatever a path names, reading it must
neither hang nor exhaust memory: a FIFO blocks `open()` until a writer comes,
`/dev/zero` or `/dev/urandom` never end, and a huge file fills memory. So every file lint
and verify read goes through `read_limited`:

- `stat` first, so that a device or FIFO is not even opened (opening some devices has
  effects of its own);
- open with `O_NONBLOCK` (a FIFO swapped in after the `stat` still does not block) and
  `O_NOCTTY`, then `fstat` the descriptor: the checks hold for what is read, whatever
  the path names by then;
- require a regular file no larger than the limit, and read at most limit + 1 bytes (a
  file still growing is caught too).

Anything refused is an `Unreadable` whose message is one short phrase, for the callers'
one-line `path: cannot read ...: why` messages.
"""

from __future__ import annotations

import os
import stat
import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING; `typing` costs lint 4 ms to import
if TYPE_CHECKING:
    from typing import NoReturn

MIB = 1024 * 1024
FILE_LIMIT = 4 * MIB  # a policy, a .tf file, a manifest, a config file (AWS allows 32 KB)
_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
_FLAGS |= getattr(os, "O_BINARY", 0)
_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class Unreadable(Exception):
    """A file that was not read, and why (`str(error)`: a short phrase); `missing` when
    there is nothing at the path.
    """

    def __init__(
        self, why: str, *, missing: bool = False, kind: str | None = None, too_large: bool = False
    ) -> None:
        super().__init__(why)
        self.missing = missing
        self.kind = kind  # what the path is, when it is not a regular file ("a FIFO")
        self.too_large = too_large


def read_limited(path: str | os.PathLike[str], limit: int = FILE_LIMIT) -> bytes:
    """The bytes of the regular file at `path`, if it holds at most `limit` bytes.

    `xgen.look` tells an audit hook (lint's warm path, `lint/memo.py`) of the path even
    when it is refused before it is opened (missing, a FIFO, too large).
    """
    sys.audit("xgen.look", path)
    try:
        _check(os.stat(path), limit)
        handle = os.open(path, _FLAGS)
    except OSError as error:
        missing = isinstance(error, FileNotFoundError)
        raise Unreadable(error.strerror or str(error), missing=missing) from None
    except ValueError:  # a NUL byte in the path: no file has such a name
        raise Unreadable("no such file (a NUL byte in its name)", missing=True) from None
    try:
        _check(os.fstat(handle), limit)
        chunks = []
        left = limit + 1
        while left > 0:
            chunk = os.read(handle, min(left, MIB))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    except OSError as error:
        raise Unreadable(error.strerror or str(error)) from None
    finally:
        os.close(handle)
    data = b"".join(chunks)
    if len(data) > limit:
        raise Unreadable(f"grew over the {size(limit)} limit while read", too_large=True)
    return data


def _check(info: os.stat_result, limit: int) -> None:
    if not stat.S_ISREG(info.st_mode):
        what = next((name for test, name in _KINDS if test(info.st_mode)), "not a file")
        raise Unreadable(f"not a regular file ({what})", kind=what)
    if info.st_size > limit:
        raise Unreadable(f"{size(info.st_size)} is over the {size(limit)} limit", too_large=True)


def size(count: int) -> str:
    """`count` bytes for a message, rounded up: 4 MiB, 4.1 MiB (4 MiB and a byte), 12 KiB."""
    if count >= MIB:
        tenths = -(-count * 10 // MIB)
        return f"{tenths // 10} MiB" if tenths % 10 == 0 else f"{tenths / 10:.1f} MiB"
    if count >= 1024:
        return f"{-(-count // 1024)} KiB"
    return f"{count} bytes"


def within(path: str, folder: str) -> bool:
    """Whether `path` is `folder` or below it (both resolved: `os.path.realpath`)."""
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def refuse_constant(name: str) -> NoReturn:
    """`json.loads(..., parse_constant=refuse_constant)`: Python reads NaN, Infinity and
    -Infinity, which are not JSON (RFC 8259): no policy holds them, AWS refuses them."""
    raise ValueError(f"{name} is not JSON (JSON has no NaN or Infinity)")


def trusted(info: os.stat_result) -> bool:
    """A regular file that only its owner, the current user or root, may write: the only
    kind xgen loads code or a parser from (`bundle`, `lint/sources/hclparser`)."""
    owners = (os.getuid(), 0) if hasattr(os, "getuid") else None
    return (
        stat.S_ISREG(info.st_mode)
        and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
        and (owners is None or info.st_uid in owners)
    )
