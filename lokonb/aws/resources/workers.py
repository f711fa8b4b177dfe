"""Worker pools: a launch template (changes = new versions) and an Auto Scaling group per pool (§5.9)."""

from __future__ import annotations

import base64
import re
from typing import Any

from lokonb.aws import names
from lokonb.aws.found import Found
from lokonb.aws.graph import Actual, Desired, Ref, ResourceType, register, tag_dict
from lokonb.aws.resources.controllers import metadata_options, root_volume
from lokonb.aws.resources.network import Ec2Tagged

ASG_RETRY = {"ValidationError:instance profile": 120, "ValidationError:iam": 120,
             "ScalingActivityInProgress": 300, "ResourceInUse": 300}


def lt_data(b: Any, p: Any) -> dict[str, Any]:
    """The LaunchTemplateData of a pool (what is sent and what is compared)."""
    ami = b.ami(p.os_channel, p.os_version, p.instance_type)
    user_data = b.delivery(f"worker-{p.name}").user_data
    tags = b.tags(f"asg/{p.name}", names.pool_name(b.cluster, p.name), p)
    data: dict[str, Any] = {
        "ImageId": ami["ImageId"], "InstanceType": p.instance_type,
        "UserData": base64.b64encode(user_data).decode(),  # boto3 does not encode LT user data
        "IamInstanceProfile": {"Arn": Ref(f"iam/{p.name}", "profile_arn")},
        "SecurityGroupIds": [Ref("sg/worker")],
        "BlockDeviceMappings": [root_volume(ami, p.disk_size, p.disk_type, p.disk_iops or 0,
                                            b.config.aws.ebs_kms_key_id)],
        "MetadataOptions": metadata_options(p.imds_v2_required, p.metadata_hop_limit),
        "Monitoring": {"Enabled": False},
        "TagSpecifications": [{"ResourceType": rt, "Tags": [{"Key": k, "Value": v} for k, v in sorted(tags.items())]}
                              for rt in ("network-interface", "volume")],
    }
    if p.spot_price and not tuple(p.spot_instance_types):
        data["InstanceMarketOptions"] = {"MarketType": "spot", "SpotOptions": {
            "MaxPrice": p.spot_price, "SpotInstanceType": "one-time",
            "InstanceInterruptionBehavior": "terminate"}}
    return data


def normalize_lt_data(data: dict[str, Any]) -> dict[str, Any]:
    """Keep the fields lokonb sends, in a comparable shape."""
    keep = ("ImageId", "InstanceType", "UserData", "IamInstanceProfile", "SecurityGroupIds", "BlockDeviceMappings",
            "MetadataOptions", "Monitoring", "TagSpecifications", "InstanceMarketOptions")
    out = {k: data[k] for k in keep if k in data}
    if "SecurityGroupIds" in out:
        out["SecurityGroupIds"] = sorted(out["SecurityGroupIds"])
    if "MetadataOptions" in out:
        m = out["MetadataOptions"]
        out["MetadataOptions"] = {k: m.get(k) for k in ("HttpEndpoint", "HttpTokens", "HttpPutResponseHopLimit")}
    if "TagSpecifications" in out:
        # moto 5.2.5 copies CreateLaunchTemplate's own "launch-template" tag spec into the version data (gap)
        out["TagSpecifications"] = sorted(
            ({"ResourceType": t["ResourceType"], "Tags": sorted(t["Tags"], key=lambda x: x["Key"])}
             for t in out["TagSpecifications"] if t["ResourceType"] != "launch-template"),
            key=lambda t: t["ResourceType"])
    if "IamInstanceProfile" in out:
        out["IamInstanceProfile"] = {"Arn": out["IamInstanceProfile"].get("Arn")}
    return out


@register
class LaunchTemplate(Ec2Tagged):
    type = "ec2:launch-template"
    update_fields = ("data",)
    replace_fields = ("name",)
    update_attrs = ("version",)
    destroy_rank = 55

    def create(self, ctx, d, props):
        from lokonb.aws.errors import AwsError

        try:
            lt = ctx.aws.call("ec2", "create_launch_template", LaunchTemplateName=props["name"],
                              LaunchTemplateData=props["data"], TagSpecifications=[
                                  {"ResourceType": "launch-template", "Tags": [
                                      {"Key": k, "Value": v} for k, v in sorted((d.tags or {}).items())]}],
                              resource=d.key)["LaunchTemplate"]
        except AwsError as exc:
            if exc.code != "InvalidLaunchTemplateName.AlreadyExistsException":
                raise
            lt = ctx.aws.call("ec2", "describe_launch_templates",
                              LaunchTemplateNames=[props["name"]])["LaunchTemplates"][0]
            if not names.is_owned(tag_dict(lt.get("Tags")), ctx.config.cluster_name):
                raise AwsError(f"launch template {props['name']} exists and is not owned by cluster "
                               f"{ctx.config.cluster_name}", code="NotOwned") from None
        return {"id": lt["LaunchTemplateId"], "version": lt["LatestVersionNumber"]}

    def update(self, ctx, d, a, props, changed):
        v = ctx.aws.call("ec2", "create_launch_template_version", LaunchTemplateId=a.id,
                         LaunchTemplateData=props["data"], resource=d.key)["LaunchTemplateVersion"]
        num = v["VersionNumber"]
        ctx.aws.call("ec2", "modify_launch_template", LaunchTemplateId=a.id, DefaultVersion=str(num),
                     resource=d.key)
        return {"version": num}

    def delete(self, ctx, a):
        from lokonb.aws.errors import AwsError

        try:
            ctx.aws.call("ec2", "delete_launch_template", LaunchTemplateId=a.id, resource=a.key)
        except AwsError as exc:
            if exc.code not in ("InvalidLaunchTemplateId.NotFound", "InvalidLaunchTemplateId.Malformed"):
                raise


@register
class AutoScalingGroup(ResourceType):
    type = "autoscaling:group"
    update_fields = ("min_size", "max_size", "desired", "launch_template", "mixed", "subnets", "health_check",
                     "cooldown", "capacity_rebalance", "target_groups")
    replace_fields = ("name",)
    destroy_rank = 10

    @staticmethod
    def _lt_kw(props: dict) -> dict:
        lt = {"LaunchTemplateId": props["launch_template"]["id"],
              "Version": str(props["launch_template"]["version"])}
        if props.get("mixed"):
            m = props["mixed"]
            return {"MixedInstancesPolicy": {
                "LaunchTemplate": {"LaunchTemplateSpecification": lt,
                                   "Overrides": [{"InstanceType": t} for t in m["types"]]},
                "InstancesDistribution": {"OnDemandBaseCapacity": 0, "OnDemandPercentageAboveBaseCapacity": 0,
                                          "SpotAllocationStrategy": "price-capacity-optimized",
                                          "SpotMaxPrice": m["max_price"]}}}
        return {"LaunchTemplate": lt}

    def create(self, ctx, d, props):
        from lokonb.aws.errors import AwsError

        kw = dict(AutoScalingGroupName=props["name"], MinSize=props["min_size"], MaxSize=props["max_size"],
                  DesiredCapacity=props["desired"], DefaultCooldown=props["cooldown"],
                  HealthCheckType=props["health_check"]["type"],
                  HealthCheckGracePeriod=props["health_check"]["grace"],
                  VPCZoneIdentifier=",".join(props["subnets"]), TargetGroupARNs=props["target_groups"],
                  CapacityRebalance=props["capacity_rebalance"], Tags=[
                      {"Key": k, "Value": v, "PropagateAtLaunch": True, "ResourceId": props["name"],
                       "ResourceType": "auto-scaling-group"} for k, v in sorted((d.tags or {}).items())],
                  **self._lt_kw(props))
        try:
            ctx.retrying(lambda: ctx.aws.call("autoscaling", "create_auto_scaling_group", resource=d.key, **kw),
                         ASG_RETRY)
        except AwsError as exc:
            if exc.code != "AlreadyExists":
                raise
            got = ctx.aws.call("autoscaling", "describe_auto_scaling_groups",
                               AutoScalingGroupNames=[props["name"]])["AutoScalingGroups"]
            if not got or not names.is_owned({t["Key"]: t["Value"] for t in got[0].get("Tags", [])},
                                             ctx.config.cluster_name):
                raise AwsError(f"Auto Scaling group {props['name']} exists and is not owned by cluster "
                               f"{ctx.config.cluster_name}", code="NotOwned") from None
        return {"id": props["name"]}

    def update(self, ctx, d, a, props, changed):
        basic = {"min_size", "max_size", "desired", "launch_template", "mixed", "subnets", "health_check",
                 "cooldown", "capacity_rebalance"}
        if basic & set(changed):
            kw = dict(AutoScalingGroupName=a.id, MinSize=props["min_size"], MaxSize=props["max_size"],
                      DesiredCapacity=props["desired"], DefaultCooldown=props["cooldown"],
                      HealthCheckType=props["health_check"]["type"],
                      HealthCheckGracePeriod=props["health_check"]["grace"],
                      VPCZoneIdentifier=",".join(props["subnets"]), CapacityRebalance=props["capacity_rebalance"],
                      **self._lt_kw(props))
            ctx.retrying(lambda: ctx.aws.call("autoscaling", "update_auto_scaling_group", resource=d.key, **kw),
                         ASG_RETRY)
        if "target_groups" in changed:
            want, have = set(props["target_groups"]), set(a.props.get("target_groups") or [])
            if want - have:
                ctx.aws.call("autoscaling", "attach_load_balancer_target_groups", AutoScalingGroupName=a.id,
                             TargetGroupARNs=sorted(want - have), resource=d.key)
            if have - want:
                ctx.aws.call("autoscaling", "detach_load_balancer_target_groups", AutoScalingGroupName=a.id,
                             TargetGroupARNs=sorted(have - want), resource=d.key)
        return {}

    def update_tags(self, ctx, a, tags, old):
        gone = [k for k in old if k not in tags]
        base = {"ResourceId": a.id, "ResourceType": "auto-scaling-group"}
        if gone:
            ctx.aws.call("autoscaling", "delete_tags", Tags=[{"Key": k, **base} for k in gone], resource=a.key)
        changed = {k: v for k, v in tags.items() if old.get(k) != v}
        if changed:
            ctx.aws.call("autoscaling", "create_or_update_tags", Tags=[
                {"Key": k, "Value": v, "PropagateAtLaunch": True, **base} for k, v in changed.items()],
                resource=a.key)

    def delete(self, ctx, a):
        from lokonb.aws.errors import AwsError

        try:
            ctx.retrying(lambda: ctx.aws.call("autoscaling", "delete_auto_scaling_group", AutoScalingGroupName=a.id,
                                              ForceDelete=True, resource=a.key), ASG_RETRY)
        except AwsError as exc:
            if "not found" not in str(exc).lower():
                raise
        for _ in range(120):  # wait until the group is gone (5 s x 120 on real AWS)
            got = ctx.aws.call("autoscaling", "describe_auto_scaling_groups",
                               AutoScalingGroupNames=[a.id])["AutoScalingGroups"]
            if not got:
                break
            ctx.sleep(5 * ctx.scale)
        ids = a.attrs.get("instances") or []
        if ids:
            ctx.wait("ec2", "instance_terminated", 5, 120, InstanceIds=ids)


def desired(b: Any) -> list[Desired]:
    out = []
    for p in b.config.worker_pools:
        name = names.pool_name(b.cluster, p.name)
        out.append(Desired(f"lt/{p.name}", LaunchTemplate.type, name, {"name": name, "data": lt_data(b, p)},
                           b.tags(f"lt/{p.name}", name, p), deps=(f"object/{p.name}", f"iam/{p.name}"),
                           extra={"os_current": p.os_version == "current",
                                  "ami_name": b.ami(p.os_channel, p.os_version, p.instance_type).get("Name", ""),
                                  "ami_stream": ami_stream(b.ami(p.os_channel, p.os_version, p.instance_type))}))
        mixed = None
        if tuple(p.spot_instance_types):
            mixed = {"types": [p.instance_type, *p.spot_instance_types], "max_price": p.spot_price}
        out.append(Desired(f"asg/{p.name}", AutoScalingGroup.type, name, {
            "name": name, "min_size": p.count, "max_size": p.count + 2, "desired": p.count,
            "launch_template": {"id": Ref(f"lt/{p.name}"), "version": Ref(f"lt/{p.name}", "version")},
            "mixed": mixed, "subnets": sorted([Ref(f"subnet/public-{i}") for i in range(b.subnet_count)],
                                              key=lambda r: r.key),
            "health_check": {"type": "EC2", "grace": 30}, "cooldown": 30,
            "capacity_rebalance": bool(p.spot_price or tuple(p.spot_instance_types)),
            "target_groups": [Ref(f"tg/{p.name}/http"), Ref(f"tg/{p.name}/https"), *p.target_groups],
        }, b.tags(f"asg/{p.name}", name, p),
            deps=tuple(f"rt-assoc/public-{i}" for i in range(b.subnet_count)) + ("route/default-v4",)))
    return out


def _foreign_names(aws: Any, b: Any, found: Found, lt_names: set[str], asg_names: set[str]) -> None:
    """P8: a pool's launch template or ASG name taken by something the cluster does not own.

    Only names not already found owned are looked up (one call each kind), so a converged cluster pays nothing."""
    wanted = [names.pool_name(b.cluster, p.name) for p in b.config.worker_pools]
    missing = [n for n in wanted if n not in lt_names]
    if missing:
        for lt in aws.paginate("ec2", "describe_launch_templates", "LaunchTemplates",
                               Filters=[{"Name": "launch-template-name", "Values": missing}]):
            if lt["LaunchTemplateName"] in missing:
                found.name_taken("ec2:launch-template", lt["LaunchTemplateName"], b.cluster)
    missing = [n for n in wanted if n not in asg_names]
    if missing:
        for g in aws.paginate("autoscaling", "describe_auto_scaling_groups", "AutoScalingGroups",
                              AutoScalingGroupNames=missing):
            if g["AutoScalingGroupName"] in missing:
                found.name_taken("autoscaling:group", g["AutoScalingGroupName"], b.cluster)


def ami_stream(image: dict) -> tuple[str, str] | None:
    """(channel, architecture) of a Flatcar AMI (``Flatcar-beta-3850.1.0-arm64-hvm`` -> ("beta", "arm64")):
    two AMIs of one stream differ only by release, which ``os_version: current`` adopts only with upgrade_os."""
    m = re.match(r"Flatcar-([a-z]+)-", image.get("Name") or "")
    return (m.group(1), str(image.get("Architecture") or "")) if m and image.get("Architecture") else None


def _streams_of(aws: Any, b: Any, image_ids: set[str]) -> dict[str, tuple[str, str] | None]:
    """The stream of each launch template's AMI: from the plan's own AMI lookups, else one DescribeImages for
    the rest (an older release, or another channel or architecture); unknown (deregistered) -> None."""
    from lokonb.aws.errors import AwsError

    known = {img["ImageId"]: ami_stream(img) for img in b.amis.values()}
    out = {i: known[i] for i in image_ids if i in known}
    rest = sorted(image_ids - set(known))
    if rest and b.amis:  # destroy's discovery (no AMI lookups) does not need streams
        try:
            for img in aws.call("ec2", "describe_images", ImageIds=rest)["Images"]:
                out[img["ImageId"]] = ami_stream(img)
        except AwsError as exc:
            if not exc.code.startswith("InvalidAMIID"):
                raise
    return out


def launch_template_in_use(group: dict) -> dict:
    """The launch template spec an ASG launches from: its mixed instances policy's when it has one (moto 5.2.5
    keeps reporting the top-level LaunchTemplate of before an update to a policy; AWS drops it)."""
    mip_spec = ((group.get("MixedInstancesPolicy") or {}).get("LaunchTemplate") or {}).get(
        "LaunchTemplateSpecification")
    return mip_spec or group.get("LaunchTemplate") or {}


def discover(aws: Any, b: Any, found: Found) -> None:
    flt = [{"Name": f"tag:{names.TAG_CLUSTER}", "Values": [b.cluster]}]
    lts = [lt for lt in aws.paginate("ec2", "describe_launch_templates", "LaunchTemplates", Filters=flt)
           if names.is_owned(tag_dict(lt.get("Tags")), b.cluster)]
    asgs = [g for g in aws.paginate("autoscaling", "describe_auto_scaling_groups", "AutoScalingGroups",
                                    Filters=[{"Name": f"tag:{names.TAG_CLUSTER}", "Values": [b.cluster]}])
            if names.is_owned({t["Key"]: t["Value"] for t in g.get("Tags", [])}, b.cluster)]
    _foreign_names(aws, b, found, {lt["LaunchTemplateName"] for lt in lts}, {g["AutoScalingGroupName"] for g in asgs})
    asg_version = {}
    for g in asgs:
        spec = launch_template_in_use(g)
        asg_version[spec.get("LaunchTemplateId")] = str(spec.get("Version", ""))
    # moto 5.2.5's DescribeLaunchTemplates misses tags added later with CreateTags (gap, aws.md §11.3);
    # DescribeTags reports them on AWS and moto alike: one batched call for all templates.
    lt_tags: dict[str, dict[str, str]] = {}
    if lts:
        for t in aws.paginate("ec2", "describe_tags", "Tags", Filters=[
                {"Name": "resource-id", "Values": [lt["LaunchTemplateId"] for lt in lts]}]):
            if not t["Key"].lower().startswith("aws:"):
                lt_tags.setdefault(t["ResourceId"], {})[t["Key"]] = t.get("Value", "")
    latest_data: dict[str, dict] = {}
    for lt in lts:
        tags = lt_tags.get(lt["LaunchTemplateId"]) or tag_dict(lt.get("Tags"))
        # latest, the one before it (its node-config object is kept for a rollback) and the ASG's
        wanted = {str(lt["LatestVersionNumber"])}
        if lt["LatestVersionNumber"] > 1:
            wanted.add(str(lt["LatestVersionNumber"] - 1))
        if asg_version.get(lt["LaunchTemplateId"]):
            wanted.add(asg_version[lt["LaunchTemplateId"]])
        versions = aws.call("ec2", "describe_launch_template_versions", LaunchTemplateId=lt["LaunchTemplateId"],
                            Versions=sorted(wanted))["LaunchTemplateVersions"]
        by_num = {str(v["VersionNumber"]): v for v in versions}
        latest = by_num.get(str(lt["LatestVersionNumber"]), {})
        in_use = by_num.get(asg_version.get(lt["LaunchTemplateId"], ""), {})
        prev = by_num.get(str(lt["LatestVersionNumber"] - 1), {})
        key = tags.get(names.TAG_RESOURCE, f"lt/{lt['LaunchTemplateName']}")
        found.info.setdefault("lt_user_data", {})[key.split("/", 1)[-1]] = {
            which: v.get("LaunchTemplateData", {}).get("UserData", "")
            for which, v in (("latest", latest), ("previous", prev), ("in_use", in_use))}
        latest_data[lt["LaunchTemplateId"]] = data = normalize_lt_data(latest.get("LaunchTemplateData", {}))
        found.add(Actual(tags.get(names.TAG_RESOURCE, f"lt/{lt['LaunchTemplateName']}"), LaunchTemplate.type,
                         lt["LaunchTemplateId"], {"name": lt["LaunchTemplateName"], "data": data},
                         tags, {"version": lt["LatestVersionNumber"], "in_use_version": in_use.get("VersionNumber"),
                                "in_use_data": in_use.get("LaunchTemplateData", {})},
                         created=str(lt.get("CreateTime", "")), name=lt["LaunchTemplateName"]))
    streams = _streams_of(aws, b, {d["ImageId"] for d in latest_data.values() if d.get("ImageId")})
    for a in found.all():
        if a.type == LaunchTemplate.type and a.id in latest_data:
            a.attrs["ami_stream"] = streams.get(latest_data[a.id].get("ImageId", ""))
    for g in asgs:
        tags = {t["Key"]: t["Value"] for t in g.get("Tags", []) if not t["Key"].startswith("aws:")}
        mip = g.get("MixedInstancesPolicy")
        spec = launch_template_in_use(g)
        mixed = None
        if mip:
            mixed = {"types": [o["InstanceType"] for o in mip["LaunchTemplate"].get("Overrides", [])],
                     "max_price": mip.get("InstancesDistribution", {}).get("SpotMaxPrice", "")}
        ver = spec.get("Version")
        found.add(Actual(tags.get(names.TAG_RESOURCE, f"asg/{g['AutoScalingGroupName']}"), AutoScalingGroup.type,
                         g["AutoScalingGroupName"], {
            "name": g["AutoScalingGroupName"], "min_size": g["MinSize"], "max_size": g["MaxSize"],
            "desired": g["DesiredCapacity"],
            "launch_template": {"id": spec.get("LaunchTemplateId"), "version": int(ver) if str(ver).isdigit()
                                else ver},
            "mixed": mixed, "subnets": sorted(s for s in g.get("VPCZoneIdentifier", "").split(",") if s),
            "health_check": {"type": g.get("HealthCheckType"), "grace": g.get("HealthCheckGracePeriod")},
            "cooldown": g.get("DefaultCooldown"), "capacity_rebalance": bool(g.get("CapacityRebalance")),
            "target_groups": g.get("TargetGroupARNs", [])}, tags,
            {"instances": [i["InstanceId"] for i in g.get("Instances", [])]},
            created=str(g.get("CreatedTime", "")), name=g["AutoScalingGroupName"]))
