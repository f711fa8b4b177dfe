"""Canaries for the moto 5.2.5 gaps lokonb and its tests work around (aws.md §11.3). Each test asserts that the gap
still exists; when a moto upgrade fixes one, its canary fails so the workaround can be revisited.

| gap | where lokonb handles it |
|---|---|
| 16 KiB user-data limit not enforced | lokonb checks every user data itself (nodeconfigs.Delivered / flatcar delivery) |
| subnet IPv6 association state is the string "{'State': 'associated'}" | resources.network._associated |
| DescribeSecurityGroupRules omits Description of group-referenced rules | security.discover reads IpPermissions |
| instance-level SecurityGroups empty for instances launched with NetworkInterfaces | controllers read the ENI's Groups |
| LT version data carries CreateLaunchTemplate's own "launch-template" tag spec | workers.normalize_lt_data drops it |
| DescribeLaunchTemplates misses tags added later by CreateTags | workers.discover reads DescribeTags |
| bucket policy conditions are ignored: a conditional Deny denies everything | no deny-non-TLS policy on http endpoints |
| identical Route 53 re-CREATE after DELETE refused when a later record exists | dns.Record.create falls back to UPSERT |
| NLB CanonicalHostedZoneId is a constant | tests compare the alias with the LB's reported value |
| ASG instances ignore the LT's MetadataOptions | tests assert the LT version data, not the instances |
| RunInstances drops the root Ebs.Iops (gp3 root: 3000; io1/io2 root: error) | parity tests start at gp3 3000 |
| ListInstanceProfiles ignores PathPrefix | iam.discover filters the profiles by path itself |
| an ASG updated to a MixedInstancesPolicy still reports its old top-level LaunchTemplate | workers reads the policy first |
| UpdateAutoScalingGroup ignores CapacityRebalance | tests assert the parameter sent (spot -> on-demand) |
| LT versions keep UserData unparsed: launching from version >= 2 is HTTP 500 | embedded.prepare_environment |
"""

from __future__ import annotations

import json

import pytest

from aws.conftest import boto

AMI = "ami-0f1a7ca7000000001"  # Flatcar-stable-3815.2.0-hvm in lokonb's catalogue


@pytest.fixture
def net(aws_url):
    ec2 = boto(aws_url, "ec2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16", AmazonProvidedIpv6CidrBlock=True)["Vpc"]["VpcId"]
    block = ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"]
    sub = ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.0.0/20", Ipv6CidrBlock=block.replace("/56", "/64"),
                            AvailabilityZone="eu-central-1a")["Subnet"]["SubnetId"]
    sg = ec2.create_security_group(GroupName="g", Description="g", VpcId=vpc)["GroupId"]
    return ec2, vpc, sub, sg


def test_user_data_limit_not_enforced(net):
    ec2, _, sub, _ = net
    r = ec2.run_instances(ImageId=AMI, InstanceType="t3.small", MinCount=1, MaxCount=1, SubnetId=sub,
                          UserData="x" * 20000)
    assert r["Instances"]  # AWS: InvalidUserData.Malformed


def test_subnet_ipv6_state_is_a_stringified_dict(net):
    ec2, _, sub, _ = net
    state = ec2.describe_subnets(SubnetIds=[sub])["Subnets"][0]["Ipv6CidrBlockAssociationSet"][0][
        "Ipv6CidrBlockState"]["State"]
    assert state != "associated" and "associated" in state


def test_security_group_rules_lose_description_of_group_sources(net):
    ec2, _, _, sg = net
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 1, "ToPort": 1, "UserIdGroupPairs": [{"GroupId": sg, "Description": "d"}]}])
    rules = [r for r in ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [sg]}])[
        "SecurityGroupRules"] if not r["IsEgress"]]
    assert "Description" not in rules[0]
    perms = ec2.describe_security_groups(GroupIds=[sg])["SecurityGroups"][0]["IpPermissions"]
    assert perms[0]["UserIdGroupPairs"][0]["Description"] == "d"


def test_instance_security_groups_empty_with_network_interfaces(net):
    ec2, _, sub, sg = net
    inst = ec2.run_instances(ImageId=AMI, InstanceType="t3.small", MinCount=1, MaxCount=1, NetworkInterfaces=[
        {"DeviceIndex": 0, "SubnetId": sub, "Groups": [sg], "DeleteOnTermination": True}])["Instances"][0]
    got = ec2.describe_instances(InstanceIds=[inst["InstanceId"]])["Reservations"][0]["Instances"][0]
    assert got["SecurityGroups"] == [] and got["NetworkInterfaces"][0]["Groups"][0]["GroupId"] == sg


def test_launch_template_version_carries_the_template_tag_spec(aws_url):
    ec2 = boto(aws_url, "ec2")
    ec2.create_launch_template(LaunchTemplateName="gap-lt", LaunchTemplateData={"InstanceType": "t3.small"},
                               TagSpecifications=[{"ResourceType": "launch-template",
                                                   "Tags": [{"Key": "a", "Value": "b"}]}])
    data = ec2.describe_launch_template_versions(LaunchTemplateName="gap-lt")["LaunchTemplateVersions"][0][
        "LaunchTemplateData"]
    assert [t["ResourceType"] for t in data.get("TagSpecifications", [])] == ["launch-template"]


def test_launch_template_tags_added_later_are_missing(aws_url):
    ec2 = boto(aws_url, "ec2")
    lt = ec2.create_launch_template(LaunchTemplateName="gap-lt2", LaunchTemplateData={"InstanceType": "t3.small"})[
        "LaunchTemplate"]["LaunchTemplateId"]
    ec2.create_tags(Resources=[lt], Tags=[{"Key": "b", "Value": "2"}])
    assert not ec2.describe_launch_templates(LaunchTemplateIds=[lt])["LaunchTemplates"][0].get("Tags")
    assert ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [lt]}])["Tags"][0]["Key"] == "b"


def test_conditional_bucket_policy_deny_denies_everything(aws_url):
    from botocore.exceptions import ClientError

    s3 = boto(aws_url, "s3")
    s3.create_bucket(Bucket="gap", CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    s3.put_bucket_policy(Bucket="gap", Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": ["arn:aws:s3:::gap/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}))
    with pytest.raises(ClientError, match="403|AccessDenied"):
        s3.put_object(Bucket="gap", Key="k", Body=b"x")


def test_route53_identical_recreate_after_delete_refused(aws_url):
    from botocore.exceptions import ClientError

    r53 = boto(aws_url, "route53")
    zone = r53.list_hosted_zones_by_name(DNSName="example.com.")["HostedZones"][0]["Id"]
    rr = {"Name": "a.example.com.", "Type": "A", "TTL": 60, "ResourceRecords": [{"Value": "10.0.0.1"}]}
    later = {**rr, "Name": "z.example.com."}

    def change(action, rrset):
        r53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={
            "Changes": [{"Action": action, "ResourceRecordSet": rrset}]})

    change("CREATE", rr)
    change("CREATE", later)
    change("DELETE", rr)
    with pytest.raises(ClientError, match="already exists"):
        change("CREATE", rr)
    change("UPSERT", rr)  # lokonb's fallback after checking the name is free


def test_nlb_canonical_zone_is_constant(net, aws_url):
    ec2, vpc, sub, _ = net
    lb = boto(aws_url, "elbv2").create_load_balancer(Name="gap", Subnets=[sub], Type="network")["LoadBalancers"][0]
    assert lb["CanonicalHostedZoneId"] == "Z2P70J7EXAMPLE"


def test_run_instances_drops_root_volume_iops(net):
    ec2, _, sub, _ = net

    def root(vtype, iops):
        return [{"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 80, "VolumeType": vtype, "Iops": iops}}]

    r = ec2.run_instances(ImageId=AMI, InstanceType="t3.small", MinCount=1, MaxCount=1, SubnetId=sub,
                          BlockDeviceMappings=root("gp3", 4000))["Instances"][0]
    vol = next(b for b in r["BlockDeviceMappings"] if b["DeviceName"] == "/dev/xvda")["Ebs"]["VolumeId"]
    assert ec2.describe_volumes(VolumeIds=[vol])["Volumes"][0]["Iops"] == 3000  # AWS: 4000
    with pytest.raises(ec2.exceptions.ClientError, match="InvalidParameterDependency"):  # AWS: an io1 root
        ec2.run_instances(ImageId=AMI, InstanceType="t3.small", MinCount=1, MaxCount=1, SubnetId=sub,
                          BlockDeviceMappings=root("io1", 4000))


def test_list_instance_profiles_ignores_path_prefix(aws_url):
    iam = boto(aws_url, "iam")
    iam.create_instance_profile(InstanceProfileName="gap-outside")
    iam.create_instance_profile(InstanceProfileName="gap-inside", Path="/lokonb/gap/")
    got = iam.list_instance_profiles(PathPrefix="/lokonb/gap/")["InstanceProfiles"]
    assert {p["InstanceProfileName"] for p in got} == {"gap-outside", "gap-inside"}


def _asg(net, aws_url):
    ec2, _, sub, _ = net
    asg = boto(aws_url, "autoscaling")
    lt = ec2.create_launch_template(LaunchTemplateName="gap", LaunchTemplateData={
        "ImageId": AMI, "InstanceType": "t3.small"})["LaunchTemplate"]["LaunchTemplateId"]
    ec2.create_launch_template_version(LaunchTemplateId=lt, LaunchTemplateData={"ImageId": AMI,
                                                                                "InstanceType": "t3.small"})
    asg.create_auto_scaling_group(AutoScalingGroupName="gap", MinSize=0, MaxSize=1, DesiredCapacity=0,
                                  VPCZoneIdentifier=sub, CapacityRebalance=True,
                                  LaunchTemplate={"LaunchTemplateId": lt, "Version": "1"})
    return asg, lt


def test_asg_update_to_mixed_policy_keeps_the_old_top_level_launch_template(net, aws_url):
    asg, lt = _asg(net, aws_url)
    asg.update_auto_scaling_group(AutoScalingGroupName="gap", MixedInstancesPolicy={"LaunchTemplate": {
        "LaunchTemplateSpecification": {"LaunchTemplateId": lt, "Version": "2"},
        "Overrides": [{"InstanceType": "t3.small"}]}})
    g = asg.describe_auto_scaling_groups(AutoScalingGroupNames=["gap"])["AutoScalingGroups"][0]
    # AWS reports only the policy; workers.launch_template_in_use reads the policy first
    assert g["LaunchTemplate"]["Version"] == "1"
    assert g["MixedInstancesPolicy"]["LaunchTemplate"]["LaunchTemplateSpecification"]["Version"] == "2"


def test_asg_update_ignores_capacity_rebalance(net, aws_url):
    asg, _ = _asg(net, aws_url)
    asg.update_auto_scaling_group(AutoScalingGroupName="gap", CapacityRebalance=False)
    assert asg.describe_auto_scaling_groups(AutoScalingGroupNames=["gap"])["AutoScalingGroups"][0][
        "CapacityRebalance"] is True


def test_launch_from_a_second_template_version_crashes_unpatched_moto(net, aws_url, monkeypatch):
    from moto.ec2.models.launch_templates import LaunchTemplate

    # the server runs in this process: undo lokonb's embedded fix to see moto's own behaviour
    monkeypatch.setattr(LaunchTemplate, "create_version", LaunchTemplate.create_version.lokonb_original)
    ec2, _, sub, _ = net
    data = {"ImageId": AMI, "InstanceType": "t3.small", "UserData": "e30="}
    lt = ec2.create_launch_template(LaunchTemplateName="v2", LaunchTemplateData=data)["LaunchTemplate"][
        "LaunchTemplateId"]
    ec2.create_launch_template_version(LaunchTemplateId=lt, LaunchTemplateData=data)
    asg = boto(aws_url, "autoscaling")
    asg.create_auto_scaling_group(AutoScalingGroupName="v2", MinSize=0, MaxSize=2, DesiredCapacity=0,
                                  VPCZoneIdentifier=sub, LaunchTemplate={"LaunchTemplateId": lt, "Version": "2"})
    with pytest.raises(Exception, match="Unable to parse response"):  # AssertionError in moto -> HTML 500
        asg.update_auto_scaling_group(AutoScalingGroupName="v2", MinSize=1, DesiredCapacity=1)


def test_replaced_instance_profile_is_not_shown_by_describe_instances(net, aws_url):
    """ReplaceIamInstanceProfileAssociation changes the association, but DescribeInstances keeps the old profile
    (AWS shows the new one): controller discovery reads the associations."""
    ec2, _, sub, _ = net
    iam = boto(aws_url, "iam")
    arns = [iam.create_instance_profile(InstanceProfileName=n)["InstanceProfile"]["Arn"] for n in ("p1", "p2")]
    iid = ec2.run_instances(ImageId=AMI, InstanceType="t3.small", MinCount=1, MaxCount=1, SubnetId=sub,
                            IamInstanceProfile={"Arn": arns[0]})["Instances"][0]["InstanceId"]
    flt = [{"Name": "instance-id", "Values": [iid]}]
    assoc = ec2.describe_iam_instance_profile_associations(Filters=flt)["IamInstanceProfileAssociations"][0]
    ec2.replace_iam_instance_profile_association(AssociationId=assoc["AssociationId"],
                                                 IamInstanceProfile={"Arn": arns[1]})
    got = ec2.describe_iam_instance_profile_associations(Filters=flt)["IamInstanceProfileAssociations"]
    assert [a["IamInstanceProfile"]["Arn"] for a in got] == [arns[1]]
    inst = ec2.describe_instances(InstanceIds=[iid])["Reservations"][0]["Instances"][0]
    assert inst["IamInstanceProfile"]["Arn"] == arns[0]  # AWS: arns[1]
