"""Two clusters in one region and one hosted zone (aws.md §4.1 ownership, §3.3 P8): one cluster's names never
block or touch the other's, also when one cluster name starts with the other's."""

from __future__ import annotations

from aws.conftest import boto
from lokonb.aws import api
from lokonb.aws.teardown import destroy

NC = "minimal"


def _records(url: str) -> tuple[object, str, dict]:
    r53 = boto(url, "route53")
    zid = r53.list_hosted_zones_by_name(DNSName="example.com.")["HostedZones"][0]["Id"]
    sets = r53.list_resource_record_sets(HostedZoneId=zid)["ResourceRecordSets"]
    return r53, zid, {(r["Name"], r["Type"]): r for r in sets}


def test_records_of_clusters_named_like_an_etcd_record_are_not_clashes(make_config, aws_url):
    """Clusters ``demo-etcd5`` and ``demo-etcdx`` beside a one-controller ``demo``: their apiserver and etcd names
    start with ``demo-etcd`` but are no name ``demo`` needs, so ``demo`` plans, applies and destroys as if they were
    not there (they were reported as foreign records and failed every preflight)."""
    cfg = make_config()
    api.apply(cfg, node_configs=NC, progress=False)
    r53, zid, _ = _records(aws_url)
    others = [("demo-etcd5.example.com.", "192.0.2.15"), ("demo-etcdx.example.com.", "192.0.2.16"),
              ("demo-etcdx-etcd0.example.com.", "10.0.0.9"), ("demo-etcd1.example.com.", "10.0.0.10")]
    r53.change_resource_record_sets(HostedZoneId=zid, ChangeBatch={"Changes": [
        {"Action": "CREATE", "ResourceRecordSet": {"Name": n, "Type": "A", "TTL": 300,
                                                   "ResourceRecords": [{"Value": v}]}} for n, v in others]})
    assert api.plan(cfg, node_configs=NC).is_empty
    destroy(cfg, confirm=True, progress=False)
    _, _, left = _records(aws_url)
    assert {n for n, _ in others} <= {n for n, t in left if t == "A"}
    assert ("demo-etcd0.example.com.", "A") not in left


def test_a_foreign_record_at_a_needed_etcd_name_is_still_a_clash(make_config, aws_url):
    from lokonb.aws.errors import PreflightError

    r53, zid, _ = _records(aws_url)
    r53.change_resource_record_sets(HostedZoneId=zid, ChangeBatch={"Changes": [
        {"Action": "CREATE", "ResourceRecordSet": {"Name": "demo-etcd0.example.com.", "Type": "A", "TTL": 300,
                                                   "ResourceRecords": [{"Value": "192.0.2.20"}]}}]})
    try:
        api.plan(make_config(), node_configs=NC)
    except PreflightError as exc:
        assert "route53:record demo-etcd0.example.com. A exists and is not owned by cluster demo" in str(exc)
    else:
        raise AssertionError("a foreign record at demo-etcd0 was not reported")
