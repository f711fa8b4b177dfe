"""Real AWS's eventual consistency right after a create (aws.md §8.4 second layer), against the fault server.

moto is consistent at once, so the fault server answers the first read or use of a new resource with the error
AWS gives while the resource propagates (``after=``: only once the create was seen). Each case must converge with
the fault hit exactly ``times``; a waiter's read that fails for another reason gets the §10 message.
"""

from __future__ import annotations

import pytest

from lokonb.aws import api
from lokonb.aws.errors import ApplyFailed

# (service, operation, after, times, code, message) — messages as AWS words them
CASES = [
    ("ec2", "DescribeVpcs", "CreateVpc", 2, "InvalidVpcID.NotFound", "The vpc ID 'vpc-1' does not exist"),
    ("ec2", "DescribeInstances", "RunInstances", 2, "InvalidInstanceID.NotFound",
     "The instance ID 'i-1' does not exist"),
    ("ec2", "AuthorizeSecurityGroupIngress", "CreateSecurityGroup", 2, "InvalidGroup.NotFound",
     "The security group 'sg-1' does not exist"),
    ("ec2", "CreateRoute", "CreateRouteTable", 1, "InvalidRouteTableID.NotFound",
     "The routeTable ID 'rtb-1' does not exist"),
    ("ec2", "ModifySubnetAttribute", "CreateSubnet", 1, "InvalidSubnetID.NotFound",
     "The subnet ID 'subnet-1' does not exist"),
    ("ec2", "RunInstances", "CreateVpc", 1, "InvalidParameterValue",
     "Value (arn:aws:iam::123456789012:instance-profile/lokonb/demo/demo-controller) for parameter "
     "iamInstanceProfile.arn is invalid. Invalid IAM Instance Profile ARN"),
    ("autoscaling", "CreateAutoScalingGroup", "", 1, "ValidationError",
     "You must use a valid fully-formed launch template. Value (demo-web-worker) for parameter "
     "iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name"),
]


@pytest.mark.usefixtures("no_backoff")
@pytest.mark.parametrize("service,op,after,times,code,message", CASES, ids=[c[1] + "-" + c[4] for c in CASES])
def test_not_yet_visible_after_create_is_retried(make_config, moto_server, service, op, after, times, code,
                                                 message):
    rule = moto_server.add(service=service, op=op, after=after, times=times, status=400, code=code,
                           message=message)
    cfg = make_config()
    res = api.apply(cfg, node_configs="minimal", progress=False)
    assert (res.result_df.status == "done").all()
    assert rule.hits == times
    assert api.plan(cfg, node_configs="minimal").is_empty


def test_a_waiter_read_denied_is_the_translated_error(make_config, moto_server):
    moto_server.add(service="ec2", op="DescribeVpcs", after="CreateVpc", times=None, status=403,
                    code="UnauthorizedOperation", message="You are not authorized to perform this operation.")
    with pytest.raises(ApplyFailed) as ei:
        api.apply(make_config(), node_configs="minimal", progress=False)
    msg = str(ei.value)
    assert "Access denied: `ec2:DescribeVpcs`" in msg and "vpc" in msg
    assert "Waiter" not in msg and "Traceback" not in msg


# (phase, service, operation, times, code): AWS busy with an earlier change (aws.md §8.4 both layers, §9)
BUSY = [
    ("apply", "route53", r"POST /2013-04-01/hostedzone/[^/]+/rrset/?", 2, "PriorRequestNotComplete"),
    ("destroy", "elasticloadbalancing", "DeleteTargetGroup", 2, "ResourceInUse"),
    ("destroy", "autoscaling", "DeleteAutoScalingGroup", 2, "ScalingActivityInProgress"),
    ("destroy", "ec2", "DeleteSubnet", 3, "DependencyViolation"),
    ("destroy", "ec2", "DeleteInternetGateway", 2, "DependencyViolation"),
]


@pytest.mark.usefixtures("no_backoff")
@pytest.mark.parametrize("phase,service,op,times,code", BUSY, ids=[f"{b[0]}-{b[4]}-{b[2][:20]}" for b in BUSY])
def test_busy_resources_are_retried(make_config, moto_server, phase, service, op, times, code):
    cfg = make_config()
    if phase == "destroy":
        api.apply(cfg, node_configs="minimal", progress=False)
    rule = moto_server.add(service=service, op=op, times=times, status=400, code=code, message="busy")
    if phase == "apply":
        assert (api.apply(cfg, node_configs="minimal", progress=False).result_df.status == "done").all()
    else:
        assert "nothing left" in api.destroy(cfg, confirm=True, progress=False).message
    assert rule.hits == times
