"""Route 53 records in the cluster's hosted zone: apiserver alias, ingress wildcard, etcd per controller (§5.4).

Records cannot carry tags: a record is the cluster's when its name is derived from the cluster **and** its value
matches (alias -> the cluster's NLB, CNAME -> the apiserver name, etcd A -> an owned controller's private IP).
New records are CREATEd (never UPSERTed) so a foreign record fails loudly; DELETE sends the exact current values.
"""

from __future__ import annotations

import threading
from typing import Any

from lokonb.aws.found import Found
from lokonb.aws.graph import Actual, Desired, Ref, ResourceType, register


def _name(n: str) -> str:
    return n.replace("\\052", "*").rstrip(".").lower() + "."


_ZONE_LOCKS: dict[str, threading.Lock] = {}
_ZONE_LOCKS_GUARD = threading.Lock()


def _zone_lock(zone: str) -> threading.Lock:
    with _ZONE_LOCKS_GUARD:
        return _ZONE_LOCKS.setdefault(zone, threading.Lock())


@register
class Record(ResourceType):
    type = "route53:record"
    taggable = False
    update_fields = ("value", "ttl")
    replace_fields = ("name", "rtype")
    destroy_rank = 5

    @staticmethod
    def rrset(props: dict) -> dict:
        rr: dict[str, Any] = {"Name": props["name"], "Type": props["rtype"]}
        if props.get("alias"):
            rr["AliasTarget"] = {"HostedZoneId": props["alias_zone"], "DNSName": props["value"],
                                 "EvaluateTargetHealth": True}
        else:
            rr["TTL"] = props["ttl"]
            rr["ResourceRecords"] = [{"Value": props["value"]}]
        return rr

    def _change(self, ctx, zone: str, action: str, props: dict, key: str) -> None:
        # One change batch at a time per zone: Route 53 answers concurrent batches with PriorRequestNotComplete,
        # and moto 5.2.5 corrupts its zone under concurrent batches (spurious "already exists", lost records).
        with _zone_lock(zone):
            r = ctx.aws.call("route53", "change_resource_record_sets", HostedZoneId=zone, ChangeBatch={
                "Comment": f"lokonb {key}", "Changes": [{"Action": action, "ResourceRecordSet": self.rrset(props)}]},
                resource=key)
        ctx.wait("route53", "resource_record_sets_changed", 10, 60, Id=r["ChangeInfo"]["Id"])

    def create(self, ctx, d, props):
        from lokonb.aws.errors import AwsError

        try:
            self._change(ctx, props["zone"], "CREATE", props, d.key)
        except AwsError as exc:
            if exc.code != "InvalidChangeBatch":
                raise
            held = self._holds(ctx, props)
            if held is None:
                # "already exists" but nothing is there: moto 5.2.5 refuses to re-CREATE a record identical to
                # one deleted earlier whenever any record sorts after it (gap, aws.md §11.3); the name is free,
                # so UPSERT creates it.
                self._change(ctx, props["zone"], "UPSERT", props, d.key)
            elif not held:
                raise  # a foreign record with another value: "exists and is not owned by cluster ..."
            # held: a CREATE whose first attempt succeeded but whose response was lost, then retried
        return {"id": props["name"]}

    def _holds(self, ctx, props: dict) -> bool | None:
        """True: the record holds our value; False: it holds another; None: no such record."""
        got = ctx.aws.call("route53", "list_resource_record_sets", HostedZoneId=props["zone"],
                           StartRecordName=props["name"], StartRecordType=props["rtype"], MaxItems="1")
        for rr in got["ResourceRecordSets"]:
            if _name(rr["Name"]) != props["name"] or rr["Type"] != props["rtype"]:
                return None
            if props.get("alias"):
                return _name((rr.get("AliasTarget") or {}).get("DNSName", "")) == _name(props["value"])
            values = [_name(v["Value"]) if props["rtype"] == "CNAME" else v["Value"]
                      for v in rr.get("ResourceRecords", [])]
            return values == [props["value"]]
        return None

    def update(self, ctx, d, a, props, changed):
        self._change(ctx, props["zone"], "UPSERT", props, d.key)
        return {}

    def delete(self, ctx, a):
        from lokonb.aws.errors import AwsError

        try:
            self._change(ctx, a.props["zone"], "DELETE", a.props, a.key)
        except AwsError as exc:  # changed out of band (moto says InvalidInput): nothing of ours to delete
            if exc.code not in ("InvalidChangeBatch", "InvalidInput"):
                raise


def desired(b: Any) -> list[Desired]:
    c = b.config
    api = f"{c.cluster_name}.{b.zone_name}"
    out = [
        Desired("record/apiserver", Record.type, api, {
            "zone": b.zone_id, "name": api, "rtype": "A", "alias": True, "value": Ref("nlb", "dns_name",
                                                                                  transform=_name),
            "alias_zone": Ref("nlb", "zone_id"), "ttl": None}),
        Desired("record/ingress", Record.type, f"*.{api}", {
            "zone": b.zone_id, "name": f"*.{api}", "rtype": "CNAME", "alias": False, "value": api, "ttl": 60},
            deps=("record/apiserver",)),
    ]
    for i in range(c.controller_count):
        n = f"{c.cluster_name}-etcd{i}.{b.zone_name}"
        out.append(Desired(f"record/etcd-{i}", Record.type, n, {
            "zone": b.zone_id, "name": n, "rtype": "A", "alias": False,
            "value": Ref(f"controller/{i}", "private_ip"), "ttl": 300}))
    return out


def discover(aws: Any, b: Any, found: Found) -> None:
    if not b.zone_id:
        return
    cluster = b.cluster
    api = f"{cluster}.{b.zone_name}"
    nlb = found.one("nlb")
    nlb_dns = _name(nlb.attrs["dns_name"]) if nlb else None
    ips = {a.attrs.get("private_ip"): a.key for a in found.all() if a.type == "ec2:instance"}
    etcd_prefix = f"{cluster}-etcd"
    # a record the cluster does not own clashes only at a name it needs: another cluster's names can share the
    # prefix (cluster demo-etcdx, or demo-etcd5 beside a 3-controller demo) and must not block this one
    wanted = {"record/apiserver", "record/ingress", *(f"record/etcd-{i}" for i in range(b.config.controller_count))}
    records = []
    kw: dict[str, Any] = {"HostedZoneId": b.zone_id, "StartRecordName": api, "MaxItems": "300"}
    while True:
        page = aws.call("route53", "list_resource_record_sets", **kw)
        stop = False
        for rr in page["ResourceRecordSets"]:
            name = _name(rr["Name"])
            label = name[: -len(b.zone_name)].rstrip(".").split(".")[-1] if name.endswith(b.zone_name) else ""
            if not label.startswith(cluster):
                stop = True
                break
            records.append(rr)
        if stop or not page.get("IsTruncated"):
            break
        kw.update(StartRecordName=page["NextRecordName"], StartRecordType=page["NextRecordType"])
        # a page can end inside a name+type with several sets (weighted, latency...): resume at that set, else
        # the same page comes back for ever
        kw.pop("StartRecordIdentifier", None)
        if page.get("NextRecordIdentifier"):
            kw["StartRecordIdentifier"] = page["NextRecordIdentifier"]
    for rr in records:
        name, rtype = _name(rr["Name"]), rr["Type"]
        alias = rr.get("AliasTarget")
        value = _name(alias["DNSName"]) if alias else (rr.get("ResourceRecords") or [{}])[0].get("Value")
        props = {"zone": b.zone_id, "name": name, "rtype": rtype, "alias": bool(alias),
                 "value": value if rtype != "CNAME" else _name(value or ""), "ttl": rr.get("TTL"),
                 "alias_zone": alias.get("HostedZoneId") if alias else None}
        key = None
        if name == api and rtype == "A":
            key = "record/apiserver"
            owned = alias is not None and value in {nlb_dns, *map(_name, found.known_nlb_names)}
        elif name == f"*.{api}" and rtype == "CNAME":
            key, owned = "record/ingress", props["value"] == api
        elif name.startswith(etcd_prefix) and name.endswith("." + b.zone_name) and rtype == "A":
            idx = name[len(etcd_prefix):].split(".")[0]
            key, owned = f"record/etcd-{idx}", idx.isdigit() and (value in ips or value in found.known_ips)
        else:
            continue
        # a record the cluster created (state) whose value was edited out of band is drift, not a foreign record
        owned = owned or (key, name) in found.known_records
        if owned:
            found.add(Actual(key, Record.type, name, props, None, name=name))
        elif key in wanted:
            found.foreign.append({"type": "route53:record", "id": f"{name} {rtype}", "key": key,
                                  "why": f"exists and is not owned by cluster {cluster}"})
