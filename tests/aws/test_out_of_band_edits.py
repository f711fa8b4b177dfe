"""Edits operators make in the console or CLI to owned resources, then plan/apply (aws.md §7.2: drift is compared
normalized; an equivalent value is no change, a different one is updated back)."""

from __future__ import annotations

from aws.conftest import boto
from lokonb.aws import api


def test_target_group_health_checks_edited_out_of_band(make_config, aws_url):
    cfg = make_config()
    api.apply(cfg, node_configs="minimal", progress=False)
    elb = boto(aws_url, "elbv2")
    tgs = {t["TargetGroupName"]: t for t in elb.describe_target_groups()["TargetGroups"]}
    # "traffic-port" (AWS's default in the console) is the target group's own port: the same health check
    for t in tgs.values():
        elb.modify_target_group(TargetGroupArn=t["TargetGroupArn"], HealthCheckPort="traffic-port")
    assert api.plan(cfg, node_configs="minimal").is_empty
    # a different interval is drift, updated back to 3/3/10 on the configured port
    api_tg = next(t for t in tgs.values() if t["Port"] == 6443)
    elb.modify_target_group(TargetGroupArn=api_tg["TargetGroupArn"], HealthCheckIntervalSeconds=30)
    p = api.plan(cfg, node_configs="minimal")
    assert [(a.action, a.key) for a in p.changes] == [("update", "tg/api")]
    api.apply(cfg, node_configs="minimal", progress=False)
    got = elb.describe_target_groups(TargetGroupArns=[api_tg["TargetGroupArn"]])["TargetGroups"][0]
    assert (got["HealthCheckPort"], got["HealthCheckIntervalSeconds"]) == ("6443", 10)
    assert api.plan(cfg, node_configs="minimal").is_empty


def test_controller_security_groups_changed_out_of_band_are_set_back_in_place(make_config, aws_url):
    """An operator swapping a controller's groups in the console: the controller (an etcd member) is kept and its
    interface gets the cluster's group back, with no allow_replace needed."""
    cfg = make_config()
    api.apply(cfg, node_configs="minimal", progress=False)
    ec2 = boto(aws_url, "ec2")
    groups = {g["GroupName"]: g["GroupId"] for g in ec2.describe_security_groups()["SecurityGroups"]}
    inst = ec2.describe_instances(Filters=[{"Name": "tag:Name", "Values": ["demo-controller-0"]}])[
        "Reservations"][0]["Instances"][0]
    ec2.modify_instance_attribute(InstanceId=inst["InstanceId"], Groups=[groups["demo-worker"]])
    p = api.plan(cfg, node_configs="minimal")
    assert [(a.action, a.key, a.disruptive) for a in p.changes] == [("update", "controller/0", False)]
    api.apply(cfg, node_configs="minimal", progress=False)
    got = ec2.describe_instances(InstanceIds=[inst["InstanceId"]])["Reservations"][0]["Instances"][0]
    assert got["State"]["Name"] == "running"
    assert [g["GroupId"] for g in got["NetworkInterfaces"][0]["Groups"]] == [groups["demo-controller"]]
    assert api.plan(cfg, node_configs="minimal").is_empty


def test_nlb_deleted_out_of_band_is_recreated_and_the_alias_moved(make_config, aws_url):
    """The apiserver alias still names the deleted NLB: it is the cluster's by the NLB recorded in state (as etcd
    records are by recorded IPs), so apply re-creates the NLB and updates the alias instead of refusing it as a
    foreign record for ever."""
    cfg = make_config()
    api.apply(cfg, node_configs="minimal", progress=False)
    elb = boto(aws_url, "elbv2")
    old = elb.describe_load_balancers(Names=["demo-nlb"])["LoadBalancers"][0]
    elb.delete_load_balancer(LoadBalancerArn=old["LoadBalancerArn"])
    p = api.plan(cfg, node_configs="minimal")
    assert {(a.action, a.key) for a in p.changes} >= {("create", "nlb"), ("update", "record/apiserver")}
    api.apply(cfg, node_configs="minimal", progress=False)
    new = elb.describe_load_balancers(Names=["demo-nlb"])["LoadBalancers"][0]
    r53 = boto(aws_url, "route53")
    zid = r53.list_hosted_zones_by_name(DNSName="example.com.")["HostedZones"][0]["Id"]
    rec = next(r for r in r53.list_resource_record_sets(HostedZoneId=zid)["ResourceRecordSets"]
               if r["Name"] == "demo.example.com." and r["Type"] == "A")
    assert rec["AliasTarget"]["DNSName"].rstrip(".").lower() == new["DNSName"].lower()
    assert api.plan(cfg, node_configs="minimal").is_empty


def _controller(ec2):
    return ec2.describe_instances(Filters=[{"Name": "tag:Name", "Values": ["demo-controller-0"]},
                                           {"Name": "instance-state-name", "Values": ["running"]}])[
        "Reservations"][0]["Instances"][0]


def _profile_of(ec2, iid):
    got = ec2.describe_iam_instance_profile_associations(Filters=[{"Name": "instance-id", "Values": [iid]}])[
        "IamInstanceProfileAssociations"]
    return [a["IamInstanceProfile"]["Arn"] for a in got if a["State"] == "associated"]


def test_controller_instance_profile_changed_out_of_band_is_set_back_in_place(make_config, aws_url):
    """An operator gives controller 0 another instance profile (console "Modify IAM role"), or removes it: the
    controller (an etcd member) is kept, and its profile set back with ReplaceIamInstanceProfileAssociation /
    AssociateIamInstanceProfile, as Terraform's aws_instance does, with no allow_replace needed."""
    cfg = make_config()
    api.apply(cfg, node_configs="minimal", progress=False)
    ec2, iam = boto(aws_url, "ec2"), boto(aws_url, "iam")
    inst = _controller(ec2)
    ours = _profile_of(ec2, inst["InstanceId"])
    other = iam.create_instance_profile(InstanceProfileName="ops-debug")["InstanceProfile"]["Arn"]
    assoc = ec2.describe_iam_instance_profile_associations(Filters=[
        {"Name": "instance-id", "Values": [inst["InstanceId"]]}])["IamInstanceProfileAssociations"][0]
    ec2.replace_iam_instance_profile_association(AssociationId=assoc["AssociationId"],
                                                 IamInstanceProfile={"Arn": other})
    for _ in range(2):  # swapped for another profile, then removed: both set back in place
        p = api.plan(cfg, node_configs="minimal")
        assert [(a.action, a.key, a.disruptive, a.reason) for a in p.changes] == [
            ("update", "controller/0", False, "changed: profile")]
        api.apply(cfg, node_configs="minimal", progress=False)
        assert _controller(ec2)["InstanceId"] == inst["InstanceId"]
        assert _profile_of(ec2, inst["InstanceId"]) == ours
        assert api.plan(cfg, node_configs="minimal").is_empty
        assoc = ec2.describe_iam_instance_profile_associations(Filters=[
            {"Name": "instance-id", "Values": [inst["InstanceId"]]}])["IamInstanceProfileAssociations"][0]
        ec2.disassociate_iam_instance_profile(AssociationId=assoc["AssociationId"])
