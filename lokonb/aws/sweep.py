"""The final tag sweep of destroy (aws.md §9): every resource type the Resource Groups Tagging API knows, by the
cluster's Kubernetes ownership tag, in one paginated read.

Resources that also carry ``lokonb:cluster=<name>`` are leftovers (destroy is incomplete); resources with only
``kubernetes.io/cluster/<name>`` were made inside the cluster (EBS CSI volumes, load balancers of Services) and are
reported as "not created by lokonb; left in place" — never deleted.
"""

from __future__ import annotations

from typing import Any

from lokonb.aws import names

_GONE_STATES = ("terminated", "shutting-down")


def sweep(aws: Any, cluster: str) -> tuple[list[dict], list[dict]]:
    """``(leftovers, left_in_place)`` as lists of ``{"type", "id", "why"}``."""
    tagged = aws.paginate("resourcegroupstaggingapi", "get_resources", "ResourceTagMappingList",
                          TagFilters=[{"Key": names.k8s_tag(cluster)}])
    instance_ids = [r["ResourceARN"].rsplit("/", 1)[-1] for r in tagged if ":instance/" in r["ResourceARN"]]
    gone: set[str] = set()
    if instance_ids:
        for res in aws.paginate("ec2", "describe_instances", "Reservations",
                                Filters=[{"Name": "instance-id", "Values": instance_ids}]):
            gone |= {i["InstanceId"] for i in res["Instances"] if i["State"]["Name"] in _GONE_STATES}
    leftovers, in_place = [], []
    for r in tagged:
        arn = r["ResourceARN"]
        rid = arn.rsplit("/", 1)[-1] if "/" in arn else arn.rsplit(":", 1)[-1]
        if rid in gone:
            continue
        tags = {t["Key"]: t["Value"] for t in r.get("Tags", [])}
        kind = ":".join(arn.split(":")[2:3]) + ":" + (arn.split(":")[5].split("/")[0] if arn.count(":") >= 5 else "")
        if names.is_owned(tags, cluster):
            leftovers.append({"type": kind, "id": arn, "why": "still tagged for the cluster after destroy"})
        else:
            in_place.append({"type": kind, "id": arn, "why": "not created by lokonb; left in place"})
    return leftovers, in_place
