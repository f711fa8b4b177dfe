"""Upstream vectors, round 3: Calico ``types`` as felix reads them, AdminNetworkPolicy/BaselineAdminNetworkPolicy.

Each row names its source (repository, path, commit) and maps it to lokonb's question: can the pod open TCP 80 to
169.254.169.254, and why. Expected answers come from the upstream code and tests, not from lokonb. Pods and
namespaces are round 2's: x/a (pod=a), x/b (pod=b) in namespace x (team=web), y/a (pod=a) in namespace y (team=db);
x/a runs as service account "builder".
"""

from __future__ import annotations

from typing import Any

import pytest

from lokonb.kube.metadata import render_block_policy

from .test_upstream_vectors_r2 import BLOCK, IMDS, ROW_FIELDS, Row, _check, _np

FELIX_TYPES = (
    "projectcalico/calico felix/calc/policy_sorter.go@2e9062928d58 (ExtractPolicyMetadata: \"Back compatibility: no "
    "Types means Ingress and Egress\")"
)
CALICO_PROCESSORS = (
    "projectcalico/calico libcalico-go/lib/backend/syncersv1/updateprocessors/globalnetworkpolicyprocessor.go and "
    "networkpolicyprocessor.go@15a452baa4cf (Types copied to felix's model, never defaulted)"
)
CALICO_NP_E2E = (
    "projectcalico/calico libcalico-go/lib/clientv3/networkpolicy_e2e_test.go@07dc0bc36eff (entries 'Ingress-only and "
    "egress-only policies', 'Policies with explicit ingress and egress Types')"
)

CRD = "crd.projectcalico.org/v1"
IMDS_CIDR = "169.254.169.254/32"
V3 = "projectcalico.org/v3"


def _gnp(name: str, spec: dict[str, Any], api: str = CRD) -> dict[str, Any]:
    return {"apiVersion": api, "kind": "GlobalNetworkPolicy", "metadata": {"name": name}, "spec": spec}


def _cnp(ns: str, name: str, spec: dict[str, Any], api: str = CRD) -> dict[str, Any]:
    return {"apiVersion": api, "kind": "NetworkPolicy", "metadata": {"name": name, "namespace": ns}, "spec": spec}


INGRESS_ONLY = {"ingress": [{"action": "Allow", "source": {"nets": ["10.0.0.0/8"]}}]}
EGRESS_DENY = {"egress": [{"action": "Deny", "protocol": "TCP"}]}
ALLOW_IMDS_NP = _np("x", "allow-imds", {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{"to": [IMDS]}]})

# ------------------------------------------------------------------------------------------------------------
# Calico types: defaulted by clientv3 (calicoctl, the API server: projectcalico.org/v3), not for CRDs written as is
# ------------------------------------------------------------------------------------------------------------

#: Rows lokonb answered as upstream does before this file was written (kept as a conformance table).
TYPES_VECTORS: list[Row] = [
    (
        "e2e 'Ingress-only' entry: a v3 Calico NetworkPolicy with ingress rules only is defaulted to [Ingress]",
        CALICO_NP_E2E,
        [_cnp("x", "ingress-only", {"order": 1, "selector": "all()", **INGRESS_ONLY}, V3)],
        {"x/a": True, "x/b": True},
        "no cluster-wide block",
    ),
    (
        "e2e 'egress-only' entry: a v3 Calico NetworkPolicy with egress rules only is defaulted to [Egress]",
        CALICO_NP_E2E,
        [_cnp("x", "egress-only", {"order": 1, "selector": "all()", **EGRESS_DENY}, V3)],
        {"x/a": False, "y/a": True},
        "denied by Calico NetworkPolicy x/egress-only egress rule 0",
    ),
    (
        "e2e explicit Types entry: types [Ingress] with egress rules is not defaulted; egress is not governed",
        CALICO_NP_E2E,
        [_cnp("x", "ingress-typed", {"order": 1, "selector": "all()", "types": ["Ingress"], **INGRESS_ONLY,
                                     **EGRESS_DENY})],
        {"x/a": True},
        "no cluster-wide block",
    ),
    (
        "felix: explicit types [Egress] with ingress and egress rules governs egress only",
        FELIX_TYPES,
        [_gnp("egress-typed", {"order": 1, "selector": "all()", "types": ["Egress"], **INGRESS_ONLY,
                               "egress": [{"action": "Allow", "destination": {"nets": ["10.0.0.0/8"]}}]})],
        {"x/a": False},
        "blocked by GlobalNetworkPolicy egress-typed",
    ),
    (
        "felix: a CRD without types but with an egress allow to the address governs egress and allows it",
        FELIX_TYPES,
        [BLOCK, _gnp("imds", {"order": 1, "selector": "pod == 'a'",
                              "egress": [{"action": "Allow", "destination": {"nets": ["169.254.169.254/32"]}}]})],
        {"x/a": True, "x/b": False},
        "allowed by GlobalNetworkPolicy imds egress rule 0",
    ),
    (
        "felix: a CRD without types is doNotTrack: host endpoints only, whatever it governs",
        FELIX_TYPES,
        [_gnp("untracked", {"order": 1, "selector": "all()", "doNotTrack": True, "applyOnForward": True})],
        {"x/a": True},
        "untracked does not select this pod",
    ),
    (
        "felix: a CRD without types and without egress rules falls through to a later NetworkPolicy allow in the tier",
        FELIX_TYPES,
        [BLOCK, _gnp("ingress-only", {"order": 10, "selector": "all()", **INGRESS_ONLY}), ALLOW_IMDS_NP],
        {"x/a": True, "y/a": False},
        "allowed by NetworkPolicy x/allow-imds egress rule 0",
    ),
    (
        "felix: an untyped CRD GNP sorted after the block (by name) ends the same tier in the implicit deny",
        FELIX_TYPES,
        [BLOCK, _gnp("zz-ingress", {"selector": "all()", **INGRESS_ONLY})],
        {"x/a": False},
        "implicit deny",
    ),
]

#: Rows lokonb got wrong before this file: a crd.projectcalico.org/v1 policy without types and without egress
#: rules was read as ingress-only (clientv3's defaulting), but nothing defaults a CRD written with kubectl, and felix
#: applies such a policy to egress too, so the pods it selects lose all egress. The last row (lower-case types, which
#: older Calico CRDs accept and felix compares with EqualFold) came with its own fix.
TYPES_VECTORS_FIXED: list[Row] = [
    (
        "felix + processors: a CRD GNP without types and with ingress rules only governs egress (implicit deny)",
        f"{FELIX_TYPES}; {CALICO_PROCESSORS}",
        [_gnp("ingress-only", {"order": 1, "selector": "all()", **INGRESS_ONLY})],
        {"x/a": False, "y/a": False},
        "no types in crd.projectcalico.org/v1: felix applies it to egress too",
    ),
    (
        "felix: len(Types) == 0 also holds for types: [] in a CRD",
        FELIX_TYPES,
        [_gnp("empty-types", {"order": 1, "selector": "pod == 'a'", "types": [], **INGRESS_ONLY})],
        {"x/a": False, "x/b": True},
        "blocked by GlobalNetworkPolicy empty-types",
    ),
    (
        "felix + processors: a CRD Calico NetworkPolicy without types and rules isolates its namespace's pods",
        f"{FELIX_TYPES}; {CALICO_PROCESSORS}",
        [_cnp("x", "no-rules", {"selector": "all()"})],
        {"x/a": False, "x/b": False, "y/a": True},
        "blocked by Calico NetworkPolicy x/no-rules",
    ),
    (
        "felix: types are compared with strings.EqualFold, so a CRD's types [egress] governs egress",
        FELIX_TYPES,
        [_gnp("lower", {"order": 1, "selector": "all()", "types": ["egress"], **EGRESS_DENY})],
        {"x/a": False},
        "denied by GlobalNetworkPolicy lower egress rule 0",
    ),
]


@pytest.mark.parametrize(ROW_FIELDS, TYPES_VECTORS, ids=[r[0] for r in TYPES_VECTORS])
def test_types_vectors_r3(case: str, source: str, objects: list[Any], expect: dict[str, bool], reason: str) -> None:
    assert source
    _check(case, objects, expect, reason)


@pytest.mark.parametrize(ROW_FIELDS, TYPES_VECTORS_FIXED, ids=[r[0] for r in TYPES_VECTORS_FIXED])
def test_types_vectors_r3_fixed(
    case: str, source: str, objects: list[Any], expect: dict[str, bool], reason: str
) -> None:
    assert source
    _check(case, objects, expect, reason)


def _notes(objects: list[Any]) -> list[str]:
    from lokonb.kube.audit import audit_inventory
    from lokonb.kube.sources import Inventory

    from .test_upstream_vectors import _pod

    inv = Inventory(source="vectors-r3")
    for obj in [*objects, _pod("x/a", {"pod": "a"})]:
        inv.add(obj, "vectors-r3")
    return audit_inventory(inv).notes


def test_untyped_crd_policy_without_egress_rules_is_noted() -> None:
    notes = _notes([_gnp("ingress-only", {"selector": "all()", **INGRESS_ONLY})])
    assert any(n.startswith("GlobalNetworkPolicy ingress-only has no types and no egress rules") for n in notes)
    for quiet in (
        _gnp("ingress-only", {"selector": "all()", **INGRESS_ONLY}, V3),  # defaulted to [Ingress]
        _gnp("typed", {"selector": "all()", "types": ["Ingress"], **INGRESS_ONLY}),
        _gnp("egress", {"selector": "all()", **EGRESS_DENY}),  # governs egress either way
    ):
        assert not any("has no types" in n for n in _notes([quiet])), quiet["metadata"]["name"]


# ------------------------------------------------------------------------------------------------------------
# real-world metadata policies published for Calico, and the null podSelector of the ANP integration manifest
# ------------------------------------------------------------------------------------------------------------

GIST_KAAS = "gist.github.com/zetaab/3408b9992630133f822644463ec81906 (default-deny-cloud-metadata + allow-all, 2022)"
GIST_EKS = "gist.github.com/dylanenabled/11e9e4a74d52ad437fe13cbf309b16e1 (deny-ec2-instance-metadata, calicoctl)"
NULL_SELECTOR = (
    "kubernetes-sigs/network-policy-api conformance/base/api_integration/core-anp-np-banp.yaml@42095fba9e07 "
    "(podSelector: null)"
)
KAAS_NS = "team != 'web'"  # stands for the gist's kaas.foobar.com/allow-cloud-meta != 'true'

#: Published policies, mapped to lokonb's pods (all answered as Calico does before this file).
EXAMPLE_VECTORS: list[Row] = [
    (
        "KaaS gist: a GNP without selector, namespaceSelector only, denies the address at order 10",
        GIST_KAAS,
        [_gnp("default-deny-cloud-metadata", {"order": 10, "types": ["Egress"], "namespaceSelector": KAAS_NS,
                                              "egress": [{"action": "Deny", "destination": {"nets": [IMDS_CIDR]}}]}),
         _gnp("allow-all", {"order": 5000, "types": ["Egress"], "namespaceSelector": KAAS_NS,
                            "egress": [{"action": "Allow", "destination": {"nets": ["0.0.0.0/0"]}}]})],
        {"y/a": False, "x/a": True},
        "denied by GlobalNetworkPolicy default-deny-cloud-metadata egress rule 0",
    ),
    (
        "KaaS gist: the namespaces the selector leaves out are not selected by either policy",
        GIST_KAAS,
        [_gnp("default-deny-cloud-metadata", {"order": 10, "types": ["Egress"], "namespaceSelector": KAAS_NS,
                                              "egress": [{"action": "Deny", "destination": {"nets": [IMDS_CIDR]}}]})],
        {"x/a": True},
        "does not select this pod",
    ),
    (
        "EKS gist: a v3 GNP without selector (all()) and source: {} denies the address",
        GIST_EKS,
        [_gnp("deny-ec2-instance-metadata", {"order": 0, "types": ["Egress"], "egress": [
            {"action": "Deny", "destination": {"nets": [IMDS_CIDR]}, "source": {}}]}, V3)],
        {"x/a": False, "y/a": False},
        "denied by GlobalNetworkPolicy deny-ec2-instance-metadata egress rule 0",
    ),
    (
        "core-anp-np-banp.yaml: podSelector null selects every pod of the namespace",
        NULL_SELECTOR,
        [BLOCK, _np("x", "null-selector", {"podSelector": None, "policyTypes": ["Egress"],
                                           "egress": [{"to": [IMDS]}]})],
        {"x/a": True, "x/b": True, "y/a": False},
        "allowed by NetworkPolicy x/null-selector egress rule 0",
    ),
]


@pytest.mark.parametrize(ROW_FIELDS, EXAMPLE_VECTORS, ids=[r[0] for r in EXAMPLE_VECTORS])
def test_example_vectors_r3(case: str, source: str, objects: list[Any], expect: dict[str, bool], reason: str) -> None:
    assert source
    _check(case, objects, expect, reason)


# ------------------------------------------------------------------------------------------------------------
# tier order: the default tier has one (1,000,000); a Tier without an order runs last
# ------------------------------------------------------------------------------------------------------------

CALICO_TIER_API = (
    "projectcalico/calico api/pkg/apis/projectcalico/v3/tier.go@034d5185bd92 (DefaultTierOrder = 1,000,000; an "
    "omitted order 'may be considered to be infinite - i.e. the tier will be applied last')"
)
CALICO_TIER_LESS = "projectcalico/calico felix/calc/policy_sorter.go@2e9062928d58 (TierLess: nil order last, then name)"


def _tier(name: str, order: float | None) -> dict[str, Any]:
    spec = {} if order is None else {"order": order}
    return {"apiVersion": CRD, "kind": "Tier", "metadata": {"name": name}, "spec": spec}


def _tier_allow(tier: str) -> dict[str, Any]:
    return _gnp(f"{tier}.imds", {"tier": tier, "selector": "all()", "types": ["Egress"],
                                 "egress": [{"action": "Allow", "destination": {"nets": [IMDS_CIDR]}}]})


#: Rows lokonb answered as Calico does before this section was written.
TIER_VECTORS: list[Row] = [
    (
        "a Tier without order runs after the default tier's Tier object (order 1,000,000)",
        f"{CALICO_TIER_API}; {CALICO_TIER_LESS}",
        [_tier("default", 1_000_000), _tier("z-sec", None), _tier_allow("z-sec"), BLOCK],
        {"x/a": False},
        "blocked by block-metadata-access",
    ),
    (
        "a Tier of order 100 runs before the default tier",
        CALICO_TIER_LESS,
        [_tier("sec", 100), _tier_allow("sec"), BLOCK],
        {"x/a": True},
        "allowed by GlobalNetworkPolicy sec.imds egress rule 0",
    ),
]

#: Rows lokonb got wrong: without a Tier object for it, the default tier was ordered after every other tier.
TIER_VECTORS_FIXED: list[Row] = [
    (
        "a Tier without order runs after the default tier even when the source has no Tier object for default",
        f"{CALICO_TIER_API}; {CALICO_TIER_LESS}",
        [_tier("z-sec", None), _tier_allow("z-sec"), BLOCK],
        {"x/a": False},
        "blocked by block-metadata-access",
    ),
    (
        "a Tier of order 2,000,000 runs after the default tier (1,000,000)",
        f"{CALICO_TIER_API}; {CALICO_TIER_LESS}",
        [_tier("late", 2_000_000), _tier_allow("late"), BLOCK],
        {"x/a": False},
        "blocked by block-metadata-access",
    ),
]


@pytest.mark.parametrize(ROW_FIELDS, TIER_VECTORS + TIER_VECTORS_FIXED,
                         ids=[r[0] for r in TIER_VECTORS + TIER_VECTORS_FIXED])
def test_tier_order_vectors_r3(
    case: str, source: str, objects: list[Any], expect: dict[str, bool], reason: str
) -> None:
    assert source
    _check(case, objects, expect, reason)


# ------------------------------------------------------------------------------------------------------------
# felix renders each Calico rule per IP version, its CIDR lists filtered to that version
# ------------------------------------------------------------------------------------------------------------

FELIX_FILTER = (
    "projectcalico/calico felix/rules/policy.go@c7b9d13b1b2b (FilterRuleToIPVersion: a nets/notNets list with no "
    "CIDR of the version drops the rule; 'allow from 10.0.0.1,feed::beef' keeps its IPv4 part)"
)
ALLOW_ALL = {"action": "Allow"}

#: Rows lokonb answered as felix does before this section was written.
FILTER_VECTORS: list[Row] = [
    (
        "mixed destination nets without ipVersion: the IPv4 part still matches (the comment's example)",
        FELIX_FILTER,
        [BLOCK, _gnp("mixed", {"order": 1, "selector": "all()", "types": ["Egress"], "egress": [
            {"action": "Allow", "destination": {"nets": ["169.254.169.254/32", "fd00:ec2::254/128"]}}]})],
        {"x/a": True},
        "allowed by GlobalNetworkPolicy mixed egress rule 0",
    ),
    (
        "mixed destination notNets: the IPv4 part (10.0.0.0/8) leaves the address matched, the Deny applies",
        FELIX_FILTER,
        [_gnp("mixed-not", {"order": 1, "selector": "all()", "types": ["Egress"], "egress": [
            {"action": "Deny", "destination": {"notNets": ["10.0.0.0/8", "fd00::/8"]}}, ALLOW_ALL]})],
        {"x/a": False},
        "denied by GlobalNetworkPolicy mixed-not egress rule 0",
    ),
    (
        "IPv6-only destination nets never match IPv4 traffic",
        FELIX_FILTER,
        [_gnp("v6-deny", {"order": 1, "selector": "all()", "types": ["Egress"], "egress": [
            {"action": "Deny", "destination": {"nets": ["fd00:ec2::254/128"]}}, ALLOW_ALL]})],
        {"x/a": True},
        "allowed by GlobalNetworkPolicy v6-deny egress rule 1",
    ),
]

#: Rows lokonb got wrong: a negated list with no CIDR of the packet's family matched (nothing excluded the address),
#: but felix drops the whole rule for that family.
FILTER_VECTORS_FIXED: list[Row] = [
    (
        "IPv6-only destination notNets without ipVersion: the rule is dropped for IPv4, so it allows nothing",
        FELIX_FILTER,
        [BLOCK, _gnp("v6-block", {"order": 1, "selector": "all()", "types": ["Egress"], "egress": [
            {"action": "Allow", "destination": {"notNets": ["fd00:ec2::254/128"]}}]})],
        {"x/a": False},
        "blocked by block-metadata-access",
    ),
    (
        "IPv6-only source notNets: the Deny is dropped for IPv4 and the next rule allows",
        FELIX_FILTER,
        [_gnp("v6-src", {"order": 1, "selector": "all()", "types": ["Egress"], "egress": [
            {"action": "Deny", "source": {"notNets": ["fd00::/8"]}}, ALLOW_ALL]})],
        {"x/a": True},
        "allowed by GlobalNetworkPolicy v6-src egress rule 1",
    ),
]


@pytest.mark.parametrize(ROW_FIELDS, FILTER_VECTORS + FILTER_VECTORS_FIXED,
                         ids=[r[0] for r in FILTER_VECTORS + FILTER_VECTORS_FIXED])
def test_ip_version_filter_vectors_r3(
    case: str, source: str, objects: list[Any], expect: dict[str, bool], reason: str
) -> None:
    assert source
    _check(case, objects, expect, reason)


# ------------------------------------------------------------------------------------------------------------
# AdminNetworkPolicy / BaselineAdminNetworkPolicy (policy.networking.k8s.io/v1alpha1), as Calico tiers
# ------------------------------------------------------------------------------------------------------------

NPAPI = "kubernetes-sigs/network-policy-api"
ANP_TYPES = f"{NPAPI} apis/v1alpha1/adminnetworkpolicy_types.go@354de2d88611 (priority, Allow/Deny/Pass)"
ANP_SHARED = f"{NPAPI} apis/v1alpha1/shared_types.go@a18add2e5f5f (subject, ports, peers fail closed)"
ANP_INTEGRATION = (
    f"{NPAPI} conformance/tests/admin-network-policy-core-integration.go@135bf4bf8706 "
    "(+ conformance/base/api_integration/core-anp-np-banp.yaml@42095fba9e07)"
)
ANP_PRIORITY = f"{NPAPI} conformance/base/admin_network_policy/core-priority-field.yaml@c43707a70534"
ANP_NODES = f"{NPAPI} conformance/base/admin_network_policy/extended-egress-selector-rules.yaml@0668b2f7a7c9"
ANP_NETWORKS = (
    f"{NPAPI} apis/v1alpha1 AdminNetworkPolicyEgressPeer.Networks (\"if you Allow or Deny traffic to 0.0.0.0/0, that "
    "will allow or deny all IPv4 pod-to-pod traffic as well\")"
)
CALICO_ANP_TIER = (
    "tigera/docs calico/network-policy/policy-tiers/tiered-policy.mdx (before PR 2416: tier adminnetworkpolicy, "
    "order 1,000, default action Pass; ANP priority maps to policy order)"
)

ANP_API = "policy.networking.k8s.io/v1alpha1"
WEB_NS = {"namespaces": {"matchLabels": {"team": "web"}}}
TO_IMDS = {"networks": ["169.254.169.254/32"]}


def _anp(name: str, prio: int, egress: list[Any], subject: Any = None, **spec: Any) -> dict[str, Any]:
    body = {"priority": prio, "subject": WEB_NS if subject is None else subject, "egress": egress, **spec}
    return {"apiVersion": ANP_API, "kind": "AdminNetworkPolicy", "metadata": {"name": name}, "spec": body}


def _banp(egress: list[Any], subject: Any = None) -> dict[str, Any]:
    body = {"subject": subject or WEB_NS, "egress": egress}
    return {"apiVersion": ANP_API, "kind": "BaselineAdminNetworkPolicy", "metadata": {"name": "default"}, "spec": body}


def _rule(action: str, to: list[Any] | None = None, ports: list[Any] | None = None) -> dict[str, Any]:
    rule: dict[str, Any] = {"name": f"{action.lower()}-imds", "action": action, "to": to or [TO_IMDS]}
    if ports is not None:
        rule["ports"] = ports
    return rule


#: ANP rows whose verdict lokonb already gave while it ignored ANPs (kept as a conformance table); where an ANP or
#: the BANP now decides or passes, the reason names it (the nodes-peer row and the Pass at priority 40).
ANP_VECTORS: list[Row] = [
    (
        "integration 'pass-egress ... respect the match for network policy': Pass hands over to the NetworkPolicy",
        ANP_INTEGRATION,
        [_anp("pass-example", 10, [_rule("Pass")]), ALLOW_IMDS_NP],
        {"x/a": True, "y/a": True},
        "allowed by NetworkPolicy x/allow-imds egress rule 0",
    ),
    (
        "ANP without egress rules does not affect egress: the block decides",
        ANP_TYPES,
        [BLOCK, _anp("ingress-only", 10, [], ingress=[{"action": "Allow", "from": [{"namespaces": {}}]}])],
        {"x/a": False},
        "blocked by block-metadata-access",
    ),
    (
        "portNumber UDP 80 does not match TCP 80",
        ANP_SHARED,
        [BLOCK, _anp("udp", 10, [_rule("Allow", ports=[{"portNumber": {"protocol": "UDP", "port": 80}}])])],
        {"x/a": False},
        "blocked by block-metadata-access",
    ),
    (
        "namedPort cannot match an address outside the cluster",
        ANP_SHARED,
        [BLOCK, _anp("named", 10, [_rule("Allow", ports=[{"namedPort": "http"}])])],
        {"x/a": False},
        "blocked by block-metadata-access",
    ),
    (
        "extended-egress-selector-rules: a nodes peer (Deny) selects node IPs, not the metadata address",
        ANP_NODES,
        [_anp("nodes", 75, [_rule("Deny", to=[{"nodes": {"matchLabels": {"kubernetes.io/os": "linux"}}}])])],
        {"x/a": True},
        "no rule of tier adminnetworkpolicy decides and the tier's defaultAction is Pass",
    ),
    (
        "fail closed: an unknown peer in an Allow rule matches nothing",
        ANP_SHARED,
        [BLOCK, _anp("unknown", 10, [_rule("Allow", to=[{"futurePeer": {}}])])],
        {"x/a": False},
        "blocked by block-metadata-access",
    ),
    (
        "BANP after NetworkPolicies: a NetworkPolicy that isolates the pod decides; the BANP Allow never runs",
        ANP_INTEGRATION,
        [_np("x", "only-10", {"podSelector": {}, "policyTypes": ["Egress"],
                              "egress": [{"to": [{"ipBlock": {"cidr": "10.0.0.0/8"}}]}]}),
         _banp([_rule("Allow")])],
        {"x/a": False},
        "egress-isolated by NetworkPolicy x/only-10",
    ),
    (
        "BANP after the default tier: the block GNP decides before the BANP Allow",
        CALICO_ANP_TIER,
        [BLOCK, _banp([_rule("Allow")])],
        {"x/a": False},
        "blocked by block-metadata-access",
    ),
    (
        "priority-field: Pass moved to priority 40 skips the Deny at 50; the BANP allows",
        ANP_PRIORITY,
        [_anp("priority-50-example", 50, [_rule("Deny")]),
         _anp("old-priority-60-new-priority-40-example", 40, [_rule("Pass")]), _banp([_rule("Allow")])],
        {"x/a": True},
        "allowed by BaselineAdminNetworkPolicy default egress rule 0",
    ),
    (
        "Calico tiers: a Tier of order 100 runs before the adminnetworkpolicy tier (1,000); its allow wins",
        CALICO_ANP_TIER,
        [{"apiVersion": CRD, "kind": "Tier", "metadata": {"name": "sec"}, "spec": {"order": 100}},
         _gnp("sec.imds", {"tier": "sec", "selector": "all()", "types": ["Egress"],
                           "egress": [{"action": "Allow", "destination": {"nets": ["169.254.169.254/32"]}}]}),
         _anp("deny", 10, [_rule("Deny")])],
        {"x/a": True},
        "allowed by GlobalNetworkPolicy sec.imds egress rule 0",
    ),
]

#: ANP rows whose verdict lokonb got wrong while it noted ANPs/BANPs without evaluating them.
ANP_VECTORS_FIXED: list[Row] = [
    (
        "integration 'Should Deny traffic to slytherin from gryffindor respecting ANP': Deny beats the NP allow",
        ANP_INTEGRATION,
        [_anp("pass-example", 10, [_rule("Deny")]), ALLOW_IMDS_NP],
        {"x/a": False, "y/a": True},
        "denied by AdminNetworkPolicy pass-example egress rule 0",
    ),
    (
        "integration 'pass-egress ... respect the match for baseline admin network policy': no NP, the BANP denies",
        ANP_INTEGRATION,
        [_anp("pass-example", 10, [_rule("Pass")]), _banp([_rule("Deny")])],
        {"x/a": False, "y/a": True},
        "denied by BaselineAdminNetworkPolicy default egress rule 0",
    ),
    (
        "priority-field: Deny at priority 50 runs before Pass at 60",
        ANP_PRIORITY,
        [_anp("priority-50-example", 50, [_rule("Deny")]),
         _anp("old-priority-60-new-priority-40-example", 60, [_rule("Pass")]), _banp([_rule("Allow")])],
        {"x/a": False},
        "denied by AdminNetworkPolicy priority-50-example egress rule 0",
    ),
    (
        "ANP Allow overrides NetworkPolicy and the default tier, so the block GNP too",
        f"{ANP_TYPES}; {CALICO_ANP_TIER}",
        [BLOCK, _anp("imds", 10, [_rule("Allow")],
                     subject={"pods": {"namespaceSelector": {}, "podSelector": {"matchLabels": {"pod": "a"}}}})],
        {"x/a": True, "x/b": False, "y/a": True},
        "allowed by AdminNetworkPolicy imds egress rule 0",
    ),
    (
        "ports: [] filters no port, like ports left out (reading: an empty list names no port to filter on)",
        ANP_SHARED,
        [BLOCK, _anp("no-ports", 10, [_rule("Allow", ports=[])])],
        {"x/a": True},
        "allowed by AdminNetworkPolicy no-ports egress rule 0",
    ),
    (
        "portRange TCP 1-1024 contains 80",
        ANP_SHARED,
        [BLOCK, _anp("range", 10, [_rule("Allow", ports=[{"portRange": {"protocol": "TCP", "start": 1, "end": 1024}}])],
                     )],
        {"x/a": True},
        "allowed by AdminNetworkPolicy range egress rule 0",
    ),
    (
        "networks 0.0.0.0/0 in a Deny rule denies the metadata address too",
        ANP_NETWORKS,
        [_anp("deny-v4", 10, [_rule("Deny", to=[{"networks": ["0.0.0.0/0"]}])])],
        {"x/a": False, "y/a": True},
        "denied by AdminNetworkPolicy deny-v4 egress rule 0",
    ),
    (
        "fail closed: an unknown peer in a Deny rule denies everything",
        ANP_SHARED,
        [_anp("unknown", 10, [_rule("Deny", to=[{"futurePeer": {}}])])],
        {"x/a": False},
        "denied by AdminNetworkPolicy unknown egress rule 0",
    ),
    (
        "subject pods: namespaceSelector AND podSelector",
        ANP_SHARED,
        [_anp("pods", 10, [_rule("Deny")],
              subject={"pods": {"namespaceSelector": {}, "podSelector": {"matchLabels": {"pod": "a"}}}})],
        {"x/a": False, "x/b": True, "y/a": False},
        "denied by AdminNetworkPolicy pods egress rule 0",
    ),
]


@pytest.mark.parametrize(ROW_FIELDS, ANP_VECTORS, ids=[r[0] for r in ANP_VECTORS])
def test_anp_vectors_r3(case: str, source: str, objects: list[Any], expect: dict[str, bool], reason: str) -> None:
    assert source
    _check(case, objects, expect, reason)


@pytest.mark.parametrize(ROW_FIELDS, ANP_VECTORS_FIXED, ids=[r[0] for r in ANP_VECTORS_FIXED])
def test_anp_vectors_r3_fixed(case: str, source: str, objects: list[Any], expect: dict[str, bool], reason: str) -> None:
    assert source
    _check(case, objects, expect, reason)


def test_admin_policies_are_noted_as_calico_enforces_them() -> None:
    notes = _notes([_anp("deny", 10, [_rule("Deny")])])
    assert any(n.startswith("AdminNetworkPolicies are evaluated as Calico enforces them") for n in notes)
    assert not any("AdminNetworkPolicies are evaluated" in n for n in _notes([]))


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        (_anp("no-subject", 10, [_rule("Deny")], subject={}), "spec.subject must set exactly one of namespaces, pods"),
        (_anp("two", 10, [_rule("Deny")], subject={**WEB_NS, "pods": {}}), "spec.subject must set exactly one"),
        (_anp("prio", 1001, [_rule("Deny")]), "spec.priority must be an integer from 0 to 1000, got 1001"),
        (
            _anp("accept", 10, [_rule("Accept")]),  # v1alpha2's word for Allow
            "AdminNetworkPolicy accept: egress rule 0 is malformed (ValueError: action 'Accept'",
        ),
        (_anp("cidr", 10, [_rule("Deny", to=[{"networks": ["nope"]}])]), "networks entry 'nope' is not a CIDR"),
        (_anp("no-to", 10, [{"action": "Deny"}]), "'to' must be a non-empty list of peers"),
        (_banp([_rule("Pass")]), "action 'Pass' (allowed: Allow, Deny)"),
    ],
    ids=["no subject", "two subjects", "priority", "v1alpha2 action", "bad CIDR", "no to", "BANP Pass"],
)
def test_malformed_admin_policies_are_clear_errors(tmp_path: Any, capsys: Any, obj: Any, message: str) -> None:
    import yaml

    from lokonb.cli import main

    from .test_upstream_vectors import _pod

    dump = tmp_path / "dump.yaml"
    dump.write_text(yaml.safe_dump_all([obj, _pod("x/a", {"pod": "a"})]))
    assert main(["metadata", "audit", "--dump", str(dump)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("objects", "category"),
    [
        ([BLOCK, _anp("imds", 10, [_rule("Allow")])], "allowed by an AdminNetworkPolicy"),
        ([_anp("pass", 10, [_rule("Pass")]), _banp([_rule("Allow")])], "allowed by the BaselineAdminNetworkPolicy"),
        ([_anp("deny", 10, [_rule("Deny")])], "denied by an admin policy"),
        ([_banp([_rule("Deny")])], "denied by an admin policy"),
        ([_anp("nodes", 10, [_rule("Deny", to=[{"nodes": {}}])])], "passed to the profile"),
    ],
    ids=["ANP allow", "BANP allow", "ANP deny", "BANP deny", "ANP tier passes"],
)
def test_notebook_explains_admin_policy_reasons(objects: list[Any], category: str) -> None:
    from lokonb.kube.audit import audit_inventory
    from lokonb.kube.sources import Inventory
    from lokonb.kube.workflow import explain_reasons

    from .test_upstream_vectors import _pod

    inv = Inventory(source="vectors-r3")
    inv.add({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x", "labels": {"team": "web"}}}, "r3")
    for obj in [*objects, _pod("x/a", {"pod": "a"})]:
        inv.add(render_block_policy() if obj == BLOCK else obj, "vectors-r3")
    assert list(explain_reasons(audit_inventory(inv))["category"]) == [category]
