"""AWS provisioning of a Lokomotive-style cluster with boto3 (aws.md): resource graph, discovery by tags, plan,
apply, destroy, state and lock, and the embedded AWS.

Public API (lazy; importing ``lokonb.aws`` imports no boto3)::

    plan(config, node_configs=None) -> Plan            # read-only; Plan.df / .summary / .text() / .to_json()
    apply(config, node_configs=None, allow_replace=False, progress=True) -> ApplyResult
    destroy(config, confirm=False) -> DestroyResult
    destroy_plan(config) -> Plan
    verify(config) -> DataFrame(resource, type, attribute, expected, actual, ok)
    break_lock(config, lock_id) -> dict
    wait_for_nodes(apply_result) -> NodesStatus          # lokoctl's wait; skipped on the embedded AWS
    open_aws(config) -> Aws                            # clients for a run (embedded / URL / real AWS)
"""

from __future__ import annotations

from typing import Any

__all__ = ["plan", "apply", "destroy", "destroy_plan", "verify", "break_lock", "open_aws", "Aws", "wait_for_nodes"]


def __getattr__(name: str) -> Any:
    if name in ("plan", "apply", "break_lock"):
        from lokonb.aws import api

        return getattr(api, name)
    if name in ("destroy", "destroy_plan"):
        from lokonb.aws import teardown

        return getattr(teardown, name)
    if name == "verify":
        from lokonb.aws.verification import verify

        return verify
    if name == "wait_for_nodes":
        from lokonb.aws.nodes import wait_for_nodes

        return wait_for_nodes
    if name in ("open_aws", "Aws"):
        from lokonb.aws import session

        return getattr(session, name)
    raise AttributeError(name)
