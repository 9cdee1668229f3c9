"""How verify's answers are shown: a text table, JSON (a contract), a mermaid access graph.

JSON is built from plain dicts (never through Rich) so that it stays a stable contract:
`{"checks": [{"layer", "principal", "action", "resource", "expected", "decision", "ok",
"reasons"}]}`; keys may be added, never renamed. Whatever a policy holds prints (see
`printable`).
"""

from __future__ import annotations

from collections import defaultdict

from ..printable import dumps, text_lines
from .deployment import Deployment
from .simulate import Answer
from .verify import Check, Report

COLUMNS = ("LAYER", "TARGET", "WHO", "ACTION", "ON", "EXPECTED", "DECISION", "RESULT")


def resource_names(dep: Deployment) -> dict[str, str]:
    """Short names for the ARNs the questions use, so that the table stays readable."""
    names = {
        dep.source.object_arn: "artifact",
        dep.source.object_arn.rsplit("/", 1)[0] + "/xgen-verify-other-object": "another object",
        dep.source.kms_key_arn: "key",
        dep.source.repository_arn: "repository",
    }
    names.update({t.role_arn: f"role of {t.name}" for t in dep.targets})
    for target in dep.targets:
        for arn, version in zip(target.reads, (target.version, target.moving_from), strict=False):
            names[arn] = f"artifact {version}"
    return names


def _result(check: Check) -> str:
    if not check.ok:
        return "FAIL"
    return "ok (seed)" if check.accepted else "ok"


def _summary(report: Report) -> dict[str, int]:
    checks = report.checks
    proofs = report.proofs
    return {
        "checks": len(checks),
        "ok": sum(c.ok for c in checks),
        "failed": sum(not c.ok for c in checks),
        "accepted_by_profile_seed": sum(c.accepted is not None for c in checks),
        "layers": len(proofs),
        "proved": sum(p.proved for p in proofs),
        "layers_accepted_by_profile_seed": sum(p.ok and not p.proved for p in proofs),
        "layers_failed": sum(not p.ok and p.undecided is None for p in proofs),
        "layers_undecided": sum(p.undecided is not None for p in proofs),
    }


def _proof_lines(report: Report) -> list[str]:
    """Each layer's proof: proved, or the counterexample and how to replay it."""
    root = str(report.deployment.root)
    lines = ["proofs (every request, decided by z3):"]
    for proof in report.proofs:
        where = f"{proof.layer}{' ' + proof.target if proof.target else ''}"
        if proof.undecided is not None:
            lines.append(f"  {where}: UNDECIDED, {proof.undecided}")
            continue
        example = proof.counterexample
        if example is None:
            lines.append(f"  {where}: proved: {proof.resource} allows only: {proof.intended}")
            continue
        verdict = "ok (seed)" if proof.ok else "FAIL"
        context = ", ".join(f"{k}={'|'.join(v)}" for k, v in example.context.items())
        lines.append(
            f"  {where}: {verdict}: {proof.resource} allows {example.principal} "
            f"{example.action} on {example.resource}" + (f" with {context}" if context else "")
        )
        lines.append(f"    intended: {proof.intended}")
        lines += [f"    {statement}: Allow" for statement in example.statements]
        lines.append(f"    replay: {example.replay(root)}")
        if proof.accepted:
            lines.append(f"    {proof.accepted}")
    return lines


def text(report: Report) -> str:
    """The table of questions, each followed by the statements that decided it."""
    dep = report.deployment
    names = resource_names(dep)
    lines = [f"xgen verify {dep.root}: {dep.name}, profile {dep.profile}"]
    width = max(len(n) for n in names.values())
    used = {c.question.request.resource for c in report.checks}
    lines += [f"  {name:<{width}}  {arn}" for arn, name in names.items() if arn in used]
    rows = [
        (
            str(c.question.layer),
            c.question.target,
            ", ".join(part for part in (c.question.who, c.question.how) if part),
            c.question.request.action,
            names.get(c.question.request.resource, c.question.request.resource),
            "allow" if c.question.expect_allow else "deny",
            str(c.result.decision),
            _result(c),
        )
        for c in report.checks
    ]
    widths = [max(len(r[i]) for r in [COLUMNS, *rows]) for i in range(len(COLUMNS))]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(cell.ljust(w) for cell, w in zip(cells, widths, strict=True)).rstrip()

    lines += ["", line(COLUMNS)]
    for check, row in zip(report.checks, rows, strict=True):
        lines.append(line(row))
        lines += [f"    {reason}" for reason in check.result.reasons]
        if check.accepted:
            lines.append(f"    {check.accepted}")
        if check.undecided:
            lines.append(f"    UNDECIDED: {check.undecided}")
    lines.append("")
    if report.proofs:
        lines += [*_proof_lines(report), ""]
    lines += [f"note: {note}" for note in report.notes]
    s = _summary(report)
    lines.append(
        f"{s['checks']} checks: {s['ok']} ok ({s['accepted_by_profile_seed']} accepted by "
        f"profile seed), {s['failed']} failed"
    )
    if report.proofs:
        lines.append(
            f"{s['layers']} layers: {s['proved']} proved, {s['layers_accepted_by_profile_seed']} "
            f"accepted by profile seed, {s['layers_failed']} failed, "
            f"{s['layers_undecided']} undecided"
        )
    return text_lines(lines)


def as_json(report: Report) -> str:
    dep = report.deployment
    body = {
        "checks": [check.as_json() for check in report.checks]
        + [proof.as_json(str(dep.root)) for proof in report.proofs],
        "ok": report.ok,
        "summary": _summary(report),
        "notes": list(report.notes),
        "profile": dep.profile,
        "name": dep.name,
    }
    return dumps(body, indent=2) + "\n"


def _label(text: str) -> str:
    return text.replace('"', "#quot;")


def mermaid(report: Report) -> str:
    """Who reaches what: an edge per allowed (caller, resource), labelled with the actions.

    Solid edges are intended, dotted ones accepted by profile seed, thick ones are
    failures (access that must not exist). Denied questions draw nothing. Nodes are
    grouped by account.
    """
    dep = report.deployment
    names = resource_names(dep)
    edges: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    labels: dict[str, str] = {}
    accounts: dict[str, str | None] = {}
    for check in report.checks:
        if not check.result.allowed:
            continue
        q = check.question
        caller, resource = q.request.caller, q.request.resource
        tail = caller.arn.split(":", 4)[-1] if caller.account_id else caller.arn
        labels[caller.arn] = names.get(caller.arn, tail)
        accounts[caller.arn] = caller.account_id
        labels[resource] = names.get(resource, resource)
        accounts[resource] = q.resource_account
        style = "fail" if not check.ok else "seed" if check.accepted else "ok"
        edges[(caller.arn, resource, style)].append(
            " ".join(filter(None, (q.request.action, q.how)))
        )

    for proof in report.proofs:
        example = proof.counterexample
        if example is None:
            continue
        resource = example.resource
        labels[example.principal] = example.principal
        accounts.setdefault(example.principal, None)
        labels[resource] = names.get(resource, resource)
        accounts.setdefault(resource, None)
        style = "seed" if proof.ok else "fail"
        edges[(example.principal, resource, style)].append(f"{example.action} (proof)")

    ids = {key: f"n{index}" for index, key in enumerate(labels)}
    lines = ["flowchart LR"]
    by_account: dict[str | None, list[str]] = defaultdict(list)
    for key, account in accounts.items():
        by_account[account].append(key)
    titles = {dep.source.account_id: "source"} | {
        t.account_id: f"target {t.name}" for t in dep.targets
    }
    for index, (account, keys) in enumerate(by_account.items()):
        indent = "  "
        if account is not None:
            lines.append(f'  subgraph a{index}["{titles.get(account, "account")} {account}"]')
            indent = "    "
        lines += [f'{indent}{ids[key]}["{_label(labels[key])}"]' for key in keys]
        if account is not None:
            lines.append("  end")
    arrows = {"ok": "-->", "seed": "-.->", "fail": "==>"}
    suffix = {"ok": "", "seed": " (accepted by profile seed)", "fail": " NOT OK"}
    for (caller, resource, style), actions in edges.items():
        label = _label(", ".join(dict.fromkeys(actions)) + suffix[style])
        lines.append(f'  {ids[caller]} {arrows[style]}|"{label}"| {ids[resource]}')
    return text_lines(lines)


def answer_text(answer: Answer) -> str:
    """`xgen simulate`'s answer: the decision, the question, the deciding statements."""
    req = answer.request
    lines = [f"{answer.result.decision}: {req.caller.arn} {req.action} {req.resource}"]
    lines += [f"  context {key} = {', '.join(values)}" for key, values in req.context.items()]
    lines += [f"    {reason}" for reason in answer.result.reasons]
    return text_lines(lines)


def answer_json(answer: Answer) -> str:
    return dumps(answer.as_json(), indent=2) + "\n"
