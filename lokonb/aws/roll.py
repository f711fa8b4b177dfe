"""Rolling worker pools onto their current launch template version (``apply(roll_pools=[...])``, aws.md §8.7).

Running instances keep the config they booted with (Lokomotive PR #71 semantics); a roll starts an Auto Scaling
instance refresh with MinHealthyPercentage 90. moto does not implement StartInstanceRefresh (aws.md §11.3), so
this is covered by botocore Stubber tests only.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from lokonb.aws import names
from lokonb.errors import ConfigError


def check_pools(config: Any, pools: Iterable[str]) -> None:
    """Every name is a worker pool of ``config`` (checked before apply changes anything, and by a preview)."""
    known = {p.name for p in config.worker_pools}
    unknown = [p for p in pools if p not in known]
    if unknown:
        raise ConfigError(f"roll_pools: unknown worker pool(s) {', '.join(unknown)}; pools are "
                          f"{', '.join(sorted(known)) or 'none'}")


def roll(aws: Any, config: Any, pools: Iterable[str]) -> list[dict[str, str]]:
    """Start one instance refresh per named pool; returns ``[{"pool", "group", "id"}]``."""
    pools = list(pools)
    check_pools(config, pools)
    out = []
    for pool in pools:
        group = names.pool_name(config.cluster_name, pool)
        r = aws.call("autoscaling", "start_instance_refresh", AutoScalingGroupName=group, Strategy="Rolling",
                     Preferences={"MinHealthyPercentage": 90, "InstanceWarmup": 60}, resource=f"asg/{pool}")
        out.append({"pool": pool, "group": group, "id": r["InstanceRefreshId"]})
    return out


def refresh_status(aws: Any, config: Any, pool: str) -> list[dict[str, Any]]:
    """The pool's instance refreshes, newest first (status, percentage complete, reason)."""
    group = names.pool_name(config.cluster_name, pool)
    refs = aws.call("autoscaling", "describe_instance_refreshes", AutoScalingGroupName=group)["InstanceRefreshes"]
    return [{"id": r["InstanceRefreshId"], "status": r["Status"], "percent": r.get("PercentageComplete"),
             "reason": r.get("StatusReason", "")} for r in refs]
