"""Render a spec into the files of its deployment, in memory.

The result maps each relative path to its bytes, so that `render` can write it
atomically and `render --check` can compare it without touching the disk. Policy
documents are built as dicts (`policy.build`) and serialised here; Terraform reads them
with `file()`, so the JSON is exactly what is applied.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import jinja2

from . import __version__
from .advice import ISOLATION, notes
from .errors import InputError
from .hcl import literal
from .landing import landing_rows
from .manifest import MANIFEST, DocumentEntry, Manifest, deployment_entries
from .model import Spec, Target
from .network import vpc_requirements
from .policy.build import Document, documents, source_dir, target_dir
from .policy.kinds import Kind
from .policy.limits import ROLE_INLINE_LIMIT, SIZE_LIMITS, compact_size
from .policy.target import inline_policies, managed_policy_arns
from .resources import data_dir

MODULES = ("source-account", "deploy-account")
# Endpoint configurations are named from a prefix; the provider allows 37 characters.
CONFIG_PREFIX_MAX = 37


# Resource policies are measured as written (whitespace included, to be safe), and
# written without whitespace when indenting would exceed the limit; IAM documents are
# measured as AWS counts them, and a role's inline policies together.
WRITTEN_LIMITS = {
    k: SIZE_LIMITS[k]
    for k in (Kind.BUCKET, Kind.KEY, Kind.ECR_REPOSITORY, Kind.MODEL_PACKAGE_GROUP)
}


@dataclass(frozen=True)
class Render:
    """The rendered files (path relative to the output folder -> content), and the
    manifest among them as the object it was written from."""

    files: dict[str, bytes]
    manifest: Manifest


def policy_json(body: dict[str, Any], limit: int | None = None) -> bytes:
    """The one serialisation of a policy document: stable and newline-terminated.

    Indented for people to read, unless that would exceed `limit` (AWS's size limit for
    the document): then without whitespace, which is what AWS would accept.
    """
    text = json.dumps(body, indent=2, ensure_ascii=False) + "\n"
    if limit is not None and len(text) > limit:
        text = json.dumps(body, separators=(",", ":"), ensure_ascii=False) + "\n"
    return text.encode("utf-8")


def _serialise(doc: Document) -> bytes:
    return policy_json(doc.body, WRITTEN_LIMITS.get(doc.kind))


def render(spec: Spec) -> Render:
    """Every file of the deployment, including the manifest, keyed by relative path."""
    env = _environment()
    docs = documents(spec)
    _check_sizes(docs)
    files: dict[str, bytes] = {}
    files.update(_module_files())
    files.update(_source_files(env, spec))
    for target in spec.targets:
        files.update(_target_files(env, spec, target))
    files.update({doc.path: _serialise(doc) for doc in docs})
    files["README.md"] = _readme(env, spec, docs)
    files = dict(sorted(files.items()))
    manifest = _manifest(spec, docs, files)
    files[MANIFEST] = manifest.to_json()
    return Render(files, manifest)


def _readme(env: jinja2.Environment, spec: Spec, docs: list[Document]) -> bytes:
    """The render's README: apply and destroy order, what destroy leaves, who needs what."""
    resource_policies = {
        Kind.BUCKET: "bucket policy",
        Kind.KEY: "key policy",
        Kind.ECR_REPOSITORY: "ECR repository policy",
        Kind.MODEL_PACKAGE_GROUP: "model package group policy",
    }
    return _text(
        env.get_template("README.md.j2").render(
            **_common(spec),
            source_dir=source_dir(spec),
            enforce_bucket_owner=spec.enforce_bucket_owner(),
            managed_policy_arns=managed_policy_arns(spec),
            any_volume_key=any(spec.creates_volume_key(t) for t in spec.targets),
            target_rows=[
                {
                    "dir": target_dir(t),
                    "account_id": t.account_id,
                    "role_name": spec.role_name(t),
                    "endpoint_name": spec.endpoint_name(t),
                    "volume_key": spec.creates_volume_key(t),
                }
                for t in spec.targets
            ],
            size_rows=[
                {
                    "what": resource_policies[doc.kind],
                    "size": f"{compact_size(doc.body):,}",
                    "limit": f"{SIZE_LIMITS[doc.kind]:,}",
                }
                for doc in docs
                if doc.account_id == spec.source.account_id and doc.kind in resource_policies
            ],
            version_rows=_version_rows(spec),
            moving_rows=[
                {
                    "dir": target_dir(t),
                    "old": t.moving_from,
                    "new": spec.served(t),
                    "guardrails": _guardrails_text(t),
                }
                for t in spec.targets
                if t.moving_from is not None
            ],
            own_volume_keys=sorted(
                {t.volume_kms_key_arn for t in spec.targets if t.volume_kms_key_arn}
            ),
            landing=landing_rows(spec),
            note_rows=notes(spec),
            isolated=[t.name for t in spec.targets if spec.network_isolation(t)],
            isolation=ISOLATION,
            vpc_rows=[
                {
                    "dir": target_dir(t),
                    "text": vpc_requirements(spec.source.region, spec.bucket_arn),
                }
                for t in spec.targets
                if t.vpc is not None
            ],
        )
    )


def _guardrails_text(target: Target) -> str:
    """How a target's endpoint update rolls out, in words (empty without guardrails)."""
    rails = target.guardrails
    if rails is None:
        return ""
    step = rails.step
    size = ""
    if step is not None:
        unit = "%" if step["type"] == "CAPACITY_PERCENT" else " instances"
        size = f" in steps of {step['value']}{unit}, {rails.wait_seconds} s apart"
    alarms = ", ".join(f"`{a}`" for a in rails.rollback_alarms) or "no alarm"
    return f"blue/green, {rails.traffic}{size}; rolls back when {alarms} fires"


def _version_rows(spec: Spec) -> list[dict[str, str]]:
    """The README's table of versions (a spec with `models` only)."""
    if not spec.versioned:
        return []
    rows = []
    for name, version in spec.versions.items():
        field, value = next(iter(version.pin.items()), ("", ""))
        rows.append(
            {
                "name": name,
                "artifact": version.artifact,
                "pin": f"{field} `{value}`" if field else "not pinned",
                "served": ", ".join(t.name for t in spec.targets if spec.served(t) == name)
                or "none",
                "moving": ", ".join(t.name for t in spec.targets if t.moving_from == name)
                or "none",
            }
        )
    return rows


def _check_sizes(docs: list[Document]) -> None:
    """Refuse a render that AWS would reject for size, before anything is written."""
    inline: dict[str, int] = {}
    for doc in docs:
        compact = compact_size(doc.body)
        if doc.kind is Kind.IDENTITY:
            folder = doc.path.rsplit("/", 2)[0]
            inline[folder] = inline.get(folder, 0) + compact
            continue  # limited together, below
        limit = SIZE_LIMITS[doc.kind]
        size = len(_serialise(doc)) if doc.kind in WRITTEN_LIMITS else compact
        if size > limit:
            raise InputError(
                f"{doc.path} would be {size} characters, over AWS's limit of {limit}",
                place="targets",
                fix="use shorter role names or fewer targets per spec (split it by group "
                "of accounts)",
            )
    for folder, size in inline.items():
        if size > ROLE_INLINE_LIMIT:
            raise InputError(
                f"the inline policies of {folder} total {size} characters, over IAM's "
                f"limit of {ROLE_INLINE_LIMIT} per role",
                place="targets",
                fix="remove extra statements from that target",
            )


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(data_dir("templates"))),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # HCL, not HTML: every spec value goes through the `hcl` filter
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["hcl"] = literal
    return env


def _text(content: str) -> bytes:
    return content.encode("utf-8")


def _common(spec: Spec) -> dict[str, Any]:
    return {"spec": spec, "version": __version__}


def _module_files() -> dict[str, bytes]:
    root = data_dir("modules")
    files: dict[str, bytes] = {}
    for module in MODULES:
        for path in sorted((root / module).iterdir()):
            if path.is_file():
                files[f"modules/{module}/{path.name}"] = path.read_bytes()
    return files


def _account(spec: Spec, folder: str, account_id: str, deploy_role: str | None) -> dict[str, Any]:
    """What versions.tf and providers.tf of one account's root module need."""
    backend = spec.backend
    settings = backend.settings(spec.name, folder, spec.source.region) if backend else []
    return {
        "region": spec.source.region,
        "account_id": account_id,
        "deploy_role_arn": deploy_role,
        "backend": backend,
        "backend_settings": settings,
        "backend_width": max((len(name) for name, _ in settings), default=0),
    }


def _source_files(env: jinja2.Environment, spec: Spec) -> dict[str, bytes]:
    base = source_dir(spec)
    source = spec.source
    context = {
        **_common(spec),
        **_account(spec, base, source.account_id, source.deploy_role_arn),
        "source": source,
        "enforce_bucket_owner": spec.enforce_bucket_owner(),
    }
    return {
        f"{base}/{name}": _text(env.get_template(f"{template}.j2").render(**context))
        for name, template in (
            ("main.tf", "source-main.tf"),
            ("versions.tf", "versions.tf"),
            ("providers.tf", "providers.tf"),
        )
    }


def _target_files(env: jinja2.Environment, spec: Spec, target: Target) -> dict[str, bytes]:
    base = target_dir(target)
    create_volume_key = spec.creates_volume_key(target)
    endpoint = spec.endpoint_name(target)
    names = list(inline_policies(spec, target))
    context = {
        **_common(spec),
        **_account(spec, base, target.account_id, target.deploy_role_arn),
        "source": spec.source,
        "target": target,
        "role_name": spec.role_name(target),
        "inline_policy_names": names,
        "inline_name_width": max(len(name) + 2 for name in names),  # `terraform fmt` alignment
        "managed_policy_arns": managed_policy_arns(spec),
        "model_name": spec.model_name(target),
        "model_version": spec.version(target),
        "package_arn": spec.package_arn(spec.served(target)),
        "guardrails": target.guardrails,
        "network_isolation": spec.network_isolation(target),
        "endpoint_name": endpoint,
        "config_prefix": endpoint[: CONFIG_PREFIX_MAX - 1] + "-",
        "create_volume_key": create_volume_key,
        "tags": {**spec.tags, **target.tags},
    }
    return {
        f"{base}/{name}": _text(env.get_template(f"{template}.j2").render(**context))
        for name, template in (
            ("main.tf", "target-main.tf"),
            ("versions.tf", "versions.tf"),
            ("providers.tf", "providers.tf"),
        )
    }


def _manifest(spec: Spec, docs: list[Document], files: dict[str, bytes]) -> Manifest:
    """What xgen wrote and what each policy document is: read by lint, verify and --check."""
    source, targets = deployment_entries(spec)
    return Manifest(
        xgen_version=__version__,
        spec_sha256=spec.digest(),
        name=spec.name,
        profile=spec.profile,
        source=source,
        targets=targets,
        documents=tuple(
            DocumentEntry(doc.path, doc.kind, doc.account_id, doc.target, doc.kept) for doc in docs
        ),
        files={path: hashlib.sha256(content).hexdigest() for path, content in files.items()},
    )
