"""Match what is live to what was rendered, document by document and resource by resource.

The result has three parts: drift (each difference, named), findings about the live
state itself (a resource not there, the artifact under another key), and the live policy
documents in verify's shape, so that the same lint rules and verify questions can judge
what AWS actually enforces. Live documents are named `live:<the rendered path>`.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath
from typing import Any

from ..access.deployment import Deployment, Document
from ..access.evaluate import PolicyFile
from ..aws.live import EndpointState, Live, ModelState, ObjectState, SourceState, TargetState
from ..lint.findings import Finding
from ..manifest import TargetEntry
from ..policy.document import Policy, PolicyError, parse_policy
from ..policy.kinds import Kind
from .drift import Difference, compare, statement_name
from .findings import (
    CONTENT_CHANGED,
    MISSING,
    NOT_APPLIED,
    NOT_APPROVED,
    NOT_KEPT,
    NOT_UNDER_KEY,
    SSE_S3,
    UNJUDGED,
    finding,
)
from .foreign import KEEP_LISTS, foreign

LIVE = "live:"
NONE = parse_policy({"Statement": []})


@dataclass(frozen=True)
class DriftItem:
    """One difference, with the account, the live resource and the rendered document."""

    account: str
    resource: str
    document: str
    difference: Difference

    @property
    def message(self) -> str:
        return f"{self.document}: {self.difference.message()}"

    def as_json(self) -> dict[str, Any]:
        d = self.difference
        return {
            "account": self.account,
            "resource": self.resource,
            "document": self.document,
            "change": d.change,
            "statement": d.statement,
            "field": d.field,
            "rendered": d.rendered,
            "live": d.live,
            "message": self.message,
            "hint": d.hint,
        }


@dataclass
class Comparison:
    drift: list[DriftItem] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)  # live, as verify reads them
    notes: list[str] = field(default_factory=list)
    inline_roles: dict[str, str] = field(default_factory=dict)  # live path -> its role's ARN


@dataclass(frozen=True)
class Configured:
    """A target's SageMaker model and endpoint variant as rendered, in DescribeModel's and
    DescribeEndpointConfig's field names."""

    model: dict[str, Any]
    variant: dict[str, Any]


def _whole(change: str, what: str) -> Difference:
    """A difference of a whole document or attachment, not of one statement."""
    return Difference(change, "", "", None, None, whole=what)


class Comparer:
    """Collects the comparison of one deployment, account by account."""

    def __init__(
        self, expected: Deployment, configured: dict[str, Configured], *, spec: str = "SPEC"
    ) -> None:
        """`configured`: per target name, its SageMaker model and endpoint variant; `spec`:
        the spec's path, for the `xgen import` fix."""
        self.expected = expected
        self.configured = configured
        self.spec = spec
        self.result = Comparison()

    def _drift(self, account: str, resource: str, document: str, diff: Difference) -> None:
        self.result.drift.append(DriftItem(account, resource, document, diff))

    def _missing(self, account: str, label: str, what: str, fix: str) -> None:
        message = f"{what} is not there in account {account}"
        self.result.findings.append(finding(MISSING, LIVE + label, message, fix))

    def _policy(
        self,
        expected: Document | None,
        live: dict[str, Any] | None,
        *,
        kind: Kind,
        account: str,
        resource: str,
        path: str,
        target: str | None = None,
    ) -> None:
        """Compare one document and keep its live form for lint and verify."""
        if live is None:
            if expected is not None:
                self._drift(account, resource, path, _whole("missing", f"the {kind} policy"))
            return
        try:
            policy = parse_policy(live)
        except PolicyError as error:
            message = f"the live {kind} policy of {resource} cannot be read: {error}"
            fix = "apply the render again"
            self.result.findings.append(finding(UNJUDGED, LIVE + path, message, fix))
            return
        if expected is not None:  # an extra document is one drift item, named by the caller
            compared = self._not_kept(expected, policy, resource)
            for diff in compare(expected.file.policy, compared):
                self._drift(account, resource, path, diff)
        self.result.documents.append(
            Document(kind, account, target, PolicyFile(LIVE + path, policy))
        )

    def _not_kept(self, expected: Document, live: Policy, resource: str) -> Policy:
        """XA008 for each live statement of a source policy that the apply would delete;
        returns the live policy without them, for drift.

        Each is reported once, as XA008 and not also as drift: the finding says what the
        next apply does to it and how to keep it, before the first apply and after it
        alike (audit cannot tell a policy never applied from one rewritten since).
        """
        keep_list = KEEP_LISTS.get(expected.kind)
        source = self.expected.source.account_id
        if keep_list is None or expected.account_id != source or expected.target:
            return live
        dropped = foreign(expected.file.policy, live)
        folder = expected.file.path.split("/", 1)[0]
        for statement in dropped:
            message = (
                f"{expected.kind} policy of {resource}: statement {statement_name(statement)} "
                f"is live but not in the spec: the next terraform apply in {folder} deletes it"
            )
            fix = (
                f"to keep it, run `xgen import {shlex.quote(self.spec)}` (it adds the statement "
                f"to source.{keep_list}); to drop it, apply"
            )
            self.result.findings.append(finding(NOT_KEPT, LIVE + expected.file.path, message, fix))
        return live._replace(statements=tuple(s for s in live.statements if s not in dropped))

    def source(self, state: SourceState) -> None:
        src = self.expected.source
        account = src.account_id
        bucket = src.bucket_arn.split(":::", 1)[1]
        for kind, live, resource, what in (
            (Kind.BUCKET, state.bucket, src.bucket_arn, f"bucket {bucket}"),
            (Kind.KEY, state.key, src.kms_key_arn, f"KMS key {src.kms_key_arn}"),
            (Kind.ECR_REPOSITORY, state.repository, src.repository_arn, "ECR repository"),
            (
                Kind.MODEL_PACKAGE_GROUP,
                state.group,
                self.expected.group_arn,
                f"model package group {self.expected.group_arn}",
            ),
        ):
            rendered = self.expected.entry(kind, account)
            if live is None or rendered is None:
                continue
            self._resource(live, rendered, resource=resource, what=what)
        for package, status in state.approvals.items():
            self._approved(package, status)
        pins = {t.served_object(src): dict(t.pin) for t in self.expected.targets if t.pin}
        for arn, obj in state.artifacts.items():
            self._artifact(f"s3://{bucket}/{arn.split('/', 1)[1]}", obj, state, pins.get(arn))

    def _artifact(
        self, artifact: str, obj: ObjectState, state: SourceState, pin: dict[str, str] | None
    ) -> None:
        """One artifact: there, under the spec's key, and the content its version pins."""
        src = self.expected.source
        account = src.account_id
        if state.bucket.exists and not obj.exists:
            self._missing(
                account, artifact, f"the artifact {artifact}", "run the training job again"
            )
            return
        if obj.exists and not _under_key(obj.kms_key_id, src.kms_key_arn):
            fix = f"xgen reencrypt {artifact} --kms-key {src.kms_key_arn}"
            if obj.encryption in (None, "AES256"):  # SSE-S3, or none (pre-2023, emulators)
                message = (
                    f"{artifact} is {_encryption(obj.encryption, None)}: readable across "
                    f"accounts through the bucket policy alone, not protected by "
                    f"{src.kms_key_arn}"
                )
                rule = SSE_S3
            else:
                message = (
                    f"{artifact} is {_encryption(obj.encryption, obj.kms_key_id)}: other "
                    f"accounts can only read it under {src.kms_key_arn}"
                )
                rule = NOT_UNDER_KEY
            self.result.findings.append(finding(rule, LIVE + artifact, message, fix))
        if obj.exists and pin:
            self._pinned(artifact, obj, pin)

    def _approved(self, package: str, status: str | None) -> None:
        """A Model Registry version a target deploys must exist and be Approved."""
        users = [t.name for t in self.expected.targets if package in t.packages]
        if status is None:
            self._missing(
                self.expected.source.account_id,
                package,
                f"model package {package}",
                "register the version, or name an existing one in models.*.package_version",
            )
        elif status != "Approved":
            message = (
                f"{package} is {status}, not Approved, and target {', '.join(users)} deploys "
                "it: the registry's approval is the gate a version passes before it serves"
            )
            fix = (
                "approve the version in the source account (aws sagemaker "
                f"update-model-package --model-package-arn {package} --model-approval-status "
                "Approved), or serve an approved one"
            )
            self.result.findings.append(finding(NOT_APPROVED, LIVE + package, message, fix))

    def _pinned(self, artifact: str, obj: ObjectState, pin: dict[str, str]) -> None:
        """A live object of other content than its version's pin (re-uploaded, overwritten)."""
        field, wanted = next(iter(pin.items()))
        live = obj.version_id if field == "version_id" else obj.etag
        if live == wanted:
            return
        what = "VersionId" if field == "version_id" else "ETag"
        message = (
            f"{artifact} has {what} {live or 'none'}, not {wanted} as its version pins: "
            "SageMaker downloads the object's current content at every instance start, so "
            "the endpoint's next instance serves another model"
        )
        fix = (
            "upload the new content to a key of its own and name it as a new version; or, if "
            f"this content is meant, set {field}: {live} in the spec, render and apply"
        )
        self.result.findings.append(finding(CONTENT_CHANGED, LIVE + artifact, message, fix))

    def _resource(self, live: Live, rendered: Document, *, resource: str, what: str) -> None:
        """A resource with a policy: missing (a finding), or its policy compared."""
        path = rendered.file.path
        account = rendered.account_id
        if not live.exists:
            folder = path.split("/", 1)[0]
            self._missing(account, path, what, f"terraform apply in {folder}")
            return
        self._policy(
            rendered,
            live.policy,
            kind=rendered.kind,
            account=account,
            resource=resource,
            path=path,
            target=rendered.target,
        )

    def target(self, entry: TargetEntry, state: TargetState) -> TargetEntry:
        """Compare one target account; returns the entry as live (its attached policies)."""
        trust = self.expected.entry(Kind.TRUST, entry.account_id, entry.name)
        if trust is not None:
            what = f"role {entry.role_arn}"
            self._resource(state.role, trust, resource=entry.role_arn, what=what)
        elif entry.existing_role:
            self._platform_role(entry, state)
        self._model(entry, state.model)
        self._endpoint(entry, state.endpoint)
        if not state.role.exists:
            return entry
        self._inline(entry, state)
        self._attached(entry, state)
        return replace(entry, managed_policy_arns=tuple(state.attached))

    def _platform_role(self, entry: TargetEntry, state: TargetState) -> None:
        """The platform team's role: it must exist, and its live trust policy is linted and
        proved like a rendered one (SageMaker only, for this account)."""
        path = f"{entry.dir}/policies/trust-policy.json"
        if not state.role.exists:
            fix = "ask the platform team for the role, or fix existing_role_arn in the spec"
            self._missing(entry.account_id, path, f"role {entry.role_arn}", fix)
            return
        self._policy(
            None,
            state.role.policy,
            kind=Kind.TRUST,
            account=entry.account_id,
            resource=entry.role_arn,
            path=path,
            target=entry.name,
        )

    def _inline(self, entry: TargetEntry, state: TargetState) -> None:
        rendered = {
            PurePosixPath(d.file.path).stem: d
            for d in self.expected.documents
            if d.kind is Kind.IDENTITY and d.target == entry.name
        }
        for name in sorted({*rendered, *state.inline}):
            path = (
                rendered[name].file.path
                if name in rendered
                else f"{entry.dir}/policies/inline/{name}.json"
            )
            what = f"inline policy {name} of the role"
            if name not in state.inline:
                self._drift(entry.account_id, entry.role_arn, path, _whole("missing", what))
                continue
            if name not in rendered and not entry.existing_role:  # else the platform's
                self._drift(entry.account_id, entry.role_arn, path, _whole("unexpected", what))
            self._policy(
                rendered.get(name),
                state.inline[name],
                kind=Kind.IDENTITY,
                account=entry.account_id,
                resource=entry.role_arn,
                path=path,
                target=entry.name,
            )
            self.result.inline_roles[LIVE + path] = entry.role_arn

    def _attached(self, entry: TargetEntry, state: TargetState) -> None:
        for arn in sorted({*entry.managed_policy_arns, *state.attached}):
            path = f"{entry.dir}/attached/{arn.rsplit('/', 1)[1]}"
            if arn not in state.attached:
                self._drift(entry.account_id, entry.role_arn, path, _whole("missing", arn))
                continue
            if arn not in entry.managed_policy_arns and not entry.existing_role:
                self._drift(entry.account_id, entry.role_arn, path, _whole("unexpected", arn))
            document = state.attached[arn]
            if document is not None:
                self._policy(
                    None,
                    document,
                    kind=Kind.IDENTITY,
                    account=entry.account_id,
                    resource=arn,
                    path=path,
                    target=entry.name,
                )
            elif arn not in entry.managed_policy_arns:
                self.result.notes.append(
                    f"{entry.role_arn}: AWS managed policy {arn} is attached; "
                    "verify does not model what it grants"
                )

    def _model(self, entry: TargetEntry, model: ModelState | None) -> None:
        label = f"{entry.dir}/sagemaker-model/{entry.model_name}"
        if model is None:
            self.result.findings.append(_not_applied(entry, "model", entry.model_name, label))
            return
        for name, rendered in self.configured[entry.name].model.items():
            live = model.fields.get(name)
            if rendered != live:
                diff = Difference("changed", "model", name, rendered, live)
                self._drift(entry.account_id, entry.model_name, label, diff)

    def _endpoint(self, entry: TargetEntry, endpoint: EndpointState | None) -> None:
        """The endpoint serves the rendered model, on a volume under the rendered key."""
        label = f"{entry.dir}/sagemaker-endpoint/{entry.endpoint_name}"
        if endpoint is None:
            self.result.findings.append(_not_applied(entry, "endpoint", entry.endpoint_name, label))
            return
        account = entry.account_id
        for diff in _variant_differences(self.configured[entry.name].variant, endpoint.variants):
            self._drift(account, endpoint.config_name, label, diff)
        rendered = self.expected.entry(Kind.KEY, account, entry.name)
        if rendered is None:
            return
        if endpoint.volume_key is None or endpoint.volume_key_id is None:
            what = f"the endpoint configuration {endpoint.config_name}'s volume key (KmsKeyId)"
            self._drift(account, endpoint.config_name, rendered.file.path, _whole("missing", what))
            return
        key = endpoint.volume_key_id
        self._resource(endpoint.volume_key, rendered, resource=key, what=f"volume key {key}")


def _variant_differences(
    rendered: dict[str, Any], live: tuple[dict[str, Any], ...]
) -> list[Difference]:
    """The one rendered variant against the live ones: field by field when there is one."""
    if len(live) != 1:
        return [Difference("changed", "endpoint", "ProductionVariants", [rendered], list(live))]
    return [
        Difference("changed", "endpoint", f"ProductionVariants[0].{name}", value, live[0][name])
        for name, value in rendered.items()
        if live[0].get(name) != value
    ]


def _not_applied(entry: TargetEntry, what: str, name: str, label: str) -> Finding:
    message = f"no SageMaker {what} {name} in account {entry.account_id}"
    return finding(NOT_APPLIED, LIVE + label, message, f"terraform apply in {entry.dir} creates it")


def _encryption(algorithm: str | None, key_id: str | None) -> str:
    """How S3 reports an object's encryption, in words."""
    if algorithm == "AES256":
        return "SSE-S3 (AES256)"
    if algorithm and key_id:
        return f"{algorithm} under {key_id}"
    return algorithm or "without server-side encryption"


def _under_key(reported: str | None, key_arn: str) -> bool:
    """S3 reports the key's ARN; a bare key id (other emulators) is matched by its id."""
    return reported is not None and (reported == key_arn or key_arn.endswith(f"/{reported}"))


def live_deployment(
    expected: Deployment, comparison: Comparison, targets: tuple[TargetEntry, ...]
) -> Deployment:
    """The live documents as a deployment for verify's questions; what is not live is empty.

    A document missing live answers every question with an implicit deny, which is what
    AWS would do: the intended access fails and the check says so.
    """
    live = replace(expected, targets=targets, documents=tuple(comparison.documents), notes=())
    missing = tuple(
        replace(doc, file=PolicyFile(f"{LIVE}{doc.file.path} (not live)", NONE))
        for doc in expected.documents
        if live.entry(doc.kind, doc.account_id, doc.target) is None
    )
    return replace(live, documents=(*live.documents, *missing))
