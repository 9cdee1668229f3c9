"""`xgen verify`: ask a rendered deployment its questions and judge the answers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..network import vpc_requirements
from ..policy.kinds import Kind
from .conditions import UnsupportedOperator
from .deployment import Deployment, load, refuse_foreign_terraform
from .evaluate import authorize
from .questions import SEED, Question, questions
from .result import Decision, Reason, Result

if TYPE_CHECKING:
    from .proof import Proof


@dataclass(frozen=True)
class Check:
    """A question, the evaluator's answer, and whether the deployment passes it."""

    question: Question
    result: Result
    accepted: str | None = None  # why an unexpected allow is accepted (profile seed)
    undecided: str | None = None  # what the evaluator could not judge: never ok

    @property
    def ok(self) -> bool:
        if self.undecided is not None:
            return False
        return self.result.allowed == self.question.expect_allow or self.accepted is not None

    def as_json(self) -> dict[str, Any]:
        """The contract keys (`layer` ... `reasons`) first; the rest are additions."""
        q = self.question
        return {
            "layer": str(q.layer),
            "principal": q.request.caller.arn,
            "action": q.request.action,
            "resource": q.request.resource,
            "expected": "allow" if q.expect_allow else "deny",
            "decision": str(self.result.decision),
            "ok": self.ok,
            "reasons": [str(r) for r in self.result.reasons],
            "target": q.target,
            "who": q.who,
            "context": {k: list(v) for k, v in q.request.effective.items()},
            "accepted": self.accepted,
        }


@dataclass(frozen=True)
class Report:
    deployment: Deployment
    checks: tuple[Check, ...]
    proofs: tuple[Proof, ...] = ()

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks) and all(p.ok for p in self.proofs)

    @property
    def notes(self) -> tuple[str, ...]:
        dep = self.deployment
        skipped = (
            ()
            if dep.source.image_in_source_account
            else (
                f"image {dep.source.image} is not in the source account's ECR: "
                "ecr layer not checked",
            )
        )
        vpc = tuple(
            f"target {target.name} runs in a VPC: "
            + vpc_requirements(dep.source.region, dep.source.bucket_arn)
            for target in dep.targets
            if target.in_vpc
        )
        platform = tuple(
            f"target {target.name} uses the platform team's role {target.role_arn}: its trust "
            "policy is not in the render, so the trust layer is not checked (`xgen audit` "
            "reads and proves it live)"
            for target in dep.targets
            if target.existing_role and not dep.document(Kind.TRUST, target.account_id, target.name)
        )
        return (*dep.notes, *skipped, *vpc, *platform)


def judge(question: Question, profile: str) -> Check:
    try:
        result = authorize(
            question.request,
            resource_account=question.resource_account,
            identity=question.identity,
            resource=question.resource,
            resource_must_allow=question.resource_must_allow,
        )
    except UnsupportedOperator as error:
        undecided = Result(Decision.IMPLICIT_DENY, (Reason(f"not judged: {error}"),))
        return Check(question, undecided, undecided=str(error))
    accepted = None
    if result.allowed and not question.expect_allow and profile == SEED and question.seed_fix:
        accepted = f"accepted by profile seed (hardened fix: {question.seed_fix})"
    return Check(question, result, accepted)


def verify(root: Path, plans: Sequence[Path] = ()) -> Report:
    """Every check and proof of the deployment rendered into `root` (InputError if unreadable),
    over the documents `plans` will apply where they are given (planned.py).

    The questions are concrete requests (the intended accesses must be allowed, named
    adversaries denied); the proofs decide, with z3, every request of every layer.
    """
    from .proof import prove  # z3: only verify, diff and simulate load it

    deployment = load(root)
    if not plans:
        refuse_foreign_terraform(deployment)  # simulate and diff read such a folder as it is
    else:
        from .planned import with_plans

        deployment = with_plans(deployment, plans)
    checks = tuple(judge(q, deployment.profile) for q in questions(deployment))
    return Report(deployment, checks, tuple(prove(deployment)))
