"""`xgen audit`: read every account of a spec, then judge the live state three ways.

1. drift: each live policy against the render, statement by statement;
2. findings: the lint rules over the live documents, plus what is wrong with the live
   resources themselves (missing, artifact under another key);
3. checks: verify's questions asked of the live documents.

Credentials are checked before anything is read: each account is read with the profile
named for it, or with the ambient credentials when they belong to that account.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ..access.conditions import UnsupportedOperator, split_operator
from ..access.deployment import Deployment, Document
from ..access.questions import questions
from ..access.verify import Check, judge
from ..errors import InputError
from ..lint.config import Config
from ..lint.context import LintDocument, Origin
from ..lint.deployment import Deployment as LintDeployment
from ..lint.engine import check
from ..lint.findings import Finding, Severity
from ..model import Spec, Target
from ..policy.limits import compact_size
from .compare import Comparer, Configured, DriftItem, live_deployment
from .expected import from_render, from_spec
from .findings import UNJUDGED, finding

if TYPE_CHECKING:
    from ..access.proof import Proof

PROFILE_ARG = re.compile(r"^(?P<account>[0-9]{12})=(?P<profile>\S+)\Z")
Progress = Callable[[str], None]
T = TypeVar("T")
# Accounts read at once: each read waits on AWS, and 8 stays far below API rate limits.
READERS = 8


@dataclass(frozen=True)
class AuditReport:
    name: str
    profile: str
    accounts: tuple[tuple[str, str | None], ...]  # (account, profile) in reading order
    drift: tuple[DriftItem, ...]
    findings: tuple[Finding, ...]
    checks: tuple[Check, ...]
    notes: tuple[str, ...]
    proofs: tuple[Proof, ...] = ()  # verify's proofs over the live documents

    def exit_code(self, fail_on: Severity) -> int:
        """0 when live matches and verifies; 1 on drift, findings at `fail_on`, failed checks
        or proofs."""
        failing = any(f.severity.rank >= fail_on.rank for f in self.findings)
        proved = all(c.ok for c in self.checks) and all(p.ok for p in self.proofs)
        return 1 if self.drift or failing or not proved else 0


def parse_profiles(values: list[str], spec: Spec) -> dict[str, str]:
    """`--profile ACCOUNT_ID=PROFILE` options as a mapping, each account one of the spec's."""
    accounts = {spec.source.account_id, *(t.account_id for t in spec.targets)}
    profiles: dict[str, str] = {}
    for value in values:
        match = PROFILE_ARG.match(value)
        if not match:
            raise InputError(
                f"{value!r} is not ACCOUNT_ID=PROFILE",
                place="--profile",
                fix="e.g. --profile 222222222222=prod-admin",
            )
        account = match.group("account")
        if account not in accounts:
            raise InputError(
                f"account {account} is not in the spec",
                place="--profile",
                fix=f"use one of {', '.join(sorted(accounts))}",
            )
        if account in profiles:
            raise InputError(f"account {account} is given twice", place="--profile", fix="keep one")
        profiles[account] = match.group("profile")
    return profiles


def _in_parallel(tasks: list[tuple[str, Callable[[], T]]], progress: Progress) -> list[T]:
    """Run read-only AWS calls for several accounts at once (each waits on the network).

    Progress is reported as tasks finish; results come back in the tasks' order, and the
    first failure in that order is raised, so output and errors stay deterministic. After
    a failure, tasks not yet started are dropped: with more than READERS accounts behind
    an endpoint that never answers, the wait stays one call's bound, not one per wave.
    """
    with ThreadPoolExecutor(max_workers=min(READERS, len(tasks))) as pool:
        futures = {pool.submit(task): label for label, task in tasks}
        for done, future in enumerate(as_completed(futures), start=1):
            if future.cancelled():
                continue
            if future.exception() is None:
                progress(f"[{done}/{len(tasks)}] {futures[future]}")
            else:
                for other in futures:
                    other.cancel()  # only those still waiting for a worker
    failed = [f for f in futures if not f.cancelled() and f.exception() is not None]
    if failed:
        raise failed[0].exception()  # type: ignore[misc]
    return [future.result() for future in futures]


def check_identities(
    accounts: dict[str, str | None],
    sessions: dict[str | None, Any],
    region: str,
    progress: Progress,
) -> None:
    """Refuse credentials of another account than the one they are meant to read."""
    from ..aws.live import caller_account

    found = _in_parallel(
        [
            (
                f"checked {f'profile {p}' if p else 'the ambient credentials'}",
                partial(caller_account, p, via, region),
            )
            for p, via in sessions.items()
        ],
        progress,
    )
    actual = dict(zip(sessions, found, strict=True))
    for account, profile in sorted(accounts.items(), key=lambda item: item[1] is None):
        if actual[profile] == account:
            continue
        if profile is None:
            raise InputError(
                f"no --profile for account {account}, and the ambient credentials are "
                f"for account {actual[profile]}",
                place="--profile",
                fix=f"pass --profile {account}=PROFILE",
            )
        raise InputError(
            f"profile {profile} has credentials for account {actual[profile]}, not {account}",
            place="--profile",
            fix=f"pass --profile {account}=PROFILE with a profile of account {account}",
        )


def audit(
    spec: Spec,
    spec_path: Path,
    *,
    profiles: dict[str, str],
    render: Path | None,
    config: Config,
    progress: Progress,
) -> AuditReport:
    """Read the live state of every account of `spec` and judge it (InputError: exit 2)."""
    from ..aws.live import AccountReader
    from ..aws.session import session

    expected = from_render(render, spec, spec_path) if render else from_spec(spec, spec_path)
    src = expected.source
    order = [src.account_id, *(t.account_id for t in expected.targets)]
    accounts = {account: profiles.get(account) for account in order}
    # One session per profile, shared by its identity check and its reads: a role or SSO
    # profile then fetches credentials once. Named profiles first, so that a wrong one is
    # reported before the ambient credentials are tried.
    sessions = {
        p: session(p) for p in dict.fromkeys(sorted(accounts.values(), key=lambda p: p is None))
    }
    check_identities(accounts, sessions, src.region, progress)

    def reader(account: str) -> AccountReader:
        profile = accounts[account]
        return AccountReader(account, profile, sessions[profile], src.region)

    source_state, *target_states = _in_parallel(
        [
            (
                f"read source account {src.account_id}",
                partial(
                    reader(src.account_id).source,
                    src,
                    _artifacts(expected),
                    tuple(dict.fromkeys(p for t in expected.targets for p in t.packages)),
                ),
            ),
            *(
                (f"read target {t.name} ({t.account_id})", partial(reader(t.account_id).target, t))
                for t in expected.targets
            ),
        ],
        progress,
    )
    comparer = Comparer(
        expected, {t.name: _configured(spec, t) for t in spec.targets}, spec=str(spec_path)
    )
    comparer.source(source_state)
    live_targets = tuple(
        comparer.target(target, state)
        for target, state in zip(expected.targets, target_states, strict=True)
    )
    result = comparer.result
    live = live_deployment(expected, result, live_targets)
    checks = _checks(live)
    unjudged = _unjudgeable(result.documents)
    proofs = _proofs(live, {f.file for f in unjudged})
    lint_deployment = LintDeployment.from_spec(spec)
    linted = check(
        [
            _lint_document(d, expected.profile, lint_deployment, result.inline_roles)
            for d in result.documents
        ],
        config=config,
        suppressions=[],
    )
    notes = [*expected.notes, *result.notes]
    return AuditReport(
        name=expected.name,
        profile=expected.profile,
        accounts=tuple(accounts.items()),
        drift=tuple(result.drift),
        findings=tuple(sorted([*result.findings, *unjudged, *linted.findings], key=_order)),
        checks=checks,
        notes=tuple(notes),
        proofs=proofs,
    )


def _artifacts(expected: Deployment) -> tuple[str, ...]:
    """Every artifact some target reads, each once, in target order."""
    found = (arn for t in expected.targets for arn in t.object_arns(expected.source))
    return tuple(dict.fromkeys(found))


def _configured(spec: Spec, target: Target) -> Configured:
    """What the deploy-account module creates for a target, as SageMaker describes it."""
    vpc = target.vpc
    version = spec.version(target)
    package = spec.package_arn(spec.served(target))
    # A model from a Model Registry version is described by its package, not by an image.
    container = (
        {"ModelPackageName": package}
        if package
        else {"Image": version.image, "ModelDataUrl": version.artifact, "ModelPackageName": None}
    )
    return Configured(
        model={
            **container,
            "ExecutionRoleArn": spec.role_arn(target),
            "EnableNetworkIsolation": spec.network_isolation(target),
            "VpcConfig": (
                {
                    "SecurityGroupIds": sorted(vpc.security_group_ids),
                    "Subnets": sorted(vpc.subnet_ids),
                }
                if vpc
                else None
            ),
        },
        variant={
            "ModelName": spec.model_name(target),
            "InstanceType": target.instance_type,
            "InitialInstanceCount": target.instance_count,
        },
    )


def _order(f: Finding) -> tuple[str, str, str]:
    return (f.file, f.rule, f.message)


def _unjudgeable(documents: list[Document]) -> list[Finding]:
    """Live documents with a condition operator the evaluator does not model: a finding
    each, and the checks they take part in are skipped rather than guessed."""
    found = []
    for doc in documents:
        for statement in doc.file.policy.statements:
            for condition in statement.conditions:
                try:
                    split_operator(condition.operator)
                except UnsupportedOperator as error:
                    found.append(
                        finding(
                            UNJUDGED,
                            doc.file.path,
                            f"{statement.label}: {error}; the checks through it are skipped",
                            "verify models String*, Arn*, Bool, Null and Numeric* conditions",
                        )
                    )
    return found


def _checks(live: Deployment) -> tuple[Check, ...]:
    """Verify's questions over the live documents, but those it cannot judge."""
    judged = (judge(question, live.profile) for question in questions(live))
    # a check through an operator the evaluator cannot judge is reported once per document
    # by _unjudgeable (XA004) and skipped here, never guessed
    return tuple(check for check in judged if check.undecided is None)


def _proofs(live: Deployment, unjudged: set[str]) -> tuple[Proof, ...]:
    """Verify's proofs over the live documents; one left undecided by a document with an
    operator the evaluator does not model is that document's XA004 finding, not a check."""
    from ..access.proof import prove  # z3, as verify loads it

    return tuple(
        proof
        for proof in prove(live)
        if not (proof.undecided and proof.undecided.split(": ", 1)[0] in unjudged)
    )


def _lint_document(
    doc: Document, profile: str, deployment: LintDeployment, inline_roles: dict[str, str]
) -> LintDocument:
    """A live document as lint reads a file; inline policies name their role, so that the
    rule on a role's inline policies together (XG008) sums what is live."""
    policy = doc.file.policy
    role = inline_roles.get(doc.file.path)
    return LintDocument(
        policy=policy,
        kind=doc.kind,
        origin=Origin(doc.file.path),
        size=compact_size(policy.raw),
        account_id=doc.account_id,
        target=doc.target,
        profile=profile,
        deployment=deployment,
        role=("live", role) if role else None,
    )
