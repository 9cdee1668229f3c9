"""Where lint may read: the paths it is given, and inside the repository what they point to.

`xgen lint` runs in pre-commit and CI on files other people wrote. A path named on the
command line is read wherever it is: the user chose it. What an input points to is
read only if it resolves, after symlinks, inside the repository root or inside a folder
named on the command line or the folder of a named file (a module's own files): a `.tf`
file's `file()` targets, and symlinks met while walking a folder. So a pull request's
`file("../../outside/secret.json")`, `file("/etc/x.json")` or symlink to `~/.aws` is never
read, and its text never reaches the report or the result cache.

The repository root is the git top level above the current folder (the nearest folder
holding `.git`, a folder or, in a worktree or submodule, a file; git itself is not run:
lint must start fast), else the current folder.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from ..records import Record
from ..safe_read import FILE_LIMIT, Unreadable, read_limited, within
from ..tree import repository_root


class Outside(Unreadable):
    """A path that resolves outside the scope: refused before anything reads it."""

    def __init__(self) -> None:
        super().__init__("resolves outside the repository root; not read")


class Scope(Record):
    """The resolved folders that what inputs point to must be inside."""

    roots: tuple[str, ...]

    @classmethod
    def of(cls, paths: Iterable[str], cwd: str | None = None) -> Scope:
        """The repository root above `cwd` (default: the current folder), and of `paths`
        (the paths named on the command line) each folder and each file's folder.
        """
        roots = [repository_root(cwd or os.getcwd())]
        roots += [os.path.realpath(p if os.path.isdir(p) else os.path.dirname(p)) for p in paths]
        return cls(tuple(dict.fromkeys(roots)))

    def read(self, resolved: str, limit: int = FILE_LIMIT) -> bytes:
        """The bytes of what an input points to (`resolved`: a resolved path), if it is
        inside the scope; `Outside` or another `Unreadable` otherwise.
        """
        if not self.inside(resolved):
            raise Outside
        return read_limited(resolved, limit)

    def inside(self, resolved: str) -> bool:
        """Whether the resolved path `resolved` is inside one of the roots."""
        return any(within(resolved, root) for root in self.roots)


def shown(name: str) -> str:
    """`name` as `str(pathlib.PurePosixPath(name))` writes it ("./a//b/" is "a/b"), as a
    report names it; pathlib itself costs a cold lint 4.5 ms to import (urllib.parse and
    ipaddress come with it).
    """
    root = "/" if name.startswith("/") else ""
    if name.startswith("//") and not name.startswith("///"):
        root = "//"  # POSIX leaves the meaning of exactly two slashes to the system
    return root + "/".join(p for p in name.split("/") if p and p != ".") or "."
