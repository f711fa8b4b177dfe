"""provision_cluster's `aws`/`state` parameters take what the cluster model (README "Configuration reference") takes:
a set file may hold every documented attribute, and the form offers no choice the model then refuses."""

from __future__ import annotations

import pytest

from lokonb.config.fields import AWS_FIELDS, STATE_FIELDS, names
from lokonb.notebook.exceptions import ParameterError
from lokonb.notebook.params import validate
from lokonb.notebook.schemas import get_schema

SCHEMA = get_schema("provision_cluster")

# (parameter, the model's attribute table)
TABLES = (("aws", AWS_FIELDS), ("state", STATE_FIELDS))


@pytest.mark.parametrize(("param", "table"), TABLES, ids=[t[0] for t in TABLES])
def test_every_model_attribute_is_a_sub_field(param, table):
    declared = [f.name for f in SCHEMA.param(param).fields]
    assert declared == list(names(table))


def test_state_shared_credentials_file_in_a_set():
    state = {"backend": "s3", "bucket": "lokonb-state", "dynamodb_table": "locks",
             "shared_credentials_file": "/tmp/creds"}
    validated = validate(SCHEMA, {"state": state})
    assert str(validated.literals["state"]["shared_credentials_file"]) == "/tmp/creds"


@pytest.mark.parametrize("mode", ["standard", "adaptive", "legacy"])
def test_retry_mode_choices_are_the_models(mode):
    raw = {"aws": {"endpoint": "embedded", "region": "eu-central-1", "retry_mode": mode}}
    if mode == "legacy":  # botocore has it, the model refuses it: the schema must refuse it first, by name
        with pytest.raises(ParameterError) as err:
            validate(SCHEMA, raw)
        assert "aws.retry_mode" in str(err.value) and "allowed: standard, adaptive" in str(err.value)
    else:
        assert validate(SCHEMA, raw).values["aws"]["retry_mode"] == mode


def test_apiserver_logs_format_choices_are_the_clis():
    """The notebook refused `envelope` and `csv`, which `logs analyze --format` and analyze() take."""
    from lokonb.logs.formats import FORMATS

    schema = get_schema("apiserver_logs")
    assert tuple(schema.param("format").choices) == FORMATS
    for fmt in ("envelope", "csv"):
        assert validate(schema, {"format": fmt}).values["format"] == fmt
