"""Upstream vectors, round 6: NetworkPolicy peers/ports/selectors, Calico rule matching (protocols, ports, source
fields, service accounts), felix's tie-break of equal orders, namespaced Calico NetworkSets, AdminNetworkPolicy
subjects and priorities, rendered allow policies next to Calico policies, and the live path/CLI for NetworkSets.

Each row names its source (repository, path, commit) and maps it to lokonb's question: can the pod open TCP 80 to
169.254.169.254, and why. Expected answers come from the upstream code and docs, not from lokonb. Pods and
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
from lokonb.kube.audit import audit_inventory, audit_metadata_access
from lokonb.kube.metadata import MetadataPolicyWarning, allow_metadata_policy, render_block_policy
from lokonb.kube.sources import Inventory

from .test_upstream_vectors import _pod
from .test_upstream_vectors_r2 import BLOCK, IMDS, ROW_FIELDS, Row, _check, _cnp, _gnp, _np
from .test_upstream_vectors_r3 import _anp, _banp, _rule

kubeapi = kubeapi_fixture()

K8S_TYPES = (
    "kubernetes/kubernetes staging/src/k8s.io/api/networking/v1/types.go@45d0fddaf1f2 (NetworkPolicyEgressRule: "
    "'ports ... and to ... combined using a logical AND', 'items in this list are combined using a logical OR'; "
    "IPBlock.except 'should not be included within this rule'; podSelector selects pods of the policy's namespace)"
)
APIMACHINERY_SELECTOR = (
    "kubernetes/kubernetes staging/src/k8s.io/apimachinery/pkg/labels/selector.go (NotIn and DoesNotExist match "
    "an object without the label; matchLabels and matchExpressions are ANDed)"
)
E2E_NETPOL = (
    "kubernetes/kubernetes test/e2e/network/netpol/network_policy.go@008b3652959c ('should enforce multiple egress "
    "policies with egress allow-all policy taking precedence', 'should enforce except clause while egress access "
    "to server in CIDR block')"
)
CALICO_RULES_DOC = (
    "projectcalico/calico calico/reference/resources/networkpolicy.md (Rule: protocol/notProtocol, ipVersion, "
    "source nets/notNets, notPorts; EntityRule serviceAccounts names/selector)"
)
CALICO_RULES = (
    "projectcalico/calico libcalico-go/lib/backend/syncersv1/updateprocessors/rules.go@10381096f062 "
    "(getEndpointSelector: namespaceSelector all() -> has(projectcalico.org/namespace), global() -> "
    "!has(projectcalico.org/namespace), namespaced policies scope selector/notSelector rules to their namespace; "
    "NotDstSelector is the rule's notSelector as written)"
)
CALICO_GNP = (
    "projectcalico/calico libcalico-go/lib/backend/syncersv1/updateprocessors/globalnetworkpolicyprocessor.go"
    "@15a452baa4cf (namespaceSelector pcns.-prefixed and ANDed, all() -> has(projectcalico.org/namespace); "
    "serviceAccountSelector pcsa.-prefixed, all() -> has(projectcalico.org/serviceaccount)) + "
    "networkpolicyprocessor.go@15a452baa4cf (serviceAccountSelector of a namespaced policy)"
)
CALICO_LABELS = (
    "docs.tigera.io calico/latest/network-policy/get-started/calico-policy/calico-labels (projectcalico.org/name "
    "of namespaces and service accounts; workload endpoints carry projectcalico.org/serviceaccount)"
)
FELIX_SORT = (
    "projectcalico/calico felix/calc/policy_sorter.go@fefae466342d (PolKVLess: equal orders tie-break on the policy "
    "key's name, '<namespace>/<name>' for namespaced policies; the current file compares '<name>/<namespace>/<kind>') "
    "+ libcalico-go/lib/names/policy.go@2920547641d7 (K8sNetworkPolicyNamePrefix = 'knp.default.': the name Calico "
    "gives a Kubernetes NetworkPolicy)"
)
CALICO_NETSET = (
    "projectcalico/calico libcalico-go/lib/backend/syncersv1/updateprocessors/networksetprocessor.go@1256525e122c "
    "(a NetworkSet gets projectcalico.org/namespace and its namespace profile kns.<ns>, so it inherits pcns.* "
    "labels) + docs.tigera.io calico/latest/reference/resources/networkset ('NetworkSets in a specific namespace "
    "only applies to network policies in that namespace') and .../globalnetworkset (rules whose namespaceSelector "
    "includes global())"
)
CALICO_TIERS = (
    "projectcalico/calico felix/calc/policy_resolver.go + tiered-policy docs (a tier applies to an endpoint only "
    "when one of its policies selects it; only then does its end-of-tier action apply)"
)
NPAPI = "kubernetes-sigs/network-policy-api"
ANP_TYPES = f"{NPAPI} apis/v1alpha1/adminnetworkpolicy_types.go@354de2d88611 (priority: lower first; Deny is final)"
ANP_SHARED = f"{NPAPI} apis/v1alpha1/shared_types.go@a18add2e5f5f (subject namespaces selector, ports, networks)"
BANP_TYPES = (
    f"{NPAPI} apis/v1alpha1/baseline_adminnetworkpolicy_types.go (the BANP decides only traffic no NetworkPolicy "
    "decided; subject pods)"
)
LOKONB_SPEC = "lokonb spec metadata.md section 4 rule 1 (host network pods are not subject to pod network policy)"
EPHEMERAL = (
    "torvalds/linux Documentation/networking/ip-sysctl.rst (ip_local_port_range: 'The default values are 32768 and "
    "60999 respectively', the ports TCP chooses for a connection's local end) + Calico Rule source ports/notPorts"
)

IMDS_CIDR = "169.254.169.254/32"
ALLOW_ALL = {"action": "Allow"}
DENY_IMDS = {"action": "Deny", "destination": {"nets": [IMDS_CIDR]}}
ALLOW_IMDS = {"action": "Allow", "destination": {"nets": [IMDS_CIDR]}}
TO_SETS = {"action": "Allow", "destination": {"selector": "role == 'imds'"}}


def _egress(ns: str, name: str, rules: list[Any], selector: dict[str, Any] | None = None) -> dict[str, Any]:
    return _np(ns, name, {"podSelector": selector or {}, "policyTypes": ["Egress"], "egress": rules})


def _g(name: str, rules: list[Any], order: float | None = 10, **spec: Any) -> dict[str, Any]:
    body = {"selector": "all()", "types": ["Egress"], "egress": rules, **spec}
    return _gnp(name, body if order is None else {"order": order, **body})


def _c(ns: str, name: str, rules: list[Any], order: float = 10, **spec: Any) -> dict[str, Any]:
    return _cnp(ns, name, {"order": order, "selector": "all()", "types": ["Egress"], "egress": rules, **spec})


def _netset(ns: str | None, labels: dict[str, str], nets: tuple[str, ...] = (IMDS_CIDR,)) -> dict[str, Any]:
    """A Calico NetworkSet in ``ns`` (None: a GlobalNetworkSet) named imds."""
    meta: dict[str, Any] = {"name": "imds", "labels": labels}
    if ns:
        meta["namespace"] = ns
    kind = "NetworkSet" if ns else "GlobalNetworkSet"
    return {"apiVersion": "crd.projectcalico.org/v1", "kind": kind, "metadata": meta, "spec": {"nets": list(nets)}}


def _ipblock(cidr: str, *excepts: str) -> dict[str, Any]:
    block: dict[str, Any] = {"cidr": cidr}
    if excepts:
        block["except"] = list(excepts)
    return {"ipBlock": block}


# ------------------------------------------------------------------------------------------------------------
# Kubernetes NetworkPolicy: peers, ports, selectors (lokonb answered all of these as upstream does)
# ------------------------------------------------------------------------------------------------------------

NETPOL_VECTORS: list[Row] = [
    (
        "peers are ORed: an ipBlock excepting the address, then one holding it, allows",
        K8S_TYPES,
        [BLOCK, _egress("x", "p", [{"to": [_ipblock("169.254.0.0/16", IMDS_CIDR), _ipblock("169.254.169.0/24")]}])],
        {"x/a": True, "y/a": False},
        "allowed by NetworkPolicy x/p egress rule 0",
    ),
    (
        "ports are ORed within a rule: UDP 53 or TCP 80 to the address allows TCP 80",
        K8S_TYPES,
        [BLOCK, _egress("x", "p", [{"to": [IMDS], "ports": [{"protocol": "UDP", "port": 53},
                                                           {"protocol": "TCP", "port": 80}]}])],
        {"x/a": True},
        "allowed by NetworkPolicy x/p egress rule 0",
    ),
    (
        "ports and peers are ANDed per rule, never across rules (443 to the address, 80 to 10/8)",
        K8S_TYPES,
        [BLOCK, _egress("x", "p", [{"to": [IMDS], "ports": [{"port": 443}]},
                                  {"to": [_ipblock("10.0.0.0/8")], "ports": [{"port": 80}]}])],
        {"x/a": False},
        "rule 0: ports allow only TCP 443, not TCP 80; rule 1: ipBlock 10.0.0.0/8 does not contain",
    ),
    (
        "podSelector matches pod labels, not the namespace's (team=web is a namespace label)",
        K8S_TYPES,
        [BLOCK, _egress("x", "p", [{"to": [IMDS]}], {"matchLabels": {"team": "web"}})],
        {"x/a": False, "x/b": False},
        "blocked by block-metadata-access",
    ),
    (
        "matchExpressions NotIn [b] selects pods without the value (x/a), not x/b",
        APIMACHINERY_SELECTOR,
        [_egress("x", "p", [], {"matchExpressions": [{"key": "pod", "operator": "NotIn", "values": ["b"]}]})],
        {"x/a": False, "x/b": True, "y/a": True},
        "egress-isolated by NetworkPolicy x/p",
    ),
    (
        "matchLabels pod=a AND matchExpressions pod In [b] selects no pod",
        APIMACHINERY_SELECTOR,
        [_egress("x", "p", [], {"matchLabels": {"pod": "a"},
                                "matchExpressions": [{"key": "pod", "operator": "In", "values": ["b"]}]})],
        {"x/a": True, "x/b": True},
        "no cluster-wide block",
    ),
    (
        "ipBlock 169.254.169.254/31 holds .254 and .255",
        K8S_TYPES,
        [BLOCK, _egress("x", "p", [{"to": [_ipblock("169.254.169.254/31")]}])],
        {"x/a": True},
        "allowed by NetworkPolicy x/p egress rule 0",
    ),
    (
        "ipBlock of the neighbouring address 169.254.169.255/32 does not hold .254",
        K8S_TYPES,
        [BLOCK, _egress("x", "p", [{"to": [_ipblock("169.254.169.255/32")]}])],
        {"x/a": False},
        "ipBlock 169.254.169.255/32 does not contain 169.254.169.254",
    ),
    (
        "except 169.254.0.0/16 (the whole link-local range) removes the address",
        E2E_NETPOL,
        [BLOCK, _egress("x", "p", [{"to": [_ipblock("0.0.0.0/0", "169.254.0.0/16")]}])],
        {"x/a": False},
        "ipBlock 0.0.0.0/0 excepts 169.254.0.0/16",
    ),
    (
        "except of the neighbouring address leaves .254 allowed",
        E2E_NETPOL,
        [BLOCK, _egress("x", "p", [{"to": [_ipblock("0.0.0.0/0", "169.254.169.255/32")]}])],
        {"x/a": True},
        "allowed by NetworkPolicy x/p egress rule 0",
    ),
    (
        "a default-deny selecting x/a and an allow selecting all of x: the union allows x/a",
        E2E_NETPOL,
        [BLOCK, _egress("x", "deny-a", [], {"matchLabels": {"pod": "a"}}), _egress("x", "p", [{"to": [IMDS]}])],
        {"x/a": True, "x/b": True, "y/a": False},
        "allowed by NetworkPolicy x/p egress rule 0",
    ),
    (
        "port 80 with endPort 81 (TCP range) to the address allows",
        K8S_TYPES,
        [BLOCK, _egress("x", "p", [{"to": [IMDS], "ports": [{"protocol": "TCP", "port": 80, "endPort": 81}]}])],
        {"x/a": True},
        "allowed by NetworkPolicy x/p egress rule 0",
    ),
]

# ------------------------------------------------------------------------------------------------------------
# Calico rules: protocol, ports, ipVersion, source fields, service accounts, namespace selectors (all agreed)
# ------------------------------------------------------------------------------------------------------------

CALICO_VECTORS: list[Row] = [
    (
        "notProtocol UDP matches TCP: the Allow holds the address",
        CALICO_RULES_DOC,
        [BLOCK, _g("p", [{"action": "Allow", "notProtocol": "UDP", "destination": {"nets": [IMDS_CIDR]}}])],
        {"x/a": True},
        "allowed by GlobalNetworkPolicy p egress rule 0",
    ),
    (
        "notPorts [80] keeps a Deny of every other port from matching TCP 80; the next rule allows",
        CALICO_RULES_DOC,
        [_g("p", [{"action": "Deny", "protocol": "TCP", "destination": {"notPorts": [80]}}, ALLOW_ALL])],
        {"x/a": True},
        "allowed by GlobalNetworkPolicy p egress rule 1",
    ),
    (
        "ipVersion 6 Deny does not match IPv4 traffic",
        CALICO_RULES_DOC,
        [_g("p", [{"action": "Deny", "ipVersion": 6}, ALLOW_ALL])],
        {"x/a": True},
        "allowed by GlobalNetworkPolicy p egress rule 1",
    ),
    (
        "source nets 10.3.0.0/16 do not hold the pod (10.2.0.9): the Deny does not match",
        CALICO_RULES_DOC,
        [_g("p", [{"action": "Deny", "source": {"nets": ["10.3.0.0/16"]}}, ALLOW_ALL])],
        {"x/a": True},
        "allowed by GlobalNetworkPolicy p egress rule 1",
    ),
    (
        "source notNets holding the pod network: the Allow does not match, the block decides",
        CALICO_RULES_DOC,
        [BLOCK, _g("p", [{"action": "Allow", "source": {"notNets": ["10.2.0.0/16"]}}])],
        {"x/a": False},
        "blocked by block-metadata-access",
    ),
    (
        "source serviceAccounts names [builder]: denies x/a only",
        f"{CALICO_RULES_DOC}; {CALICO_RULES}",
        [_g("p", [{"action": "Deny", "source": {"serviceAccounts": {"names": ["builder"]}},
                   "destination": {"nets": [IMDS_CIDR]}}, ALLOW_ALL])],
        {"x/a": False, "x/b": True},
        "denied by GlobalNetworkPolicy p egress rule 0",
    ),
    (
        "policy selector on projectcalico.org/serviceaccount selects the builder's pods",
        CALICO_LABELS,
        [_g("p", [DENY_IMDS, ALLOW_ALL], selector="projectcalico.org/serviceaccount == 'builder'")],
        {"x/a": False, "x/b": True},
        "denied by GlobalNetworkPolicy p egress rule 0",
    ),
    (
        "GNP namespaceSelector projectcalico.org/name == 'y' selects namespace y only",
        CALICO_LABELS,
        [_g("p", [DENY_IMDS, ALLOW_ALL], namespaceSelector="projectcalico.org/name == 'y'")],
        {"y/a": False, "x/a": True},
        "denied by GlobalNetworkPolicy p egress rule 0",
    ),
    (
        "GNP namespaceSelector global() is not rewritten (only all() is): it selects every endpoint, pods too",
        CALICO_GNP,
        [_g("p", [DENY_IMDS, ALLOW_ALL], namespaceSelector="global()")],
        {"x/a": False, "y/a": False},
        "denied by GlobalNetworkPolicy p egress rule 0",
    ),
    (
        "GNP namespaceSelector all() becomes has(projectcalico.org/namespace): every pod",
        CALICO_GNP,
        [_g("p", [DENY_IMDS, ALLOW_ALL], namespaceSelector="all()")],
        {"x/a": False, "y/a": False},
        "denied by GlobalNetworkPolicy p egress rule 0",
    ),
    (
        "GNP serviceAccountSelector all() becomes has(projectcalico.org/serviceaccount): every pod",
        CALICO_GNP,
        [_g("p", [DENY_IMDS, ALLOW_ALL], serviceAccountSelector="all()")],
        {"x/a": False, "x/b": False},
        "denied by GlobalNetworkPolicy p egress rule 0",
    ),
    (
        "Calico NetworkPolicy serviceAccountSelector on projectcalico.org/name selects the builder only",
        CALICO_GNP,
        [_c("x", "p", [DENY_IMDS, ALLOW_ALL], serviceAccountSelector="projectcalico.org/name == 'builder'")],
        {"x/a": False, "x/b": True},
        "denied by Calico NetworkPolicy x/p egress rule 0",
    ),
    (
        "Calico NetworkPolicy with an empty selector selects every pod of its namespace only",
        CALICO_RULES_DOC,
        [_cnp("x", "p", {"order": 10, "selector": "", "types": ["Egress"], "egress": [DENY_IMDS, ALLOW_ALL]})],
        {"x/a": False, "x/b": False, "y/a": True},
        "denied by Calico NetworkPolicy x/p egress rule 0",
    ),
    (
        "a tier whose policies select no pod of it does not apply: no end-of-tier deny for x/a",
        CALICO_TIERS,
        [{"apiVersion": "crd.projectcalico.org/v1", "kind": "Tier", "metadata": {"name": "sec"},
          "spec": {"order": 100, "defaultAction": "Deny"}},
         _gnp("sec.b-only", {"tier": "sec", "selector": "pod == 'b'", "types": ["Egress"],
                             "egress": [{"action": "Deny", "destination": {"nets": ["10.0.0.0/8"]}}]})],
        {"x/a": True, "x/b": False},
        "no cluster-wide block applies: sec.b-only does not select this pod",
    ),
    (
        "an unordered GNP named before the block sorts first; its allow wins",
        FELIX_SORT,
        [BLOCK, _g("aa-allow-imds", [ALLOW_IMDS], order=None)],
        {"x/a": True},
        "allowed by GlobalNetworkPolicy aa-allow-imds egress rule 0",
    ),
]

# ------------------------------------------------------------------------------------------------------------
# equal orders: felix breaks ties by the name Calico stores (knp.default.<name> for a Kubernetes NetworkPolicy)
# ------------------------------------------------------------------------------------------------------------

#: Rows lokonb answered as felix does before this file (the Kubernetes name sorted the same way by chance).
ORDER_VECTORS: list[Row] = [
    (
        "Calico NetworkPolicy zz-deny (1000) sorts after knp.default.allow-imds: the NetworkPolicy allows",
        FELIX_SORT,
        [_c("x", "zz-deny", [DENY_IMDS], order=1000), _egress("x", "allow-imds", [{"to": [IMDS]}])],
        {"x/a": True},
        "allowed by NetworkPolicy x/allow-imds egress rule 0",
    ),
    (
        "GNP zz-deny (1000) sorts after the NetworkPolicy: the NetworkPolicy allows",
        FELIX_SORT,
        [_g("zz-deny", [DENY_IMDS], order=1000), _egress("x", "allow-imds", [{"to": [IMDS]}])],
        {"x/a": True},
        "allowed by NetworkPolicy x/allow-imds egress rule 0",
    ),
]

#: Rows lokonb got wrong: it sorted equal orders by the Kubernetes name (allow-imds < deny-imds), but Calico names
#: the policy knp.default.allow-imds, so a Calico policy deny-imds of the same order runs first and its Deny wins.
ORDER_VECTORS_FIXED: list[Row] = [
    (
        "Calico NetworkPolicy deny-imds (1000) sorts before knp.default.allow-imds: denied",
        FELIX_SORT,
        [_c("x", "deny-imds", [DENY_IMDS], order=1000), _egress("x", "allow-imds", [{"to": [IMDS]}])],
        {"x/a": False, "y/a": True},
        "denied by Calico NetworkPolicy x/deny-imds egress rule 0",
    ),
    (
        "GNP deny-imds (1000) sorts before the NetworkPolicy in old and current felix: denied",
        FELIX_SORT,
        [_g("deny-imds", [DENY_IMDS], order=1000), _egress("x", "allow-imds", [{"to": [IMDS]}])],
        {"x/a": False},
        "denied by GlobalNetworkPolicy deny-imds egress rule 0",
    ),
]

# ------------------------------------------------------------------------------------------------------------
# namespaced Calico NetworkSets holding the address
# ------------------------------------------------------------------------------------------------------------

#: Rows lokonb answered as Calico does before this file (nothing in them matches the NetworkSet).
NETSET_VECTORS: list[Row] = [
    (
        "a Calico NetworkPolicy in y does not see a NetworkSet of x",
        CALICO_NETSET,
        [BLOCK, _netset("x", {"role": "imds"}), _c("y", "p", [TO_SETS])],
        {"y/a": False},
        "blocked by block-metadata-access",
    ),
    (
        "namespaceSelector global() selects GlobalNetworkSets only, not a NetworkSet of x",
        f"{CALICO_RULES}; {CALICO_NETSET}",
        [BLOCK, _netset("x", {"role": "imds"}),
         _g("p", [{"action": "Allow", "destination": {"namespaceSelector": "global()",
                                                      "selector": "role == 'imds'"}}])],
        {"x/a": False},
        "blocked by block-metadata-access",
    ),
    (
        "namespaceSelector all() does not select a GlobalNetworkSet",
        CALICO_RULES,
        [BLOCK, _netset(None, {"role": "imds"}),
         _g("p", [{"action": "Allow", "destination": {"namespaceSelector": "all()"}}])],
        {"x/a": False},
        "blocked by block-metadata-access",
    ),
    (
        "a NetworkSet holding only the IPv6 IMDS address does not hold 169.254.169.254",
        CALICO_NETSET,
        [BLOCK, _netset("x", {"role": "imds"}, ("fd00:ec2::254/128",)), _c("x", "p", [TO_SETS])],
        {"x/a": False},
        "blocked by block-metadata-access",
    ),
]

#: Rows lokonb got wrong: it read GlobalNetworkSets only, so a NetworkSet (namespaced, installed by Lokomotive's
#: Calico CRDs) was an ignored kind and every rule reaching the address through one was read as not matching.
NETSET_VECTORS_FIXED: list[Row] = [
    (
        "a GNP rule selector (unscoped) matches a NetworkSet of any namespace",
        CALICO_NETSET,
        [BLOCK, _netset("x", {"role": "imds"}), _g("p", [TO_SETS])],
        {"x/a": True, "y/a": True},
        "allowed by GlobalNetworkPolicy p egress rule 0",
    ),
    (
        "a Calico NetworkPolicy rule selector matches a NetworkSet of its own namespace",
        CALICO_NETSET,
        [BLOCK, _netset("x", {"role": "imds"}), _c("x", "p", [TO_SETS])],
        {"x/a": True, "x/b": True, "y/a": False},
        "allowed by Calico NetworkPolicy x/p egress rule 0",
    ),
    (
        "a NetworkSet holding 169.254.0.0/16 holds the address",
        CALICO_NETSET,
        [BLOCK, _netset("x", {"role": "imds"}, ("169.254.0.0/16",)), _c("x", "p", [TO_SETS])],
        {"x/a": True},
        "allowed by Calico NetworkPolicy x/p egress rule 0",
    ),
    (
        "rule namespaceSelector team == 'web' + selector matches a NetworkSet of x (team=web)",
        f"{CALICO_RULES}; {CALICO_NETSET}",
        [BLOCK, _netset("x", {"role": "imds"}),
         _g("p", [{"action": "Allow", "destination": {"namespaceSelector": "team == 'web'",
                                                      "selector": "role == 'imds'"}}])],
        {"x/a": True},
        "allowed by GlobalNetworkPolicy p egress rule 0",
    ),
    (
        "a Calico NetworkPolicy of y reaches a NetworkSet of x through namespaceSelector projectcalico.org/name",
        f"{CALICO_RULES}; {CALICO_NETSET}; {CALICO_LABELS}",
        [BLOCK, _netset("x", {"role": "imds"}),
         _c("y", "p", [{"action": "Allow", "destination": {"namespaceSelector": "projectcalico.org/name == 'x'",
                                                             "selector": "role == 'imds'"}}])],
        {"y/a": True},
        "allowed by Calico NetworkPolicy y/p egress rule 0",
    ),
    (
        "a NetworkSet inherits its namespace's labels as pcns.*",
        CALICO_NETSET,
        [BLOCK, _netset("x", {"role": "imds"}),
         _g("p", [{"action": "Allow", "destination": {"selector": "pcns.team == 'web'"}}])],
        {"x/a": True},
        "allowed by GlobalNetworkPolicy p egress rule 0",
    ),
    (
        "namespaceSelector all() alone selects namespaced NetworkSets",
        f"{CALICO_RULES}; {CALICO_NETSET}",
        [BLOCK, _netset("x", {"role": "imds"}),
         _g("p", [{"action": "Allow", "destination": {"namespaceSelector": "all()"}}])],
        {"x/a": True},
        "allowed by GlobalNetworkPolicy p egress rule 0",
    ),
    (
        "notSelector only in a namespaced policy: scoped to its namespace, where the NetworkSet holds the address",
        f"{CALICO_RULES}; {CALICO_NETSET}",
        [BLOCK, _netset("x", {"role": "imds"}), _c("x", "p", [{"action": "Allow",
                                                              "destination": {"notSelector": "role == 'db'"}}])],
        {"x/a": True},
        "allowed by Calico NetworkPolicy x/p egress rule 0",
    ),
    (
        "a Deny with notSelector matching the NetworkSet excludes the address; the next rule allows",
        f"{CALICO_RULES}; {CALICO_NETSET}",
        [_netset("x", {"role": "imds"}), _g("p", [{"action": "Deny", "destination": {"notSelector": "role == 'imds'"}},
                                                  ALLOW_ALL])],
        {"x/a": True},
        "allowed by GlobalNetworkPolicy p egress rule 1",
    ),
]

# ------------------------------------------------------------------------------------------------------------
# AdminNetworkPolicy / BaselineAdminNetworkPolicy (all agreed)
# ------------------------------------------------------------------------------------------------------------

ANP_VECTORS: list[Row] = [
    (
        "subject namespaces matchExpressions NotIn team [db]: x is a subject, y is not",
        ANP_SHARED,
        [_anp("a", 10, [_rule("Deny")], subject={"namespaces": {"matchExpressions": [
            {"key": "team", "operator": "NotIn", "values": ["db"]}]}})],
        {"x/a": False, "y/a": True},
        "denied by AdminNetworkPolicy a egress rule 0",
    ),
    (
        "networks holding only the IPv6 IMDS address do not match IPv4; the tier passes",
        ANP_SHARED,
        [_anp("a", 10, [_rule("Deny", to=[{"networks": ["fd00:ec2::254/128"]}])])],
        {"x/a": True},
        "no rule of tier adminnetworkpolicy decides and the tier's defaultAction is Pass",
    ),
    (
        "portRange UDP 1-1024 does not hold TCP 80",
        ANP_SHARED,
        [BLOCK, _anp("a", 10, [_rule("Allow", ports=[{"portRange": {"protocol": "UDP", "start": 1, "end": 1024}}])])],
        {"x/a": False},
        "blocked by block-metadata-access",
    ),
    (
        "priority 5 Deny of 169.254.0.0/16 runs before priority 10 Allow of the address",
        ANP_TYPES,
        [_anp("wide", 5, [_rule("Deny", to=[{"networks": ["169.254.0.0/16"]}])]), _anp("imds", 10, [_rule("Allow")])],
        {"x/a": False},
        "denied by AdminNetworkPolicy wide egress rule 0",
    ),
    (
        "Pass hands over to a NetworkPolicy that isolates the pod without allowing the address",
        ANP_TYPES,
        [_anp("p", 10, [_rule("Pass")]), _egress("x", "only-10", [{"to": [_ipblock("10.0.0.0/8")]}])],
        {"x/a": False},
        "egress-isolated by NetworkPolicy x/only-10",
    ),
    (
        "BANP Deny runs after a NetworkPolicy allow: x/a allowed, x/b (not selected) denied by the BANP",
        BANP_TYPES,
        [_banp([_rule("Deny")]), _egress("x", "p", [{"to": [IMDS]}], {"matchLabels": {"pod": "a"}})],
        {"x/a": True, "x/b": False},
        "allowed by NetworkPolicy x/p egress rule 0",
    ),
    (
        "BANP subject pods pod=b: x/a is not a subject",
        BANP_TYPES,
        [_banp([_rule("Deny")], subject={"pods": {"namespaceSelector": {},
                                                  "podSelector": {"matchLabels": {"pod": "b"}}}})],
        {"x/a": True, "x/b": False},
        "no cluster-wide block",
    ),
    (
        "ANP Allow of portNumber TCP 80 is final, a NetworkPolicy default-deny never runs",
        ANP_TYPES,
        [_anp("a", 10, [_rule("Allow", ports=[{"portNumber": {"protocol": "TCP", "port": 80}}])]),
         _egress("x", "deny", [])],
        {"x/a": True},
        "allowed by AdminNetworkPolicy a egress rule 0",
    ),
]


def _rendered_allow(**kwargs: Any) -> dict[str, Any]:
    """The allow policy lokonb renders for x/a (pod=a), metadata-only, DNS rule included."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MetadataPolicyWarning)
        return allow_metadata_policy("x", {"matchLabels": {"pod": "a"}}, include=["dns"], **kwargs).policy


# ------------------------------------------------------------------------------------------------------------
# the rendered allow policy next to Calico and admin policies
# ------------------------------------------------------------------------------------------------------------

#: Rows lokonb answered as upstream does before this file.
RENDERED_VECTORS: list[Row] = [
    (
        "rendered allow (Calico name knp.default.allow-metadata-pod-a) sorts before a Calico zz-deny of order 1000",
        FELIX_SORT,
        [BLOCK, _rendered_allow(), _c("x", "zz-deny", [DENY_IMDS], order=1000)],
        {"x/a": True, "x/b": False},
        "allowed by NetworkPolicy x/allow-metadata-pod-a egress rule 0",
    ),
    (
        "rendered allow is overridden by an ANP Deny (the ANP tier runs first)",
        ANP_TYPES,
        [BLOCK, _rendered_allow(), _anp("deny", 10, [_rule("Deny")])],
        {"x/a": False},
        "denied by AdminNetworkPolicy deny egress rule 0",
    ),
    (
        "rendered allow decides before a BANP Deny",
        BANP_TYPES,
        [BLOCK, _rendered_allow(), _banp([_rule("Deny")])],
        {"x/a": True, "x/b": False},
        "allowed by NetworkPolicy x/allow-metadata-pod-a egress rule 0",
    ),
]

#: Rows lokonb got wrong: a Calico policy of order 1000 whose name sorts before knp.default.<name> runs first.
RENDERED_VECTORS_FIXED: list[Row] = [
    (
        "a Calico NetworkPolicy default-deny of order 1000 sorts before the rendered allow (knp.default.*): denied",
        FELIX_SORT,
        [BLOCK, _rendered_allow(), _c("x", "default-deny", [{"action": "Deny"}], order=1000)],
        {"x/a": False},
        "denied by Calico NetworkPolicy x/default-deny egress rule 0",
    ),
]

# ------------------------------------------------------------------------------------------------------------
# Calico source ports: the client's port is an ephemeral one (Linux default 32768-60999)
# ------------------------------------------------------------------------------------------------------------

#: Rows lokonb answered as upstream does before this file.
SOURCE_PORT_VECTORS: list[Row] = [
    (
        "source ports [53] hold no ephemeral port: the Allow does not match, the block decides",
        EPHEMERAL,
        [BLOCK, _g("p", [{"action": "Allow", "protocol": "TCP", "source": {"ports": [53]},
                          "destination": {"nets": [IMDS_CIDR]}}])],
        {"x/a": False},
        "blocked by block-metadata-access",
    ),
    (
        "source notPorts [53] leave every ephemeral port: the Deny matches",
        EPHEMERAL,
        [_g("p", [{"action": "Deny", "protocol": "TCP", "source": {"notPorts": [53]}}, ALLOW_ALL])],
        {"x/a": False},
        "denied by GlobalNetworkPolicy p egress rule 0",
    ),
]

#: Rows lokonb got wrong: any source port list read as "not matching", and source notPorts were not read at all.
SOURCE_PORT_VECTORS_FIXED: list[Row] = [
    (
        "source ports 1024:65535 hold every ephemeral port: the Allow matches",
        EPHEMERAL,
        [BLOCK, _g("p", [{"action": "Allow", "protocol": "TCP", "source": {"ports": ["1024:65535"]},
                          "destination": {"nets": [IMDS_CIDR]}}])],
        {"x/a": True},
        "allowed by GlobalNetworkPolicy p egress rule 0",
    ),
    (
        "source notPorts 1024:65535 exclude every ephemeral port: the Deny does not match, the next rule allows",
        EPHEMERAL,
        [_g("p", [{"action": "Deny", "protocol": "TCP", "source": {"notPorts": ["1024:65535"]}}, ALLOW_ALL])],
        {"x/a": True},
        "allowed by GlobalNetworkPolicy p egress rule 1",
    ),
]

ALL_ROWS = (NETPOL_VECTORS + CALICO_VECTORS + ORDER_VECTORS + NETSET_VECTORS + ANP_VECTORS + RENDERED_VECTORS
            + SOURCE_PORT_VECTORS)
ALL_FIXED = ORDER_VECTORS_FIXED + NETSET_VECTORS_FIXED + RENDERED_VECTORS_FIXED + SOURCE_PORT_VECTORS_FIXED


@pytest.mark.parametrize(ROW_FIELDS, ALL_ROWS, ids=[r[0] for r in ALL_ROWS])
def test_vectors_r6(case: str, source: str, objects: list[Any], expect: dict[str, bool], reason: str) -> None:
    assert source
    _check(case, objects, expect, reason)


@pytest.mark.parametrize(ROW_FIELDS, ALL_FIXED, ids=[r[0] for r in ALL_FIXED])
def test_vectors_r6_fixed(case: str, source: str, objects: list[Any], expect: dict[str, bool], reason: str) -> None:
    assert source
    _check(case, objects, expect, reason)


def test_rendered_allow_name_is_what_the_rows_assume() -> None:
    assert _rendered_allow()["metadata"]["name"] == "allow-metadata-pod-a"


def test_host_network_pod_is_not_an_admin_policy_subject_endpoint() -> None:
    """A host-network pod matched by an ANP subject is host traffic (LOKONB_SPEC): the Deny does not apply."""
    assert LOKONB_SPEC and ANP_TYPES
    inv = Inventory(source="vectors-r6")
    inv.add({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x", "labels": {"team": "web"}}}, "r6")
    for obj in (render_block_policy(), _anp("deny", 10, [_rule("Deny")]), _pod("x/agent", {"pod": "a"}, host=True)):
        inv.add(obj, "vectors-r6")
    (verdict,) = audit_inventory(inv).verdicts
    assert verdict.reachable is True and verdict.reason.startswith("host network"), verdict.reason


# ------------------------------------------------------------------------------------------------------------
# live path: NetworkSets listed from the API (recording server), through the library and the CLI
# ------------------------------------------------------------------------------------------------------------


def _live_setup(kubeapi: Any) -> None:
    kubeapi.add({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x", "labels": {"team": "web"}}})
    kubeapi.add({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "y", "labels": {"team": "db"}}})
    for obj in (render_block_policy(), _netset("x", {"role": "imds"}), _c("x", "p", [TO_SETS]),
                _c("y", "deny-imds", [DENY_IMDS], order=1000), _egress("y", "allow-imds", [{"to": [IMDS]}]),
                _pod("x/a", {"pod": "a"}), _pod("y/a", {"pod": "a"})):
        kubeapi.add(obj)


def test_live_cli_reads_network_sets_and_ties(kubeapi, tmp_path, capsys) -> None:
    assert CALICO_NETSET and FELIX_SORT
    _live_setup(kubeapi)
    code = main(["metadata", "audit", "--json", "--kubeconfig", str(kubeapi.write_kubeconfig(tmp_path / "kc"))])
    out = capsys.readouterr()
    assert code == 0 and "Traceback" not in out.err
    rows = {f"{r['namespace']}/{r['pod']}": r for r in json.loads(out.out)}
    assert rows["x/a"]["reachable"] is True and rows["x/a"]["reason"].startswith(
        "allowed by Calico NetworkPolicy x/p egress rule 0"), rows["x/a"]
    assert rows["y/a"]["reachable"] is False and rows["y/a"]["reason"].startswith(
        "denied by Calico NetworkPolicy y/deny-imds egress rule 0"), rows["y/a"]
    lists = [r for r in kubeapi.requests_matching("GET", "/apis/crd.projectcalico.org/v1/networksets")]
    assert [r.status for r in lists] == [200]


def test_live_forbidden_network_sets_is_a_warning(kubeapi, tmp_path, capsys) -> None:
    _live_setup(kubeapi)
    kubeapi.forbid("list", "networksets")
    code = main(["metadata", "audit", "--kubeconfig", str(kubeapi.write_kubeconfig(tmp_path / "kc"))])
    err = capsys.readouterr().err
    assert code == 0 and "Traceback" not in err
    assert "warning: cannot list networksets (403 Forbidden); Calico destination selectors cannot match a " \
           "NetworkSet" in err, err
    live = audit_metadata_access(kubeconfig=kubeapi.write_kubeconfig(tmp_path / "kc2"))
    assert {v.namespace: v.reachable for v in live.verdicts} == {"x": False, "y": False}
