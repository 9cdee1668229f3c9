"""Who owns a path in a rendered folder: xgen, or Terraform and the user.

A render replaces or drops only files xgen writes. The previous manifest says which
files xgen wrote and with which content, but a manifest is a file anyone can edit (a
pull request, a hand edit): it can only narrow what is xgen's, never widen it. So a
path is xgen's only when it has the shape of a file xgen writes, and what Terraform and
its users keep beside a root module (state and its backups, `.terraform/`, the lock
file, backends, overrides, variable values) is never xgen's, whatever a manifest lists.
"""

from __future__ import annotations

import re
from fnmatch import fnmatch
from pathlib import PurePosixPath

# Terraform's working files and the user's (Terraform docs: "State", "Backend
# Configuration", "Override Files", "Input Variables"), matched on the file's name.
TERRAFORM_NAMES = (
    ".terraform.lock.hcl",
    ".terraform.tfstate.lock.info",
    "*.tfstate",
    "*.tfstate.backup",
    "*.tfstate.*.backup",
    "backend.tf",
    "backend.tf.json",
    "override.tf",
    "override.tf.json",
    "*_override.tf",
    "*_override.tf.json",
    "*.tfvars",
    "*.tfvars.json",
    "*.tfplan",
)
# Folders whose whole content is Terraform's: the provider cache and workspaces' state.
TERRAFORM_FOLDERS = (".terraform", "terraform.tfstate.d")

# Every path xgen has ever written (the render's README, copies of modules/, each root
# module's three files and its policy JSON). A render recognises its own files by this
# shape and by the manifest's hash together.
_XGEN_SHAPES = re.compile(
    r"README\.md"
    r"|modules/[a-z0-9-]+/(?:[a-z0-9_-]+\.tf|README\.md)"
    r"|(?:source|target)-[a-z0-9-]+/(?:main|versions|providers)\.tf"
    r"|(?:source|target)-[a-z0-9-]+/policies/[a-z0-9-]+\.json"
)


def is_companion(path: str) -> bool:
    """True for Terraform's and the user's working files (never replaced or dropped)."""
    parts = PurePosixPath(path).parts
    if any(part in TERRAFORM_FOLDERS for part in parts):
        return True
    return bool(parts) and any(fnmatch(parts[-1], name) for name in TERRAFORM_NAMES)


def xgen_may_own(path: str) -> bool:
    """True when `path` has the shape of a file xgen writes (and is not Terraform's)."""
    return _XGEN_SHAPES.fullmatch(path) is not None and not is_companion(path)
