"""A render that replaces another: what it must not cut off, and which accounts to apply.

SageMaker downloads an endpoint's artifact at every instance start (scale-out, replacement,
rollback), so a source whose policies stop granting what an endpoint serves breaks that
endpoint later, not at once. A promotion is therefore three renders: *expand* (the source
grants the old and the new version: `moving_from`), *move* (the target applies and its
endpoint is updated), *contract* (`moving_from` removed: the source drops the old). The
committed render (the folder's manifest) says what each endpoint serves.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import InputError
from .manifest import MANIFEST, Manifest, TargetEntry

FORCE = "or pass --force to cut it off anyway"


def _served_name(target: TargetEntry) -> str:
    return repr(target.version) if target.version else f"the artifact {target.artifact or ''}"


def check_nothing_cut_off(previous: Manifest, new: Manifest, out: str) -> None:
    """InputError when `new` stops granting a target what it serves according to `previous`."""
    now = {t.dir: t for t in new.targets}
    for old in previous.targets:
        current = now.get(old.dir)
        if current is None:
            continue  # a target that drops out is refused on its own (orphaned state)
        served = old.served_object(previous.source)
        if served in current.object_arns(new.source):
            continue
        what = repr(old.version) if old.version else served
        if old.version:
            move = f"add `moving_from: {old.version}` to target {old.name}"
        else:
            move = (
                f"name the artifact it serves under `models` and add `moving_from:` with that "
                f"name to target {old.name}"
            )
        raise InputError(
            f"target {old.name}'s endpoint serves {what} according to {out}/{MANIFEST}, and "
            "this spec stops granting it: the endpoint's next instance (scale-out, "
            "replacement, rollback) could not download it",
            place=f"targets[{new.targets.index(current)}]",
            fix=f"{move} (expand), apply the source and then the target, and only then "
            f"remove it (contract); {FORCE}",
        )


@dataclass(frozen=True)
class Step:
    """One account to apply, and why."""

    folder: str
    why: str


def apply_steps(previous: Manifest | None, new: Manifest) -> list[Step]:
    """The accounts a render changes, in the order to apply them, each with its reason.

    The source comes first: it only ever adds grants before a target moves (expand), and
    it drops a grant only once the committed render says no endpoint serves it (contract),
    so applying it first is safe in both. Targets follow, independent of each other.
    """
    if previous is None:
        return [Step(new.source.dir, "first apply: the targets' models need its grants")] + [
            Step(t.dir, "first apply") for t in new.targets
        ]
    changed = _changed_folders(previous, new)
    before = {t.dir: t for t in previous.targets}
    steps: list[Step] = []
    if new.source.dir in changed:
        steps.append(Step(new.source.dir, _source_reason(previous, new, before)))
    for target in new.targets:
        if target.dir in changed:
            steps.append(
                Step(target.dir, _target_reason(previous, new, before.get(target.dir), target))
            )
    return steps


def _changed_folders(previous: Manifest, new: Manifest) -> set[str]:
    """Root folders whose files (or the module they use) differ between the two renders."""
    changed: set[str] = set()
    for path in set(previous.files) | set(new.files):
        if previous.files.get(path) == new.files.get(path) or "/" not in path:
            continue
        if path.endswith(".md"):
            continue  # documentation: nothing Terraform applies
        top = path.split("/", 1)[0]
        if top == "modules":
            module = path.split("/")[1]
            users = [new.source.dir] if module == "source-account" else [t.dir for t in new.targets]
            changed.update(users)
        else:
            changed.add(top)
    return changed


def _source_reason(previous: Manifest, new: Manifest, before: dict[str, TargetEntry]) -> str:
    grants, drops = [], []
    for target in new.targets:
        old = before.get(target.dir)
        had = _named_reads(old, previous) if old else {}
        has = _named_reads(target, new)
        if added := [has[arn] for arn in has if arn not in had]:
            grants.append(f"{target.name}'s role {', '.join(added)}")
        if dropped := [had[arn] for arn in had if arn not in has]:
            drops.append(f"{target.name}'s role {', '.join(dropped)}")
    parts = []
    if grants:
        parts.append(f"expand: grants {'; '.join(grants)}, before the endpoint moves")
    if drops:
        parts.append(
            f"contract: stops granting {'; '.join(drops)}, which its endpoint no longer serves"
        )
    return "; ".join(parts) or "its policies change"


def _named_reads(target: TargetEntry, manifest: Manifest) -> dict[str, str]:
    """The objects `target` reads, each with the name a user knows it by."""
    arns = target.object_arns(manifest.source)
    names = [target.version, target.moving_from]
    return {arn: (names[i] if i < 2 and names[i] else arn) for i, arn in enumerate(arns)}


def _target_reason(
    previous: Manifest, new: Manifest, old: TargetEntry | None, target: TargetEntry
) -> str:
    if old is None:
        return "new target: creates its role, model and endpoint"
    if old.served_object(previous.source) != target.served_object(new.source):
        return (
            f"move: updates endpoint {target.endpoint_name} from {_served_name(old)} to "
            f"{_served_name(target)} (the role keeps reading both until the contract step)"
        )
    if set(old.object_arns(previous.source)) - set(target.object_arns(new.source)):
        return "contract: its role stops reading the version it moved off"
    if old.model_name != target.model_name:
        return f"updates endpoint {target.endpoint_name} onto a new model"
    return "its role, model or endpoint settings change"
