"""Real `terraform`, offline: the binary on PATH and the hashicorp/aws provider from a mirror.

Tests that need Terraform ask for it through `require_terraform()`. On a user's machine
without Terraform or the provider they are skipped with the reason; with
`XGEN_REQUIRE_TERRAFORM=1` (set by `.ci/run`) a missing part fails them instead, so CI
can never pass by skipping the tests that matter most.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

# Where the hashicorp/aws provider may lie unpacked, in Terraform's filesystem-mirror layout
# (REGISTRY/NAMESPACE/TYPE/VERSION/OS_ARCH): XGEN_TF_PROVIDER_MIRROR first, then the
# machines' mirror and Terraform's own implied local mirror folders.
MIRROR_CANDIDATES = (
    "/opt/tf-plugins",
    "~/.terraform.d/plugins",
    "~/.local/share/terraform/plugins",
    "/usr/local/share/terraform/plugins",
    "/usr/share/terraform/plugins",
)
AWS_PROVIDER = Path("registry.terraform.io/hashicorp/aws")
TIMEOUT_SECONDS = 600


@dataclass(frozen=True)
class Terraform:
    """The terraform binary and a CLI config that installs providers from the mirror only."""

    binary: Path
    cli_config: Path

    def env(self, **extra: str) -> dict[str, str]:
        """A clean environment: no ambient AWS settings, no network for providers."""
        base = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", "/tmp"),
            "TF_CLI_CONFIG_FILE": str(self.cli_config),
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
            "CHECKPOINT_DISABLE": "1",
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        }
        return {**base, **extra}

    def run(
        self, folder: Path, *args: str, env: dict[str, str] | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """`terraform ARGS` in `folder`; a failure shows Terraform's own output."""
        result = subprocess.run(
            [str(self.binary), *args, "-no-color"],
            cwd=folder,
            env=env or self.env(),
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"terraform {' '.join(args)} in {folder.name} exited {result.returncode}:\n"
                f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
            )
        return result


def _mirror() -> Path | None:
    configured = os.environ.get("XGEN_TF_PROVIDER_MIRROR")
    candidates = [configured] if configured else list(MIRROR_CANDIDATES)
    for candidate in candidates:
        folder = Path(candidate).expanduser()
        if any((folder / AWS_PROVIDER).glob("5.*/*/terraform-provider-aws_*")):
            return folder
    return None


def _missing(reason: str) -> None:
    if os.environ.get("XGEN_REQUIRE_TERRAFORM") == "1":
        pytest.fail(f"XGEN_REQUIRE_TERRAFORM=1 but {reason}")
    pytest.skip(reason)


def require_terraform(folder: Path) -> Terraform:
    """Terraform with an offline CLI config written into `folder`; skip or fail if absent."""
    binary = shutil.which("terraform")
    if binary is None:
        _missing("terraform is not on PATH")
    mirror = _mirror()
    if mirror is None:
        _missing(
            "no filesystem mirror of hashicorp/aws 5.x found (set XGEN_TF_PROVIDER_MIRROR to "
            "the folder above registry.terraform.io)"
        )
    config = folder / "terraform.rc"
    # The mirror is the only installation method: a render that needs any other provider
    # fails `terraform init` here, as it would on an offline machine.
    config.write_text(
        f'provider_installation {{\n  filesystem_mirror {{\n    path = "{mirror}"\n  }}\n}}\n',
        encoding="utf-8",
    )
    return Terraform(Path(binary), config)
