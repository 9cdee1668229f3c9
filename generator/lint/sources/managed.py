"""Managed policies as AWS's CLI prints them: lint knows what kind of document it reads.

- `aws iam get-policy-version` prints `{"PolicyVersion": {"Document": {...}, ...}}`: a
  managed policy of an owner the output does not name (purpose "managed": neither an
  inline policy's limit nor a customer managed one's can be said to apply).
- `aws iam get-account-authorization-details` prints `{"Policies": [{"Arn": ...,
  "PolicyVersionList": [{"Document": ..., "IsDefaultVersion": true}]}]}`: each policy's
  default version, AWS managed when its ARN is `arn:PARTITION:iam::aws:policy/...`
  (customer limits do not apply to it), else customer managed (6,144 characters, XG009).
https://docs.aws.amazon.com/cli/latest/reference/iam/get-account-authorization-details.html
"""

from __future__ import annotations

from . import Raw

TYPE_CHECKING = False  # typing.TYPE_CHECKING; `typing` costs lint 4 ms to import
if TYPE_CHECKING:
    from typing import Any

AWS_MANAGED_ARN = ":iam::aws:policy/"
CUSTOMER_MANAGED = "aws_iam_policy"  # the resource a customer managed policy is (XG009)


def managed_raws(value: Any, text: str, file: str) -> list[Raw] | None:
    """The managed policies a CLI output holds; None when `value` is not such output."""
    if not isinstance(value, dict):
        return None
    version = value.get("PolicyVersion")
    if isinstance(version, dict) and isinstance(version.get("Document"), dict):
        document = version["Document"]
        return [Raw(document, file, kind="identity", purpose="managed", text=text)]
    policies = value.get("Policies")
    if not isinstance(policies, list) or "PolicyVersionList" not in text:
        return None
    found: list[Raw] = []
    for policy in policies:
        if not isinstance(policy, dict) or not isinstance(policy.get("PolicyVersionList"), list):
            continue
        arn = policy.get("Arn")
        aws = isinstance(arn, str) and AWS_MANAGED_ARN in arn
        for item in policy["PolicyVersionList"]:
            if isinstance(item, dict) and item.get("IsDefaultVersion") is True:
                document = item.get("Document")
                if isinstance(document, dict):
                    found.append(
                        Raw(
                            document,
                            file,
                            kind="identity",
                            purpose="aws-managed" if aws else None,
                            resource_type=None if aws else CUSTOMER_MANAGED,
                        )
                    )
    return found
