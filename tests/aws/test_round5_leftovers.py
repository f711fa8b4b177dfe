"""Round 5: nothing left behind after destroy (every resource kind, tagged or not), destroy after an apply that
stopped at each step, and apply-twice idempotence over the aws.md §2 option combinations."""

from __future__ import annotations

import pytest

from aws.conftest import boto
from lokonb.aws import api
from lokonb.aws.errors import ApplyFailed


def snapshot(url: str) -> dict[str, list]:
    """Every kind the spec creates, region-wide (tagged or not), as sorted id lists."""
    ec2, elb, asg, iam, s3, r53 = (boto(url, s) for s in ("ec2", "elbv2", "autoscaling", "iam", "s3", "route53"))
    out: dict[str, list] = {}
    out["vpcs"] = [v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]]
    out["subnets"] = [v["SubnetId"] for v in ec2.describe_subnets()["Subnets"]]
    out["igws"] = [v["InternetGatewayId"] for v in ec2.describe_internet_gateways()["InternetGateways"]]
    out["nat"] = [v["NatGatewayId"] for v in ec2.describe_nat_gateways()["NatGateways"]
                  if v["State"] not in ("deleted",)]
    rts = ec2.describe_route_tables()["RouteTables"]
    out["route_tables"] = [v["RouteTableId"] for v in rts]
    out["rt_assocs"] = [a["RouteTableAssociationId"] for v in rts for a in v.get("Associations", [])]
    out["routes"] = [(v["RouteTableId"], r.get("DestinationCidrBlock") or r.get("DestinationIpv6CidrBlock"))
                     for v in rts for r in v.get("Routes", [])]
    out["sgs"] = [v["GroupId"] for v in ec2.describe_security_groups()["SecurityGroups"]]
    out["sg_rules"] = [v["SecurityGroupRuleId"] for v in ec2.describe_security_group_rules()["SecurityGroupRules"]]
    out["eips"] = [v.get("AllocationId") for v in ec2.describe_addresses()["Addresses"]]
    # ENIs of terminated ASG instances leak in moto (aws.md §11.3): count only ENIs not attached to terminated ones
    term = {i["InstanceId"] for r in ec2.describe_instances()["Reservations"] for i in r["Instances"]
            if i["State"]["Name"] == "terminated"}
    out["enis"] = [v["NetworkInterfaceId"] for v in ec2.describe_network_interfaces()["NetworkInterfaces"]
                   if v.get("Attachment", {}).get("InstanceId") not in term or not v.get("Attachment")]
    out["instances"] = [i["InstanceId"] for r in ec2.describe_instances()["Reservations"] for i in r["Instances"]
                        if i["State"]["Name"] != "terminated"]
    out["volumes"] = [v["VolumeId"] for v in ec2.describe_volumes()["Volumes"]
                      if not any(a.get("InstanceId") in term for a in v.get("Attachments", []))]
    lts = ec2.describe_launch_templates()["LaunchTemplates"]
    out["lts"] = [v["LaunchTemplateId"] for v in lts]
    out["lt_versions"] = [(x["LaunchTemplateId"], v["VersionNumber"]) for x in lts
                          for v in ec2.describe_launch_template_versions(
                              LaunchTemplateId=x["LaunchTemplateId"])["LaunchTemplateVersions"]]
    lbs = elb.describe_load_balancers()["LoadBalancers"]
    out["lbs"] = [v["LoadBalancerArn"] for v in lbs]
    out["listeners"] = [x["ListenerArn"] for v in lbs
                        for x in elb.describe_listeners(LoadBalancerArn=v["LoadBalancerArn"])["Listeners"]]
    tgs = elb.describe_target_groups()["TargetGroups"]
    out["tgs"] = [v["TargetGroupArn"] for v in tgs]
    out["asgs"] = [v["AutoScalingGroupName"] for v in asg.describe_auto_scaling_groups()["AutoScalingGroups"]]
    out["roles"] = [v["RoleName"] for v in iam.list_roles()["Roles"]]
    out["role_policies"] = [(r, p) for r in out["roles"] for p in iam.list_role_policies(RoleName=r)["PolicyNames"]]
    out["profiles"] = [v["InstanceProfileName"] for v in iam.list_instance_profiles()["InstanceProfiles"]]
    out["policies"] = [v["Arn"] for v in iam.list_policies(Scope="Local")["Policies"]]
    buckets = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    out["buckets"] = buckets
    out["objects"] = [(b, v["Key"], v.get("VersionId")) for b in buckets
                      for v in s3.list_object_versions(Bucket=b).get("Versions", [])]
    out["records"] = [(z["Id"], r["Name"], r["Type"]) for z in r53.list_hosted_zones()["HostedZones"]
                      for r in r53.list_resource_record_sets(HostedZoneId=z["Id"])["ResourceRecordSets"]]
    return {k: sorted(map(str, v)) for k, v in out.items()}


def diff(before: dict, after: dict) -> dict:
    return {k: sorted(set(after[k]) - set(before[k])) for k in after if set(after[k]) - set(before[k])}


def test_destroy_leaves_nothing_of_any_kind(make_config, aws_url):
    cfg = make_config(controller_count=3, enable_csi=True)
    base = snapshot(aws_url)
    api.apply(cfg, node_configs="minimal", progress=False)
    mid = diff(base, snapshot(aws_url))
    for kind in ("vpcs", "subnets", "igws", "route_tables", "rt_assocs", "routes", "sgs", "sg_rules", "instances",
                 "volumes", "lts", "lt_versions", "lbs", "listeners", "tgs", "asgs", "roles", "role_policies",
                 "profiles", "buckets", "objects", "records"):
        assert mid.get(kind), kind      # the snapshot sees what apply made, so "nothing after destroy" means it
    api.destroy(cfg, confirm=True, progress=False)
    assert diff(base, snapshot(aws_url)) == {}


# (step, fault rule): apply stops for good at that step (a non-retryable error), destroy must clean up
STEPS = [
    ("subnet", {"service": "ec2", "op": "CreateSubnet"}),
    ("route", {"service": "ec2", "op": "CreateRoute"}),
    ("rt-assoc", {"service": "ec2", "op": "AssociateRouteTable"}),
    ("sg-rule", {"service": "ec2", "op": "AuthorizeSecurityGroupIngress"}),
    ("tg", {"service": "elasticloadbalancing", "op": "CreateTargetGroup"}),
    ("nlb", {"service": "elasticloadbalancing", "op": "CreateLoadBalancer"}),
    ("listener", {"service": "elasticloadbalancing", "op": "CreateListener"}),
    ("tg-attach", {"service": "elasticloadbalancing", "op": "RegisterTargets"}),
    ("iam-policy", {"service": "iam", "op": "PutRolePolicy"}),
    ("object", {"service": "s3", "op": r"PUT /lokonb-[^/]+/.+"}),
    ("controller", {"service": "ec2", "op": "RunInstances"}),
    ("lt", {"service": "ec2", "op": "CreateLaunchTemplate"}),
    ("asg", {"service": "autoscaling", "op": "CreateAutoScalingGroup"}),
    ("record", {"service": "route53", "op": r"POST .*/rrset/?"}),
]


@pytest.mark.parametrize("with_state", [True, False], ids=["state", "no-state"])
@pytest.mark.parametrize("rule", [s[1] for s in STEPS], ids=[s[0] for s in STEPS])
def test_destroy_after_apply_stopped_at_each_step(make_config, moto_server, aws_url, tmp_path, rule, with_state):
    cfg = make_config()
    base = snapshot(aws_url)
    moto_server.add(times=None, status=403, code="UnauthorizedOperation", message="injected", **rule)
    with pytest.raises(ApplyFailed):
        api.apply(cfg, node_configs="minimal", progress=False)
    moto_server.clear()
    if not with_state:
        (tmp_path / "state.json").unlink()
    api.destroy(cfg, confirm=True, progress=False)
    assert diff(base, snapshot(aws_url)) == {}


POOL = {"name": "web", "count": 1, "instance_type": "t3.small"}
# aws.md §2 option combinations: apply twice = no change, plan after apply empty (IPv6 is always on, §5.1;
# an existing VPC is not supported by the spec)
COMBOS = [
    ("spot", {"worker_pools": [dict(POOL, spot_price="0.05")]}),
    ("mixed", {"worker_pools": [dict(POOL, spot_price="0.05", spot_instance_types=["t3a.small", "t3.medium"])]}),
    ("mixed-on-demand-cap", {"worker_pools": [dict(POOL, spot_instance_types=["t3a.small"])]}),
    ("pinned-ami", {"os_version": "3815.2.0", "worker_pools": [dict(POOL, os_channel="beta")]}),
    ("arm-pool", {"worker_pools": [dict(POOL, instance_type="t4g.small")]}),
    # moto's RunInstances drops a root volume's Iops (test_moto_gaps.py): controllers stay at gp3's 3000 baseline
    ("gp3-iops", {"disk_type": "gp3", "disk_iops": 3000, "disk_size": 50,
                  "worker_pools": [dict(POOL, disk_type="gp3", disk_iops=4000, disk_size=30)]}),
    # ... and so does an ASG launch from an io1/io2 template: count 0 checks the template and the group alone
    ("io-pools", {"disk_type": "standard", "disk_size": 20,
                  "worker_pools": [dict(POOL, count=0, disk_type="io2", disk_iops=400, disk_size=20),
                                   dict(POOL, name="b", count=0, disk_type="io1", disk_iops=200, disk_size=16,
                                        lb_http_port=8080, lb_https_port=8443)]}),
    ("kms", {"aws": {"ebs_kms_key_id": "arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-"
                                       "1234567890ab"}}),
    ("cidr", {"host_cidr": "172.20.0.0/20", "pod_cidr": "10.50.0.0/16", "service_cidr": "10.60.0.0/24"}),
    ("tags", {"tags": {"team": "platform", "cost center": "a/b=c+d@e"},
              "worker_pools": [dict(POOL, tags={"team": "web", "Name": "mine"})]}),
    ("rules", {"expose_nodeports": True, "enable_node_local_dns": True, "encrypt_pod_traffic": True,
               "enable_csi": True}),
    ("imds", {"metadata_hop_limit": 2, "imds_v2_required": False,
              "worker_pools": [dict(POOL, metadata_hop_limit=3, imds_v2_required=True)]}),
    ("ports", {"worker_pools": [dict(POOL, lb_http_port=8080, lb_https_port=8443),
                                dict(POOL, name="b", count=0, lb_http_port=9080, lb_https_port=0)]}),
    ("three-controllers", {"controller_count": 3, "controller_type": "t3.large"}),
]


@pytest.mark.parametrize("over", [c[1] for c in COMBOS], ids=[c[0] for c in COMBOS])
def test_apply_twice_changes_nothing(make_config, moto_server, over):
    over = dict(over)
    cfg = make_config(aws=over.pop("aws", None), **over)
    first = api.apply(cfg, node_configs="minimal", progress=False)
    assert not first.plan.is_empty
    p = api.plan(cfg, node_configs="minimal")
    assert p.is_empty, p.text()
    again = api.apply(cfg, node_configs="minimal", progress=False)
    assert again.plan.is_empty and len(again.result_df) == 0, again.plan.text()


def test_root_volume_kept_after_termination_is_not_left_behind(make_config, aws_url):
    """A controller's root volume whose DeleteOnTermination was turned off out of band survives the instance; it
    still carries the cluster's ownership tags (TagSpecifications at launch), so destroy must not leave it."""
    cfg = make_config()
    base = snapshot(aws_url)
    api.apply(cfg, node_configs="minimal", progress=False)
    ec2 = boto(aws_url, "ec2")
    inst = [i for r in ec2.describe_instances(Filters=[{"Name": "tag:lokonb:cluster", "Values": ["demo"]},
                                                         {"Name": "tag:lokonb:resource", "Values": ["controller/0"]}])
            ["Reservations"] for i in r["Instances"]][0]
    dev = inst["BlockDeviceMappings"][0]["DeviceName"]
    ec2.modify_instance_attribute(InstanceId=inst["InstanceId"],
                                  BlockDeviceMappings=[{"DeviceName": dev, "Ebs": {"DeleteOnTermination": False}}])
    vol = inst["BlockDeviceMappings"][0]["Ebs"]["VolumeId"]
    api.destroy(cfg, confirm=True, progress=False)
    left = ec2.describe_volumes(Filters=[{"Name": "volume-id", "Values": [vol]}])["Volumes"]
    assert not left or left[0]["State"] == "deleted", left
    assert diff(base, snapshot(aws_url)) == {}


def test_owned_volume_left_detached_by_an_earlier_run_is_deleted(make_config, aws_url):
    """A detached volume with both ownership tags (an earlier destroy died after terminating its instance) is
    the cluster's: destroy lists it in its plan and deletes it; a volume with only the Kubernetes tag stays."""
    cfg = make_config()
    api.apply(cfg, node_configs="minimal", progress=False)
    ec2 = boto(aws_url, "ec2")
    az = ec2.describe_availability_zones()["AvailabilityZones"][0]["ZoneName"]

    def volume(tags):
        return ec2.create_volume(AvailabilityZone=az, Size=8, TagSpecifications=[{"ResourceType": "volume", "Tags": [
            {"Key": k, "Value": v} for k, v in tags.items()]}])["VolumeId"]

    owned = volume({"lokonb:cluster": "demo", "kubernetes.io/cluster/demo": "owned",
                    "lokonb:resource": "controller/0"})
    csi = volume({"kubernetes.io/cluster/demo": "owned", "CSIVolumeName": "pvc-1"})
    p = api.destroy_plan(cfg)
    assert [a.id for a in p.actions if a.type == "ec2:volume"] == [owned]
    res = api.destroy(cfg, confirm=True, progress=False)
    left = {v["VolumeId"] for v in ec2.describe_volumes()["Volumes"]}
    assert owned not in left and csi in left
    assert any(x["id"].endswith(csi) for x in res.left_in_place)


def test_leftover_found_only_by_the_tag_sweep_is_named(make_config, aws_url):
    """lokonb makes no EBS snapshot; one tagged with both ownership tags by hand is the cluster's by the §4.1 rule,
    so destroy cannot report "nothing left" — and its message names the snapshot, not just "(tag sweep)"."""
    from lokonb.aws.errors import DestroyIncomplete

    cfg = make_config()
    api.apply(cfg, node_configs="minimal", progress=False)
    ec2 = boto(aws_url, "ec2")
    vol = ec2.create_volume(AvailabilityZone=ec2.describe_availability_zones()["AvailabilityZones"][0]["ZoneName"],
                            Size=8)["VolumeId"]
    snap = ec2.create_snapshot(VolumeId=vol, TagSpecifications=[{
        "ResourceType": "snapshot", "Tags": [{"Key": "lokonb:cluster", "Value": "demo"},
                                             {"Key": "kubernetes.io/cluster/demo", "Value": "owned"}]}])
    with pytest.raises(DestroyIncomplete) as ei:
        api.destroy(cfg, confirm=True, progress=False)
    assert snap["SnapshotId"] in str(ei.value)
