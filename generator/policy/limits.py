"""AWS's size limits for the policy documents xgen handles, and how AWS counts a size.

One table for the renderer (which refuses to write a render AWS would reject) and for
lint and audit (which flag one). Sizes are characters without insignificant whitespace.
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html,
https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-policies.html,
https://docs.aws.amazon.com/kms/latest/developerguide/resource-limits.html,
https://docs.aws.amazon.com/AmazonECR/latest/userguide/service-quotas.html
"""

from __future__ import annotations

import json

from .kinds import Kind

TYPE_CHECKING = False  # typing.TYPE_CHECKING; `typing` costs lint 4 ms to import
if TYPE_CHECKING:
    from typing import Any

SIZE_LIMITS = {
    Kind.BUCKET: 20 * 1024,
    Kind.KEY: 32 * 1024,
    Kind.ECR_REPOSITORY: 10_240,
    # PutModelPackageGroupPolicy: ResourcePolicy of at most 20,480 characters.
    # https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_PutModelPackageGroupPolicy.html
    Kind.MODEL_PACKAGE_GROUP: 20_480,
    Kind.TRUST: 2_048,
    Kind.IDENTITY: 10_240,
}
ROLE_INLINE_LIMIT = 10_240  # all inline policies of one role together


# json.dumps with options builds an encoder per call: one for every document linted
_COMPACT = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def compact_size(body: Any) -> int:
    """A document's size as AWS counts it: its JSON without insignificant whitespace."""
    return len(_COMPACT.encode(body))
