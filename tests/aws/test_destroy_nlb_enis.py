"""Destroy while AWS still releases the network interfaces of the cluster's deleted NLB (aws.md §9 step 6: NLB
ENIs can take minutes after deletion). moto creates no NLB interfaces and deletes subnets regardless, so the
interface is made by hand with the description AWS gives it and DeleteSubnet answers DependencyViolation through
the fault server. The message must say to wait and retry, not to delete LoadBalancer Services."""

from __future__ import annotations

import pytest

from aws.conftest import boto
from lokonb.aws import api
from lokonb.aws.errors import DestroyIncomplete


@pytest.mark.usefixtures("no_backoff")
def test_draining_interfaces_of_the_clusters_nlb_are_named_as_such(make_config, moto_server, aws_url):
    cfg = make_config(aws={"waiter_scale": 0.002})  # DependencyViolation budget 10 min x 0.002
    api.apply(cfg, node_configs="minimal", progress=False)
    ec2 = boto(aws_url, "ec2")
    sub = ec2.describe_subnets(Filters=[{"Name": "tag:lokonb:resource", "Values": ["subnet/public-1"]}])[
        "Subnets"][0]["SubnetId"]
    eni = ec2.create_network_interface(SubnetId=sub, Description="ELB net/demo-nlb/50dc6c495c0c9188")[
        "NetworkInterface"]["NetworkInterfaceId"]
    moto_server.add(service="ec2", op="DeleteSubnet", times=None, status=400, code="DependencyViolation",
                    message=f"The subnet '{sub}' has dependencies and cannot be deleted.")
    with pytest.raises(DestroyIncomplete) as ei:
        api.destroy(cfg, confirm=True, progress=False)
    msg = str(ei.value)
    assert eni in msg and "deleted NLB" in msg and "run destroy again shortly" in msg
    assert "LoadBalancer Services" not in msg
    rows = ei.value.leftovers[ei.value.leftovers.id == eni]
    assert list(rows.key) == ["(being released by AWS)"] and "of the deleted NLB" in rows.why.iloc[0]
    # moto leaks the primary interfaces of terminated ASG instances (aws.md §11.3); on AWS they drain the same way
    enis = ei.value.leftovers[ei.value.leftovers.type == "ec2:network-interface"]
    assert set(enis.key) == {"(being released by AWS)"}
    assert all("of terminated instance i-" in w for w in enis[enis.id != eni].why)
    moto_server.clear()  # AWS has released the interface
    ec2.delete_network_interface(NetworkInterfaceId=eni)
    assert "nothing left" in api.destroy(cfg, confirm=True, progress=False).message
