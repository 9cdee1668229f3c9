"""The `xgen` command line: parses arguments and dispatches; the work happens elsewhere.

Exit codes everywhere: 0 clean, 1 findings or drift, 2 bad input (one line on stderr).
"""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from . import __version__
from .errors import InputError
from .printable import escaped, path_arg

app = typer.Typer(
    name="xgen",
    help="Render, lint and verify cross-account SageMaker deployments from one YAML spec.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _say(text: str, *, err: bool = False) -> None:
    """Print one message line: names and values in it escaped, so it stays one inert line."""
    typer.echo(escaped(text), err=err)


def fail(error: InputError) -> NoReturn:
    """Report bad input as one line on stderr and exit 2."""
    _say(f"xgen: error: {error}", err=True)
    raise typer.Exit(2)


def _check_format(name: str, formats: dict) -> None:
    """Refuse an unknown --format value with the list of known ones."""
    if name not in formats:
        fail(
            InputError(
                f"unknown format {name!r}", place="--format", fix="use " + ", ".join(formats)
            )
        )


def _version(value: bool) -> None:
    if value:
        _say(f"xgen {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Render, lint and verify cross-account SageMaker deployments from one YAML spec."""


@app.command()
def init(
    path: Annotated[Path, typer.Argument(help="Where to write the starter spec.")] = Path(
        "xgen.yaml"
    ),
) -> None:
    """Write a commented starter spec (never overwrites a file)."""
    from .resources import data_dir

    starter = (data_dir("templates") / "starter-spec.yaml").read_bytes()
    try:
        with path.open("xb") as handle:
            handle.write(starter)
    except FileExistsError:
        fail(
            InputError(
                "file exists", file=str(path), fix="choose another path; xgen init never overwrites"
            )
        )
    except OSError as error:
        fail(InputError(f"cannot write: {error.strerror}", file=str(path), fix="check the folder"))
    _say(f"wrote {path}; edit it, then run `xgen render {path}`", err=True)


@app.command()
def schema() -> None:
    """Print the JSON Schema of the spec (for editors: yaml-language-server)."""
    from .model import Spec

    typer.echo(json.dumps(Spec.model_json_schema(), indent=2))


@app.command()
def render(
    specs: Annotated[list[Path], typer.Argument(help="Spec files (several with --check).")],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Output folder (default: 'rendered' beside the spec)."),
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help="Render in memory; exit 1 if the folder differs.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Write even beside files xgen did not write.")
    ] = False,
) -> None:
    """Render the Terraform root modules and policy JSON of a spec."""
    from .advice import notes
    from .foreign import foreign_line
    from .output import check as check_drift
    from .output import refusal, write
    from .render import render as render_spec
    from .spec import load_spec

    if output is not None and len(specs) > 1:
        fail(InputError("--output takes one spec", fix="render the specs one at a time"))
    outputs = [output if output is not None else path.parent / "rendered" for path in specs]
    _refuse_shared_output(specs, outputs)
    drifted = False
    for spec_path, out in zip(specs, outputs, strict=True):
        try:
            spec = load_spec(spec_path)
            rendered = render_spec(spec)
            if check:
                drift = check_drift(rendered, out)
                for line in drift.lines():
                    _say(f"{out / line}")
                if drift.clean:
                    _say(f"xgen: {out} is up to date with {spec_path}", err=True)
                    continue
                drifted = True
                if drift.foreign:
                    _say(
                        f"xgen: {out} holds Terraform files xgen did not write, which "
                        "Terraform applies with the render: move them out of the folder",
                        err=True,
                    )
                    if drift.lines() == [foreign_line(p) for p in drift.foreign]:
                        continue
                command = shlex.join(
                    ["xgen", "render", path_arg(str(spec_path)), "-o", path_arg(str(out))]
                )
                refused = refusal(rendered, out)
                if refused is None:
                    _say(f"xgen: {out} is out of date with {spec_path}; run `{command}`", err=True)
                else:
                    _say(
                        f"xgen: {out} is out of date with {spec_path}; run `{command} --force` "
                        f"(without --force it is refused: {refused}; --force discards that)",
                        err=True,
                    )
                continue
            written = write(rendered, out, force=force)
        except InputError as error:
            if error.file is None:
                error.file = str(spec_path)
            fail(error)
        _say(f"wrote {len(rendered.files)} files to {out}", err=True)
        for note in notes(spec):
            _say(f"xgen: warning: {note}", err=True)
        for path in written.kept:
            _say(f"kept {out / path} (not written by xgen)", err=True)
        for path in written.replaced:
            _say(f"replaced {out / path} (not xgen's, or edited since; --force)", err=True)
        if written.steps:
            _say("apply, in this order (`terraform init && terraform apply` in each):", err=True)
            for number, step in enumerate(written.steps, 1):
                _say(f"  {number}. {out / step.folder}: {step.why}", err=True)
    if drifted:
        raise typer.Exit(1)


def _refuse_shared_output(specs: list[Path], outputs: list[Path]) -> None:
    """Two specs rendering into one folder would overwrite each other: refuse before writing."""
    seen: dict[Path, Path] = {}
    for spec_path, out in zip(specs, outputs, strict=True):
        first = seen.setdefault(out.resolve(), spec_path)
        if first != spec_path:
            fail(
                InputError(
                    f"{first} and {spec_path} both render into {out}",
                    file=str(spec_path),
                    fix="keep one spec per folder (each renders into 'rendered' beside it), "
                    "or render them one at a time with different -o folders",
                )
            )


@app.command()
def reencrypt(
    s3_uri: Annotated[str, typer.Argument(metavar="S3_URI", help="s3://BUCKET/KEY of the object.")],
    kms_key: Annotated[
        str, typer.Option("--kms-key", help="ARN of the customer managed key to encrypt under.")
    ],
    profile: Annotated[
        str | None,
        typer.Option("--profile", help="AWS profile (default: AWS_PROFILE, then the chain)."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report what would happen; write nothing.")
    ] = False,
) -> None:
    """Copy an S3 object onto itself under SSE-KMS with the key, keeping metadata and tags."""
    from .aws import reencrypt as job
    from .aws.names import parse_key_arn, parse_s3_uri

    try:
        obj, key = parse_s3_uri(s3_uri), parse_key_arn(kms_key)
        plan = job.inspect(job.s3_client(profile, key), obj, key, profile=profile)
        if plan.done:
            _say(f"{obj.uri} is already SSE-KMS under {key.arn}; nothing to do", err=True)
            return
        if dry_run:
            for line in plan.summary():
                _say(line, err=True)
            return
        # A bar only on a terminal (stderr): logs and CI get the result line alone.
        if sys.stderr.isatty():
            with typer.progressbar(length=plan.size, label="copying", file=sys.stderr) as bar:
                result = job.apply(plan, progress=bar.update)
        else:
            result = job.apply(plan)
    except InputError as error:
        fail(error)
    for line in result.lines():
        _say(line, err=True)


# The options audit and import share (both read accounts with the same credentials).
SpecArgument = Annotated[Path, typer.Argument(metavar="SPEC", help="The deployment's spec.")]
ProfileOption = Annotated[
    list[str] | None,
    typer.Option(
        "--profile",
        metavar="ACCOUNT_ID=PROFILE",
        help="AWS profile for an account (repeat; default: the ambient credentials "
        "where their account matches).",
    ),
]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="No progress on stderr.")]


@app.command()
def audit(
    spec_path: SpecArgument,
    *,
    profiles: ProfileOption = None,
    render: Annotated[
        Path | None,
        typer.Option("--render", help="Compare with this rendered folder (default: the spec)."),
    ] = None,
    output_format: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
    fail_on: Annotated[
        str | None,
        typer.Option(
            "--fail-on", help="Exit 1 on findings at this severity or above (default warning)."
        ),
    ] = None,
    quiet: QuietOption = False,
) -> None:
    """Compare the live accounts with the render: drift, lint findings and verify checks.

    Read-only. Exit 0 when live matches and verifies, 1 on drift, findings or failed
    checks, 2 for bad input and credential problems.
    """
    from .audit import report
    from .audit.run import audit as run_audit
    from .audit.run import parse_profiles
    from .lint.command import threshold
    from .lint.config import load_config
    from .spec import load_spec

    formats = {"text": report.text, "json": report.as_json}
    _check_format(output_format, formats)

    def progress(line: str) -> None:
        if not quiet:
            _say(f"xgen audit: {line}", err=True)

    try:
        spec = load_spec(spec_path)
        config = load_config(Path.cwd())
        level = threshold(fail_on, config)
        result = run_audit(
            spec,
            spec_path,
            profiles=parse_profiles(profiles or [], spec),
            render=render,
            config=config,
            progress=progress,
        )
    except InputError as error:
        fail(error)
    typer.echo(formats[output_format](result), nl=False)
    raise typer.Exit(result.exit_code(level))


@app.command("import")
def import_(
    spec_path: SpecArgument,
    *,
    profiles: ProfileOption = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print what would be kept; write nothing.")
    ] = False,
    quiet: QuietOption = False,
) -> None:
    """Keep the source's live bucket, key and repository policy statements in the spec.

    Adds each live statement the render would delete to source.*_statements, comments and
    formatting kept. Read-only in AWS. Exit 0 (also when nothing was added), 2 for bad
    input and AWS problems (the spec is then untouched).
    """
    from .importspec.run import import_spec

    def progress(line: str) -> None:
        if not quiet:
            typer.echo(f"xgen import: {line}", err=True)

    try:
        outcome = import_spec(
            spec_path, profiles=profiles or [], dry_run=dry_run, progress=progress
        )
    except InputError as error:
        fail(error)
    for line in outcome.report(spec_path):
        typer.echo(line)


@app.command()
def lint(
    paths: Annotated[
        list[Path], typer.Argument(help="Policy JSON, .tf, plan JSON files or folders.")
    ],
    *,
    output_format: Annotated[
        str, typer.Option("--format", "-f", help="text, json or sarif.")
    ] = "text",
    fail_on: Annotated[
        str | None,
        typer.Option("--fail-on", help="Exit 1 at this severity or above (default warning)."),
    ] = None,
    kind: Annotated[
        str | None,
        typer.Option("--kind", help="bucket, key, ecr-repository, trust or identity."),
    ] = None,
    spec: Annotated[
        Path | None, typer.Option("--spec", help="Check against what this spec deploys.")
    ] = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Lint every file afresh (no result cache).")
    ] = False,
) -> None:
    """Lint IAM, KMS key, S3 bucket and ECR policies (exit 1 on findings)."""
    from .lint.command import run_lint

    try:
        code = run_lint(paths, output_format, fail_on, kind, spec, use_cache=not no_cache)
    except InputError as error:
        fail(error)
    raise typer.Exit(code)


@app.command()
def rules(
    output_format: Annotated[
        str, typer.Option("--format", "-f", help="text, json or markdown (docs/rules.md).")
    ] = "text",
) -> None:
    """List the lint rules."""
    from .lint.command import list_rules

    try:
        typer.echo(list_rules(output_format))
    except InputError as error:
        fail(error)


@app.command()
def explain(rule: Annotated[str, typer.Argument(help="Rule id (XG020) or name.")]) -> None:
    """Print what a lint rule checks, why, and how to fix it."""
    from .lint.command import explain_rule

    try:
        typer.echo(explain_rule(rule))
    except InputError as error:
        fail(error)


@app.command()
def verify(
    folder: Annotated[Path, typer.Argument(help="A folder written by `xgen render`.")],
    output_format: Annotated[
        str, typer.Option("--format", "-f", help="text, json or mermaid.")
    ] = "text",
    plan: Annotated[
        list[Path] | None,
        typer.Option(
            "--plan",
            metavar="PLAN.json",
            help="`terraform show -json` of a root module's plan (repeat for each): prove "
            "what the plans will apply instead of the folder's policy files.",
        ),
    ] = None,
) -> None:
    """Prove offline that the rendered policies grant the intended access and nothing else.

    Exit 0 when every check is ok, 1 when any is not, 2 for unreadable input.
    """
    from .access import report
    from .access.verify import verify as run_verify

    formats = {"text": report.text, "json": report.as_json, "mermaid": report.mermaid}
    _check_format(output_format, formats)
    try:
        result = run_verify(folder, plan or ())
    except InputError as error:
        fail(error)
    typer.echo(formats[output_format](result), nl=False)
    if output_format == "mermaid":
        for note in result.notes:
            _say(f"note: {note}", err=True)
    raise typer.Exit(0 if result.ok else 1)


@app.command()
def simulate(
    folder: Annotated[Path, typer.Argument(help="A folder written by `xgen render`.")],
    *,
    principal: Annotated[
        str,
        typer.Option(
            "--principal", help="Role, user, root or assumed-role ARN, account id, service, or *."
        ),
    ],
    action: Annotated[str, typer.Option("--action", help="e.g. s3:GetObject")],
    resource: Annotated[
        str, typer.Option("--resource", help="ARN of the object, key, repository or role.")
    ],
    context: Annotated[
        list[str] | None,
        typer.Option(
            "--context", help="KEY=VALUE request context (repeat a key for several values)."
        ),
    ] = None,
    admin: Annotated[
        bool, typer.Option("--admin", help="Give the caller an identity policy allowing * on *.")
    ] = False,
    output_format: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
) -> None:
    """Answer one access question offline, with the statements that decide it.

    Exit 0 when the request is allowed, 1 when it is denied, 2 for bad input.
    """
    from .access import report
    from .access.deployment import load
    from .access.simulate import simulate as run_simulate

    formats = {"text": report.answer_text, "json": report.answer_json}
    _check_format(output_format, formats)
    try:
        deployment = load(folder)
        answer = run_simulate(deployment, principal, action, resource, context or (), admin=admin)
    except InputError as error:
        fail(error)
    for note in deployment.notes:
        _say(f"note: {note}", err=True)
    typer.echo(formats[output_format](answer), nl=False)
    raise typer.Exit(0 if answer.result.allowed else 1)


@app.command()
def diff(
    paths: Annotated[
        list[Path],
        typer.Argument(
            metavar="OLD NEW",
            help="Two rendered folders, or two policy files; with --against, the rendered "
            "folders (or their xgen-manifest.json) to compare with REF.",
        ),
    ],
    against: Annotated[
        str | None,
        typer.Option("--against", metavar="REF", help="Compare with the folders at this git ref."),
    ] = None,
    output_format: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
) -> None:
    """List the access NEW grants that OLD did not, for every request (offline).

    Exit 0 when there is none, 1 when there is (or something could not be decided), 2 for
    bad input.
    """
    import tempfile

    from .access import diff as job

    formats = {"text": job.text, "json": lambda found, _: job.as_json(found)}
    _check_format(output_format, formats)
    with tempfile.TemporaryDirectory(prefix="xgen-diff-") as scratch:
        try:
            pairs = _diff_pairs(paths, against, Path(scratch))
            for old, new in pairs:
                if old is None:  # only with --against
                    _say(
                        f"note: {new} is new since {against}: nothing to compare with "
                        "(`xgen verify` proves what it grants)",
                        err=True,
                    )
            compared = [(old, new) for old, new in pairs if old is not None]
            found = [access for old, new in compared for access in _diff_pair(job, old, new)]
        except InputError as error:
            fail(error)
        typer.echo(formats[output_format](found, str(pairs[-1][1])), nl=False)
    raise typer.Exit(1 if found else 0)


def _diff_pairs(
    paths: list[Path], against: str | None, scratch: Path
) -> list[tuple[Path | None, Path]]:
    """(old, new) folders or files; with --against, old is unpacked from git (None if new)."""
    from .access.gitref import checkout

    if against is None:
        if len(paths) != 2:
            raise InputError(
                "diff takes OLD and NEW", fix="xgen diff OLD NEW, or xgen diff --against REF NEW"
            )
        old, new = paths
        if old.is_dir() != new.is_dir():
            raise InputError(
                f"{old} and {new} are not both folders or both files",
                fix="compare two rendered folders, or two policy files",
            )
        return [(old, new)]
    folders = dict.fromkeys(_render_folder(p) for p in paths)
    return [
        (checkout(folder, against, scratch / str(index)), folder)
        for index, folder in enumerate(folders)
    ]


def _render_folder(path: Path) -> Path:
    """The rendered folder holding `path` (a folder, its manifest, or one of its files)."""
    if path.is_dir():
        return path
    for folder in list(path.parents)[:3]:  # rendered/target-x/policies/file.json at most
        if (folder / "xgen-manifest.json").is_file():
            return folder
    raise InputError(
        "not inside a rendered folder (no xgen-manifest.json above it)",
        file=str(path),
        fix="pass the folder `xgen render` wrote",
    )


def _diff_pair(job, old: Path, new: Path) -> list:
    """New access from `old` to `new`: two rendered folders or two policy files."""
    from .access.deployment import load

    if new.is_dir():
        return job.diff_renders(load(old), load(new))
    return job.diff_files(job.load_file(old), job.load_file(new))


def run() -> None:
    """Run the Typer app (generator/entry.py sends `xgen lint` elsewhere)."""
    app()
