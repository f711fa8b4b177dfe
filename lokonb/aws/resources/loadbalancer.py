"""Network load balancer, target groups with TCP health checks, listeners, controller registrations (§5.3)."""

from __future__ import annotations

from typing import Any

from lokonb.aws import names
from lokonb.aws.found import Found
from lokonb.aws.graph import Actual, Desired, Ref, ResourceType, register, tag_dict, tag_list

IN_USE_RETRY = {"ResourceInUse": 300}
HEALTH = {"protocol": "TCP", "healthy": 3, "unhealthy": 3, "interval": 10}


class Elbv2Tagged(ResourceType):
    def update_tags(self, ctx, a, tags, old):
        gone = [k for k in old if k not in tags]
        if gone:
            ctx.aws.call("elbv2", "remove_tags", ResourceArns=[a.id], TagKeys=gone, resource=a.key)
        changed = {k: v for k, v in tags.items() if old.get(k) != v}
        if changed:
            ctx.aws.call("elbv2", "add_tags", ResourceArns=[a.id], Tags=tag_list(changed), resource=a.key)


@register
class LoadBalancer(Elbv2Tagged):
    type = "elbv2:load-balancer"
    update_fields = ("subnets", "cross_zone")
    replace_fields = ("name", "type", "scheme", "ip_address_type")
    destroy_rank = 22

    def create(self, ctx, d, props):
        lb = ctx.aws.call("elbv2", "create_load_balancer", Name=props["name"], Subnets=props["subnets"],
                          Scheme=props["scheme"], Type=props["type"], IpAddressType=props["ip_address_type"],
                          Tags=tag_list(d.tags or {}), resource=d.key)["LoadBalancers"][0]
        arn = lb["LoadBalancerArn"]
        self.update(ctx, d, Actual(d.key, self.type, arn, {"subnets": props["subnets"]}), props, ["cross_zone"])
        ctx.wait("elbv2", "load_balancer_available", 15, 40, LoadBalancerArns=[arn])
        return {"id": arn, "dns_name": lb["DNSName"], "zone_id": lb["CanonicalHostedZoneId"]}

    def update(self, ctx, d, a, props, changed):
        if "cross_zone" in changed:
            ctx.aws.call("elbv2", "modify_load_balancer_attributes", LoadBalancerArn=a.id, Attributes=[
                {"Key": "load_balancing.cross_zone.enabled", "Value": str(props["cross_zone"]).lower()}],
                resource=d.key)
        if "subnets" in changed:
            ctx.aws.call("elbv2", "set_subnets", LoadBalancerArn=a.id, Subnets=props["subnets"], resource=d.key)
        return {}

    def delete(self, ctx, a):
        ctx.aws.call("elbv2", "delete_load_balancer", LoadBalancerArn=a.id, resource=a.key)
        ctx.wait("elbv2", "load_balancers_deleted", 10, 60, LoadBalancerArns=[a.id])


@register
class TargetGroup(Elbv2Tagged):
    type = "elbv2:target-group"
    update_fields = ("health_check",)
    replace_fields = ("name", "port", "protocol", "vpc", "target_type")
    destroy_rank = 24

    def create(self, ctx, d, props):
        hc = props["health_check"]
        tg = ctx.aws.call("elbv2", "create_target_group", Name=props["name"], Protocol=props["protocol"],
                          Port=props["port"], VpcId=props["vpc"], TargetType=props["target_type"],
                          HealthCheckProtocol=hc["protocol"], HealthCheckPort=str(hc["port"]),
                          HealthyThresholdCount=hc["healthy"], UnhealthyThresholdCount=hc["unhealthy"],
                          HealthCheckIntervalSeconds=hc["interval"], Tags=tag_list(d.tags or {}),
                          resource=d.key)["TargetGroups"][0]
        return {"id": tg["TargetGroupArn"]}

    def update(self, ctx, d, a, props, changed):
        hc = props["health_check"]
        ctx.aws.call("elbv2", "modify_target_group", TargetGroupArn=a.id, HealthCheckProtocol=hc["protocol"],
                     HealthCheckPort=str(hc["port"]), HealthyThresholdCount=hc["healthy"],
                     UnhealthyThresholdCount=hc["unhealthy"], HealthCheckIntervalSeconds=hc["interval"],
                     resource=d.key)
        return {}

    def delete(self, ctx, a):
        ctx.retrying(lambda: ctx.aws.call("elbv2", "delete_target_group", TargetGroupArn=a.id, resource=a.key),
                     IN_USE_RETRY)


@register
class Listener(Elbv2Tagged):
    type = "elbv2:listener"
    update_fields = ("port", "target_group")
    replace_fields = ("load_balancer", "protocol")
    destroy_rank = 21

    def create(self, ctx, d, props):
        li = ctx.aws.call("elbv2", "create_listener", LoadBalancerArn=props["load_balancer"],
                          Protocol=props["protocol"], Port=props["port"],
                          DefaultActions=[{"Type": "forward", "TargetGroupArn": props["target_group"]}],
                          Tags=tag_list(d.tags or {}), resource=d.key)["Listeners"][0]
        return {"id": li["ListenerArn"]}

    def arrange(self, updates):
        # ModifyListener onto a port another listener of the NLB still holds fails with DuplicateListener on AWS
        # (moto 5.2.5 does not check): a listener moving into a port that another one vacates waits for that
        # move; a cycle (pools swapping ports) has no order that works in place.
        moving = {a.actual.props.get("port"): a for a in updates if "port" in a.changed}
        problems, cycles = [], set()
        for a in moving.values():
            holder = moving.get(a.desired.props["port"])
            if holder is None:
                continue
            chain, cur = [a], holder
            while cur is not None and cur not in chain:
                chain.append(cur)
                cur = moving.get(cur.desired.props["port"])
            if cur is a:
                cycle = tuple(sorted(x.key for x in chain))
                if cycle not in cycles:
                    cycles.add(cycle)
                    moves = ", ".join(f"{x.key} {x.actual.props.get('port')} -> {x.desired.props['port']}"
                                      for x in sorted(chain, key=lambda x: x.key))
                    problems.append(f"lb ports: {moves} swap ports, which an NLB cannot do in place (a listener "
                                    "cannot take a port another one still holds): move one pool to a free port "
                                    "first, apply, then set the final ports")
            else:
                a.desired.deps = (*a.desired.deps, holder.key)
        return problems

    def update(self, ctx, d, a, props, changed):
        ctx.aws.call("elbv2", "modify_listener", ListenerArn=a.id, Port=props["port"], Protocol=props["protocol"],
                     DefaultActions=[{"Type": "forward", "TargetGroupArn": props["target_group"]}], resource=d.key)
        return {}

    def delete(self, ctx, a):
        from lokonb.aws.errors import AwsError

        try:
            ctx.aws.call("elbv2", "delete_listener", ListenerArn=a.id, resource=a.key)
        except AwsError as exc:
            if exc.code != "ListenerNotFound":
                raise


@register
class TargetRegistration(ResourceType):
    type = "elbv2:target-registration"
    taggable = False
    replace_fields = ("target_group", "instance", "port")
    destroy_rank = 20

    def create(self, ctx, d, props):
        ctx.aws.call("elbv2", "register_targets", TargetGroupArn=props["target_group"],
                     Targets=[{"Id": props["instance"], "Port": props["port"]}], resource=d.key)
        return {"id": f"{props['instance']}:{props['port']}"}

    def delete(self, ctx, a):
        from lokonb.aws.errors import AwsError

        try:
            ctx.aws.call("elbv2", "deregister_targets", TargetGroupArn=a.props["target_group"],
                         Targets=[{"Id": a.props["instance"], "Port": a.props["port"]}], resource=a.key)
        except AwsError as exc:  # the instance is already gone (replaced/terminated): nothing registered
            if exc.code not in ("InvalidTarget", "TargetGroupNotFound"):
                raise


def _tg(b: Any, key: str, pool: Any, kind: str, port: int) -> Desired:
    name = names.tg_name(b.cluster, pool.name if pool else None, kind)
    return Desired(key, TargetGroup.type, name, {
        "name": name, "protocol": "TCP", "port": port, "vpc": Ref("vpc"), "target_type": "instance",
        "health_check": {**HEALTH, "port": port}}, b.tags(key, name, pool))


def _listener(b: Any, key: str, tg_key: str, port: int, pool: Any) -> Desired:
    name = f"{names.nlb_name(b.cluster)}:{port}"  # spec 4.1: Name on every taggable resource
    return Desired(key, Listener.type, name, {
        "load_balancer": Ref("nlb"), "protocol": "TCP", "port": port, "target_group": Ref(tg_key)},
        b.tags(key, name, pool))


def desired(b: Any) -> list[Desired]:
    c = b.config
    name = names.nlb_name(c.cluster_name)
    out = [
        Desired("nlb", LoadBalancer.type, name, {
            "name": name, "type": "network", "scheme": "internet-facing", "ip_address_type": "ipv4",
            "subnets": [Ref(f"subnet/public-{i}") for i in range(b.subnet_count)], "cross_zone": True},
            b.tags("nlb", name), deps=("igw",)),
        _tg(b, "tg/api", None, "api", 6443),
        _listener(b, "listener/api", "tg/api", 6443, None),
    ]
    for i in range(c.controller_count):
        out.append(Desired(f"tg-attach/api/{i}", TargetRegistration.type, f"controller-{i}:6443", {
            "target_group": Ref("tg/api"), "instance": Ref(f"controller/{i}"), "port": 6443}))
    for p in c.worker_pools:
        for kind, node_port, lb_port in (("http", 30080, p.lb_http_port), ("https", 30443, p.lb_https_port)):
            out.append(_tg(b, f"tg/{p.name}/{kind}", p, kind, node_port))
            out.append(_listener(b, f"listener/{p.name}/{kind}", f"tg/{p.name}/{kind}", lb_port, p))
    return out


def _health_check_port(tg: dict) -> int:
    """``traffic-port`` (AWS's default, e.g. after an edit in the console) is the target group's own port."""
    port = str(tg.get("HealthCheckPort") or "0")
    return int(tg.get("Port") or 0) if port == "traffic-port" else int(port) if port.isdigit() else 0


def discover(aws: Any, b: Any, found: Found) -> None:
    from lokonb.aws.errors import AwsError

    cluster = b.cluster
    arns: list[str] = []
    lbs = []
    try:
        lbs = aws.call("elbv2", "describe_load_balancers", Names=[names.nlb_name(cluster)])["LoadBalancers"]
    except AwsError as exc:
        if exc.code != "LoadBalancerNotFound":
            raise
    tgs = [t for t in aws.paginate("elbv2", "describe_target_groups", "TargetGroups")
           if t["TargetGroupName"].startswith("lk-")]
    arns = [x["LoadBalancerArn"] for x in lbs] + [t["TargetGroupArn"] for t in tgs]
    listeners = []
    for lb in lbs:
        listeners = aws.paginate("elbv2", "describe_listeners", "Listeners", LoadBalancerArn=lb["LoadBalancerArn"])
        arns += [li["ListenerArn"] for li in listeners]
    tags: dict[str, dict[str, str]] = {}
    for i in range(0, len(arns), 20):
        for d in aws.call("elbv2", "describe_tags", ResourceArns=arns[i:i + 20])["TagDescriptions"]:
            tags[d["ResourceArn"]] = tag_dict(d.get("Tags"))
    for lb in lbs:
        t = tags.get(lb["LoadBalancerArn"], {})
        if not names.is_owned(t, cluster):
            found.name_taken("elbv2:load-balancer", lb["LoadBalancerName"], cluster)
            listeners = []
            continue
        attrs = aws.call("elbv2", "describe_load_balancer_attributes",
                         LoadBalancerArn=lb["LoadBalancerArn"])["Attributes"]
        cz = {a["Key"]: a["Value"] for a in attrs}.get("load_balancing.cross_zone.enabled", "false") == "true"
        found.add(Actual("nlb", LoadBalancer.type, lb["LoadBalancerArn"], {
            "name": lb["LoadBalancerName"], "type": lb.get("Type"), "scheme": lb.get("Scheme"),
            "ip_address_type": lb.get("IpAddressType"),
            "subnets": sorted(z["SubnetId"] for z in lb.get("AvailabilityZones", [])), "cross_zone": cz}, t,
            {"dns_name": lb["DNSName"], "zone_id": lb["CanonicalHostedZoneId"]},
            created=str(lb.get("CreatedTime", "")), name=lb["LoadBalancerName"]))
    api_tg = None
    ours = {names.tg_name(cluster, None, "api")} | {names.tg_name(cluster, p.name, kind)
                                                    for p in b.config.worker_pools for kind in ("http", "https")}
    for tg in tgs:
        t = tags.get(tg["TargetGroupArn"], {})
        if not names.is_owned(t, cluster):
            if tg["TargetGroupName"] in ours:  # P8: a derived name taken by something the cluster does not own
                found.name_taken("elbv2:target-group", tg["TargetGroupName"], cluster)
            continue
        key = t.get(names.TAG_RESOURCE, tg["TargetGroupName"])
        if key == "tg/api":
            api_tg = tg["TargetGroupArn"]
        found.add(Actual(key, TargetGroup.type, tg["TargetGroupArn"], {
            "name": tg["TargetGroupName"], "protocol": tg["Protocol"], "port": tg["Port"], "vpc": tg.get("VpcId"),
            "target_type": tg.get("TargetType"), "health_check": {
                "protocol": tg.get("HealthCheckProtocol"), "port": _health_check_port(tg),
                "healthy": tg.get("HealthyThresholdCount"), "unhealthy": tg.get("UnhealthyThresholdCount"),
                "interval": tg.get("HealthCheckIntervalSeconds")}}, t, name=tg["TargetGroupName"]))
    for li in listeners:
        t = tags.get(li["ListenerArn"], {})
        fwd = [a.get("TargetGroupArn") for a in li.get("DefaultActions", []) if a.get("Type") == "forward"]
        key = t.get(names.TAG_RESOURCE) or "listener/" + found.key_of_id.get(fwd[0] if fwd else "", "?")
        found.add(Actual(key, Listener.type, li["ListenerArn"], {
            "load_balancer": li["LoadBalancerArn"], "protocol": li["Protocol"], "port": li["Port"],
            "target_group": fwd[0] if fwd else None}, t))
    if api_tg:
        for th in aws.call("elbv2", "describe_target_health", TargetGroupArn=api_tg)["TargetHealthDescriptions"]:
            iid, port = th["Target"]["Id"], th["Target"].get("Port", 6443)
            ckey = found.key_of_id.get(iid)
            if not ckey or th.get("TargetHealth", {}).get("State") in ("draining",):
                continue
            idx = ckey.split("/", 1)[1]
            found.add(Actual(f"tg-attach/api/{idx}", TargetRegistration.type, f"{iid}:{port}", {
                "target_group": api_tg, "instance": iid, "port": port},
                attrs={"health": th.get("TargetHealth", {}).get("State")}))
