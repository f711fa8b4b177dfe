"""Who can reach the EC2 metadata endpoint (TCP 80 to 169.254.169.254), and why.

The model is the one Calico enforces on a Lokomotive cluster:

* Finished pods (phase Succeeded/Failed, or terminating with the CNI's pod IP annotation emptied) have no Calico
  endpoint and open no connections: unreachable, whatever the policies (libcalico-go ``IsFinished``).
* Pods in the host network namespace are host traffic: no pod policy applies (``metadata.md`` §4 rule 1).
* Kubernetes NetworkPolicies are Calico policies of order 1000 in the default tier; a pod is egress-isolated
  by
  every NetworkPolicy that selects it (same namespace, ``podSelector``) with ``Egress`` in ``policyTypes``
  (defaulted to ``Egress`` when there are ``egress`` rules and no ``policyTypes``); their egress rules are
  unioned: one rule whose peers (an ``ipBlock`` containing the address and not excepting it, or an
  empty/absent
  ``to``) and ports (empty, or TCP 80 by number or ``port``..``endPort``; named ports never match an IP block)
  match allows it (rule 3). An ``endPort`` the API server refuses (no or a named ``port``, below ``port``) is an
  error, not "every port".
* Calico GlobalNetworkPolicies (and Calico NetworkPolicies) apply by ``selector``/``namespaceSelector``/
  ``serviceAccountSelector`` and ``types`` (absent in a ``crd.projectcalico.org/v1`` object: felix applies it to
  ingress and egress; ``projectcalico.org/v3`` objects were defaulted from their rules); they are evaluated by
  ``order`` (none = last; equal orders by the name Calico stores, ``knp.default.<name>`` for a NetworkPolicy), rule
  by rule (``Allow``/``Deny``/``Pass``/``Log``); when policies applied in a tier but no rule decided, Calico's
  implicit deny drops the packet. That is how ``block-metadata-access`` blocks (its only rule allows everything
  *but* the address) and why a NetworkPolicy allow, ordered before it, wins (rules 2-4). Rule selectors reach the
  address only through a GlobalNetworkSet or a NetworkSet holding it (the latter only from its own namespace's
  policies or through a rule ``namespaceSelector``).
* AdminNetworkPolicies run before the default tier and the BaselineAdminNetworkPolicy after it, as Calico tiers
  (:mod:`lokonb.kube.admin_policy`).
* No policy at all applies -> reachable: "no cluster-wide block".

IMDSv2 knowledge (tokens required, hop limit) per node refines the answer for reachable pods: with
``HttpTokens=required`` and hop limit 1 a pod-network pod reaches the port but cannot get a session token.
Host-network pods are not behind an extra hop, so the hop limit does not stop them (AWS and EKS guidance).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from lokonb.errors import kind_name, wrong_kind
from lokonb.kube import admin_policy
from lokonb.kube.calico_selector import NAMESPACED, Matcher, SelectorSyntaxError, compile_selector
from lokonb.kube.errors import DumpError, PolicyInputError
from lokonb.kube.labels import LabelSelector
from lokonb.kube.metadata import BLOCK_POLICY_NAME, METADATA_IP, METADATA_PORT, as_calico_network
from lokonb.kube.sources import Inventory, load_cluster, load_dump

K8S_NP_ORDER = 1000.0
#: The name Calico gives a Kubernetes NetworkPolicy (libcalico-go ``names.K8sNetworkPolicyNamePrefix``); felix breaks
#: ties of equal order by this name, not by the Kubernetes one.
K8S_NP_NAME_PREFIX = "knp.default."
#: Node annotations lokonb reads for IMDS settings (EC2 metadata options are not visible in Kubernetes).
ANNOTATION_HTTP_TOKENS = "lokonb.io/imds-http-tokens"
ANNOTATION_HOP_LIMIT = "lokonb.io/imds-hop-limit"
COLUMNS: tuple[str, ...] = (
    "namespace",
    "pod",
    "node",
    "reachable",
    "reason",
    "policy",
    "host_network",
    "imds_token",
    "phase",
)
#: What a Cilium policy means for the verdicts (Cilium docs: policy language, enforcement modes, deny policies).
_CILIUM_NOTE = (
    "Cilium policies are not modelled (lokonb models Calico, Lokomotive's CNI; where Cilium is the CNI, Calico "
    "policies such as block-metadata-access are not enforced at all). In Cilium a policy with egress rules puts the "
    "pods it selects in default deny (unless enableDefaultDeny.egress is false); 169.254.169.254 is outside the "
    "cluster, so it is the world entity: toEntities world or all, or a toCIDR/toCIDRSet holding it (not excepted), "
    "allows it (host and remote-node name node addresses), toFQDNs only through DNS names that resolve to it, and an "
    "egressDeny matching it wins over every allow. Check the pods they select by hand"
)
#: Policy kinds a dump may hold that the audit does not evaluate, and what that means for the verdicts.
UNEVALUATED_POLICY_KINDS: dict[str, str] = {
    "ClusterNetworkPolicy": "the successor of AdminNetworkPolicy (v1alpha2) is not modelled; it may allow or deny "
    "pods' egress before NetworkPolicies, check the pods it selects by hand",
    "StagedGlobalNetworkPolicy": "staged policies are not enforced",
    "StagedNetworkPolicy": "staged policies are not enforced",
    "StagedKubernetesNetworkPolicy": "staged policies are not enforced",
    "CiliumNetworkPolicy": _CILIUM_NOTE,
    "CiliumClusterwideNetworkPolicy": _CILIUM_NOTE,
}
#: The default tier's order when the source holds no Tier object for it (projectcalico v3 ``DefaultTierOrder``).
DEFAULT_TIER_ORDER = 1_000_000.0
#: Tier ``spec.defaultAction`` values that do not end in Calico's implicit deny (everything else is Deny).
TIER_END_ACTIONS: dict[str, str] = {"Pass": "Pass"}
#: Label prefixes of the profiles Calico derives from a pod's Namespace and ServiceAccount (libcalico-go
#: ``conversion.NamespaceToProfile``/``ServiceAccountToProfile``); each profile also labels its object's name.
PROFILE_LABEL_PREFIXES: dict[str, str] = {"namespace": "pcns.", "serviceaccount": "pcsa."}
PROFILE_NAME_LABEL = "projectcalico.org/name"
#: Calico rule CIDR lists felix filters to the packet's IP version (FilterRuleToIPVersion): a list left empty by
#: the filter drops the whole rule for that version.
_CALICO_NET_FIELDS: tuple[tuple[str, str], ...] = (
    ("source", "nets"),
    ("source", "notNets"),
    ("destination", "nets"),
    ("destination", "notNets"),
)
#: The client (source) ports a pod's TCP connection uses: Linux's default net.ipv4.ip_local_port_range
#: (Documentation/networking/ip-sysctl). A Calico rule's source ports match every connection only when they hold
#: the whole range, none when they hold none of it.
EPHEMERAL_PORTS = (32768, 60999)
_PROTOCOL_NUMBERS = {"TCP": 6, "UDP": 17, "ICMP": 1, "ICMPV6": 58, "SCTP": 132, "UDPLITE": 136}


#: Pod phases Calico treats as finished (libcalico-go ``conversion.IsFinished``; "Completed" is documented but not an
#: API phase): it removes the pod's workload endpoint, and a finished pod opens no connections at all.
FINISHED_PHASES = frozenset({"Succeeded", "Failed", "Completed"})
#: Annotations a CNI empties when it removes a terminating pod's network (Calico CNI, AWS VPC CNI): from then on the
#: pod is finished for Calico even in its termination grace period (``IsFinished``).
NETWORK_REMOVED_ANNOTATIONS = ("cni.projectcalico.org/podIP", "vpc.amazonaws.com/pod-ips")


def _finished(pod: Mapping[str, Any]) -> str:
    """Why the pod has no network any more ("" while it may still connect)."""
    meta = pod.get("metadata") or {}
    annotations = meta.get("annotations") if isinstance(meta.get("annotations"), Mapping) else {}
    if meta.get("deletionTimestamp"):
        gone = [a for a in NETWORK_REMOVED_ANNOTATIONS if annotations.get(a) == ""]
        if gone:
            return f"terminating and its network is removed ({gone[0]} is empty)"
    phase = str((pod.get("status") or {}).get("phase") or "")
    return f"finished (phase {phase})" if phase in FINISHED_PHASES else ""


#: The keys of a node_imds entry (EC2's MetadataOptions names, in snake case).
IMDS_KEYS = ("http_tokens", "hop_limit")


@dataclass(frozen=True)
class ImdsSettings:
    """The EC2 instance metadata options of a node."""

    tokens_required: bool
    hop_limit: int

    @classmethod
    def parse(cls, data: Mapping[str, Any], field_name: str = "node_imds") -> ImdsSettings:
        unknown = sorted(str(k) for k in data if k not in IMDS_KEYS)
        if unknown:  # a typo (http_token: optional) would silently read as required: tokens wrongly "blocked"
            raise PolicyInputError(f"{field_name}.{unknown[0]}", f"unknown key; allowed: {', '.join(IMDS_KEYS)}")
        tokens = str(data.get("http_tokens", "required")).lower()
        if tokens not in ("required", "optional"):
            raise PolicyInputError(f"{field_name}.http_tokens", f"{tokens!r}; allowed: required, optional")
        hop = data.get("hop_limit", 1)
        if isinstance(hop, bool) or not isinstance(hop, int) or not 1 <= hop <= 64:
            raise PolicyInputError(f"{field_name}.hop_limit", f"{hop!r}; must be an integer from 1 to 64")
        return cls(tokens == "required", hop)


@dataclass
class PodVerdict:
    """The audit answer for one pod."""

    namespace: str
    pod: str
    node: str
    reachable: bool
    reason: str
    policy: str
    host_network: bool
    imds_token: str
    phase: str


@dataclass
class AuditResult:
    """Verdicts for every pod plus a summary."""

    verdicts: list[PodVerdict]
    source: str
    block_policy: str | None
    notes: list[str] = field(default_factory=list)
    #: no audit ran (the notebook's ``action: render``): counts are unknown, not zero
    skipped: bool = False

    def ordered(self) -> list[PodVerdict]:
        """Reachable pod-network pods first, then reachable host-network pods, then blocked ones."""
        return sorted(self.verdicts, key=lambda v: (not v.reachable, v.host_network, v.namespace, v.pod))

    def records(self) -> list[dict[str, Any]]:
        """JSON-able rows (``namespace``, ``pod``, ``node``, ``reachable``, ``reason``, ``policy``, ...)."""
        return [asdict(v) for v in self.ordered()]

    def table(self) -> Any:
        """A pandas DataFrame with :data:`COLUMNS`, reachable pods first."""
        import pandas as pd

        return pd.DataFrame(self.records(), columns=list(COLUMNS))

    def summary(self) -> dict[str, Any]:
        """Counts and the reachable pods (pod-network ones first); counts are None when the audit was skipped,
        so a report never says "0 pods can reach it" about pods nobody looked at."""
        reach = [v for v in self.ordered() if v.reachable]
        if self.skipped:
            counts = ("pods", "reachable", "reachable_pod_network", "reachable_host_network", "blocked",
                      "token_blocked_by_hop_limit", "reachable_pods")
            return {"source": self.source, **dict.fromkeys(counts), "block_policy": self.block_policy,
                    "notes": list(self.notes)}
        return {
            "source": self.source,
            "pods": len(self.verdicts),
            "reachable": len(reach),
            "reachable_pod_network": sum(not v.host_network for v in reach),
            "reachable_host_network": sum(v.host_network for v in reach),
            "blocked": len(self.verdicts) - len(reach),
            "token_blocked_by_hop_limit": sum(v.imds_token.startswith("blocked") for v in reach),
            "block_policy": self.block_policy,
            "reachable_pods": [f"{v.namespace}/{v.pod}" for v in reach],
            "notes": list(self.notes),
        }


# ------------------------------------------------------------------------------------------------------------
# policies
# ------------------------------------------------------------------------------------------------------------


@dataclass
class _Policy:
    kind: str  # "NetworkPolicy" (Kubernetes), "GlobalNetworkPolicy", "CalicoNetworkPolicy", "AdminNetworkPolicy", ...
    name: str
    namespace: str | None
    order: float | None
    tier: str
    egress: list[dict[str, Any]]
    applies_to: Any  # callable(pod_ctx) -> bool
    #: Why an egress-isolating policy without egress rules applies to egress at all (empty: its types say so).
    untyped: str = ""

    @property
    def ref(self) -> str:
        return f"{self.namespace}/{self.name}" if self.namespace else self.name

    @property
    def title(self) -> str:
        kind = "Calico NetworkPolicy" if self.kind == "CalicoNetworkPolicy" else self.kind
        return f"{kind} {self.ref}"

    @property
    def sort_key(self) -> tuple[bool, float, str]:
        """Felix's ``PolKVLess``: by order (none = +Inf, last), ties by "<name>/<namespace>" with the name Calico
        stores (a Kubernetes NetworkPolicy ``x`` is ``knp.default.x``, so a Calico policy ``deny`` runs first)."""
        name = K8S_NP_NAME_PREFIX + self.name if self.kind == "NetworkPolicy" else self.name
        return (self.order is None, self.order or 0.0, f"{name}/{self.namespace or ''}")


@dataclass
class _PodCtx:
    namespace: str
    name: str
    labels: dict[str, str]
    calico_labels: dict[str, str]
    ns_labels: dict[str, str]
    service_account: str
    ips: list[ipaddress.IPv4Address | ipaddress.IPv6Address]
    #: The service account's labels plus projectcalico.org/name (what serviceAccountSelectors match).
    sa_labels: dict[str, str] = field(default_factory=dict)


#: Where each policy kind keeps its types. When the list is absent *or empty*, the Kubernetes API server
#: (``SetDefaults_NetworkPolicy`` tests ``len(PolicyTypes) == 0``) and Calico's clientv3/API server
#: (``defaultPolicyTypesField``, used by calicoctl and ``projectcalico.org/v3``) default it from the rules: Egress
#: only when the policy has egress rules.
_TYPES_FIELD = {"NetworkPolicy": "policyTypes", "Calico": "types"}
#: Calico objects nothing defaulted: a ``crd.projectcalico.org/v1`` object written with kubectl bypasses clientv3
#: (calicoctl and the API server store ``types``), and felix reads a missing list as Ingress *and* Egress
#: (``PolKV.governsType``: "Back-compatibility: no Types means Ingress and Egress").
UNDEFAULTED_API_VERSIONS = frozenset({"crd.projectcalico.org/v1"})


def _isolates_egress(spec: Mapping[str, Any], kind: str, api_version: str | None = None) -> bool:
    types = spec.get(_TYPES_FIELD[kind])
    if not types:
        return kind == "Calico" and api_version in UNDEFAULTED_API_VERSIONS or bool(spec.get("egress"))
    if kind == "Calico":  # felix compares with strings.EqualFold; older Calico CRDs accept any string
        return any(str(t).lower() == "egress" for t in types)
    return "Egress" in types


def _compile(text: Any, where: str) -> Matcher:
    try:
        return compile_selector(str(text) if text is not None else "")
    except SelectorSyntaxError as exc:
        shown = repr(text) if len(str(text)) <= 120 else f"{str(text)[:80]!r}... ({len(str(text)):,} characters)"
        raise DumpError(f"{where}: invalid Calico selector {shown}: {exc}") from None


def _order(value: Any, where: str) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise DumpError(f"{where}: order {value!r} is not a number") from None


def _label_str(value: Any) -> Any:
    """Label values as the API stores them: hand-written dumps may hold unquoted YAML numbers or booleans."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


def _lenient_selector(sel: Any) -> Any:
    if not isinstance(sel, Mapping):
        return sel
    out = dict(sel)
    if isinstance(out.get("matchLabels"), Mapping):
        out["matchLabels"] = {str(k): _label_str(v) for k, v in out["matchLabels"].items()}
    if isinstance(out.get("matchExpressions"), list):
        out["matchExpressions"] = [
            {**e, "values": [_label_str(v) for v in e.get("values") or []]} if isinstance(e, Mapping) else e
            for e in out["matchExpressions"]
        ]
    return out


def _k8s_policy(obj: Mapping[str, Any]) -> _Policy:
    meta, spec = obj.get("metadata") or {}, obj.get("spec") or {}
    ns, name = str(meta.get("namespace") or "default"), str(meta["name"])
    where = f"NetworkPolicy {ns}/{name}"
    try:
        selector = LabelSelector.parse(
            _lenient_selector(spec.get("podSelector")), f"{where} spec.podSelector"
        )
    except PolicyInputError as exc:
        raise DumpError(str(exc)) from None
    egress = spec.get("egress") or []
    if not isinstance(egress, list):
        raise DumpError(f"{where}: spec.egress must be a list")
    isolates = _isolates_egress(spec, "NetworkPolicy")
    return _Policy(
        "NetworkPolicy",
        name,
        ns,
        K8S_NP_ORDER,
        "default",
        list(egress),
        lambda pod: isolates and pod.namespace == ns and selector.matches(pod.labels),
    )


def _calico_policy(obj: Mapping[str, Any], namespaced: bool) -> _Policy:
    meta, spec = obj.get("metadata") or {}, obj.get("spec") or {}
    ns = str(meta.get("namespace") or "default") if namespaced else None
    name = str(meta["name"])
    kind = "CalicoNetworkPolicy" if namespaced else "GlobalNetworkPolicy"
    where = f"{kind} {ns + '/' if ns else ''}{name}"
    selector = _compile(spec.get("selector"), f"{where} spec.selector")
    ns_sel = (
        _compile(spec.get("namespaceSelector"), f"{where} spec.namespaceSelector")
        if spec.get("namespaceSelector")
        else None
    )
    sa_sel = (
        _compile(spec.get("serviceAccountSelector"), f"{where} spec.serviceAccountSelector")
        if spec.get("serviceAccountSelector")
        else None
    )
    egress = spec.get("egress") or []
    if not isinstance(egress, list):
        raise DumpError(f"{where}: spec.egress must be a list")
    host_only = bool(spec.get("doNotTrack") or spec.get("preDNAT"))  # these apply to host endpoints only
    isolates = _isolates_egress(spec, "Calico", str(obj.get("apiVersion"))) and not host_only

    def applies(pod: _PodCtx) -> bool:
        if not isolates or (ns is not None and pod.namespace != ns):
            return False
        if not selector(pod.calico_labels):
            return False
        if ns_sel is not None and not ns_sel(pod.ns_labels):
            return False
        return sa_sel is None or sa_sel(pod.sa_labels)

    tier = str(spec.get("tier") or "default")
    untyped = ""
    if isolates and not spec.get("types") and not egress:
        untyped = f"no types in {obj.get('apiVersion')}: felix applies it to egress too"
    return _Policy(kind, name, ns, _order(spec.get("order"), where), tier, list(egress), applies, untyped)


def _admin_policy(obj: Mapping[str, Any], kind: str) -> _Policy:
    meta, spec = obj.get("metadata") or {}, obj.get("spec") or {}
    name = str(meta["name"])
    where = f"{kind} {name}"
    subject = admin_policy.parse_subject(spec, where)
    egress = admin_policy.validate_egress(spec.get("egress") or [], kind, where)
    baseline = kind == "BaselineAdminNetworkPolicy"
    order = 0.0 if baseline else admin_policy.priority(spec, where)
    tier = admin_policy.BANP_TIER if baseline else admin_policy.ANP_TIER

    def applies(pod: _PodCtx) -> bool:  # no egress rules: egress is not affected
        return bool(egress) and subject(pod.namespace, pod.labels, pod.ns_labels)

    return _Policy(kind, name, None, order, tier, list(egress), applies)


# ------------------------------------------------------------------------------------------------------------
# rule matching
# ------------------------------------------------------------------------------------------------------------


class _FieldError(ValueError):
    """A rule field of the wrong shape; its message names the field and what is allowed."""


def _nets(value: Any, field: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """A list of CIDRs (or bare addresses, as Calico allows) read strictly: the API server refuses anything else, so
    a hand-edited dump with a typo is an error naming the field, not a rule that silently matches nothing (and a
    string, iterated letter by letter, is not a list)."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise _FieldError(f"{field} must be a list of CIDRs such as [169.254.169.254/32], got {value!r:.60}")
    out = []
    for item in value:
        try:
            out.append(as_calico_network(ipaddress.ip_network(item, strict=False)) if isinstance(item, str) else None)
        except ValueError:
            out.append(None)
        if out[-1] is None:
            raise _FieldError(f"{field}: {item!r:.60} is not a CIDR (allowed: an address block such as "
                             "169.254.169.254/32 or 10.0.0.0/8)")
    return out


def _check_end_port(entry: Mapping[str, Any], index: int) -> None:
    """``endPort`` as the API server validates it (networking/v1 NetworkPolicyPort: "cannot be defined if the port
    field is not defined or ... is a named (string) port", "must be equal or greater than port"). Read loosely, an
    ``endPort`` without ``port`` would match every TCP port and allow the address on an object no cluster holds."""
    end, port = entry.get("endPort"), entry.get("port")
    if end is None:
        return
    where = f"ports[{index}].endPort"
    if isinstance(end, bool) or not isinstance(end, int):
        raise _FieldError(f"{where} must be an integer port number, got {end!r:.40}")
    if port is None:
        raise _FieldError(f"{where} {end} is given without port (allowed only with a numeric port <= endPort)")
    if isinstance(port, str) or isinstance(port, bool) or not isinstance(port, int):
        raise _FieldError(f"{where} {end} is given with the named port {port!r:.40} (allowed only with a numeric port)")
    if end < port:
        raise _FieldError(f"{where} {end} is less than port {port} (it must be equal or greater)")


@dataclass(frozen=True)
class _NetSet:
    """A (Global)NetworkSet holding the audited address, as Calico's rule selectors see it."""

    namespace: str | None  # None: a GlobalNetworkSet
    #: what rule selectors match: its labels; a namespaced set also gets projectcalico.org/namespace and inherits
    #: its namespace profile's pcns.<key> labels (libcalico-go ``convertNetworkSetV2ToV1Value``)
    labels: dict[str, str]
    #: what a rule's namespaceSelector is evaluated on (its namespace's labels; none for a global set)
    ns_view: dict[str, str]


class _Matcher:
    """Matches one packet (TCP, destination ``ip``:``port``) against Kubernetes and Calico egress rules."""

    def __init__(
        self,
        ip: str,
        port: int,
        network_sets: Sequence[Mapping[str, Any]],
        ns_profile: Callable[[str], dict[str, str]],
    ) -> None:
        self.ip = ipaddress.ip_address(ip)
        self.port = port
        # network sets holding the address: a Calico rule selector can only match the address through them
        self.sets: list[_NetSet] = []
        for obj in network_sets:
            meta = obj.get("metadata") if isinstance(obj.get("metadata"), Mapping) else {}
            ns = str(meta["namespace"]) if meta.get("namespace") else None
            try:
                nets = _nets((obj.get("spec") or {}).get("nets"), "spec.nets")
            except _FieldError as exc:
                where = f"NetworkSet {ns}/" if ns else "GlobalNetworkSet "
                raise DumpError(f"{where}{meta.get('name')} is malformed: {exc}") from None
            if not any(self._in(n) for n in nets):
                continue
            own = {str(k): str(_label_str(v)) for k, v in (meta.get("labels") or {}).items()}
            if ns is None:
                self.sets.append(_NetSet(None, own, {}))
                continue
            profile = ns_profile(ns)
            inherited = {f"{PROFILE_LABEL_PREFIXES['namespace']}{k}": v for k, v in profile.items()}
            labels = {**inherited, **own, "projectcalico.org/namespace": ns}
            self.sets.append(_NetSet(ns, labels, {**profile, NAMESPACED: ""}))

    def _in(self, net: ipaddress.IPv4Network | ipaddress.IPv6Network) -> bool:
        return net.version == self.ip.version and self.ip in net

    # Kubernetes NetworkPolicy -------------------------------------------------------------------------------

    def k8s_rule(self, rule: Mapping[str, Any]) -> tuple[bool, str]:
        """(matches, why not) for one NetworkPolicy egress rule."""
        peers_ok, peers_why = self._k8s_peers(rule.get("to"))
        ports_ok, ports_why = self._k8s_ports(rule.get("ports"))
        if peers_ok and ports_ok:
            return True, ""
        return False, "; ".join(
            w for w in (peers_why if not peers_ok else "", ports_why if not ports_ok else "") if w
        )

    def _k8s_peers(self, to: Any) -> tuple[bool, str]:
        if not to:  # absent or empty: every destination
            return True, ""
        if not isinstance(to, list):
            raise _FieldError(f"'to' must be a list of peers, got {kind_name(to, document=True)}")
        whys = []
        for peer in to:
            block = peer.get("ipBlock") if isinstance(peer, Mapping) else None
            if block is None:
                whys.append("pod/namespace selector peers never match the metadata address")
                continue
            cidr = block.get("cidr")
            if not isinstance(cidr, str):
                raise _FieldError(f"ipBlock.cidr must be a CIDR string such as 169.254.169.254/32, got {cidr!r:.60}")
            if not self._in(_nets([cidr], "ipBlock.cidr")[0]):
                whys.append(f"ipBlock {cidr} does not contain {self.ip}")
                continue
            excluded = [e for e in _nets(block.get("except"), "ipBlock.except") if self._in(e)]
            if excluded:
                whys.append(f"ipBlock {cidr} excepts {excluded[0]}, which contains {self.ip}")
                continue
            return True, ""
        return False, ", ".join(dict.fromkeys(whys))

    def _k8s_ports(self, ports: Any) -> tuple[bool, str]:
        if not ports:
            return True, ""
        if not isinstance(ports, list):
            raise _FieldError(f"'ports' must be a list of ports, got {kind_name(ports, document=True)}")
        whys = []
        for i, p in enumerate(ports):
            proto = str(p.get("protocol") or "TCP").upper()
            port = p.get("port")
            _check_end_port(p, i)
            if proto != "TCP":
                whys.append(f"{proto} {port if port is not None else '(all ports)'}")
                continue
            if port is None:
                return True, ""
            if isinstance(port, str) and not port.isdigit():
                whys.append(f"named port {port!r} cannot match an IP block")
                continue
            if isinstance(
                port, str
            ):  # "80" as a string is not a valid port number; Calico treats it as a name
                whys.append(f"port {port!r} is a string (a named port), which cannot match an IP block")
                continue
            end = p.get("endPort")
            if end is not None and int(port) <= self.port <= int(end):
                return True, ""
            if end is None and int(port) == self.port:
                return True, ""
            whys.append(f"TCP {port}-{end}" if end is not None else f"TCP {port}")
        named = [w for w in whys if "named port" in w]
        numbered = [w for w in whys if "named port" not in w]
        parts = ([f"ports allow only {', '.join(numbered)}, not TCP {self.port}"] if numbered else []) + named
        return False, "; ".join(parts)

    # Calico -------------------------------------------------------------------------------------------------

    def _protocol(self, value: Any) -> int | None:
        if value is None:
            return None
        if isinstance(value, int):
            return value
        text = str(value).upper()
        return int(text) if text.isdigit() else _PROTOCOL_NUMBERS.get(text, -1)

    @staticmethod
    def _port_ranges(ports: Sequence[Any]) -> list[tuple[int, int]]:
        """The numeric entries of a Calico port list (``80``, ``"80"``, ``"1:1024"``) as ranges; anything else is
        a named port, which names workload ports, never the metadata address or a client's ephemeral port."""
        out = []
        for p in ports:
            text = str(p)
            lo, _, hi = text.partition(":") if ":" in text else (text, "", text)
            if lo.isdigit() and hi.isdigit():
                out.append((int(lo), int(hi)))
        return out

    def _calico_ports(self, ports: Sequence[Any]) -> bool:
        return any(lo <= self.port <= hi for lo, hi in self._port_ranges(ports))

    def _ephemeral_share(self, ports: Sequence[Any]) -> str:
        """How many of the :data:`EPHEMERAL_PORTS` the list holds: "all", "none" or "some"."""
        first, last = EPHEMERAL_PORTS
        held = set()
        for lo, hi in self._port_ranges(ports):
            held.update(range(max(lo, first), min(hi, last) + 1))
        return "all" if len(held) == last - first + 1 else "some" if held else "none"

    def calico_rule(self, rule: Mapping[str, Any], pod: _PodCtx, policy_ns: str | None) -> tuple[bool, str]:
        """(matches, why not) for one Calico egress rule of a policy in namespace ``policy_ns`` (None: global)."""
        if rule.get("ipVersion") not in (None, self.ip.version):
            return False, f"ipVersion {rule.get('ipVersion')}"
        proto = self._protocol(rule.get("protocol"))
        if proto is not None and proto != 6:
            return False, f"protocol {rule.get('protocol')}"
        if self._protocol(rule.get("notProtocol")) == 6:
            return False, "notProtocol TCP"
        for side, key in _CALICO_NET_FIELDS:
            # the family as felix sees it: ::ffff:169.254.169.254/128 reaches it as 169.254.169.254/32 (IPv4)
            nets = _nets((rule.get(side) or {}).get(key) or None, f"{side}.{key}")
            if nets and not any(n.version == self.ip.version for n in nets):
                v = self.ip.version
                return False, f"{side} {key} hold no IPv{v} CIDR, so felix drops the rule for IPv{v} traffic"
        src = rule.get("source") or {}
        ok, why = self._calico_source(src, pod)
        if not ok:
            return False, why
        dst = rule.get("destination") or {}
        return self._calico_destination(dst, policy_ns)

    def _calico_source(self, src: Mapping[str, Any], pod: _PodCtx) -> tuple[bool, str]:
        # the packet leaves from the pod address of the destination's family
        ips = [ip for ip in pod.ips if ip.version == self.ip.version]
        nets, not_nets = _nets(src.get("nets"), "source.nets"), _nets(src.get("notNets"), "source.notNets")
        if nets:
            if not ips:
                return False, f"source nets given but the pod's IPv{self.ip.version} address is unknown"
            if not any(ip in net for net in nets for ip in ips if net.version == ip.version):
                return False, "source nets do not contain the pod IP"
        if any(ip in net for net in not_nets for ip in ips if net.version == ip.version):
            return False, "source notNets contain the pod IP"
        if src.get("selector") and not compile_selector(str(src["selector"]))(pod.calico_labels):
            return False, f"source selector {src['selector']!r} does not match the pod"
        if src.get("notSelector") and compile_selector(str(src["notSelector"]))(pod.calico_labels):
            return False, "source notSelector matches the pod"
        if src.get("namespaceSelector") and not compile_selector(str(src["namespaceSelector"]), True)(
            {**pod.ns_labels, NAMESPACED: ""}
        ):
            return False, "source namespaceSelector does not match the pod's namespace"
        sas = src.get("serviceAccounts") or {}
        if sas.get("names") and pod.service_account not in sas["names"]:
            return False, "source serviceAccounts do not include the pod's"
        if sas.get("selector") and not compile_selector(str(sas["selector"]))(
            pod.sa_labels
        ):
            return False, "source serviceAccounts selector does not match"
        # The client port is ephemeral: a source port list decides only when it holds all of the range or none
        # of it; a part of it is read as not matching (ports) / matching (notPorts): it depends on the port.
        ephemeral = "the client's ephemeral ports {}-{} (Linux default; a pod's own sysctl may differ)".format(
            *EPHEMERAL_PORTS)
        if src.get("ports") and self._ephemeral_share(src["ports"]) != "all":
            return False, f"source ports hold {self._ephemeral_share(src['ports'])} of {ephemeral}"
        if src.get("notPorts") and self._ephemeral_share(src["notPorts"]) == "all":
            return False, f"source notPorts exclude all of {ephemeral}"
        return True, ""

    def _scoped_set_match(self, sel: str, ns_sel: str, policy_ns: str | None) -> tuple[bool, str]:
        """Whether a network set holding the address is in the rule's scope and matches its selector."""
        if ns_sel:
            in_ns = compile_selector(ns_sel, True)
            scope = [s for s in self.sets if in_ns(s.ns_view)]
            where = f"destination namespaceSelector {ns_sel!r}"
        elif policy_ns is not None:
            scope = [s for s in self.sets if s.namespace == policy_ns]
            where = (f"destination selector of a namespaced policy (scope: namespace {policy_ns}; add "
                     "namespaceSelector: global() for GlobalNetworkSets)")
        else:
            scope, where = list(self.sets), "destination selector"
        if not scope:
            return False, f"{where}: no network set in scope holds {self.ip}"
        match = compile_selector(sel)
        if not any(match(s.labels) for s in scope):
            return False, f"{where}: matches endpoints/network sets, not the metadata address"
        return True, ""

    def _calico_destination(self, dst: Mapping[str, Any], policy_ns: str | None) -> tuple[bool, str]:
        nets, not_nets = _nets(dst.get("nets"), "destination.nets"), _nets(dst.get("notNets"), "destination.notNets")
        if nets and not any(self._in(n) for n in nets):
            return False, f"destination nets {list(dst['nets'])} do not contain {self.ip}"
        if not_nets and any(self._in(n) for n in not_nets):
            return False, f"destination notNets contain {self.ip}"
        sel, ns_sel = dst.get("selector"), dst.get("namespaceSelector")
        if sel or ns_sel or dst.get("serviceAccounts") or (dst.get("notSelector") and policy_ns is not None):
            # Calico matches the destination against "(namespace scope) && (selector)" (updateprocessors
            # getEndpointSelector): the scope is the rule's namespaceSelector (all() = namespaced endpoints and
            # NetworkSets, global() = GlobalNetworkSets), else the policy's own namespace for a namespaced policy
            # (also when only notSelector is given), else everything. Only a network set can hold the address.
            if dst.get("serviceAccounts"):
                return False, "destination serviceAccounts names workloads, not the metadata address"
            ok, why = self._scoped_set_match(str(sel or ""), str(ns_sel or ""), policy_ns)
            if not ok:
                return False, why
        if dst.get("notSelector"):
            # notSelector is not scoped to a namespace: any network set holding the address that it matches
            sel = compile_selector(str(dst["notSelector"]))
            if any(sel(s.labels) for s in self.sets):
                return False, "destination notSelector matches a network set holding the address"
        if dst.get("services"):
            return False, "destination services names workloads, not the metadata address"
        if dst.get("ports") and not self._calico_ports(dst["ports"]):
            return False, f"destination ports {list(dst['ports'])} exclude {self.port}"
        if dst.get("notPorts") and self._calico_ports(dst["notPorts"]):
            return False, f"destination notPorts include {self.port}"
        return True, ""


# ------------------------------------------------------------------------------------------------------------
# the audit
# ------------------------------------------------------------------------------------------------------------


def _node_imds(inv: Inventory, node_imds: Mapping[str, Any] | None) -> dict[str, ImdsSettings]:
    out: dict[str, ImdsSettings] = {}
    for node in inv.nodes:
        ann = (node.get("metadata") or {}).get("annotations") or {}
        if ANNOTATION_HOP_LIMIT in ann or ANNOTATION_HTTP_TOKENS in ann:
            name = str(node["metadata"]["name"])
            try:
                hop = int(ann.get(ANNOTATION_HOP_LIMIT, 1))
            except ValueError:
                raise DumpError(
                    f"Node {name}: annotation {ANNOTATION_HOP_LIMIT}={ann[ANNOTATION_HOP_LIMIT]!r} "
                    "is not an integer"
                ) from None
            out[name] = ImdsSettings.parse(
                {"http_tokens": ann.get(ANNOTATION_HTTP_TOKENS, "required"), "hop_limit": hop},
                f"Node {name} annotations",
            )
    if node_imds is not None and not isinstance(node_imds, Mapping):
        raise PolicyInputError("node_imds", f"must be a mapping of node name (or \"*\" for every node) to "
                               f"{{http_tokens, hop_limit}}, got {kind_name(node_imds, document=True)}")
    for key, value in (node_imds or {}).items():
        if not isinstance(value, Mapping):
            raise PolicyInputError(f"node_imds.{key}", "must be a mapping with http_tokens and hop_limit")
        out[str(key)] = ImdsSettings.parse(value, f"node_imds.{key}")
    return out


def node_imds_from_config(config: Any) -> dict[str, dict[str, Any]]:
    """``node_imds`` for :func:`audit_metadata_access` from a cluster model (``lokonb.config.ClusterConfig``).

    EC2 metadata options are set per launch template (controllers and each worker pool). Kubernetes does not
    show which pool a node belongs to, so a cluster-wide ``"*"`` entry is returned only when controllers and
    all pools agree; otherwise ``{}`` (annotate the nodes with ``lokonb.io/imds-*`` instead).
    """
    groups = [config, *getattr(config, "worker_pools", ())]
    settings = {
        (bool(getattr(g, "imds_v2_required", True)), int(getattr(g, "metadata_hop_limit", 1) or 1))
        for g in groups
    }
    if len(settings) != 1:
        return {}
    tokens, hop = settings.pop()
    return {"*": {"http_tokens": "required" if tokens else "optional", "hop_limit": hop}}


def _imds_token(reachable: bool, host_network: bool, imds: ImdsSettings | None) -> str:
    if not reachable:
        return "n/a (endpoint unreachable)"
    if imds is None:
        return "unknown (node IMDS settings not known)"
    if not imds.tokens_required:
        return "obtainable (IMDSv1 allowed: no token needed)"
    if host_network:
        return "obtainable (host network: no extra hop, the hop limit does not apply)"
    if imds.hop_limit <= 1:
        return "blocked by hop limit 1 (IMDSv2 required)"
    return f"obtainable (hop limit {imds.hop_limit} lets the token reach the pod)"


# The shapes of the fields the audit reads, in the order it reads them: a dump edited by hand or produced by
# another tool is named by its first wrongly typed field rather than by a Python exception.
_SHAPES: tuple[tuple[tuple[str, ...], type, str], ...] = (
    (("metadata",), Mapping, "a mapping"),
    (("metadata", "labels"), Mapping, "a mapping of label names to values"),
    (("spec",), Mapping, "a mapping"),
    (("spec", "hostNetwork"), bool, "true or false"),
    (("spec", "containers"), list, "a list"),
    (("spec", "podSelector"), Mapping, "a mapping"),
    (("spec", "selector"), str, "a selector string"),
    (("spec", "egress"), list, "a list of rules"),
    (("spec", "ingress"), list, "a list of rules"),
    (("spec", "policyTypes"), list, "a list"),
    (("spec", "types"), list, "a list"),
)


def _shape_problem(obj: Mapping[str, Any]) -> str | None:
    for path, kind, allowed in _SHAPES:
        value: Any = obj
        for key in path:
            value = value.get(key) if isinstance(value, Mapping) else None
        if value is not None and not isinstance(value, kind):
            return f"{'.'.join(path)} must be {allowed}, got {value!r:.60}"
    return None


def _guarded(fn: Any, obj: Mapping[str, Any], *args: Any) -> Any:
    """Run ``fn(obj, ...)``; a wrongly shaped object becomes a DumpError naming it instead of a traceback. The
    shapes are checked first: a wrong type that raises nothing (``hostNetwork: "no"`` is truthy) would change the
    verdict silently."""
    shape = _shape_problem(obj)
    try:
        if shape is None:
            return fn(obj, *args)
        problem = f"is malformed: {shape}"
    except (AttributeError, TypeError, ValueError, KeyError) as exc:
        problem = f"is malformed ({exc.__class__.__name__}: {exc})"
    raw = obj.get("metadata")
    meta: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
    ns = f"{meta.get('namespace')}/" if meta.get("namespace") else ""
    raise DumpError(f"{obj.get('kind')} {ns}{meta.get('name')} {problem}")


class _Auditor:
    def __init__(self, inv: Inventory, ip: str, port: int) -> None:
        self.inv = inv
        self.ip, self.port = ip, port
        self.ns_labels: dict[str, dict[str, str]] = {}
        for ns in inv.namespaces:
            meta = ns.get("metadata") or {}
            self.ns_labels[str(meta["name"])] = dict(meta.get("labels") or {})
        self.match = _Matcher(ip, port, inv.network_sets, self.ns_profile)
        # ServiceAccount labels (dump or live list): the service-account profile gives them to pods as pcsa.<key>
        self.sa_labels: dict[tuple[str, str], dict[str, str]] = {}
        for sa in inv.service_accounts:
            meta = sa.get("metadata") or {}
            labels = meta.get("labels") if isinstance(meta.get("labels"), Mapping) else {}
            key = (str(meta.get("namespace") or "default"), str(meta["name"]))
            self.sa_labels[key] = {str(k): str(_label_str(v)) for k, v in labels.items()}
        self.policies = [_guarded(_k8s_policy, p) for p in inv.network_policies]
        self.policies += [_guarded(_calico_policy, p, False) for p in inv.global_policies]
        self.policies += [_guarded(_calico_policy, p, True) for p in inv.calico_policies]
        self.policies += [_guarded(_admin_policy, p, "AdminNetworkPolicy") for p in inv.admin_policies]
        self.policies += [_guarded(_admin_policy, p, "BaselineAdminNetworkPolicy") for p in inv.baseline_policies]
        # candidates per (tier, namespace): namespaced policies only ever select pods of their own namespace
        self._global: dict[str, list[_Policy]] = {}
        self._namespaced: dict[tuple[str, str], list[_Policy]] = {}
        for p in self.policies:
            if p.namespace is None:
                self._global.setdefault(p.tier, []).append(p)
            else:
                self._namespaced.setdefault((p.tier, p.namespace), []).append(p)
        # Calico creates the ANP/BANP tiers itself (ending in Pass); Tier objects in the source override these.
        tier_order: dict[str, float | None] = {admin_policy.ANP_TIER: admin_policy.ANP_TIER_ORDER}
        #: What a tier does with traffic its policies select but no rule decides (Calico's tierprocessor: any
        #: defaultAction but Pass is Deny).
        self.tier_end: dict[str, str] = {admin_policy.ANP_TIER: "Pass", admin_policy.BANP_TIER: "Pass"}
        for t in inv.tiers:
            name = str((t.get("metadata") or {}).get("name"))
            tier_spec = t.get("spec") or {}
            tier_order[name] = _order(tier_spec.get("order"), f"Tier {name}")
            self.tier_end[name] = TIER_END_ACTIONS.get(str(tier_spec.get("defaultAction")), "Deny")
        tiers = {p.tier for p in self.policies}
        unknown = [t for t in tiers if t not in ("default", admin_policy.BANP_TIER) and t not in tier_order]
        tier_order.setdefault("default", DEFAULT_TIER_ORDER)

        def tier_key(t: str) -> tuple[bool, float, int, str]:
            # TierLess: by order, a Tier without one last (+inf), ties by name; tiers the source has no Tier object
            # for are guessed to run just before the default tier; the BANP tier runs after everything
            if t in unknown:
                return (False, DEFAULT_TIER_ORDER, -1, t)
            order = tier_order.get(t)
            return (t == admin_policy.BANP_TIER, float("inf") if order is None else order, 0, t)

        self.tiers = sorted(tiers, key=tier_key)
        if unknown:
            inv.notes.append(
                f"tier order unknown for {', '.join(sorted(unknown))} (no Tier objects): evaluated "
                "before the default tier by name"
            )
        self.gnp_names = [p.name for p in self.policies if p.kind == "GlobalNetworkPolicy"]

    def ns_profile(self, ns: str) -> dict[str, str]:
        """The labels of Calico's profile for namespace ``ns``: its labels plus projectcalico.org/name (and
        kubernetes.io/metadata.name, which the API server sets, when the namespace was not listed)."""
        labels = dict(self.ns_labels.get(ns) or {"kubernetes.io/metadata.name": ns})
        labels.setdefault("kubernetes.io/metadata.name", ns)
        return {**labels, PROFILE_NAME_LABEL: ns}

    def pod_ctx(self, pod: Mapping[str, Any]) -> _PodCtx:
        meta, spec, status = pod.get("metadata") or {}, pod.get("spec") or {}, pod.get("status") or {}
        ns = str(meta["namespace"])
        labels = {str(k): str(_label_str(v)) for k, v in (meta.get("labels") or {}).items()}
        sa = str(spec.get("serviceAccountName") or spec.get("serviceAccount") or "default")
        ns_profile = self.ns_profile(ns)
        sa_profile = {**self.sa_labels.get((ns, sa), {}), PROFILE_NAME_LABEL: sa}
        # Workload endpoints inherit their profiles' labels (the pod's own labels win on a clash): Calico's
        # namespace profile carries the namespace labels as pcns.<key>, the service-account profile pcsa.<key>.
        inherited = {f"{PROFILE_LABEL_PREFIXES['namespace']}{k}": v for k, v in ns_profile.items()}
        inherited.update({f"{PROFILE_LABEL_PREFIXES['serviceaccount']}{k}": v for k, v in sa_profile.items()})
        calico = {
            **inherited,
            **labels,
            "projectcalico.org/namespace": ns,
            "projectcalico.org/orchestrator": "k8s",
            "projectcalico.org/serviceaccount": sa,
        }
        ips = []
        for entry in [status.get("podIP")] + [
            p.get("ip") for p in status.get("podIPs") or [] if isinstance(p, Mapping)
        ]:
            try:
                if entry:
                    ips.append(ipaddress.ip_address(str(entry)))
            except ValueError:
                pass
        return _PodCtx(
            ns,
            str(meta["name"]),
            labels,
            calico,
            ns_profile,
            sa,
            list(dict.fromkeys(ips)),
            sa_profile,
        )

    def evaluate(self, pod: Mapping[str, Any]) -> tuple[bool, str, str]:
        """(reachable, reason, policy) for one pod's TCP connection to the metadata address."""
        ctx = self.pod_ctx(pod)
        done = _finished(pod)
        if done:
            return False, f"{done}: Calico removed its endpoint and it opens no connections", ""
        if (pod.get("spec") or {}).get("hostNetwork"):
            return True, "host network: not subject to pod network policy", ""
        what = f"TCP {self.port} to {self.ip}"
        passed: list[str] = []
        for tier in self.tiers:
            candidates = self._global.get(tier, []) + self._namespaced.get((tier, ctx.namespace), [])
            applicable = sorted((p for p in candidates if p.applies_to(ctx)), key=lambda p: p.sort_key)
            if not applicable:
                continue
            misses: list[str] = []
            verdict: tuple[bool, str, str] | None = None
            tier_passed = False
            for pos, pol in enumerate(applicable):
                action, index, why_not = self._first_match(pol, ctx)
                if action is None:
                    misses.append(self._miss_text(pol, why_not))
                    continue
                rule = f"egress rule {index}"
                if action == "Allow":
                    reason = f"allowed by {pol.title} {rule}"
                    # the Calico policies after it, looked for only here: a list per position was quadratic in the
                    # policies that apply (1,000 pods x 200 GNPs spent a third of the audit on it)
                    later = [p for p in applicable[pos + 1 :] if p.kind != "NetworkPolicy"] \
                        if pol.kind == "NetworkPolicy" else []
                    if later:
                        reason += (
                            f" (NetworkPolicies are ordered before {later[-1].title}, so the allow "
                            "overrides the block)"
                        )
                    elif pol.kind == "NetworkPolicy" and not self.gnp_names:
                        reason += " (and no cluster-wide block)"
                    verdict = (True, reason, pol.ref)
                elif action == "Deny":
                    verdict = (False, f"denied by {pol.title} {rule}", pol.ref)
                else:  # Pass: skip the rest of this tier
                    passed.append(f"passed to the next tier by {pol.title} {rule}")
                    tier_passed = True
                break
            if verdict is not None:
                return verdict
            if tier_passed:
                continue
            if self.tier_end.get(tier) == "Pass":
                passed.append(f"no rule of tier {tier} decides and the tier's defaultAction is Pass")
                continue
            # Policies applied in this tier but none decided: Calico's implicit end-of-tier deny.
            calico = [p for p in applicable if p.kind != "NetworkPolicy"]
            k8s = [p for p in applicable if p.kind == "NetworkPolicy"]
            if calico:
                last = calico[-1]
                reason = (
                    f"blocked by {last.ref}: {what} matches no allow rule and falls to Calico's implicit deny"
                    if _is_block(last.name)
                    else f"blocked by {last.title}: {what} matches no rule; Calico's implicit deny applies"
                )
                if last.untyped:
                    reason += f" ({last.untyped}, which has no egress rules)"
                if k8s:
                    reason += "; " + "; ".join(m for m in misses if m.startswith("NetworkPolicy"))
                return False, reason, last.ref
            reason = (
                f"egress-isolated by {', '.join(p.title for p in k8s)}: no egress rule allows {what} ("
                + "; ".join(misses)
                + ")"
            )
            return False, reason, ", ".join(p.ref for p in k8s)
        if passed:
            return True, f"{passed[-1]}; no later tier decides, so the namespace profile allows it", ""
        if self.gnp_names:
            return (
                True,
                (
                    f"no cluster-wide block applies: {', '.join(self.gnp_names)} "
                    f"{'does' if len(self.gnp_names) == 1 else 'do'} not select this pod and no "
                    "NetworkPolicy isolates its egress"
                ),
                "",
            )
        return (
            True,
            "no cluster-wide block: no GlobalNetworkPolicy and no egress NetworkPolicy selects the pod",
            "",
        )

    def _first_match(self, pol: _Policy, ctx: _PodCtx) -> tuple[str | None, int, list[str]]:
        why_not: list[str] = []
        for i, rule in enumerate(pol.egress):
            if not isinstance(rule, Mapping):
                raise DumpError(f"{pol.title}: egress rule {i} is not a mapping")
            try:
                if pol.kind == "NetworkPolicy":
                    ok, why = self.match.k8s_rule(rule)
                    action = "Allow"
                elif pol.kind in admin_policy.ACTIONS:
                    action, ok, why = admin_policy.match_egress_rule(rule, self.match.ip, self.match.port, pol.kind)
                else:
                    ok, why = self.match.calico_rule(rule, ctx, pol.namespace)
                    action = str(rule.get("action") or "").capitalize()
            except _FieldError as exc:
                raise DumpError(f"{pol.title}: egress rule {i} is malformed: {exc}") from None
            except (AttributeError, TypeError, ValueError, KeyError, SelectorSyntaxError) as exc:
                raise DumpError(
                    f"{pol.title}: egress rule {i} is malformed ({exc.__class__.__name__}: {exc})"
                ) from None
            if action not in ("Allow", "Deny", "Pass", "Log"):
                raise DumpError(f"{pol.title}: egress rule {i} has unknown action {action!r}")
            if ok and action == "Log":
                why_not.append(f"rule {i}: Log only")
                continue
            if ok:
                return action, i, why_not
            why_not.append(f"rule {i}: {why}")
        return None, -1, why_not

    @staticmethod
    def _miss_text(pol: _Policy, why_not: list[str]) -> str:
        if not pol.egress:
            why = f"; {pol.untyped}" if pol.untyped else ""
            return f"{pol.title} selects the pod with no egress rules (default deny{why})"
        return f"{pol.title} selects the pod but allows no metadata access ({'; '.join(why_not)})"


def _is_block(name: str) -> bool:
    """The block policy, also under the ``default.`` tier prefix some Calico versions store in CRD names."""
    return name in (BLOCK_POLICY_NAME, f"default.{BLOCK_POLICY_NAME}")


def _uses_sa_selectors(policies: Sequence[Mapping[str, Any]]) -> bool:
    """Whether a Calico policy selects by service account (policy ``serviceAccountSelector`` or a rule's)."""
    for pol in policies:
        spec = pol.get("spec") if isinstance(pol.get("spec"), Mapping) else {}
        rules = [r for r in (spec.get("egress") or []) if isinstance(r, Mapping)]
        if spec.get("serviceAccountSelector") or any(
            ((r.get(side) or {}).get("serviceAccounts") or {}).get("selector")
            for r in rules
            for side in ("source", "destination")
        ):
            return True
    return False


def _check_endpoint(metadata_ip: object, port: object) -> None:
    """The audited endpoint: a port given as text ("80") matched no policy port silently."""
    try:
        ipaddress.ip_address(metadata_ip)  # type: ignore[arg-type]
    except ValueError:
        raise PolicyInputError("metadata_ip", f"{metadata_ip!r:.60} is not an IP address (default "
                               f"{METADATA_IP})") from None
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise PolicyInputError("port", f"{port!r:.40}; must be an integer from 1 to 65535 (default {METADATA_PORT})")


def audit_inventory(
    inv: Inventory,
    *,
    node_imds: Mapping[str, Any] | None = None,
    metadata_ip: str = METADATA_IP,
    port: int = METADATA_PORT,
) -> AuditResult:
    """Audit the pods of an :class:`Inventory` (see the module docstring for the rules)."""
    if not isinstance(inv, Inventory):  # a path or dict failed with "'str' object has no attribute 'namespaces'"
        raise DumpError(wrong_kind("audit_inventory", "inv", "an Inventory (from load_dump() or load_cluster(); "
                                   "audit_metadata_access() takes a dump path)", inv))
    _check_endpoint(metadata_ip, port)
    auditor = _Auditor(inv, metadata_ip, port)
    imds = _node_imds(inv, node_imds)
    verdicts = []
    for pod in inv.pods:
        meta, spec = pod.get("metadata") or {}, pod.get("spec") or {}
        reachable, reason, policy = _guarded(auditor.evaluate, pod)
        node = str(spec.get("nodeName") or "")
        host = bool(spec.get("hostNetwork"))
        settings = imds.get(node) or imds.get("*")
        token = _imds_token(reachable, host, settings)
        if reachable and token.startswith("blocked"):
            reason += "; network reachable, token blocked by hop limit"
        elif (
            reachable
            and host
            and settings is not None
            and settings.tokens_required
            and settings.hop_limit <= 1
        ):
            reason += "; IMDSv2 hop limit 1 does not stop host-network pods (no extra hop)"
        verdicts.append(
            PodVerdict(
                str(meta["namespace"]),
                str(meta["name"]),
                node,
                reachable,
                reason,
                policy,
                host,
                token,
                str((pod.get("status") or {}).get("phase") or ""),
            )
        )
    block = next((n for n in auditor.gnp_names if _is_block(n)), None)
    notes = list(inv.notes)
    for key, count in sorted(inv.ignored_kinds.items()):
        kind = key.split(" ", 1)[-1]
        if kind in UNEVALUATED_POLICY_KINDS:
            notes.append(f"{count} {key} object(s) not evaluated: {UNEVALUATED_POLICY_KINDS[kind]}")
    if not inv.service_accounts and _uses_sa_selectors(inv.global_policies + inv.calico_policies):
        refused = inv.unlisted.get("serviceaccounts")
        notes.append(
            "serviceAccountSelectors see service account names only: "
            + (
                f"listing ServiceAccounts was refused ({refused}), so selectors on their labels match no pod and "
                "verdicts of the pods they would select may be wrong (grant `list serviceaccounts` cluster-wide)"
                if refused
                else "the source holds no ServiceAccount objects, so selectors on their labels match no pod (add "
                "`kubectl get serviceaccounts -A -o yaml` to the dump)"
            )
        )
    for pol in auditor.policies:
        if pol.untyped:
            notes.append(
                f"{pol.title} has no types and no egress rules: nothing defaulted them (written to "
                "crd.projectcalico.org/v1 directly, not through calicoctl or the Calico API server), so felix "
                "applies it to egress as well and the pods it selects lose all egress; set types: [Ingress] if "
                "that is not meant"
            )
    if inv.admin_policies or inv.baseline_policies:
        notes.append(
            "AdminNetworkPolicies are evaluated as Calico enforces them (3.29+, BaselineAdminNetworkPolicy 3.30+): "
            "before every NetworkPolicy and the default tier's GlobalNetworkPolicies, the baseline after them; a "
            "CNI without AdminNetworkPolicy support ignores them"
        )
    if not auditor.gnp_names:
        notes.append(
            "no GlobalNetworkPolicy found: nothing blocks the metadata endpoint cluster-wide "
            f"(render and apply {BLOCK_POLICY_NAME})"
        )
    return AuditResult(verdicts, inv.source, block, notes)


def audit_metadata_access(
    source: Inventory | str | Path | Sequence[str | Path] | None = None,
    *,
    kubeconfig: str | Path | None = None,
    context: str | None = None,
    node_imds: Mapping[str, Any] | None = None,
) -> AuditResult:
    """Which pods can open TCP 80 to 169.254.169.254, and why.

    Args:
        source: an :class:`Inventory`, or a manifest dump path (YAML/JSON file or directory, ``List``
            objects).
            Leave it None and give ``kubeconfig`` (and ``context``) for a live cluster.
        node_imds: known EC2 metadata options per node name (``"*"`` for all nodes):
            ``{"http_tokens": "required"|"optional", "hop_limit": 1}``. Node annotations
            ``lokonb.io/imds-http-tokens``/``lokonb.io/imds-hop-limit`` are read too.

    Raises:
        DumpError / KubeconfigError / KubeApiError: unreadable source; PolicyInputError: bad ``node_imds``.
    """
    if isinstance(source, Inventory):
        inv = source
    elif source is not None and (isinstance(source, Mapping | bytes) or not isinstance(source, str | Path | Sequence)):
        raise DumpError(f"audit_metadata_access(): source must be an Inventory or a manifest dump path (or a list of "
                        f"paths), got {kind_name(source)}; for objects in memory write them to a file first")
    elif source is not None:
        inv = load_dump(source)  # type: ignore[arg-type]
    else:
        from lokonb.kube.client import load_api_client

        api = load_api_client(kubeconfig, context)
        inv = load_cluster(api, source=f"live cluster ({context or 'current context'})")
    return audit_inventory(inv, node_imds=node_imds)
