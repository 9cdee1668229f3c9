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

from .errors import InputError
from .safe_read import Unreadable, read_limited

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
    parsed = _parsed_file(path)
    return parsed is not None and set(parsed) == {"terraform"} and _only_backends(parsed)


def refuse_second_backend(files: dict[str, bytes], out: Path) -> None:
    """A rendered root module whose versions.tf declares a backend cannot sit beside a
    hand-written backend.tf declaring one too: `terraform init` refuses two ("Duplicate
    backend configuration"). Judged from the render, so every write and `--check` see it."""
    for path, content in sorted(files.items()):
        folder, _, name = path.rpartition("/")
        if name != "versions.tf" or "/" in folder or not _has_backend(_parsed(content.decode())):
            continue
        own = out / folder / BACKEND
        if _has_backend(_parsed_file(own)):
            raise InputError(
                "declares a backend, and the spec's `backend` is rendered into versions.tf "
                "beside it; terraform init refuses two backends",
                file=str(own),
                fix="remove backend.tf (run `terraform init -migrate-state` after the "
                "render to move its state), or remove `backend` from the spec",
            )


def _has_backend(parsed: dict | None) -> bool:
    """Whether parsed HCL declares a backend (comments that mention one do not count)."""
    blocks = parsed.get("terraform") if parsed else None
    return isinstance(blocks, list) and any(isinstance(b, dict) and "backend" in b for b in blocks)


def _only_backends(parsed: dict) -> bool:
    blocks = parsed.get("terraform")
    return isinstance(blocks, list) and all(
        isinstance(b, dict) and set(b) - {"__is_block__"} == {"backend"} for b in blocks
    )


def _parsed_file(path: Path) -> dict | None:
    """The HCL of a regular file of at most 1 MiB (None: absent, not a file, unreadable)."""
    try:
        return _parsed(read_limited(path, 1 << 20).decode("utf-8"))
    except (Unreadable, UnicodeDecodeError):
        return None


def _parsed(text: str) -> dict | None:
    import hcl2  # python-hcl2: only when a render has a backend or a backend.tf is there

    try:
        parsed = hcl2.loads(text)
    except Exception:  # any parse failure: nothing Terraform would read as a backend
        return None
    return parsed if isinstance(parsed, dict) else None


def foreign_line(path: str) -> str:
    """What is wrong with one such file, for a report."""
    return f"{path}: a Terraform file xgen did not write (Terraform applies it with the render)"
