"""metadata.md §6 audit truth table: one test per row, asserting the verdict and the reason."""

from __future__ import annotations

from typing import Any

import pytest

from lokonb.kube.audit import audit_inventory
from lokonb.kube.metadata import allow_metadata_policy, render_block_policy
from lokonb.kube.sources import Inventory


def pod(
    name: str,
    ns: str = "apps",
    labels: dict[str, str] | None = None,
    *,
    host: bool = False,
    node: str = "worker-0",
) -> dict[str, Any]:
    spec: dict[str, Any] = {"nodeName": node, "containers": [{"name": "c", "image": "busybox"}]}
    if host:
        spec["hostNetwork"] = True
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": labels or {}},
        "spec": spec,
        "status": {"phase": "Running", "podIP": "10.2.0.7"},
    }


def np(
    name: str,
    egress: list[dict[str, Any]] | None,
    *,
    ns: str = "apps",
    selector: dict[str, Any] | None = None,
    types: list[str] | None = ("Egress",),
) -> dict[str, Any]:  # type: ignore[assignment]
    spec: dict[str, Any] = {
        "podSelector": selector if selector is not None else {"matchLabels": {"app": "a"}}
    }
    if types is not None:
        spec["policyTypes"] = list(types)
    if egress is not None:
        spec["egress"] = egress
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": ns},
        "spec": spec,
    }


GNP = render_block_policy()
A = {"app": "a"}


def verdict(*objs: dict[str, Any], target: str = "p", node_imds: dict[str, Any] | None = None):
    inv = Inventory(source="test")
    for o in objs:
        inv.add(o, "test")
    result = audit_inventory(inv, node_imds=node_imds)
    (row,) = [v for v in result.verdicts if v.pod == target]
    return row


def test_no_policies_reachable():
    v = verdict(pod("p", labels=A))
    assert v.reachable is True
    assert v.reason.startswith("no cluster-wide block")


def test_gnp_only_blocked():
    v = verdict(GNP, pod("p", labels=A))
    assert v.reachable is False
    assert v.reason.startswith("blocked by block-metadata-access")
    assert "implicit deny" in v.reason and v.policy == "block-metadata-access"


def test_open_allow_reachable():
    allow = allow_metadata_policy("apps", {"matchLabels": A}, mode="open").policy
    v = verdict(GNP, allow, pod("p", labels=A))
    assert v.reachable is True
    assert v.reason.startswith(f"allowed by NetworkPolicy apps/{allow['metadata']['name']} egress rule 0")
    assert "overrides the block" in v.reason


def test_metadata_only_allow_reachable():
    allow = allow_metadata_policy("apps", {"matchLabels": A}, include=["dns"]).policy
    v = verdict(GNP, allow, pod("p", labels=A))
    assert v.reachable is True
    assert v.reason.startswith("allowed by NetworkPolicy apps/allow-metadata-app-a egress rule 0")
    assert v.policy == "apps/allow-metadata-app-a"


def test_allow_with_except_containing_address_blocked():
    rule = {"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["169.254.0.0/16"]}}]}
    v = verdict(GNP, np("all-but-link-local", [rule]), pod("p", labels=A))
    assert v.reachable is False
    assert v.reason.startswith("blocked by block-metadata-access")
    assert "ipBlock 0.0.0.0/0 excepts 169.254.0.0/16" in v.reason


def test_allow_on_another_port_blocked():
    rule = {"to": [{"ipBlock": {"cidr": "169.254.169.254/32"}}], "ports": [{"protocol": "TCP", "port": 443}]}
    v = verdict(GNP, np("https-only", [rule]), pod("p", labels=A))
    assert v.reachable is False
    assert "ports allow only TCP 443, not TCP 80" in v.reason


def test_named_port_blocked():
    rule = {
        "to": [{"ipBlock": {"cidr": "169.254.169.254/32"}}],
        "ports": [{"protocol": "TCP", "port": "http"}],
    }
    v = verdict(GNP, np("named", [rule]), pod("p", labels=A))
    assert v.reachable is False
    assert "named port 'http' cannot match an IP block" in v.reason


def test_empty_to_reachable():
    v = verdict(GNP, np("anywhere-80", [{"ports": [{"protocol": "TCP", "port": 80}]}]), pod("p", labels=A))
    assert v.reachable is True
    assert v.reason.startswith("allowed by NetworkPolicy apps/anywhere-80 egress rule 0")


def test_empty_pod_selector_selects_every_pod_in_namespace():
    rule = {"to": [{"ipBlock": {"cidr": "169.254.169.254/32"}}]}
    v = verdict(GNP, np("all-pods", [rule], selector={}), pod("p", labels={"other": "x"}))
    assert v.reachable is True
    assert v.reason.startswith("allowed by NetworkPolicy apps/all-pods egress rule 0")


@pytest.mark.parametrize(
    ("labels", "reachable"), [({"tier": "backend"}, True), ({"tier": "web"}, False), ({}, False)]
)
def test_match_expressions(labels, reachable):
    selector = {"matchExpressions": [{"key": "tier", "operator": "In", "values": ["backend", "batch"]}]}
    allow = allow_metadata_policy("apps", selector, name="allow-backend").policy
    v = verdict(GNP, allow, pod("p", labels=labels))
    assert v.reachable is reachable
    if reachable:
        assert v.reason.startswith("allowed by NetworkPolicy apps/allow-backend egress rule 0")
    else:
        assert v.reason.startswith("blocked by block-metadata-access")


def test_host_network_pod_reachable():
    v = verdict(GNP, pod("p", ns="kube-system", host=True))
    assert v.reachable is True
    assert v.reason == "host network: not subject to pod network policy"
    assert v.host_network is True


def test_host_network_pod_with_hop_limit_known():
    v = verdict(
        GNP,
        pod("p", ns="kube-system", host=True),
        node_imds={"worker-0": {"http_tokens": "required", "hop_limit": 1}},
    )
    assert v.reachable is True
    assert v.reason.startswith("host network: not subject to pod network policy")
    assert "hop limit 1 does not stop host-network pods" in v.reason
    assert v.imds_token.startswith("obtainable")


def test_pod_network_reachable_token_blocked_by_hop_limit():
    v = verdict(pod("p", labels=A), node_imds={"*": {"http_tokens": "required", "hop_limit": 1}})
    assert v.reachable is True
    assert v.reason.endswith("network reachable, token blocked by hop limit")
    assert v.imds_token.startswith("blocked by hop limit 1")


def test_namespace_mismatch_blocked():
    allow = allow_metadata_policy("other", {"matchLabels": A}, mode="open").policy
    v = verdict(GNP, allow, pod("p", ns="apps", labels=A))
    assert v.reachable is False
    assert v.reason.startswith("blocked by block-metadata-access")
