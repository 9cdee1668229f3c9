"""Terraform files in a rendered folder that xgen did not write.

Terraform reads every `*.tf` and `*.tf.json` file of a root module (and of the modules it
calls), and merges `override.tf` and `*_override.tf(.json)` over the rest: a file beside
the render can change what is applied without touching the policies xgen rendered, e.g.
`bucket_policy = replace(file(...), "StringEquals", "StringLike")`. So `render --check`
reports such a file, and `verify` refuses a folder that has one. A `backend.tf` holding
only a `terraform { backend ... }` block is the user's state configuration and changes
no resource: it is allowed.
https://developer.hashicorp.com/terraform/language/files/override
https://developer.hashicorp.com/terraform/language/files
"""

from __future__ import annotations

import os
from collections.abc import Collection
from pathlib import Path

SUFFIXES = (".tf", ".tf.json")
BACKEND = "backend.tf"
WORKING_FOLDER = ".terraform"  # providers and modules Terraform installed


def foreign_terraform(root: Path, written: Collection[str]) -> list[str]:
    """Paths (relative, sorted) of Terraform files under `root` that are not in `written`."""
    found = []
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d != WORKING_FOLDER)
        base = Path(folder)
        for name in files:
            if not name.endswith(SUFFIXES):
                continue
            path = (base / name).relative_to(root).as_posix()
            if path in written or (name == BACKEND and _backend_only(base / name)):
                continue
            found.append(path)
    return sorted(found)


def _backend_only(path: Path) -> bool:
    """A regular file whose only block is `terraform { backend "..." { ... } }`."""
    if path.is_symlink() or not path.is_file() or path.stat().st_size > 1 << 20:
        return False
    import hcl2  # python-hcl2: only when a backend.tf is there

    try:
        parsed = hcl2.loads(path.read_text(encoding="utf-8"))
    except Exception:  # any parse failure: not a backend-only file
        return False
    blocks = parsed.get("terraform")
    return (
        set(parsed) == {"terraform"}
        and isinstance(blocks, list)
        and all(isinstance(b, dict) and set(b) - {"__is_block__"} == {"backend"} for b in blocks)
    )


def foreign_line(path: str) -> str:
    """What is wrong with one such file, for a report."""
    return f"{path}: a Terraform file xgen did not write (Terraform applies it with the render)"
