"""Where the Jinja2 templates and Terraform modules are, installed or in a checkout.

The wheel carries them as `generator/_data/{templates,modules}` (see pyproject.toml);
a source checkout or an editable install finds them at the repository root.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """The directory `templates` or `modules`, wherever this xgen was installed from."""
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise RuntimeError(f"xgen's {name}/ directory is missing; reinstall xgen")
