"""A3 plan content for configuration changes, A10 P8 name clashes, A14 destroy edge cases (each on the moto server)."""

from __future__ import annotations

import copy

import pytest

from aws.conftest import BASE, boto
from lokonb.aws import api
from lokonb.aws.errors import DestroyIncomplete, PlanError, PreflightError
from lokonb.errors import NotConfirmed, OperationFailed


def pools(**changes):
    p = copy.deepcopy(BASE["cluster"]["worker_pools"])
    for name, upd in changes.items():
        next(x for x in p if x["name"] == name).update(upd)
    return p


@pytest.fixture
def applied(make_config):
    cfg = make_config()
    api.apply(cfg, node_configs="minimal", progress=False)
    return cfg


def rows(p):
    return {(a.action, a.key): a for a in p.actions}


def test_identity_changes_are_refused_all_at_once(applied, make_config):
    with pytest.raises(PlanError) as ei:
        api.plan(make_config(host_cidr="10.8.0.0/16", controller_count=3), node_configs="minimal")
    text = str(ei.value)
    assert "host_cidr: 10.0.0.0/16 -> 10.8.0.0/16 cannot change" in text
    assert "controller_count: 1 -> 3 cannot change" in text and len(ei.value.problems) >= 2


def test_controller_type_is_disruptive_and_needs_allow_replace(applied, make_config, aws_url):
    cfg = make_config(controller_type="t3.large")
    p = api.plan(cfg, node_configs="minimal")
    row = rows(p)[("update", "controller/0")]
    assert row.disruptive and "instance_type: t3.medium -> t3.large" in row.details
    with pytest.raises(PlanError, match="allow_replace"):
        api.apply(cfg, node_configs="minimal", progress=False)
    api.apply(cfg, node_configs="minimal", progress=False, allow_replace=True)
    ec2 = boto(aws_url, "ec2")
    inst = [i for r in ec2.describe_instances(Filters=[{"Name": "tag:lokonb:resource", "Values": ["controller/0"]}])[
        "Reservations"] for i in r["Instances"]]
    assert len(inst) == 1 and inst[0]["InstanceType"] == "t3.large"  # same instance, stopped/modified/started


def test_controller_type_change_waits_for_each_controller_back_in_the_api_target_group(make_config, monkeypatch):
    """One controller at a time, each healthy in tg/api again before the next one is stopped (aws.md §7.2)."""
    from lokonb.aws.graph import ExecCtx
    from lokonb.aws.session import Aws

    api.apply(make_config(controller_count=3), node_configs="minimal", progress=False)
    seq: list[tuple[str, str]] = []
    call, wait = Aws.call, ExecCtx.wait

    def rec_call(self, service, operation, **kw):
        if operation in ("stop_instances", "start_instances"):
            seq.append((operation, kw["InstanceIds"][0]))
        return call(self, service, operation, **kw)

    def rec_wait(self, service, waiter, delay, attempts, **kw):
        if waiter == "target_in_service":
            seq.append((waiter, kw["Targets"][0]["Id"]))
        return wait(self, service, waiter, delay, attempts, **kw)

    monkeypatch.setattr(Aws, "call", rec_call)
    monkeypatch.setattr(ExecCtx, "wait", rec_wait)
    api.apply(make_config(controller_count=3, controller_type="t3.large"), node_configs="minimal", progress=False,
              allow_replace=True)
    ids = [i for op, i in seq if op == "stop_instances"]
    assert len(set(ids)) == 3
    assert seq == [(op, i) for i in ids for op in ("stop_instances", "start_instances", "target_in_service")], seq


def test_rules_ports_tags_and_pool_removal(applied, make_config, aws_url):
    cfg = make_config(expose_nodeports=True, tags={"team": "platform", "cost": "42"},
                      worker_pools=pools(web={"lb_http_port": 8000})[:1])
    p = api.plan(cfg, node_configs="minimal")
    r = rows(p)
    assert ("create", "sg-rule/worker/ingress/tcp/30000-32767/sg/worker") in r
    assert "port: 80 -> 8000" in r[("update", "listener/web/http")].details
    assert r[("update", "vpc")].reason == "tags changed" and "cost" in r[("update", "vpc")].details
    gone = {k for (a, k) in r if a == "delete"}
    assert {"asg/batch", "lt/batch", "tg/batch/http", "tg/batch/https", "listener/batch/http", "iam/batch",
            "object/batch"} <= gone
    api.apply(cfg, node_configs="minimal", progress=False)
    again = api.plan(cfg, node_configs="minimal")
    assert again.is_empty, again.text()
    groups = boto(aws_url, "autoscaling").describe_auto_scaling_groups()["AutoScalingGroups"]
    assert [g["AutoScalingGroupName"] for g in groups] == ["demo-web-worker"]


def test_newer_ami_is_reported_and_adopted_only_with_upgrade_os(make_config, aws_url):
    old = make_config(worker_pools=pools(web={"os_version": "3815.2.0"}))
    api.apply(old, node_configs="minimal", progress=False)
    current = make_config()  # os_version "current" now finds 3815.2.5
    p = api.plan(current, node_configs="minimal")
    skip = rows(p)[("skip", "lt/web")]
    assert "newer Flatcar AMI" in skip.reason and "Flatcar-stable-3815.2.5-hvm" in skip.reason
    assert p.is_empty
    p = api.plan(current, node_configs="minimal", upgrade_os=True)
    assert {(a.action, a.key) for a in p.changes} == {("update", "lt/web"), ("update", "asg/web")}


def test_foreign_nlb_with_the_clusters_name_is_a_preflight_error(make_config, aws_url):
    ec2 = boto(aws_url, "ec2")
    vpc = ec2.create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
    sub = ec2.create_subnet(VpcId=vpc, CidrBlock="10.7.0.0/24")["Subnet"]["SubnetId"]
    boto(aws_url, "elbv2").create_load_balancer(Name="demo-nlb", Subnets=[sub], Type="network")
    with pytest.raises(PreflightError, match="demo-nlb exists and is not owned by cluster demo"):
        api.plan(make_config(), node_configs="minimal")


def test_foreign_role_profile_target_group_template_and_asg_names_are_preflight_errors(make_config, aws_url):
    """P8 covers every derived name, not only the NLB: each clash is reported at once, before any mutating call."""
    import json

    from lokonb.aws import names

    ec2, iam = boto(aws_url, "ec2"), boto(aws_url, "iam")
    vpc = ec2.create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
    sub = ec2.create_subnet(VpcId=vpc, CidrBlock="10.7.0.0/24")["Subnet"]["SubnetId"]
    ami = ec2.describe_images(Owners=["075585003325"])["Images"][0]["ImageId"]
    ec2.create_launch_template(LaunchTemplateName="demo-web-worker", LaunchTemplateData={"ImageId": ami})
    boto(aws_url, "autoscaling").create_auto_scaling_group(
        AutoScalingGroupName="demo-batch-worker", MinSize=0, MaxSize=0, VPCZoneIdentifier=sub,
        LaunchTemplate={"LaunchTemplateName": "demo-web-worker"})
    iam.create_role(RoleName="demo-controller", AssumeRolePolicyDocument=json.dumps({"Statement": []}))
    iam.create_instance_profile(InstanceProfileName="demo-web-worker")
    tg = names.tg_name("demo", "batch", "https")
    boto(aws_url, "elbv2").create_target_group(Name=tg, Protocol="TCP", Port=30443, VpcId=vpc)
    with pytest.raises(PreflightError) as ei:
        api.plan(make_config(), node_configs="minimal")
    text = str(ei.value)
    for what in ("ec2:launch-template demo-web-worker", "autoscaling:group demo-batch-worker",
                 "iam:role demo-controller", "iam:instance-profile demo-web-worker", f"elbv2:target-group {tg}"):
        assert f"{what} exists and is not owned by cluster demo" in text, (what, text)


def test_destroy_leaves_an_instance_profile_outside_the_clusters_path(applied, aws_url):
    """A profile named like the cluster's but outside /lokonb/<cluster>/ is not the cluster's (moto lists it anyway)."""
    iam = boto(aws_url, "iam")
    iam.create_instance_profile(InstanceProfileName="demo-legacy", Path="/team/")
    assert "nothing left" in api.destroy(applied, confirm=True, progress=False).message
    assert iam.get_instance_profile(InstanceProfileName="demo-legacy")["InstanceProfile"]["Path"] == "/team/"


def test_destroy_needs_confirmation_and_names_blockers(applied, moto_server, aws_url, no_backoff, make_config):
    with pytest.raises(NotConfirmed) as ei:
        api.destroy(applied)
    assert ei.value.exit_code == 2 and "would delete" in str(ei.value)
    assert not api.plan(applied, node_configs="minimal").changes  # nothing changed
    ec2 = boto(aws_url, "ec2")
    sub = ec2.describe_subnets(Filters=[{"Name": "tag:lokonb:resource", "Values": ["subnet/public-1"]}])[
        "Subnets"][0]["SubnetId"]
    eni = ec2.create_network_interface(SubnetId=sub, Description="ELB k8s-ingress")["NetworkInterface"]
    moto_server.add(service="ec2", op="DeleteSubnet", times=None, status=400, code="DependencyViolation",
                    message=f"The subnet '{sub}' has dependencies and cannot be deleted.")
    fast = make_config(aws={"waiter_scale": 0.002})  # DependencyViolation budget 10 min x 0.002
    with pytest.raises(DestroyIncomplete) as ei:
        api.destroy(fast, confirm=True, progress=False)
    msg = str(ei.value)
    assert eni["NetworkInterfaceId"] in msg and "ELB k8s-ingress" in msg and "LoadBalancer Services" in msg
    assert "subnet/public-1" in set(ei.value.leftovers.key)
    moto_server.clear()
    ec2.delete_network_interface(NetworkInterfaceId=eni["NetworkInterfaceId"])
    assert "nothing left" in api.destroy(applied, confirm=True, progress=False).message


def test_kubernetes_only_resources_survive_destroy_and_are_listed(applied, aws_url):
    ec2 = boto(aws_url, "ec2")
    vol = ec2.create_volume(Size=1, AvailabilityZone="eu-central-1a", TagSpecifications=[{
        "ResourceType": "volume", "Tags": [{"Key": "kubernetes.io/cluster/demo", "Value": "owned"}]}])["VolumeId"]
    res = api.destroy(applied, confirm=True, progress=False)
    assert "nothing left" in res.message
    assert [x["why"] for x in res.left_in_place if vol in x["id"]] == ["not created by lokonb; left in place"]
    assert ec2.describe_volumes(VolumeIds=[vol])["Volumes"]


def test_missing_extra_target_group_is_a_preflight_error(make_config):
    arn = "arn:aws:elasticloadbalancing:eu-central-1:123456789012:targetgroup/nope/0123456789abcdef"
    with pytest.raises(PreflightError, match=r'worker_pool\["web"\].target_groups: .*nope.* does not exist'):
        api.plan(make_config(worker_pools=pools(web={"target_groups": [arn]})), node_configs="minimal")


def test_preflight_reports_az_shortage_and_picks_arm64_amis(make_config):
    with pytest.raises(PreflightError,
                       match="controller_count: 5 controllers need as many availability zones, eu-central-1 has 3"):
        api.plan(make_config(controller_count=5), node_configs="minimal")
    p = api.plan(make_config(worker_pools=pools(web={"instance_type": "t4g.small"})), node_configs="minimal")
    amis = p.build.amis
    assert amis[("stable", "current", "arm64")]["Name"] == "Flatcar-stable-3815.2.5-arm64-hvm"
    assert amis[("stable", "current", "x86_64")]["Name"] == "Flatcar-stable-3815.2.5-hvm"
    lt = next(a for a in p.actions if a.key == "lt/web")
    assert lt.desired.props["data"]["ImageId"] == amis[("stable", "current", "arm64")]["ImageId"]


def test_preflight_checks_every_pools_disk_against_the_ami_root_snapshot(make_config):
    """P5: a pool sharing the controllers' AMI (the default) is checked too, and every undersized user is named."""
    with pytest.raises(PreflightError) as ei:
        api.plan(make_config(worker_pools=pools(web={"disk_size": 1}, batch={"disk_size": 2})), node_configs="minimal")
    text = str(ei.value)
    assert 'worker_pool["web"]: disk_size 1 GiB is smaller than the AMI\'s root snapshot' in text
    assert 'worker_pool["batch"]: disk_size 2 GiB is smaller than the AMI\'s root snapshot' in text
    assert "controllers: disk_size" not in text


def test_preflight_refuses_a_private_zone_given_by_id(make_config, aws_url):
    """P4: the zone must be public, also when dns_zone_id names it."""
    vpc = boto(aws_url, "ec2").create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
    zid = boto(aws_url, "route53").create_hosted_zone(
        Name="example.com", CallerReference="private-1", VPC={"VPCRegion": "eu-central-1", "VPCId": vpc},
        HostedZoneConfig={"PrivateZone": True})["HostedZone"]["Id"].split("/")[-1]
    with pytest.raises(PreflightError, match=f"dns_zone_id {zid} is a private hosted zone"):
        api.plan(make_config(dns_zone_id=zid), node_configs="minimal")


def test_zone_typed_in_capitals_with_a_trailing_dot_is_the_public_zone(make_config, aws_url):
    """P4 with dns_zone "Example.COM.": the zone is example.com. (Route 53 answers in lower case); it was reported
    missing. A private zone of the same name beside it is not taken, and the cluster converges."""
    vpc = boto(aws_url, "ec2").create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
    boto(aws_url, "route53").create_hosted_zone(
        Name="example.com", CallerReference="private-2", VPC={"VPCRegion": "eu-central-1", "VPCId": vpc},
        HostedZoneConfig={"PrivateZone": True})
    cfg = make_config(dns_zone="Example.COM.")
    assert api.apply(cfg, node_configs="minimal", progress=False).endpoint == "demo.example.com"
    assert api.plan(cfg, node_configs="minimal").is_empty


def test_a_record_of_a_gone_embedded_aws_is_ignored_by_other_endpoints(make_config, tmp_path):
    """`cluster apply --endpoint embedded` leaves a record describing a moto instance that is gone; a later run
    against another endpoint (a real account) must not be refused by P9 because of it, nor trust its contents."""
    import json

    path = tmp_path / "lokonb-state.json"
    path.write_text(json.dumps({"format": 1, "cluster_name": "demo", "account_id": "999999999999", "region":
                                "eu-central-1", "endpoint": "embedded", "embedded_url": "http://127.0.0.1:1",
                                "partition": "aws", "serial": 3, "resources": {"vpc": {"id": "vpc-gone"}}}))
    p = api.plan(make_config(), node_configs="minimal", state_path=path)
    assert ("create", "vpc") in rows(p) and "recorded in state" not in rows(p)[("create", "vpc")].reason
    # a record of this endpoint is still checked (P9)
    path.write_text(json.dumps({"format": 1, "cluster_name": "demo", "account_id": "999999999999", "region":
                                "eu-central-1", "endpoint": None, "partition": "aws", "serial": 3, "resources": {}}))
    with pytest.raises(OperationFailed, match="state record is for account_id 999999999999"):
        api.plan(make_config(), node_configs="minimal", state_path=path)


def test_explicit_controller_replacement(make_config, aws_url):
    cfg = make_config(controller_count=3)
    api.apply(cfg, node_configs="minimal", progress=False)
    ec2 = boto(aws_url, "ec2")
    flt = [{"Name": "tag:lokonb:resource", "Values": ["controller/1"]},
           {"Name": "instance-state-name", "Values": ["running"]}]
    old = ec2.describe_instances(Filters=flt)["Reservations"][0]["Instances"][0]["InstanceId"]
    with pytest.raises(PlanError, match="allow_replace"):
        api.apply(cfg, node_configs="minimal", progress=False, replace=["controller/1"])
    res = api.apply(cfg, node_configs="minimal", progress=False, replace=["controller/1"], allow_replace=True)
    done = {(r.action, r.key) for r in res.result_df.itertuples()}
    assert ("replace", "controller/1") in done and ("replace", "tg-attach/api/1") in done
    new = ec2.describe_instances(Filters=flt)["Reservations"][0]["Instances"][0]["InstanceId"]
    assert new != old
    assert api.plan(cfg, node_configs="minimal").is_empty
    assert api.verify(cfg, node_configs="minimal").ok.all()


def test_node_config_changes_new_objects_controllers_keep_boot_config(applied, make_config, aws_url):
    """Content-addressed node configs: a changed render is a new object + LT version; controllers are not
    touched (skip row); the previous version's object is kept, older ones are cleaned up."""
    key2 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBtZ1k1MFVkKrd3W1rAxMQIcU6Rh2tZPgwEm2t8ucaFq second@example"
    s3 = boto(aws_url, "s3")
    bucket = [b["Name"] for b in s3.list_buckets()["Buckets"] if b["Name"].startswith("lokonb-demo-")][0]

    def objects(role):
        return sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=f"demo/{role}/").get("Contents", []))

    first = objects("worker-web")
    cfg2 = make_config(ssh_pubkeys=BASE["cluster"]["ssh_pubkeys"] + [key2])
    p = api.plan(cfg2, node_configs="minimal")
    r = rows(p)
    assert r[("skip", "object/controller-0")].reason == "controllers keep their boot config"
    assert ("create", "object/web") in r and ("update", "lt/web") in r and ("update", "asg/web") in r
    assert not any(k.startswith("controller/") for (a, k) in r if a != "skip")
    api.apply(cfg2, node_configs="minimal", progress=False)
    second = objects("worker-web")
    assert len(second) == 2 and set(first) < set(second)  # previous version's object kept
    assert api.plan(cfg2, node_configs="minimal").is_empty
    key3 = key2.replace("second@", "third@")
    cfg3 = make_config(ssh_pubkeys=BASE["cluster"]["ssh_pubkeys"] + [key3])
    p3 = api.plan(cfg3, node_configs="minimal")
    assert first[0] in [a.id for a in p3.actions if a.action == "delete"], p3.text()
    r3 = api.apply(cfg3, node_configs="minimal", progress=False)
    assert (r3.result_df.status == "done").all(), r3.result_df.to_string()
    third = objects("worker-web")
    assert first[0] not in third and len(third) == 2  # the oldest, no longer referenced, is gone
    assert len(objects("controller-0")) == 1  # controllers keep the config they booted with
    assert api.plan(cfg3, node_configs="minimal").is_empty


def test_replace_of_a_missing_address_names_each_with_the_closest_keys(make_config):
    """Terraform's -replace of an address not in the configuration is an error naming it; "controller/7" (one
    controller), " controller/0" (a stray space) and "" showed as "no such resource  controller/0" or nothing."""
    with pytest.raises(PlanError) as ei:
        api.plan(make_config(), node_configs="minimal", replace=["controller/7", " controller/0", "", "asg/web"])
    assert ei.value.problems == [
        "replace: no resource 'controller/7' in cluster demo; did you mean 'controller/0'?",
        "replace: no resource ' controller/0' in cluster demo; did you mean 'controller/0'?",
        "replace: no resource '' in cluster demo; keys look like 'controller/0', 'asg/web'"]


def test_destroy_finds_the_records_when_a_second_public_zone_has_the_name(applied, make_config, aws_url):
    """aws.md §9: verification covers the cluster's record names. A second public zone example.com. created after
    apply (no dns_zone_id) made destroy look in no zone: the three records stayed and it reported nothing left."""
    from lokonb.aws import teardown

    r53 = boto(aws_url, "route53")
    first = r53.list_hosted_zones_by_name(DNSName="example.com.")["HostedZones"][0]["Id"]
    r53.create_hosted_zone(Name="example.com", CallerReference="second-zone")
    teardown.destroy(make_config(), confirm=True, progress=False)
    left = {r["Name"] for r in r53.list_resource_record_sets(HostedZoneId=first)["ResourceRecordSets"]}
    assert left == {"example.com."}  # SOA and NS only


def test_destroy_refuses_to_guess_between_two_zones_holding_the_api_name(applied, make_config, aws_url):
    from lokonb.aws import teardown

    r53 = boto(aws_url, "route53")
    second = r53.create_hosted_zone(Name="example.com", CallerReference="second-zone")["HostedZone"]["Id"]
    record = {"Name": "demo.example.com.", "Type": "A", "TTL": 60, "ResourceRecords": [{"Value": "192.0.2.10"}]}
    r53.change_resource_record_sets(HostedZoneId=second, ChangeBatch={"Changes": [
        {"Action": "CREATE", "ResourceRecordSet": record}]})
    with pytest.raises(OperationFailed, match=r"several public zones named example.com. hold a record "
                                              r"demo.example.com. \(.*\); set dns_zone_id .* \(nothing was deleted\)"):
        teardown.destroy(make_config(), confirm=True, progress=False)
    assert boto(aws_url, "elbv2").describe_load_balancers(Names=["demo-nlb"])["LoadBalancers"]
