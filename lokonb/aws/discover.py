"""Discovery: what the cluster owns in AWS, by tags and derived names, with batched read-only calls (§7.1).

The number of calls does not depend on the number of worker instances (ASG instances are never described one by
one); it grows only with pools (launch template versions, IAM roles) and AMI queries.
"""

from __future__ import annotations

from typing import Any

from lokonb.aws.found import Found


def discover(aws: Any, build: Any, state: dict | None = None) -> Found:
    """Run every concern's discovery in order and return what was found.

    ``state`` (the record) only adds the controller IPs, the NLB DNS name and the records it remembers, so an etcd
    record whose controller was terminated, the apiserver alias whose NLB was deleted, or a record of the cluster
    whose value was edited, out of band is still recognised as the cluster's (and updated, not reported as a
    foreign record blocking every later apply and left behind by destroy).
    """
    from lokonb.aws.resources import MODULES

    found = Found()
    for key, res in ((state or {}).get("resources") or {}).items():
        extra = res.get("extra") or {}
        if key.startswith("controller/") and extra.get("private_ip"):
            found.known_ips.add(extra["private_ip"])
        if key == "nlb" and extra.get("dns_name"):
            found.known_nlb_names.add(str(extra["dns_name"]))
        if key.startswith("record/") and res.get("id"):
            found.known_records.add((key, str(res["id"])))
    for module in MODULES:
        module.discover(aws, build, found)
    return found
