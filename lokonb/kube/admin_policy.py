"""AdminNetworkPolicy and BaselineAdminNetworkPolicy (``policy.networking.k8s.io/v1alpha1``) for the audit.

Semantics of kubernetes-sigs/network-policy-api (API types and conformance tests): ANPs select pods through
``subject`` (``namespaces`` or ``pods``), run before NetworkPolicies by ``priority`` (lower first), and their egress
rules ``Allow`` (final), ``Deny`` (final) or ``Pass`` (skip the remaining ANPs; NetworkPolicies and then the BANP
decide). The BANP runs only for traffic no NetworkPolicy decided. An ANP without egress rules does not affect egress.

Calico (3.29+; the BANP from 3.30) enforces them as tiers, which is how the audit evaluates them: the ANPs in tier
:data:`ANP_TIER` (order 1000, before the default tier) and the BANP in tier :data:`BANP_TIER` (after the default
tier), both ending in Pass when no rule decides.

Only two egress peers can hold the metadata address: ``networks`` (CIDRs). ``namespaces``, ``pods`` and ``nodes``
select pod and node IPs; ``domainNames`` are not resolved here. A peer with none of the known fields is "fail
closed" (API docs): an Allow rule matches nothing, a Deny or Pass rule everything.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping
from typing import Any

from lokonb.kube.errors import DumpError, PolicyInputError
from lokonb.kube.labels import LabelSelector
from lokonb.kube.metadata import as_calico_network

API_GROUP = "policy.networking.k8s.io"
API_VERSION = f"{API_GROUP}/v1alpha1"
ANP_TIER = "adminnetworkpolicy"
BANP_TIER = "baselineadminnetworkpolicy"
#: Calico's orders of the tiers it creates for ANPs (the default tier's is 1,000,000, the BANP tier runs after it).
ANP_TIER_ORDER = 1000.0
#: Rule actions per kind (the BANP has no Pass: nothing runs after it).
ACTIONS: dict[str, tuple[str, ...]] = {
    "AdminNetworkPolicy": ("Allow", "Deny", "Pass"),
    "BaselineAdminNetworkPolicy": ("Allow", "Deny"),
}
#: Egress peers that name pods, namespaces, nodes or domains: why each cannot match the metadata address here.
PEERS_NEVER_MATCHING: dict[str, str] = {
    "namespaces": "namespaces peers select pod IPs",
    "pods": "pods peers select pod IPs",
    "nodes": "nodes peers select node IPs",
    "domainNames": "domainNames peers are not resolved by the audit",
}
_PROTOCOLS = ("TCP", "UDP", "SCTP")

Subject = Callable[[str, Mapping[str, str], Mapping[str, str]], bool]


def _selector(data: Any, where: str) -> LabelSelector:
    try:
        return LabelSelector.parse(data if data is not None else {}, where)
    except PolicyInputError as exc:
        raise DumpError(str(exc)) from None


def parse_subject(spec: Mapping[str, Any], where: str) -> Subject:
    """``subject`` as a predicate on (namespace, pod labels, namespace labels); exactly one field must be set."""
    subject = spec.get("subject")
    if not isinstance(subject, Mapping) or len(subject) != 1 or next(iter(subject)) not in ("namespaces", "pods"):
        raise DumpError(f"{where}: spec.subject must set exactly one of namespaces, pods (got {subject!r:.80})")
    if "namespaces" in subject:
        ns_sel = _selector(subject["namespaces"], f"{where} spec.subject.namespaces")
        return lambda _ns, _labels, ns_labels: ns_sel.matches(ns_labels)
    pods = subject["pods"]
    if not isinstance(pods, Mapping):
        raise DumpError(f"{where}: spec.subject.pods must be a mapping with namespaceSelector and podSelector")
    ns_sel = _selector(pods.get("namespaceSelector"), f"{where} spec.subject.pods.namespaceSelector")
    pod_sel = _selector(pods.get("podSelector"), f"{where} spec.subject.pods.podSelector")
    return lambda _ns, labels, ns_labels: ns_sel.matches(ns_labels) and pod_sel.matches(labels)


def priority(spec: Mapping[str, Any], where: str) -> float:
    value = spec.get("priority")
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 1000:
        raise DumpError(f"{where}: spec.priority must be an integer from 0 to 1000, got {value!r}")
    return float(value)


def _contains(cidr: Any, ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    try:
        net = ipaddress.ip_network(str(cidr), strict=False)
    except ValueError:
        raise ValueError(f"networks entry {cidr!r} is not a CIDR") from None
    net = as_calico_network(net)  # Calico stores ::ffff:169.254.169.254/128 as 169.254.169.254/32
    return net.version == ip.version and ip in net


def _peers(to: Any, ip: ipaddress.IPv4Address | ipaddress.IPv6Address, action: str) -> tuple[bool, str]:
    if not isinstance(to, list) or not to:
        raise TypeError("'to' must be a non-empty list of peers")
    whys: list[str] = []
    for peer in to:
        if not isinstance(peer, Mapping):
            raise TypeError(f"peer {peer!r:.40} is not a mapping")
        known = [k for k in peer if k == "networks" or k in PEERS_NEVER_MATCHING]
        if not known:  # an unknown peer type: fail closed
            if action == "Allow":
                whys.append(f"unknown peer {sorted(peer)} matches nothing in an Allow rule (fail closed)")
                continue
            return True, ""
        for key in known:
            if key != "networks":
                whys.append(PEERS_NEVER_MATCHING[key])
            elif any(_contains(c, ip) for c in peer["networks"] or []):
                return True, ""
            else:
                whys.append(f"networks {list(peer['networks'] or [])} do not contain {ip}")
    return False, ", ".join(dict.fromkeys(whys))


def _ports(ports: Any, port: int) -> tuple[bool, str]:
    if ports is None or ports == []:  # "If Ports is not set then the rule does not filter traffic via port"
        return True, ""
    if not isinstance(ports, list):
        raise TypeError("'ports' must be a list")
    whys: list[str] = []
    for entry in ports:
        if not isinstance(entry, Mapping) or len(entry) != 1:
            raise TypeError(f"ports entry {entry!r:.60} must set exactly one of portNumber, portRange, namedPort")
        kind, value = next(iter(entry.items()))
        if kind == "namedPort":
            whys.append(f"named port {value!r} cannot match an address outside the cluster")
            continue
        if kind not in ("portNumber", "portRange") or not isinstance(value, Mapping):
            raise TypeError(f"unknown ports entry {kind!r}")
        proto = str(value.get("protocol") or "TCP").upper()
        if proto not in _PROTOCOLS:
            raise ValueError(f"protocol {proto!r} (allowed: {', '.join(_PROTOCOLS)})")
        lo, hi = (value["port"], value["port"]) if kind == "portNumber" else (value["start"], value["end"])
        if proto == "TCP" and int(lo) <= port <= int(hi):
            return True, ""
        whys.append(f"{proto} {lo}" if lo == hi else f"{proto} {lo}-{hi}")
    return False, f"ports allow only {', '.join(whys)}, not TCP {port}"


def validate_egress(rules: Any, kind: str, where: str) -> list[Mapping[str, Any]]:
    """The egress rules of an ANP/BANP, each checked whole (so a rule no pod reaches still names its fault)."""
    if not isinstance(rules, list):
        raise DumpError(f"{where}: spec.egress must be a list of rules")
    probe = ipaddress.ip_address("192.0.2.1")  # TEST-NET-1: any address checks the shapes
    for i, rule in enumerate(rules):
        try:
            if not isinstance(rule, Mapping):
                raise TypeError("not a mapping")
            match_egress_rule(rule, probe, 0, kind)
            for peer in rule["to"]:
                for cidr in (peer.get("networks") or []) if isinstance(peer, Mapping) else []:
                    _contains(cidr, probe)
        except (TypeError, ValueError, KeyError) as exc:
            raise DumpError(f"{where}: egress rule {i} is malformed ({exc.__class__.__name__}: {exc})") from None
    return list(rules)


def match_egress_rule(
    rule: Mapping[str, Any], ip: ipaddress.IPv4Address | ipaddress.IPv6Address, port: int, kind: str
) -> tuple[str, bool, str]:
    """(action, matches, why not) for one ANP/BANP egress rule and a TCP connection to ``ip``:``port``."""
    action = str(rule.get("action") or "")
    if action not in ACTIONS[kind]:
        raise ValueError(f"action {action!r} (allowed: {', '.join(ACTIONS[kind])})")
    peers_ok, peers_why = _peers(rule.get("to"), ip, action)
    ports_ok, ports_why = _ports(rule.get("ports"), port)
    why = "; ".join(w for w, ok in ((peers_why, peers_ok), (ports_why, ports_ok)) if not ok and w)
    return action, peers_ok and ports_ok, why
