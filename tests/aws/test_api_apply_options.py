"""apply()/plan() options of the wrong kind (round 4 of the bad-input sweep): ``allow_replace="no"`` is a true string
and let apply replace controllers, ``upgrade_os="no"`` moved pools to a new AMI, and one pool name given as a
string was iterated letter by letter ("web" -> pools w, e, b). Refused before any AWS call (the endpoint of the
model does not answer); a single string is one name."""

from __future__ import annotations

import pytest

import lokonb.aws as aws
from lokonb.aws.api import _names
from lokonb.aws.errors import AwsInputError
from lokonb.config import read_yaml

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILm9OVC7oteLOXGJFu5UuvbkqsfIPwFL1OwQmTwFOUsb ops@example"


@pytest.fixture
def model(tmp_path):
    return read_yaml({"cluster": {"cluster_name": "demo", "dns_zone": "example.com", "ssh_pubkeys": [KEY],
                                  "asset_dir": str(tmp_path), "worker_pools": [{"name": "web", "count": 1}]},
                      "aws": {"endpoint": "http://127.0.0.1:9"}})


BAD = [
    # (function, keyword arguments, message)
    ("apply", {"allow_replace": "no"}, "apply(): allow_replace must be True or False, got 'no'"),
    ("apply", {"allow_replace": 1}, "apply(): allow_replace must be True or False, got 1"),
    ("apply", {"upgrade_os": "false"}, "apply(): upgrade_os must be True or False, got 'false'"),
    ("plan", {"upgrade_os": "no"}, "plan(): upgrade_os must be True or False, got 'no'"),
    ("apply", {"roll_pools": 5}, "apply(): roll_pools must be a list of names"),
    ("apply", {"roll_pools": [5]}, "apply(): roll_pools must be a list of names"),
    ("apply", {"replace": {"controller/0": True}}, "apply(): replace must be a list of names"),
    ("apply", {"replace": None}, "apply(): replace must be a list of names"),
]


@pytest.mark.parametrize("function,kwargs,message", BAD, ids=[f"{b[0]}-{next(iter(b[1]))}-{i}"
                                                               for i, b in enumerate(BAD)])
def test_wrong_option_kinds_are_refused_before_aws(model, function, kwargs, message):
    with pytest.raises(AwsInputError) as exc:
        getattr(aws, function)(model, **kwargs)
    assert str(exc.value).startswith(message)


@pytest.mark.parametrize("value,names", [("web", ("web",)), (["web", "db"], ("web", "db")), ((), ()),
                                         (("controller/0",), ("controller/0",))])
def test_names_one_string_is_one_name(value, names):
    assert _names("apply", "roll_pools", value) == names


def test_binary_inline_user_data_reaches_the_controller_unchanged(make_config, aws_url):
    """A caller's inline node config that is not UTF-8 (gzip-compressed Ignition) failed the controller's create
    with "'utf-8' codec can't decode byte 0x8b"; RunInstances takes the bytes (botocore base64-encodes them)."""
    import base64
    import gzip

    from aws.conftest import boto
    from lokonb.aws import api
    from lokonb.aws.nodeconfigs import NodeConfigs

    cfg = make_config(worker_pools=[{"name": "web", "count": 1}])
    body = gzip.compress(b'{"ignition":{"version":"3.3.0"}}', mtime=0)
    roles = ("controller-0", "worker-web")
    nc = NodeConfigs({r: body for r in roles}, source="caller", policy="inline", secret={r: False for r in roles})
    api.apply(cfg, node_configs=nc, progress=False)
    ec2 = boto(aws_url, "ec2")
    iid = ec2.describe_instances(Filters=[{"Name": "tag:Name", "Values": ["demo-controller-0"]}])[
        "Reservations"][0]["Instances"][0]["InstanceId"]
    got = ec2.describe_instance_attribute(InstanceId=iid, Attribute="userData")["UserData"]["Value"]
    assert base64.b64decode(got) == body
