"""`xgen import SPEC`: keep the live source statements that the next apply would delete.

Reads the source account's bucket, key and (when the image is in its ECR) repository
policy, read-only, with audit's credentials (`--profile ACCOUNT=PROFILE`, else the ambient
credentials, checked to belong to the account). Each live statement the spec neither
renders nor keeps (`audit.foreign`, drift's spelling rules) is added to its keep list;
everything else is left as it is, so a second run changes nothing.

The spec is changed only when every read succeeded and the edited spec reads back as the
spec with exactly those statements added and still renders: then it is written to a
temporary file beside it (same mode and owner) and renamed over it. Two imports of one spec are
kept apart by the lock beside it. A spec that is a symbolic link is edited where it
points, and the link stays.
"""

from __future__ import annotations

import contextlib
import functools
import os
import stat
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..atomic import exclusive
from ..audit.drift import statement_name
from ..audit.foreign import KEEP_LISTS, OWN, RENDERED, classify, content
from ..audit.run import check_identities, parse_profiles
from ..errors import InputError
from ..manifest import deployment_entries
from ..model import Spec
from ..policy.build import documents
from ..policy.document import Policy, PolicyError, Statement, parse_policy
from ..policy.kinds import Kind
from ..render import render
from ..spec import parse_spec, read_spec_file
from .edit import NotEditable, add_statements

Progress = Callable[[str], None]
POLICY_NAMES = {
    Kind.BUCKET: "bucket policy",
    Kind.KEY: "key policy",
    Kind.ECR_REPOSITORY: "repository policy",
    Kind.MODEL_PACKAGE_GROUP: "model package group policy",
}


@dataclass(frozen=True)
class Line:
    """What import does with one live statement, and why (one output line)."""

    policy: str  # "bucket policy", ...
    statement: str  # its Sid quoted, or Statement[i]
    kept: bool
    why: str

    def text(self, dry_run: bool = False) -> str:
        """One inert line, whatever the live policy holds: a character that does not
        print (a control character, a line break, a lone surrogate) is shown escaped."""
        verb = ("would keep" if dry_run else "kept") if self.kept else "left"
        line = f"{self.policy} {self.statement}: {verb}: {self.why}"
        return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in line)


@dataclass
class Plan:
    """The statements to add per keep list, and a line per live statement."""

    additions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    lines: list[Line] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(items) for items in self.additions.values())


def _gist(statement: Statement) -> str:
    """What a statement does, in a few words: effect, actions, principals."""
    actions = ", ".join(statement.actions or (f"all but {', '.join(statement.not_actions)}",))
    who = ", ".join(p.value for p in statement.principals) or "its principals"
    return f"{statement.effect} {actions} for {who}"


def _parsed(body: Any, what: str) -> Policy:
    try:
        return parse_policy(body)
    except PolicyError as error:
        raise InputError(f"{what} cannot be read: {error}") from None


def _kept(spec: Spec, path: str) -> list[dict[str, Any]]:
    """The keep list at `path` under `source` (dotted for a mapping inside it)."""
    return functools.reduce(getattr, path.split("."), spec.source)


def plan(spec: Spec, live: dict[Kind, dict[str, Any] | None]) -> Plan:
    """What to add to each keep list for the live policies (None: the resource has none)."""
    result = Plan()
    source = spec.source.account_id
    rendered = {d.kind: d for d in documents(spec) if d.account_id == source and not d.target}
    for kind, body in live.items():
        if body is None:
            continue
        name, keep_list = POLICY_NAMES[kind], KEEP_LISTS[kind]
        kept = _parsed({"Statement": _kept(spec, keep_list)}, f"source.{keep_list}")
        known = {content(s) for s in kept.statements}  # grows as statements are added
        verdicts = classify(parse_policy(rendered[kind].body), _parsed(body, f"the live {name}"))
        for verdict in verdicts:
            statement, added = verdict.statement, False
            if verdict.status == OWN and statement.sid in {s.sid for s in kept.statements}:
                why = (
                    f"changed live from the statement source.{keep_list} keeps under this Sid: "
                    "the apply writes the spec's; edit the spec to keep the live one"
                )
            elif verdict.status == OWN:
                why = "xgen's own statement, changed live: the apply writes the rendered one"
            elif verdict.status == RENDERED:
                in_list = content(statement) in known
                why = f"already in source.{keep_list}" if in_list else "rendered by the spec"
            elif content(statement) in known:
                why = "the same as a statement kept above"
            else:
                known.add(content(statement))
                result.additions.setdefault(keep_list, []).append(statement.raw)
                added = True
                why = f"not rendered by the spec, so the apply would delete it ({_gist(statement)})"
            result.lines.append(Line(name, statement_name(statement), added, why))
    return result


def read_live(
    spec: Spec, profiles: dict[str, str], progress: Progress
) -> dict[Kind, dict[str, Any] | None]:
    """The live policy of each source resource Terraform replaces whole (None: no policy).

    A resource that is not there is an InputError: the apply would fail on it too.
    """
    from ..aws.live import AccountReader
    from ..aws.session import session

    source, _ = deployment_entries(spec)
    account, profile = source.account_id, profiles.get(source.account_id)
    via = session(profile)
    check_identities({account: profile}, {profile: via}, source.region, progress)
    reader = AccountReader(account, profile, via, source.region)
    bucket = source.bucket_arn.split(":::", 1)[1]
    repository = source.repository_arn.split(":repository/", 1)[1]
    resources = {
        Kind.BUCKET: (f"bucket {bucket}", "source.artifact"),
        Kind.KEY: (f"KMS key {source.kms_key_arn}", "source.kms_key_arn"),
        Kind.ECR_REPOSITORY: (f"ECR repository {repository}", "source.image"),
    }
    group = spec.source.model_package_group
    if group is not None:
        resources[Kind.MODEL_PACKAGE_GROUP] = (
            f"model package group {group.name}",
            "source.model_package_group.name",
        )
    live: dict[Kind, dict[str, Any] | None] = {}
    for kind, state in reader.whole_policies(source, group.name if group else None).items():
        what, field_name = resources[kind]
        if not state.exists:
            raise InputError(
                f"{what} does not exist in account {account}",
                place=field_name,
                fix=f"check {field_name}: xgen sets the policy of an existing resource, "
                "it does not create one",
            )
        live[kind] = state.policy
        progress(f"read the {POLICY_NAMES[kind]} of {what}")
    return live


@dataclass(frozen=True)
class Outcome:
    """What import did (or, with `dry_run`, would do)."""

    plan: Plan
    dry_run: bool

    def report(self, spec: Path) -> list[str]:
        """A line per live statement, then what was (or would be) added where."""
        counts = ", ".join(
            f"source.{name} +{len(items)}" for name, items in self.plan.additions.items()
        )
        n = self.plan.count
        statements = f"{n} statement{'s' if n != 1 else ''}"
        if not n:
            last = f"nothing to keep: {spec} is unchanged"
        elif self.dry_run:
            last = f"would keep {statements} in {spec} ({counts}); --dry-run: nothing written"
        else:
            last = f"kept {statements} in {spec} ({counts})"
        return [*(line.text(self.dry_run) for line in self.plan.lines), last]


def import_spec(path: Path, *, profiles: list[str], dry_run: bool, progress: Progress) -> Outcome:
    """Add the live statements the spec does not keep to its keep lists (InputError: exit 2)."""
    name = str(path)
    spec = parse_spec(read_spec_file(path), name)
    by_account = parse_profiles(profiles, spec)
    if dry_run:
        return Outcome(plan(spec, read_live(spec, by_account, progress)), dry_run=True)
    target = Path(os.path.realpath(path))  # a symlink is edited where it points, and stays
    _check_writable(target, name)
    with exclusive(target, "import is editing this spec"):
        data = read_spec_file(target)  # again, now that no other import can change it
        spec = parse_spec(data, name)
        result = plan(spec, read_live(spec, by_account, progress))
        if not result.count:
            return Outcome(result, dry_run=False)
        edited = _edited(data, spec, result, name)
        if read_spec_file(target) != data:
            raise InputError(
                "the spec changed while xgen import read the accounts; it was left as it is",
                file=name,
                fix="run xgen import again",
            )
        try:
            _replace(target, edited)
        except OSError as error:
            raise InputError(
                f"cannot write the spec: {error.strerror}; it was left as it is",
                file=name,
                fix="free space or fix the permissions of its folder, then run again",
            ) from None
    return Outcome(result, dry_run=False)


def _check_writable(target: Path, name: str) -> None:
    """Refuse a read-only spec (even where the folder would let a rename replace it)."""
    mode = os.stat(target).st_mode
    if not mode & stat.S_IWUSR or not os.access(target, os.W_OK):
        raise InputError(
            "the spec is read-only; xgen import leaves it as it is",
            file=name,
            fix="make it writable (chmod u+w) and run again, or use --dry-run to see what "
            "would be kept",
        )
    if not os.access(target.parent, os.W_OK | os.X_OK):
        raise InputError(
            f"cannot write in {target.parent}, where the edited spec is written first",
            file=name,
            fix="make the spec's folder writable, or use --dry-run",
        )


def _edited(data: bytes, spec: Spec, result: Plan, name: str) -> bytes:
    """The spec with the statements added, checked to read back as exactly that."""
    try:
        text = add_statements(data.decode("utf-8"), result.additions, KEEP_LISTS.values())
    except NotEditable as error:
        raise InputError(
            f"cannot add the statements without changing the rest of the spec: {error}",
            file=name,
            fix="indent it as `xgen init` does (2 spaces, lists as `  - item`) and run again, "
            "or add the statements xgen import --dry-run lists by hand",
        ) from None
    edited = text.encode("utf-8")
    wanted = spec.model_dump(mode="json")
    for keep_list, statements in result.additions.items():
        *parents, name = ["source", *keep_list.split(".")]
        holder = functools.reduce(dict.__getitem__, parents, wanted)
        holder[name] = [*holder[name], *statements]
    new_spec = parse_spec(edited, name)
    if new_spec.model_dump(mode="json") != wanted:
        raise InputError(
            "the edited spec would not read back as the spec with the statements added; "
            "it was left as it is",
            file=name,
            fix="add the statements xgen import --dry-run lists by hand, and report this",
        )
    try:
        render(new_spec)  # refuses a policy over AWS's size limit, as render would
    except InputError as error:
        raise InputError(
            f"with the live statements kept, the spec would not render: {error.message}; "
            "it was left as it is",
            file=name,
            fix="shorten or merge the live statements first (xgen import --dry-run lists "
            f"them), then run again; {error.fix}",
        ) from None
    return edited


def _replace(target: Path, data: bytes) -> None:
    """Write `data` to a temporary file beside `target` (its mode) and rename it over it."""
    before = os.stat(target)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, stat.S_IMODE(before.st_mode))
        with contextlib.suppress(OSError):  # only root may give a file to another owner
            os.chown(temporary, before.st_uid, before.st_gid)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    folder = os.open(target.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(folder)  # the rename itself survives a crash
    finally:
        os.close(folder)
