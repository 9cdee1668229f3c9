"""Rules on the document as AWS receives it: the size limit of customer managed policies,
and keys written twice in the JSON.

AWS facts relied on:
- Customer managed policies are limited to 6,144 characters, inline role policies to
  10,240 together (XG007, XG008); IAM does not count white space.
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
- The policy grammar: "Individual elements must not contain multiple instances of the
  same key. For example, you cannot include the Effect block twice in the same
  statement." Condition key names are case-insensitive: IAM Access Analyzer reports a
  condition key given twice in one block with different capitalization as an error
  (DUPLICATE_KEYS_WITH_DIFFERENT_CASE).
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html,
  https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html
- JSON parsers keep the last of repeated keys without a word (Python's, Go's
  encoding/json in the Terraform AWS provider), and Terraform's `jsonencode()` merges an
  object's repeated keys before the provider sees them; the provider refuses repeated
  keys only in a policy given as a JSON string (hashicorp/terraform-provider-aws#33570).
"""

from __future__ import annotations

from collections.abc import Iterator

from ...policy.document import Statement
from ...policy.kinds import Kind
from ..context import LintDocument
from ..findings import Finding, Severity
from ..registry import rule

TYPE_CHECKING = False  # typing.TYPE_CHECKING; `typing` costs lint 4 ms to import
if TYPE_CHECKING:
    from typing import Any

    Step = tuple[Any, "Step | None", str | int]  # (value, its parent's step, key or index)

MANAGED_POLICY_LIMIT = 6_144
MANAGED_POLICY_RESOURCE = "aws_iam_policy"


def customer_managed(doc: LintDocument) -> bool:
    """Whether the document is a customer managed policy (`aws_iam_policy` in Terraform or
    a plan): its limit is 6,144 characters, not an inline policy's 10,240."""
    return doc.resource_type == MANAGED_POLICY_RESOURCE


@rule(
    "XG009",
    "managed-policy-size-limit",
    Severity.ERROR,
    "Customer managed policy over 6,144 characters",
)
def managed_policy_size_limit(doc: LintDocument) -> Iterator[Finding]:
    """## What it does
    Flags a customer managed policy (Terraform `aws_iam_policy`, in a `.tf` file or a
    plan) larger than 6,144 characters, counted as AWS counts: the JSON without white
    space. Inline policies are XG007 (10,240 characters) and XG008 (a role's together).

    ## Why is this bad?
    `CreatePolicy` and `CreatePolicyVersion` refuse it with `LimitExceeded`: `terraform
    apply` stops half-way, after other resources were changed. The limit is smaller than
    an inline role policy's, so a document that fits inline fails once moved into a
    managed policy.

    ## Example
    An `aws_iam_policy` listing every object of 60 models one by one: 7,000 characters.

    Use instead:
    One statement with the resources as a list, split into two managed policies, or
    inline policies (10,240 characters per role).
    """
    if doc.kind is Kind.IDENTITY and doc.size > MANAGED_POLICY_LIMIT and customer_managed(doc):
        yield doc.finding(
            None,
            f"the customer managed policy is {doc.size} characters, over AWS's limit of "
            f"{MANAGED_POLICY_LIMIT}",
            "merge statements (resources and actions as lists) or split it into two policies",
        )


REPEATED = "gives {key!r} more than once: JSON parsers keep the last and drop the others silently"
CASE = (
    "gives the condition key {key!r} and {first!r}, one key to AWS (condition keys ignore "
    "case): IAM Access Analyzer reports this as an error"
)


def _repeated(value: Any, where: str) -> Iterator[tuple[str, str]]:
    """(where, what) for every object under `value` that gives a key twice: as the parser
    saw it (`duplicates`, set by the JSON reader) and, in a condition block, keys that
    differ in case only. Iterative: how deep the input nests is the input's choice.

    Every document is walked and almost none has a finding, so where an object is is
    kept as a step from its parent and written out only for a finding (writing every
    path was half of this rule's time).
    """
    if not _any_repeated(value):
        return
    pending: list[Step] = [(value, None, where)]
    while pending:
        step = pending.pop()
        item = step[0]
        if isinstance(item, list):
            pending.extend(
                (v, step, i)
                for i, v in reversed(list(enumerate(item)))
                if isinstance(v, (list, dict))  # only objects give keys: no path for a value
            )
            continue
        if not isinstance(item, dict):
            continue
        for key in getattr(item, "duplicates", ()):
            yield _path(step), REPEATED.format(key=key)
        condition = item.get("Condition")
        for operator, block in condition.items() if isinstance(condition, dict) else ():
            for key, first in _case_variants(block) if isinstance(block, dict) else ():
                yield f"{_path(step)}.Condition.{operator}", CASE.format(key=key, first=first)
        pending.extend(
            (v, step, str(k))  # a key, never an int: an int is a list's index
            for k, v in reversed(list(item.items()))
            if isinstance(v, (list, dict))
        )


def _any_repeated(value: Any) -> bool:
    """Whether `value` holds anything `_repeated` reports: the quick walk every statement
    gets (no finding, no path), so that only a statement with one is walked for places.
    Keys that differ in case only are a set of lower-cased keys smaller than the block.
    """
    pending = [value]
    containers = (dict, list)
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            if getattr(item, "duplicates", ()):
                return True
            condition = item.get("Condition")
            for block in condition.values() if isinstance(condition, dict) else ():
                if isinstance(block, dict) and len({str(k).lower() for k in block}) < len(block):
                    return True
            for v in item.values():  # loops, not extend(genexpr): a third faster here
                if isinstance(v, containers):
                    pending.append(v)
        elif isinstance(item, list):
            for v in item:
                if isinstance(v, containers):
                    pending.append(v)
    return False


def _path(step: Step) -> str:
    """Where a step's value is: `Statement[0].Condition`, from the root's `where`."""
    parts: list[str] = []
    at: Step | None = step
    while at is not None:
        _, parent, key = at
        parts.append(f"[{key}]" if isinstance(key, int) else f".{key}" if parent else key)
        at = parent
    return "".join(reversed(parts))


def _case_variants(block: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(key, the key first written) for each key of `block` that differs from an earlier
    one in case only."""
    seen: dict[str, str] = {}
    for key in map(str, block):
        first = seen.setdefault(key.lower(), key)
        if first != key:
            yield key, first


@rule("XG060", "duplicate-json-key", Severity.ERROR, "A key written twice in one JSON object")
def duplicate_json_key(doc: LintDocument) -> Iterator[Finding]:
    """## What it does
    Flags a JSON object in a policy that gives the same key twice, such as two `Action`
    keys in a statement or two `StringEquals` blocks in one `Condition`, and condition
    keys in one block that differ only in case (`aws:PrincipalArn`, `aws:principalarn`).
    It sees policy JSON files, plans, and JSON strings in `.tf` files; in `jsonencode()`
    and `aws_iam_policy_document` blocks the keys are merged before lint (or Terraform's
    provider) can see them, so only the case variants are found there.

    ## Why is this bad?
    AWS's policy grammar forbids it ("individual elements must not contain multiple
    instances of the same key"); IAM Access Analyzer reports the case variants as an
    error. What a service does with such a document AWS does not document. Before it gets
    there, JSON parsers (Python's, Go's, jq) and Terraform's `jsonencode()` keep the last
    value and drop the others without a word, so a second `StringEquals` block silently
    removes the first one's `aws:PrincipalArn` condition: the file reviewed reads
    stricter than the policy applied. The Terraform AWS provider refuses repeated keys in a policy
    JSON string (hashicorp/terraform-provider-aws#33570), at plan time; lint says so
    before review.

    ## Example
        "Condition": {"StringEquals": {"aws:PrincipalArn": "arn:aws:iam::222222222222:role/R"},
                      "StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}

    Use instead:
        "Condition": {"StringEquals": {"aws:PrincipalArn": "arn:aws:iam::222222222222:role/R",
                                       "kms:ViaService": "s3.us-east-1.amazonaws.com"}}
    """
    raw = doc.policy.raw
    for key in getattr(raw, "duplicates", ()):
        yield _finding(doc, None, f"the policy {REPEATED.format(key=key)}")
    for statement in doc.policy.statements:
        for where, what in _repeated(statement.raw, statement.label):
            yield _finding(doc, statement, f"{where} {what}")


def _finding(doc: LintDocument, statement: Statement | None, message: str) -> Finding:
    return doc.finding(
        statement,
        message,
        "write each key once, with every value it should hold (one block per condition "
        "operator, one list per element)",
    )
