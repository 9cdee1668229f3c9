"""Arbitrary strings either are refused by validation or reach HCL and JSON unchanged."""

from __future__ import annotations

import json

import hcl2
from hcl2 import SerializationOptions
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from generator.hcl import literal, quote
from generator.model import Spec
from generator.render import render
from tests.conftest import base_spec

OPTIONS = SerializationOptions(strip_string_quotes=True, explicit_blocks=False, with_comments=False)
# Any Unicode text except surrogates (not encodable as UTF-8, so never in a YAML file).
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)


def _parse_value(expression: str) -> object:
    return hcl2.loads(f"x = {expression}\n", serialization_options=OPTIONS)["x"]


@given(TEXT)
def test_any_string_round_trips_through_an_hcl_literal(value):
    assert _parse_value(quote(value)) == value


@given(st.dictionaries(TEXT.filter(bool), TEXT, max_size=4))
def test_any_map_round_trips_through_hcl(mapping):
    assert _parse_value(literal(mapping)) == mapping


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(
    field=st.sampled_from(["tag_value", "tag_key", "role_name", "name", "endpoint_name"]),
    value=TEXT,
)
def test_spec_strings_are_refused_or_rendered_exactly(field, value):
    spec = base_spec()
    if field == "tag_value":
        spec["tags"] = {"k": value}
    elif field == "tag_key":
        spec["tags"] = {value: "v"}
    elif field in ("role_name", "endpoint_name"):
        spec["targets"][0][field] = value
    else:
        spec["name"] = value
    try:
        model = Spec.model_validate(spec)
    except ValidationError:
        return  # refused, with a message: fine
    files = render(model).files
    module = hcl2.loads(
        files["target-prod-222222222222/main.tf"].decode(), serialization_options=OPTIONS
    )["module"][0]["deploy_account"]
    if field.startswith("tag"):
        expected = {"k": value} if field == "tag_value" else {value: "v"}
        assert module["tags"] == expected
    elif field == "role_name":
        assert module["role_name"] == value
        trust_and_bucket = json.loads(files["source-111111111111/policies/bucket-policy.json"])
        condition = trust_and_bucket["Statement"][1]["Condition"]["StringEquals"]
        assert condition["aws:PrincipalArn"] == f"arn:aws:iam::222222222222:role/{value}"
    elif field == "endpoint_name":
        assert module["endpoint_name"] == value
    else:
        assert module["model_name"].startswith(value[:54])


@given(st.lists(st.dictionaries(TEXT, TEXT, max_size=3), max_size=3))
def test_kept_statements_round_trip_through_json(extra):
    statements = [{"Effect": "Allow", **item} for item in extra if "Sid" not in item]
    spec = base_spec()
    spec["source"]["bucket_policy_statements"] = statements
    try:
        model = Spec.model_validate(spec)
    except ValidationError:
        return
    body = json.loads(render(model).files["source-111111111111/policies/bucket-policy.json"])
    assert body["Statement"][2:] == statements
