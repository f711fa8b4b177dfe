"""Unit tests without a server: names, CIDR math, error translation (table-driven), waiters and the stop flag
(botocore Stubber: moto's waiters succeed on the first poll, aws.md §11.4), node-config delivery limits."""

from __future__ import annotations

import threading

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError

from lokonb.aws import names
from lokonb.aws.errors import AwsError, translate
from lokonb.aws.graph import ExecCtx, StopRequested
from lokonb.aws.resources.network import ipv6_subnet, subnet_cidrs


def test_names_are_deterministic_and_within_aws_limits():
    cluster = "a" * 28
    pool = "p" * 28
    for kind in ("http", "https"):
        n = names.tg_name(cluster, pool, kind)
        assert len(n) <= 32 and n == names.tg_name(cluster, pool, kind) and n.startswith("lk-")
    assert names.tg_name(cluster, None, "api") != names.tg_name("b" * 28, None, "api")
    assert len(names.nlb_name(cluster)) <= 32
    assert len(names.pool_name(cluster, pool)) <= 64
    b = names.bucket_name("123456789012", "eu-central-1", cluster)
    assert len(b) <= 63 and b == b.lower() and b.startswith(f"lokonb-{cluster}-")
    assert names.bucket_name("123456789012", "eu-west-1", cluster) != b
    tags = names.ownership_tags("demo", "vpc", "demo", None, {"Name": "mine", "lokonb:cluster": "evil"})
    assert tags["Name"] == "demo" and tags["X-Name"] == "mine" and tags["lokonb:cluster"] == "demo"
    assert names.is_owned(tags, "demo") and not names.is_owned({"kubernetes.io/cluster/demo": "owned"}, "demo")


@pytest.mark.parametrize("cidr,n,expected", [
    ("10.0.0.0/16", 3, ["10.0.0.0/20", "10.0.16.0/20", "10.0.32.0/20"]),
    ("172.16.0.0/24", 2, ["172.16.0.0/28", "172.16.0.16/28"]),
])
def test_subnet_cidrs(cidr, n, expected):
    assert subnet_cidrs(cidr, n) == expected


def test_ipv6_subnets_are_the_ith_64_of_the_56():
    assert ipv6_subnet("2600:1f18:aa:bb00::/56", 0) == "2600:1f18:aa:bb00::/64"
    assert ipv6_subnet("2600:1f18:aa:bb00::/56", 2) == "2600:1f18:aa:bb02::/64"


def _client_error(code: str, message: str = "msg", op: str = "RunInstances", status: int = 400) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message},
                        "ResponseMetadata": {"HTTPStatusCode": status, "RequestId": "rid"}}, op)


@pytest.mark.parametrize("code,op,service,expected", [
    ("UnauthorizedOperation", "RunInstances", "ec2", "Access denied: `ec2:RunInstances`"),
    ("AccessDenied", "CreateRole", "iam", "Access denied: `iam:CreateRole`"),
    ("AccessDenied", "CreateLoadBalancer", "elbv2", "Access denied: `elasticloadbalancing:CreateLoadBalancer`"),
    ("ExpiredToken", "DescribeVpcs", "ec2", "have expired"),
    ("RequestExpired", "DescribeVpcs", "ec2", "aws sso login --profile ops"),
    ("AuthFailure", "DescribeVpcs", "ec2", "rejected the credentials"),
    ("OptInRequired", "DescribeAvailabilityZones", "ec2", "is not enabled for this account"),
    ("VpcLimitExceeded", "CreateVpc", "ec2", "AWS quota reached: VpcLimitExceeded in eu-central-1"),
    ("TooManyLoadBalancers", "CreateLoadBalancer", "elbv2", "Service Quotas"),
    ("InsufficientInstanceCapacity", "RunInstances", "ec2", "no capacity"),
    ("SpotMaxPriceTooLow", "CreateAutoScalingGroup", "autoscaling", "raise spot_price"),
    ("SomethingNew", "CreateVpc", "ec2", "AWS CreateVpc failed: SomethingNew: msg"),
])
def test_error_translation_table(code, op, service, expected):
    err = translate(_client_error(code, op=op), service=service, region="eu-central-1", profile="ops",
                    resource="controller/0", cluster="demo")
    assert isinstance(err, AwsError) and expected in str(err)
    assert err.code == code and err.request_id == "rid" and err.exit_code == 1
    assert "Traceback" not in str(err)


def test_route53_foreign_record_message():
    err = translate(_client_error("InvalidChangeBatch", "Tried to create ... but it already exists",
                                  op="ChangeResourceRecordSets"), service="route53", resource="record/ingress",
                    cluster="demo")
    assert "record/ingress already exists and is not owned by cluster demo" in str(err)


def test_transport_and_credential_errors():
    assert "No AWS credentials found" in str(translate(NoCredentialsError()))
    err = translate(EndpointConnectionError(endpoint_url="https://ec2.xx-nowhere-1.amazonaws.com"),
                    region="xx-nowhere-1")
    assert "Cannot reach the AWS endpoint" in str(err) and "xx-nowhere-1" in str(err)


def test_sessions_share_parsed_service_models_but_not_their_settings(tmp_path, monkeypatch):
    """Every Aws of a process reuses one botocore data loader (the service models are parsed once, not per
    plan/apply/verify), while region and profile stay per session and a missing profile is still refused."""
    from lokonb.aws.session import Aws

    creds = tmp_path / "credentials"
    creds.write_text("[ops]\naws_access_key_id = AKIAOPS\naws_secret_access_key = ops-secret\n"
                     "[dev]\naws_access_key_id = AKIADEV\naws_secret_access_key = dev-secret\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(creds))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    a = Aws(region="eu-central-1", endpoint="http://127.0.0.1:9", profile="ops")
    b = Aws(region="eu-west-1", endpoint="http://127.0.0.1:9", profile="dev")
    loader = a.session._session.get_component("data_loader")
    assert b.session._session.get_component("data_loader") is loader
    assert len(loader.search_paths) == len(set(loader.search_paths))  # boto3's folder is not appended per session
    assert (a.client("ec2").meta.region_name, b.client("ec2").meta.region_name) == ("eu-central-1", "eu-west-1")
    keys = {s.session.get_credentials().access_key for s in (a, b)}
    assert keys == {"AKIAOPS", "AKIADEV"}
    with pytest.raises(AwsError):
        Aws(region="eu-central-1", endpoint="http://127.0.0.1:9", profile="missing")


def _ctx(client_service: str, client):
    class FakeAws:
        waiter_scale = 0.0

        def client(self, service):
            assert service == client_service
            return client

    return ExecCtx(aws=FakeAws(), config=None, build=None, run_id="r")


def test_waiter_progress_and_timeout_with_stubber():
    """NLB provisioning -> active, then a timeout: state sequences moto cannot produce (it is active at once)."""
    import boto3
    from botocore.exceptions import WaiterError
    from botocore.stub import Stubber

    elb = boto3.session.Session(aws_access_key_id="x", aws_secret_access_key="x",
                                region_name="eu-central-1").client("elbv2")
    arn = "arn:aws:elasticloadbalancing:eu-central-1:123456789012:loadbalancer/net/demo-nlb/1"

    def lb(state):
        return {"LoadBalancers": [{"LoadBalancerArn": arn, "State": {"Code": state}}]}

    with Stubber(elb) as stub:
        for state in ("provisioning", "provisioning", "active"):
            stub.add_response("describe_load_balancers", lb(state), {"LoadBalancerArns": [arn]})
        _ctx("elbv2", elb).wait("elbv2", "load_balancer_available", 15, 40, LoadBalancerArns=[arn])
        stub.assert_no_pending_responses()
    with Stubber(elb) as stub:
        for _ in range(3):
            stub.add_response("describe_load_balancers", lb("provisioning"), {"LoadBalancerArns": [arn]})
        with pytest.raises(WaiterError):
            _ctx("elbv2", elb).wait("elbv2", "load_balancer_available", 15, 3, LoadBalancerArns=[arn])
        assert "Timed out waiting" in str(translate(WaiterError("LoadBalancerAvailable", "Max attempts exceeded",
                                                                {})))
    with Stubber(elb) as stub:
        stub.add_response("describe_load_balancers", lb("provisioning"), {"LoadBalancerArns": [arn]})
        ctx = _ctx("elbv2", elb)
        ctx.aws.waiter_scale = 1.0
        threading.Timer(0.1, ctx.stop.set).start()  # another action failed: the wait stops at its next poll
        with pytest.raises(StopRequested):
            ctx.wait("elbv2", "load_balancer_available", 15, 40, LoadBalancerArns=[arn])


@pytest.mark.parametrize("reason,expected", [
    ({"Code": "Client.InternalError", "Message": "Client.InternalError: Client error on launch"},
     "i-0abc: Client.InternalError: Client error on launch; likely cause: usually the EBS KMS key (aws.ebs_kms"),
    ({"Code": "Server.InsufficientInstanceCapacity", "Message": "Insufficient capacity."},
     "likely cause: AWS has no capacity"),
    ({"Code": "Client.UserInitiatedShutdown", "Message": "User initiated shutdown"},
     "i-0abc: Client.UserInitiatedShutdown: User initiated shutdown. Fix the cause"),
])
def test_instance_failing_while_waiting_for_running_names_the_state_reason(reason, expected):
    """pending -> terminated at launch (a KMS key EC2 cannot use, no capacity): moto's instances run at once, so
    the state sequence is stubbed (aws.md §11.4); the wait ends in the translated reason, not a WaiterError."""
    import boto3
    from botocore.stub import Stubber

    ec2 = boto3.session.Session(aws_access_key_id="x", aws_secret_access_key="x",
                                region_name="eu-central-1").client("ec2")

    def described(state, sr=None):
        inst = {"InstanceId": "i-0abc", "State": {"Name": state}, **({"StateReason": sr} if sr else {})}
        return {"Reservations": [{"Instances": [inst]}]}

    with Stubber(ec2) as stub:
        stub.add_response("describe_instances", described("pending"), {"InstanceIds": ["i-0abc"]})
        stub.add_response("describe_instances", described("terminated", reason), {"InstanceIds": ["i-0abc"]})
        with pytest.raises(AwsError) as ei:
            _ctx("ec2", ec2).wait("ec2", "instance_running", 5, 60, InstanceIds=["i-0abc"])
    msg = str(ei.value)
    assert expected in msg and "InstanceRunning" in msg and "Waiter encountered" not in msg
    assert ei.value.code == reason["Code"]


def test_minimal_node_configs_and_pointer_user_data_fit_the_limit():
    from lokonb.aws.nodeconfigs import NodeConfigs

    body = b'{"ignition":{"version":"3.3.0"}}' + b" " * 30000
    nc = NodeConfigs({"worker-web": body}, specs={"worker-web": "3.3.0"}, secret={"worker-web": False})
    d = nc.deliver("demo", "worker-web", "lokonb-demo-12345678")
    assert d.mode == "s3" and len(d.user_data) < 1024  # too big for inline: pointer
    assert d.key.startswith("demo/worker-web/") and d.key.endswith(".ign")
    small = NodeConfigs({"worker-web": b'{"ignition":{"version":"3.3.0"}}'}, secret={"worker-web": False})
    assert small.deliver("demo", "worker-web", "b").mode == "inline"  # secret-free and small: inline (auto)
    secret = NodeConfigs({"worker-web": b'{"ignition":{"version":"3.3.0"}}'}, secret={"worker-web": True})
    assert secret.deliver("demo", "worker-web", "b").mode == "s3"


def test_roll_pools_starts_instance_refreshes_stubbed(make_config):
    """StartInstanceRefresh is not implemented by moto (HTTP 500): botocore Stubber only (aws.md §11.4)."""
    from botocore.stub import Stubber

    from lokonb.aws.roll import refresh_status, roll
    from lokonb.aws.session import Aws
    from lokonb.errors import ConfigError

    cfg = make_config()
    aws = Aws(region="eu-central-1", endpoint="http://127.0.0.1:9")
    asg = aws.client("autoscaling")
    with Stubber(asg) as stub:
        stub.add_response("start_instance_refresh", {"InstanceRefreshId": "r-1"}, {
            "AutoScalingGroupName": "demo-web-worker", "Strategy": "Rolling",
            "Preferences": {"MinHealthyPercentage": 90, "InstanceWarmup": 60}})
        stub.add_response("describe_instance_refreshes", {"InstanceRefreshes": [{
            "InstanceRefreshId": "r-1", "AutoScalingGroupName": "demo-web-worker", "Status": "InProgress",
            "PercentageComplete": 50, "StatusReason": "Waiting for instances to warm up"}]},
            {"AutoScalingGroupName": "demo-web-worker"})
        assert roll(aws, cfg, ["web"]) == [{"pool": "web", "group": "demo-web-worker", "id": "r-1"}]
        assert refresh_status(aws, cfg, "web")[0]["percent"] == 50
        stub.assert_no_pending_responses()
    with pytest.raises(ConfigError, match="unknown worker pool"):
        roll(aws, cfg, ["nope"])


@pytest.mark.parametrize("status,expected", [
    ("Could not launch Spot Instances. SpotMaxPriceTooLow - Your Spot request price of 0.001 is lower than the "
     "minimum required Spot request fulfillment price of 0.0035. Launching EC2 instance failed.",
     'Spot bid 0.001 for worker_pool["batch"] is below the current spot price 0.0035; raise spot_price'),
    ("Launching a new EC2 instance. Status Reason: We currently do not have sufficient t3.small capacity. "
     "InsufficientInstanceCapacity", 'worker_pool["batch"]: AWS has no capacity'),
    ("Invalid IAM Instance Profile name", "instance profile was not usable yet"),
])
def test_failed_scaling_activities_become_actionable_warnings(status, expected):
    """Spot and capacity failures surface only as ASG scaling activities, which moto never fails: fed here as
    the text AWS returns (aws.md §11.4)."""
    from lokonb.aws.api import activity_message

    assert expected in activity_message("batch", status)


def test_scaling_activity_warnings_read_from_a_stubbed_client():
    from types import SimpleNamespace

    from botocore.stub import Stubber

    from lokonb.aws.api import _scaling_warnings
    from lokonb.aws.graph import Actual
    from lokonb.aws.session import Aws

    aws = Aws(region="eu-central-1", endpoint="http://127.0.0.1:9")
    plan = SimpleNamespace(chosen={"asg/batch": Actual("asg/batch", "autoscaling:group", "demo-batch-worker")})
    with Stubber(aws.client("autoscaling")) as stub:
        stub.add_response("describe_scaling_activities", {"Activities": [{
            "ActivityId": "a", "AutoScalingGroupName": "demo-batch-worker", "Cause": "c",
            "StartTime": "2026-11-26T00:00:00Z", "StatusCode": "Failed",
            "StatusMessage": "Your Spot request price of 0.001 is lower than the minimum required Spot request "
                             "fulfillment price of 0.0035."}]},
            {"AutoScalingGroupName": "demo-batch-worker", "MaxRecords": 20})
        warnings = _scaling_warnings(aws, plan)
    assert warnings == ['Spot bid 0.001 for worker_pool["batch"] is below the current spot price 0.0035; raise '
                        'spot_price or leave it empty (on-demand cap).']


def test_local_state_refuses_terraform_state_and_is_private(tmp_path):
    import json
    import os

    from lokonb.aws.state import LocalState
    from lokonb.errors import OperationFailed

    tf = tmp_path / "terraform.tfstate"
    tf.write_text(json.dumps({"version": 4, "terraform_version": "0.13.7", "resources": []}))
    with pytest.raises(OperationFailed, match="is a Terraform state"):
        LocalState("demo", tf).write({"format": 1})
    assert "terraform_version" in tf.read_text()
    ours = LocalState("demo", tmp_path / "s" / "lokonb-state.json")
    ours.write({"format": 1, "serial": 1})
    assert oct(os.stat(ours.path).st_mode & 0o777) == "0o600" and ours.read()["serial"] == 1


def test_record_discovery_resumes_inside_a_name_with_several_record_sets():
    """Route 53 pages by name, type and set identifier (IsTruncated + NextRecord*); moto neither sorts like AWS nor
    pages by identifier, so the pages are fed directly."""
    from lokonb.aws.found import Found
    from lokonb.aws.resources import dns

    def txt(name, ident):
        return {"Name": name, "Type": "TXT", "SetIdentifier": ident, "Weight": 1, "TTL": 60,
                "ResourceRecords": [{"Value": '"x"'}]}

    pages = [
        {"ResourceRecordSets": [{"Name": "demo.example.com.", "Type": "A", "AliasTarget": {
            "HostedZoneId": "Z2", "DNSName": "demo-nlb.elb.example.", "EvaluateTargetHealth": True}},
            txt("app.demo.example.com.", "w1")], "IsTruncated": True, "NextRecordName": "app.demo.example.com.",
         "NextRecordType": "TXT", "NextRecordIdentifier": "w2"},
        {"ResourceRecordSets": [txt("app.demo.example.com.", "w2")], "IsTruncated": True,
         "NextRecordName": "demo-etcd0.example.com.", "NextRecordType": "A"},
        {"ResourceRecordSets": [{"Name": "demo-etcd0.example.com.", "Type": "A", "TTL": 300,
                                 "ResourceRecords": [{"Value": "10.0.0.5"}]},
                                {"Name": "dev.example.com.", "Type": "A", "TTL": 300,
                                 "ResourceRecords": [{"Value": "10.9.9.9"}]}], "IsTruncated": True,
         "NextRecordName": "zz.example.com.", "NextRecordType": "A"},
    ]
    sent = []

    class PagedAws:
        def call(self, service, op, **kw):
            assert (service, op) == ("route53", "list_resource_record_sets") and len(sent) < len(pages)
            sent.append(dict(kw))
            return pages[len(sent) - 1]

    class B:
        cluster, zone_id, zone_name = "demo", "Z1", "example.com."
        config = type("C", (), {"controller_count": 1})  # etcd names a clash can be at: etcd-0 only

    found = Found()
    found.known_ips.add("10.0.0.5")
    dns.discover(PagedAws(), B(), found)
    assert [k.get("StartRecordIdentifier") for k in sent] == [None, "w2", None]
    assert [k["StartRecordName"] for k in sent] == ["demo.example.com.", "app.demo.example.com.",
                                                    "demo-etcd0.example.com."]
    assert found.one("record/etcd-0") is not None  # found after the paged weighted sets; "dev" stopped the walk


def test_target_group_discovery_pages_and_keeps_only_the_clusters_groups():
    """DescribeTargetGroups of the region is paged (NextMarker; moto returns one page whatever the count, so the
    pages are fed with Stubber): the cluster's api group on page 2 is found; another cluster's group with the
    lk- prefix and an unprefixed group are neither adopted nor reported as name clashes."""
    from botocore.stub import Stubber

    from lokonb.aws import names
    from lokonb.aws.found import Found
    from lokonb.aws.resources import loadbalancer
    from lokonb.aws.session import Aws

    def tg(name, n):
        return {"TargetGroupName": name, "TargetGroupArn": f"arn:aws:elasticloadbalancing:eu-central-1:"
                f"123456789012:targetgroup/{name}/{n:016x}", "Protocol": "TCP", "Port": 6443, "VpcId": "vpc-1",
                "TargetType": "instance", "HealthCheckProtocol": "TCP", "HealthCheckPort": "traffic-port",
                "HealthyThresholdCount": 3, "UnhealthyThresholdCount": 3, "HealthCheckIntervalSeconds": 10}

    def owned(cluster, key):
        return [{"Key": names.TAG_CLUSTER, "Value": cluster}, {"Key": names.k8s_tag(cluster), "Value": "owned"},
                {"Key": names.TAG_RESOURCE, "Value": key}]

    ours, other, plain = tg(names.tg_name("demo", None, "api"), 1), tg(names.tg_name("prod", None, "api"), 2), \
        tg("web-ingress", 3)
    a = Aws(region="eu-central-1", endpoint="http://127.0.0.1:9", max_attempts=1)
    stub = Stubber(a.client("elbv2"))
    stub.add_client_error("describe_load_balancers", "LoadBalancerNotFound", http_status_code=400,
                          expected_params={"Names": ["demo-nlb"]})
    stub.add_response("describe_target_groups", {"TargetGroups": [other, plain], "NextMarker": "m1"}, {})
    stub.add_response("describe_target_groups", {"TargetGroups": [ours]}, {"Marker": "m1"})
    stub.add_response("describe_tags", {"TagDescriptions": [
        {"ResourceArn": other["TargetGroupArn"], "Tags": owned("prod", "tg/api")},
        {"ResourceArn": ours["TargetGroupArn"], "Tags": owned("demo", "tg/api")}]},
        {"ResourceArns": [other["TargetGroupArn"], ours["TargetGroupArn"]]})
    stub.add_response("describe_target_health", {"TargetHealthDescriptions": []},
                      {"TargetGroupArn": ours["TargetGroupArn"]})

    class B:
        cluster = "demo"
        config = type("C", (), {"worker_pools": []})

    found = Found()
    with stub:
        loadbalancer.discover(a, B(), found)
    stub.assert_no_pending_responses()
    assert [(x.key, x.id) for x in found.all()] == [("tg/api", ours["TargetGroupArn"])]
    assert found.foreign == []
