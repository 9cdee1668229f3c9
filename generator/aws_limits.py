"""What AWS's APIs refuse in what a spec hands them verbatim: kept statements and tags.

A render that AWS would refuse fails at `terraform apply`, half applied. So what a spec
passes through unchanged is checked here against the APIs' documented limits, and
refused with the limit named before anything is written.
"""

from __future__ import annotations

import re
from typing import Any

# Sid: IAM allows ASCII letters and digits only ("IAM JSON policy elements: Sid",
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_sid.html);
# the resource policies a spec keeps (bucket, key, repository) take spaces and punctuation
# too (KMS's own default key policy has "Enable IAM User Permissions"): printable ASCII.
SID = re.compile(r"[ -~]*")
# In any text of a policy: no control character (a JSON escape such as \u0000 or \u001b
# is still one) and no lone surrogate, which is not Unicode text and has no UTF-8 form.
UNSAFE_TEXT = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
# Tags: at most 50 user tags a resource (keys and values are checked by the model).
# https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html
MAX_TAGS = 50


def statement_problem(statement: dict[str, Any]) -> str | None:
    """Why AWS would refuse this kept statement's text, or None."""
    sid = statement.get("Sid")
    if sid is not None and not (isinstance(sid, str) and SID.fullmatch(sid)):
        return (
            f"its Sid {_shown(sid)} is not printable ASCII text, which AWS refuses in a Sid "
            "(IAM policies allow letters and digits only)"
        )
    for text in _texts(statement):
        bad = UNSAFE_TEXT.search(text)
        if bad:
            return (
                f"{_shown(text)} holds the character U+{ord(bad.group()):04X}, a control "
                "character or lone surrogate that AWS does not accept in a policy"
            )
    return None


def tags_problem(tags: dict[str, str], where: str) -> str | None:
    """Why AWS would refuse this many tags on one resource, or None."""
    if len(tags) > MAX_TAGS:
        return (
            f"{where} get {len(tags)} tags; AWS allows at most {MAX_TAGS} on a resource "
            "(the spec's tags and the target's together)"
        )
    return None


def _texts(value: Any) -> list[str]:
    """Every string in JSON data, keys included."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for key, item in value.items() for text in (*_texts(key), *_texts(item))]
    if isinstance(value, list):
        return [text for item in value for text in _texts(item)]
    return []


def _shown(value: Any, limit: int = 40) -> str:
    """A value for a message, escaped by repr and shortened."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "...'"
