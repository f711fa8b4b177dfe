"""Names and tags of a cluster's resources (aws.md §4).

Names are deterministic (so creates are idempotent and discovery can look things up by name); every taggable
resource carries the ownership tags in its create call. Ownership = ``lokonb:cluster=<c>`` **and**
``kubernetes.io/cluster/<c>=owned``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

TAG_CLUSTER = "lokonb:cluster"
TAG_RESOURCE = "lokonb:resource"
TAG_POOL = "lokonb:pool"


def k8s_tag(cluster: str) -> str:
    return f"kubernetes.io/cluster/{cluster}"


def h(text: str, n: int) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:n]


def tg_name(cluster: str, pool: str | None, kind: str) -> str:
    """``lk-<h12>-api|http|https`` (≤ 32 chars whatever the cluster and pool names)."""
    basis = f"{cluster}/api" if pool is None else f"{cluster}/{pool}/{kind}"
    return f"lk-{h(basis, 12)}-{kind}"


def nlb_name(cluster: str) -> str:
    return f"{cluster}-nlb"


def pool_name(cluster: str, pool: str) -> str:
    """Launch template, ASG, IAM role/profile name of a pool."""
    return f"{cluster}-{pool}-worker"


def iam_path(cluster: str) -> str:
    return f"/lokonb/{cluster}/"


def bucket_name(account: str, region: str, cluster: str) -> str:
    return f"lokonb-{cluster}-{h(f'{account}/{region}/{cluster}', 8)}"


def ownership_tags(cluster: str, key: str, name: str | None, pool: str | None = None,
                   user: Mapping[str, str] | None = None) -> dict[str, str]:
    """User tags first, then lokonb's (which win); ``Name`` only when given."""
    tags: dict[str, str] = {}
    for k, v in (user or {}).items():
        tags["X-Name" if k == "Name" else k] = str(v)
    if name is not None:
        tags["Name"] = name
    tags[k8s_tag(cluster)] = "owned"
    tags[TAG_CLUSTER] = cluster
    tags[TAG_RESOURCE] = key
    if pool is not None:
        tags[TAG_POOL] = pool
    return tags


def is_owned(tags: Mapping[str, str] | None, cluster: str) -> bool:
    tags = tags or {}
    return tags.get(TAG_CLUSTER) == cluster and tags.get(k8s_tag(cluster)) == "owned"


def arch_of(instance_type: str) -> str:
    """Offline architecture heuristic (aws.md §5.5): arm64 for a1 or a 'g' right after the generation digit."""
    import re

    family = instance_type.split(".", 1)[0]
    if family == "a1":
        return "arm64"
    m = re.match(r"^([a-z]+?)(\d+)([a-z-]*)$", family)
    if m and m.group(3).startswith("g") and m.group(1) not in ("g", "p", "inf", "trn", "dl", "vt", "f"):
        return "arm64"
    if m and m.group(1) in ("g",) and m.group(3).startswith("g"):  # g5g
        return "arm64"
    if m and m.group(1) in ("hpc",) and m.group(3).startswith("g"):
        return "arm64"
    return "x86_64"
