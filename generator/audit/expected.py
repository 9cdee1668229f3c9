"""What should be live: the spec's render in memory, or a rendered folder as it is on disk.

Both come as verify's `Deployment`, so that the live side can be built in the same shape
and asked the same questions. `--render DIR` audits against the files Terraform applied
(hand edits included); the folder must have been rendered from this very spec.
"""

from __future__ import annotations

from pathlib import Path

from ..access.deployment import Deployment, Document, load
from ..access.evaluate import PolicyFile
from ..errors import InputError
from ..manifest import deployment_entries, read_manifest
from ..model import Spec
from ..policy.build import documents
from ..policy.document import parse_policy


def from_spec(spec: Spec, spec_path: Path) -> Deployment:
    """The documents `xgen render` would write for `spec`, without writing them."""
    source, targets = deployment_entries(spec)
    return Deployment(
        root=spec_path.parent / "rendered",
        name=spec.name,
        profile=spec.profile,
        source=source,
        targets=targets,
        documents=tuple(
            Document(
                doc.kind, doc.account_id, doc.target, PolicyFile(doc.path, parse_policy(doc.body))
            )
            for doc in documents(spec)
        ),
        notes=(),
    )


def from_render(folder: Path, spec: Spec, spec_path: Path) -> Deployment:
    """The rendered folder, refused unless its manifest says it was rendered from `spec`."""
    if folder.is_dir() and read_manifest(folder).spec_sha256 != spec.digest():
        raise InputError(
            f"was not rendered from {spec_path} as it is now",
            file=str(folder),
            place="--render",
            fix=f"render it again (`xgen render {spec_path} -o {folder}`) and apply it, "
            "or leave out --render to audit against the spec",
        )
    return load(folder)
