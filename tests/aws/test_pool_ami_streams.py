"""A pool on ``os_version: current`` keeps an older release of its AMI until ``upgrade_os`` (aws.md §5.5), but a
change of channel or of the instance type's architecture is a configuration change: the launch template must get
the AMI of the new channel/architecture at once (an x86_64 AMI cannot boot a t4g instance)."""

from __future__ import annotations

import copy

import pytest

from aws.conftest import BASE, boto
from lokonb.aws import api


def _pools(**web):
    p = copy.deepcopy(BASE["cluster"]["worker_pools"])
    p[0].update(web)
    return p


# (web pool change, expected (channel, architecture) of the launch template's AMI after apply)
CASES = [
    ({"instance_type": "t4g.small"}, ("stable", "arm64")),
    ({"os_channel": "beta"}, ("beta", "x86_64")),
]


@pytest.mark.parametrize("change,stream", CASES, ids=["arm64-type", "beta-channel"])
def test_channel_or_architecture_change_moves_the_pool_to_that_ami(make_config, aws_url, change, stream):
    api.apply(make_config(), node_configs="minimal", progress=False)
    cfg = make_config(worker_pools=_pools(**change))
    p = api.plan(cfg, node_configs="minimal")
    lt = next(a for a in p.changes if a.key == "lt/web")
    assert lt.action == "update" and "ImageId" in lt.details, p.text()
    assert not [a for a in p.actions if a.action == "skip" and a.key == "lt/web"]
    api.apply(cfg, node_configs="minimal", progress=False)
    ec2 = boto(aws_url, "ec2")
    data = ec2.describe_launch_template_versions(LaunchTemplateName="demo-web-worker", Versions=["$Latest"])[
        "LaunchTemplateVersions"][0]["LaunchTemplateData"]
    img = ec2.describe_images(ImageIds=[data["ImageId"]])["Images"][0]
    assert (img["Name"].split("-")[1], img["Architecture"]) == stream
    assert api.plan(cfg, node_configs="minimal").is_empty


def test_controller_type_of_the_other_architecture_is_refused(make_config):
    """controller_type is changed by stop -> modify -> start (aws.md §7.2), which keeps the x86_64 root volume:
    a Graviton type is refused with the way out, unless the controllers are replaced explicitly."""
    from lokonb.aws.errors import PlanError

    api.apply(make_config(), node_configs="minimal", progress=False)
    with pytest.raises(PlanError) as ei:
        api.plan(make_config(controller_type="t4g.medium"), node_configs="minimal")
    assert ei.value.problems == [
        'controller_type: t3.medium -> t4g.medium for controller/0 changes the architecture (x86_64 -> arm64), '
        'which a stopped instance cannot: keep a x86_64 type, or replace the controllers '
        '(apply(replace=["controller/0", ...], allow_replace=True))']
    p = api.plan(make_config(controller_type="t3.large"), node_configs="minimal")  # same architecture: update
    assert [(a.action, a.key, a.disruptive) for a in p.changes] == [("update", "controller/0", True)]
