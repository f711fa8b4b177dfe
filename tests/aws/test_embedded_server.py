"""The embedded AWS's life cycle and its fixes of moto (aws.md §11): what an operator meets running notebooks."""

from __future__ import annotations

import copy

from aws.conftest import BASE, boto
from lokonb.aws import api


def test_scale_up_after_a_node_config_change_converges(make_config, aws_url):
    # moto launched instances from a launch-template version >= 2 with an assertion error (HTTP 500)
    cfg = make_config()
    api.apply(cfg, node_configs="minimal", progress=False)
    asg = boto(aws_url, "autoscaling")
    before = {i["InstanceId"] for i in asg.describe_auto_scaling_groups(
        AutoScalingGroupNames=["demo-web-worker"])["AutoScalingGroups"][0]["Instances"]}
    pools = copy.deepcopy(BASE["cluster"]["worker_pools"])
    pools[0].update(count=3, instance_type="t3.medium")  # new LT version and one more instance, in one apply
    changed = make_config(worker_pools=pools)
    api.apply(changed, node_configs="minimal", progress=False)
    assert api.plan(changed, node_configs="minimal").is_empty
    group = asg.describe_auto_scaling_groups(AutoScalingGroupNames=["demo-web-worker"])["AutoScalingGroups"][0]
    assert (group["DesiredCapacity"], group["LaunchTemplate"]["Version"]) == (3, "2")
    after = {i["InstanceId"] for i in group["Instances"]}
    assert len(before) == 2 and before < after and len(after) == 3  # old instances kept, one launched from v2
