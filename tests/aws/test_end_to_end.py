"""A1 end to end on a moto server started by the test: apply, then check every resource and attribute through
the AWS APIs (not lokonb's state), re-plan empty with zero mutating calls, scale a pool, change a pool's instance
type (new launch template version), destroy, zero leftovers.

moto gaps worked around here (aws.md §11.3), each asserted on what lokonb *sends* or what the API reports:
* ASG instances ignore the launch template's metadata options / profile -> assert the LT version data instead.
* instances get no IPv6 address -> assert the subnets' IPv6 attributes.
* NLB CanonicalHostedZoneId is a constant -> compare the alias with the LB's own reported value.
* the endpoint is plain HTTP -> the deny-non-TLS bucket policy is left out (lokonb notes it); encryption,
  public access block and ownership are asserted.
* instance-level SecurityGroups stay empty for instances launched with NetworkInterfaces -> assert the ENI's groups.
"""

from __future__ import annotations

import base64
import json

from aws.conftest import boto
from lokonb.aws import api
from lokonb.aws.names import bucket_name, tg_name
from lokonb.aws.session import open_aws


def owned(tags) -> bool:
    t = {x["Key"]: x["Value"] for x in tags or []}
    return t.get("lokonb:cluster") == "demo" and t.get("kubernetes.io/cluster/demo") == "owned"


def counts(url: str) -> dict[str, int]:
    """Region-wide resource counts (the default VPC etc. included: compared with a baseline)."""
    ec2, elb, asg, iam, s3 = (boto(url, s) for s in ("ec2", "elbv2", "autoscaling", "iam", "s3"))
    running = [i for r in ec2.describe_instances()["Reservations"] for i in r["Instances"]
               if i["State"]["Name"] != "terminated"]
    return {
        "vpcs": len(ec2.describe_vpcs()["Vpcs"]), "subnets": len(ec2.describe_subnets()["Subnets"]),
        "igws": len(ec2.describe_internet_gateways()["InternetGateways"]),
        "route_tables": len(ec2.describe_route_tables()["RouteTables"]),
        "sgs": len(ec2.describe_security_groups()["SecurityGroups"]), "instances": len(running),
        "lts": len(ec2.describe_launch_templates()["LaunchTemplates"]),
        "lbs": len(elb.describe_load_balancers()["LoadBalancers"]),
        "tgs": len(elb.describe_target_groups()["TargetGroups"]),
        "asgs": len(asg.describe_auto_scaling_groups()["AutoScalingGroups"]),
        "roles": len(iam.list_roles()["Roles"]), "profiles": len(iam.list_instance_profiles()["InstanceProfiles"]),
        "buckets": len(s3.list_buckets()["Buckets"]),
        "records": sum(len(boto(url, "route53").list_resource_record_sets(HostedZoneId=z["Id"])["ResourceRecordSets"])
                       for z in boto(url, "route53").list_hosted_zones()["HostedZones"]),
    }


def test_apply_verify_replan_scale_change_destroy(make_config, aws_url, tmp_path):
    cfg = make_config()
    baseline = counts(aws_url)
    res = api.apply(cfg, node_configs="minimal", progress=False)
    assert res.endpoint == "demo.example.com"
    assert (res.result_df.status == "done").all() and len(res.result_df) == len(res.plan.changes) > 60

    # --- independent checks through the AWS APIs --------------------------------------------------------
    ec2, elb, asg, iam, s3, r53 = (boto(aws_url, s) for s in ("ec2", "elbv2", "autoscaling", "iam", "s3",
                                                              "route53"))
    f = [{"Name": "tag:lokonb:cluster", "Values": ["demo"]}]
    vpcs = ec2.describe_vpcs(Filters=f)["Vpcs"]
    assert len(vpcs) == 1 and vpcs[0]["CidrBlock"] == "10.0.0.0/16" and owned(vpcs[0]["Tags"])
    vpc = vpcs[0]["VpcId"]
    assert vpcs[0]["Ipv6CidrBlockAssociationSet"]
    for attr in ("enableDnsSupport", "enableDnsHostnames"):
        assert ec2.describe_vpc_attribute(VpcId=vpc, Attribute=attr)[attr[0].upper() + attr[1:]]["Value"] is True
    subnets = sorted(ec2.describe_subnets(Filters=f)["Subnets"], key=lambda s: s["CidrBlock"])
    azs = sorted(z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"])
    assert [s["CidrBlock"] for s in subnets] == ["10.0.0.0/20", "10.0.16.0/20", "10.0.32.0/20"][:len(azs)]
    assert [s["AvailabilityZone"] for s in subnets] == azs[:len(subnets)]
    for s in subnets:
        assert s["MapPublicIpOnLaunch"] and s["AssignIpv6AddressOnCreation"] and s["Ipv6CidrBlockAssociationSet"]
        assert s["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"].endswith("::/64")
        assert owned(s["Tags"])
    igw = ec2.describe_internet_gateways(Filters=f)["InternetGateways"]
    assert len(igw) == 1 and igw[0]["Attachments"][0]["VpcId"] == vpc
    rt = ec2.describe_route_tables(Filters=f)["RouteTables"]
    assert len(rt) == 1
    dests = {r.get("DestinationCidrBlock") or r.get("DestinationIpv6CidrBlock"): r.get("GatewayId")
             for r in rt[0]["Routes"]}
    assert dests["0.0.0.0/0"] == igw[0]["InternetGatewayId"] and dests["::/0"] == igw[0]["InternetGatewayId"]
    assert sorted(a["SubnetId"] for a in rt[0]["Associations"] if not a.get("Main")) == \
        sorted(s["SubnetId"] for s in subnets)
    # security groups: every rule of aws.md §5.2 with its source and description
    sgs = {g["GroupName"]: g for g in ec2.describe_security_groups(Filters=f)["SecurityGroups"]}
    assert set(sgs) == {"demo-controller", "demo-worker"}
    c_id, w_id = sgs["demo-controller"]["GroupId"], sgs["demo-worker"]["GroupId"]
    assert sgs["demo-controller"]["Description"] == "demo controller security group"

    def rules(group):
        out = set()
        for p in sgs[group]["IpPermissions"]:
            ports = (p.get("FromPort"), p.get("ToPort"))
            for r in p.get("IpRanges", []):
                out.add((p["IpProtocol"], ports, r["CidrIp"], r.get("Description")))
            for r in p.get("UserIdGroupPairs", []):
                out.add((p["IpProtocol"], ports, {c_id: "C", w_id: "W"}[r["GroupId"]], r.get("Description")))
        return out

    tcp = "tcp"
    assert rules("demo-controller") == {
        (tcp, (22, 22), "0.0.0.0/0", "controller-ssh"), (tcp, (2379, 2380), "C", "controller-etcd"),
        (tcp, (2381, 2381), "W", "controller-etcd-metrics"), (tcp, (6443, 6443), "0.0.0.0/0", "controller-apiserver"),
        (tcp, (9100, 9100), "W", "controller-node-exporter"), (tcp, (10249, 10249), "W", "kube-proxy-metrics"),
        (tcp, (10250, 10250), "W", "controller-kubelet"), (tcp, (10250, 10250), "C", "controller-kubelet-self"),
        (tcp, (179, 179), "W", "controller-bgp"), (tcp, (179, 179), "C", "controller-bgp-self"),
        ("4", (0, 0), "W", "controller-ipip"), ("4", (0, 0), "C", "controller-ipip-self"),
        ("94", (0, 0), "W", "controller-ipip-legacy"), ("94", (0, 0), "C", "controller-ipip-legacy-self"),
    }
    assert rules("demo-worker") == {
        (tcp, (22, 22), "0.0.0.0/0", "worker-ssh"), (tcp, (30080, 30080), "0.0.0.0/0", "worker-http"),
        (tcp, (30443, 30443), "0.0.0.0/0", "worker-https"), (tcp, (9100, 9100), "W", "worker-node-exporter"),
        (tcp, (10249, 10249), "W", "worker-kube-proxy"), (tcp, (10250, 10250), "C", "worker-kubelet"),
        (tcp, (10250, 10250), "W", "worker-kubelet-self"), (tcp, (179, 179), "C", "worker-bgp"),
        (tcp, (179, 179), "W", "worker-bgp-self"), ("4", (0, 0), "C", "worker-ipip"),
        ("4", (0, 0), "W", "worker-ipip-self"), ("94", (0, 0), "C", "worker-ipip-legacy"),
        ("94", (0, 0), "W", "worker-ipip-legacy-self"),
    }
    for g in sgs.values():
        egress = {(r.get("CidrIpv4") or r.get("CidrIpv6")) for r in ec2.describe_security_group_rules(
            Filters=[{"Name": "group-id", "Values": [g["GroupId"]]}])["SecurityGroupRules"] if r["IsEgress"]}
        assert egress == {"0.0.0.0/0", "::/0"}
    # load balancer, target groups, listeners
    lb = elb.describe_load_balancers(Names=["demo-nlb"])["LoadBalancers"][0]
    assert lb["Type"] == "network" and lb["Scheme"] == "internet-facing" and lb["IpAddressType"] == "ipv4"
    assert sorted(z["SubnetId"] for z in lb["AvailabilityZones"]) == sorted(s["SubnetId"] for s in subnets)
    attrs = {a["Key"]: a["Value"] for a in elb.describe_load_balancer_attributes(
        LoadBalancerArn=lb["LoadBalancerArn"])["Attributes"]}
    assert attrs["load_balancing.cross_zone.enabled"] == "true"
    tgs = {t["TargetGroupName"]: t for t in elb.describe_target_groups()["TargetGroups"]}
    expect_tgs = {tg_name("demo", None, "api"): 6443}
    for pool in ("web", "batch"):
        expect_tgs[tg_name("demo", pool, "http")] = 30080
        expect_tgs[tg_name("demo", pool, "https")] = 30443
    assert set(tgs) == set(expect_tgs)
    for name, port in expect_tgs.items():
        t = tgs[name]
        assert len(name) <= 32 and t["Protocol"] == "TCP" and t["Port"] == port and t["VpcId"] == vpc
        assert (t["HealthCheckProtocol"], int(t["HealthCheckPort"]), t["HealthyThresholdCount"],
                t["UnhealthyThresholdCount"], t["HealthCheckIntervalSeconds"]) == ("TCP", port, 3, 3, 10)
    listeners = {li["Port"]: li for li in elb.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]}
    assert set(listeners) == {6443, 80, 443, 8080, 8443}
    fwd = {p: li["DefaultActions"][0]["TargetGroupArn"] for p, li in listeners.items()}
    assert fwd[6443] == tgs[tg_name("demo", None, "api")]["TargetGroupArn"]
    assert fwd[8080] == tgs[tg_name("demo", "batch", "http")]["TargetGroupArn"]
    assert fwd[443] == tgs[tg_name("demo", "web", "https")]["TargetGroupArn"]
    all_tags = elb.describe_tags(ResourceArns=[lb["LoadBalancerArn"]] + [t["TargetGroupArn"] for t in tgs.values()])
    assert all(owned(d["Tags"]) for d in all_tags["TagDescriptions"])
    # controller instance
    running = [{"Name": "instance-state-name", "Values": ["running"]},
               {"Name": "tag:lokonb:resource", "Values": ["controller/*"]}]
    insts = [i for r in ec2.describe_instances(Filters=f + running)["Reservations"] for i in r["Instances"]]
    assert len(insts) == 1
    ctl = insts[0]
    assert ctl["InstanceType"] == "t3.medium" and ctl["SubnetId"] == subnets[0]["SubnetId"]
    assert ctl["MetadataOptions"]["HttpTokens"] == "required" and ctl["MetadataOptions"]["HttpPutResponseHopLimit"] == 1
    assert [g["GroupId"] for g in ctl["NetworkInterfaces"][0]["Groups"]] == [c_id]
    assert ctl["IamInstanceProfile"]["Arn"].endswith(":instance-profile/lokonb/demo/demo-controller")
    assert ctl["ImageId"] == ec2.describe_images(Owners=["075585003325"], Filters=[
        {"Name": "name", "Values": ["Flatcar-stable-3815.2.5-hvm"]}])["Images"][0]["ImageId"]  # newest stable x86
    vols = ec2.describe_volumes(Filters=[{"Name": "attachment.instance-id", "Values": [ctl["InstanceId"]]}])["Volumes"]
    root = [v for v in vols if v["Attachments"][0]["Device"] == "/dev/xvda"][0]
    assert root["Encrypted"] and root["Size"] == 40 and root["VolumeType"] == "gp2"
    ud = ec2.describe_instance_attribute(InstanceId=ctl["InstanceId"], Attribute="userData")["UserData"]["Value"]
    pointer = json.loads(base64.b64decode(ud))
    bucket = bucket_name("123456789012", "eu-central-1", "demo")
    assert pointer["ignition"]["config"]["replace"]["source"].startswith(f"s3://{bucket}/demo/controller-0/")
    assert len(base64.b64decode(ud)) <= 16384
    health = elb.describe_target_health(TargetGroupArn=fwd[6443])["TargetHealthDescriptions"]
    assert [(h["Target"]["Id"], h["Target"]["Port"]) for h in health] == [(ctl["InstanceId"], 6443)]
    # DNS
    zone = r53.list_hosted_zones_by_name(DNSName="example.com.")["HostedZones"][0]["Id"]
    recs = {(r["Name"].replace("\\052", "*"), r["Type"]): r for r in
            r53.list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]}
    alias = recs[("demo.example.com.", "A")]["AliasTarget"]
    assert alias["DNSName"].rstrip(".").lower() == lb["DNSName"].lower()
    assert alias["HostedZoneId"] == lb["CanonicalHostedZoneId"] and alias["EvaluateTargetHealth"]
    assert recs[("*.demo.example.com.", "CNAME")]["ResourceRecords"][0]["Value"].rstrip(".") == "demo.example.com"
    assert recs[("*.demo.example.com.", "CNAME")]["TTL"] == 60
    etcd = recs[("demo-etcd0.example.com.", "A")]
    assert etcd["ResourceRecords"][0]["Value"] == ctl["PrivateIpAddress"] and etcd["TTL"] == 300
    # pools: LT data (what lokonb sends) and ASGs
    groups = {g["AutoScalingGroupName"]: g for g in asg.describe_auto_scaling_groups()["AutoScalingGroups"]}
    assert set(groups) == {"demo-web-worker", "demo-batch-worker"}
    web = groups["demo-web-worker"]
    assert (web["MinSize"], web["DesiredCapacity"], web["MaxSize"]) == (2, 2, 4)
    assert sorted(web["VPCZoneIdentifier"].split(",")) == sorted(s["SubnetId"] for s in subnets)
    assert sorted(web["TargetGroupARNs"]) == sorted([tgs[tg_name("demo", "web", k)]["TargetGroupArn"]
                                                     for k in ("http", "https")])
    assert web["HealthCheckType"] == "EC2" and web["HealthCheckGracePeriod"] == 30 and web["DefaultCooldown"] == 30
    assert {t["Key"]: (t["Value"], t["PropagateAtLaunch"]) for t in web["Tags"]}["team"] == ("platform", True)
    assert groups["demo-batch-worker"]["CapacityRebalance"] is True
    for pool, g in (("web", web), ("batch", groups["demo-batch-worker"])):
        spec = g["LaunchTemplate"]
        data = ec2.describe_launch_template_versions(LaunchTemplateId=spec["LaunchTemplateId"],
                                                     Versions=[spec["Version"]])["LaunchTemplateVersions"][0][
            "LaunchTemplateData"]
        assert data["MetadataOptions"]["HttpTokens"] == "required"
        assert data["MetadataOptions"]["HttpPutResponseHopLimit"] == 1
        assert data["BlockDeviceMappings"][0]["Ebs"]["Encrypted"] is True
        assert data["SecurityGroupIds"] == [w_id]
        assert data["IamInstanceProfile"]["Arn"].endswith(f"instance-profile/lokonb/demo/demo-{pool}-worker")
        ptr = json.loads(base64.b64decode(data["UserData"]))
        assert ptr["ignition"]["config"]["replace"]["source"].startswith(f"s3://{bucket}/demo/worker-{pool}/")
        assert ("InstanceMarketOptions" in data) == (pool == "batch")
    batch_data = ec2.describe_launch_template_versions(
        LaunchTemplateName="demo-batch-worker")["LaunchTemplateVersions"][0]["LaunchTemplateData"]
    assert batch_data["InstanceMarketOptions"]["SpotOptions"]["MaxPrice"] == "0.05"
    # IAM: node-config read on own prefix only
    roles = {r["RoleName"]: r for r in iam.list_roles(PathPrefix="/lokonb/demo/")["Roles"]}
    assert set(roles) == {"demo-controller", "demo-web-worker", "demo-batch-worker"}
    pol = iam.get_role_policy(RoleName="demo-web-worker", PolicyName="node-config")["PolicyDocument"]
    pol = json.loads(pol) if isinstance(pol, str) else pol
    assert pol["Statement"][0]["Action"] == "s3:GetObject"
    assert pol["Statement"][0]["Resource"] == f"arn:aws:s3:::{bucket}/demo/worker-web/*"
    assert iam.list_role_policies(RoleName="demo-controller")["PolicyNames"] == ["node-config"]  # enable_csi off
    # bucket
    assert s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0][
        "ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert all(s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"].values())
    assert owned(s3.get_bucket_tagging(Bucket=bucket)["TagSet"])
    keys = sorted(o["Key"].split("/")[1] for o in s3.list_objects_v2(Bucket=bucket)["Contents"])
    assert keys == ["controller-0", "worker-batch", "worker-web"]

    v = api.verify(cfg, node_configs="minimal")
    assert v.ok.all(), v[~v.ok].to_string()

    # --- re-plan: empty, read-only; re-apply: zero mutating calls -----------------------------------------
    p = api.plan(cfg, node_configs="minimal")
    assert p.is_empty, p.text()
    assert all(op.split(":")[1].startswith(("Describe", "List", "Get", "Head")) for op in p.api_calls)
    again = api.apply(cfg, node_configs="minimal", progress=False)
    from lokonb.aws.session import is_read_operation
    assert [op for op in again.api_calls if not is_read_operation(op.split(":")[1])] == []

    # --- scale web 2 -> 4: one UpdateAutoScalingGroup, instances kept --------------------------------------
    before = {i["InstanceId"] for i in groups["demo-web-worker"]["Instances"]}
    pools = [{"name": "web", "count": 4, "instance_type": "t3.small"},
             {"name": "batch", "count": 1, "instance_type": "t3.small", "spot_price": "0.05",
              "lb_http_port": 8080, "lb_https_port": 8443}]
    scaled = make_config(worker_pools=pools)
    p = api.plan(scaled, node_configs="minimal")
    assert [(a.action, a.key) for a in p.changes] == [("update", "asg/web")]
    r = api.apply(scaled, node_configs="minimal", progress=False)
    assert {k: v for k, v in r.api_calls.items() if not is_read_operation(k.split(":")[1])} == \
        {"autoscaling:UpdateAutoScalingGroup": 1}
    g = asg.describe_auto_scaling_groups(AutoScalingGroupNames=["demo-web-worker"])["AutoScalingGroups"][0]
    assert (g["MinSize"], g["DesiredCapacity"], g["MaxSize"]) == (4, 4, 6)
    assert before <= {i["InstanceId"] for i in g["Instances"]}

    # --- batch instance type: new LT version, ASG moved to it, instances unchanged -------------------------
    pools[1]["instance_type"] = "t3.medium"
    changed = make_config(worker_pools=pools)
    p = api.plan(changed, node_configs="minimal")
    assert {(a.action, a.key) for a in p.changes} == {("update", "lt/batch"), ("update", "asg/batch")}
    batch_before = {i["InstanceId"] for i in groups["demo-batch-worker"]["Instances"]}
    api.apply(changed, node_configs="minimal", progress=False)
    g = asg.describe_auto_scaling_groups(AutoScalingGroupNames=["demo-batch-worker"])["AutoScalingGroups"][0]
    assert g["LaunchTemplate"]["Version"] == "2"
    v2 = ec2.describe_launch_template_versions(LaunchTemplateName="demo-batch-worker", Versions=["2"])
    assert v2["LaunchTemplateVersions"][0]["LaunchTemplateData"]["InstanceType"] == "t3.medium"
    assert batch_before <= {i["InstanceId"] for i in g["Instances"]}
    assert api.plan(changed, node_configs="minimal").is_empty

    # --- destroy: nothing owned left, region-wide counts back to the baseline, state gone -------------------
    d = api.destroy(changed, confirm=True, progress=False)
    assert "verification found nothing left" in d.message
    assert counts(aws_url) == baseline
    assert not (tmp_path / "state.json").exists() and not (tmp_path / "state.json.lock").exists()
    again = api.destroy(changed, confirm=True, progress=False)
    assert "does not exist" in again.message


def test_plan_is_read_only_and_call_count_independent_of_worker_count(make_config, aws_url):
    small = make_config()
    api.apply(small, node_configs="minimal", progress=False)
    with open_aws(small) as a:
        a.read_only = True  # any mutating call would raise inside the before-call hook
        p1 = api.plan(small, node_configs="minimal", aws=a)
    pools = [{"name": "web", "count": 20, "instance_type": "t3.small"},
             {"name": "batch", "count": 30, "instance_type": "t3.small", "spot_price": "0.05",
              "lb_http_port": 8080, "lb_https_port": 8443}]
    big = make_config(worker_pools=pools)
    api.apply(big, node_configs="minimal", progress=False)
    p2 = api.plan(big, node_configs="minimal")
    assert p1.is_empty and p2.is_empty
    assert p1.api_calls == p2.api_calls
    assert sum(p1.api_calls.values()) <= 60


def test_us_east_1_with_optional_features_converges(make_config, aws_url):
    """us-east-1 (no LocationConstraint, more AZs), WireGuard and node-local DNS rules, EBS CSI policies, a mixed
    instances spot pool, a /24 host network, IMDS hop limit 2 on one pool."""
    from lokonb.aws.embedded import EmbeddedAWS

    EmbeddedAWS(url=aws_url, region="us-east-1").seed_zone("example.com")
    pools = [{"name": "web", "count": 1, "instance_type": "t3.small", "metadata_hop_limit": 2},
             {"name": "spot", "count": 2, "instance_type": "m5.large", "spot_price": "0.09",
              "spot_instance_types": ["m5a.large", "m6i.large"], "lb_http_port": 8080, "lb_https_port": 8443}]
    cfg = make_config(region="us-east-1", aws={"region": "us-east-1"}, controller_count=3, host_cidr="10.1.0.0/24",
                      encrypt_pod_traffic=True, enable_node_local_dns=True, enable_csi=True, worker_pools=pools)
    api.apply(cfg, node_configs="minimal", progress=False)
    assert api.plan(cfg, node_configs="minimal").is_empty
    assert api.verify(cfg, node_configs="minimal").ok.all()
    import boto3

    sess = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1")
    ec2, asg, iam = (sess.client(s, endpoint_url=aws_url) for s in ("ec2", "autoscaling", "iam"))
    subnets = ec2.describe_subnets(Filters=[{"Name": "tag:lokonb:cluster", "Values": ["demo"]}])["Subnets"]
    assert all(s["CidrBlock"].endswith("/28") for s in subnets) and len(subnets) >= 3
    sg = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["demo-worker"]}])["SecurityGroups"][0]
    ports = {(p["IpProtocol"], p.get("FromPort")) for p in sg["IpPermissions"]}
    assert ("udp", 51820) in ports and ("tcp", 9253) in ports
    g = asg.describe_auto_scaling_groups(AutoScalingGroupNames=["demo-spot-worker"])["AutoScalingGroups"][0]
    mip = g["MixedInstancesPolicy"]
    assert [o["InstanceType"] for o in mip["LaunchTemplate"]["Overrides"]] == ["m5.large", "m5a.large", "m6i.large"]
    assert mip["InstancesDistribution"]["SpotAllocationStrategy"] == "price-capacity-optimized"
    assert mip["InstancesDistribution"]["SpotMaxPrice"] == "0.09"
    web = asg.describe_auto_scaling_groups(AutoScalingGroupNames=["demo-web-worker"])["AutoScalingGroups"][0]
    data = ec2.describe_launch_template_versions(LaunchTemplateId=web["LaunchTemplate"]["LaunchTemplateId"])[
        "LaunchTemplateVersions"][0]["LaunchTemplateData"]
    assert data["MetadataOptions"]["HttpPutResponseHopLimit"] == 2
    assert sorted(iam.list_role_policies(RoleName="demo-controller")["PolicyNames"]) == ["ebs-csi", "node-config"]
    assert "nothing left" in api.destroy(cfg, confirm=True, progress=False).message
