"""The embedded AWS's life cycle and its fixes of moto (aws.md §11): what an operator meets running notebooks."""

from __future__ import annotations

import copy
import os
import socket
import subprocess
import sys
from pathlib import Path

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


def test_serve_on_a_port_in_use_fails_with_a_clear_message():
    # moto's ThreadedMotoServer.start() waited for ever when its thread could not bind: the process hung silently
    repo = Path(__file__).resolve().parents[2]
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = subprocess.Popen([sys.executable, "-m", "lokonb.aws.embedded", "serve", "--port", str(port)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=repo,
                                env=dict(os.environ, PYTHONPATH=str(repo)))
        try:
            out, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    assert proc.returncode == 1
    assert f"cannot serve the embedded AWS on 127.0.0.1:{port}" in err and "--port 0" in err
    assert "Traceback" not in err and "listening" not in out
