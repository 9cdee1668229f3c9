"""Readers that turn files (policy JSON, rendered folders, `.tf`, plans) into documents."""

from __future__ import annotations

from collections.abc import Callable

from ...records import Record

TYPE_CHECKING = False  # typing.TYPE_CHECKING; `typing` costs lint 4 ms to import
if TYPE_CHECKING:
    from typing import Any


class ReadError(Exception):
    """A file that cannot be linted; reported as `path: cannot read policy: why`, exit 2."""


class Raw(Record):
    """A policy body found in a file, before parsing: what a reader hands the loader."""

    body: object
    file: str
    line: int = 1
    col: int = 1
    text: str | None = None  # the JSON text, to locate statements in it
    kind: str | None = None  # what the container says (resource type, manifest)
    account_id: str | None = None
    target: str | None = None
    path: str | None = None  # the resolved file, when read through .tf `file()`
    role: str | None = None  # the IAM role an inline policy belongs to, as written
    resource_type: str | None = None  # the Terraform resource it is an attribute of
    purpose: str | None = None  # "boundary", "aws-managed": see `context.LintDocument`
    locate: Callable[[], Any] | None = None  # a `context.Locator` of statements and values
    unread: frozenset[str] = frozenset()  # elements not read: "Statement", "*" (any)
    notes: tuple[str, ...] = ()  # `path:line: what was not read`, one line each
