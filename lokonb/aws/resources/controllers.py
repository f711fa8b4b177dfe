"""Controller instances: one RunInstances each, explicit primary interface, IMDSv2, encrypted root (§5.8)."""

from __future__ import annotations

import base64
from typing import Any

from lokonb.aws import names
from lokonb.aws.found import Found
from lokonb.aws.graph import Actual, Desired, Ref, ec2_tag_spec, register, tag_dict
from lokonb.aws.resources.network import Ec2Tagged

PROFILE_RETRY = {"InvalidParameterValue:iam": 120, "InvalidParameterValue:instance profile": 120,
                 "InvalidGroup.NotFound": 60, "InvalidSubnetID.NotFound": 60}


def metadata_options(required: bool, hop_limit: int) -> dict[str, Any]:
    return {"HttpEndpoint": "enabled", "HttpTokens": "required" if required else "optional",
            "HttpPutResponseHopLimit": int(hop_limit)}


def root_volume(ami: dict, size: int, vtype: str, iops: int, kms: str | None) -> dict[str, Any]:
    ebs: dict[str, Any] = {"VolumeSize": int(size), "VolumeType": vtype, "Encrypted": True,
                           "DeleteOnTermination": True}
    if iops:
        ebs["Iops"] = int(iops)
    if kms:
        ebs["KmsKeyId"] = kms
    return {"DeviceName": ami.get("RootDeviceName") or "/dev/xvda", "Ebs": ebs}


@register
class Controller(Ec2Tagged):
    type = "ec2:instance"
    # groups or the instance profile changed out of band are set back in place (as Terraform's aws_instance does):
    # replacing an etcd member for them would lose its data and private IP for nothing
    update_fields = ("metadata", "disk_size", "disk_type", "disk_iops", "instance_type", "security_groups",
                     "profile")
    disruptive_fields = ("instance_type",)
    aws_default_fields = ("disk_iops",)  # disk_iops 0 = the volume type's own (gp3: 3000 baseline IOPS)
    skip_fields = ("ami",)
    replace_fields = ("subnet",)
    destroy_rank = 40

    def create(self, ctx, d, props):
        x = d.extra
        bdm = root_volume({"RootDeviceName": x["root_device"]}, props["disk_size"], props["disk_type"],
                          props["disk_iops"], x["kms"])
        kw = dict(
            ImageId=props["ami"], InstanceType=props["instance_type"], MinCount=1, MaxCount=1,
            UserData=x["user_data"],  # bytes: botocore base64-encodes them (gzip user data is not UTF-8)
            NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": props["subnet"], "Groups": props["security_groups"],
                                "AssociatePublicIpAddress": True, "DeleteOnTermination": True}],
            IamInstanceProfile={"Arn": ctx.attr(x["profile_key"], "profile_arn")},
            BlockDeviceMappings=[bdm], MetadataOptions=props["metadata"],
            TagSpecifications=[*ec2_tag_spec("instance", d.tags), *ec2_tag_spec("volume", d.tags),
                               *ec2_tag_spec("network-interface", d.tags)],
            ClientToken=f"{ctx.run_id}-{d.key}"[:64],
        )
        r = ctx.retrying(lambda: ctx.aws.call("ec2", "run_instances", resource=d.key, **kw), PROFILE_RETRY)
        inst = r["Instances"][0]
        iid = inst["InstanceId"]
        ctx.wait("ec2", "instance_running", 5, 60, InstanceIds=[iid])
        got = ctx.aws.call("ec2", "describe_instances", InstanceIds=[iid])["Reservations"][0]["Instances"][0]
        return {"id": iid, "private_ip": got.get("PrivateIpAddress")}

    def update(self, ctx, d, a, props, changed):
        aws = ctx.aws
        if "metadata" in changed:
            m = props["metadata"]
            aws.call("ec2", "modify_instance_metadata_options", InstanceId=a.id, HttpTokens=m["HttpTokens"],
                     HttpPutResponseHopLimit=m["HttpPutResponseHopLimit"], HttpEndpoint=m["HttpEndpoint"],
                     resource=d.key)
        if "security_groups" in changed:
            # sets the groups of the primary (controllers' only) interface, as the console's "change security groups"
            aws.call("ec2", "modify_instance_attribute", InstanceId=a.id, Groups=list(props["security_groups"]),
                     resource=d.key)
        if "profile" in changed:
            set_profile(ctx, d.key, a.id, props["profile"])
        vol = {k: props[k] for k in ("disk_size", "disk_type", "disk_iops") if k in changed}
        if vol:
            kw: dict[str, Any] = {"VolumeId": a.attrs["volume_id"]}
            if "disk_size" in vol:
                kw["Size"] = vol["disk_size"]
            if "disk_type" in vol:
                kw["VolumeType"] = vol["disk_type"]
            # a new type gets its own default IOPS unless told (io1/io2/gp3: 3000): send the configured value too
            if ("disk_iops" in vol or "disk_type" in vol) and props["disk_iops"]:
                kw["Iops"] = props["disk_iops"]
            aws.call("ec2", "modify_volume", resource=d.key, **kw)
        if "instance_type" in changed:  # disruptive: stop -> modify -> start (keeps root volume and IP)
            aws.call("ec2", "stop_instances", InstanceIds=[a.id], resource=d.key)
            ctx.wait("ec2", "instance_stopped", 5, 60, InstanceIds=[a.id])
            aws.call("ec2", "modify_instance_attribute", InstanceId=a.id,
                     InstanceType={"Value": props["instance_type"]}, resource=d.key)
            aws.call("ec2", "start_instances", InstanceIds=[a.id], resource=d.key)
            ctx.wait("ec2", "instance_running", 5, 60, InstanceIds=[a.id])
            tg = ctx.attr("tg/api")
            if tg:  # back in tg/api before the next controller stops (aws.md §7.2); 3 checks of 10 s on AWS
                ctx.wait("elbv2", "target_in_service", 10, 60, TargetGroupArn=tg, Targets=[{"Id": a.id, "Port": 6443}])
        return {}

    def refusals(self, d, a, props):
        # stop -> modify -> start keeps the root volume, whose Flatcar is built for one architecture
        have, want = a.attrs.get("arch"), d.extra.get("arch")
        if props["instance_type"] != a.props.get("instance_type") and have and want and have != want:
            return [f"controller_type: {a.props.get('instance_type')} -> {props['instance_type']} for {d.key} "
                    f"changes the architecture ({have} -> {want}), which a stopped instance cannot: keep a "
                    f"{have} type, or replace the controllers (apply(replace=[\"{d.key}\", ...], "
                    "allow_replace=True))"]
        return []

    def delete(self, ctx, a):
        ctx.aws.call("ec2", "terminate_instances", InstanceIds=[a.id], resource=a.key)
        ctx.wait("ec2", "instance_terminated", 5, 120, InstanceIds=[a.id])


@register
class KeptVolume(Ec2Tagged):
    """An owned EBS volume that outlives its instance: DeleteOnTermination turned off out of band, or left by an
    earlier destroy. Found only by destroy (:func:`discover_kept_volumes`): apply never deletes a volume that may
    hold etcd data. Deleted after instances and ASGs, once the terminated instance has released it."""

    type = "ec2:volume"
    destroy_rank = 45

    def delete(self, ctx, a):
        from lokonb.aws.errors import AwsError

        try:
            ctx.wait("ec2", "volume_available", 5, 60, VolumeIds=[a.id])
            ctx.aws.call("ec2", "delete_volume", VolumeId=a.id, resource=a.key)
        except AwsError as exc:
            if exc.code != "InvalidVolume.NotFound":  # already gone (deleted with its instance after all)
                raise


def discover_kept_volumes(aws: Any, cluster: str, found: Found) -> None:
    """Owned volumes that are detached, or attached with DeleteOnTermination false (so terminating the instance
    would leave them): ``volume/<id>`` rows for destroy."""
    flt = [{"Name": f"tag:{names.TAG_CLUSTER}", "Values": [cluster]},
           {"Name": f"tag:{names.k8s_tag(cluster)}", "Values": ["owned"]}]
    vols = aws.paginate("ec2", "describe_volumes", "Volumes", Filters=flt)
    attached = sorted({att["InstanceId"] for v in vols for att in v.get("Attachments", [])})
    # the instance's block device mappings say what goes with it (moto omits DeleteOnTermination on attachments)
    goes = {m["Ebs"]["VolumeId"] for r in (aws.paginate("ec2", "describe_instances", "Reservations", Filters=[
        {"Name": "instance-id", "Values": attached}]) if attached else [])
        for i in r["Instances"] for m in i.get("BlockDeviceMappings", [])
        if m.get("Ebs", {}).get("DeleteOnTermination")}
    for v in vols:
        if v["VolumeId"] in goes:
            continue
        tags = tag_dict(v.get("Tags"))
        if names.is_owned(tags, cluster):
            found.add(Actual(f"volume/{v['VolumeId']}", KeptVolume.type, v["VolumeId"], {}, tags,
                             {"state": v.get("State")}, created=str(v.get("CreateTime", "")),
                             name=tags.get("Name", "")))


def set_profile(ctx: Any, key: str, instance_id: str, arn: str) -> None:
    """Give a running instance the instance profile ``arn``: ReplaceIamInstanceProfileAssociation when one is
    associated, AssociateIamInstanceProfile when none is (Terraform's aws_instance update of iam_instance_profile)."""
    assoc = _profile_associations(ctx.aws, [instance_id]).get(instance_id)
    if assoc:
        op, kw = "replace_iam_instance_profile_association", {"AssociationId": assoc["AssociationId"]}
    else:
        op, kw = "associate_iam_instance_profile", {"InstanceId": instance_id}
    ctx.retrying(lambda: ctx.aws.call("ec2", op, IamInstanceProfile={"Arn": arn}, resource=key, **kw),
                 PROFILE_RETRY)


def _profile_associations(aws: Any, instance_ids: list[str]) -> dict[str, dict]:
    """Instance id -> its current instance profile association. Read from the associations, not
    DescribeInstances: moto's instance view keeps the old profile after a ReplaceIamInstanceProfileAssociation."""
    got = aws.paginate("ec2", "describe_iam_instance_profile_associations", "IamInstanceProfileAssociations",
                       Filters=[{"Name": "instance-id", "Values": instance_ids},
                                {"Name": "state", "Values": ["associating", "associated"]}])
    return {x["InstanceId"]: x for x in got}


def desired(b: Any) -> list[Desired]:
    c = b.config
    ami = b.ami(c.os_channel, c.os_version, c.controller_type)
    out = []
    for i in range(c.controller_count):
        key, role = f"controller/{i}", f"controller-{i}"
        name = f"{c.cluster_name}-controller-{i}"
        delivered = b.delivery(role)
        user_data = delivered.user_data
        out.append(Desired(key, Controller.type, name, {
            "ami": ami["ImageId"], "instance_type": c.controller_type, "subnet": Ref(f"subnet/public-{i}"),
            "security_groups": [Ref("sg/controller")], "profile": Ref("iam/controller", "profile_arn"),
            "metadata": metadata_options(c.imds_v2_required, c.metadata_hop_limit),
            "disk_size": c.disk_size, "disk_type": c.disk_type, "disk_iops": c.disk_iops or 0,
        }, b.tags(key, name), deps=(f"object/{role}", "bucket", f"rt-assoc/public-{i}", "route/default-v4",
                                    "route/default-v6", "iam/controller"),
            extra={"user_data": user_data, "root_device": ami.get("RootDeviceName") or "/dev/xvda",
                   "arch": ami.get("Architecture"),
                   "kms": c.aws.ebs_kms_key_id, "profile_key": "iam/controller"}))
    return out


def discover(aws: Any, b: Any, found: Found) -> None:
    flt = [{"Name": f"tag:{names.TAG_CLUSTER}", "Values": [b.cluster]},
           {"Name": f"tag:{names.TAG_RESOURCE}", "Values": ["controller/*"]},
           {"Name": "instance-state-name", "Values": ["pending", "running", "stopping", "stopped"]}]
    instances = [i for r in aws.paginate("ec2", "describe_instances", "Reservations", Filters=flt)
                 for i in r["Instances"]]
    instances = [i for i in instances if names.is_owned(tag_dict(i.get("Tags")), b.cluster)]
    if not instances:
        return
    vols = aws.paginate("ec2", "describe_volumes", "Volumes", Filters=[
        {"Name": "attachment.instance-id", "Values": [i["InstanceId"] for i in instances]}])
    profiles = _profile_associations(aws, [i["InstanceId"] for i in instances])
    by_inst = {}
    for v in vols:
        for att in v.get("Attachments", []):
            by_inst.setdefault(att["InstanceId"], {})[att["Device"]] = v
    for inst in instances:
        tags = tag_dict(inst.get("Tags"))
        root = by_inst.get(inst["InstanceId"], {}).get(inst.get("RootDeviceName") or "/dev/xvda", {})
        mo = inst.get("MetadataOptions", {})
        eni = (inst.get("NetworkInterfaces") or [{}])[0]
        found.add(Actual(tags.get(names.TAG_RESOURCE, "controller/?"), Controller.type, inst["InstanceId"], {
            "ami": inst.get("ImageId"), "instance_type": inst.get("InstanceType"),
            "subnet": inst.get("SubnetId"),
            # the primary interface's groups (moto leaves the instance-level list empty with NetworkInterfaces)
            "security_groups": sorted(g["GroupId"] for g in (eni.get("Groups") or inst.get("SecurityGroups", []))),
            "profile": (profiles.get(inst["InstanceId"], {}).get("IamInstanceProfile") or {}).get("Arn"),
            "metadata": {"HttpEndpoint": mo.get("HttpEndpoint"), "HttpTokens": mo.get("HttpTokens"),
                         "HttpPutResponseHopLimit": mo.get("HttpPutResponseHopLimit")},
            "disk_size": root.get("Size"), "disk_type": root.get("VolumeType"), "disk_iops": (
                root.get("Iops") or 0) if root.get("VolumeType") in ("io1", "io2", "gp3") else 0,
        }, tags, {"private_ip": inst.get("PrivateIpAddress"), "volume_id": root.get("VolumeId"),
                  "arch": inst.get("Architecture"),
                  "encrypted": root.get("Encrypted"), "eni": eni.get("NetworkInterfaceId"),
                  "public_ip": inst.get("PublicIpAddress"), "state": inst["State"]["Name"]},
            created=str(inst.get("LaunchTime", "")), name=tags.get("Name", "")))


def user_data_b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
