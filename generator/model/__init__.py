"""The spec as a validated, immutable model, plus the ARNs every other layer derives from it.

pydantic does the checking and gives the JSON Schema that editors use (`xgen schema`).
Every rule refuses a value with a message that says what is wrong *and* how to fix it,
because the CLI prints exactly that one line. No I/O happens here. One module per part
of the spec: `shapes` (values AWS documents), `source`, `target`, `version`, `serving`
(versions across targets) and `spec`.
"""

from .shapes import KEY_ID, KMS_ALIAS, KMS_KEY_ARN, check_bucket, split_s3_object_uri
from .source import Source
from .spec import PROFILES, SPEC_VERSION, Spec
from .target import Guardrails, Target, VpcConfig, volume_key_allowed
from .version import ModelVersion, sid_part

__all__ = [
    "KEY_ID",
    "KMS_ALIAS",
    "KMS_KEY_ARN",
    "PROFILES",
    "SPEC_VERSION",
    "Guardrails",
    "ModelVersion",
    "Source",
    "Spec",
    "Target",
    "VpcConfig",
    "check_bucket",
    "sid_part",
    "split_s3_object_uri",
    "volume_key_allowed",
]
