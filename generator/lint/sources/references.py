"""What Terraform knows before plan: references resolved as far as the configuration says.

A policy's values are mostly references (`aws_s3_bucket.x.arn`, `local.bucket`,
`data.aws_partition.current.dns_suffix`). Left as `${...}` they are never judged
(`rules.facts.is_unknown`), which hid `s3:*` on a whole bucket. Resolved here, in every
string the Terraform reader evaluates (`resolver`), before the policy is normalised:

- `local.NAME` and `var.NAME` with a literal string (or number) value in the module
  folder's `locals` blocks or `variable` defaults (`folder_values`: a light scan of the
  folder's `.tf` text, so a warm run does not parse every file again). A default may be
  overridden; lint judges the configuration as written, as `terraform plan` would
  without a `.tfvars`.
- `data.aws_partition.NAME.partition` / `.dns_suffix`: `aws`, `amazonaws.com` (the
  commercial partition; the names a policy gives are the same in every partition).
- A resource or data source of a known type (`aws_s3_bucket.NAME.arn`,
  `data.aws_kms_key.NAME.arn`, `[0]`/`["k"]` instances too): a resource of that type whose
  name is known only at apply, written as an ARN of that type named by the reference
  (`arn:aws:s3:::aws_s3_bucket.NAME`), never with a wildcard and never in another
  account (its account and region segments are `ACCOUNT` and `REGION`). Only types
  whose ARN appears as a `Resource`: a role's ARN (a principal) is left unknown, for a
  principal's account is what rules judge in it.

Anything else stays `${...}`: unknown, not judged.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from . import ReadError
from .hclvalue import Encoded, FileCall, Replaced, template_text

INTERPOLATION = re.compile(r"\$\{([^{}]*)\}")
TYPED = re.compile(
    r"^(?:data\.)?(aws_[a-z0-9_]+)\.([\w-]+)(?:\[[^\]]*\])?\.([a-z_]+)$",
)
PARTITION = re.compile(r"^data\.aws_partition\.[\w-]+\.(partition|dns_suffix|id)$")
PARTITION_VALUES = {"partition": "aws", "id": "aws", "dns_suffix": "amazonaws.com"}
# type -> attribute -> how its value is written, `{ref}` being `TYPE.NAME`.
# ARN formats: https://docs.aws.amazon.com/service-authorization/latest/reference/
TYPED_VALUES: dict[str, dict[str, str]] = {
    "aws_s3_bucket": {"arn": "arn:aws:s3:::{ref}", "id": "{ref}", "bucket": "{ref}"},
    "aws_kms_key": {
        "arn": "arn:aws:kms:REGION:ACCOUNT:key/{ref}",
        "key_id": "{ref}",
        "id": "{ref}",
    },
    "aws_kms_alias": {"arn": "arn:aws:kms:REGION:ACCOUNT:alias/{ref}"},
    "aws_ecr_repository": {"arn": "arn:aws:ecr:REGION:ACCOUNT:repository/{ref}"},
    "aws_sns_topic": {"arn": "arn:aws:sns:REGION:ACCOUNT:{ref}"},
    "aws_sqs_queue": {"arn": "arn:aws:sqs:REGION:ACCOUNT:{ref}"},
    "aws_cloudwatch_log_group": {"arn": "arn:aws:logs:REGION:ACCOUNT:log-group:{ref}"},
    "aws_sagemaker_model_package_group": {
        "arn": "arn:aws:sagemaker:REGION:ACCOUNT:model-package-group/{ref}"
    },
}
# A literal value in a `locals` block or a `variable` default, on one line.
ASSIGNMENT = re.compile(r'^\s*([A-Za-z_][\w-]*)\s*=\s*(?:"([^"\\$%\n]*)"|(\d+))\s*(?:#.*|//.*)?$')
OPENING = re.compile(r'^\s*(locals|variable\s+"([\w-]+)")\s*\{\s*$')
STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')
# `permissions_boundary = aws_iam_policy.NAME.arn` (an aws_iam_role or aws_iam_user), or
# a module's `role_permissions_boundary_arn = ...`
BOUNDARY_REF = re.compile(
    r"permissions_boundary\w*\s*=\s*(?:aws_iam_policy\.([\w-]+)(?:\[[^\]]*\])?\.arn"
    r'|"\$\{aws_iam_policy\.([\w-]+)(?:\[[^\]]*\])?\.arn\}")'
)


@dataclass(frozen=True)
class Folder:
    """What a module folder's `.tf` files say that a policy of one of them depends on."""

    values: Mapping[str, str] = field(default_factory=dict)  # `local.NAME`, `var.NAME`
    boundaries: frozenset[str] = frozenset()  # `aws_iam_policy` names used as boundaries

    def digest(self) -> str:
        """What a `.tf` file's result takes from its folder, for the result cache's key."""
        if not self.values and not self.boundaries:
            return ""
        text = "\0".join(
            [*(f"{k}={v}" for k, v in sorted(self.values.items())), *sorted(self.boundaries)]
        )
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def folder_values(texts: list[str]) -> Folder:
    """`local.NAME` and `var.NAME` -> literal value, from a module folder's `.tf` texts,
    and the customer managed policies its roles have as permissions boundary.

    Only one-line literal strings and numbers, at the block's top level; a name given
    twice (two `locals` blocks, which Terraform refuses) keeps neither.
    """
    found: dict[str, str] = {}
    twice: set[str] = set()
    boundaries: set[str] = set()
    for text in texts:
        for name, value in _assignments(text.splitlines()):
            if name in found and found[name] != value:
                twice.add(name)
            found[name] = value
        boundaries.update(m.group(1) or m.group(2) for m in BOUNDARY_REF.finditer(text))
    values = {name: value for name, value in sorted(found.items()) if name not in twice}
    return Folder(values, frozenset(boundaries))


def _assignments(lines: list[str]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    prefix: str | None = None  # "local." inside locals, "var.NAME" inside a variable
    depth = 0
    for line in lines:
        if prefix is None:
            match = OPENING.match(line)
            if match:
                prefix = "local." if match.group(1) == "locals" else f"var.{match.group(2)}"
                depth = 1
            continue
        if depth == 1:
            match = ASSIGNMENT.match(line)
            if match:
                name, text, number = match.groups()
                value = text if text is not None else number
                if prefix == "local.":
                    found.append((f"local.{name}", value))
                elif name == "default" and value:  # "": the module's "not set"
                    found.append((prefix, value))
        code = STRINGS.sub('""', line.split("#", 1)[0])
        depth += code.count("{") - code.count("}")
        if depth <= 0:
            prefix = None
    return found


def resolved(expression: str, values: Mapping[str, str]) -> str | None:
    """The value of one interpolated expression as far as the configuration knows it."""
    if expression in values:
        return values[expression]
    match = PARTITION.match(expression)
    if match:
        return PARTITION_VALUES[match.group(1)]
    match = TYPED.match(expression)
    if match:
        rtype, name, attribute = match.groups()
        written = TYPED_VALUES.get(rtype, {}).get(attribute)
        if written is not None:
            return written.format(ref=f"{rtype}.{name}")
    return None


def resolve(value: Any, values: Mapping[str, str]) -> Any:
    """`value` with every `${...}` the configuration knows put in (strings, keys, the
    values `jsonencode`, `file()` and `replace()` hold)."""
    if isinstance(value, str):
        if "${" not in value:
            return value
        return INTERPOLATION.sub(lambda m: _known(m, values), value)
    if isinstance(value, list):
        return [resolve(v, values) for v in value]
    if isinstance(value, dict):
        return {resolve(k, values): resolve(v, values) for k, v in value.items()}
    if isinstance(value, Encoded):
        return Encoded(resolve(value.value, values), value.spot)
    if isinstance(value, FileCall):
        return replace(
            value, path=resolve(value.path, values), variables=resolve(value.variables, values)
        )
    if isinstance(value, Replaced):
        return Replaced(resolve(value.inner, values), value.old, value.new)
    return value


def _known(match: re.Match[str], values: Mapping[str, str]) -> str:
    found = resolved(match.group(1).strip(), values)
    return match.group(0) if found is None else found


def resolver(
    evaluate: Callable[[Any], tuple[Any, Any]], values: Mapping[str, str]
) -> Callable[[Any], tuple[Any, Any]]:
    """`evaluate` whose values have what the configuration knows put in."""

    def evaluated(node: Any) -> tuple[Any, Any]:
        value, spot = evaluate(node)
        return resolve(value, values), spot

    return evaluated


DIRECTIVE = re.compile(r"%\{~?\s*(if\b[^}]*?|else|endif|for\b[^}]*?|endfor)\s*~?\}")


def with_conditions(text: str, taken: bool) -> str | None:
    """A template's text with each `%{ if }` resolved to its first branch (`taken`) or
    its `%{ else }` branch; None when it loops (`%{ for }`), whose output is not known.

    A policy template's conditionals add or drop statements for some inputs
    (`%{ if enable_kms }...%{ endif }`): each branch is a policy Terraform may apply.
    """
    out: list[str] = []
    keeping: list[bool] = []  # per open `if`: whether its current branch is kept
    position = 0
    for match in DIRECTIVE.finditer(text):
        if all(keeping):
            out.append(text[position : match.start()])
        position = match.end()
        word = match.group(1).split(None, 1)[0]
        if word in ("for", "endfor"):
            return None
        if word == "if":
            keeping.append(taken)
        elif word == "else" and keeping:
            keeping[-1] = not keeping[-1]
        elif word == "endif" and keeping:
            keeping.pop()
    if keeping:
        return None  # an `if` never closed: Terraform refuses the template
    out.append(text[position:])
    return "".join(out)


def fill_template(data: bytes, variables: Any) -> str:
    """A `templatefile()` target's text with the literal string variables put in."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ReadError(f"not UTF-8 ({error.reason} at byte {error.start})") from None
    text = template_text(text)
    if isinstance(variables, dict):
        for key, value in variables.items():
            if (
                isinstance(key, str)
                and key.isidentifier()
                and isinstance(value, str)
                and "${" not in value
                and not set(value) & set('"\\\n')
            ):
                text = text.replace("${" + key + "}", value)
    return text
