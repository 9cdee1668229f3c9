"""AWS's policy evaluation logic over the documents xgen renders; pure, no I/O.

The order AWS applies (IAM user guide, "Policy evaluation logic" and "Cross-account
policy evaluation logic"; KMS developer guide, "Determining access to a KMS key"):

1. An explicit Deny in any applicable policy wins.
2. Within one account, an allow in the caller's identity policies or in the resource's
   policy suffices. A resource policy that names only the account root delegates to the
   account's IAM policies and grants nothing by itself.
3. Across accounts, the caller's identity policies and the resource's policy must both
   allow.
4. Some resource policies are the only root of trust (a KMS key policy, a role's trust
   policy): they must allow even within the account, either the caller itself, or the
   account root, after which an identity policy must allow too.
5. Services and anonymous callers have no identity policies: only the resource policy
   can allow them.
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
https://docs.aws.amazon.com/kms/latest/developerguide/determining-access-key-policy.html
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property

from ..policy.document import Condition, Policy, Principal, Statement
from .conditions import UnsupportedOperator, failed, holds, split_operator
from .request import Caller, CallerKind, Request
from .result import Decision, Reason, Result
from .variables import SUBSTITUTING_VERSION, literal_in_old_versions, parse, substitute
from .wildcard import action_matches, matches, tokens


@dataclass(frozen=True)
class PolicyFile:
    """A parsed policy and the file it came from (what reasons cite)."""

    path: str
    policy: Policy

    @cached_property
    def statements(self) -> tuple[Statement, ...]:
        """The statements as both engines read them: under a Version older than 2012-10-17
        (or none) a policy variable is text, written the way 2012-10-17 writes text."""
        version = self.policy.version
        if version == SUBSTITUTING_VERSION:
            return self.policy.statements
        return tuple(_literal(s, version) for s in self.policy.statements)


def _literal(statement: Statement, version: str | None) -> Statement:
    def values(texts: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(literal_in_old_versions(t, version) for t in texts)

    return statement._replace(
        resources=values(statement.resources),
        not_resources=values(statement.not_resources),
        conditions=tuple(
            Condition(c.operator, c.key, values(c.values)) for c in statement.conditions
        ),
    )


class Via(Enum):
    """How a resource-policy statement reached the caller."""

    NAMED = "names the caller"  # its ARN, its service, or "*"
    ROOT = "names the caller's account root"  # delegation to the account's IAM policies


@dataclass(frozen=True)
class Match:
    file: PolicyFile
    statement: Statement
    via: Via

    def reason(self, text: str) -> Reason:
        return Reason(text, self.file.path, self.statement.label)


def _principal_via(principal: Principal, caller: Caller, principal_arn: str) -> Via | None:
    """How one Principal entry matches the caller (policyuniverse-style shapes, normalised)."""
    if principal.type == "AWS" and principal.is_wildcard:
        return Via.NAMED
    for kind in (CallerKind.SERVICE, CallerKind.FEDERATED, CallerKind.CANONICAL):
        if principal.type == kind.value:
            return Via.NAMED if caller.kind is kind and principal.value == caller.arn else None
    if principal.type != "AWS" or caller.kind is not CallerKind.AWS:
        return None
    if principal.value in (caller.arn, principal_arn):
        return Via.NAMED
    # "arn:aws:iam::B:root" (or "B") in a resource policy means account B: any principal
    # of B whose IAM policies allow. https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-accounts
    if principal.value == caller.root_arn:
        return Via.ROOT
    return None


def _statement_via(statement: Statement, req: Request) -> Via | None:
    caller = req.caller
    # A role session matches its role's ARN, path included: the request's aws:PrincipalArn.
    arn = (req.lookup.get("aws:principalarn") or (caller.principal_arn,))[0]
    if statement.not_principals:
        # NotPrincipal applies to everyone it does not list; the caller is listed when its
        # ARN, its role or "*" is. (Simplified: AWS also matches the session ARN form; the
        # solver refuses NotPrincipal rather than guess.)
        excluded = any(
            _principal_via(p, caller, arn) is Via.NAMED for p in statement.not_principals
        )
        return None if excluded else Via.NAMED
    vias = {_principal_via(p, caller, arn) for p in statement.principals} - {None}
    if Via.NAMED in vias:
        return Via.NAMED
    return Via.ROOT if vias else None


def _action_matches(statement: Statement, action: str) -> bool:
    if statement.not_actions:
        return not any(action_matches(p, action) for p in statement.not_actions)
    return any(action_matches(p, action) for p in statement.actions)


def _resource_matches(statement: Statement, req: Request, *, resource_policy: bool) -> bool:
    if statement.not_resources:
        return not any(_arn_matches(p, req) for p in statement.not_resources)
    if not statement.has_resource:
        # A resource policy without Resource applies to the resource it is attached to
        # (ECR repository and role trust policies are written that way).
        return resource_policy
    return any(_arn_matches(p, req) for p in statement.resources)


def _arn_matches(pattern: str, req: Request) -> bool:
    """A Resource pattern against the request's resource, policy variables substituted."""
    if pattern == "*":
        return True
    parts = substitute(parse(pattern), req.lookup)
    return parts is not None and matches(tokens(parts, arn=True), req.resource)


def _modelled_fail(statement: Statement, req: Request) -> bool:
    """Whether a condition the evaluator models does not hold (then the statement does not
    apply, whatever its other conditions say)."""
    for condition in statement.conditions:
        try:
            split_operator(condition.operator)
        except UnsupportedOperator:
            continue
        if not holds(condition, req.lookup):
            return True
    return False


@dataclass
class _Applied:
    """What one policy said about a request."""

    allows: list[Match]
    denies: list[Match]
    misses: list[Reason]  # Allow statements for this action that did not apply, and why
    unknown: list[str] = field(default_factory=list)  # Deny statements not judged


def _apply(file: PolicyFile, req: Request, *, resource_policy: bool) -> _Applied:
    applied = _Applied([], [], [])
    for statement in file.statements:
        if not _action_matches(statement, req.action):
            continue
        # Identity policies have no Principal: they apply to whoever holds them.
        via = _statement_via(statement, req) if resource_policy else Via.NAMED
        if not _resource_matches(statement, req, resource_policy=resource_policy):
            miss = "Resource does not match"
        elif via is None:
            miss = "Principal does not match"
        else:
            try:
                condition = failed(statement.conditions, req.lookup)
            except UnsupportedOperator as error:
                # A Deny only takes access away: it matters only to a request that
                # would be allowed, and not when a condition that is modelled fails.
                if statement.is_allow:
                    raise
                if not _modelled_fail(statement, req):
                    applied.unknown.append(f"{file.path} {statement.label}: {error}")
                continue
            if condition is None:
                match = Match(file, statement, via)
                (applied.allows if statement.is_allow else applied.denies).append(match)
                continue
            miss = f"condition {condition.operator} {condition.key} not met"
        if statement.is_allow:
            applied.misses.append(Reason(miss, file.path, statement.label))
    return applied


def authorize(
    req: Request,
    *,
    resource_account: str,
    identity: Sequence[PolicyFile] = (),
    resource: PolicyFile | None = None,
    resource_must_allow: bool = False,
) -> Result:
    """Decide `req` from the caller's identity policies and the resource's policy.

    `resource_account` owns the resource; `resource_must_allow` marks a resource policy
    that is the only root of trust (KMS key policies, role trust policies).
    """
    req = req.with_defaults({"aws:ResourceAccount": resource_account})
    caller = req.caller
    has_identity = caller.kind is CallerKind.AWS
    ids = [_apply(f, req, resource_policy=False) for f in identity] if has_identity else []
    res = _apply(resource, req, resource_policy=True) if resource else _Applied([], [], [])

    denies = [m for a in ids for m in a.denies] + res.denies
    if denies:
        return Result(
            Decision.DENY, tuple(m.reason("explicit Deny (a Deny always wins)") for m in denies)
        )

    id_allows = [m for a in ids for m in a.allows]
    named = [m for m in res.allows if m.via is Via.NAMED]
    rooted = [m for m in res.allows if m.via is Via.ROOT]
    same_account = caller.account_id == resource_account

    if not has_identity:
        granted = bool(named)
    elif same_account and not resource_must_allow:
        granted = bool(id_allows or named)
    elif same_account:
        granted = bool(named or (rooted and id_allows))
    else:
        granted = bool(id_allows and (named or rooted))

    unknown = [u for a in ids for u in a.unknown] + res.unknown
    if granted and unknown:
        raise UnsupportedOperator(f"{unknown[0]}; a Deny that may apply: not judged")
    if granted:
        used = [m.reason("Allow (identity policy)") for m in id_allows]
        used += [m.reason(f"Allow ({m.via.value})") for m in named + rooted]
        return Result(Decision.ALLOW, tuple(used))
    return Result(
        Decision.IMPLICIT_DENY,
        _missing(
            req,
            identity=identity if has_identity else (),
            ids=ids,
            resource=resource,
            res=res,
            same_account=same_account,
        ),
    )


def _missing(
    req: Request,
    *,
    identity: Sequence[PolicyFile],
    ids: list[_Applied],
    resource: PolicyFile | None,
    res: _Applied,
    same_account: bool,
) -> tuple[Reason, ...]:
    """Why no allow applied: the side that is missing, and the statements that nearly did."""
    reasons: list[Reason] = []
    id_allows = [m for a in ids for m in a.allows]
    if req.caller.kind is CallerKind.AWS and not id_allows:
        checked = ", ".join(f.path for f in identity) or "none"
        reasons.append(Reason(f"no identity policy allows it (checked: {checked})"))
        reasons += [r for a in ids for r in a.misses]
    if resource is None:
        reasons.append(
            Reason(
                "no resource policy" + ("" if same_account else ": cross-account access needs one")
            )
        )
        return tuple(reasons)
    if not res.allows:
        reasons.append(Reason("no statement allows this caller", resource.path))
        reasons += res.misses
    elif all(m.via is Via.ROOT for m in res.allows):
        reasons += [
            m.reason("allows only the account root: an identity policy must allow too")
            for m in res.allows
        ]
    return tuple(reasons)
