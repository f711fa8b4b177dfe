"""Upstream vectors, round 4: NetworkPolicy corners, pods (host network, no IP, dual stack, mirror pods), Cilium
policies, and the live path (paging, 410 Expired, RBAC-limited users, no Calico, the kubeconfig's namespace).

Each row names its source (repository, path, commit) and maps it to lokonb's question: can the pod open TCP 80 to
169.254.169.254, and why. Expected answers come from the upstream code and docs, not from lokonb. Dump rows use
round 2's pods: x/a (pod=a), x/b (pod=b) in namespace x (team=web), y/a (pod=a) in namespace y (team=db). Live
rows run over real HTTP against the recording API server (``tests/kubeapi_server.py``).
"""

from __future__ import annotations

from typing import Any

import pytest
from kubeapi_server import kubeapi_fixture

from lokonb.cli import main
from lokonb.kube.audit import audit_inventory, audit_metadata_access
from lokonb.kube.errors import KubeApiError
from lokonb.kube.metadata import render_block_policy
from lokonb.kube.sources import Inventory

from .test_upstream_vectors import _pod
from .test_upstream_vectors_r2 import BLOCK, CYCLONUS_PORTS, IMDS, ROW_FIELDS, Row, _check, _gnp, _np

kubeapi = kubeapi_fixture()

K8S_TYPES = (
    "kubernetes/kubernetes staging/src/k8s.io/api/networking/v1/types.go@45d0fddaf1f2 (NetworkPolicySpec.egress: "
    "'matches at least one egress rule across all of the NetworkPolicy objects whose podSelector matches the pod'; "
    "NetworkPolicyPort, IPBlock, NetworkPolicyPeer)"
)
K8S_POD_TYPES = (
    "kubernetes/kubernetes staging/src/k8s.io/api/core/v1/types.go@815c3d8f7047 (PodStatus.podIP: empty if not yet "
    "allocated; podIPs: at most one value per family, podIPs[0] == podIP; PodSpec.hostNetwork)"
)
CALICO_IP_VERSION = (
    "projectcalico/calico felix/rules/policy.go@c7b9d13b1b2b (FilterRuleToIPVersion: a rule whose CIDR lists hold "
    "no address of the packet's family is dropped) + the workload endpoint's ipNetworks (every podIPs entry)"
)
CLIENT_GO_PAGER = (
    "kubernetes/kubernetes staging/src/k8s.io/client-go/tools/pager/pager.go@9235a1d82344 (ListPager.List: on "
    "IsResourceExpired, FullListIfExpired (default true) re-lists with Limit 0 and no Continue)"
)
APISERVER_EXPIRED = (
    "kubernetes/kubernetes staging/src/k8s.io/apiserver/pkg/storage/etcd3/store.go@eac438fcd83c (an expired continue "
    "token: 410, reason Expired, 'The provided continue parameter is too old to display a consistent list result')"
)
NS_LABEL = (
    "kubernetes/kubernetes pkg/registry/core/namespace (kubernetes.io/metadata.name is set on every namespace, "
    "GA in 1.22), so a namespace-name selector needs no Namespace list"
)
CILIUM_DOCS = (
    "cilium/cilium Documentation/security/policy/language.rst@30a4939a5cea (toEntities world/all; toCIDR: 'only "
    "connections destined for outside of the cluster'), docs.cilium.io security/policy intro (default deny once "
    "selected, enableDefaultDeny) and deny (deny wins over allow)"
)

ANY_V4 = {"ipBlock": {"cidr": "0.0.0.0/0"}}


def _egress(ns: str, name: str, rules: list[dict[str, Any]], selector: dict[str, Any] | None = None) -> Any:
    return _np(ns, name, {"podSelector": selector or {}, "policyTypes": ["Egress"], "egress": rules})


def _ports_row(case: str, ports: list[dict[str, Any]], reachable: bool, reason: str) -> Row:
    return (case, K8S_TYPES, [BLOCK, _egress("x", "p", [{"to": [IMDS], "ports": ports}])],
            {"x/a": reachable, "x/b": reachable, "y/a": False}, reason)


ALLOWED = "allowed by NetworkPolicy x/p egress rule 0"

# ------------------------------------------------------------------------------------------------------------
# Kubernetes NetworkPolicy corners (dump path); lokonb answered all of them as upstream does
# ------------------------------------------------------------------------------------------------------------

NETPOL_VECTORS: list[Row] = [
    (
        "two policies select x/a: one allows TCP 443 anywhere, the other the metadata address; the union allows it",
        K8S_TYPES,
        [
            BLOCK,
            _egress("x", "web", [{"to": [ANY_V4], "ports": [{"port": 443}]}]),
            _egress("x", "imds", [{"to": [IMDS], "ports": [{"port": 80}]}], {"matchLabels": {"pod": "a"}}),
        ],
        {"x/a": True, "x/b": False, "y/a": False},
        "allowed by NetworkPolicy x/imds egress rule 0",
    ),
    (
        "an allow in namespace y selects nothing in x (a NetworkPolicy selects pods of its own namespace only)",
        K8S_TYPES,
        [BLOCK, _egress("y", "imds", [{"to": [IMDS]}])],
        {"x/a": False, "x/b": False, "y/a": True},
        "blocked by block-metadata-access",
    ),
    (
        "peer namespaceSelector {} + podSelector {} selects every pod of every namespace, never an external IP",
        K8S_TYPES,
        [BLOCK, _egress("x", "p", [{"to": [{"namespaceSelector": {}, "podSelector": {}}]}])],
        {"x/a": False, "x/b": False},
        "pod/namespace selector peers never match",
    ),
    (
        "ipBlock 0.0.0.0/0 except [10.0.0.0/8, 169.254.169.254/32]: the second except removes the address",
        K8S_TYPES,
        [BLOCK, _egress("x", "p", [{"to": [{"ipBlock": {"cidr": "0.0.0.0/0",
                                                         "except": ["10.0.0.0/8", "169.254.169.254/32"]}}]}])],
        {"x/a": False, "x/b": False},
        "excepts 169.254.169.254/32",
    ),
    (
        "ipBlock ::/0 holds no IPv4 address",
        K8S_TYPES,
        [BLOCK, _egress("x", "p", [{"to": [{"ipBlock": {"cidr": "::/0"}}]}])],
        {"x/a": False},
        "ipBlock ::/0 does not contain 169.254.169.254",
    ),
    _ports_row("endPort range 79-80 holds 80", [{"protocol": "TCP", "port": 79, "endPort": 80}], True, ALLOWED),
    _ports_row("endPort equal to port (80-80) is valid and holds 80", [{"port": 80, "endPort": 80}], True, ALLOWED),
    _ports_row("endPort range 81-90 starts above 80", [{"port": 81, "endPort": 90}], False, "TCP 81-90"),
    _ports_row("endPort range 70-79 ends below 80", [{"port": 70, "endPort": 79}], False, "TCP 70-79"),
    _ports_row("UDP 80 and SCTP 80 only: not TCP", [{"protocol": "UDP", "port": 80},
                                                     {"protocol": "SCTP", "port": 80}], False, "UDP 80, SCTP 80"),
    _ports_row("protocol TCP without port matches all TCP ports", [{"protocol": "TCP"}], True, ALLOWED),
    (
        "a named destination port names a pod's container port, never matches an IP block",
        f"{K8S_TYPES}; {CYCLONUS_PORTS}",
        [BLOCK, _egress("x", "p", [{"to": [IMDS], "ports": [{"port": "http"}, {"protocol": "UDP", "port": 80}]}])],
        {"x/a": False, "x/b": False},
        "named port 'http' cannot match an IP block",
    ),
]


@pytest.mark.parametrize(ROW_FIELDS, NETPOL_VECTORS, ids=[r[0] for r in NETPOL_VECTORS])
def test_netpol_vectors_r4(case: str, source: str, objects: list[Any], expect: dict[str, bool], reason: str) -> None:
    assert source
    _check(case, objects, expect, reason)


# ------------------------------------------------------------------------------------------------------------
# pods: host network (mirror pods), no IP yet, dual stack
# ------------------------------------------------------------------------------------------------------------


def _with_status(key: str, status: dict[str, Any], **spec: Any) -> dict[str, Any]:
    pod = _pod(key, {"pod": "a"})
    pod["status"] = status
    pod["spec"].update(spec)
    return pod


MIRROR = _pod("kube-system/kube-apiserver-c0", {"tier": "control-plane"}, host=True)
MIRROR["metadata"]["annotations"] = {"kubernetes.io/config.mirror": "5d41402abc4b2a76b9719d911017c592"}
#: Allows everything from the pod network 10.2.0.0/16 before the block (source nets hold IPv4 CIDRs only).
ALLOW_FROM_V4 = _gnp("allow-pod-net", {"order": 10, "selector": "all()", "types": ["Egress"],
                                       "egress": [{"action": "Allow", "source": {"nets": ["10.2.0.0/16"]}}]})
DENY_ALL_X = _np("x", "deny-all", {"podSelector": {}, "policyTypes": ["Egress"]})

#: (case, source, pod, objects, reachable, reason)
POD_VECTORS: list[tuple[str, str, dict[str, Any], list[Any], bool, str]] = [
    (
        "a static pod's mirror in the host network is host traffic, whatever selects it",
        f"{K8S_POD_TYPES}; lokonb spec metadata.md section 4 rule 1",
        MIRROR,
        [BLOCK, _np("kube-system", "deny-all", {"podSelector": {}, "policyTypes": ["Egress"]})],
        True,
        "host network: not subject to pod network policy",
    ),
    (
        "a Pending pod without an IP is judged by the policies that will select it",
        K8S_POD_TYPES,
        _with_status("x/pending", {"phase": "Pending"}, nodeName=None),
        [BLOCK],
        False,
        "blocked by block-metadata-access",
    ),
    (
        "dual stack, IPv6 first: the IPv4 packet leaves from podIPs' IPv4 address, which the IPv4 source net holds",
        f"{K8S_POD_TYPES}; {CALICO_IP_VERSION}",
        _with_status("x/ds", {"phase": "Running", "podIP": "fd00:10:2::9",
                              "podIPs": [{"ip": "fd00:10:2::9"}, {"ip": "10.2.0.9"}]}),
        [BLOCK, ALLOW_FROM_V4],
        True,
        "allowed by GlobalNetworkPolicy allow-pod-net egress rule 0",
    ),
    (
        "IPv6-only pod: the IPv4 source net cannot hold it, the block decides",
        f"{K8S_POD_TYPES}; {CALICO_IP_VERSION}",
        _with_status("x/v6", {"phase": "Running", "podIP": "fd00:10:2::9", "podIPs": [{"ip": "fd00:10:2::9"}]}),
        [BLOCK, ALLOW_FROM_V4],
        False,
        "blocked by block-metadata-access",
    ),
    (
        "a host-network pod under an egress default-deny NetworkPolicy of its namespace is still host traffic",
        f"{K8S_POD_TYPES}; lokonb spec metadata.md section 4 rule 1",
        _pod("x/agent", {"pod": "a"}, host=True),
        [BLOCK, DENY_ALL_X],
        True,
        "host network",
    ),
]


@pytest.mark.parametrize(
    ("case", "source", "pod", "objects", "reachable", "reason"), POD_VECTORS, ids=[r[0] for r in POD_VECTORS]
)
def test_pod_vectors_r4(
    case: str, source: str, pod: dict[str, Any], objects: list[Any], reachable: bool, reason: str
) -> None:
    assert source
    inv = Inventory(source="vectors-r4")
    for obj in objects:
        inv.add(render_block_policy() if obj == BLOCK else obj, "vectors-r4")
    inv.add(pod, "vectors-r4")
    (verdict,) = audit_inventory(inv).verdicts
    assert verdict.reachable is reachable, (case, verdict.reason)
    assert reason in verdict.reason, (case, verdict.reason)


# ------------------------------------------------------------------------------------------------------------
# Cilium: not evaluated (the spec models Calico); noted with what a Cilium policy would mean, dump and live
# ------------------------------------------------------------------------------------------------------------

CNP = {
    "apiVersion": "cilium.io/v2",
    "kind": "CiliumNetworkPolicy",
    "metadata": {"name": "egress-world-443", "namespace": "x"},
    "spec": {"endpointSelector": {}, "egress": [{"toEntities": ["world"], "toPorts": [{"ports": [
        {"port": "443", "protocol": "TCP"}]}]}]},
}
CCNP = {
    "apiVersion": "cilium.io/v2",
    "kind": "CiliumClusterwideNetworkPolicy",
    "metadata": {"name": "deny-imds"},
    "spec": {"endpointSelector": {}, "egressDeny": [{"toCIDR": ["169.254.169.254/32"]}]},
}


def _cilium_notes(notes: list[str]) -> list[str]:
    return [n for n in notes if "Cilium" in n]


def test_cilium_policies_in_a_dump_are_noted_with_their_meaning() -> None:
    source = CILIUM_DOCS
    assert source
    inv = Inventory(source="vectors-r4")
    for obj in (render_block_policy(), CNP, CCNP, _pod("x/a", {"pod": "a"})):
        inv.add(obj, "vectors-r4")
    notes = _cilium_notes(audit_inventory(inv).notes)
    assert len(notes) == 2 and all("world entity" in n and "not enforced at all" in n for n in notes), notes
    assert notes[0].startswith("1 cilium.io/v2 CiliumClusterwideNetworkPolicy object(s) not evaluated")


def test_live_audit_notes_cilium_policies_like_a_dump(kubeapi, tmp_path) -> None:
    for crd in ("ciliumnetworkpolicies.cilium.io", "ciliumclusterwidenetworkpolicies.cilium.io"):
        kubeapi.install_crd(crd)
    kubeapi.add({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x"}})
    for obj in (render_block_policy(), CNP, CCNP, _pod("x/a", {"pod": "a"})):
        kubeapi.add(obj)
    live = audit_metadata_access(kubeconfig=kubeapi.write_kubeconfig(tmp_path / "kc"))
    notes = _cilium_notes(live.notes)
    assert [n.split(" object(s)")[0] for n in notes] == [
        "1 cilium.io/v2 CiliumClusterwideNetworkPolicy",
        "1 cilium.io/v2 CiliumNetworkPolicy",
    ]
    paths = [r.path for r in kubeapi.requests_matching("GET", "/apis/cilium.io/v2/")]
    assert paths == ["/apis/cilium.io/v2/ciliumnetworkpolicies", "/apis/cilium.io/v2/ciliumclusterwidenetworkpolicies"]


def test_live_audit_without_cilium_says_nothing_about_it(kubeapi, tmp_path) -> None:
    kubeapi.add(_pod("default/a", {"pod": "a"}))
    live = audit_metadata_access(kubeconfig=kubeapi.write_kubeconfig(tmp_path / "kc"))
    assert _cilium_notes(live.notes) == []
    assert {r.status for r in kubeapi.requests_matching("GET", "/apis/cilium.io/v2/")} == {404}


# ------------------------------------------------------------------------------------------------------------
# live path: paging and 410 Expired
# ------------------------------------------------------------------------------------------------------------

EXPIRED = "The provided continue parameter is too old to display a consistent list result."


@pytest.mark.parametrize(
    ("path", "add"),
    [
        ("/api/v1/pods", lambda i: _pod(f"default/p{i}", {"pod": "a"})),
        (
            "/apis/crd.projectcalico.org/v1/globalnetworkpolicies",
            lambda i: {**render_block_policy(), "metadata": {"name": f"gnp-{i}"}},
        ),
    ],
    ids=["pods", "globalnetworkpolicies"],
)
def test_expired_continue_token_falls_back_to_a_full_list(kubeapi, tmp_path, monkeypatch, path, add) -> None:
    """client-go's pager: a 410 on a later page drops the pages read and lists everything in one request."""
    import lokonb.kube.sources as sources

    assert CLIENT_GO_PAGER and APISERVER_EXPIRED
    monkeypatch.setattr(sources, "LIST_CHUNK", 2)
    for i in range(5):
        kubeapi.add(add(i))
    if "pods" not in path:
        kubeapi.add(_pod("default/a", {"pod": "a"}))
    kubeapi.fail_next(410, method="GET", path=f"^{path}$", query="continue=", message=EXPIRED)
    live = audit_metadata_access(kubeconfig=kubeapi.write_kubeconfig(tmp_path / "kc"))
    lists = kubeapi.requests_matching("GET", path)
    assert [(r.status, r.query.get("limit"), r.query.get("continue")) for r in lists if r.path == path] == [
        (200, ["2"], None),
        (410, ["2"], ["2"]),
        (200, None, None),
    ]
    if "pods" in path:
        assert sorted(v.pod for v in live.verdicts) == [f"p{i}" for i in range(5)]  # no page twice, none lost
    else:
        assert all(not v.reachable for v in live.verdicts)


def test_expired_first_page_is_not_retried(kubeapi, tmp_path, capsys) -> None:
    """Without a continue token a 410 is not an expired page (the pager returns it): a clear error, exit 1."""
    kubeapi.add(_pod("default/a", {"pod": "a"}))
    kubeapi.fail_next(410, method="GET", path="^/api/v1/pods$", message=EXPIRED)
    assert main(["metadata", "audit", "--kubeconfig", str(kubeapi.write_kubeconfig(tmp_path / "kc"))]) != 0
    err = capsys.readouterr().err
    assert "cannot list pods: API error 410" in err and "Traceback" not in err
    assert len(kubeapi.requests_matching("GET", "/api/v1/pods")) == 1


# ------------------------------------------------------------------------------------------------------------
# live path: an RBAC-limited user, one listed kind at a time
# ------------------------------------------------------------------------------------------------------------

#: (plural refused, CRD to install first, error text or None, warning text or None)
RBAC_VECTORS: list[tuple[str, str | None, str | None, str | None]] = [
    ("pods", None, "cannot list pods: forbidden (403)", None),
    ("namespaces", None, None, "cannot list namespaces (403 Forbidden); namespace labels are unknown"),
    ("nodes", None, None, "cannot list nodes (403 Forbidden); node IMDS settings are not read"),
    ("networkpolicies", None, "cannot list networkpolicies: forbidden (403)", None),
    ("globalnetworkpolicies", None, "cannot list globalnetworkpolicies.crd.projectcalico.org: forbidden (403)", None),
    ("globalnetworksets", None, None, "cannot list globalnetworksets (403 Forbidden); Calico destination selectors"),
    ("tiers", None, None, "cannot list tiers (403 Forbidden); Calico tier orders are unknown"),
    ("ciliumnetworkpolicies", "ciliumnetworkpolicies.cilium.io", None,
     "cannot list ciliumnetworkpolicies (403 Forbidden)"),
]


@pytest.mark.parametrize(("plural", "crd", "error", "warning"), RBAC_VECTORS, ids=[r[0] for r in RBAC_VECTORS])
def test_rbac_limited_user_per_listed_kind(kubeapi, tmp_path, capsys, plural, crd, error, warning) -> None:
    if crd:
        kubeapi.install_crd(crd)
    kubeapi.add(render_block_policy())
    kubeapi.add(_pod("default/a", {"pod": "a"}))
    kubeapi.forbid("list", plural)
    code = main(["metadata", "audit", "--kubeconfig", str(kubeapi.write_kubeconfig(tmp_path / "kc"))])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert 403 in {r.status for r in kubeapi.requests if r.path.endswith(f"/{plural}")}
    if error:
        assert code != 0 and error in err and "Ask a cluster admin for RBAC permission" in err, err
    else:
        assert code == 0 and f"warning: {warning}" in err, err


def test_namespace_name_selectors_still_work_when_namespaces_are_refused(kubeapi, tmp_path) -> None:
    assert NS_LABEL
    kubeapi.add(_gnp("deny-ci", {"order": 1, "selector": "all()", "types": ["Egress"],
                                 "namespaceSelector": "kubernetes.io/metadata.name == 'kube-system'",
                                 "egress": [{"action": "Deny"}]}))
    for key in ("kube-system/a", "default/b"):
        kubeapi.add(_pod(key, {"pod": "a"}))
    kubeapi.forbid("list", "namespaces")
    live = audit_metadata_access(kubeconfig=kubeapi.write_kubeconfig(tmp_path / "kc"))
    got = {v.namespace: v for v in live.verdicts}
    system = got["kube-system"]
    assert system.reachable is False and "denied by GlobalNetworkPolicy deny-ci" in system.reason
    assert got["default"].reachable is True
    assert live.notes[0].startswith("cannot list namespaces (403 Forbidden)")


def test_library_raises_for_a_required_list(kubeapi, tmp_path) -> None:
    kubeapi.add(_pod("default/a", {"pod": "a"}))
    kubeapi.forbid("list", "globalnetworkpolicies")
    with pytest.raises(KubeApiError, match="globalnetworkpolicies.crd.projectcalico.org: forbidden"):
        audit_metadata_access(kubeconfig=kubeapi.write_kubeconfig(tmp_path / "kc"))


# ------------------------------------------------------------------------------------------------------------
# live path: no Calico, the kubeconfig's namespace
# ------------------------------------------------------------------------------------------------------------

no_calico = kubeapi_fixture(calico=False)


def test_cluster_without_calico_crds(no_calico, tmp_path) -> None:
    no_calico.add(_pod("default/a", {"pod": "a"}))
    no_calico.add(_egress("default", "deny-all", []))
    live = audit_metadata_access(kubeconfig=no_calico.write_kubeconfig(tmp_path / "kc"))
    (verdict,) = live.verdicts
    assert verdict.reachable is False and "egress-isolated by NetworkPolicy default/deny-all" in verdict.reason
    assert live.notes[0].startswith("Calico is not installed")
    calico = no_calico.requests_matching("GET", "/apis/crd.projectcalico.org/")
    assert calico and {r.status for r in calico} == {404}


def test_kubeconfig_namespace_does_not_narrow_the_audit(kubeapi, tmp_path) -> None:
    kubeapi.add({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ci"}})
    for key in ("ci/a", "default/b", "kube-system/c"):
        kubeapi.add(_pod(key, {"pod": "a"}))
    kubeapi.add(render_block_policy())
    live = audit_metadata_access(kubeconfig=kubeapi.write_kubeconfig(tmp_path / "kc", namespace="ci"))
    assert sorted(f"{v.namespace}/{v.pod}" for v in live.verdicts) == ["ci/a", "default/b", "kube-system/c"]
    assert not any("/namespaces/ci/" in r.path for r in kubeapi.requests)
