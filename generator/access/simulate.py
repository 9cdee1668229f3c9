"""`xgen simulate`: one question to a rendered deployment, answered with its explanation.

An offline IAM policy simulator over the files on disk: the caller's identity policies
are the inline policies of the target role it is (none for anyone else, or a
hypothetical `*`-on-`*` policy with `--admin`), the resource's policy is the one the
manifest lists for that resource.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import InputError
from ..policy.kinds import Kind
from .deployment import Deployment
from .evaluate import PolicyFile, authorize
from .questions import ADMIN
from .request import Request, parse_caller, request
from .result import Result


@dataclass(frozen=True)
class Answer:
    request: Request
    identity: tuple[PolicyFile, ...]
    resource: PolicyFile | None
    result: Result

    def as_json(self) -> dict[str, object]:
        req = self.request
        return {
            "principal": req.caller.arn,
            "action": req.action,
            "resource": req.resource,
            "context": {k: list(v) for k, v in req.effective.items()},
            "decision": str(self.result.decision),
            "reasons": [str(r) for r in self.result.reasons],
            "identity_policies": [f.path for f in self.identity],
            "resource_policy": self.resource.path if self.resource else None,
        }


def parse_context(pairs: Sequence[str]) -> dict[str, list[str]]:
    """`k=v` pairs; a key given twice has several values (a multivalued key)."""
    context: dict[str, list[str]] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise InputError(
                f"{pair!r} is not KEY=VALUE",
                place="--context",
                fix="e.g. --context kms:ViaService=s3.us-east-1.amazonaws.com",
            )
        context.setdefault(key, []).append(value)
    return context


def _resource(dep: Deployment, arn: str) -> tuple[PolicyFile | None, str, bool]:
    """(resource policy, owning account, whether it must allow) for a resource of `dep`."""
    source = dep.source.account_id
    if arn == dep.source.bucket_arn or arn.startswith(dep.source.bucket_arn + "/"):
        return dep.document(Kind.BUCKET, source), source, False
    if arn == dep.source.kms_key_arn:
        return dep.document(Kind.KEY, source), source, True
    if arn == dep.source.repository_arn and dep.source.image_in_source_account:
        return dep.document(Kind.ECR_REPOSITORY, source), source, False
    for target in dep.targets:
        if arn == target.role_arn:
            return dep.document(Kind.TRUST, target.account_id, target.name), target.account_id, True
        # the endpoint volume key xgen creates: its id is known only after apply
        volume = dep.document(Kind.KEY, target.account_id, target.name)
        key_prefix = f"arn:{dep.partition}:kms:{dep.source.region}:{target.account_id}:key/"
        if volume and arn.startswith(key_prefix) and len(arn) > len(key_prefix):
            return volume, target.account_id, True
    known = [
        dep.source.bucket_arn + "/…",
        dep.source.kms_key_arn,
        *(t.role_arn for t in dep.targets),
    ]
    if dep.source.image_in_source_account:
        known.append(dep.source.repository_arn)
    raise InputError(
        f"{arn} is not a resource of this deployment",
        place="--resource",
        fix="use one of " + ", ".join(known),
    )


def simulate(
    dep: Deployment,
    principal: str,
    action: str,
    resource: str,
    context: Sequence[str] = (),
    *,
    admin: bool = False,
) -> Answer:
    """Decide one request against the deployment's policies."""
    try:
        caller = parse_caller(principal)
    except ValueError as error:
        raise InputError(
            f"{principal!r}: {error}", place="--principal", fix="pass one of those"
        ) from None
    policy, account, must_allow = _resource(dep, resource)
    identity: tuple[PolicyFile, ...] = ()
    for target in dep.targets:
        if caller.principal_arn == target.role_arn:
            identity = dep.identity(target.name)
    if admin:
        identity = (*identity, ADMIN)
    req = request(caller, action, resource, parse_context(context))
    result = authorize(
        req,
        resource_account=account,
        identity=identity,
        resource=policy,
        resource_must_allow=must_allow,
    )
    return Answer(req, identity, policy, result)
