"""Landing-zone options in a render: what its README says they need.

Existing execution roles, permissions boundaries, deploy roles and the S3 backend each
need something of the platform team; the README lists it per folder.
"""

from __future__ import annotations

from typing import Any

from .model import Spec
from .policy.build import source_dir, target_dir
from .policy.target import inline_policies


def landing_rows(spec: Spec) -> dict[str, Any] | None:
    """The README's "Landing zone" section, or None for a spec that uses no option."""
    existing = [t for t in spec.targets if t.existing_role_arn is not None]
    boundaries = [t for t in spec.targets if t.permissions_boundary_arn is not None]
    deploy = [(source_dir(spec), spec.source.deploy_role_arn)] + [
        (target_dir(t), t.deploy_role_arn) for t in spec.targets
    ]
    deploy_roles = [{"dir": folder, "role_arn": arn} for folder, arn in deploy if arn]
    if not (existing or boundaries or deploy_roles or spec.backend):
        return None
    backend = spec.backend
    return {
        "existing": [
            {"dir": target_dir(t), "role_name": spec.role_name(t), "role_arn": spec.role_arn(t)}
            for t in existing
        ],
        "inline_names": list(inline_policies(spec, existing[0])) if existing else [],
        "boundaries": [
            {
                "dir": target_dir(t),
                "role_name": spec.role_name(t),
                "boundary": t.permissions_boundary_arn,
            }
            for t in boundaries
        ],
        "deploy_roles": deploy_roles,
        "backend_region": (backend.region or spec.source.region) if backend else None,
        "state_key": backend.state_key(spec.name, "FOLDER") if backend else None,
    }
