"""Upstream vectors, round 2: defaulting, Calico tiers and profile labels, cyclonus, rendered-object validity.

Each row names its source (repository, path, commit) and maps it to lokonb's question: can the pod open TCP 80 to
169.254.169.254, and why (or: would the API server accept the rendered object). The expected answers come from the
upstream code and docs, not from lokonb. Pods: x/a (pod=a), x/b (pod=b) in namespace x (team=web), y/a (pod=a) in
namespace y (team=db); x/a runs as service account "builder", the others as "default".
"""

from __future__ import annotations

import ipaddress
import warnings
from typing import Any

import pytest

from lokonb.kube.audit import audit_inventory
from lokonb.kube.errors import PolicyInputError
from lokonb.kube.metadata import MetadataPolicyWarning, allow_metadata_policy, render_block_policy
from lokonb.kube.sources import Inventory

from .test_upstream_vectors import _pod

K8S_DEFAULTS = "kubernetes/kubernetes pkg/apis/networking/v1/defaults.go@030880a5dc54 (+ defaults_test.go@15816b382ef2)"
K8S_VALIDATION = "kubernetes/kubernetes pkg/apis/networking/validation/validation.go@019c5dc51786 (ValidateIPBlock)"
CALICO_CONVERSION = "projectcalico/calico libcalico-go/lib/backend/k8s/conversion/conversion.go@fb7b1d4cb3ca"
CALICO_TIERS = "projectcalico/calico libcalico-go/lib/backend/syncersv1/updateprocessors/tierprocessor.go@00ef173e61a4"
CALICO_SORTER = "projectcalico/calico felix/calc/policy_sorter.go@fefae466342d (TierLess, PolKVLess)"
CALICO_GNP = (
    "projectcalico/calico libcalico-go/lib/backend/syncersv1/updateprocessors/globalnetworkpolicyprocessor.go"
    "@15a452baa4cf (+ selectors.go@559a57174d24)"
)
CALICO_TYPES = "projectcalico/calico libcalico-go/lib/clientv3/globalnetworkpolicy.go@15a452baa4cf (defaulting)"
CALICO_DOCS = "projectcalico/calico calico/reference/resources/globalnetworkpolicy.md@0d2c5c227687"
CYCLONUS = "mattfenwick/cyclonus pkg/matcher/policy_tests.go@27e8aa4d9909"
CYCLONUS_PORTS = "mattfenwick/cyclonus pkg/matcher/portmatcher.go@10403c8ecadf (isPortMatch)"

IMDS = {"ipBlock": {"cidr": "169.254.169.254/32"}}
BUILDER_SA = {
    "apiVersion": "v1",
    "kind": "ServiceAccount",
    "metadata": {"name": "builder", "namespace": "x", "labels": {"team": "ci"}},
}
BLOCK = "block"  # stands for render_block_policy() in a row


def _np(ns: str, name: str, spec: dict[str, Any]) -> dict[str, Any]:
    meta = {"name": name, "namespace": ns}
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": meta, "spec": spec}


def _gnp(name: str, spec: dict[str, Any], api: str = "crd.projectcalico.org/v1") -> dict[str, Any]:
    return {"apiVersion": api, "kind": "GlobalNetworkPolicy", "metadata": {"name": name}, "spec": spec}


def _cnp(ns: str, name: str, spec: dict[str, Any]) -> dict[str, Any]:
    meta = {"name": name, "namespace": ns}
    return {"apiVersion": "crd.projectcalico.org/v1", "kind": "NetworkPolicy", "metadata": meta, "spec": spec}


def _tier(name: str, order: float | None, default_action: str | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    if order is not None:
        spec["order"] = order
    if default_action is not None:
        spec["defaultAction"] = default_action
    return {"apiVersion": "crd.projectcalico.org/v1", "kind": "Tier", "metadata": {"name": name}, "spec": spec}


def _deny_all(**spec: Any) -> dict[str, Any]:
    return {"selector": "all()", "types": ["Egress"], "egress": [{"action": "Deny"}], **spec}


def _verdicts(objects: list[Any]) -> dict[str, Any]:
    inv = Inventory(source="vectors-r2")
    for ns, team in (("x", "web"), ("y", "db")):
        meta = {"name": ns, "labels": {"team": team, "kubernetes.io/metadata.name": ns}}
        inv.add({"apiVersion": "v1", "kind": "Namespace", "metadata": meta}, "vectors-r2")
    for obj in objects:
        inv.add(render_block_policy() if obj == BLOCK else obj, "vectors-r2")
    for key in ("x/a", "x/b", "y/a"):
        inv.add(_pod(key, {"pod": key.split("/")[1]}, sa="builder" if key == "x/a" else None), "vectors-r2")
    return {f"{v.namespace}/{v.pod}": v for v in audit_inventory(inv).verdicts}


# ------------------------------------------------------------------------------------------------------------
# audit rows: (case, source, objects, {pod: reachable}, text the first pod's reason must contain)
# ------------------------------------------------------------------------------------------------------------
Row = tuple[str, str, list[Any], dict[str, bool], str]

#: Rows lokonb answered as upstream does before this file was written (kept as a conformance table).
AUDIT_VECTORS: list[Row] = [
    (
        "policyTypes [] and no egress rules defaults to Ingress only",
        K8S_DEFAULTS,
        [_np("x", "empty-types", {"podSelector": {}, "policyTypes": [], "ingress": [{}]})],
        {"x/a": True, "x/b": True},
        "no cluster-wide block",
    ),
    (
        "defaults_test: egress only, policyTypes unset -> Ingress,Egress (namespaceSelector peer never an IP)",
        K8S_DEFAULTS,
        [
            BLOCK,
            _np(
                "x",
                "egress-ns",
                {
                    "podSelector": {"matchLabels": {"pod": "a"}},
                    "egress": [{"to": [{"namespaceSelector": {"matchLabels": {"c": "d"}}}]}],
                },
            ),
        ],
        {"x/a": False, "x/b": False},
        "pod/namespace selector peers never match",
    ),
    (
        "K8sNetworkPolicyToCalico: policyTypes [Ingress] drops egress rules, the block GNP decides",
        CALICO_CONVERSION,
        [BLOCK, _np("x", "ingress-typed", {"podSelector": {}, "policyTypes": ["Ingress"], "egress": [{}]})],
        {"x/a": False, "y/a": False},
        "blocked by block-metadata-access",
    ),
    (
        "cyclonus 'Policy allowing egress to ips': ipBlock cidr with host bits is its /24 network",
        CYCLONUS,
        [
            BLOCK,
            _np(
                "x",
                "vary-egress",
                {
                    "podSelector": {"matchLabels": {"pod": "a"}},
                    "policyTypes": ["Egress"],
                    "egress": [
                        {
                            "ports": [{"port": 80, "protocol": "TCP"}],
                            "to": [{"podSelector": {}}, {"ipBlock": {"cidr": "169.254.169.213/24"}}],
                        },
                        {"ports": [{"port": 53, "protocol": "UDP"}]},
                    ],
                },
            ),
        ],
        {"x/a": True, "x/b": False},
        "allowed by NetworkPolicy x/vary-egress egress rule 0",
    ),
    (
        "cyclonus 'Allowing a protocol should implicitly deny other protocols' (SCTP, all ports)",
        CYCLONUS,
        [
            _np(
                "x",
                "sctp-all",
                {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{"ports": [{"protocol": "SCTP"}]}]},
            )
        ],
        {"x/a": False, "y/a": True},
        "SCTP (all ports)",
    ),
    (
        "cyclonus isPortMatch: a named port never equals a number (to the metadata ipBlock)",
        CYCLONUS_PORTS,
        [
            BLOCK,
            _np(
                "x",
                "named",
                {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{"to": [IMDS], "ports": [{"port": "http"}]}]},
            ),
        ],
        {"x/a": False},
        "named port 'http' cannot match an IP block",
    ),
    (
        "clientv3 defaulting: v3 GNP without types and only ingress rules applies to Ingress only",
        CALICO_TYPES,
        [
            _gnp(
                "ingress-only",
                {"order": 1, "selector": "all()", "ingress": [{"action": "Deny"}]},
                "projectcalico.org/v3",
            )
        ],
        {"x/a": True},
        "ingress-only does not select this pod",
    ),
    (
        "docs types table: ingress and egress rules, no types -> Ingress, Egress",
        CALICO_DOCS,
        [
            _gnp(
                "both",
                {"order": 1, "selector": "all()", "ingress": [{"action": "Allow"}], "egress": [{"action": "Deny"}]},
            )
        ],
        {"x/a": False},
        "denied by GlobalNetworkPolicy both egress rule 0",
    ),
    (
        "docs: doNotTrack policies apply to host endpoints only",
        CALICO_DOCS,
        [_gnp("untracked", _deny_all(order=1, doNotTrack=True, applyOnForward=True))],
        {"x/a": True},
        "untracked does not select this pod",
    ),
    (
        "docs: applyOnForward does not stop a policy applying to workload endpoints",
        CALICO_DOCS,
        [_gnp("forward", _deny_all(order=1, applyOnForward=True))],
        {"x/a": False},
        "denied by GlobalNetworkPolicy forward egress rule 0",
    ),
    (
        "docs: Log does not end evaluation; the next rule denies",
        CALICO_DOCS,
        [
            BLOCK,
            _gnp("log", {"order": 1, "selector": "all()", "types": ["Egress"],
                         "egress": [{"action": "Log"}, {"action": "Deny"}]}),
        ],
        {"x/a": False},
        "denied by GlobalNetworkPolicy log egress rule 1",
    ),
    (
        "GNP policy namespaceSelector is ANDed with its selector (pcns.-prefixed)",
        CALICO_GNP,
        [_gnp("web-a", _deny_all(order=1, selector="pod == 'a'", namespaceSelector="team == 'web'"))],
        {"x/a": False, "x/b": True, "y/a": True},
        "denied by GlobalNetworkPolicy web-a",
    ),
    (
        "a GNP allowing the address, ordered before the block, wins",
        CALICO_SORTER,
        [BLOCK, _gnp("allow-imds", {"order": 10, "selector": "pod == 'a'", "types": ["Egress"],
                                    "egress": [{"action": "Allow", "destination": {"nets": ["169.254.169.254/32"]}}]})],
        {"x/a": True, "x/b": False},
        "allowed by GlobalNetworkPolicy allow-imds egress rule 0",
    ),
    (
        "PolKVLess: unordered policies sort by name; zz-deny comes after the block, whose rule does not match",
        CALICO_SORTER,
        [BLOCK, _gnp("zz-deny", {"selector": "all()", "types": ["Egress"],
                                 "egress": [{"action": "Deny", "destination": {"nets": ["169.254.169.254/32"]}}]})],
        {"x/a": False},
        "denied by GlobalNetworkPolicy zz-deny egress rule 0",
    ),
    (
        "spec silent, decided as Calico orders it: a Deny GNP of order 2000 comes after the NetworkPolicy (1000)",
        CALICO_SORTER,
        [
            _gnp("late-deny", _deny_all(order=2000)),
            _np("x", "allow-imds", {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{"to": [IMDS]}]}),
        ],
        {"x/a": True, "y/a": False},
        "allowed by NetworkPolicy x/allow-imds egress rule 0",
    ),
    (
        "Pass skips the rest of the tier, Kubernetes NetworkPolicies (default tier) included",
        CALICO_DOCS,
        [
            _gnp("pass-all", {"order": 1, "selector": "all()", "types": ["Egress"], "egress": [{"action": "Pass"}]}),
            _np("x", "deny", {"podSelector": {}, "policyTypes": ["Egress"]}),
        ],
        {"x/a": True},
        "passed to the next tier by GlobalNetworkPolicy pass-all",
    ),
    (
        "TierLess: a tier with an order runs before one without",
        CALICO_SORTER,
        [
            _tier("a-sec", None),
            _tier("z-sec", 100),
            _gnp("a-sec.allow", {"tier": "a-sec", "selector": "all()", "types": ["Egress"],
                                 "egress": [{"action": "Allow"}]}),
            _gnp("z-sec.deny", _deny_all(tier="z-sec")),
        ],
        {"x/a": False},
        "denied by GlobalNetworkPolicy z-sec.deny",
    ),
    (
        "tierprocessor: defaultAction Deny (and anything but Pass) ends the tier in a deny",
        CALICO_TIERS,
        [
            _tier("sec", 100, "Deny"),
            _gnp("sec.other", {"tier": "sec", "selector": "all()", "types": ["Egress"],
                               "egress": [{"action": "Deny", "destination": {"nets": ["10.0.0.0/8"]}}]}),
        ],
        {"x/a": False},
        "Calico's implicit deny applies",
    ),
    (
        "profile labels: a pcns. selector does not select pods of other namespaces",
        CALICO_CONVERSION,
        [_gnp("web", _deny_all(order=1, selector="pcns.team == 'web'"))],
        {"y/a": True},
        "web does not select this pod",
    ),
]

#: Rows lokonb got wrong before this file (each added with its fix): empty policyTypes/types lists, Tier
#: defaultAction Pass, the pcns./pcsa. labels workload endpoints inherit from namespace and service-account profiles.
AUDIT_VECTORS_FIXED: list[Row] = [
    (
        "policyTypes [] with egress rules is defaulted like an absent list: Egress isolation",
        K8S_DEFAULTS,
        [
            _np(
                "x",
                "empty-types",
                {"podSelector": {}, "policyTypes": [], "egress": [{"to": [{"ipBlock": {"cidr": "10.0.0.0/8"}}]}]},
            )
        ],
        {"x/a": False, "y/a": True},
        "egress-isolated by NetworkPolicy x/empty-types",
    ),
    (
        "types: [] is 'empty or nil': defaulted to Egress when there are egress rules",
        CALICO_DOCS,
        [_gnp("empty-types", _deny_all(order=1, types=[]))],
        {"x/a": False},
        "denied by GlobalNetworkPolicy empty-types egress rule 0",
    ),
    (
        "tierprocessor: defaultAction Pass hands unmatched traffic to the next tier (none: profile allows)",
        CALICO_TIERS,
        [
            _tier("sec", 100, "Pass"),
            _gnp("sec.other", {"tier": "sec", "selector": "all()", "types": ["Egress"],
                               "egress": [{"action": "Deny", "destination": {"nets": ["10.0.0.0/8"]}}]}),
        ],
        {"x/a": True},
        "tier sec decides and the tier's defaultAction is Pass",
    ),
    (
        "tierprocessor: defaultAction Pass, then the block GNP in the default tier blocks",
        CALICO_TIERS,
        [
            _tier("sec", 100, "Pass"),
            _gnp("sec.other", {"tier": "sec", "selector": "all()", "types": ["Egress"],
                               "egress": [{"action": "Deny", "destination": {"nets": ["10.0.0.0/8"]}}]}),
            BLOCK,
        ],
        {"x/a": False},
        "blocked by block-metadata-access",
    ),
    (
        "NamespaceToProfile: endpoints inherit pcns.<namespace label>",
        CALICO_CONVERSION,
        [_gnp("web", _deny_all(order=1, selector="pcns.team == 'web'"))],
        {"x/a": False, "x/b": False, "y/a": True},
        "denied by GlobalNetworkPolicy web egress rule 0",
    ),
    (
        "NamespaceToProfile: endpoints inherit pcns.projectcalico.org/name",
        CALICO_CONVERSION,
        [_gnp("ns-y", _deny_all(order=1, selector="pcns.projectcalico.org/name == 'y'"))],
        {"y/a": False, "x/a": True},
        "denied by GlobalNetworkPolicy ns-y egress rule 0",
    ),
    (
        "ServiceAccountToProfile: endpoints inherit pcsa.projectcalico.org/name",
        CALICO_CONVERSION,
        [_gnp("builder", _deny_all(order=1, selector="pcsa.projectcalico.org/name == 'builder'"))],
        {"x/a": False, "x/b": True},
        "denied by GlobalNetworkPolicy builder egress rule 0",
    ),
    (
        "ServiceAccountToProfile: a serviceAccountSelector on the ServiceAccount's labels (from the dump)",
        CALICO_CONVERSION,
        [BUILDER_SA, _gnp("ci", _deny_all(order=1, serviceAccountSelector="team == 'ci'"))],
        {"x/a": False, "x/b": True},
        "denied by GlobalNetworkPolicy ci egress rule 0",
    ),
    (
        "ServiceAccountToProfile: endpoints inherit pcsa.<service account label>",
        CALICO_CONVERSION,
        [BUILDER_SA, _gnp("ci", _deny_all(order=1, selector="pcsa.team == 'ci'"))],
        {"x/a": False, "x/b": True},
        "denied by GlobalNetworkPolicy ci egress rule 0",
    ),
    (
        "profile labels in a Calico NetworkPolicy selector",
        CALICO_CONVERSION,
        [_cnp("x", "web", _deny_all(order=1, selector="pcns.team == 'web' && pod == 'b'"))],
        {"x/a": True, "x/b": False},
        "no cluster-wide block",
    ),
]


def _check(case: str, objects: list[Any], expect: dict[str, bool], reason: str) -> None:
    got = _verdicts(objects)
    for key, reachable in expect.items():
        assert got[key].reachable is reachable, (case, key, got[key].reason)
    first = got[next(iter(expect))]
    assert reason in first.reason, (case, first.reason)


ROW_FIELDS = ("case", "source", "objects", "expect", "reason")


@pytest.mark.parametrize(ROW_FIELDS, AUDIT_VECTORS, ids=[r[0] for r in AUDIT_VECTORS])
def test_audit_vectors_r2(case: str, source: str, objects: list[Any], expect: dict[str, bool], reason: str) -> None:
    assert source
    _check(case, objects, expect, reason)


@pytest.mark.parametrize(ROW_FIELDS, AUDIT_VECTORS_FIXED, ids=[r[0] for r in AUDIT_VECTORS_FIXED])
def test_audit_vectors_r2_fixed(
    case: str, source: str, objects: list[Any], expect: dict[str, bool], reason: str
) -> None:
    assert source
    _check(case, objects, expect, reason)


def test_service_account_selectors_without_service_accounts_are_noted() -> None:
    inv = Inventory(source="vectors-r2")
    inv.add(_gnp("ci", _deny_all(order=1, serviceAccountSelector="team == 'ci'")), "vectors-r2")
    inv.add(_pod("x/a", {"pod": "a"}, sa="builder"), "vectors-r2")
    result = audit_inventory(inv)
    assert result.verdicts[0].reachable is True  # nothing tells lokonb the account's labels
    assert any("no ServiceAccount objects" in n for n in result.notes)
    inv.add(BUILDER_SA, "vectors-r2")
    result = audit_inventory(inv)
    assert result.verdicts[0].reachable is False
    assert not any("ServiceAccount" in n for n in result.notes)


# ------------------------------------------------------------------------------------------------------------
# rendered NetworkPolicies against the API server's ipBlock validation
# ------------------------------------------------------------------------------------------------------------


def validate_ip_block(block: dict[str, Any]) -> list[str]:
    """``ValidateIPBlock`` (K8S_VALIDATION): each except must be a strict subset of cidr; errors as field paths."""
    cidr = ipaddress.ip_network(block["cidr"], strict=False)
    errors = []
    for i, text in enumerate(block.get("except") or []):
        exc = ipaddress.ip_network(text, strict=False)
        inside = exc.version == cidr.version and exc.network_address in cidr
        if not inside or cidr.prefixlen >= exc.prefixlen:
            errors.append(f"except[{i}]: {text} must be a strict subset of `cidr`")
    return errors


def _api_errors(policy: dict[str, Any]) -> list[str]:
    return [
        err
        for rule in policy["spec"].get("egress") or []
        for peer in rule.get("to") or []
        if "ipBlock" in peer
        for err in validate_ip_block(peer["ipBlock"])
    ]


def test_validate_ip_block_transcription_can_fail() -> None:
    assert validate_ip_block({"cidr": "10.0.0.0/24", "except": ["10.0.0.0/24", "192.168.0.0/24", "10.0.0.0/25"]}) == [
        "except[0]: 10.0.0.0/24 must be a strict subset of `cidr`",
        "except[1]: 192.168.0.0/24 must be a strict subset of `cidr`",
    ]


#: (metadata_cidrs, include): every rendered rule and every offered rule must pass ValidateIPBlock.
RENDER_VECTORS: list[tuple[list[str], list[str]]] = [
    (["169.254.169.254/32"], ["dns", "all-but-metadata"]),
    (["169.254.169.254/32", "fd00:ec2::254/128"], ["all-but-metadata"]),
    (["169.254.0.0/16"], []),
]
#: Inputs that rendered an except equal to its cidr (0.0.0.0/0 except 0.0.0.0/0) before this file.
RENDER_VECTORS_FIXED: list[tuple[list[str], list[str]]] = [
    (["0.0.0.0/0"], []),
    (["169.254.169.254/32", "::/0"], ["all-but-metadata"]),
    (["169.254.169.254/32", "::/0"], []),
]


@pytest.mark.parametrize(("cidrs", "include"), RENDER_VECTORS + RENDER_VECTORS_FIXED)
def test_rendered_ip_blocks_pass_api_validation(cidrs: list[str], include: list[str]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MetadataPolicyWarning)
        allow = allow_metadata_policy("apps", {"matchLabels": {"app": "x"}}, metadata_cidrs=cidrs, include=include)
    assert _api_errors(allow.policy) == []
    for name, rule in allow.offered_rules.items():
        assert _api_errors({"spec": {"egress": [rule]}}) == [], name
        assert rule.get("to") != [], name  # an empty 'to' would allow every destination


def test_all_but_metadata_with_nothing_left_is_a_clear_error() -> None:
    with pytest.raises(PolicyInputError) as err:
        allow_metadata_policy(
            "apps", {"matchLabels": {"app": "x"}}, metadata_cidrs=["0.0.0.0/0", "::/0"], include=["all-but-metadata"]
        )
    assert err.value.field == "include" and "leave no address to allow" in str(err.value)
