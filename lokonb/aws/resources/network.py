"""VPC with IPv6, internet gateway, route table and default routes, one public subnet per AZ (aws.md §5.1)."""

from __future__ import annotations

import ipaddress
from typing import Any

from lokonb.aws import names
from lokonb.aws.found import Found
from lokonb.aws.graph import Actual, Desired, ExecCtx, Ref, ResourceType, ec2_tag_spec, register, tag_dict

NOT_FOUND_RETRY = {"InvalidVpcID.NotFound": 60, "InvalidSubnetID.NotFound": 60,
                   "InvalidInternetGatewayID.NotFound": 60, "InvalidRouteTableID.NotFound": 60}
DEPENDENCY_RETRY = {"DependencyViolation": 600}


class Ec2Tagged(ResourceType):
    """EC2 resources tagged with CreateTags/DeleteTags."""

    def update_tags(self, ctx: ExecCtx, a: Actual, tags: dict[str, str], old: dict[str, str]) -> None:
        gone = [k for k in old if k not in tags]
        if gone:
            ctx.aws.call("ec2", "delete_tags", Resources=[a.id], Tags=[{"Key": k} for k in gone], resource=a.key)
        changed = {k: v for k, v in tags.items() if old.get(k) != v}
        if changed:
            ctx.aws.call("ec2", "create_tags", Resources=[a.id],
                         Tags=[{"Key": k, "Value": v} for k, v in changed.items()], resource=a.key)


def retried(resp: dict) -> dict:
    """Marks a create whose request botocore retried: an earlier attempt may have created a copy (aws.md §8.2)."""
    return {"retried": True} if resp.get("ResponseMetadata", {}).get("RetryAttempts") else {}


def subnet_cidrs(host_cidr: str, n: int) -> list[str]:
    """The first ``n`` /(p+4) subnets of ``host_cidr`` (10.0.0.0/16 -> 10.0.0.0/20, 10.0.16.0/20, ...)."""
    net = ipaddress.ip_network(host_cidr)
    return [str(s) for s, _ in zip(net.subnets(prefixlen_diff=4), range(n), strict=False)]


def ipv6_subnet(vpc_block: str, index: int) -> str:
    """The ``index``-th /64 of the VPC's /56."""
    net = ipaddress.ip_network(vpc_block)
    return str(next(s for i, s in enumerate(net.subnets(new_prefix=64)) if i == index))


@register
class Vpc(Ec2Tagged):
    type = "ec2:vpc"
    update_fields = ("dns_support", "dns_hostnames")
    replace_fields = ("ipv6",)
    refuse_fields = {"cidr": "host_cidr"}
    destroy_rank = 90

    def create(self, ctx: ExecCtx, d: Desired, props: dict[str, Any]) -> dict[str, Any]:
        resp = ctx.aws.call("ec2", "create_vpc", CidrBlock=props["cidr"], AmazonProvidedIpv6CidrBlock=True,
                            TagSpecifications=ec2_tag_spec("vpc", d.tags), resource=d.key)
        vpc = resp["Vpc"]
        ctx.retrying(lambda: ctx.wait("ec2", "vpc_available", 2, 30, VpcIds=[vpc["VpcId"]]), NOT_FOUND_RETRY)
        self.update(ctx, d, Actual(d.key, self.type, vpc["VpcId"]), props, ["dns_support", "dns_hostnames"])
        got = ctx.aws.call("ec2", "describe_vpcs", VpcIds=[vpc["VpcId"]])["Vpcs"][0]
        return {"id": vpc["VpcId"], "ipv6_cidr": _vpc_v6(got), **retried(resp)}

    def update(self, ctx, d, a, props, changed):
        for f, attr in (("dns_support", "EnableDnsSupport"), ("dns_hostnames", "EnableDnsHostnames")):
            if f in changed:
                ctx.retrying(lambda attr=attr, f=f: ctx.aws.call(
                    "ec2", "modify_vpc_attribute", VpcId=a.id, **{attr: {"Value": props[f]}}, resource=d.key),
                    NOT_FOUND_RETRY)
        return {}

    def delete(self, ctx, a):
        ctx.retrying(lambda: ctx.aws.call("ec2", "delete_vpc", VpcId=a.id, resource=a.key), DEPENDENCY_RETRY)


def _associated(assoc: dict) -> bool:
    # moto 5.2.5 returns a subnet's state as the string "{'State': 'associated'}" (gap, aws.md §11.3)
    state = str(assoc.get("Ipv6CidrBlockState", {}).get("State", ""))
    return "associated" in state or "associating" in state


def _vpc_v6(vpc: dict) -> str | None:
    for assoc in vpc.get("Ipv6CidrBlockAssociationSet", []):
        if _associated(assoc):
            return assoc["Ipv6CidrBlock"]
    return None


@register
class InternetGateway(Ec2Tagged):
    type = "ec2:internet-gateway"
    update_fields = ("vpc",)
    destroy_rank = 80

    def create(self, ctx, d, props):
        igw = ctx.aws.call("ec2", "create_internet_gateway",
                           TagSpecifications=ec2_tag_spec("internet-gateway", d.tags), resource=d.key)
        gid = igw["InternetGateway"]["InternetGatewayId"]
        self.update(ctx, d, Actual(d.key, self.type, gid), props, ["vpc"])
        return {"id": gid, **retried(igw)}

    def update(self, ctx, d, a, props, changed):
        old = a.props.get("vpc")
        if old:
            ctx.aws.call("ec2", "detach_internet_gateway", InternetGatewayId=a.id, VpcId=old, resource=d.key)
        ctx.retrying(lambda: ctx.aws.call("ec2", "attach_internet_gateway", InternetGatewayId=a.id,
                                          VpcId=props["vpc"], resource=d.key), NOT_FOUND_RETRY)
        return {}

    def delete(self, ctx, a):
        if a.props.get("vpc"):
            ctx.retrying(lambda: ctx.aws.call("ec2", "detach_internet_gateway", InternetGatewayId=a.id,
                                              VpcId=a.props["vpc"], resource=a.key), DEPENDENCY_RETRY)
        ctx.retrying(lambda: ctx.aws.call("ec2", "delete_internet_gateway", InternetGatewayId=a.id,
                                          resource=a.key), DEPENDENCY_RETRY)


@register
class RouteTable(Ec2Tagged):
    type = "ec2:route-table"
    replace_fields = ("vpc",)
    destroy_rank = 80

    def create(self, ctx, d, props):
        rt = ctx.retrying(lambda: ctx.aws.call("ec2", "create_route_table", VpcId=props["vpc"],
                                               TagSpecifications=ec2_tag_spec("route-table", d.tags),
                                               resource=d.key), NOT_FOUND_RETRY)
        return {"id": rt["RouteTable"]["RouteTableId"], **retried(rt)}

    def delete(self, ctx, a):
        ctx.retrying(lambda: ctx.aws.call("ec2", "delete_route_table", RouteTableId=a.id, resource=a.key),
                     DEPENDENCY_RETRY)


@register
class Route(ResourceType):
    type = "ec2:route"
    taggable = False
    update_fields = ("gateway",)
    replace_fields = ("route_table", "destination")
    destroy_rank = 70

    @staticmethod
    def _dest(dest: str) -> dict[str, str]:
        return {"DestinationIpv6CidrBlock": dest} if ":" in dest else {"DestinationCidrBlock": dest}

    def create(self, ctx, d, props):
        ctx.retrying(lambda: ctx.aws.call("ec2", "create_route", RouteTableId=props["route_table"],
                                          GatewayId=props["gateway"], **self._dest(props["destination"]),
                                          resource=d.key), NOT_FOUND_RETRY)
        return {"id": f"{props['route_table']}:{props['destination']}"}

    def update(self, ctx, d, a, props, changed):
        ctx.aws.call("ec2", "replace_route", RouteTableId=props["route_table"], GatewayId=props["gateway"],
                     **self._dest(props["destination"]), resource=d.key)
        return {}

    def delete(self, ctx, a):
        ctx.aws.call("ec2", "delete_route", RouteTableId=a.props["route_table"],
                     **self._dest(a.props["destination"]), resource=a.key)


@register
class Subnet(Ec2Tagged):
    type = "ec2:subnet"
    update_fields = ("map_public_ip", "assign_ipv6")
    replace_fields = ("vpc", "az", "cidr", "ipv6_cidr")
    destroy_rank = 85

    def create(self, ctx, d, props):
        kw = {"VpcId": props["vpc"], "CidrBlock": props["cidr"], "AvailabilityZone": props["az"],
              "TagSpecifications": ec2_tag_spec("subnet", d.tags)}
        if props.get("ipv6_cidr"):
            kw["Ipv6CidrBlock"] = props["ipv6_cidr"]
        sub = ctx.retrying(lambda: ctx.aws.call("ec2", "create_subnet", resource=d.key, **kw), NOT_FOUND_RETRY)
        sid = sub["Subnet"]["SubnetId"]
        self.update(ctx, d, Actual(d.key, self.type, sid), props, ["map_public_ip", "assign_ipv6"])
        return {"id": sid, **retried(sub)}

    def update(self, ctx, d, a, props, changed):
        for f, attr in (("map_public_ip", "MapPublicIpOnLaunch"), ("assign_ipv6", "AssignIpv6AddressOnCreation")):
            if f in changed:
                ctx.retrying(lambda attr=attr, f=f: ctx.aws.call(
                    "ec2", "modify_subnet_attribute", SubnetId=a.id, **{attr: {"Value": props[f]}},
                    resource=d.key), NOT_FOUND_RETRY)
        return {}

    def delete(self, ctx, a):
        ctx.retrying(lambda: ctx.aws.call("ec2", "delete_subnet", SubnetId=a.id, resource=a.key),
                     DEPENDENCY_RETRY)


@register
class RouteTableAssociation(ResourceType):
    type = "ec2:route-table-association"
    taggable = False
    replace_fields = ("subnet", "route_table")
    destroy_rank = 70

    def create(self, ctx, d, props):
        r = ctx.retrying(lambda: ctx.aws.call("ec2", "associate_route_table", SubnetId=props["subnet"],
                                              RouteTableId=props["route_table"], resource=d.key), NOT_FOUND_RETRY)
        return {"id": r["AssociationId"]}

    def delete(self, ctx, a):
        ctx.aws.call("ec2", "disassociate_route_table", AssociationId=a.id, resource=a.key)


def desired(b: Any) -> list[Desired]:
    c = b.config
    out = [
        Desired("vpc", Vpc.type, c.cluster_name, {"cidr": c.host_cidr, "ipv6": True, "dns_support": True,
                                                  "dns_hostnames": True}, b.tags("vpc", c.cluster_name)),
        Desired("igw", InternetGateway.type, c.cluster_name, {"vpc": Ref("vpc")}, b.tags("igw", c.cluster_name)),
        Desired("route-table", RouteTable.type, c.cluster_name, {"vpc": Ref("vpc")},
                b.tags("route-table", c.cluster_name)),
        Desired("route/default-v4", Route.type, "0.0.0.0/0",
                {"route_table": Ref("route-table"), "destination": "0.0.0.0/0", "gateway": Ref("igw")}),
        Desired("route/default-v6", Route.type, "::/0",
                {"route_table": Ref("route-table"), "destination": "::/0", "gateway": Ref("igw")}),
    ]
    for i, (az, cidr) in enumerate(zip(b.azs[:b.subnet_count], subnet_cidrs(c.host_cidr, b.subnet_count), strict=True)):
        key = f"subnet/public-{i}"
        name = f"{c.cluster_name}-public-{i}"
        out.append(Desired(key, Subnet.type, name, {
            "vpc": Ref("vpc"), "az": az, "cidr": cidr,
            "ipv6_cidr": Ref("vpc", "ipv6_cidr", transform=lambda block, i=i: ipv6_subnet(block, i)),
            "map_public_ip": True, "assign_ipv6": True}, b.tags(key, name)))
        out.append(Desired(f"rt-assoc/public-{i}", RouteTableAssociation.type, name,
                           {"subnet": Ref(key), "route_table": Ref("route-table")}))
    return out


def discover(aws: Any, b: Any, found: Found) -> None:
    cluster = b.cluster
    flt = [{"Name": f"tag:{names.TAG_CLUSTER}", "Values": [cluster]}]
    for vpc in aws.paginate("ec2", "describe_vpcs", "Vpcs", Filters=flt):
        tags = tag_dict(vpc.get("Tags"))
        if not names.is_owned(tags, cluster):
            continue
        props = {"cidr": vpc["CidrBlock"], "ipv6": _vpc_v6(vpc) is not None}
        for f, attr in (("dns_support", "enableDnsSupport"), ("dns_hostnames", "enableDnsHostnames")):
            r = aws.call("ec2", "describe_vpc_attribute", VpcId=vpc["VpcId"], Attribute=attr)
            props[f] = r[attr[0].upper() + attr[1:]]["Value"]
        found.add(Actual(tags.get(names.TAG_RESOURCE, "vpc"), Vpc.type, vpc["VpcId"], props, tags,
                         {"ipv6_cidr": _vpc_v6(vpc)}, name=tags.get("Name", "")))
    for igw in aws.paginate("ec2", "describe_internet_gateways", "InternetGateways", Filters=flt):
        tags = tag_dict(igw.get("Tags"))
        if names.is_owned(tags, cluster):
            att = [x["VpcId"] for x in igw.get("Attachments", []) if x.get("State") in ("available", "attached")]
            found.add(Actual(tags.get(names.TAG_RESOURCE, "igw"), InternetGateway.type,
                             igw["InternetGatewayId"], {"vpc": att[0] if att else None}, tags))
    subnets = [s for s in aws.paginate("ec2", "describe_subnets", "Subnets", Filters=flt)
               if names.is_owned(tag_dict(s.get("Tags")), cluster)]
    for s in subnets:
        tags = tag_dict(s.get("Tags"))
        v6 = [x["Ipv6CidrBlock"] for x in s.get("Ipv6CidrBlockAssociationSet", []) if _associated(x)]
        found.add(Actual(tags.get(names.TAG_RESOURCE, "subnet/?"), Subnet.type, s["SubnetId"], {
            "vpc": s["VpcId"], "az": s["AvailabilityZone"], "cidr": s["CidrBlock"],
            "ipv6_cidr": v6[0] if v6 else None, "map_public_ip": bool(s.get("MapPublicIpOnLaunch")),
            "assign_ipv6": bool(s.get("AssignIpv6AddressOnCreation"))}, tags, name=tags.get("Name", "")))
    for rt in aws.paginate("ec2", "describe_route_tables", "RouteTables", Filters=flt):
        tags = tag_dict(rt.get("Tags"))
        if not names.is_owned(tags, cluster):
            continue
        rt_key = tags.get(names.TAG_RESOURCE, "route-table")
        found.add(Actual(rt_key, RouteTable.type, rt["RouteTableId"], {"vpc": rt["VpcId"]}, tags))
        for route in rt.get("Routes", []):
            dest = route.get("DestinationCidrBlock") or route.get("DestinationIpv6CidrBlock")
            gw = route.get("GatewayId", "")
            if not dest or gw == "local" or route.get("Origin") == "CreateRouteTable":
                continue
            key = {"0.0.0.0/0": "route/default-v4", "::/0": "route/default-v6"}.get(dest, f"route/{dest}")
            found.add(Actual(key, Route.type, f"{rt['RouteTableId']}:{dest}",
                             {"route_table": rt["RouteTableId"], "destination": dest, "gateway": gw or None}))
        for assoc in rt.get("Associations", []):
            if assoc.get("Main") or not assoc.get("SubnetId"):
                continue
            skey = found.key_of_id.get(assoc["SubnetId"], assoc["SubnetId"])
            key = "rt-assoc/" + skey.split("/", 1)[-1] if skey.startswith("subnet/") else f"rt-assoc/{skey}"
            found.add(Actual(key, RouteTableAssociation.type, assoc["RouteTableAssociationId"],
                             {"subnet": assoc["SubnetId"], "route_table": rt["RouteTableId"]}))
