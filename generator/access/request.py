"""Who asks for what: the request an AWS service evaluates policies against.

A request names its caller (a role or user, an account's root user, a service, or an
anonymous caller), the action, the resource ARN and the request context: the condition
keys AWS sets, looked up case-insensitively as AWS compares condition keys.
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html#AccessPolicyLanguage_RequestContext
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cached_property

from .catalog import sends

# Matched with fullmatch and ASCII classes: "$" and "\d" would accept a trailing newline
# and non-ASCII digits.
ACCOUNT = re.compile(r"[0-9]{12}")
SERVICE = re.compile(r"[a-z0-9.-]+\.amazonaws\.com(\.cn)?")
NAME = r"[A-Za-z0-9+=,.@_-]+"  # IAM names and session names
SESSION = re.compile(rf"arn:([a-z-]+):sts::([0-9]{{12}}):assumed-role/({NAME})/({NAME})")
FEDERATED_USER = re.compile(rf"arn:[a-z-]+:sts::[0-9]{{12}}:federated-user/{NAME}")
# A role's or user's path is "/" or "/" + printable ASCII but space + "/": it may hold ":".
# https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html
IAM_PRINCIPAL = re.compile(rf"arn:[a-z-]+:iam::[0-9]{{12}}:(root|(role|user)(/[!-~]+)?/{NAME})")
# Stand-ins for the unique ids AWS puts in aws:userid (AROA... for roles, AIDA... for users).
ROLE_ID = "AROAXGENEXAMPLEROLEID"
USER_ID = "AIDAXGENEXAMPLEUSERID"


class CallerKind(StrEnum):
    AWS = "AWS"  # an IAM role, role session, user, federated user or an account's root user
    SERVICE = "Service"  # an AWS service acting for a customer (e.g. SageMaker)
    FEDERATED = "Federated"  # a web identity or SAML provider's user (AssumeRoleWith*)
    CANONICAL = "CanonicalUser"  # an S3 canonical user id
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
            partition, account, role, _ = session.groups()
            return f"arn:{partition}:iam::{account}:role/{role}"
        return self.arn

    @property
    def principal_type(self) -> str | None:
        """`aws:PrincipalType`, as AWS reports it."""
        if self.kind is CallerKind.ANONYMOUS:
            return "Anonymous"
        if self.kind is not CallerKind.AWS:
            return None
        resource = self.arn.split(":", 5)[-1]  # a path may hold ":" (IAM_PRINCIPAL)
        if resource == "root":
            return "Account"
        if FEDERATED_USER.fullmatch(self.arn):
            return "FederatedUser"
        return "User" if resource.startswith("user/") else "AssumedRole"

    @property
    def global_keys(self) -> dict[str, str]:
        """The keys AWS puts in every request of this caller (IAM "global condition keys")."""
        kind = self.principal_type
        if kind == "Anonymous":
            return {"aws:PrincipalType": kind, "aws:userid": "anonymous"}
        if kind is None or self.account_id is None:
            return {}
        keys = {
            "aws:PrincipalArn": self.principal_arn,
            "aws:PrincipalAccount": self.account_id,
            "aws:PrincipalType": kind,
        }
        name = self.arn.rsplit("/", 1)[-1]
        session = SESSION.fullmatch(self.arn)
        if kind == "Account":
            keys["aws:userid"] = self.account_id
        elif kind == "User":
            keys["aws:userid"] = USER_ID
            keys["aws:username"] = name
        elif kind == "FederatedUser":
            keys["aws:userid"] = f"{self.account_id}:{name}"
        else:
            keys["aws:userid"] = f"{ROLE_ID}:{session.group(4) if session else 'session'}"
        return keys

    @property
    def root_arn(self) -> str | None:
        """The ARN of the caller's account root (what a resource policy names to delegate)."""
        if self.account_id is None:
            return None
        partition = self.arn.split(":")[1]
        return f"arn:{partition}:iam::{self.account_id}:root"


def parse_caller(text: str) -> Caller:
    """A role/user/root/session/federated-user ARN, an account id (its root), a service,
    `federated:PROVIDER`, `canonical:ID`, or `*` (anonymous)."""
    if text in ("*", "anonymous"):
        return Caller(CallerKind.ANONYMOUS, "*")
    if ACCOUNT.fullmatch(text):
        return Caller(CallerKind.AWS, f"arn:aws:iam::{text}:root")
    if SERVICE.fullmatch(text):
        return Caller(CallerKind.SERVICE, text)
    if IAM_PRINCIPAL.fullmatch(text) or SESSION.fullmatch(text) or FEDERATED_USER.fullmatch(text):
        return Caller(CallerKind.AWS, text)
    for prefix, kind in (
        ("federated:", CallerKind.FEDERATED),
        ("canonical:", CallerKind.CANONICAL),
    ):
        if text.startswith(prefix) and len(text) > len(prefix):
            return Caller(kind, text[len(prefix) :])
    raise ValueError(
        "expected a role, user, root, assumed-role or federated-user ARN, an account id, "
        "a service such as sagemaker.amazonaws.com, federated:PROVIDER, canonical:ID, or *"
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
    # Keys AWS sets whatever the caller sends (global keys); `context` overrides them.
    defaults: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @cached_property
    def lookup(self) -> dict[str, tuple[str, ...]]:
        """The context by lower-cased key: condition keys compare case-insensitively.

        A key the action's service never sends (`kms:ViaService` with `s3:GetObject`,
        catalog.sends) is not in the request AWS evaluates, whatever is given.
        """
        merged = {key.lower(): values for key, values in self.defaults.items()}
        merged.update({key.lower(): values for key, values in self.context.items()})
        return {key: values for key, values in merged.items() if sends(self.action, key)}

    @property
    def effective(self) -> dict[str, tuple[str, ...]]:
        """Every key the request carries, as written: AWS's keys and those given."""
        given = {key.lower() for key in self.context}
        kept = {k: v for k, v in self.defaults.items() if k.lower() not in given}
        return {**kept, **self.context}

    def with_defaults(self, extra: Mapping[str, str]) -> Request:
        """The same request with more keys AWS sets (those given explicitly still win)."""
        return replace(self, defaults={**self.defaults, **context_of(extra)})


def request(
    caller: Caller,
    action: str,
    resource: str,
    context: Mapping[str, str | Iterable[str]] | None = None,
) -> Request:
    """A request with the keys AWS always sets, unless `context` gives them.

    Every request carries `aws:SecureTransport` (here "true" unless given), the time
    (`aws:CurrentTime`, `aws:EpochTime`: a fixed instant, since no operator that compares
    times is judged) and, for a signed caller, `aws:PrincipalArn`, `aws:PrincipalAccount`,
    `aws:PrincipalType`, `aws:userid` (and `aws:username` for users); KMS adds
    `kms:CallerAccount`; `authorize` adds `aws:ResourceAccount`.
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
    https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-caller-account
    """
    defaults = {**ALWAYS, **caller.global_keys}
    if caller.kind is CallerKind.AWS and action.lower().startswith("kms:"):
        defaults["kms:CallerAccount"] = caller.account_id or ""
    return Request(caller, action, resource, context_of(context or {}), context_of(defaults))


# Present in every request; the values stand for "a request over TLS at some instant".
ALWAYS = {
    "aws:SecureTransport": "true",
    "aws:CurrentTime": "2026-01-01T00:00:00Z",
    "aws:EpochTime": "1767225600",
}
