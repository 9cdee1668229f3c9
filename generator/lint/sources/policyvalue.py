"""A policy whose parts may be unknown until plan, as a document the rules can read.

Values unknown until plan are strings holding `${...}` (see `hclvalue`); rules skip them
(`rules.facts.is_unknown`). Unknown *structure* is resolved here, once, for every source
(jsonencode, heredocs, templates, `aws_iam_policy_document`):

- a statement that is unknown as a whole (an item of `concat`, a `for` expression, a
  `dynamic "statement"`), whose Effect is unknown, or that is merged from unknown
  values, is left out, with a note; the document's `unread` then holds "Statement"
  (statements may exist that were not read);
- unknown keys of the document (`merge(local.base, {...})`) are left out and `unread`
  holds "*" (any element may have been set, the Version too);
- an unknown Principal becomes `{"AWS": "${...}"}` (nobody known), an unknown Condition
  or condition block an operator and key of `${...}` (`rules.facts.unknown_condition`);
- `null` elements are left out, as Terraform's `jsonencode` of a null attribute is.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING; `typing` costs lint 4 ms to import
if TYPE_CHECKING:
    from typing import Any


PRINCIPALS = ("Principal", "NotPrincipal")


def unknown(value: Any) -> bool:
    return isinstance(value, str) and "${" in value


class Normalised:
    """The document, which statements of the written list were kept, and what was not read."""

    def __init__(self, body: Any) -> None:
        self.body = body
        self.kept: list[int] = []
        self.unread: set[str] = set()
        self.notes: list[str] = []


def normalise(value: Any) -> Normalised | None:
    """The document rules read; None when the whole policy is unknown until plan."""
    if value is None or unknown(value):
        return None
    result = Normalised(value)
    if not isinstance(value, dict):
        return result  # parse_policy says what is wrong with it
    body: dict[str, Any] = _like(value)
    for key, item in value.items():
        if unknown(key):
            result.unread.add("*")
            result.notes.append(
                f"policy merged from {_short(key)}, known at plan time: only its literal "
                "part is read"
            )
        elif item is not None:
            body[key] = item
    statements = body.get("Statement")
    if statements is None:
        if "*" in result.unread:
            body["Statement"] = []
            result.unread.add("Statement")
        result.body = body
        return result
    single = isinstance(statements, dict)
    items = [statements] if single or not isinstance(statements, list) else statements
    if unknown(statements):
        items = []
        result.unread.add("Statement")
        result.notes.append(f"statements {_short(statements)} are built at plan time: not read")
    kept: list[Any] = []
    for index, item in enumerate(items):
        statement = _statement(item, result)
        if statement is not None:
            kept.append(statement)
            result.kept.append(index)
    body["Statement"] = kept[0] if single and kept else kept
    result.body = body
    return result


def _statement(item: Any, result: Normalised) -> Any:
    """One statement as rules read it; None when it is left out (with a note)."""
    if item is None:
        return None
    if unknown(item):
        result.unread.add("Statement")
        result.notes.append(f"statement {_short(item)} is built at plan time: not read")
        return None
    if not isinstance(item, dict):
        return item  # parse_policy says what is wrong with it
    keys = [k for k in item if unknown(k)]
    if keys:
        result.unread.add("Statement")
        result.notes.append(
            f"a statement merged from {_short(keys[0])}, known at plan time: not read"
        )
        return None
    effect = item.get("Effect")
    if unknown(effect):
        result.unread.add("Statement")
        label = item.get("Sid") if isinstance(item.get("Sid"), str) else "a statement"
        result.notes.append(f"{label}: Effect {_short(effect)} is known at plan time: not read")
        return None
    statement: dict[str, Any] = _like(item)
    for key, value in item.items():
        if value is None:
            continue
        if key in PRINCIPALS:
            value = _principal(value)  # noqa: PLW2901 - normalising in place
        elif key == "Condition":
            value = _condition(value)  # noqa: PLW2901
        elif isinstance(value, list):
            value = [v for v in value if v is not None]  # noqa: PLW2901
        statement[key] = value
    return statement


def _principal(value: Any) -> Any:
    if unknown(value):
        return {"AWS": value}
    if not isinstance(value, dict):
        return value
    found: dict[str, Any] = {}
    for kind, entries in value.items():
        if entries is None:
            continue
        if unknown(kind):  # a principal type known at plan time: nobody known
            listed = found.get("AWS", [])
            found["AWS"] = [*(listed if isinstance(listed, list) else [listed]), kind]
            continue
        if isinstance(entries, list):
            entries = [e for e in entries if e is not None]  # noqa: PLW2901
        found[kind] = entries
    return found


def _condition(value: Any) -> Any:
    if unknown(value):
        return {value: {value: value}}
    if not isinstance(value, dict):
        return value
    found: dict[str, Any] = {}
    for operator, block in value.items():
        if block is None:
            continue
        if unknown(block):
            found[operator] = {block: block}
        elif isinstance(block, dict):
            found[operator] = {k: v for k, v in block.items() if v is not None}
        else:
            found[operator] = block
    return found


def _like(original: dict[str, Any]) -> dict[str, Any]:
    """An empty object of the original's type (JSON's reader marks objects that repeat a
    key, see `jsonfile`), so that what a rule reads of it is kept."""
    if type(original) is dict:
        return {}
    copy = type(original)()
    copy.__dict__.update(getattr(original, "__dict__", {}))
    return copy


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def replace_strings(value: Any, old: str, new: str) -> Any:
    """Every string (keys too) with `old` replaced by `new`: Terraform's `replace()` of
    a policy's JSON text, for placeholders such as `_S3_BUCKET_ARN_`.
    """
    if isinstance(value, str):
        return value.replace(old, new)
    if isinstance(value, list):
        return [replace_strings(v, old, new) for v in value]
    if isinstance(value, dict):
        return {
            replace_strings(k, old, new): replace_strings(v, old, new) for k, v in value.items()
        }
    return value


def has_unknown(value: Any) -> bool:
    """Whether any string in `value` is unknown (a fast check before `normalise`)."""
    if isinstance(value, str):
        return "${" in value
    if isinstance(value, list):
        return any(has_unknown(v) for v in value)
    if isinstance(value, dict):
        return any(has_unknown(k) or has_unknown(v) for k, v in value.items())
    return False
