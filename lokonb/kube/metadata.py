"""EC2 metadata-access policies: the cluster-wide Calico block and the NetworkPolicies that allow chosen pods.

The shapes are those of ``metadata.md`` §1-§2 (the form Lokomotive installs):

* :func:`render_block_policy` - the ``block-metadata-access`` GlobalNetworkPolicy
  (``crd.projectcalico.org/v1``):
  every workload endpoint may send egress anywhere except the blocked CIDRs; traffic to them matches no rule
  and
  falls to Calico's implicit deny. No ``order``, so Kubernetes NetworkPolicies (order 1000) that allow the
  address are evaluated first and win. Host-network pods are host traffic and are not covered.
* :func:`allow_metadata_policy` - a ``networking.k8s.io/v1`` NetworkPolicy for chosen pods, ``mode="open"``
  (the documented, very open example) or ``mode="metadata-only"`` (TCP 80 to the metadata address only).
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from lokonb.errors import kind_name
from lokonb.kube.errors import PolicyInputError
from lokonb.kube.labels import LabelSelector, dns1123_label_error, dns1123_subdomain_error

METADATA_IP = "169.254.169.254"
METADATA_PORT = 80
DEFAULT_BLOCKED_CIDRS: tuple[str, ...] = ("169.254.169.254/32",)
BLOCK_POLICY_NAME = "block-metadata-access"
CALICO_GROUP = "crd.projectcalico.org"
CALICO_VERSION = "v1"
GNP_PLURAL = "globalnetworkpolicies"
MODES: tuple[str, ...] = ("metadata-only", "open")
#: Rules the metadata-only mode offers to add so selected pods keep other egress.
EXTRA_RULES: tuple[str, ...] = ("dns", "all-but-metadata")
#: The example of the Lokomotive AWS documentation ("a very open NetworkPolicy"), reproduced by mode="open".
DOCUMENTED_OPEN_EXAMPLE = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-metadata-access
spec:
  podSelector:
    matchLabels:
      foo: foo
  policyTypes:
  - Egress
  egress:
  - to:
    - ipBlock:
        cidr: 0.0.0.0/0
"""
OPEN_WARNING = (
    "mode=open allows the selected pods egress to every address, the metadata endpoint included: "
    "this is a very open NetworkPolicy; prefer mode=metadata-only in production"
)


class MetadataPolicyWarning(UserWarning):
    """A rendered policy is valid but deserves the user's attention (normalised CIDR, very open policy...)."""


# The EC2 metadata endpoint (IPv4 and the Nitro IPv6 address) and the shortest prefix that still looks like a
# deliberate block rather than a typo such as 0.0.0.0/0 or 169.254.0.0/1.
METADATA_ADDRESSES = ("169.254.169.254", "fd00:ec2::254")
_BROAD_PREFIX = {4: 16, 6: 64}


def as_calico_network(
    net: ipaddress.IPv4Network | ipaddress.IPv6Network,
) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    """A network as Calico enforces it: an IPv4-mapped IPv6 prefix of 96 bits or more is the IPv4 network it maps.

    libcalico-go turns every CIDR it stores back into text with Go's ``IPNet.String()`` (``k8sPeerToCalicoFields``
    for NetworkPolicy ipBlocks, ``NormalizeIPNets`` for Calico rule nets), which prints ``::ffff:169.254.169.254/128``
    as ``169.254.169.254/32`` (and ``::ffff:0:0/96`` as ``0.0.0.0/0``); felix then sorts CIDRs into IPv4 and IPv6 by
    that text. Shorter prefixes lose the ``ffff`` marker when masked and stay IPv6.
    """
    if net.version == 6 and net.prefixlen >= 96:
        mapped = net.network_address.ipv4_mapped
        if mapped is not None:
            return ipaddress.IPv4Network(f"{mapped}/{net.prefixlen - 96}")
    return net


def normalize_cidrs(
    cidrs: Iterable[str] | str, *, field_name: str = "blocked_cidrs"
) -> tuple[list[str], list[str]]:
    """Validate CIDRs; return ``(normalised, warnings)``.

    A bare IP becomes /32 (/128) with a warning; host bits are cleared with a warning; duplicates are dropped.
    Raises :class:`PolicyInputError` naming the field and entry for anything that is not an IP network.
    """
    if isinstance(cidrs, str):
        cidrs = [cidrs]
    if isinstance(cidrs, bytes | Mapping) or not isinstance(cidrs, Iterable):  # None/5: "object is not iterable"
        raise PolicyInputError(field_name, f"must be a CIDR or a list of CIDRs (e.g. ['169.254.169.254/32']), got "
                                           f"{kind_name(cidrs)}")
    out: list[str] = []
    notes: list[str] = []
    items = list(cidrs)
    if not items:
        raise PolicyInputError(field_name, "at least one CIDR is required (default 169.254.169.254/32)")
    for i, raw in enumerate(items):
        where = f"{field_name}[{i}]"
        if not isinstance(raw, str) or not raw.strip():
            raise PolicyInputError(where, f"{raw!r} is not a CIDR (expected e.g. 169.254.169.254/32)")
        text = raw.strip()
        try:
            if "/" not in text:
                addr = ipaddress.ip_address(text)
                net = ipaddress.ip_network(f"{addr}/{addr.max_prefixlen}")
                notes.append(f"{where}: bare IP {text} normalised to {net}")
            else:
                net = ipaddress.ip_network(text, strict=False)
                if str(net) != text and net.with_prefixlen != text:
                    strict_ok = True
                    try:
                        ipaddress.ip_network(text, strict=True)
                    except ValueError:
                        strict_ok = False
                    if not strict_ok:
                        notes.append(f"{where}: {text} has host bits set; normalised to {net}")
        except ValueError:
            raise PolicyInputError(
                where, f"{raw!r} is not a valid CIDR (expected e.g. 169.254.169.254/32 or fd00:ec2::254/128)"
            ) from None
        mapped = as_calico_network(net)
        if mapped is not net:  # Calico stores it as IPv4 (an IPv6 rule would leave IPv4 to the address open)
            notes.append(f"{where}: {text} is the IPv4-mapped form of {mapped}; normalised to {mapped}")
            net = mapped
        if str(net) not in out:
            out.append(str(net))
            if net.prefixlen < _BROAD_PREFIX[net.version]:
                notes.append(f"{where}: {net} denies egress to {net.num_addresses:,} addresses, far beyond the "
                             "metadata endpoint: pods lose that part of the network (blocks are usually /32 or /128)")
    if field_name == "blocked_cidrs" and not any(
        ipaddress.ip_address(ip) in ipaddress.ip_network(c) for c in out for ip in METADATA_ADDRESSES
        if ipaddress.ip_address(ip).version == ipaddress.ip_network(c).version
    ):
        notes.append(f"{field_name}: none of {', '.join(out)} covers the EC2 metadata endpoint "
                     f"({' or '.join(METADATA_ADDRESSES)}): pods can still reach it")
    return out, notes


def _warn(messages: Iterable[str]) -> None:
    for message in messages:
        warnings.warn(message, MetadataPolicyWarning, stacklevel=3)


def _networks(cidrs: Sequence[str] | str, field_name: str) -> list[str]:
    """Already-normalised CIDRs of the rule builders: one string is one CIDR (not its letters), and an entry that is
    not a network is named instead of a bare ValueError."""
    items = [cidrs] if isinstance(cidrs, str) else list(cidrs)
    for i, cidr in enumerate(items):
        try:
            if not isinstance(cidr, str):  # ip_network(5) is 0.0.0.5/32
                raise TypeError(cidr)
            ipaddress.ip_network(cidr)
        except (TypeError, ValueError):
            raise PolicyInputError(f"{field_name}[{i}]", f"{cidr!r:.60} is not a normalised CIDR (expected e.g. "
                                   "169.254.169.254/32; normalize_cidrs() turns other forms into one)") from None
    return items


def block_policy_rules(blocked_cidrs: Sequence[str]) -> list[dict[str, Any]]:
    """The egress rules of the block policy for already-normalised CIDRs.

    One rule (``Allow`` to ``notNets``) when all CIDRs are IPv4, as Lokomotive installs it. Calico rejects a rule
    mixing IPv4 and IPv6 nets, so other lists get one rule per family with ``ipVersion``. Felix drops a rule for a
    family its CIDR lists do not mention (``FilterRuleToIPVersion``): IPv6-only ``notNets`` alone denied every pod
    all IPv4 egress, so IPv4 always gets a rule (allow-all when none of its addresses is blocked).
    """
    blocked_cidrs = _networks(blocked_cidrs, "blocked_cidrs")
    families: dict[int, list[str]] = {4: []}
    for cidr in blocked_cidrs:
        families.setdefault(ipaddress.ip_network(cidr).version, []).append(cidr)
    if set(families) == {4}:
        return [{"action": "Allow", "destination": {"notNets": list(blocked_cidrs)}}]
    return [
        {"action": "Allow", "ipVersion": version, **({"destination": {"notNets": nets}} if nets else {})}
        for version, nets in sorted(families.items())
    ]


def render_block_policy(blocked_cidrs: Sequence[str] = DEFAULT_BLOCKED_CIDRS) -> dict[str, Any]:
    """The ``block-metadata-access`` GlobalNetworkPolicy as a plain dict (``crd.projectcalico.org/v1``).

    Args:
        blocked_cidrs: addresses pods must not reach (default ``["169.254.169.254/32"]``; add
            ``fd00:ec2::254/128`` for the IPv6 IMDS endpoint). A bare IP is normalised to /32 or /128 with a
            :class:`MetadataPolicyWarning`.

    Raises:
        PolicyInputError: an entry is not a valid CIDR, or the list is empty.
    """
    cidrs, notes = normalize_cidrs(blocked_cidrs)
    _warn(notes)
    return {
        "apiVersion": f"{CALICO_GROUP}/{CALICO_VERSION}",
        "kind": "GlobalNetworkPolicy",
        "metadata": {"name": BLOCK_POLICY_NAME},
        "spec": {
            "selector": "!has(host-endpoint)",
            "types": ["Egress"],
            "egress": block_policy_rules(cidrs),
        },
    }


@dataclass
class AllowPolicy:
    """A rendered allow NetworkPolicy with the warnings and offers that go with it."""

    policy: dict[str, Any]
    mode: str
    warnings: list[str] = field(default_factory=list)
    #: Rules offered (not included) so the selected pods keep their other egress, by name (see EXTRA_RULES).
    offered_rules: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return str(self.policy["metadata"]["name"])


#: Addresses a NodeLocal DNSCache listens on: the upstream addon's default and Lokomotive's ``node_local_dns_ip``
#: default (aws.md). The cache runs in the host network, so no namespace/pod selector can match it. Not in the
#: rule by default (metadata.md §2: DNS is "UDP/TCP 53 to kube-system"); pass them as ``node_local_dns``.
NODE_LOCAL_DNS_IPS: tuple[str, ...] = ("169.254.20.10", "169.254.1.1")
#: Addresses no pod can use as its DNS cache, with the reason (checked in this order).
_NOT_A_DNS_CACHE: tuple[tuple[str, str], ...] = (
    ("is_unspecified", "the unspecified address"),
    ("is_loopback", "a loopback address (the pod's own, not its node's)"),
    ("is_multicast", "a multicast address"),
)


def dns_cache_addresses(addresses: Sequence[str] | str, *, field_name: str = "node_local_dns") -> list[str]:
    """Validate NodeLocal DNSCache addresses; return them in canonical form, duplicates dropped.

    One string is one address. An IPv4-mapped IPv6 address is its IPv4 address (Calico stores it so).

    Raises:
        PolicyInputError: naming ``field_name[i]``, for an entry that is not a unicast IP address (a CIDR, a name,
            the unspecified, loopback or multicast address) or is the metadata endpoint.
    """
    items = [addresses] if isinstance(addresses, str) else list(addresses)
    out: list[str] = []
    for i, raw in enumerate(items):
        try:
            addr = ipaddress.ip_address(raw.strip() if isinstance(raw, str) else "")
        except ValueError:
            addr, why = None, "not an IP address"
        if addr is not None:
            if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped:
                addr = addr.ipv4_mapped
            why = "the EC2 metadata endpoint" if str(addr) in METADATA_ADDRESSES else next(
                (what for attribute, what in _NOT_A_DNS_CACHE if getattr(addr, attribute)), "")
        if why:
            raise PolicyInputError(f"{field_name}[{i}]", f"{raw!r:.60} is not a DNS cache address: {why} (allowed: "
                                   "an IP address such as 169.254.20.10)")
        if str(addr) not in out:
            out.append(str(addr))
    return out


def node_local_dns_from_config(config: Any) -> tuple[str, ...]:
    """The NodeLocal DNSCache address of a cluster model (``lokonb.config.ClusterConfig``): its
    ``node_local_dns_ip`` when ``enable_node_local_dns`` is on, else none (the spec's DNS rule)."""
    if not getattr(config, "enable_node_local_dns", False):
        return ()
    return (str(config.node_local_dns_ip),)


def dns_rule(node_local_dns: Sequence[str] = ()) -> dict[str, Any]:
    """Egress to DNS (UDP and TCP 53): the pods of kube-system, and the NodeLocal DNSCache addresses given.

    A pod whose resolv.conf points at a node-local cache sends DNS to a link-local address of its node, which a
    ``namespaceSelector`` never matches (host-network pods have no pod identity): on such a cluster pass the
    cache's address (e.g. :data:`NODE_LOCAL_DNS_IPS`), or the pod loses DNS. The ipBlocks are port 53 only.
    """
    blocks = []
    for ip in dns_cache_addresses(node_local_dns):
        addr = ipaddress.ip_address(ip)
        blocks.append({"ipBlock": {"cidr": f"{addr}/{addr.max_prefixlen}"}})
    return {
        "to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}}, *blocks],
        "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
    }


def all_but_metadata_rule(metadata_cidrs: Sequence[str] = DEFAULT_BLOCKED_CIDRS) -> dict[str, Any] | None:
    """Egress to every address except the metadata CIDRs (one ipBlock per IP family).

    The API server requires each ``except`` to be a strict subset of ``cidr`` (``ValidateIPBlock``), so a family
    whose metadata CIDRs include the whole family (``/0``) gets no ipBlock: nothing of it is left to allow. None
    when nothing is left at all (an empty ``to`` would allow every destination).
    """
    metadata_cidrs = _networks(metadata_cidrs, "metadata_cidrs")
    peers = []
    for version, everything in ((4, "0.0.0.0/0"), (6, "::/0")):
        excepts = [c for c in metadata_cidrs if ipaddress.ip_network(c).version == version]
        if any(ipaddress.ip_network(c).prefixlen == 0 for c in excepts):
            continue
        if excepts or version == 4:
            block: dict[str, Any] = {"cidr": everything}
            if excepts:
                block["except"] = excepts
            peers.append({"ipBlock": block})
    return {"to": peers} if peers else None


def derive_policy_name(selector: LabelSelector) -> str:
    """``allow-metadata-<selector>``: a valid DNS-1123 name of at most 63 characters."""
    if selector.is_empty:
        return "allow-metadata-all-pods"
    raw = "-".join(
        [f"{k}-{v}" for k, v in selector.match_labels]
        + [f"{r.key}-{r.operator}-{'-'.join(r.values)}" for r in selector.match_expressions]
    )
    slug = re.sub(r"-+", "-", re.sub(r"[^a-z0-9-]", "-", raw.lower())).strip("-") or "selector"
    name = f"allow-metadata-{slug}"
    if len(name) > 63:
        digest = hashlib.sha256(raw.encode()).hexdigest()[:8]
        name = f"{name[:54].rstrip('-')}-{digest}"
    return name


def allow_metadata_policy(
    namespace: str | None,
    pod_selector: Mapping[str, Any] | LabelSelector | None,
    *,
    mode: Literal["metadata-only", "open"] | str = "metadata-only",
    name: str | None = None,
    include: Sequence[str] = (),
    metadata_cidrs: Sequence[str] = DEFAULT_BLOCKED_CIDRS,
    other_egress_policies: Sequence[str] | None = None,
    node_local_dns: Sequence[str] = (),
) -> AllowPolicy:
    """Render a NetworkPolicy allowing the selected pods to reach the metadata endpoint.

    Args:
        namespace: the pods' namespace. ``None`` leaves ``metadata.namespace`` out, as in the documented
            example
            (``kubectl apply`` then uses the context's namespace); an empty string is an error.
        pod_selector: ``{"matchLabels": ..., "matchExpressions": ...}`` (or a :class:`LabelSelector`).
        mode: ``"metadata-only"`` (default: TCP 80 to the metadata CIDRs) or ``"open"`` (egress to 0.0.0.0/0,
            the documented very open example).
        name: policy name; derived as ``allow-metadata-<selector>`` when not given.
        include: extra rules to add in metadata-only mode: ``"dns"`` and/or ``"all-but-metadata"``.
        metadata_cidrs: the metadata address(es) metadata-only mode allows.
        other_egress_policies: names of other Egress policies already selecting these pods, when known (from
            an
            audit); ``None`` means unknown, and the loss-of-egress warning is given.
        node_local_dns: NodeLocal DNSCache addresses the ``dns`` rule also allows (port 53 only; none by default,
            the spec's rule; :data:`NODE_LOCAL_DNS_IPS` for the usual ones).

    Raises:
        PolicyInputError: empty/invalid namespace or name, bad selector, unknown mode or extra rule.
    """
    if mode not in MODES:
        raise PolicyInputError("mode", f"unknown mode {mode!r}; allowed: {', '.join(MODES)}")
    if namespace is not None:
        err = dns1123_label_error(namespace, "namespace")
        if err:
            raise PolicyInputError("namespace", err)
    selector = LabelSelector.parse(pod_selector, "pod_selector")
    contradiction = selector.contradiction()
    if contradiction:  # an allow policy that allows nothing: the operator believes the pods can reach IMDS
        raise PolicyInputError("pod_selector", contradiction)
    if name is None:
        name = derive_policy_name(selector)
    else:
        err = dns1123_subdomain_error(name, "name")
        if err or len(name) > 63:
            raise PolicyInputError("name", err or f"name {name!r} is longer than 63 characters")
    # one name as a plain string, as metadata_cidrs takes one CIDR (include="dns" was read letter by letter:
    # "unknown rule(s) ['d', 'n', 's']"; other_egress_policies="x" a policy named x only by luck)
    include = (include,) if isinstance(include, str) else tuple(include)
    if isinstance(other_egress_policies, str):
        other_egress_policies = (other_egress_policies,)
    unknown = [r for r in include if r not in EXTRA_RULES]
    if unknown:
        raise PolicyInputError("include", f"unknown rule(s) {unknown}; allowed: {', '.join(EXTRA_RULES)}")
    cidrs, notes = normalize_cidrs(metadata_cidrs, field_name="metadata_cidrs")
    meta: dict[str, Any] = {"name": name}
    if namespace is not None:
        meta["namespace"] = namespace
    spec: dict[str, Any] = {"podSelector": selector.to_dict(), "policyTypes": ["Egress"]}
    result_warnings = list(notes)
    offered: dict[str, dict[str, Any]] = {}
    if mode == "open":
        if include:
            raise PolicyInputError(
                "include", "extra rules only apply to mode=metadata-only (open allows all)"
            )
        spec["egress"] = [{"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}]}]
        result_warnings.append(OPEN_WARNING)
    else:
        rules: list[dict[str, Any]] = [
            {
                "to": [{"ipBlock": {"cidr": c}} for c in cidrs],
                "ports": [{"protocol": "TCP", "port": METADATA_PORT}],
            }
        ]
        builders = {"dns": lambda: dns_rule(node_local_dns), "all-but-metadata": lambda: all_but_metadata_rule(cidrs)}
        for extra in EXTRA_RULES:
            rule = builders[extra]()
            if rule is None and extra in include:
                raise PolicyInputError(
                    "include", f"{extra!r}: metadata_cidrs {', '.join(cidrs)} leave no address to allow"
                )
            if rule is None:
                continue
            if extra in include:
                rules.append(rule)
            else:
                offered[extra] = rule
        spec["egress"] = rules
        if "all-but-metadata" not in include:
            lost = "all other egress" if "dns" not in include else "all other egress except DNS"
            if other_egress_policies is None:
                result_warnings.append(
                    f"pods selected by {name} are egress-isolated by it: unless other Egress NetworkPolicies "
                    f"select them, they lose {lost}{'' if 'dns' in include else ', DNS included'}. Add the "
                    "offered rules with include=['dns', 'all-but-metadata'] (CLI: --include dns "
                    "--include all-but-metadata) if they need it"
                )
            elif not other_egress_policies:
                result_warnings.append(
                    f"no other Egress NetworkPolicy selects these pods: with {name} they lose {lost}"
                    f"{'' if 'dns' in include else ', DNS included'}; add the offered 'dns' and "
                    "'all-but-metadata' rules if they need it"
                )
    return AllowPolicy(
        {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": meta, "spec": spec},
        mode,
        result_warnings,
        offered,
    )


def documented_open_example() -> dict[str, Any]:
    """The documented example as a dict (what ``mode="open"`` must reproduce)."""
    import yaml

    return yaml.safe_load(DOCUMENTED_OPEN_EXAMPLE)


def to_yaml(objects: Iterable[Mapping[str, Any]]) -> str:
    """Serialise objects as a multi-document YAML stream (key order kept, ``---`` between documents)."""
    import yaml

    return "---\n".join(yaml.safe_dump(dict(o), sort_keys=False, default_flow_style=False) for o in objects)
