"""Upstream vectors, round 7: Calico ``projectcalico.org/v3`` vs ``crd.projectcalico.org/v1`` defaulting and order
spellings, selector operators and label keys with special characters, tiers and ``defaultAction``, staged and
host-endpoint-only policies, NetworkPolicy peers/ipBlocks/ports (host bits, IPv4-mapped IPv6, protocols, named
ports, ``endPort``), ICMP rules, and pod states (finished, terminating, pending, host network + hostPort).

Each row names its source (repository, path, commit or docs page) and maps it to lokonb's question: can the pod open
TCP 80 to 169.254.169.254, and why. Expected answers come from the upstream code and docs, not from lokonb. Pods and
namespaces are round 2's: x/a (pod=a), x/b (pod=b) in namespace x (team=web), y/a (pod=a) in namespace y (team=db);
x/a runs as service account "builder". Pod IPs are 10.2.0.9.
"""

from __future__ import annotations

import json
import warnings
from typing import Any

import pytest
from kubeapi_server import kubeapi_fixture

from lokonb.cli import main
from lokonb.kube.apply import apply_policies
from lokonb.kube.audit import audit_inventory, audit_metadata_access
from lokonb.kube.client import load_api_client
from lokonb.kube.errors import DumpError, KubeApiError
from lokonb.kube.metadata import MetadataPolicyWarning, allow_metadata_policy, render_block_policy
from lokonb.kube.sources import Inventory

from .test_upstream_vectors import _pod
from .test_upstream_vectors_r2 import BLOCK, IMDS, ROW_FIELDS, Row, _check, _gnp, _tier
from .test_upstream_vectors_r6 import ALLOW_ALL, DENY_IMDS, IMDS_CIDR, _egress, _ipblock

kubeapi = kubeapi_fixture()

V1, V3 = "crd.projectcalico.org/v1", "projectcalico.org/v3"
CALICO_DEFAULTS = (
    "projectcalico/calico libcalico-go/lib/clientv3/globalnetworkpolicy.go (defaultPolicyTypesField: no types -> "
    "Egress when there are egress rules, Ingress when there are ingress rules or none) + felix/calc PolKV.governsType "
    "('no Types means Ingress and Egress' for objects nothing defaulted) + "
    "https://docs.tigera.io/calico/latest/reference/resources/globalnetworkpolicy (types, order: float, none = last)"
)
CALICO_SELECTORS = (
    "projectcalico/calico libcalico-go/lib/selector/parser/parser_test.go + "
    "https://docs.tigera.io/calico/latest/reference/resources/networkpolicy#selectors (has, !has, in, not in, "
    "contains, starts with, ends with; != and not in match endpoints without the label)"
)
CALICO_LABELS = (
    "projectcalico/calico libcalico-go/lib/backend/k8s/conversion/conversion.go (workload endpoints carry "
    "projectcalico.org/namespace, /orchestrator, /serviceaccount and pcns./pcsa. profile labels)"
)
CALICO_TIERS = (
    "https://docs.tigera.io/calico/latest/network-policy/policy-tiers/tiered-policy (tier order; defaultAction "
    "Deny or Pass decides traffic a tier's policies select but do not match) + projectcalico/calico "
    "felix/calc/policy_sorter.go (TierLess: a tier without order sorts last)"
)
CALICO_STAGED = (
    "https://docs.tigera.io/calico/latest/reference/resources/stagedglobalnetworkpolicy (staged policies are "
    "previewed, never enforced)"
)
CALICO_HOST = (
    "https://docs.tigera.io/calico/latest/reference/resources/globalnetworkpolicy (doNotTrack and preDNAT apply to "
    "host endpoints only; applyOnForward) + .../reference/resources/hostendpoint (host endpoints carry their own "
    "labels; pods never do)"
)
CALICO_RULE = (
    "https://docs.tigera.io/calico/latest/reference/resources/networkpolicy#rule (protocol TCP/UDP/ICMP/SCTP/"
    "number, notProtocol, icmp requires protocol ICMP)"
)
K8S_PORTS = (
    "kubernetes/api networking/v1/types.go NetworkPolicyPort (protocol defaults to TCP; endPort 'cannot be defined "
    "if the port field is not defined or if the port field is defined as a named (string) port', 'must be equal or "
    "greater than port') + projectcalico/calico libcalico-go/lib/backend/k8s/conversion/conversion.go "
    "(k8sRuleToCalico: TCP made explicit; named ports kept as names)"
)
K8S_PEERS = (
    "kubernetes/api networking/v1/types.go NetworkPolicyPeer/IPBlock + projectcalico/calico conversion.go "
    "k8sPeerToCalicoFields (a namespaceSelector/podSelector peer becomes selectors, never nets) + "
    "kubernetes/kubernetes test/e2e/network/netpol/network_policy.go (egress to a CIDR, except clause)"
)
CALICO_NETS = (
    "projectcalico/calico libcalico-go/lib/net/ipnet.go (ParseCIDR masks host bits) + Go net.ParseCIDR "
    "(an IPv4-mapped IPv6 CIDR is parsed with a 128-bit mask, and IPNet.String() prints it as IPv4: /32)"
)
CALICO_FINISHED = (
    "projectcalico/calico libcalico-go/lib/backend/k8s/conversion/conversion.go (IsFinished: phases Failed, "
    "Succeeded, Completed, or deletionTimestamp with cni.projectcalico.org/podIP or vpc.amazonaws.com/pod-ips "
    "emptied -> no workload endpoint; IsReadyCalicoPod needs an IP)"
)
WINDOWS = (
    "https://kubernetes.io/docs/tasks/configure-pod-container/create-hostprocess-pod/ (HostProcess pods must set "
    "hostNetwork: true) + https://docs.tigera.io/calico/latest/getting-started/kubernetes/windows-calico/ "
    "(Calico for Windows enforces Calico and Kubernetes network policy for pods)"
)
LOKONB_SPEC = "lokonb spec metadata.md section 4 rule 1 (host network pods are not subject to pod network policy)"


def _g(name: str, rules: list[Any], api: str = V1, **spec: Any) -> dict[str, Any]:
    """A GlobalNetworkPolicy selecting every pod, with ``spec`` fields as given (``types`` only when given)."""
    return _gnp(name, {"selector": "all()", "egress": rules, **spec}, api)


def _deny_sel(selector: str, name: str = "d") -> dict[str, Any]:
    return _g(name, [{"action": "Deny"}], order=1, types=["Egress"], selector=selector)


def _ports(*ports: dict[str, Any]) -> dict[str, Any]:
    return _egress("x", "p", [{"to": [IMDS], "ports": list(ports)}])


def _staged(kind: str, spec: dict[str, Any], ns: str | None = None) -> dict[str, Any]:
    meta = {"name": "staged", **({"namespace": ns} if ns else {})}
    return {"apiVersion": V3, "kind": kind, "metadata": meta, "spec": spec}


BLOCKED = "blocked by block-metadata-access"
NP_ALLOWED = "allowed by NetworkPolicy x/p egress rule 0"

# ------------------------------------------------------------------------------------------------------------
# v3 vs v1: types defaulting, order spellings
# ------------------------------------------------------------------------------------------------------------

DEFAULTING_VECTORS: list[Row] = [
    (
        "v3 GNP without types but with egress rules is defaulted to Egress: its Deny applies",
        CALICO_DEFAULTS,
        [_g("d", [DENY_IMDS, ALLOW_ALL], api=V3, order=1)],
        {"x/a": False, "y/a": False},
        "denied by GlobalNetworkPolicy d egress rule 0",
    ),
    (
        "v3 GNP without types and only ingress rules is Ingress only: egress untouched",
        CALICO_DEFAULTS,
        [_gnp("i", {"order": 1, "selector": "all()", "ingress": [{"action": "Deny"}]}, V3)],
        {"x/a": True},
        "no cluster-wide block applies: i does not select this pod",
    ),
    (
        "v1 GNP without types and only ingress rules: felix governs egress too, implicit deny",
        CALICO_DEFAULTS,
        [_gnp("i", {"order": 1, "selector": "all()", "ingress": [{"action": "Allow"}]})],
        {"x/a": False},
        "blocked by GlobalNetworkPolicy i",
    ),
    (
        "v3 GNP with types [] and egress rules is defaulted like an absent list",
        CALICO_DEFAULTS,
        [_g("d", [{"action": "Deny"}], api=V3, order=1, types=[])],
        {"x/a": False},
        "denied by GlobalNetworkPolicy d egress rule 0",
    ),
    (
        "order written as the string '5' sorts before order 10",
        CALICO_DEFAULTS,
        [_g("a", [ALLOW_ALL], order="5", types=["Egress"]), _g("d", [{"action": "Deny"}], order=10, types=["Egress"])],
        {"x/a": True},
        "allowed by GlobalNetworkPolicy a egress rule 0",
    ),
    (
        "fractional orders: 10.25 runs before 10.5",
        CALICO_DEFAULTS,
        [_g("z", [ALLOW_ALL], order=10.25, types=["Egress"]), _g("a", [{"action": "Deny"}], order=10.5,
                                                                 types=["Egress"])],
        {"x/a": True},
        "allowed by GlobalNetworkPolicy z egress rule 0",
    ),
    (
        "order 0 runs before a policy without order",
        CALICO_DEFAULTS,
        [_g("zero", [{"action": "Deny"}], order=0, types=["Egress"]), _g("a", [ALLOW_ALL], types=["Egress"])],
        {"x/a": False},
        "denied by GlobalNetworkPolicy zero egress rule 0",
    ),
    (
        "the rendered block (v1, no order) runs after a NetworkPolicy allow of order 1000",
        CALICO_DEFAULTS,
        [BLOCK, _egress("x", "p", [{"to": [IMDS]}])],
        {"x/a": True, "y/a": False},
        NP_ALLOWED,
    ),
]

# ------------------------------------------------------------------------------------------------------------
# selectors
# ------------------------------------------------------------------------------------------------------------

SELECTOR_VECTORS: list[Row] = [
    ("has(pod) selects every test pod", CALICO_SELECTORS, [_deny_sel("has(pod)")], {"x/a": False, "y/a": False},
     "denied by GlobalNetworkPolicy d egress rule 0"),
    ("!has(pod) selects none of them", CALICO_SELECTORS, [_deny_sel("!has(pod)")], {"x/a": True},
     "no cluster-wide block applies"),
    ("pod in {'a', 'c'}: x/a selected, x/b not", CALICO_SELECTORS, [_deny_sel("pod in {'a', 'c'}")],
     {"x/a": False, "x/b": True}, "denied by GlobalNetworkPolicy d"),
    ("pod not in {'a'}: x/b selected, x/a not", CALICO_SELECTORS, [_deny_sel("pod not in {'a'}")],
     {"x/b": False, "x/a": True}, "denied by GlobalNetworkPolicy d"),
    ("pod != 'a' also selects endpoints without the label (none here): x/b only", CALICO_SELECTORS,
     [_deny_sel("pod != 'a'")], {"x/b": False, "x/a": True}, "denied by GlobalNetworkPolicy d"),
    ("missing-label not in {'v'} selects everything", CALICO_SELECTORS, [_deny_sel("tier not in {'v'}")],
     {"x/a": False, "y/a": False}, "denied by GlobalNetworkPolicy d"),
    ("starts with / ends with / contains on a namespace profile label", CALICO_SELECTORS,
     [_deny_sel("pcns.team starts with 'w' && pcns.team ends with 'b' && pcns.team contains 'e'")],
     {"x/a": False, "y/a": True}, "denied by GlobalNetworkPolicy d"),
    ("label key with dots and a slash: projectcalico.org/serviceaccount == 'builder'", CALICO_LABELS,
     [_deny_sel("projectcalico.org/serviceaccount == 'builder'")], {"x/a": False, "x/b": True},
     "denied by GlobalNetworkPolicy d"),
    ("double-quoted value with a dot and dash: pcns.kubernetes.io/metadata.name == \"x\"", CALICO_LABELS,
     [_deny_sel('pcns.kubernetes.io/metadata.name == "x"')], {"x/a": False, "y/a": True},
     "denied by GlobalNetworkPolicy d"),
    ("orchestrator label: every pod is projectcalico.org/orchestrator == 'k8s'", CALICO_LABELS,
     [_deny_sel("projectcalico.org/orchestrator == 'k8s'")], {"y/a": False}, "denied by GlobalNetworkPolicy d"),
    ("the block's !has(host-endpoint) selects every pod", CALICO_HOST, [BLOCK], {"x/a": False, "y/a": False},
     BLOCKED),
]

# ------------------------------------------------------------------------------------------------------------
# tiers and defaultAction
# ------------------------------------------------------------------------------------------------------------


def _tiered(tier: str, rules: list[Any], selector: str = "all()") -> dict[str, Any]:
    return _gnp(f"{tier}.p", {"tier": tier, "order": 1, "selector": selector, "types": ["Egress"], "egress": rules})


TIER_VECTORS: list[Row] = [
    ("tier order 100 Deny runs before a NetworkPolicy allow in the default tier", CALICO_TIERS,
     [_tier("sec", 100), _tiered("sec", [DENY_IMDS]), BLOCK, _egress("x", "p", [{"to": [IMDS]}])],
     {"x/a": False}, "denied by GlobalNetworkPolicy sec.p egress rule 0"),
    ("defaultAction Pass: a non-matching policy hands over to the default tier, which allows", CALICO_TIERS,
     [_tier("sec", 100, "Pass"), _tiered("sec", [{"action": "Deny", "destination": {"nets": ["10.0.0.0/8"]}}]),
      BLOCK, _egress("x", "p", [{"to": [IMDS]}])],
     {"x/a": True, "y/a": False}, NP_ALLOWED),
    ("defaultAction Deny (explicit): the tier's implicit deny drops it", CALICO_TIERS,
     [_tier("sec", 100, "Deny"), _tiered("sec", [{"action": "Allow", "destination": {"nets": ["10.0.0.0/8"]}}]),
      _egress("x", "p", [{"to": [IMDS]}])],
     {"x/a": False}, "blocked by GlobalNetworkPolicy sec.p"),
    ("defaultAction absent is Deny", CALICO_TIERS,
     [_tier("sec", 100), _tiered("sec", [{"action": "Log"}])], {"x/a": False}, "blocked by GlobalNetworkPolicy sec.p"),
    ("a tier whose policies select no pod does not apply its defaultAction", CALICO_TIERS,
     [_tier("sec", 100), _tiered("sec", [{"action": "Deny"}], selector="pod == 'none'")],
     {"x/a": True}, "no cluster-wide block applies"),
    ("a tier without order sorts after the default tier: the default tier's allow decides first", CALICO_TIERS,
     [_tier("late", None), _tiered("late", [{"action": "Deny"}]), _egress("x", "p", [{"to": [IMDS]}])],
     {"x/a": True, "y/a": False}, NP_ALLOWED),
    ("Pass in tier 100 then the block in the default tier", CALICO_TIERS,
     [_tier("sec", 100), _tiered("sec", [{"action": "Pass"}]), BLOCK], {"x/a": False}, BLOCKED),
]

# ------------------------------------------------------------------------------------------------------------
# staged and host-endpoint-only policies
# ------------------------------------------------------------------------------------------------------------

STAGED_HOST_VECTORS: list[Row] = [
    ("StagedGlobalNetworkPolicy Deny is not enforced", CALICO_STAGED,
     [_staged("StagedGlobalNetworkPolicy", {"order": 1, "selector": "all()", "egress": [{"action": "Deny"}]})],
     {"x/a": True}, "no cluster-wide block"),
    ("StagedNetworkPolicy Allow of the address does not override the block", CALICO_STAGED,
     [BLOCK, _staged("StagedNetworkPolicy", {"order": 1, "selector": "all()", "egress": [ALLOW_ALL]}, "x")],
     {"x/a": False}, BLOCKED),
    ("StagedKubernetesNetworkPolicy allow does not override the block", CALICO_STAGED,
     [BLOCK, _staged("StagedKubernetesNetworkPolicy", {"podSelector": {}, "policyTypes": ["Egress"],
                                                       "egress": [{"to": [IMDS]}]}, "x")],
     {"x/a": False}, BLOCKED),
    ("preDNAT Deny (v3) applies to host endpoints only", CALICO_HOST,
     [_g("pre", [{"action": "Deny"}], api=V3, order=1, preDNAT=True, applyOnForward=True, types=["Ingress"])],
     {"x/a": True}, "no cluster-wide block applies"),
    ("doNotTrack Deny applies to host endpoints only, the block still decides", CALICO_HOST,
     [BLOCK, _g("untracked", [ALLOW_ALL], order=1, doNotTrack=True, applyOnForward=True, types=["Egress"])],
     {"x/a": False}, BLOCKED),
    ("applyOnForward: true, doNotTrack: false still applies to pods", CALICO_HOST,
     [_g("fwd", [DENY_IMDS], order=1, applyOnForward=True, doNotTrack=False, types=["Egress"])],
     {"x/a": False}, "denied by GlobalNetworkPolicy fwd egress rule 0"),
    ("a host-endpoint policy (selector has(host-endpoint)) selects no pod", CALICO_HOST,
     [_deny_sel("has(host-endpoint)"),
      {"apiVersion": V1, "kind": "HostEndpoint", "metadata": {"name": "w0-eth0", "labels": {"host-endpoint": "w"}},
       "spec": {"node": "worker-0", "interfaceName": "eth0"}}],
     {"x/a": True}, "no cluster-wide block applies"),
]

# ------------------------------------------------------------------------------------------------------------
# NetworkPolicy peers and ports; Calico protocols
# ------------------------------------------------------------------------------------------------------------

PEER_PORT_VECTORS: list[Row] = [
    ("peer namespaceSelector {} + podSelector {} names pods, never the address", K8S_PEERS,
     [BLOCK, _egress("x", "p", [{"to": [{"namespaceSelector": {}, "podSelector": {}}]}])],
     {"x/a": False}, "pod/namespace selector peers never match the metadata address"),
    ("ipBlock 169.254.169.254/16 (host bits set) is 169.254.0.0/16: allowed", CALICO_NETS,
     [BLOCK, _egress("x", "p", [{"to": [_ipblock("169.254.169.254/16")]}])], {"x/a": True}, NP_ALLOWED),
    ("except 169.254.169.1/24 (host bits set) excepts 169.254.169.0/24", CALICO_NETS,
     [BLOCK, _egress("x", "p", [{"to": [_ipblock("169.254.0.0/16", "169.254.169.1/24")]}])], {"x/a": False},
     "excepts 169.254.169.0/24"),
    # corrected in session 11: Calico stores the ipBlock as Go's IPNet.String() prints it, 169.254.169.254/32
    # (tests/kube/test_ipv4_mapped_cidrs.py holds the sources and the other mapped forms)
    ("IPv4-mapped IPv6 ::ffff:169.254.169.254/128 is the IPv4 block 169.254.169.254/32 to Calico", CALICO_NETS,
     [BLOCK, _egress("x", "p", [{"to": [_ipblock("::ffff:169.254.169.254/128")]}])], {"x/a": True},
     NP_ALLOWED),
    ("port 80 with protocol omitted is TCP 80", K8S_PORTS, [BLOCK, _ports({"port": 80})], {"x/a": True}, NP_ALLOWED),
    ("UDP 80 does not allow TCP 80", K8S_PORTS, [BLOCK, _ports({"protocol": "UDP", "port": 80})], {"x/a": False},
     "UDP 80"),
    ("SCTP 80 does not allow TCP 80", K8S_PORTS, [BLOCK, _ports({"protocol": "SCTP", "port": 80})], {"x/a": False},
     "SCTP 80"),
    ("named port http (a container's port 80) cannot match an IP block", K8S_PORTS,
     [BLOCK, _ports({"protocol": "TCP", "port": "http"})], {"x/a": False}, "named port 'http'"),
    ("protocol TCP without port allows every TCP port", K8S_PORTS, [BLOCK, _ports({"protocol": "TCP"})],
     {"x/a": True}, NP_ALLOWED),
    ("UDP 53 and TCP 80 in one ports list: TCP 80 allows", K8S_PORTS,
     [BLOCK, _ports({"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 80})], {"x/a": True}, NP_ALLOWED),
    ("Calico ICMP Allow does not match TCP", CALICO_RULE,
     [BLOCK, _g("icmp", [{"action": "Allow", "protocol": "ICMP", "icmp": {"type": 8}}], order=1, types=["Egress"])],
     {"x/a": False}, BLOCKED),
    ("Calico ICMP Deny is skipped, the next rule allows", CALICO_RULE,
     [_g("p", [{"action": "Deny", "protocol": "ICMP"}, ALLOW_ALL], order=1, types=["Egress"])],
     {"x/a": True}, "allowed by GlobalNetworkPolicy p egress rule 1"),
    ("Calico notProtocol UDP Deny matches TCP", CALICO_RULE,
     [_g("p", [{"action": "Deny", "notProtocol": "UDP"}, ALLOW_ALL], order=1, types=["Egress"])],
     {"x/a": False}, "denied by GlobalNetworkPolicy p egress rule 0"),
    ("Calico protocol 6 (a number) is TCP", CALICO_RULE,
     [BLOCK, _g("p", [{"action": "Allow", "protocol": 6, "destination": {"nets": [IMDS_CIDR], "ports": [80]}}],
                order=1, types=["Egress"])],
     {"x/a": True}, "allowed by GlobalNetworkPolicy p egress rule 0"),
    ("Calico protocol SCTP Allow does not match TCP", CALICO_RULE,
     [BLOCK, _g("p", [{"action": "Allow", "protocol": "SCTP"}], order=1, types=["Egress"])], {"x/a": False},
     BLOCKED),
]

ALL_ROWS = DEFAULTING_VECTORS + SELECTOR_VECTORS + TIER_VECTORS + STAGED_HOST_VECTORS + PEER_PORT_VECTORS


@pytest.mark.parametrize(ROW_FIELDS, ALL_ROWS, ids=[r[0] for r in ALL_ROWS])
def test_vectors_r7(case: str, source: str, objects: list[Any], expect: dict[str, bool], reason: str) -> None:
    assert source
    _check(case, objects, expect, reason)


def test_staged_policies_are_noted() -> None:
    inv = Inventory(source="vectors-r7")
    for obj in (render_block_policy(), _staged("StagedGlobalNetworkPolicy", {"selector": "all()"}),
                _staged("StagedNetworkPolicy", {"selector": "all()"}, "x"), _pod("x/a", {"pod": "a"})):
        inv.add(obj, "r7")
    notes = audit_inventory(inv).notes
    assert f"1 {V3} StagedGlobalNetworkPolicy object(s) not evaluated: staged policies are not enforced" in notes
    assert f"1 {V3} StagedNetworkPolicy object(s) not evaluated: staged policies are not enforced" in notes


# ------------------------------------------------------------------------------------------------------------
# rows lokonb got wrong: endPort the API server refuses, finished and terminating pods
# ------------------------------------------------------------------------------------------------------------

#: A NetworkPolicy with an endPort the API server refuses was read as "every TCP port" (endPort without port),
#: so the audit said "allowed" about an object no cluster can hold; now it is an error naming the field.
END_PORT_FIXED: list[tuple[str, dict[str, Any], str]] = [
    ("endPort without port", {"endPort": 90}, "ports[0].endPort 90 is given without port"),
    ("endPort with protocol TCP and no port", {"protocol": "TCP", "endPort": 1024},
     "ports[0].endPort 1024 is given without port"),
    ("endPort with a named port", {"port": "http", "endPort": 90}, "given with the named port 'http'"),
    ("endPort below port", {"port": 90, "endPort": 70}, "ports[0].endPort 70 is less than port 90"),
]


@pytest.mark.parametrize(("case", "port", "message"), END_PORT_FIXED, ids=[r[0] for r in END_PORT_FIXED])
def test_end_port_the_api_refuses_is_an_error(case: str, port: dict[str, Any], message: str) -> None:
    assert K8S_PORTS
    with pytest.raises(DumpError, match=r"NetworkPolicy x/p: egress rule 0 is malformed: ") as err:
        _check(case, [BLOCK, _ports(port)], {"x/a": False}, "")
    assert message in str(err.value)


def _state(key: str, phase: str = "Running", *, host: bool = False, ip: str | None = "10.2.0.9",
           deleting: dict[str, str] | None = None) -> dict[str, Any]:
    """A pod of x (pod=a) in a given state; ``deleting``: its annotations while it terminates."""
    pod = _pod(key, {"pod": "a"}, host=host)
    pod["status"] = {"phase": phase, **({"podIP": ip} if ip else {})}
    if deleting is not None:
        pod["metadata"].update(deletionTimestamp="2026-03-14T09:26:53Z", annotations=deleting)
    return pod


def _windows(pod: dict[str, Any], host_process: bool = False) -> dict[str, Any]:
    """The pod on a Windows node (WINDOWS source); a HostProcess container must run in the host network."""
    pod["spec"]["nodeSelector"] = {"kubernetes.io/os": "windows"}
    if host_process:
        pod["spec"]["securityContext"] = {"windowsOptions": {"hostProcess": True}}
    return pod


#: (case, pod, objects, reachable, reason): rows on one pod of namespace x.
PodRow = tuple[str, dict[str, Any], list[Any], bool, str]
FINISHED = "Calico removed its endpoint and it opens no connections"
#: Rows lokonb got wrong: finished pods (and terminating ones whose CNI removed the network) were audited as live
#: endpoints ("reachable: no cluster-wide block" without a block).
POD_STATE_FIXED: list[PodRow] = [
    ("Succeeded pod without a block: no endpoint, nothing reachable", _state("x/job", "Succeeded"), [], False,
     f"finished (phase Succeeded): {FINISHED}"),
    ("Failed pod under an open allow", _state("x/crash", "Failed"), [BLOCK, _egress("x", "p", [{}])], False,
     f"finished (phase Failed): {FINISHED}"),
    ("Completed (documented phase) host-network pod", _state("x/done", "Completed", host=True), [], False,
     "finished (phase Completed)"),
    ("terminating pod whose Calico CNI emptied cni.projectcalico.org/podIP", _state(
        "x/term", deleting={"cni.projectcalico.org/podIP": ""}), [], False,
     "terminating and its network is removed (cni.projectcalico.org/podIP is empty)"),
    ("terminating pod whose AWS VPC CNI emptied vpc.amazonaws.com/pod-ips", _state(
        "x/term", deleting={"vpc.amazonaws.com/pod-ips": ""}), [], False,
     "terminating and its network is removed (vpc.amazonaws.com/pod-ips is empty)"),
]
#: Rows lokonb answered as upstream does before this file (CALICO_FINISHED; host network LOKONB_SPEC; WINDOWS).
POD_STATE_VECTORS: list[PodRow] = [
    ("terminating pod still holding its IP (grace period): policies apply",
     _state("x/term", deleting={"cni.projectcalico.org/podIP": "10.2.0.9/32"}),
     [BLOCK, _egress("x", "p", [{"to": [IMDS]}])], True, NP_ALLOWED),
    ("Pending pod without an IP yet: audited as it will run (allowed)", _state("x/new", "Pending", ip=None),
     [BLOCK, _egress("x", "p", [{"to": [IMDS]}])], True, NP_ALLOWED),
    ("Pending pod without an IP yet: audited as it will run (blocked)", _state("x/new", "Pending", ip=None),
     [BLOCK], False, BLOCKED),
    ("host-network pod with a hostPort is host traffic: reachable whatever the block", _state("x/hp", host=True),
     [BLOCK, _egress("x", "deny", [])], True, "host network: not subject to pod network policy"),
    ("Windows HostProcess pod (hostNetwork required) is host traffic", _windows(_state("x/win-hp", host=True), True),
     [BLOCK], True, "host network: not subject to pod network policy"),
    ("Windows pod on the pod network: Calico for Windows enforces the block", _windows(_state("x/win")), [BLOCK],
     False, BLOCKED),
]


def _check_pod(pod: dict[str, Any], objects: list[Any], reachable: bool, reason: str) -> None:
    inv = Inventory(source="vectors-r7")
    inv.add({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x", "labels": {"team": "web"}}}, "r7")
    if pod["spec"].get("hostNetwork"):
        pod["spec"]["containers"][0]["ports"] = [{"containerPort": 80, "hostPort": 8080}]
    for obj in [*objects, pod]:
        inv.add(render_block_policy() if obj == BLOCK else obj, "vectors-r7")
    (verdict,) = audit_inventory(inv).verdicts
    assert verdict.reachable is reachable and reason in verdict.reason, verdict.reason


@pytest.mark.parametrize(("case", "pod", "objects", "reachable", "reason"), POD_STATE_VECTORS,
                         ids=[r[0] for r in POD_STATE_VECTORS])
def test_pod_state_vectors_r7(case: str, pod: dict[str, Any], objects: list[Any], reachable: bool,
                              reason: str) -> None:
    assert CALICO_FINISHED and LOKONB_SPEC and WINDOWS
    _check_pod(pod, objects, reachable, reason)


@pytest.mark.parametrize(("case", "pod", "objects", "reachable", "reason"), POD_STATE_FIXED,
                         ids=[r[0] for r in POD_STATE_FIXED])
def test_pod_state_vectors_r7_fixed(case: str, pod: dict[str, Any], objects: list[Any], reachable: bool,
                                    reason: str) -> None:
    assert CALICO_FINISHED
    _check_pod(pod, objects, reachable, reason)


# ------------------------------------------------------------------------------------------------------------
# the CLI on a dump: a finished pod, and an endPort the API server refuses
# ------------------------------------------------------------------------------------------------------------


def _dump(tmp_path: Any, objects: list[Any]) -> str:
    path = tmp_path / "dump.json"
    items = [render_block_policy() if o == BLOCK else o for o in objects]
    path.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": items}))
    return str(path)


def test_cli_reports_finished_pods_as_unreachable(tmp_path, capsys) -> None:
    objects = [_state("x/job", "Succeeded"), _state("x/web")]
    assert main(["metadata", "audit", "--json", "--dump", _dump(tmp_path, objects)]) == 0
    rows = {r["pod"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["job"]["reachable"] is False and rows["job"]["reason"].startswith("finished (phase Succeeded)")
    assert rows["web"]["reachable"] is True and rows["web"]["reason"].startswith("no cluster-wide block")


def test_cli_end_port_without_port_is_a_clear_error(tmp_path, capsys) -> None:
    dump = _dump(tmp_path, [BLOCK, _ports({"endPort": 90}), _pod("x/a", {"pod": "a"})])
    code = main(["metadata", "audit", "--dump", dump])
    err = capsys.readouterr().err
    assert code != 0 and "Traceback" not in err
    assert "NetworkPolicy x/p: egress rule 0 is malformed: ports[0].endPort 90 is given without port" in err, err


# ------------------------------------------------------------------------------------------------------------
# the rendered policies on the recording server: applied twice, updated under a conflict, an invalid endPort
# ------------------------------------------------------------------------------------------------------------

K8S_VALIDATION = (
    "kubernetes/kubernetes pkg/apis/networking/validation/validation.go (ValidateNetworkPolicyPort: endPort "
    "'may not be specified when `port` is not specified' / 'is non-numeric', 'must be greater than or equal to "
    "`port`') + apimachinery optimistic concurrency (a PUT with a stale resourceVersion is a 409 Conflict)"
)


def _rendered(mode: str = "metadata-only") -> list[dict[str, Any]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MetadataPolicyWarning)
        allow = allow_metadata_policy("x", {"matchLabels": {"pod": "a"}}, mode=mode).policy
    return [render_block_policy(), allow]


def test_live_apply_twice_then_update_under_a_conflict(kubeapi, tmp_path) -> None:
    assert K8S_VALIDATION
    api = load_api_client(kubeapi.write_kubeconfig(tmp_path / "kc"))
    kubeapi.add({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x"}})
    assert [r.action for r in apply_policies(_rendered(), api_client=api, confirm=True)] == ["created"] * 2
    assert [r.action for r in apply_policies(_rendered(), api_client=api, confirm=True)] == ["unchanged"] * 2
    kubeapi.fail_next(409, method="PUT", path="/networkpolicies/allow-metadata-pod-a$",
                      reason="Conflict", message="the object has been modified")
    with pytest.raises(KubeApiError, match=r"NetworkPolicy x/allow-metadata-pod-a: conflict \(409\)") as err:
        apply_policies(_rendered("open"), api_client=api, confirm=True)
    assert "run again" in str(err.value)
    stored = kubeapi.get("networking.k8s.io/v1", "NetworkPolicy", "allow-metadata-pod-a", "x")
    assert stored["spec"]["egress"][0]["ports"] == [{"protocol": "TCP", "port": 80}]  # the conflict wrote nothing
    assert [r.action for r in apply_policies(_rendered("open"), api_client=api, confirm=True)] == [
        "unchanged", "replaced"]
    kubeapi.add(_pod("x/a", {"pod": "a"}))
    live = audit_metadata_access(kubeconfig=kubeapi.write_kubeconfig(tmp_path / "kc2"))
    (verdict,) = live.verdicts
    assert verdict.reachable and verdict.reason.startswith("allowed by NetworkPolicy x/allow-metadata-pod-a"), verdict


@pytest.mark.parametrize(("port", "why"), [
    ({"endPort": 90}, "may not be specified when `port` is not specified"),
    ({"port": "http", "endPort": 90}, "may not be specified when `port` is non-numeric"),
    ({"port": 90, "endPort": 70}, "must be greater than or equal to `port`"),
])
def test_live_apply_of_an_invalid_end_port_is_the_servers_422(kubeapi, tmp_path, port, why) -> None:
    api = load_api_client(kubeapi.write_kubeconfig(tmp_path / "kc"))
    kubeapi.add({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x"}})
    block, allow = _rendered()
    allow["spec"]["egress"][0]["ports"] = [port]
    with pytest.raises(KubeApiError, match=r"NetworkPolicy x/allow-metadata-pod-a: the API server rejected it as "
                       r"invalid \(422\): spec.egress\[0\].ports\[0\].endPort: ") as err:
        apply_policies([block, allow], api_client=api, confirm=True)
    assert why in str(err.value)
    assert [(w.path, w.status) for w in kubeapi.writes()] == [
        ("/apis/crd.projectcalico.org/v1/globalnetworkpolicies", 201), ("/apis/networking.k8s.io/v1/namespaces/x/"
                                                                       "networkpolicies", 422)]
