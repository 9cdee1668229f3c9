"""The least-privilege rules: XG009, XG013, XG027, XG028, XG033, XG043, XG060.

Each fires on a minimal bad policy, with its id, at the statement's line; stays silent on
the good variant (no finding of any rule), on values known only at apply time, and on
xgen's own renders in both profiles, with their manifest, copied out of it, and with
`--spec`. test_lint_rules.py leaves these rules to this file (`COVERED`).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from lintkit import EXAMPLES, lint_policy, rule_ids

from generator.lint.config import Config
from generator.lint.context import LintDocument, Origin
from generator.lint.deployment import Deployment
from generator.lint.engine import Result, lint
from generator.lint.findings import Severity
from generator.lint.registry import load_rules
from generator.lint.sources.jsonfile import parse_json
from generator.policy.document import parse_policy
from generator.policy.kinds import Kind
from generator.policy.limits import compact_size
from generator.spec import load_spec

COVERED = frozenset({"XG009", "XG013", "XG027", "XG028", "XG033", "XG043", "XG060"})

V = "2012-10-17"
SOURCE = "111111111111"
OWNER = f"arn:aws:iam::{SOURCE}:root"
TARGET = "arn:aws:iam::222222222222:root"
TARGET_ROLE = "arn:aws:iam::222222222222:role/ChurnModelExecution"
KEY = "arn:aws:kms:eu-west-1:111111111111:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"
OBJECT = "arn:aws:s3:::bucket/sagemaker/output/model.tar.gz"
VIA_S3 = {"StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}}
ADMIN = {"Effect": "Allow", "Principal": {"AWS": OWNER}, "Action": "kms:*", "Resource": "*"}
MULTI_SOURCE = "source-111111111111/policies"


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": V, "Statement": list(statements)}


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def service(name: str, action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return allow(action, resource, Principal={"Service": name}, **extra)


def lines(result: Result, rule: str) -> set[int]:
    return {f.line for f in result.findings if f.rule == rule}


def statements(result: Result, rule: str) -> list[int]:
    """The statement each `rule` finding points into (at the statement or at a value in
    it), by the lines each statement spans in the file json.dumps(indent=2) wrote.
    """
    found = []
    for finding in (f for f in result.findings if f.rule == rule):
        text = Path(finding.file).read_text().splitlines()
        starts = [n for n, line in enumerate(text, 1) if line == "    {"]
        ends = [n for n, line in enumerate(text, 1) if line in ("    }", "    },")]
        spans = [range(a, b + 1) for a, b in zip(starts, ends, strict=True)]
        found += [i for i, span in enumerate(spans) if finding.line in span]
    return found


@pytest.fixture(scope="module")
def spec() -> Deployment:
    """The multi-account example: source 111111111111, targets 222, 333 and 444."""
    return Deployment.from_spec(load_spec(EXAMPLES / "multi-account" / "spec.yaml"))


def lint_with(folder: Path, policy: Any, deployment: Deployment, kind: str) -> Result:
    path = folder / "policy.json"
    path.write_text(json.dumps(policy, indent=2), encoding="utf-8")
    return lint([path], config=Config(root=folder), kind=Kind(kind), deployment=deployment)


# rule id -> (bad policies, good policies, kind); every bad one fires once, in its first
# statement; every good one has no finding at all.
CASES: dict[str, tuple[list[Any], list[Any], str]] = {
    "XG013": (
        [
            doc(allow("s3:GetObject")),
            doc(allow("s3:Get*", "arn:aws:s3:::*")),
            doc(allow("s3:*", "arn:aws:s3:::bucket/*")),
            doc(allow("s3:GetObject", ["arn:aws:s3:::a/model.tar.gz", "arn:aws:s3:::*/*"])),
        ],
        [
            doc(allow("s3:GetObject", OBJECT)),
            # a family of buckets by name (AWS's own `*sagemaker*` convention): not judged
            doc(allow(["s3:ListBucket", "s3:GetObject"], "arn:aws:s3:::ml-output-*")),
            doc(allow("s3:GetObject", "arn:aws:s3:::sagemaker*/*")),
            doc(allow("s3:GetObject", "arn:aws:s3:::bucket/sagemaker/*")),  # a prefix
            doc(allow("s3:PutObject", "arn:aws:s3:::bucket/*")),  # not a read
            doc(allow("s3:ListBucket", "arn:aws:s3:::bucket")),
            doc(allow("s3:GetObject", "${aws_s3_bucket.models.arn}/*")),
            doc(allow("s3:GetObject", "arn:aws:s3:::${var.bucket}/*")),
            doc(
                allow(
                    "s3:GetObject",
                    Condition={"StringEquals": {"s3:ExistingObjectTag/serve": "true"}},
                )
            ),
        ],
        "identity",
    ),
    "XG027": (
        [
            doc(allow("kms:*")),
            doc(allow(["kms:Decrypt", "kms:GenerateDataKey*"], KEY)),
            doc(allow("kms:PutKeyPolicy", "arn:aws:kms:*:*:key/*")),
            doc(allow(["kms:Encrypt", "kms:ReEncrypt*", "kms:CreateGrant"], KEY)),
            doc(allow("kms:ScheduleKeyDeletion", "arn:aws:kms:eu-west-1:111111111111:*")),
        ],
        [
            doc(allow("kms:Decrypt", KEY, Condition=VIA_S3)),
            doc(allow(["kms:Decrypt", "kms:DescribeKey"], KEY)),
            doc(allow(["kms:Decrypt", "kms:GenerateDataKey"], KEY, Condition=VIA_S3)),
            doc(
                allow(
                    ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
                    KEY,
                    Condition={"Bool": {"kms:GrantIsForAWSResource": "true"}},
                )
            ),
            doc(allow(["kms:ListAliases", "kms:ListKeys", "kms:GenerateRandom"])),
            doc(allow("kms:*", "${aws_kms_key.model.arn}")),
            doc(allow("kms:CreateAlias", "arn:aws:kms:eu-west-1:111111111111:alias/model")),
        ],
        "identity",
    ),
    "XG033": (
        [
            doc(
                service("delivery.logs.amazonaws.com", "s3:PutObject", "arn:aws:s3:::bucket/logs/*")
            ),
            doc(
                service(
                    "logging.s3.amazonaws.com",
                    "s3:PutObject",
                    "arn:aws:s3:::bucket/logs/*",
                    Condition={"StringNotEquals": {"aws:SourceAccount": SOURCE}},
                )
            ),
            doc(
                service(
                    "cloudtrail.amazonaws.com",
                    "s3:PutObject",
                    "arn:aws:s3:::bucket/*",
                    Condition={"StringEqualsIfExists": {"aws:SourceAccount": SOURCE}},
                )
            ),
        ],
        [
            doc(
                service(
                    "delivery.logs.amazonaws.com",
                    "s3:PutObject",
                    "arn:aws:s3:::bucket/logs/*",
                    Condition={"StringEquals": {"aws:SourceAccount": SOURCE}},
                )
            ),
            doc(
                service(
                    "cloudtrail.amazonaws.com",
                    "s3:PutObject",
                    "arn:aws:s3:::bucket/*",
                    Condition={
                        "ArnLike": {"AWS:SourceArn": "arn:aws:cloudtrail:*:111111111111:trail/*"}
                    },
                )
            ),
            doc(service("cloudtrail.amazonaws.com", "s3:GetBucketAcl", "arn:aws:s3:::bucket")),
            doc(
                service(
                    "logging.s3.amazonaws.com",
                    "s3:PutObject",
                    "arn:aws:s3:::bucket/logs/*",
                    Condition={
                        "StringEquals": {
                            "aws:SourceAccount": "${data.aws_caller_identity.current.account_id}"
                        }
                    },
                )
            ),
            doc(
                {
                    "Effect": "Deny",
                    "Principal": {"Service": "delivery.logs.amazonaws.com"},
                    "Action": "s3:*",
                    "Resource": "arn:aws:s3:::bucket/*",
                }
            ),
        ],
        "bucket",
    ),
    "XG060": (
        [
            doc(
                allow(
                    "s3:GetObject",
                    OBJECT,
                    Condition={
                        "StringEquals": {
                            "aws:PrincipalArn": TARGET_ROLE,
                            "aws:principalarn": "arn:aws:iam::222222222222:role/Other",
                        }
                    },
                )
            ),
        ],
        [
            doc(
                allow(
                    "s3:GetObject",
                    OBJECT,
                    Condition={
                        "StringEquals": {"aws:PrincipalArn": TARGET_ROLE},
                        "StringLike": {"aws:PrincipalArn": "arn:aws:iam::222222222222:role/*"},
                    },
                )
            ),
        ],
        "identity",
    ),
}


def test_document_rules_have_cases_here_or_their_own_test() -> None:
    """Document rules needing a deployment or a loader hook are tested below."""
    assert set(CASES) | {"XG009", "XG028", "XG043"} == COVERED
    assert set(load_rules()) >= COVERED


BAD = [(rule, i) for rule, (bad, _, _) in CASES.items() for i in range(len(bad))]
GOOD = [(rule, i) for rule, (_, good, _) in CASES.items() for i in range(len(good))]


@pytest.mark.parametrize(("rule_id", "index"), BAD)
def test_bad_policy_fires_at_the_statement(tmp_path: Path, rule_id: str, index: int) -> None:
    bad, _, kind = CASES[rule_id]
    result = lint_policy(tmp_path, bad[index], kind)
    assert statements(result, rule_id) == [0]
    assert result.errors == []


@pytest.mark.parametrize(("rule_id", "index"), GOOD)
def test_good_policy_is_clean(tmp_path: Path, rule_id: str, index: int) -> None:
    _, good, kind = CASES[rule_id]
    result = lint_policy(tmp_path, good[index], kind)
    assert [(f.rule, f.message) for f in result.findings] == []
    assert result.errors == []


def test_second_statement_is_located(tmp_path: Path) -> None:
    policy = doc(allow("s3:GetObject", OBJECT), allow("kms:*"))
    result = lint_policy(tmp_path, policy, "identity")
    assert statements(result, "XG027") == [1]
    (finding,) = result.findings
    assert finding.message == (
        "Statement[1] allows kms:* on every key: writing with or administering keys, "
        "beyond reading what they protect"
    )
    assert finding.severity is Severity.WARNING


def test_messages_name_what_is_reached(tmp_path: Path) -> None:
    result = lint_policy(tmp_path, doc(allow("s3:GetObject", "arn:aws:s3:::bucket/*")))
    assert [f.message for f in result.findings] == [
        "Statement[0] lets the role read every object of bucket 'bucket' "
        "('arn:aws:s3:::bucket/*'), whatever is written there now or later"
    ]
    result = lint_policy(tmp_path, doc(allow(["kms:Decrypt", "kms:GenerateDataKey*"], KEY)))
    assert "kms:GenerateDataKey, kms:GenerateDataKeyPair" in result.findings[0].message
    assert f"on key {KEY!r}" in result.findings[0].message
    pattern = "arn:aws:kms:eu-west-1:111111111111:key/*"
    result = lint_policy(tmp_path, doc(allow("kms:ScheduleKeyDeletion", pattern)))
    assert [f.message for f in result.findings] == [
        f"Statement[0] allows kms:ScheduleKeyDeletion on every key matching {pattern!r}: "
        "writing with or administering keys, beyond reading what they protect"
    ]


def test_identity_rules_leave_a_deployment_to_the_artifact_rules(
    tmp_path: Path, spec: Deployment
) -> None:
    """With a spec, XG010/XG011 judge object reads and XG022/XG023 another account's key."""
    wide = doc(allow("s3:GetObject", "arn:aws:s3:::another-bucket/*"))
    assert "XG013" not in rule_ids(lint_with(tmp_path, wide, spec, "identity"))
    foreign = doc(allow(["kms:Decrypt", "kms:Encrypt"], KEY))
    assert rule_ids(lint_with(tmp_path, foreign, spec, "identity")) == {"XG023", "XG025"}
    assert rule_ids(lint_policy(tmp_path, foreign, "identity")) == {"XG027"}
    everything = doc(allow("kms:*"))  # no key of the source named: a target role's own
    assert rule_ids(lint_with(tmp_path, everything, spec, "identity")) == {"XG027"}


def test_key_policy_service_principal(tmp_path: Path) -> None:
    sagemaker = service("sagemaker.amazonaws.com", ["kms:Decrypt", "kms:GenerateDataKey"])
    result = lint_policy(tmp_path, doc(ADMIN, sagemaker), "key")
    assert statements(result, "XG033") == [1]
    assert "sagemaker.amazonaws.com use this key on behalf of any account" in (
        result.findings[0].message
    )
    logs = service(
        "logs.eu-west-1.amazonaws.com",
        ["kms:Encrypt*", "kms:Decrypt*", "kms:GenerateDataKey*"],
        Condition={"ArnLike": {"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:*:1:*"}},
    )
    describe = service("cloudtrail.amazonaws.com", "kms:DescribeKey")
    assert lint_policy(tmp_path, doc(ADMIN, logs, describe), "key").findings == []


# XG028: a key policy whose administrators are only another account's


def key_admin(principal: Any, action: Any = "kms:*", **extra: Any) -> dict[str, Any]:
    return allow(action, Principal={"AWS": principal}, **extra)


@pytest.mark.parametrize(
    "policy",
    [
        doc(key_admin(TARGET)),
        doc(key_admin("222222222222"), key_admin(TARGET, "kms:Decrypt", Condition=VIA_S3)),
        doc(
            key_admin(TARGET, ["kms:PutKeyPolicy", "kms:Describe*"]),
            key_admin("arn:aws:iam::333333333333:root", "kms:Decrypt", Condition=VIA_S3),
        ),
    ],
)
def test_key_administered_by_a_target_alone_fires_with_a_spec(
    tmp_path: Path, spec: Deployment, policy: dict[str, Any]
) -> None:
    result = lint_with(tmp_path, policy, spec, "key")
    assert statements(result, "XG028") == [0]
    finding = next(f for f in result.findings if f.rule == "XG028")
    assert finding.severity is Severity.ERROR
    assert "no statement names the source account 111111111111" in finding.message
    assert f'"Principal": {{"AWS": "{OWNER}"}}' in finding.fix


@pytest.mark.parametrize(
    "policy",
    [
        doc(ADMIN),  # the owner's own default key policy
        doc(ADMIN, key_admin(TARGET, "kms:Decrypt", Condition=VIA_S3)),
        doc(key_admin(TARGET), key_admin(TARGET_ROLE, "kms:Decrypt", Condition=VIA_S3)),
        doc(key_admin("arn:aws:iam::999999999999:root")),  # no account of the deployment
        doc(key_admin("arn:aws:iam::${var.target_account}:root")),
        doc(key_admin(TARGET, "kms:Decrypt", Condition=VIA_S3)),  # nobody administers: XG030
    ],
)
def test_key_policy_of_its_own_account_or_unknown_is_not_xg028(
    tmp_path: Path, spec: Deployment, policy: dict[str, Any]
) -> None:
    assert "XG028" not in rule_ids(lint_with(tmp_path, policy, spec, "key"))


def test_without_a_spec_a_lone_root_admin_is_the_default_key_policy(tmp_path: Path) -> None:
    """AWS's default key policy: nothing says whose key it is, so nothing is reported."""
    assert lint_policy(tmp_path, doc(key_admin(TARGET)), "key").findings == []


def test_known_account_leaves_it_to_xg022_and_xg030(
    rendered: dict[str, Path], tmp_path: Path
) -> None:
    render = Path(shutil.copytree(rendered["multi-account"], tmp_path / "render"))
    path = render / MULTI_SOURCE / "key-policy.json"
    path.write_text(json.dumps(doc(key_admin(TARGET)), indent=2))
    found = rule_ids(lint([path], config=Config()))
    assert {"XG022", "XG030"} <= found
    assert "XG028" not in found


# XG043: the source's bucket grants a target another object


def bucket_policy(render: Path) -> tuple[Path, dict[str, Any]]:
    path = render / MULTI_SOURCE / "bucket-policy.json"
    return path, json.loads(path.read_text())


@pytest.fixture
def multi(rendered: dict[str, Path], tmp_path: Path) -> Path:
    return Path(shutil.copytree(rendered["multi-account"], tmp_path / "render"))


def test_target_granted_another_object_in_a_render(multi: Path) -> None:
    path, policy = bucket_policy(multi)
    grant = policy["Statement"][1]
    old = (
        "arn:aws:s3:::ml-training-output-111111111111/churn/xgboost-2026-10-01/output/model.tar.gz"
    )
    grant["Resource"] = [grant["Resource"], old]
    path.write_text(json.dumps(policy, indent=2))
    result = lint([multi], config=Config())
    assert rule_ids(result) == {"XG043"}
    assert statements(result, "XG043") == [1]
    (finding,) = result.findings
    assert finding.message.startswith(
        f"XgenTargetRolesReadModelArtifact lets target staging, prod-eu, analytics act on {old!r}"
    )


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        (
            allow(
                "s3:GetObject",
                "arn:aws:s3:::ml-training-output-111111111111/churn/data/train.csv",
                Principal={"AWS": TARGET},
                Condition={"StringEquals": {"aws:PrincipalArn": TARGET_ROLE}},
            ),
            {"XG043"},
        ),
        (  # a role of the target account that is not the execution role
            allow(
                "s3:GetObject",
                "arn:aws:s3:::ml-training-output-111111111111/churn/data/train.csv",
                Principal={"AWS": TARGET},
                Condition={"StringEquals": {"aws:PrincipalArn": f"{TARGET_ROLE}Other"}},
            ),
            {"XG040"},
        ),
        (  # anyone, narrowed to the target's role
            allow(
                "s3:GetObject",
                "arn:aws:s3:::ml-training-output-111111111111/churn/data/train.csv",
                Principal="*",
                Condition={"StringEquals": {"aws:PrincipalArn": TARGET_ROLE}},
            ),
            {"XG043"},
        ),
        (  # anyone at all: XG005's
            allow(
                "s3:GetObject",
                "arn:aws:s3:::ml-training-output-111111111111/churn/data/train.csv",
                Principal="*",
            ),
            {"XG005"},
        ),
        (  # the source's own role
            allow(
                "s3:GetObject",
                "arn:aws:s3:::ml-training-output-111111111111/churn/data/train.csv",
                Principal={"AWS": OWNER},
            ),
            set(),
        ),
        (  # a prefix: XG010's
            allow(
                "s3:GetObject",
                "arn:aws:s3:::ml-training-output-111111111111/churn/*",
                Principal={"AWS": TARGET},
                Condition={"StringEquals": {"aws:PrincipalArn": TARGET_ROLE}},
            ),
            {"XG010"},
        ),
        (
            allow(
                "s3:GetObject",
                "${aws_s3_bucket.output.arn}/churn/data/train.csv",
                Principal={"AWS": TARGET},
                Condition={"StringEquals": {"aws:PrincipalArn": TARGET_ROLE}},
            ),
            set(),
        ),
    ],
)
def test_added_statement_in_the_source_bucket(
    multi: Path, statement: dict[str, Any], expected: set[str]
) -> None:
    path, policy = bucket_policy(multi)
    policy["Statement"].append(statement)
    path.write_text(json.dumps(policy, indent=2))
    assert rule_ids(lint([multi], config=Config())) == expected


def test_spec_judges_a_loose_bucket_policy(tmp_path: Path, spec: Deployment) -> None:
    other = allow(
        "s3:GetObject",
        "arn:aws:s3:::ml-training-output-111111111111/churn/old/model.tar.gz",
        Principal={"AWS": ["222222222222", "arn:aws:iam::333333333333:root"]},
        Condition={"StringEquals": {"aws:PrincipalArn": [TARGET_ROLE]}},
    )
    result = lint_with(tmp_path, doc(other), spec, "bucket")
    assert statements(result, "XG043") == [0]
    (finding,) = (f for f in result.findings if f.rule == "XG043")
    assert "lets target staging act on" in finding.message
    assert "XG043" not in rule_ids(lint_policy(tmp_path, doc(other), "bucket"))


# XG060: keys written twice (the JSON text, not the parsed value)

REPEATED_ACTION = """{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
    {
      "Effect": "Allow",
      "Action": "s3:GetObject",
      "Action": "s3:PutObject",
      "Resource": "arn:aws:s3:::bucket/model.tar.gz"
    }
  ]
}
"""

REPEATED_OPERATOR = """{
  "Version": "2012-10-17",
  "Statement": {
    "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
    "Action": "kms:Decrypt",
    "Resource": "*",
    "Condition": {
      "StringEquals": {"aws:PrincipalArn": "arn:aws:iam::222222222222:role/R"},
      "StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}
    }
  },
  "Version": "2012-10-17"
}
"""


def lint_text(folder: Path, name: str, text: str, kind: str | None = None) -> Result:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return lint([path], config=Config(root=folder), kind=Kind(kind) if kind else None)


def test_repeated_key_in_a_statement(tmp_path: Path) -> None:
    result = lint_text(tmp_path, "p.json", REPEATED_ACTION, "identity")
    assert lines(result, "XG060") == {7}  # Statement[1]'s first "Action"
    finding = next(f for f in result.findings if f.rule == "XG060")
    assert finding.message == (
        "Statement[1] gives 'Action' more than once: JSON parsers keep the last and drop "
        "the others silently"
    )
    assert finding.severity is Severity.ERROR


def test_repeated_condition_operator_and_top_level_key(tmp_path: Path) -> None:
    result = lint_text(tmp_path, "p.json", REPEATED_OPERATOR, "key")
    found = sorted((f.line, f.message) for f in result.findings if f.rule == "XG060")
    assert [message for _, message in found] == [
        "the policy gives 'Version' more than once: JSON parsers keep the last and drop "
        "the others silently",
        "Statement[0].Condition gives 'StringEquals' more than once: JSON parsers keep "
        "the last and drop the others silently",
    ]
    assert found[0][0] == 1  # the document
    assert 3 <= found[1][0] <= 12  # in the statement


def test_repeated_key_in_a_terraform_string_and_a_plan(tmp_path: Path) -> None:
    heredoc = f'resource "aws_iam_policy" "p" {{\n  policy = <<EOF\n{REPEATED_ACTION}EOF\n}}\n'
    result = lint_text(tmp_path, "main.tf", heredoc)
    assert {Path(f.file).name for f in result.findings if f.rule == "XG060"} == {"main.tf"}
    plan = {
        "format_version": "1.2",
        "resource_changes": [
            {
                "address": "aws_iam_role_policy.p",
                "type": "aws_iam_role_policy",
                "change": {"after": {"policy": REPEATED_ACTION, "role": "r"}},
            }
        ],
    }
    result = lint_text(tmp_path, "plan.json", json.dumps(plan, indent=2))
    assert min(lines(result, "XG060")) >= 5  # the resource's address, or its policy


def test_jsonencode_keys_are_merged_before_lint_sees_them(tmp_path: Path) -> None:
    tf = (
        'resource "aws_iam_role_policy" "p" {\n  role = "r"\n  policy = jsonencode({\n'
        '    Version = "2012-10-17"\n    Statement = [{\n      Effect = "Allow"\n'
        '      Action = "s3:GetObject"\n      Action = "s3:PutObject"\n'
        f'      Resource = "{OBJECT}"\n    }}]\n  }})\n}}\n'
    )
    result = lint_text(tmp_path, "main.tf", tf)
    assert "XG060" not in rule_ids(result)


def test_reading_keeps_values_and_marks_only_repeated_objects() -> None:
    value = parse_json('{"a": {"b": 1, "b": 2}, "c": [{"d": 1}]}')
    assert value == {"a": {"b": 2}, "c": [{"d": 1}]}
    assert type(value) is dict and type(value["c"][0]) is dict
    assert value["a"].duplicates == ("b",)


def test_deep_nesting_does_not_stop_the_walk(tmp_path: Path) -> None:
    deep: Any = "x"
    for _ in range(500):
        deep = [deep]
    policy = doc(allow("s3:GetObject", OBJECT, Extra=deep))
    result = lint_policy(tmp_path, policy, "identity")
    assert result.errors == []
    assert "XG060" not in rule_ids(result)


# XG009: customer managed policies; which documents are needs the loader's resource type


def managed(size: int, resource_type: str | None) -> LintDocument:
    objects = [f"arn:aws:s3:::bucket/models/{i:06d}/m.tgz" for i in range(size // 42)]
    raw = doc(allow("s3:GetObject", objects))
    document = LintDocument(
        policy=parse_policy(raw),
        kind=Kind.IDENTITY,
        origin=Origin("p.tf", 3),
        size=compact_size(raw),
    )
    if resource_type:
        document.resource_type = resource_type  # type: ignore[attr-defined]
    return document


def test_managed_policy_over_6144_characters() -> None:
    check = load_rules()["XG009"].check
    big = managed(7_000, "aws_iam_policy")
    assert 6_144 < big.size < 10_240
    (finding,) = check(big)
    assert (finding.line, finding.message) == (
        3,
        f"the customer managed policy is {big.size} characters, over AWS's limit of 6144",
    )
    assert list(check(managed(5_900, "aws_iam_policy"))) == []
    assert list(check(managed(7_000, "aws_iam_role_policy"))) == []  # inline: XG007, XG008
    assert list(check(managed(7_000, None))) == []  # a JSON file: cannot tell


def test_managed_policy_in_terraform(tmp_path: Path) -> None:
    resources = [f"arn:aws:s3:::bucket/models/{i:06d}/m.tgz" for i in range(160)]  # ~6,900
    body = json.dumps(doc(allow("s3:GetObject", resources)))
    tf = f'resource "aws_iam_policy" "p" {{\n  name = "p"\n  policy = {json.dumps(body)}\n}}\n'
    result = lint_text(tmp_path, "main.tf", tf)
    assert lines(result, "XG009") == {3}
    assert "XG007" not in rule_ids(result)  # an inline policy's limit does not apply
    huge = [f"arn:aws:s3:::bucket/models/{i:06d}/m.tgz" for i in range(250)]
    over_both = tf.replace(
        json.dumps(body), json.dumps(json.dumps(doc(allow("s3:GetObject", huge))))
    )
    assert {"XG009"} <= rule_ids(lint_text(tmp_path, "main.tf", over_both)) - {"XG007"}
    assert "XG007" not in rule_ids(lint_text(tmp_path, "main.tf", over_both))
    inline = tf.replace("aws_iam_policy", "aws_iam_role_policy").replace('name = "p"', 'role = "r"')
    assert "XG009" not in rule_ids(lint_text(tmp_path, "main.tf", inline))


# xgen's own renders: silent in both profiles, with the manifest, without it, with --spec


def copied(render: Path, folder: Path) -> Path:
    """Every policy of a render in one folder with no manifest: lint knows nothing else."""
    folder.mkdir()
    for path in render.glob("*/policies/*.json"):
        shutil.copy(path, folder / f"{path.parent.parent.name}--{path.name}")
    return folder


@pytest.mark.parametrize("example", ["seed-article", "multi-account"])
def test_renders_are_silent(rendered: dict[str, Path], tmp_path: Path, example: str) -> None:
    assert rule_ids(lint([rendered[example]], config=Config())) & COVERED == set()
    loose = copied(rendered[example], tmp_path / "loose")
    spec = Deployment.from_spec(load_spec(EXAMPLES / example / "spec.yaml"))
    assert rule_ids(lint([loose], config=Config(), deployment=spec)) & COVERED == set()
    found = {(Path(f.file).name, f.rule) for f in lint([loose], config=Config()).findings}
    if example == "seed-article":  # the article's five KMS actions, with nothing to say seed
        assert {f for f in found if f[1] in COVERED} == {
            ("target-prod-222222222222--model-key-use.json", "XG027")
        }
    else:
        assert {f for f in found if f[1] in COVERED} == set()


def test_seed_profile_reports_xg027_as_info(rendered: dict[str, Path], tmp_path: Path) -> None:
    render = Path(shutil.copytree(rendered["seed-article"], tmp_path / "render"))
    path = render / "target-prod-222222222222/policies/model-artifact-read.json"
    path.write_text(json.dumps(doc(allow("s3:GetObject", OBJECT), allow("kms:Encrypt")), indent=2))
    result = lint([path], config=Config())
    assert [(f.rule, f.severity) for f in result.findings] == [("XG027", Severity.INFO)]


def test_repeated_keys_are_placed_however_deep_they_are(tmp_path: Path) -> None:
    """Where a repeated key or a case variant is, by Sid or position, through objects."""
    text = (
        '{"Version": "2012-10-17", "Statement": [{"Sid": "A", "Effect": "Allow",'
        ' "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEquals":'
        ' {"aws:PrincipalAccount": "111111111111", "aws:PrincipalAccount": "2"}}},'
        ' {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition":'
        ' {"StringEquals": {"aws:PrincipalTag/team": "ml", "aws:principaltag/TEAM": "x"}}}]}'
    )
    result = lint_text(tmp_path, "p.json", text, "identity")
    assert sorted(f.message for f in result.findings if f.rule == "XG060") == [
        "A.Condition.StringEquals gives 'aws:PrincipalAccount' more than once: JSON parsers "
        "keep the last and drop the others silently",
        "Statement[1].Condition.StringEquals gives the condition key 'aws:principaltag/TEAM' "
        "and 'aws:PrincipalTag/team', one key to AWS (condition keys ignore case): IAM "
        "Access Analyzer reports this as an error",
    ]
