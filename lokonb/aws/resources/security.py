"""Controller and worker security groups and every rule of aws.md §5.2 (a data table)."""

from __future__ import annotations

from typing import Any

from lokonb.aws import names
from lokonb.aws.found import Found
from lokonb.aws.graph import Actual, Desired, Ref, ResourceType, ec2_tag_spec, register, tag_dict
from lokonb.aws.resources.network import DEPENDENCY_RETRY, NOT_FOUND_RETRY, Ec2Tagged

ANY4, ANY6 = "0.0.0.0/0", "::/0"
PORTED = ("tcp", "udp", "icmp", "icmpv6", "6", "17", "1", "58")

# (group, name, protocol, from, to, sources, condition) — sources: "self", "C", "W" or a CIDR.
RULES: tuple[tuple[str, str, str, int, int, tuple[str, ...], str | None], ...] = (
    ("controller", "controller-ssh", "tcp", 22, 22, (ANY4,), None),
    ("controller", "controller-etcd", "tcp", 2379, 2380, ("self",), None),
    ("controller", "controller-etcd-metrics", "tcp", 2381, 2381, ("W",), None),
    ("controller", "controller-apiserver", "tcp", 6443, 6443, (ANY4,), None),
    ("controller", "controller-node-exporter", "tcp", 9100, 9100, ("W",), None),
    ("controller", "kube-proxy-metrics", "tcp", 10249, 10249, ("W",), None),
    ("controller", "controller-kubelet", "tcp", 10250, 10250, ("W",), None),
    ("controller", "controller-kubelet-self", "tcp", 10250, 10250, ("self",), None),
    ("controller", "controller-bgp", "tcp", 179, 179, ("W",), None),
    ("controller", "controller-bgp-self", "tcp", 179, 179, ("self",), None),
    ("controller", "controller-ipip", "4", 0, 0, ("W",), None),
    ("controller", "controller-ipip-self", "4", 0, 0, ("self",), None),
    ("controller", "controller-ipip-legacy", "94", 0, 0, ("W",), None),
    ("controller", "controller-ipip-legacy-self", "94", 0, 0, ("self",), None),
    ("controller", "controller-node-local-dns-metrics-port", "tcp", 9253, 9253, ("W",), "enable_node_local_dns"),
    ("controller", "controller-wireguard", "udp", 51820, 51820, ("W", "self"), "encrypt_pod_traffic"),
    ("worker", "worker-ssh", "tcp", 22, 22, (ANY4,), None),
    ("worker", "worker-http", "tcp", 30080, 30080, (ANY4,), None),
    ("worker", "worker-https", "tcp", 30443, 30443, (ANY4,), None),
    ("worker", "worker-node-exporter", "tcp", 9100, 9100, ("self",), None),
    ("worker", "worker-kube-proxy", "tcp", 10249, 10249, ("self",), None),
    ("worker", "worker-kubelet", "tcp", 10250, 10250, ("C",), None),
    ("worker", "worker-kubelet-self", "tcp", 10250, 10250, ("self",), None),
    ("worker", "worker-bgp", "tcp", 179, 179, ("C",), None),
    ("worker", "worker-bgp-self", "tcp", 179, 179, ("self",), None),
    ("worker", "worker-ipip", "4", 0, 0, ("C",), None),
    ("worker", "worker-ipip-self", "4", 0, 0, ("self",), None),
    ("worker", "worker-ipip-legacy", "94", 0, 0, ("C",), None),
    ("worker", "worker-ipip-legacy-self", "94", 0, 0, ("self",), None),
    ("worker", "worker-nodeport", "tcp", 30000, 32767, ("self",), "expose_nodeports"),
    ("worker", "worker-node-local-dns-metrics-port", "tcp", 9253, 9253, ("self",), "enable_node_local_dns"),
    ("worker", "worker-wireguard", "udp", 51820, 51820, ("C", "self"), "encrypt_pod_traffic"),
)


def _source_label(group: str, src: str) -> str:
    """The source part of a rule key: "self", "C" and "W" name groups (``sg/<group>``), anything else is a CIDR."""
    return {"self": f"sg/{group}", "C": "sg/controller", "W": "sg/worker"}.get(src, src)


def conditional_rules() -> dict[str, tuple[str, str]]:
    """Rule key -> (rule name, the cluster option that adds it), for the rules an option turns on."""
    return {rule_key(g, "ingress", proto, lo, hi, _source_label(g, src)): (name, cond)
            for g, name, proto, lo, hi, sources, cond in RULES if cond for src in sources}


def norm_ports(protocol: str, lo: Any, hi: Any) -> tuple[int, int]:
    """Ports compared only for protocols that have them (aws.md §5.2)."""
    if str(protocol) in PORTED:
        return int(lo if lo is not None else -1), int(hi if hi is not None else -1)
    return (0, 0)


def rule_key(group: str, direction: str, protocol: str, lo: int, hi: int, source: str) -> str:
    lo, hi = norm_ports(protocol, lo, hi)
    return f"sg-rule/{group}/{direction}/{protocol}/{lo}-{hi}/{source}"


@register
class SecurityGroup(Ec2Tagged):
    type = "ec2:security-group"
    replace_fields = ("name", "description", "vpc")
    destroy_rank = 75

    def create(self, ctx, d, props):
        sg = ctx.retrying(lambda: ctx.aws.call(
            "ec2", "create_security_group", GroupName=props["name"], Description=props["description"],
            VpcId=props["vpc"], TagSpecifications=ec2_tag_spec("security-group", d.tags), resource=d.key),
            NOT_FOUND_RETRY)
        return {"id": sg["GroupId"]}

    def delete(self, ctx, a):
        ctx.retrying(lambda: ctx.aws.call("ec2", "delete_security_group", GroupId=a.id, resource=a.key),
                     DEPENDENCY_RETRY)


@register
class SecurityGroupRule(ResourceType):
    type = "ec2:security-group-rule"
    taggable = False
    # a description edited in the console is set back in place (ModifySecurityGroupRules), as Terraform's
    # aws_security_group_rule does: revoke + authorize would drop e.g. the API rule for a moment, and needed
    # allow_replace for a comment
    update_fields = ("description",)
    destroy_rank = 72

    def delete_reason(self, a, config):
        # a rule of an option turned off is a configuration change; any other unknown rule was added by hand
        name, cond = conditional_rules().get(a.key, ("", ""))
        if cond and config is not None and not getattr(config, cond):
            return f"not in configuration ({name}: {cond} is false)"
        return "not in configuration (drift)"

    @staticmethod
    def permission(props: dict) -> dict:
        proto = props["protocol"]
        perm: dict[str, Any] = {"IpProtocol": proto}
        if proto != "-1":
            perm["FromPort"], perm["ToPort"] = props["from_port"], props["to_port"]  # 4/94: 0-0 (moto needs it)
        src = props["source"]
        desc = {"Description": props["description"]} if props.get("description") else {}
        if src.startswith("sg-"):
            perm["UserIdGroupPairs"] = [{"GroupId": src, **desc}]
        elif ":" in src:
            perm["Ipv6Ranges"] = [{"CidrIpv6": src, **desc}]
        else:
            perm["IpRanges"] = [{"CidrIp": src, **desc}]
        return perm

    def create(self, ctx, d, props):
        op = "authorize_security_group_egress" if props["direction"] == "egress" else \
            "authorize_security_group_ingress"
        from lokonb.aws.errors import AwsError

        try:
            r = ctx.retrying(lambda: ctx.aws.call("ec2", op, GroupId=props["group"],
                                                  IpPermissions=[self.permission(props)], resource=d.key),
                             {"InvalidGroup.NotFound": 60})
            rid = (r.get("SecurityGroupRules") or [{}])[0].get("SecurityGroupRuleId", "")
        except AwsError as exc:
            if exc.code != "InvalidPermission.Duplicate":  # e.g. AWS's default egress rule already exists
                raise
            rid = ""
        return {"id": rid or d.key}

    def update(self, ctx, d, a, props, changed):
        rule: dict[str, Any] = {"IpProtocol": props["protocol"], "Description": props.get("description") or ""}
        if props["protocol"] != "-1":
            rule["FromPort"], rule["ToPort"] = props["from_port"], props["to_port"]
        src = props["source"]
        rule["ReferencedGroupId" if src.startswith("sg-") else "CidrIpv6" if ":" in src else "CidrIpv4"] = src
        ctx.aws.call("ec2", "modify_security_group_rules", GroupId=a.props["group"],
                     SecurityGroupRules=[{"SecurityGroupRuleId": a.id, "SecurityGroupRule": rule}], resource=d.key)
        return {}

    def delete(self, ctx, a):
        op = "revoke_security_group_egress" if a.props["direction"] == "egress" else \
            "revoke_security_group_ingress"
        from lokonb.aws.errors import AwsError

        try:
            ctx.aws.call("ec2", op, GroupId=a.props["group"], SecurityGroupRuleIds=[a.id], resource=a.key)
        except AwsError as exc:
            if exc.code not in ("InvalidPermission.NotFound", "InvalidSecurityGroupRuleId.NotFound",
                                "InvalidGroup.NotFound"):
                raise


def desired(b: Any) -> list[Desired]:
    c = b.config
    out = []
    for g in ("controller", "worker"):
        name = f"{c.cluster_name}-{g}"
        out.append(Desired(f"sg/{g}", SecurityGroup.type, name, {
            "name": name, "description": f"{c.cluster_name} {g} security group", "vpc": Ref("vpc")},
            b.tags(f"sg/{g}", name)))
    for group, rname, proto, lo, hi, sources, cond in RULES:
        if cond and not getattr(c, cond):
            continue
        for src in sources:
            label = _source_label(group, src)
            source: Any = Ref(label) if label.startswith("sg/") else src
            key = rule_key(group, "ingress", proto, lo, hi, label)
            out.append(Desired(key, SecurityGroupRule.type, rname, {
                "group": Ref(f"sg/{group}"), "direction": "ingress", "protocol": proto, "from_port": lo,
                "to_port": hi, "source": source, "description": rname}))
    for group in ("controller", "worker"):
        # no description on egress: AWS creates the IPv4 rule itself without one, and moto drops it on ::/0
        for cidr, desc in ((ANY4, None), (ANY6, None)):
            key = rule_key(group, "egress", "-1", 0, 0, cidr)
            # AWS creates the IPv4 allow-all egress rule itself (without a description); it is kept as is.
            out.append(Desired(key, SecurityGroupRule.type, f"{group}-egress", {
                "group": Ref(f"sg/{group}"), "direction": "egress", "protocol": "-1", "from_port": 0,
                "to_port": 0, "source": cidr, "description": desc}))
    return out


def discover(aws: Any, b: Any, found: Found) -> None:
    cluster = b.cluster
    flt = [{"Name": f"tag:{names.TAG_CLUSTER}", "Values": [cluster]}]
    groups = {}
    descriptions: dict[tuple, str] = {}
    for sg in aws.paginate("ec2", "describe_security_groups", "SecurityGroups", Filters=flt):
        tags = tag_dict(sg.get("Tags"))
        if not names.is_owned(tags, cluster):
            continue
        key = tags.get(names.TAG_RESOURCE, f"sg/{sg['GroupName']}")
        groups[sg["GroupId"]] = key
        # moto 5.2.5's DescribeSecurityGroupRules omits the Description of group-referenced rules (gap, §11.3):
        # take descriptions from the group's IpPermissions, which AWS and moto both report.
        for direction, perms in (("ingress", sg.get("IpPermissions", [])),
                                 ("egress", sg.get("IpPermissionsEgress", []))):
            for perm in perms:
                proto = str(perm.get("IpProtocol"))
                ports = norm_ports(proto, perm.get("FromPort"), perm.get("ToPort"))
                for pair in perm.get("UserIdGroupPairs", []):
                    if pair.get("Description"):
                        descriptions[(sg["GroupId"], direction, proto, ports, pair["GroupId"])] = pair["Description"]
        found.add(Actual(key, SecurityGroup.type, sg["GroupId"], {
            "name": sg["GroupName"], "description": sg.get("Description", ""), "vpc": sg.get("VpcId")}, tags,
            name=sg["GroupName"]))
    if not groups:
        return
    rules = aws.paginate("ec2", "describe_security_group_rules", "SecurityGroupRules",
                         Filters=[{"Name": "group-id", "Values": sorted(groups)}])
    for r in rules:
        gkey = groups.get(r["GroupId"])
        if gkey is None:
            continue
        ref = (r.get("ReferencedGroupInfo") or {}).get("GroupId")
        source_label = groups.get(ref, ref) if ref else (r.get("CidrIpv4") or r.get("CidrIpv6") or "?")
        source_id = ref or r.get("CidrIpv4") or r.get("CidrIpv6") or "?"
        direction = "egress" if r.get("IsEgress") else "ingress"
        proto = str(r.get("IpProtocol"))
        lo, hi = norm_ports(proto, r.get("FromPort"), r.get("ToPort"))
        key = rule_key(gkey.split("/", 1)[1], direction, proto, lo, hi, source_label)
        desc = r.get("Description") or descriptions.get((r["GroupId"], direction, proto, (lo, hi), source_id))
        found.add(Actual(key, SecurityGroupRule.type, r["SecurityGroupRuleId"], {
            "group": r["GroupId"], "direction": direction, "protocol": proto, "from_port": lo, "to_port": hi,
            "source": source_id, "description": desc}, None, name=desc or ""))
