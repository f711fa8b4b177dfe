"""lokonb.aws's public functions refuse what is not a cluster model with a ConfigError naming the function (it was
an AttributeError from inside), and destroy's ``confirm`` must be a real bool: ``confirm="no"`` deleted the cluster
because any non-empty string is true."""

from __future__ import annotations

import pytest

import lokonb.aws as aws
from lokonb.aws.errors import AwsInputError
from lokonb.config import read_yaml
from lokonb.errors import ConfigError

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILm9OVC7oteLOXGJFu5UuvbkqsfIPwFL1OwQmTwFOUsb ops@example"

NOT_MODELS = [None, {"cluster": {"cluster_name": "demo"}}, "parameters/provision_cluster/default.yaml"]
FUNCTIONS = [
    ("plan", lambda c: aws.plan(c)),
    ("apply", lambda c: aws.apply(c)),
    ("destroy_plan", lambda c: aws.destroy_plan(c)),
    ("destroy", lambda c: aws.destroy(c, confirm=True)),
    ("verify", lambda c: aws.verify(c)),
    ("break_lock", lambda c: aws.break_lock(c, "id")),
    ("open_aws", lambda c: aws.open_aws(c)),
]


@pytest.mark.parametrize("name,call", FUNCTIONS, ids=[f[0] for f in FUNCTIONS])
@pytest.mark.parametrize("value", NOT_MODELS, ids=["None", "dict", "path"])
def test_not_a_model(name, call, value):
    with pytest.raises(AwsInputError, match=rf"^{name}\(\): expected a cluster model .* got ") as exc:
        call(value)
    assert isinstance(exc.value, ConfigError) and isinstance(exc.value, TypeError)


@pytest.fixture
def model(tmp_path):
    return read_yaml({"cluster": {"cluster_name": "demo", "dns_zone": "example.com", "ssh_pubkeys": [KEY],
                                  "asset_dir": str(tmp_path), "worker_pools": [{"name": "web", "count": 1}]},
                      "aws": {"endpoint": "http://127.0.0.1:9"}}).config


@pytest.mark.parametrize("confirm", ["no", "false", "yes", 1, 0, None])
def test_destroy_confirm_must_be_a_bool(model, confirm):
    # refused before any AWS call: the endpoint above would not answer
    with pytest.raises(AwsInputError, match="confirm must be True or False"):
        aws.destroy(model, confirm=confirm)
