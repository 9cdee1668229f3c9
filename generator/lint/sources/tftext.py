"""Policies written as text in Terraform: a heredoc or string of JSON (interpolations are
unknown values), `file()` and `templatefile()` of a JSON file resolved against the module
folder, templates with `%{ if }` read one branch at a time (`references.with_conditions`).
A `file()` target that is not JSON is reported as that file; a read refused (outside the
repository, not a regular file) at the `.tf` line that asked for it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ...policy.document import looks_like_policy
from ...safe_read import Unreadable
from ..scope import Outside
from . import Raw, ReadError
from .hclvalue import FileCall, Spot
from .jsonfile import TextLocator, json_template, load_json, parse_json
from .policyvalue import has_unknown, normalise
from .references import fill_template, with_conditions

# What a module argument's file() may name to be read as a policy.
POLICY_FILES = (".json", ".json.tpl", ".json.tftpl", ".tpl.json")
PATH_REFS = ("${path.module}", "${path.root}", "${path.cwd}")


class PolicyTexts:
    """What `TerraformFile` reads policies written as text with (a mixin: the file's
    name, its folder, where refusals, notes and the files read go)."""

    path: Path
    display: str
    read: Callable[[str], bytes]
    refused: list[str]
    notes: list[str]
    deps: list[tuple[str, bool]]
    seen: set[str]

    def _text(
        self, value: str, spot: Spot, line: int, kind: str | None, *, module: bool
    ) -> list[Raw]:
        """JSON written in a heredoc or a string, where `${...}` are unknown values."""
        where = spot.body_line or spot.line
        if "%{" in value:
            return self._conditional(value, self.display, line, kind, module=module)
        text = json_template(value)
        try:
            body = parse_json(text)
        except ReadError as error:
            if not module:
                self.refused.append(f"{self.display}:{where}: cannot read policy: {error}")
            return []
        if module and not looks_like_policy(body):
            return []
        flat = (spot.line, spot.col) if spot.flat else None
        return self._parsed(
            body, text, self.display, line, kind, text_line=where, indent=spot.indent, flat=flat
        )

    def _conditional(
        self,
        text: str,
        shown: str,
        line: int,
        kind: str | None,
        *,
        module: bool,
        path: str | None = None,
    ) -> list[Raw]:
        """A policy template with `%{ if }` directives (a heredoc, a `templatefile()`):
        read with its conditions true, else false, whichever is JSON."""
        for taken in (True, False):
            rendered = with_conditions(text, taken)
            if rendered is None:
                break
            try:
                body = parse_json(json_template(rendered))
            except ReadError:
                continue
            if module and not looks_like_policy(body):
                return []
            raws = self._parsed(body, rendered, shown, line, kind, text_line=1, path=path)
            note = f"{shown}:{line}: the template is read with its %{{ if }} {taken}"
            return [_conditioned(r, note) for r in raws]
        self.notes.append(f"{shown}:{line}: the template has directives (%{{...}}): not read")
        return []

    def _parsed(
        self,
        body: Any,
        text: str,
        display: str,
        line: int,
        kind: str | None,
        *,
        text_line: int,
        indent: int = 0,
        flat: tuple[int, int] | None = None,
        path: str | None = None,
    ) -> list[Raw]:
        """A document parsed from JSON text, located in that text."""
        kept: list[int] | None = None
        unread: frozenset[str] = frozenset()
        notes: tuple[str, ...] = ()
        if has_unknown(body):
            result = normalise(body)
            if result is None:
                return []  # the whole policy is an interpolation
            body, kept, unread = result.body, result.kept, frozenset(result.unread)
            notes = self._noted(line, result.notes)

        def locate() -> TextLocator:
            return TextLocator(text, line=text_line, indent=indent, flat=flat, kept=kept)

        return [
            Raw(
                body,
                display,
                line=line,
                kind=kind,
                locate=locate,
                unread=unread,
                notes=notes,
                path=path,
            )
        ]

    def _file(self, call: FileCall, kind: str | None, line: int, *, module: bool) -> list[Raw]:
        target = call.path
        if not isinstance(target, str):
            return []
        relative = target
        for reference in PATH_REFS:
            relative = relative.replace(reference, ".")
        if "${" in relative or "\0" in relative:  # known at plan time; no such file
            return []
        if module and not relative.endswith(POLICY_FILES):
            return []  # a module's README, a certificate: not a policy
        named = self.path.parent / relative
        sys.audit("xgen.look", named)  # the symlinks on its way, for the warm path (`memo`)
        resolved = os.path.realpath(named)
        if all(dep != resolved for dep, _ in self.deps):
            self.deps.append((resolved, resolved in self.seen))
        if resolved in self.seen:
            return []
        try:
            data = self.read(resolved)
        except Unreadable as error:
            if not error.missing:  # a missing file may be written before plan: skipped
                why = f" {error}" if isinstance(error, Outside) else f": {error}"
                self.refused.append(
                    f'{self.display}:{line}: cannot read policy: {call.function}("{target}"){why}'
                )
            return []
        self.seen.add(resolved)
        shown = _display(Path(resolved), self.path, self.display)
        try:
            if call.function == "templatefile":
                text = fill_template(data, call.variables)
                if "%{" in text:
                    return self._conditional(text, shown, 1, kind, module=module, path=resolved)
                text = json_template(text)
                body = parse_json(text)
            else:
                body, text = load_json(data, resolved)
        except ReadError as error:
            self.refused.append(f"{shown}: cannot read policy: {error}")
            return []
        if module and not looks_like_policy(body):
            return []
        return self._parsed(body, text, shown, 1, kind, text_line=1, path=resolved)

    def _noted(self, line: int, notes: list[str]) -> tuple[str, ...]:
        return tuple(f"{self.display}:{line}: {note}" for note in notes)


def _conditioned(raw: Raw, note: str) -> Raw:
    """A policy read from one branch of its template: other statements may exist, and
    its positions are those of the document (the rendered text is not the file's)."""
    return raw._replace(unread=raw.unread | {"Statement"}, notes=(*raw.notes, note), locate=None)


def _display(path: Path, tf_path: Path, tf_display: str) -> str:
    """Show a resolved file() target relative to how the .tf file was named."""
    try:
        return str(Path(tf_display).parent / path.relative_to(tf_path.parent.resolve()))
    except ValueError:
        return str(path)
