"""From the paths on the command line to `LintDocument`s, one input file at a time.

Folders are walked (hidden folders skipped). A policy file that belongs to a render gets
kind, account, target and profile from its manifest (see `renders`). Terraform files
(`.tf`, `.tf.json`) are read before loose JSON so that `file("x.json")` gives the kind and
the JSON is linted once. Each file is read on its own (`read`) so that its result can be
cached (see `cache`). What Terraform builds at plan time is not read: each such part is a
note (`Loaded.notes`), never an error.
"""

from __future__ import annotations

import os
import re
import sys

from ..filenames import MANIFEST
from ..policy.document import PolicyError, parse_policy
from ..policy.kinds import Kind
from ..policy.limits import compact_size
from ..records import Record
from ..safe_read import FILE_LIMIT, Unreadable, read_limited
from ..tree import leads_outside
from .context import LintDocument, Origin
from .effects import effects_as_meant
from .infer import infer_kind
from .renders import Placement, Renders
from .scope import Outside, Scope, shown
from .sources import Raw, ReadError
from .sources.jsonfile import MAX_BYTES, TextLocator, load_json, policy_raws
from .suppress import Suppression, inline

TYPE_CHECKING = False  # typing.TYPE_CHECKING; `typing` costs lint 4 ms to import
if TYPE_CHECKING:
    from collections.abc import Iterable

    from .attachments import Attachment
    from .deployment import Deployment
    from .sources.references import Folder

SKIP_DIRS = ("node_modules", "__pycache__")
STATEMENT_ERROR = r"^Statement\[(\d+)\]"  # compiled when first used: parse errors only
POLICY_MARK = b'"Statement"'  # what any policy's text holds, whatever else is wrong
SEEN = "seen"  # a file() target already linted through another .tf file
ABSENT = "absent"


class Input(Record):
    """One file to lint: as named on the command line (or found in a named folder), and
    resolved; the file read is the resolved one, so a symlink checked is the one read.
    """

    display: str
    resolved: str
    named: bool = True  # named on the command line, not found in a named folder

    @property
    def terraform(self) -> bool:
        return self.display.endswith((".tf", ".tf.json"))

    def read_bytes(self) -> bytes:
        """The file's bytes (`Unreadable`: not a regular file, over the limit, an error)."""
        return read_limited(self.resolved, FILE_LIMIT if self.terraform else MAX_BYTES)


class Loaded:
    """What one input file holds; `deps` are the files its `file()` calls read; `notes`
    what was not read because Terraform builds it at plan time (one line each).
    """

    def __init__(
        self,
        documents: list[LintDocument] | None = None,
        suppressions: list[Suppression] | None = None,
    ) -> None:
        self.documents = documents if documents is not None else []
        self.errors: list[str] = []
        self.notes: list[str] = []
        self.suppressions = suppressions if suppressions is not None else []
        self.deps: list[tuple[str, str]] = []  # (resolved path, state)
        self.attachments: list[Attachment] = []  # managed policies attached


class Loader:
    def __init__(self, kind: Kind | None, deployment: Deployment | None, scope: Scope) -> None:
        self.kind = kind
        self.deployment = deployment
        self.scope = scope
        self.renders = Renders(scope)
        self.seen: set[str] = set()  # resolved JSON files already linted
        self.errors: list[str] = []
        self._folders: dict[str, Folder] = {}

    def inputs(self, paths: Iterable[str | os.PathLike[str]]) -> list[Input]:
        """Every file to lint, once, `.tf` files first."""
        found: dict[str, Input] = {}
        for named in paths:
            path = shown(os.fspath(named))
            if os.path.isdir(path):
                items = []
                for item in _walk(path):
                    if self.scope.inside(item.resolved):
                        items.append(item)
                    else:  # a symlink out of the folder
                        self.errors.append(
                            f"{item.display}: cannot read policy: symlink {Outside()}"
                        )
            elif leads_outside(path) is not None:  # a link (committed?) out of its tree
                self.errors.append(f"{path}: cannot read policy: symlink {Outside()}")
                continue
            elif os.path.exists(path):  # read wherever it is; not a regular file: refused when read
                sys.audit("xgen.look", path)  # the symlinks on its way, for the warm path
                items = [Input(path, os.path.realpath(path))]
            else:
                self.errors.append(f"{path}: cannot read policy: no such file or folder")
                continue
            for item in items:
                if os.path.basename(item.display) != MANIFEST:
                    found.setdefault(item.resolved, item)
        return sorted(found.values(), key=lambda item: not item.terraform)

    def context(self, item: Input) -> str:
        """What besides its bytes decides a file's result: for JSON, its manifest entry
        and whether it was named (JSON that is not JSON is an error only then)."""
        if item.terraform:
            return self.folder(item).digest()
        return self.renders.context(item.resolved) + ("" if item.named else "\0found")

    def folder(self, item: Input) -> Folder:
        """The locals and variable defaults of a `.tf` file's folder (`references`), read
        once per folder; `.tf.json` folders give none (their values are expressions)."""
        from .sources.references import folder_values

        folder = os.path.dirname(item.resolved)
        found = self._folders.get(folder)
        if found is None:
            texts = []
            try:
                names = sorted(e.name for e in os.scandir(folder) if e.name.endswith(".tf"))
            except OSError:
                names = []
            for name in names:
                try:
                    data = self.scope.read(os.path.join(folder, name))
                except Unreadable:
                    continue  # reported when the file itself is linted
                texts.append(data.decode("utf-8", errors="replace"))
            found = self._folders[folder] = folder_values(texts)
        return found

    def state(self, resolved: str) -> str:
        """A `file()` target as a `.tf` file's result depends on it: already linted
        through another `.tf` file, or its bytes and manifest entry.
        """
        return SEEN if resolved in self.seen else self._file_state(resolved)

    def _file_state(self, resolved: str) -> str:
        import hashlib  # only with the result cache: loading OpenSSL costs milliseconds

        try:
            data = self.scope.read(resolved)
        except Unreadable as error:
            return ABSENT if error.missing else f"unreadable: {error}"
        return hashlib.sha256(data).hexdigest()[:32] + self.renders.context(resolved)

    def read(self, item: Input, data: bytes) -> Loaded:
        """The documents of one file, with its read errors and suppressions."""
        loaded = Loaded()
        try:
            if item.terraform:
                raws = self._terraform(item, data, loaded)
            else:
                value, text = load_json(data, item.display)
                raws = policy_raws(value, text, item.display)
        except ReadError as error:
            if not item.named and not item.terraform and POLICY_MARK not in data:
                # a folder's other JSON (tsconfig.json with comments, a fixture): not
                # a policy, so not lint's to refuse; named on the command line it is
                loaded.notes.append(f"{item.display}: not JSON and holds no Statement: not read")
                return loaded
            loaded.errors.append(f"{item.display}: cannot read policy: {error}")
            return loaded
        except RecursionError:
            loaded.errors.append(f"{item.display}: cannot read policy: nested too deeply")
            return loaded
        scope = os.path.dirname(item.resolved) if item.terraform else item.display
        for raw in raws:
            resolved = raw.path if item.terraform else item.resolved
            placement = None
            if resolved:
                placement = self.renders.placement(resolved)
                problem = self.renders.problem(resolved)
                if problem and problem not in loaded.errors:
                    loaded.errors.append(problem)
            self._add(loaded, raw, placement, scope)
        return loaded

    def _terraform(self, item: Input, data: bytes, loaded: Loaded) -> list[Raw]:
        from .sources.terraform import TerraformFile

        json_syntax = item.display.endswith(".json")
        tf = TerraformFile(
            item.display,
            data,
            self.scope.read,
            json_syntax=json_syntax,
            folder=self.folder(item),
        )
        try:
            raws = tf.raws(self.seen)
        finally:
            loaded.deps = [(p, SEEN if seen else self._file_state(p)) for p, seen in tf.deps]
        loaded.errors.extend(tf.refused)
        loaded.attachments.extend(tf.attachments)
        loaded.notes.extend(tf.notes)
        for number, lines, text in tf.suppressions():
            loaded.suppressions.append(inline(item.display, number, lines, text))
        return raws

    def _add(self, loaded: Loaded, raw: Raw, placement: Placement | None, scope: str) -> None:
        loaded.notes.extend(n for n in raw.notes if n not in loaded.notes)
        body = effects_as_meant(raw.body)
        try:
            policy = parse_policy(body)
            size = compact_size(raw.body)
        except PolicyError as error:
            line = _statement_line(raw, str(error))
            loaded.errors.append(f"{raw.file}:{line}: cannot read policy: {error}")
            return
        except RecursionError:
            loaded.errors.append(f"{raw.file}:{raw.line}: cannot read policy: nested too deeply")
            return
        deployment = placement.deployment if placement else self.deployment
        written = placement.kind if placement else raw.kind
        kind = self.kind or (Kind(written) if written in set(Kind) else infer_kind(policy))
        loaded.documents.append(
            LintDocument(
                policy=policy,
                kind=kind,
                origin=_origin(raw),
                size=size,
                account_id=placement.account_id if placement else raw.account_id,
                target=placement.target if placement else None,
                profile=deployment.profile if deployment else "hardened",
                deployment=deployment,
                role=_role(raw, placement, scope),
                unread=raw.unread,
                resource_type=raw.resource_type,
                purpose=raw.purpose,
            )
        )


def _statement_line(raw: Raw, error: str) -> int:
    """The line of the statement a parse error names (`Statement[2].Effect ...`), so the
    error points at it, not at the document's first line."""
    match = re.match(STATEMENT_ERROR, error)
    if match is None:
        return raw.line
    try:
        position = _origin(raw).locate().statement(int(match.group(1)))  # type: ignore[misc]
    except (TypeError, AttributeError):
        return raw.line
    return position[0] if position else raw.line


def _role(raw: Raw, placement: Placement | None, scope: str) -> tuple[str, str] | None:
    """(where, which role) for an inline policy of a known role, to sum a role's sizes.

    A render's manifest names the role; in Terraform it is the `role` argument within one
    module folder; in a plan, the role's name within the plan.
    """
    if placement is not None:
        return (placement.render, placement.role_arn) if placement.role_arn else None
    return (scope, raw.role) if raw.role else None


def _origin(raw: Raw) -> Origin:
    if raw.locate is not None:
        return Origin(raw.file, raw.line, raw.col, raw.locate)
    if raw.text is not None:
        text = raw.text
        return Origin(raw.file, raw.line, raw.col, lambda: TextLocator(text))
    return Origin(raw.file, raw.line, raw.col)


def _walk(top: str) -> list[Input]:
    """Policy and .tf files under `root` (symlinked folders not followed, as os.walk).

    Paths are resolved once per folder, not per file: resolving costs a system call per
    path component, which for 1000 files took longer than linting them.
    """
    found: list[Input] = []
    pending = [("" if top == "." else top, os.path.realpath(top))]
    while pending:
        folder, real = pending.pop()
        try:
            entries = sorted(os.scandir(folder or "."), key=lambda e: e.name)
        except OSError:
            continue
        subfolders = []
        for entry in entries:
            shown = os.path.join(folder, entry.name)
            if entry.is_dir(follow_symlinks=False):
                if not entry.name.startswith(".") and entry.name not in SKIP_DIRS:
                    subfolders.append((shown, os.path.join(real, entry.name)))
            elif entry.name.endswith((".json", ".tf")) and not entry.is_dir():
                resolved = os.path.join(real, entry.name)
                if entry.is_symlink():
                    resolved = os.path.realpath(shown)
                found.append(Input(shown, resolved, named=False))
        pending.extend(reversed(subfolders))
    return found
