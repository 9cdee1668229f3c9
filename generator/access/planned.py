"""`xgen verify DIR --plan PLAN.json...`: the documents `terraform show -json` plans will apply.

A rendered folder says what xgen wrote; a plan says what Terraform will apply, after
every override file, variable and edit. Each plan is one account's (its AWS provider's
`allowed_account_ids`, which the render writes, or its `aws_caller_identity`): its
planned policies replace that account's documents of the folder, matched by resource
type (the bucket, key and repository policies of the source; each target role's trust
and inline policies, by the role's name; a target's volume key). A document the folder
has but the plan does not say (absent, deleted, or known only after apply) cannot be
proved: that is an error, never a silent pass. Accounts without a plan keep the folder's.
https://developer.hashicorp.com/terraform/internals/json-format
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..lint.sources import ReadError
from ..lint.sources.jsonfile import load_json, parse_json
from ..lint.sources.plan import is_plan, plan_account
from ..policy.document import PolicyError, parse_policy
from ..policy.kinds import Kind
from ..safe_read import Unreadable, read_limited
from .deployment import Deployment, Document
from .evaluate import PolicyFile

PLAN_ROLE = "(the plan's role)"
VOLUME_KEY = "(the target's volume key)"
FIX = "pass `terraform show -json PLANFILE` of a root module xgen rendered"
# resource type -> (kind, attribute holding the policy) of the documents xgen renders
SOURCE_TYPES = {
    "aws_s3_bucket_policy": Kind.BUCKET,
    "aws_kms_key_policy": Kind.KEY,
    "aws_ecr_repository_policy": Kind.ECR_REPOSITORY,
}


@dataclass(frozen=True)
class _Planned:
    """One planned policy: what it is, whose, and its document."""

    kind: Kind
    role: str | None  # the target role it belongs to (target documents)
    name: str | None  # the inline policy's name (identity documents)
    address: str
    body: Any


def read_plan(path: Path) -> dict[str, Any]:
    """A `terraform show -json` plan; InputError (one line) for anything else."""
    try:
        value, _ = load_json(read_limited(path, 64 << 20), str(path))
    except Unreadable as error:
        raise InputError(f"cannot read: {error}", file=str(path), place="--plan", fix=FIX) from None
    except ReadError as error:
        raise InputError(str(error), file=str(path), place="--plan", fix=FIX) from None
    if not is_plan(value):
        raise InputError(
            "not a `terraform show -json` plan (no format_version / resource_changes)",
            file=str(path),
            place="--plan",
            fix=FIX,
        )
    return value


def _changes(plan: dict[str, Any], path: Path) -> list[_Planned]:
    """The policies the plan leaves in place after apply (a deleted resource: none)."""
    found = []
    for change in plan.get("resource_changes") or []:
        if not isinstance(change, dict) or not isinstance(change.get("change"), dict):
            continue
        after = change["change"].get("after")
        kind_of = str(change.get("type"))
        address = str(change.get("address", ""))
        if not isinstance(after, dict):
            continue
        if kind_of in SOURCE_TYPES:
            planned = _Planned(SOURCE_TYPES[kind_of], None, None, address, after.get("policy"))
        elif kind_of == "aws_iam_role":
            planned = _Planned(
                Kind.TRUST, after.get("name"), None, address, after.get("assume_role_policy")
            )
        elif kind_of == "aws_iam_role_policy":
            # `role` is the role's id, known only after apply when the plan creates the
            # role: then it is the plan's role (a rendered root module has one)
            role = after.get("role")
            planned = _Planned(
                Kind.IDENTITY,
                role if isinstance(role, str) else PLAN_ROLE,
                after.get("name"),
                address,
                after.get("policy"),
            )
        elif kind_of == "aws_kms_key":
            planned = _Planned(Kind.KEY, VOLUME_KEY, None, address, after.get("policy"))
        else:
            continue
        if not isinstance(planned.body, str) or not planned.body.strip():
            continue  # known only after apply: reported below as missing
        try:
            found.append(replace(planned, body=parse_json(planned.body)))
        except ReadError as error:
            raise InputError(
                f"{address}: its policy is {error}", file=str(path), place="--plan", fix=FIX
            ) from None
    return found


def _document(path: Path, planned: _Planned, like: Document) -> Document:
    """The planned policy as the document `like` (kind, account, target, kept statements)."""
    try:
        policy = parse_policy(planned.body)
    except PolicyError as error:
        raise InputError(f"{planned.address}: {error}", file=str(path), fix=FIX) from None
    return replace(like, file=PolicyFile(f"{path}:{planned.address}", policy))


def _role_name(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def with_plans(dep: Deployment, plans: Sequence[Path]) -> Deployment:
    """`dep` with the documents each plan covers as the plan will apply them."""
    accounts = {dep.source.account_id, *(t.account_id for t in dep.targets)}
    replaced: dict[int, Document] = {}  # index in dep.documents -> the planned document
    extra: list[Document] = []
    for path in plans:
        plan = read_plan(path)
        account = plan_account(plan)
        if account is None or account not in accounts:
            raise InputError(
                "cannot tell which of the deployment's accounts this plan is for "
                f"(found {account or 'none'}; the deployment has {', '.join(sorted(accounts))})",
                file=str(path),
                place="--plan",
                fix="plan the rendered root modules as written (providers.tf names the account "
                "in allowed_account_ids)",
            )
        changes = _changes(plan, path)
        covered = [
            i
            for i, doc in enumerate(dep.documents)
            if doc.account_id == account and _covers(dep, doc, changes)
        ]
        if not covered or any(i in replaced for i in covered):
            why = "none of the folder's documents" if not covered else "documents of another plan"
            raise InputError(f"the plan holds {why}", file=str(path), place="--plan", fix=FIX)
        for index in covered:
            doc = dep.documents[index]
            matches = [c for c in changes if _is(dep, doc, c)]
            if len(matches) != 1:
                how = "not in the plan, or known only after apply" if not matches else "twice"
                raise InputError(
                    f"the {doc.kind} policy {doc.file.path} is {how}: what will be applied "
                    "cannot be proved",
                    file=str(path),
                    place="--plan",
                    fix="plan every rendered resource (no -target)",
                )
            replaced[index] = _document(path, matches[0], doc)
            changes.remove(matches[0])
        targets = {dep.documents[i].target for i in covered} - {None}
        extra += _extra_inline(dep, targets, path, changes)
    documents = [replaced.get(i, d) for i, d in enumerate(dep.documents)] + extra
    planned_paths = {dep.documents[i].file.path for i in replaced}
    notes = [n for n in dep.notes if n.split(":", 1)[0] not in planned_paths]
    unplanned = sorted({d.file.path for i, d in enumerate(dep.documents) if i not in replaced})
    if unplanned:
        notes.append(f"no plan for {', '.join(unplanned)}: verified as in the folder")
    return replace(dep, documents=tuple(documents), notes=tuple(notes))


def _covers(dep: Deployment, doc: Document, changes: list[_Planned]) -> bool:
    """Whether a plan is of the root module that applies `doc`: the source's policies, or
    the target's (the plan creates the target's role)."""
    if doc.target is None:
        return any(c.kind in SOURCE_TYPES.values() and c.role is None for c in changes)
    [target] = [t for t in dep.targets if t.name == doc.target]
    return any(c.kind is Kind.TRUST and c.role == _role_name(target.role_arn) for c in changes)


def _extra_inline(
    dep: Deployment, targets: set[str | None], path: Path, changes: list[_Planned]
) -> list[Document]:
    """Inline policies of a planned target's role that the folder does not have: applied
    too, so the questions count them."""
    found = []
    for target in (t for t in dep.targets if t.name in targets):
        for change in changes:
            if change.kind is Kind.IDENTITY and change.role in (
                _role_name(target.role_arn),
                PLAN_ROLE,
            ):
                like = Document(
                    Kind.IDENTITY,
                    target.account_id,
                    target.name,
                    PolicyFile("", parse_policy({"Statement": []})),
                )
                found.append(_document(path, change, like))
    return found


def _is(dep: Deployment, doc: Document, planned: _Planned) -> bool:
    """Whether a planned policy is the folder's document `doc`."""
    if planned.kind is not doc.kind:
        return False
    if doc.target is None:
        return planned.role is None
    [target] = [t for t in dep.targets if t.name == doc.target]
    if doc.kind is Kind.KEY:
        return planned.role == VOLUME_KEY
    if planned.role not in (_role_name(target.role_arn), PLAN_ROLE):
        return False
    return doc.kind is not Kind.IDENTITY or planned.name == Path(doc.file.path).stem
