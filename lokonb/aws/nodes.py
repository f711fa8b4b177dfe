"""Waiting for the cluster's nodes after apply, as ``lokoctl cluster apply`` does (aws.md §8.7).

First poll until listing nodes works (the API behind the NLB answers), then until at least
``controller_count + sum(pool counts)`` nodes exist and all are Ready. Skipped on the embedded AWS, which runs no
machines.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lokonb.aws.errors import AwsInputError
from lokonb.errors import OperationFailed, wrong_kind


@dataclass
class NodesStatus:
    ok: bool
    message: str
    df: Any  # Node, Ready, Reason, Message


def _frame(nodes: list[Any]):
    import pandas as pd

    rows = []
    for n in nodes:
        ready = next((c for c in (n.status.conditions or []) if c.type == "Ready"), None)
        rows.append({"node": n.metadata.name, "ready": bool(ready and ready.status == "True"),
                     "reason": ready.reason if ready else "", "message": ready.message if ready else ""})
    return pd.DataFrame(rows, columns=["node", "ready", "reason", "message"])


def _check_seconds(**values: Any) -> None:
    """Timeouts of 0 or more seconds and an interval above 0: "300" raised a TypeError from the clock arithmetic
    (ready_timeout only after the nodes were listed), a negative interval a ValueError from time.sleep, and 0 polled
    the API server without a pause."""
    for name, value in values.items():
        low = 0 if name.endswith("timeout") else None
        ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        if not ok or (value < 0 if low == 0 else value <= 0):
            allowed = "0 or more" if low == 0 else "more than 0"
            raise AwsInputError(f"wait_for_nodes(): {name} must be a number of seconds, {allowed}, got {value!r:.40}")


def _check_sources(result: Any, config: Any, kubeconfig: Any) -> None:
    """An ApplyResult, a cluster model and a kubeconfig path of the kinds wait_for_nodes reads: a str result or
    config failed with "'str' object has no attribute 'kubeconfig_path'/'aws'", a folder as kubeconfig inside the
    kubernetes client."""
    from lokonb.aws.session import require_model

    if result is not None and not (hasattr(result, "plan") and hasattr(result, "kubeconfig_path")):
        raise AwsInputError(wrong_kind("wait_for_nodes", "result", "the ApplyResult of lokonb.aws.apply, or None",
                                       result))
    if config is not None:
        require_model(config, "wait_for_nodes")
    if kubeconfig is not None and (not isinstance(kubeconfig, str | os.PathLike) or os.path.isdir(kubeconfig)):
        raise AwsInputError(wrong_kind("wait_for_nodes", "kubeconfig", "the path of a kubeconfig file (str or Path), "
                                       "or None", kubeconfig))


def wait_for_nodes(result: Any = None, *, config: Any = None, kubeconfig: str | None = None,
                   list_timeout: float = 300, ready_timeout: float = 600, interval: float = 10,
                   clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep
                   ) -> NodesStatus:
    """Wait for every node of the cluster to be Ready; ``result`` is an ``ApplyResult`` (or give ``config`` and
    ``kubeconfig``). Raises :class:`OperationFailed` on timeout with the node table in the message."""
    _check_seconds(list_timeout=list_timeout, ready_timeout=ready_timeout, interval=interval)
    _check_sources(result, config, kubeconfig)
    if result is not None:
        config = config or result.plan.build.config
        kubeconfig = kubeconfig or result.kubeconfig_path
    if config is None:
        raise AwsInputError("wait_for_nodes(): give an ApplyResult (the result of apply) or config= and kubeconfig=")
    if config.aws.endpoint == "embedded":
        return NodesStatus(True, "skipped: the embedded AWS runs no machines", _frame([]))
    if not kubeconfig:
        raise OperationFailed("no kubeconfig to reach the cluster (apply writes it under "
                              "<asset_dir>/cluster-assets/auth/kubeconfig)")
    from kubernetes import client
    from kubernetes import config as kconfig

    api = client.CoreV1Api(kconfig.new_client_from_config(config_file=str(kubeconfig)))
    expected = config.controller_count + sum(p.count for p in config.worker_pools)
    deadline = clock() + list_timeout
    last_error = ""
    while True:
        try:
            nodes = api.list_node(_request_timeout=max(interval, 5)).items
            break
        except Exception as exc:  # noqa: BLE001 - the API may not answer yet (DNS, NLB, bootkube)
            last_error = f"{type(exc).__name__}: {str(exc)[:200]}"
        if clock() >= deadline:
            raise OperationFailed(f"could not list the nodes of {config.cluster_name} within {list_timeout:.0f} s "
                                  f"(last error: {last_error})")
        sleep(interval)
    deadline = clock() + ready_timeout
    while True:
        df = _frame(nodes)
        if len(df) >= expected and bool(df.ready.all()):
            return NodesStatus(True, f"all {len(df)} nodes are ready", df)
        if clock() >= deadline:
            missing = max(0, expected - len(df))
            not_ready = ", ".join(df[~df.ready].node) if len(df) else ""
            raise OperationFailed(
                "not all nodes became ready within the allowed time"
                + (f"; {missing} nodes are missing" if missing else "")
                + (f"; not ready: {not_ready}" if not_ready else ""))
        sleep(interval)
        nodes = api.list_node(_request_timeout=max(interval, 5)).items
