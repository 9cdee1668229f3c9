"""Every validation rule refuses bad input with exit 2, one line naming file, place and fix,
and writes nothing."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest

from tests.conftest import base_spec, invoke, write_spec

KEY = "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def _source(**changes):
    spec = base_spec()
    spec["source"].update(changes)
    return spec


def _renamed_source_field(old: str, new: str):
    spec = base_spec()
    spec["source"][new] = spec["source"].pop(old)
    return spec


def _target(**changes):
    spec = base_spec()
    spec["targets"][0].update(changes)
    return spec


def _two_targets(second):
    spec = base_spec()
    spec["targets"].append({**copy.deepcopy(spec["targets"][0]), **second})
    return spec


CASES = {
    # id: (spec, place in the message, words the message must contain)
    "account id too short": (_source(account_id="11111111111"), "source.account_id", "12 digits"),
    "account id unquoted": (_source(account_id=111111111111), "source.account_id", "quote"),
    "account id trailing newline": (
        _source(account_id="111111111111\n"),
        "source.account_id",
        "12 digits",
    ),
    "account id arabic digits": (
        _source(account_id="\u0661" * 12),
        "source.account_id",
        "12 digits",
    ),
    "role name trailing newline": (
        _target(role_name="AmazonSageMaker\n"),
        "targets[0].role_name",
        "IAM role name",
    ),
    "target account letters": (
        _target(account_id="22222222222a"),
        "targets[0].account_id",
        "12 digits",
    ),
    "artifact not s3": (
        _source(artifact="https://b.s3.amazonaws.com/k/model.tar.gz"),
        "source.artifact",
        "s3://BUCKET/KEY",
    ),
    "artifact is prefix": (
        _source(artifact="s3://awsdoc-example-bucket/sagemaker/output/"),
        "source.artifact",
        "prefix",
    ),
    "artifact is bucket": (
        _source(artifact="s3://awsdoc-example-bucket"),
        "source.artifact",
        "object key",
    ),
    "bucket uppercase": (
        _source(artifact="s3://Bad_Bucket/model.tar.gz"),
        "source.artifact",
        "bucket name",
    ),
    "bucket ip": (
        _source(artifact="s3://192.168.1.1/model.tar.gz"),
        "source.artifact",
        "IP address",
    ),
    "bucket double dot": (
        _source(artifact="s3://my..bucket/model.tar.gz"),
        "source.artifact",
        "bucket name",
    ),
    "bucket reserved suffix": (
        _source(artifact="s3://data-s3alias/model.tar.gz"),
        "source.artifact",
        "reserves",
    ),
    "artifact wildcard": (
        _source(artifact="s3://awsdoc-example-bucket/out/*.tar.gz"),
        "source.artifact",
        "wildcard",
    ),
    "key alias": (_source(kms_key_arn="alias/training"), "source.kms_key_arn", "caller's account"),
    "key alias arn": (
        _source(kms_key_arn="arn:aws:kms:us-east-1:111111111111:alias/training"),
        "source.kms_key_arn",
        "alias",
    ),
    "aws/s3 key": (_source(kms_key_arn="alias/aws/s3"), "source.kms_key_arn", "can never decrypt"),
    "bare key id": (
        _source(kms_key_arn="1234abcd-12ab-34cd-56ef-1234567890ab"),
        "source.kms_key_arn",
        "full key ARN",
    ),
    "key not arn": (
        _source(kms_key_arn="arn:aws:s3:::bucket"),
        "source.kms_key_arn",
        "not a KMS key ARN",
    ),
    "key other region": (
        _source(kms_key_arn=KEY.replace("us-east-1", "eu-west-1")),
        "source.kms_key_arn",
        "bucket's region",
    ),
    "key other account": (
        _source(kms_key_arn=KEY.replace("111111111111", "333333333333")),
        "source.kms_key_arn",
        "source account",
    ),
    "image other region": (
        _source(image="111111111111.dkr.ecr.eu-west-1.amazonaws.com/ll:1"),
        "source.image",
        "own region",
    ),
    "image not ecr": (
        _source(image="docker.io/library/nginx:latest"),
        "source.image",
        "ECR image URI",
    ),
    "unknown region": (_source(region="us-middle-1"), "source.region", "region"),
    "target other region": (_target(region="eu-west-1"), "targets[0].region", "own region"),
    "duplicate target names": (
        _two_targets({"account_id": "333333333333"}),
        "targets[1].name",
        "repeats",
    ),
    "target is source": (
        _target(account_id="111111111111"),
        "targets[0].account_id",
        "source account",
    ),
    "role name too long": (_target(role_name="r" * 65), "targets[0].role_name", "1-64"),
    "role name bad char": (_target(role_name="my role"), "targets[0].role_name", "IAM role name"),
    "model name underscore": (base_spec(name="linear_learner"), "name", "SageMaker name"),
    "model name too long": (base_spec(name="m" * 64), "name", "at most 63"),
    "endpoint name bad": (
        _target(endpoint_name="-ep"),
        "targets[0].endpoint_name",
        "SageMaker name",
    ),
    "empty targets": (base_spec(targets=[]), "targets", "at least 1"),
    "unknown field": (base_spec(profiel="seed"), "profiel", "did you mean 'profile'"),
    # a misspelt required field is named as unknown (with the right name), not as missing
    "misspelt required field": (
        _renamed_source_field("kms_key_arn", "kms_key"),
        "source.kms_key",
        "unknown field 'kms_key' (fix: remove it or fix its name (did you mean 'kms_key_arn'?))",
    ),
    "empty target list in words": (base_spec(targets=[]), "targets", "needs at least 1 entry"),
    "unknown nested field": (
        _target(rolename="x"),
        "targets[0].rolename",
        "did you mean 'role_name'",
    ),
    "unknown profile": (base_spec(profile="strict"), "profile", "'hardened'"),
    "spec version": (base_spec(xgen=2), "xgen", "xgen: 1"),
    "missing field": (
        {k: v for k, v in base_spec().items() if k != "source"},
        "source",
        "required",
    ),
    "instance type": (_target(instance_type="m5.large"), "targets[0].instance_type", "ml.m5.large"),
    "instance count zero": (
        _target(instance_count=0),
        "targets[0].instance_count",
        "greater than or equal",
    ),
    "target name upper": (_target(name="Prod"), "targets[0].name", "lowercase"),
    "tag reserved": (base_spec(tags={"aws:team": "x"}), "tags", "reserved"),
    "tag bad char": (base_spec(tags={"team": 'a"b'}), "tags", "letters, digits"),
    "nvme volume key": (
        _target(
            instance_type="ml.g5.xlarge",
            volume_kms_key_arn=KEY.replace("111111111111", "222222222222"),
        ),
        "targets[0].volume_kms_key_arn",
        "NVMe",
    ),
    "volume key other account": (
        _target(volume_kms_key_arn=KEY),
        "targets[0].volume_kms_key_arn",
        "key of account 222222222222",
    ),
    "extra statement no effect": (
        _source(bucket_policy_statements=[{"Action": "s3:GetObject"}]),
        "source.bucket_policy_statements",
        "Effect",
    ),
    "extra statement reserved sid": (
        _source(key_policy_statements=[{"Sid": "XgenMine", "Effect": "Allow"}]),
        "source.key_policy_statements",
        "reserves",
    ),
    "same role twice in one account": (
        _two_targets({"name": "canary", "endpoint_name": "canary"}),
        "targets[1].role_name",
        "also the role of targets[0] in account 222222222222",
    ),
    "same endpoint twice in one account": (
        _two_targets({"name": "canary", "role_name": "Canary"}),
        "targets[1].endpoint_name",
        "'linear-learner' is also the endpoint of targets[0]",
    ),
    "vpc bad subnet": (
        _target(vpc={"subnet_ids": ["subnet-1"], "security_group_ids": ["sg-0123abcd"]}),
        "targets[0].vpc.subnet_ids",
        "subnet id",
    ),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_invalid_spec_is_refused_with_one_clear_line(case, tmp_path: Path, runner):
    spec, place, words = CASES[case]
    path = write_spec(tmp_path, spec)
    out = tmp_path / "out"
    result = invoke(runner, "render", path, "-o", out)
    assert result.exit_code == 2
    message = result.stderr.strip()
    assert "\n" not in message and "Traceback" not in message
    assert message.startswith(f"xgen: error: {path}:")
    assert re.match(rf"xgen: error: {re.escape(str(path))}:\d+:\d+: {re.escape(place)}: ", message)
    assert words in message
    assert "(fix: " in message
    assert not out.exists()


@pytest.mark.parametrize(
    ("text", "place", "words"),
    [
        ("", None, "spec is empty"),
        ("# only a comment\n", None, "spec is empty"),
        ("- a\n- b\n", "1:1", "not a list"),
        ("just text\n", "1:1", "not a single value"),
        ("xgen: 1\nname: [unclosed\n", "3:1", "YAML syntax error"),
        ("xgen: 1\n  name: x\n", "2:7", "YAML syntax error"),
        ("xgen: 1\nname: x\nsource:\n  account_id: '12'\n", "4:15", "source.account_id"),
        ("xgen: 1\nname: x\n", "1:1", "source: required field is missing"),
        ("xgen: 1\nname: a\nname: b\n", "3:1", "key 'name' appears twice"),
    ],
)
def test_yaml_problems_name_line_and_column(text, place, words, tmp_path, runner):
    path = write_spec(tmp_path, text)
    result = invoke(runner, "render", path, "-o", tmp_path / "out")
    assert result.exit_code == 2
    message = result.stderr.strip()
    assert words in message and "\n" not in message
    if place:
        assert message.startswith(f"xgen: error: {path}:{place}:")


def test_alias_bomb_is_refused_quickly(tmp_path, runner):
    levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for index, name in enumerate("bcdefghi"):
        previous = "abcdefghi"[index]
        levels.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 10) + "]")
    path = write_spec(tmp_path, "\n".join(levels) + "\n")
    result = invoke(runner, "render", path)
    assert result.exit_code == 2
    assert "alias" in result.stderr


def test_oversized_file_is_refused_without_reading_it_all(tmp_path, runner):
    path = tmp_path / "huge.yaml"
    with path.open("wb") as handle:
        handle.write(b"# x\n" * (1 << 20))
    result = invoke(runner, "render", path)
    assert result.exit_code == 2
    assert "larger than 1024 KiB" in result.stderr


def test_missing_spec_file(tmp_path, runner):
    result = invoke(runner, "render", tmp_path / "nope.yaml")
    assert result.exit_code == 2
    assert "cannot read spec" in result.stderr


def test_non_utf8_spec(tmp_path, runner):
    path = tmp_path / "spec.yaml"
    path.write_bytes(b"xgen: 1\nname: \xff\n")
    result = invoke(runner, "render", path)
    assert result.exit_code == 2
    assert "not UTF-8" in result.stderr


def test_valid_variants_are_accepted(tmp_path, runner):
    spec = base_spec(name="m" * 63, tags={"team": "ml platform", "cost-center": "4711"})
    spec["targets"][0].update(region="us-east-1", role_name="r" * 64)
    spec["source"]["kms_key_arn"] = (
        "arn:aws:kms:us-east-1:111111111111:key/mrk-1234abcd12ab34cd56ef1234567890ab"
    )
    result = invoke(runner, "render", write_spec(tmp_path, spec), "-o", tmp_path / "out")
    assert result.exit_code == 0, result.stderr
