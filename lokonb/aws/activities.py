"""Failed Auto Scaling activities (spot bids, capacity, instance profiles) as actionable warnings (aws.md §8.6,
§10): apply does not wait for capacity, it reads the activities once at the end."""

from __future__ import annotations

from typing import Any


def _scaling_warnings(aws: Any, p: Any) -> list[str]:
    out = []
    for key, a in p.chosen.items():
        if a.type != "autoscaling:group":
            continue
        try:
            acts = aws.call("autoscaling", "describe_scaling_activities", AutoScalingGroupName=a.id,
                            MaxRecords=20)["Activities"]
        except Exception:  # noqa: BLE001, S112 - activities only add warnings; a failed read adds none
            continue
        for act in acts:
            if act.get("StatusCode") in ("Failed", "Cancelled"):
                out.append(activity_message(key.split("/", 1)[1], act.get("StatusMessage", "")))
    return out


def activity_message(pool: str, status: str) -> str:
    """A failed ASG scaling activity as an actionable warning (aws.md §10); the ASG keeps retrying by itself."""
    import re

    m = re.search(r"[Ss]pot request price of (\d+(?:\.\d+)?) is lower than the minimum required Spot request "
                  r"fulfillment price of (\d+(?:\.\d+)?)", status)
    if m:
        return (f'Spot bid {m.group(1)} for worker_pool["{pool}"] is below the current spot price {m.group(2)}; '
                "raise spot_price or leave it empty (on-demand cap).")
    if "InsufficientInstanceCapacity" in status or "insufficient capacity" in status.lower():
        return (f'worker_pool["{pool}"]: AWS has no capacity for the instance type right now ({status[:160]}); '
                "the group keeps retrying; choose another instance type or add spot_instance_types.")
    if "instance profile" in status.lower() or "iam" in status.lower():
        return f'worker_pool["{pool}"]: the instance profile was not usable yet ({status[:160]}); the group retries.'
    return f'worker_pool["{pool}"]: scaling activity failed: {status[:200]}'
