"""`terraform show -json` plans: the policies in their `resource_changes` (the values after
apply), owned by the plan's account when it says which.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ...policy.kinds import TERRAFORM_POLICY_ATTRIBUTES
from . import Raw
from .jsonfile import Lines, parse_json

ADDRESS = r'"address"\s*:\s*("(?:[^"\\]|\\.)*")'  # compiled when first used
ACCOUNT = re.compile(r"^[0-9]{12}\Z")


def is_plan(value: Any) -> bool:
    return isinstance(value, dict) and "resource_changes" in value and "format_version" in value


def plan_account(plan: dict[str, Any]) -> str | None:
    """The account a plan is for: its `aws_caller_identity` data sources, or the AWS
    provider's literal `allowed_account_ids`, when they name exactly one account.
    """
    found: set[str] = set()
    state = plan.get("prior_state")
    values = state.get("values") if isinstance(state, dict) else None
    modules = [values.get("root_module")] if isinstance(values, dict) else []
    while modules:
        module = modules.pop()
        if not isinstance(module, dict):
            continue
        children = module.get("child_modules")
        modules.extend(children if isinstance(children, list) else [])
        resources = module.get("resources")
        for resource in resources if isinstance(resources, list) else []:
            if isinstance(resource, dict) and resource.get("type") == "aws_caller_identity":
                attributes = resource.get("values")
                account = attributes.get("account_id") if isinstance(attributes, dict) else None
                if isinstance(account, str) and ACCOUNT.match(account):
                    found.add(account)
    configuration = plan.get("configuration")
    providers = configuration.get("provider_config") if isinstance(configuration, dict) else None
    for name, provider in providers.items() if isinstance(providers, dict) else ():
        if not isinstance(provider, dict) or provider.get("name", name) != "aws":
            continue
        expressions = provider.get("expressions")
        allowed = expressions.get("allowed_account_ids") if isinstance(expressions, dict) else None
        accounts = allowed.get("constant_value") if isinstance(allowed, dict) else None
        if isinstance(accounts, list) and len(accounts) == 1 and isinstance(accounts[0], str):
            found.add(accounts[0])
    return found.pop() if len(found) == 1 else None


def plan_raws(plan: dict[str, Any], text: str, file: str) -> list[Raw]:
    """Policies in a plan's `resource_changes` (the values after apply), owned by the
    plan's account when it says which (`plan_account`)."""
    found: list[Raw] = []
    lines = _AddressLines(text)
    account = plan_account(plan)
    changes = plan.get("resource_changes")
    for change in changes if isinstance(changes, list) else []:
        if not isinstance(change, dict) or not isinstance(change.get("change"), dict):
            continue
        after = change["change"].get("after")
        attributes = TERRAFORM_POLICY_ATTRIBUTES.get(str(change.get("type")), ())
        if not isinstance(after, dict) or not attributes:
            continue
        line = lines.line(str(change.get("address", "")))
        role = after.get("role") if change.get("type") == "aws_iam_role_policy" else None
        for attribute, kind in attributes:
            planned = _plan_policy(after.get(attribute), file, line, kind, role)
            found.extend(raw._replace(resource_type=str(change.get("type"))) for raw in planned)
        if change.get("type") == "aws_iam_role":
            inline = after.get("inline_policy")
            for item in inline if isinstance(inline, list) else []:
                if isinstance(item, dict):
                    policy = item.get("policy")
                    found.extend(_plan_policy(policy, file, line, "identity", after.get("name")))
    return [raw._replace(account_id=account) for raw in found] if account else found


def _plan_policy(value: Any, file: str, line: int, kind: str, role: Any) -> list[Raw]:
    """One policy of a planned resource; `role` names the role it is inline in, if any."""
    if not isinstance(value, str) or not value.strip():
        return []  # unknown until apply, or not set
    body = parse_json(value)
    named = role if isinstance(role, str) and role else None
    return [Raw(body, file, line=line, kind=kind, role=named)]


class _AddressLines:
    """The line of each address's first `"address": "..."` in a plan, from one scan of
    the text when first asked (a search per resource made large plans quadratic).
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.first: dict[str, int] | None = None

    def line(self, address: str) -> int:
        if self.first is None:
            lines = Lines(self.text)
            self.first = {}
            for match in re.finditer(ADDRESS, self.text):
                self.first.setdefault(match.group(1), lines.line_col(match.start())[0])
        return self.first.get(json.dumps(address), 1)
