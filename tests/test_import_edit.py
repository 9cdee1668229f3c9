"""`xgen import` offline: any statement AWS could return reads back as itself, the user's
text stays line for line, and what is kept and why (the AWS side: tests/aws/test_import.py)."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from generator.audit.foreign import KEEP_LISTS
from generator.cli import app
from generator.importspec.edit import NotEditable, add_statements
from generator.importspec.run import plan
from generator.model import Spec
from generator.policy.kinds import Kind
from generator.spec import parse_spec
from tests.conftest import BASE_SPEC

LISTS = list(KEEP_LISTS.values())
# Text that YAML 1.1 (PyYAML, which reads the spec) or 1.2 would read as another type, or
# that means something to YAML's syntax.
TRICKY = [
    *("on", "off", "yes", "no", "y", "n", "true", "False", "null", "Null", "~", ""),
    *("1:30", "0x1F", "012", "1e3", "1_000", ".inf", "-.nan", "2024-01-01", "12:30:00"),
    *("- a", "a: b", "#x", "x #y", " lead", "trail ", "'", '"', "!tag", "*alias", "&a"),
    *("%x", "@x", "`x", "=", "<<", "? x", "|", ">", "{a}", "[a]", "a,b", "\\", "\t", "é", "😀"),
]
TEXT = st.one_of(
    st.sampled_from(TRICKY),
    st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), max_size=12),
)
VALUES = st.recursive(
    st.one_of(TEXT, st.integers(-(10**6), 10**6), st.booleans()),
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=3), st.dictionaries(TEXT, inner, max_size=3)
    ),
    max_leaves=8,
)
STATEMENTS = st.builds(
    lambda effect, rest: {"Effect": effect, **rest},
    st.sampled_from(["Allow", "Deny"]),
    st.dictionaries(
        st.sampled_from(["Action", "Resource", "Principal", "Condition", "NotAction"]),
        VALUES,
        max_size=4,
    ),
)


def _init_spec(tmp_path: Path) -> str:
    path = tmp_path / "spec.yaml"
    assert CliRunner().invoke(app, ["init", str(path)]).exit_code == 0
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def starter(tmp_path_factory: pytest.TempPathFactory) -> str:
    """What `xgen init` writes: comments, aligned end-of-line comments, `[]` lists."""
    return _init_spec(tmp_path_factory.mktemp("init"))


def _kept(text: str) -> dict[str, list[Any]]:
    source = parse_spec(text.encode("utf-8"), "spec.yaml").source
    return {name: getattr(source, name) for name in LISTS}


@settings(max_examples=100)
@given(
    bucket=st.lists(STATEMENTS, max_size=2),
    key=st.lists(STATEMENTS, max_size=2),
    repository=st.lists(STATEMENTS, max_size=2),
)
def test_any_statements_read_back_as_themselves_and_no_line_changes(
    starter: str,
    bucket: list[dict[str, Any]],
    key: list[dict[str, Any]],
    repository: list[dict[str, Any]],
) -> None:
    additions = dict(zip(LISTS, (bucket, key, repository), strict=True))
    edited = add_statements(starter, additions, LISTS)
    assert _kept(edited) == additions
    # every line of the starter is still there, in order; only `[]` of a filled list went
    removed = [
        line
        for line in difflib.ndiff(starter.splitlines(), edited.splitlines())
        if line.startswith("- ")
    ]
    filled = {f"  {name}: []" for name, items in additions.items() if items}
    assert {line[2:] for line in removed} <= filled, removed


def test_a_second_edit_appends_after_the_first(starter: str) -> None:
    first = {"Sid": "LogDelivery", "Effect": "Allow", "Action": "s3:PutObject"}
    second = {"Sid": "Replication", "Effect": "Allow", "Action": "s3:GetObjectVersion"}
    once = add_statements(starter, {LISTS[0]: [first]}, LISTS)
    twice = add_statements(once, {LISTS[0]: [second]}, LISTS)
    assert _kept(twice)[LISTS[0]] == [first, second]
    assert add_statements(twice, {}, LISTS) == twice


def test_a_new_list_goes_before_the_comment_that_describes_the_next_key() -> None:
    text = yaml.safe_dump(BASE_SPEC, sort_keys=False).replace(
        "targets:", "\n# the serving accounts\ntargets:"
    )
    edited = add_statements(text, {LISTS[1]: [{"Effect": "Allow", "Action": "kms:Encrypt"}]}, LISTS)
    assert "\n\n# the serving accounts\ntargets:" in edited
    assert edited.index("key_policy_statements:") < edited.index("# the serving accounts")


def test_mixed_indentation_is_refused_not_rewritten(starter: str) -> None:
    mixed = starter.replace("  - name: prod", "- name: prod").replace(
        '    account_id: "222222222222"', '  account_id: "222222222222"'
    )
    mixed = mixed.replace("    role_name:", "  role_name:").replace("    instance_", "  instance_")
    mixed += "tags:\n    team: ml\n"  # 4 spaces here, 2 under source
    with pytest.raises(NotEditable, match="indentation"):
        add_statements(mixed, {LISTS[0]: [{"Effect": "Allow"}]}, LISTS)


def test_plan_keeps_a_repeated_statement_once_and_leaves_a_kept_one_changed_live() -> None:
    kept = {"Sid": "Replication", "Effect": "Allow", "Action": "s3:GetObjectVersion"}
    spec = Spec.model_validate(
        {**BASE_SPEC, "source": {**BASE_SPEC["source"], "bucket_policy_statements": [kept]}}
    )
    logs = {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/logs/*"}
    changed = {**kept, "Action": "s3:*"}
    result = plan(spec, {Kind.BUCKET: {"Statement": [logs, changed, dict(logs)]}, Kind.KEY: None})
    assert result.additions == {"bucket_policy_statements": [logs]}
    assert [line.text() for line in result.lines] == [
        "bucket policy Statement[0]: kept: not rendered by the spec, so the apply would "
        "delete it (Allow s3:PutObject for its principals)",
        'bucket policy "Replication": left: changed live from the statement '
        "source.bucket_policy_statements keeps under this Sid: the apply writes the spec's; "
        "edit the spec to keep the live one",
        "bucket policy Statement[2]: left: the same as a statement kept above",
    ]


def test_an_empty_flow_list_becomes_a_block_and_keeps_its_comment() -> None:
    text = yaml.safe_dump(BASE_SPEC, sort_keys=False).replace(
        "targets:", "  bucket_policy_statements: []   # none yet\ntargets:"
    )
    statement = {"Effect": "Allow", "Action": "s3:PutObject"}
    edited = add_statements(text, {LISTS[0]: [statement]}, LISTS)
    assert "  bucket_policy_statements:      # none yet\n  - Effect: Allow\n" in edited
    assert _kept(edited)[LISTS[0]] == [statement]


def test_a_keep_list_inside_a_mapping_of_source_goes_at_that_mapping_end() -> None:
    """The path form `xgen import` uses for a list nested under source (as a model package
    group's `policy_statements` would be)."""
    text = yaml.safe_dump(
        {**BASE_SPEC, "source": {**BASE_SPEC["source"], "group": {"name": "churn"}}},
        sort_keys=False,
    )
    statement = {"Effect": "Allow", "Action": "sagemaker:DescribeModelPackage"}
    edited = add_statements(text, {"group.policy_statements": [statement]}, LISTS)
    assert yaml.safe_load(edited)["source"]["group"] == {
        "name": "churn",
        "policy_statements": [statement],
    }


def test_a_hostile_live_sid_prints_as_one_inert_line() -> None:
    spec = Spec.model_validate(BASE_SPEC)
    hostile = {"Sid": "Logs\x1b[2J\nfake: kept\u202e", "Effect": "Allow", "Action": "s3:PutObject"}
    [line] = plan(spec, {Kind.BUCKET: {"Statement": [hostile]}}).lines
    text = line.text()
    assert text.isprintable() and "\\x1b[2J\\nfake: kept\\u202e" in text
