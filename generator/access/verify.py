"""`xgen verify`: ask a rendered deployment its questions and judge the answers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..network import vpc_requirements
from .deployment import Deployment, load
from .evaluate import authorize
from .questions import SEED, Question, questions
from .result import Result


@dataclass(frozen=True)
class Check:
    """A question, the evaluator's answer, and whether the deployment passes it."""

    question: Question
    result: Result
    accepted: str | None = None  # why an unexpected allow is accepted (profile seed)

    @property
    def ok(self) -> bool:
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

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

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
        return (*dep.notes, *skipped, *vpc)


def judge(question: Question, profile: str) -> Check:
    result = authorize(
        question.request,
        resource_account=question.resource_account,
        identity=question.identity,
        resource=question.resource,
        resource_must_allow=question.resource_must_allow,
    )
    accepted = None
    if result.allowed and not question.expect_allow and profile == SEED and question.seed_fix:
        accepted = f"accepted by profile seed (hardened fix: {question.seed_fix})"
    return Check(question, result, accepted)


def verify(root: Path) -> Report:
    """Every check of the deployment rendered into `root` (InputError if unreadable)."""
    deployment = load(root)
    return Report(deployment, tuple(judge(q, deployment.profile) for q in questions(deployment)))
