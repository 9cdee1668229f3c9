"""What a render warns about that is not an error: settings AWS accepts that will not work.

Each note is one line, printed by `xgen render` on the terminal and kept in the render's
README, so that whoever applies reads it once more.
"""

from __future__ import annotations

from .model import Spec, Target

# Variables of Hugging Face's serving containers that make the container download from the
# Hub at start, which a network-isolated container cannot (HF_MODEL_ID may also name a
# folder inside the artifact, e.g. /opt/ml/model, which needs no network).
# https://huggingface.co/docs/sagemaker/reference#inference-environment-variables
HUB_VARIABLES = ("HF_MODEL_ID", "HF_MODEL_REVISION", "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN")

# What EnableNetworkIsolation takes away (SageMaker "Run Training and Inference Containers
# in Internet-Free Mode"): SageMaker still downloads the artifact and pulls the image, but
# the container itself makes no network call at all.
# https://docs.aws.amazon.com/sagemaker/latest/dg/mkt-algo-model-internet-free.html
ISOLATION = (
    "the container makes no outbound network call: no package or model downloads (pip, the "
    "Hugging Face Hub), no AWS API calls from inside it (S3, Secrets Manager, DynamoDB), no "
    "telemetry; SageMaker itself still downloads the artifact and pulls the image"
)


def notes(spec: Spec) -> list[str]:
    """Warnings about the spec's targets, in target order."""
    found: list[str] = []
    for target in spec.targets:
        found += _target_notes(spec, target)
    return found


def _target_notes(spec: Spec, target: Target) -> list[str]:
    found = []
    where = f"target {target.name}"
    if target.vpc is not None and len(target.vpc.subnet_ids) == 1:
        found.append(
            f"{where}: one subnet; AWS asks for subnets in at least two Availability Zones so "
            "that the endpoint survives the loss of one (add a subnet of another zone)"
        )
    environment = spec.version(target).environment
    needs_network = [
        key
        for key in HUB_VARIABLES
        if key in environment and not (key == "HF_MODEL_ID" and environment[key].startswith("/"))
    ]
    if needs_network and spec.network_isolation(target):
        found.append(
            f"{where}: {', '.join(needs_network)} make the container download from the "
            "Hugging Face Hub, which network isolation forbids; package the model in the "
            "artifact (HF_MODEL_ID=/opt/ml/model) or set network_isolation: false"
        )
    guardrails = target.guardrails
    if guardrails is not None and not guardrails.rollback_alarms:
        found.append(
            f"{where}: guardrails without rollback_alarms shift traffic but never roll back "
            "on their own (SageMaker rolls back only when a named alarm fires)"
        )
    return found
