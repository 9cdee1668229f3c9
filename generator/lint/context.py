"""A policy document as the rules see it: parsed statements plus where it came from and
what it is (kind, owning account, profile, deployment).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cached_property

from ..policy.document import Policy, Principal, Statement
from ..policy.kinds import Kind
from ..records import Record
from .findings import Finding

TYPE_CHECKING = False  # typing.TYPE_CHECKING; `typing` costs lint 4 ms to import
if TYPE_CHECKING:
    from typing import Protocol

    from .deployment import Deployment

    class Locator(Protocol):
        """Where a document's statements are written, and the values in them."""

        def statement(self, index: int) -> Position | None: ...

        def value(
            self, index: int, element: str | None, candidates: tuple[str, ...]
        ) -> Position | None: ...


Position = tuple[int, int]
# What a finding is about: (element, value), such as ("Action", "s3:*") or
# ("Principal", "arn:aws:iam::222222222222:root"); the value None means the element.
At = tuple[str | None, str | None]
QUOTED = r"'([^'\n]+)'"  # compiled when first used (`re` caches it): findings only
BOUNDARY = "boundary"
AWS_MANAGED = "aws-managed"


class Origin(Record):
    """Where a document is written: its file, its own line, and a lazy locator.

    Positions are computed only when a finding needs one: most documents have no
    finding, and locating costs a scan of the text.
    """

    file: str
    line: int = 1
    col: int = 1
    locate: Callable[[], Locator] | None = None


class Summary(Record):
    """What rules across documents need of an inline policy of a known role, kept in the
    result cache: documents are not parsed again when their file is unchanged.
    """

    file: str
    line: int
    col: int
    kind: Kind
    size: int
    role: tuple[str, str]  # (scope, role); see loader._role


class LintDocument:
    """One policy document to lint (a plain class: it keeps what rules computed of it)."""

    def __init__(
        self,
        policy: Policy,
        kind: Kind,
        origin: Origin,
        size: int,
        *,
        account_id: str | None = None,
        target: str | None = None,
        profile: str = "hardened",
        deployment: Deployment | None = None,
        role: tuple[str, str] | None = None,
        unread: frozenset[str] = frozenset(),
        resource_type: str | None = None,
        purpose: str | None = None,
    ) -> None:
        self.policy = policy
        self.kind = kind
        self.origin = origin
        self.size = size  # characters without insignificant whitespace (how AWS counts)
        self.account_id = account_id  # the account the document lives in, when known
        self.target = target
        self.profile = profile
        self.deployment = deployment
        self.role = role  # the role it is an inline policy of, when known
        # Elements not read because Terraform builds them at plan time: "Statement"
        # (there may be statements besides those read), "*" (any element, the Version).
        self.unread = unread
        self.resource_type = resource_type  # the Terraform resource it came from
        # What the document is for, when known: "boundary" (a role's permissions
        # boundary, which caps what the role may do and grants nothing), "aws-managed"
        # (an AWS managed policy: not the customer's to size or change).
        self.purpose = purpose
        self._locator: Locator | None = None
        self._foreign: dict[int, tuple[Principal, ...]] = {}

    def __repr__(self) -> str:
        return f"LintDocument(file={self.file!r}, kind={self.kind}, target={self.target!r})"

    @property
    def file(self) -> str:
        return self.origin.file

    @property
    def grants(self) -> bool:
        """Whether the document grants what it allows: a permissions boundary does not
        (it caps the identity policies); least-privilege rules judge only grants.
        https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html
        """
        return self.purpose != BOUNDARY

    def is_unread(self, element: str) -> bool:
        """Whether `element` may hold more than was read (so its absence proves nothing)."""
        return element in self.unread or "*" in self.unread

    def position(
        self, statement: Statement | None, at: At | None = None, message: str = ""
    ) -> Position:
        """Line and column of what a finding is about: the value `at` names in the
        statement (else the first value the message quotes), else the statement, else
        the document.
        """
        fallback = self.origin.line, self.origin.col
        if statement is None or self.origin.locate is None:
            return fallback
        if self._locator is None:
            self._locator = self.origin.locate()
        locator = self._locator
        index = statement.index
        if at is not None:
            element, value = at
            found = locator.value(index, element, _candidates(value) if value else ())
            if found is not None:
                return found
        elif message:
            for quoted in re.findall(QUOTED, message):
                found = locator.value(index, None, _candidates(quoted))
                if found is not None:
                    return found
        return locator.statement(index) or fallback

    def summary(self) -> Summary | None:
        """For an inline policy of a known role: what rules across documents need."""
        if self.role is None:
            return None
        line, col = self.position(None)
        return Summary(self.file, line, col, self.kind, self.size, self.role)

    def finding(
        self, statement: Statement | None, message: str, fix: str, at: At | None = None
    ) -> Finding:
        """A finding about `statement` (None: the document), at the value `at` names."""
        line, col = self.position(statement, at, message)
        return Finding(message=message, fix=fix, line=line, col=col, file=self.file)

    @cached_property
    def allows(self) -> tuple[Statement, ...]:
        """The policy's Allow statements: a dozen rules ask for them, of every document."""
        return tuple(self.policy.allows())

    @cached_property
    def owner(self) -> str | None:
        """The owning account: known, or for a key policy the root that holds `kms:*`."""
        if self.account_id:
            return self.account_id
        if self.kind is Kind.KEY:
            return key_admin_account(self.policy)
        if (
            self.kind in (Kind.BUCKET, Kind.ECR_REPOSITORY, Kind.MODEL_PACKAGE_GROUP)
            and self.deployment
        ):
            return self.deployment.source_account
        return None

    def is_foreign(self, account: str | None) -> bool:
        """Whether `account` is another account than this document's.

        Unknown owner: a resource policy's account roots count as foreign (granting your
        own root in a bucket policy is unusual; assuming cross-account errs safe);
        for identity policies, a resource in the deployment's source account is foreign.
        """
        if account is None:
            return False
        if self.owner is not None:
            return account != self.owner
        if self.kind in (Kind.IDENTITY, Kind.TRUST):
            return self.deployment is not None and account == self.deployment.source_account
        return True

    def foreign_principals(self, statement: Statement) -> tuple[Principal, ...]:
        """The statement's `AWS` principals in another account (roots, roles, users).

        With the owner unknown only account roots count: a resource policy naming a role
        or user is, without more context, taken to name its own account's. Computed once
        per statement: most rules ask.
        """
        found = self._foreign.get(statement.index)
        if found is None:
            unknown = self.owner is None and self.kind not in (Kind.IDENTITY, Kind.TRUST)
            found = tuple(
                p
                for p in statement.principals
                if self.is_foreign(p.account_id) and (p.is_account_root or not unknown)
            )
            self._foreign[statement.index] = found
        return found


def key_admin_account(policy: Policy) -> str | None:
    """The account whose root holds `kms:*` unconditionally: AWS's default key policy."""
    candidates = [
        p.account_id
        for s in policy.allows()
        if not s.conditions and {a.lower() for a in s.actions} & {"kms:*", "*"}
        for p in s.principals
        if p.is_account_root
    ]
    return candidates[0] if candidates else None


def _candidates(value: str) -> tuple[str, ...]:
    """How a value may be written: a root principal also as its bare account id."""
    if value.startswith("arn:") and value.endswith(":root"):
        parts = value.split(":")
        if len(parts) == 6:
            return (value, parts[4])
    return (value,)
