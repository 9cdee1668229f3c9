"""The tree a file someone else wrote may lead to: its repository, else its own folder.

A spec, a policy or a `.tf` file may be a symlink, committed by anyone. What it leads to
is read only inside the repository holding it (the nearest folder upwards with `.git`, a
folder or, in a worktree or submodule, a file; git is not run: lint must start fast), or,
outside any repository, inside the folder it is in. So a committed `spec.yaml ->
~/.aws/credentials` is refused unread, and no message can quote its first line.
"""

from __future__ import annotations

import os

from .safe_read import within


def repository_root(start: str) -> str:
    """The nearest folder from `start` upwards that holds `.git`; else `start` (resolved)."""
    first = current = os.path.realpath(start)
    while True:
        if os.path.exists(os.path.join(current, ".git")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return first
        current = parent


def leads_outside(path: str) -> str | None:
    """Where `path` resolves, when symlinks lead it out of the tree holding it; else None."""
    folder = os.path.dirname(os.path.abspath(path))
    resolved = os.path.realpath(path)
    if resolved == os.path.join(os.path.realpath(folder), os.path.basename(path)):
        return None  # no symlink on the way: the file is where it is named
    return None if within(resolved, repository_root(folder)) else resolved
