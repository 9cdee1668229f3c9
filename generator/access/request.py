"""Who asks for what: the request an AWS service evaluates policies against.

A request names its caller (a role or user, an account's root user, a service, or an
anonymous caller), the action, the resource ARN and the request context: the condition
keys AWS sets, looked up case-insensitively as AWS compares condition keys.
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html#AccessPolicyLanguage_RequestContext
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property

# Matched with fullmatch and ASCII classes: "$" and "\d" would accept a trailing newline
# and non-ASCII digits.
ACCOUNT = re.compile(r"[0-9]{12}")
SERVICE = re.compile(r"[a-z0-9.-]+\.amazonaws\.com(\.cn)?")
NAME = r"[A-Za-z0-9+=,.@_-]+"  # IAM names and session names
SESSION = re.compile(rf"arn:([a-z-]+):sts::([0-9]{{12}}):assumed-role/({NAME})/{NAME}")
IAM_PRINCIPAL = re.compile(rf"arn:[a-z-]+:iam::[0-9]{{12}}:(root|(role|user)(/{NAME})+)")


class CallerKind(StrEnum):
    AWS = "AWS"  # an IAM role, role session, user or an account's root user
    SERVICE = "Service"  # an AWS service acting for a customer (e.g. SageMaker)
    ANONYMOUS = "Anonymous"  # an unsigned request


@dataclass(frozen=True)
class Caller:
    """The principal of a request; `arn` is an IAM ARN, a service name, or `*`."""

    kind: CallerKind
    arn: str

    @property
    def account_id(self) -> str | None:
        """The caller's account (AWS principals only)."""
        parts = self.arn.split(":")
        return parts[4] if self.kind is CallerKind.AWS and len(parts) > 4 else None

    @property
    def principal_arn(self) -> str:
        """`aws:PrincipalArn`: a role session is reported as its role (IAM condition-keys ref)."""
        session = SESSION.fullmatch(self.arn)
        if session:
            partition, account, role = session.groups()
            return f"arn:{partition}:iam::{account}:role/{role}"
        return self.arn

    @property
    def root_arn(self) -> str | None:
        """The ARN of the caller's account root (what a resource policy names to delegate)."""
        if self.account_id is None:
            return None
        partition = self.arn.split(":")[1]
        return f"arn:{partition}:iam::{self.account_id}:root"


def parse_caller(text: str) -> Caller:
    """A role/user/root/session ARN, a bare account id (its root), a service, or `*`."""
    if text in ("*", "anonymous"):
        return Caller(CallerKind.ANONYMOUS, "*")
    if ACCOUNT.fullmatch(text):
        return Caller(CallerKind.AWS, f"arn:aws:iam::{text}:root")
    if SERVICE.fullmatch(text):
        return Caller(CallerKind.SERVICE, text)
    if IAM_PRINCIPAL.fullmatch(text) or SESSION.fullmatch(text):
        return Caller(CallerKind.AWS, text)
    raise ValueError(
        "expected a role, user, root or assumed-role ARN, an account id, "
        "a service such as sagemaker.amazonaws.com, or *"
    )


def context_of(pairs: Mapping[str, str | Iterable[str]]) -> dict[str, tuple[str, ...]]:
    """Condition keys as written, each with a tuple of values."""
    return {
        key: (value,) if isinstance(value, str) else tuple(value) for key, value in pairs.items()
    }


@dataclass(frozen=True)
class Request:
    """One question to the evaluator: may `caller` do `action` on `resource`?"""

    caller: Caller
    action: str
    resource: str
    context: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # keys as written

    @cached_property
    def lookup(self) -> dict[str, tuple[str, ...]]:
        """The context by lower-cased key: condition keys compare case-insensitively."""
        return {key.lower(): values for key, values in self.context.items()}


def request(
    caller: Caller,
    action: str,
    resource: str,
    context: Mapping[str, str | Iterable[str]] | None = None,
) -> Request:
    """A request with the keys AWS always sets for a signed caller, unless given.

    `aws:PrincipalArn` and `aws:PrincipalAccount` are present in every signed request;
    KMS adds `kms:CallerAccount`. https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
    https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-caller-account
    """
    derived: dict[str, str] = {}
    if caller.kind is CallerKind.AWS and caller.account_id is not None:
        derived = {
            "aws:PrincipalArn": caller.principal_arn,
            "aws:PrincipalAccount": caller.account_id,
        }
        if action.lower().startswith("kms:"):
            derived["kms:CallerAccount"] = caller.account_id
    return Request(caller, action, resource, context_of({**derived, **(context or {})}))
