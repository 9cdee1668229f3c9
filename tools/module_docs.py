"""Write the Inputs/Outputs tables of each module's README from its variables.tf and outputs.tf.

terraform-docs does this for terraform-aws-modules; it is a Go binary we cannot install
here, so this does the same between the same `<!-- BEGIN_TF_DOCS -->` markers, from the
HCL parsed with python-hcl2. `make docs` runs it; a test checks the READMEs are current.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import hcl2
from hcl2 import SerializationOptions

ROOT = Path(__file__).resolve().parent.parent
BEGIN, END = "<!-- BEGIN_TF_DOCS -->", "<!-- END_TF_DOCS -->"
OPTIONS = SerializationOptions(strip_string_quotes=True, explicit_blocks=False, with_comments=False)


def _blocks(path: Path, kind: str) -> dict[str, dict]:
    parsed = hcl2.loads(path.read_text(encoding="utf-8"), serialization_options=OPTIONS)
    return {name: body for block in parsed.get(kind, []) for name, body in block.items()}


def _cell(value: object) -> str:
    """A value as Terraform writes it: `${...}` unwrapped, booleans and null in HCL."""
    if isinstance(value, str) and value.startswith("${") and value.endswith("}"):
        value = value[2:-1]
    elif isinstance(value, bool) or value is None:
        value = json.dumps(value)
    return str(value).replace("|", "\\|").replace("\n", " ")


def tables(module: Path) -> str:
    """The generated part of the module's README."""
    lines = ["## Inputs", "", "| Name | Description | Type | Default | Required |"]
    lines.append("|---|---|---|---|:-:|")
    for name, body in _blocks(module / "variables.tf", "variable").items():
        has_default = "default" in body
        default = f"`{_cell(body['default'])}`" if has_default else "n/a"
        lines.append(
            f"| `{name}` | {_cell(body.get('description', ''))} | `{_cell(body['type'])}` "
            f"| {default} | {'no' if has_default else 'yes'} |"
        )
    lines += ["", "## Outputs", "", "| Name | Description |", "|---|---|"]
    for name, body in _blocks(module / "outputs.tf", "output").items():
        lines.append(f"| `{name}` | {_cell(body.get('description', ''))} |")
    return "\n".join(lines)


def updated_readme(module: Path) -> str:
    text = (module / "README.md").read_text(encoding="utf-8")
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return f"{head}{BEGIN}\n{tables(module)}\n{END}{tail}"


def main() -> int:
    for module in sorted((ROOT / "modules").iterdir()):
        (module / "README.md").write_text(updated_readme(module), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
