"""Which render a policy file belongs to: the nearest `xgen-manifest.json` above it.

A manifest gives each of its documents' kind, account, target and the deployment, so a
file linted alone (pre-commit passes single files) is checked as part of its render.
Lookups are cached per folder: a render of 1000 files reads its manifest once and walks
up from each folder once, not once per file. Inside the repository the lookup stops at
its root (see `scope`): a manifest above it is not the repository's to read.
"""

from __future__ import annotations

import os
from functools import lru_cache

from ..errors import InputError
from ..filenames import MANIFEST
from ..policy.kinds import Kind
from ..records import Record
from ..safe_read import within
from .scope import Scope

TYPE_CHECKING = False  # typing.TYPE_CHECKING; `typing` costs lint 4 ms to import
if TYPE_CHECKING:
    from .deployment import Deployment

SEARCH_DEPTH = 4


class Placement(Record):
    """What a manifest says about one document."""

    deployment: Deployment
    kind: Kind
    account_id: str | None
    target: str | None
    render: str  # the render's folder (resolved)
    role_arn: str | None  # the role an identity document is inline in

    @property
    def digest(self) -> str:
        """Everything rules may read from the placement, for result-cache keys."""
        return _digest(self)


@lru_cache(maxsize=256)  # a render's placements, asked of once per file in it
def _digest(placement: Placement) -> str:
    import hashlib  # only with the result cache: loading OpenSSL costs milliseconds

    return hashlib.sha256(repr(placement).encode()).hexdigest()[:32]


class Renders:
    """Manifest lookups for resolved paths.

    An unreadable manifest is an error only for the policy files under it (`problem`):
    a folder holding other JSON beside a broken manifest is not a render to lint.
    """

    def __init__(self, scope: Scope | None = None) -> None:
        self._top = scope.roots[0] if scope else None  # the repository root
        self._entries: dict[str, dict[str, Placement]] = {}  # render folder -> entries
        self._broken: dict[str, str] = {}  # render folder -> why its manifest is unreadable
        self._nearest: dict[str, str | None] = {}  # folder -> its render's folder

    def placement(self, resolved: str) -> Placement | None:
        """The manifest's entry for a policy file, from the nearest render above it."""
        render = self._render_of(os.path.dirname(resolved))
        return self._entries[render].get(resolved) if render is not None else None

    def problem(self, resolved: str) -> str | None:
        """The read error of the broken manifest a policy file is under, if any."""
        render = self._render_of(os.path.dirname(resolved))
        return self._broken.get(render) if render is not None else None

    def context(self, resolved: str) -> str:
        """Everything a file's lint result takes from its render, for cache keys."""
        placement = self.placement(resolved)
        return placement.digest if placement else self.problem(resolved) or ""

    def _render_of(self, folder: str) -> str | None:
        if folder not in self._nearest:
            found = None
            current = folder
            top = self._top if self._top and within(folder, self._top) else None
            for _ in range(SEARCH_DEPTH):
                if os.path.isfile(os.path.join(current, MANIFEST)):
                    found = current
                    break
                parent = os.path.dirname(current)
                if current in (parent, top):
                    break
                current = parent
            if found is not None and found not in self._entries:
                self._entries[found] = self._read(found)
            self._nearest[folder] = found
        return self._nearest[folder]

    def _read(self, folder: str) -> dict[str, Placement]:
        try:
            from pathlib import Path  # only where a render is: most runs

            from ..manifest import read_manifest
            from .deployment import Deployment

            manifest = read_manifest(Path(folder))
        except InputError as error:
            where = os.path.join(folder, MANIFEST)
            self._broken[folder] = f"{where}: cannot read policy: not an xgen manifest ({error})"
            return {}
        deployment = Deployment.from_manifest(manifest)
        roles = {t.name: t.role_arn for t in manifest.targets}
        return {
            os.path.realpath(os.path.join(folder, d.path)): Placement(
                deployment,
                d.kind,
                d.account_id,
                d.target,
                folder,
                roles.get(d.target) if d.kind is Kind.IDENTITY and d.target else None,
            )
            for d in manifest.documents
        }
