"""The rule table: every rule is one function registered with `@rule`, its docstring the
user documentation (`xgen explain`, `docs/rules.md`), as ruff keeps docs beside code.

Scopes: `document` rules see one policy at a time; `attachment` rules one managed
policy attached in Terraform (`attachments`); `deployment` rules see every document of a
run at once (cross-document consistency). Ids are never reused.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ..records import Record
from .findings import Finding, Severity

TYPE_CHECKING = False  # typing.TYPE_CHECKING; `typing` costs lint 4 ms to import
if TYPE_CHECKING:
    from typing import Any

    Check = Callable[[Any], Iterator[Finding]]


class Rule(Record):
    """A registered rule; `hardened` rules drop to info in profile seed."""

    id: str
    name: str
    severity: Severity
    title: str
    check: Check
    scope: str = "document"
    hardened: bool = False

    @property
    def doc(self) -> str:
        import inspect  # `xgen explain` and the docs only: it costs lint milliseconds

        return inspect.cleandoc(self.check.__doc__ or "")


RULES: dict[str, Rule] = {}


def rule(
    id: str,
    name: str,
    severity: Severity,
    title: str,
    *,
    scope: str = "document",
    hardened: bool = False,
) -> Callable[[Check], Check]:
    """Register a rule function; refuses duplicate or malformed ids (parliament's guard)."""

    def register(check: Check) -> Check:
        if not _well_formed(id, name):
            raise ValueError(f"bad rule id or name: {id} {name}")
        if id in RULES or any(r.name == name for r in RULES.values()):
            raise ValueError(f"rule {id} {name} registered twice")
        if not check.__doc__:
            raise ValueError(f"rule {id} needs a docstring: it is the user documentation")
        RULES[id] = Rule(id, name, severity, title, check, scope, hardened)
        return check

    return register


def _well_formed(id: str, name: str) -> bool:
    """An id is XG and three digits, a name lower-case words joined by single hyphens
    (tested without `re`: compiling the two patterns was 0.2 ms of every run)."""
    words = name.split("-")
    id_ok = len(id) == 5 and id.startswith("XG") and id[2:].isascii() and id[2:].isdigit()
    return id_ok and all(w.isascii() and w.isalnum() and w == w.lower() for w in words)


def load_rules() -> dict[str, Rule]:
    """Import the rule modules (registration happens on import) and return the table."""
    from .rules import ALL  # noqa: F401 - importing registers

    return dict(sorted(RULES.items()))


def find_rule(key: str) -> Rule | None:
    """A rule by id (any case) or by name."""
    rules = load_rules()
    if key.upper() in rules:
        return rules[key.upper()]
    return next((r for r in rules.values() if r.name == key.lower()), None)
