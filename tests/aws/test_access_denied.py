"""Access denied with EC2's encoded authorization message (aws.md §10): decoded with sts:DecodeAuthorizationMessage
when allowed, so the message names the action actually denied; otherwise the hint names that call.

The EC2 denial comes from the fault server; moto does not implement DecodeAuthorizationMessage, so its success is
fed with botocore's Stubber on the run's STS client (aws.md §11.4), its denial by the fault server.
"""

from __future__ import annotations

import json

import pytest

from lokonb.aws.errors import AwsError
from lokonb.aws.session import Aws

BLOB = "Xq3vR0ZpTmVyY29kZWQtc2VjcmV0LWxvb2tpbmctYmxvYg"
DENIAL = f"You are not authorized to perform this operation. Encoded authorization failure message: {BLOB}"
ROLE = "arn:aws:iam::123456789012:role/lokonb/demo/demo-controller"
CALLER = "arn:aws:sts::123456789012:assumed-role/ci/build-7"


def _decoded(explicit: bool) -> str:
    return json.dumps({"allowed": False, "explicitDeny": explicit, "matchedStatements": {"items": []},
                       "failures": {"items": []}, "context": {
                           "principal": {"id": "AROAEXAMPLE:build-7", "arn": CALLER}, "action": "iam:PassRole",
                           "resource": ROLE, "conditions": {"items": []}}})


def _run_instances(aws_url: str, moto_server, **deny) -> AwsError:
    moto_server.add(service="ec2", op="RunInstances", times=1, status=403, code="UnauthorizedOperation",
                    message=DENIAL)
    a = Aws(region="eu-central-1", endpoint=aws_url, max_attempts=2)
    a.principal = CALLER
    stub = deny.get("stub")
    if stub is not None:
        from botocore.stub import Stubber

        s = Stubber(a.client("sts"))
        s.add_response("decode_authorization_message", {"DecodedMessage": stub}, {"EncodedMessage": BLOB})
        s.activate()
    with pytest.raises(AwsError) as ei:
        a.call("ec2", "run_instances", ImageId="ami-1", MinCount=1, MaxCount=1, resource="controller/0")
    return ei.value


@pytest.mark.parametrize("explicit,why", [(False, "no policy allows it"), (True, "an explicit deny")])
def test_decoded_denial_names_the_denied_action_resource_and_principal(aws_url, moto_server, explicit, why):
    err = _run_instances(aws_url, moto_server, stub=_decoded(explicit))
    msg = str(err)
    assert msg.startswith(f"Access denied: `iam:PassRole` on `{ROLE}` for `{CALLER}`"), msg
    assert "UnauthorizedOperation on `ec2:RunInstances`" in msg and why in msg and "controller/0" in msg
    assert BLOB not in msg and err.code == "UnauthorizedOperation" and err.operation == "RunInstances"


def test_undecodable_denial_names_the_decode_call(aws_url, moto_server):
    rule = moto_server.add(service="sts", op="DecodeAuthorizationMessage", times=1, status=403,
                           code="AccessDenied", message="not authorized to perform sts:DecodeAuthorizationMessage")
    msg = str(_run_instances(aws_url, moto_server))
    assert rule.hits == 1
    assert "Access denied: `ec2:RunInstances` on controller/0" in msg
    assert "sts:DecodeAuthorizationMessage failed (AccessDenied)" in msg
    assert "aws sts decode-authorization-message" in msg and BLOB not in msg
    assert msg.count("controller/0") == 1  # the resource is named once


# S3 operations whose IAM action has another name (https://docs.aws.amazon.com/AmazonS3/latest/userguide/
# using-with-s3-policy-actions.html): the denial names what can be granted ("s3:HeadBucket" cannot be)
S3_DENIED = [("HeadBucket", "s3:ListBucket"), ("ListObjectsV2", "s3:ListBucket"),
             ("ListObjectVersions", "s3:ListBucketVersions"), ("DeleteObjects", "s3:DeleteObject"),
             ("PutBucketEncryption", "s3:PutEncryptionConfiguration"),
             ("GetBucketEncryption", "s3:GetEncryptionConfiguration"),
             ("PutPublicAccessBlock", "s3:PutBucketPublicAccessBlock"),
             ("GetPublicAccessBlock", "s3:GetBucketPublicAccessBlock"),
             ("ListBuckets", "s3:ListAllMyBuckets"), ("PutObject", "s3:PutObject")]


@pytest.mark.parametrize("op,action", S3_DENIED)
def test_s3_denials_name_the_iam_action(op, action):
    from botocore.exceptions import ClientError

    from lokonb.aws.errors import translate

    exc = ClientError({"Error": {"Code": "AccessDenied", "Message": "Access Denied"},
                       "ResponseMetadata": {"HTTPStatusCode": 403, "RequestId": "rid"}}, op)
    msg = str(translate(exc, service="s3", resource="bucket"))
    assert msg.startswith(f"Access denied: `{action}` on bucket"), msg


def test_head_bucket_403_names_list_bucket_and_the_bucket(make_config, moto_server):
    from lokonb.aws import api
    from lokonb.aws.errors import PreflightError

    cfg = make_config()
    moto_server.add(service="s3", op=r"HEAD /lokonb-demo-[0-9a-f]{8}", times=None, status=403, code="403",
                    message="")
    with pytest.raises(PreflightError) as ei:
        api.plan(cfg, node_configs="minimal")
    msg = str(ei.value)
    assert "HeadBucket answered 403: `s3:ListBucket` on `arn:aws:s3:::lokonb-demo-" in msg, msg


# discovery's reads carry no resource key: a denial names what was read, from the request (aws.md §10: "Access
# denied: `ec2:RunInstances` on …"), so the operator can scope the grant
DISCOVERY_DENIED = [
    ("ec2", "DescribeVpcs", "UnauthorizedOperation", "`ec2:DescribeVpcs` on `tag:lokonb:cluster=demo`"),
    ("ec2", "DescribeInstances", "UnauthorizedOperation",
     "`ec2:DescribeInstances` on `tag:lokonb:cluster=demo tag:lokonb:resource=controller/*"),
    ("autoscaling", "DescribeAutoScalingGroups", "AccessDenied",
     "`autoscaling:DescribeAutoScalingGroups` on `tag:lokonb:cluster=demo`"),
    ("iam", "ListRoles", "AccessDenied", "`iam:ListRoles` on `PathPrefix=/lokonb/demo/`"),
    ("elasticloadbalancing", "DescribeLoadBalancers", "AccessDenied",
     "`elasticloadbalancing:DescribeLoadBalancers` on `Names=demo-nlb`"),
    ("elasticloadbalancing", "DescribeTargetGroups", "AccessDenied",
     "`elasticloadbalancing:DescribeTargetGroups` on `*`"),
]


@pytest.mark.parametrize("service,op,code,text", DISCOVERY_DENIED, ids=[d[1] for d in DISCOVERY_DENIED])
def test_denied_discovery_read_names_action_and_resource(make_config, moto_server, service, op, code, text):
    from lokonb.aws import api

    moto_server.add(service=service, op=op, times=None, status=403, code=code, message="not authorized")
    with pytest.raises(AwsError) as ei:
        api.plan(make_config(), node_configs="minimal")
    msg = str(ei.value)
    assert msg.startswith(f"Access denied: {text}"), msg
    assert ei.value.code == code and "Grant that permission" in msg
