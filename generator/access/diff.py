"""`xgen diff OLD NEW`: the access NEW grants that OLD did not, for every request (offline
CheckNoNewAccess).

Two renders are compared layer by layer (the bucket and its objects, the model key, the
repository, each trust policy, each volume key: proof.py's layers, matched by kind and
target); two policy files are compared as one resource policy (when they name
principals) or one identity policy. For each Allow statement of NEW, z3 looks for a
request it allows that OLD does not allow; each one found is a counterexample, replayed
in the concrete evaluator (NEW allows it, OLD does not) before it is reported. A layer
new in NEW grants everything it allows as new access. What cannot be decided is
reported as such, never as "no new access".
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import z3

from ..errors import InputError
from ..policy.document import PolicyError, parse_policy
from ..printable import dumps, text_lines
from .deployment import Deployment, read_json
from .evaluate import PolicyFile, authorize
from .layers import LayerSpec, layers
from .proof import (
    TIMEOUT_MS,
    Counterexample,
    concrete,
    counterexample_of,
    encode,
    grants,
    over_limit,
    replayed_counterexample,
    solve,
    spanning_reason,
    unless_dropped,
)
from .questions import ADMIN
from .request import CallerKind, parse_caller, request
from .smt import Encoder, Space, Undecidable, recursion_guard


@dataclass(frozen=True)
class NewAccess:
    """One request NEW allows and OLD does not (or what could not be decided)."""

    layer: str
    target: str
    example: Counterexample | None
    undecided: str | None = None

    def as_json(self) -> dict[str, object]:
        example = self.example
        return {
            "layer": self.layer,
            "target": self.target or None,
            "principal": example.principal if example else None,
            "action": example.action if example else None,
            "resource": example.resource if example else None,
            "context": example.context if example else {},
            "statement": ", ".join(example.statements) if example else None,
            "undecided": self.undecided,
        }


def diff_renders(old: Deployment, new: Deployment) -> list[NewAccess]:
    """What each layer of `new` allows that the same layer of `old` did not (all it allows,
    for a layer `old` does not have, e.g. a new target's trust policy)."""
    recursion_guard()
    before = {(layer.layer, layer.target): layer for layer in layers(old)}
    found: list[NewAccess] = []
    for layer in layers(new):
        previous = before.get((layer.layer, layer.target))
        found += _new_access(new, layer, previous)
    return found


def _new_access(dep: Deployment, layer: LayerSpec, old: LayerSpec | None) -> list[NewAccess]:
    statements = list(layer.policy.statements)
    before = list(old.policy.statements) if old else []
    space = Space(
        partition=dep.partition,
        service=layer.service,
        owner=layer.owner,
        statements=statements + before,
    )
    space.domain.append(layer.resource(space))
    encoder = Encoder(space)
    too_big = over_limit(layer)
    if too_big:
        return [NewAccess(str(layer.layer), layer.target, None, too_big)]
    try:
        # a Deny of NEW left out only widens NEW (sound); one of OLD would narrow it
        applies, dropped = encode(encoder, statements)
        old_applies = [encoder.statement(s, resource_policy=True) for s in before]
        ways = grants(space, statements, applies, must_allow=layer.must_allow)
        allowed_before = space.any_of(
            grants(space, before, old_applies, must_allow=old.must_allow) if old else []
        )
        found: list[NewAccess] = []
        deadline = time.monotonic() + TIMEOUT_MS / 1000  # one bound per layer, as verify's
        for grant in ways:
            model = solve(space, [z3.And(grant, z3.Not(allowed_before))], deadline)
            if model is None:
                continue
            if dropped:
                raise Undecidable(unless_dropped(layer.policy, dropped).partition(": ")[2])
            example = replayed_counterexample(dep, layer, space, model, applies=applies)
            if old is not None:
                _check_not_allowed(dep, old, example)
            found.append(NewAccess(str(layer.layer), layer.target, example))
        why = None if found else spanning_reason(space, layer.policy.path)
        return _distinct(found) + (
            [NewAccess(str(layer.layer), layer.target, None, why)] if why else []
        )
    except Undecidable as error:
        # what was found before stands; the rest is undecided
        undecided = NewAccess(str(layer.layer), layer.target, None, f"{layer.policy.path}: {error}")
        return [*_distinct(found), undecided]


def _check_not_allowed(dep: Deployment, old: LayerSpec, example: Counterexample) -> None:
    """The concrete evaluator must deny the new access under the old policy."""
    if concrete(dep, old, example).allowed:
        raise Undecidable(
            "the solver's new access is allowed by the old policy in the concrete evaluator "
            f"({example.principal} {example.action}); please report this"
        )


def _distinct(found: list[NewAccess]) -> list[NewAccess]:
    """One entry per request (two statements may yield the same counterexample)."""
    seen: set[tuple] = set()
    kept = []
    for access in found:
        ex = access.example
        key = (ex.principal, ex.action, ex.resource) if ex else (access.undecided,)
        if key not in seen:
            seen.add(key)
            kept.append(access)
    return kept


# --- two policy files -----------------------------------------------------------------------------


def load_file(path: Path) -> PolicyFile:
    """A policy file to compare; InputError (one line) when unreadable or not a policy."""
    fix = "pass two IAM policy JSON files of the same kind, or two rendered folders"
    raw, _ = read_json(path, str(path), fix)
    try:
        return PolicyFile(str(path), parse_policy(raw))
    except PolicyError as error:
        raise InputError(str(error), file=str(path), fix=fix) from None
    except RecursionError:
        raise InputError("nested too deeply", file=str(path), fix=fix) from None


def diff_files(old: PolicyFile, new: PolicyFile) -> list[NewAccess]:
    """What `new` allows that `old` does not, for any caller, action and resource.

    A policy that names principals is a resource policy (its resource's account unknown,
    so only what it grants counts); one that does not is an identity policy, which applies
    to the AWS principal holding it.
    """
    recursion_guard()
    statements, before = list(new.statements), list(old.statements)
    resource_policy = any(s.has_principal for s in (*statements, *before))
    kind = "resource" if resource_policy else "identity"
    space = Space(partition="aws", service=None, owner=None, statements=statements + before)
    if not resource_policy:
        space.domain.append(space.is_aws())
    encoder = Encoder(space)
    try:
        applies = [encoder.statement(s, resource_policy=resource_policy) for s in statements]
        old_applies = [encoder.statement(s, resource_policy=resource_policy) for s in before]
        ways = grants(space, statements, applies, must_allow=True)
        allowed_before = space.any_of(grants(space, before, old_applies, must_allow=True))
        found: list[NewAccess] = []
        deadline = time.monotonic() + TIMEOUT_MS / 1000
        for grant in ways:
            model = solve(space, [z3.And(grant, z3.Not(allowed_before))], deadline)
            if model is not None:
                example = counterexample_of(space, model, new, applies)
                _replay_files(old, new, example, resource_policy=resource_policy)
                found.append(NewAccess(kind, "", example))
        why = None if found else spanning_reason(space, new.path)
        return _distinct(found) + ([NewAccess(kind, "", None, why)] if why else [])
    except Undecidable as error:
        return [*_distinct(found), NewAccess(kind, "", None, f"{new.path}: {error}")]


def _replay_files(
    old: PolicyFile, new: PolicyFile, example: Counterexample, *, resource_policy: bool
) -> None:
    """The concrete evaluator must allow the request under `new` and not under `old`."""
    caller = parse_caller(example.principal)
    req = request(caller, example.action, example.resource, example.context)
    owner = (example.context.get("aws:ResourceAccount") or [caller.account_id or ""])[0]

    def allowed(policy: PolicyFile) -> bool:
        if resource_policy:
            identity = (ADMIN,) if caller.kind is CallerKind.AWS else ()
            return authorize(
                req,
                resource_account=owner,
                identity=identity,
                resource=policy,
                resource_must_allow=True,
            ).allowed
        return authorize(req, resource_account=caller.account_id or "", identity=(policy,)).allowed

    if not allowed(new) or allowed(old):
        raise Undecidable(
            "the solver's new access does not replay in the concrete evaluator "
            f"({example.principal} {example.action}); please report this"
        )


# --- reports ------------------------------------------------------------------------------------


def as_json(found: list[NewAccess]) -> str:
    """`{"new_access": [{"layer", "principal", "action", "resource", "context", "statement"}]}`
    (a contract), plus what could not be decided."""
    body = {
        "new_access": [
            {k: v for k, v in access.as_json().items() if k != "undecided"}
            for access in found
            if access.example
        ],
        "undecided": [
            {"layer": a.layer, "target": a.target or None, "reason": a.undecided}
            for a in found
            if a.undecided
        ],
    }
    return dumps(body, indent=2) + "\n"


def text(found: list[NewAccess], new: str) -> str:
    """One block per new access: the request, the statement that allows it, the replay."""
    lines = []
    for access in found:
        where = f"{access.layer}{' ' + access.target if access.target else ''}"
        example = access.example
        if example is None:
            lines.append(f"{where}: UNDECIDED, {access.undecided}")
            continue
        context = ", ".join(f"{k}={'|'.join(v)}" for k, v in example.context.items())
        lines.append(
            f"{where}: NEW ACCESS: {example.principal} {example.action} on {example.resource}"
            + (f" with {context}" if context else "")
        )
        lines += [f"  allowed by {statement}" for statement in example.statements]
        if Path(new).is_dir():
            lines.append(f"  replay: {example.replay(new)}")
    new_count = sum(a.example is not None for a in found)
    undecided = sum(a.undecided is not None for a in found)
    lines.append(
        "no new access" if not found else f"{new_count} new access(es), {undecided} undecided"
    )
    return text_lines(lines)
