"""Lints the files of a large run in forked processes, one per CPU, as ruff does.

Files are linted on their own (the rules across documents run afterwards on every
file's summaries), so the run's files split into contiguous chunks: this process lints
the first while one forked child per further CPU lints each other chunk, and hands back
its results in the order of its chunk, as plain values (`results.encode`, `marshal`).
So the report is the same, byte for byte, however many processes linted it.

Only where `fork` is safe and cheap (Linux), only for runs of at least `MIN_FILES` files
(a fork costs about a millisecond; a file about a fifth of one), at most one process per
`PER_PROCESS` files. A child that fails (killed, out of memory, any error) costs nothing
but time: its chunk is linted here. What a child opened is told to the warm path's
recorder (`memo`), so that a memoised run knows every file it read.
"""

from __future__ import annotations

import marshal
import os
import sys
from collections.abc import Callable, Sequence

from .results import FileResult, decode, encode

TYPE_CHECKING = False  # typing.TYPE_CHECKING; `typing` costs lint 4 ms to import
if TYPE_CHECKING:
    from typing import TypeVar

    Item = TypeVar("Item")

MIN_FILES = 200
PER_PROCESS = 100
MAX_PROCESSES = 8

Linted = tuple[str, FileResult, bool]  # (cache key, result, whether the cache had it)


def processes(files: int) -> int:
    """How many processes should lint `files` files here."""
    if files < MIN_FILES or sys.platform != "linux" or not hasattr(os, "fork"):
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, files // PER_PROCESS, MAX_PROCESSES))


def lint_each(items: Sequence[Item], one: Callable[[Item], Linted], count: int) -> list[Linted]:
    """`one` of every item, in order, over `count` processes."""
    if count <= 1 or len(items) < 2:
        return [one(item) for item in items]
    size = -(-len(items) // count)
    chunks = [items[i : i + size] for i in range(0, len(items), size)]
    children = [(_fork(chunk, one), chunk) for chunk in chunks[1:]]
    linted = [one(item) for item in chunks[0]]
    for (pid, pipe), chunk in children:
        found = _collect(pid, pipe, len(chunk))
        linted += found if found is not None else [one(item) for item in chunk]
    return linted


def _fork(chunk: Sequence[Item], one: Callable[[Item], Linted]) -> tuple[int, int]:
    read, write = os.pipe()
    pid = os.fork()
    if pid:
        os.close(write)
        return pid, read
    os.close(read)  # the child: lint, write, and leave without running the parent's exit code
    code = 1
    try:
        from . import memo  # here, not at import: a run of one file never forks

        rows = [(key, encode(result), hit) for key, result, hit in map(one, chunk)]
        data = marshal.dumps((rows, memo.snapshot()))
        with os.fdopen(write, "wb") as out:
            out.write(data)
        code = 0
    finally:
        os._exit(code)


def _collect(pid: int, pipe: int, expected: int) -> list[Linted] | None:
    """A child's results, or None if it failed (the caller lints its chunk again)."""
    with os.fdopen(pipe, "rb") as stream:
        data = stream.read()  # before waiting: a child blocks on a full pipe
    _, status = os.waitpid(pid, 0)
    if status != 0:
        return None
    try:
        rows, seen = marshal.loads(data)
        linted = [(key, decode(entry), hit) for key, entry, hit in rows]
    except (EOFError, ValueError, TypeError, KeyError):
        return None
    if len(linted) != expected:
        return None
    from . import memo

    memo.absorb(seen)
    return linted
