"""Audit round 9: "which pods can reach 169.254.169.254" as an operator runs it against a real cluster.

Every row is a cluster state composed as the API server returns it: the objects are stored in the recording API
server (``tests/kubeapi_server.py``; it stamps uid, resourceVersion and creationTimestamp, and pods carry the
``managedFields`` a real server returns) and the live audit lists them in pages of two (``limit``/``continue``,
list ``resourceVersion``), so every list of a row is paged. The same objects written as ``kubectl get -A -o yaml``
writes them (one ``List`` per kind) must give the same verdicts offline. Pods: phases Pending (with and without an
IP), Running, Succeeded, Failed, Unknown, terminating, host network, static/mirror pods, dual-stack; namespaces being
deleted; NetworkPolicy selectors, peers, ipBlocks, ports and policyTypes; Calico GlobalNetworkPolicy selectors,
namespaceSelector, actions and host-only flags; a cluster without Calico and RBAC-limited users. Expected answers
come from the upstream docs and code cited on each row, not from lokonb.

The last tests are the 5,000-pod cluster: one request per page, no client model per pod, no managedFields kept.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubeapi_server import KubeApiServer, kubeapi_fixture

import lokonb.kube.sources as sources
from lokonb.kube.audit import AuditResult, audit_metadata_access
from lokonb.kube.errors import DumpError, KubeApiError
from lokonb.kube.metadata import allow_metadata_policy, render_block_policy

kubeapi = kubeapi_fixture()

K8S_NETPOL = (
    "https://kubernetes.io/docs/concepts/services-networking/network-policies/ (policyTypes: Ingress always, Egress "
    "when there are egress rules; egress rules are unioned; ipBlock except; endPort needs a numeric port; hostNetwork "
    "pods are in most implementations not selected by podSelectors)"
)
K8S_SELECTORS = (
    "https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#set-based-requirement (in, notin: "
    "'also selects all resources without a label key', exists, !key; an empty value is a value)"
)
K8S_PHASES = (
    "https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-phase (Pending, Running, Succeeded, "
    "Failed, Unknown) + projectcalico/calico libcalico-go/lib/backend/k8s/conversion/conversion.go IsFinished"
)
K8S_STATIC = (
    "https://kubernetes.io/docs/tasks/configure-pod-container/static-pod/ (the kubelet creates a mirror pod on the "
    "API server for each static pod; annotation kubernetes.io/config.mirror) + "
    "https://kubernetes.io/docs/concepts/services-networking/dual-stack/ (status.podIPs, one address per family)"
)
K8S_NS_DELETE = (
    "https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/ (a namespace being deleted is "
    "phase Terminating with a deletionTimestamp until its pods are gone; the pods keep running meanwhile)"
)
CALICO_PARSER = (
    "projectcalico/calico libcalico-go/lib/selector/parser/parser.go (in/not in take a possibly empty set literal; "
    "leading '!' collapse; all() and global() evaluate true) + "
    "libcalico-go/lib/backend/syncersv1/updateprocessors/selectors.go (namespaceSelector prefixed with pcns. and "
    "and-ed to the selector)"
)
CALICO_RULES = (
    "https://docs.tigera.io/calico/latest/reference/resources/networkpolicy#rule (actions Allow, Deny, Log, Pass; "
    "Log continues with the next rule; Pass skips the rest of the tier, the profiles decide after the last tier) + "
    "https://docs.tigera.io/calico/latest/reference/resources/profile (kns.<namespace> allows all egress)"
)
CALICO_HOST = (
    "https://docs.tigera.io/calico/latest/reference/host-endpoints/ (doNotTrack and preDNAT policies apply to "
    "host endpoints only; applyOnForward does not narrow a policy's workload endpoints)"
)
AWS_HOST_NETWORK = (
    "https://docs.aws.amazon.com/eks/latest/eksctl/security.html (disablePodIMDS blocks 'all non host networking "
    "pods': host-network pods are host traffic) + lokonb spec metadata.md section 4 rule 1"
)
K8S_CHUNKS = (
    "https://kubernetes.io/docs/reference/using-api/api-concepts/#retrieving-large-results-sets-in-chunks (limit, "
    "continue, list resourceVersion) + https://kubernetes.io/docs/reference/using-api/server-side-apply/ "
    "(metadata.managedFields in every object the API server returns)"
)
PY_CLIENT_SPEED = (
    "https://github.com/kubernetes-client/python/issues/1231 + https://github.com/kubernetes-client/python/issues/1921"
    " (model deserialization dominates list_pod_for_all_namespaces) + "
    "https://github.com/UKGovernmentBEIS/inspect_k8s_sandbox/issues/210 (_preload_content=False and json)"
)

IMDS = {"ipBlock": {"cidr": "169.254.169.254/32"}}
ALLOW_IMDS = {"action": "Allow", "destination": {"nets": ["169.254.169.254/32"]}}
DENY_IMDS = {"action": "Deny", "destination": {"nets": ["169.254.169.254/32"]}}
#: what the API server records for a pod written by a controller and then by the kubelet (shape of server-side apply
#: field management; names, times and addresses are made up)
MANAGED_FIELDS = [
    {"manager": "kube-controller-manager", "operation": "Update", "apiVersion": "v1", "time": "2026-03-02T08:15:00Z",
     "fieldsType": "FieldsV1", "fieldsV1": {"f:metadata": {"f:labels": {".": {}}}, "f:spec": {"f:containers": {}}}},
    {"manager": "kubelet", "operation": "Update", "apiVersion": "v1", "time": "2026-03-02T08:15:04Z",
     "fieldsType": "FieldsV1", "subresource": "status",
     "fieldsV1": {"f:status": {"f:phase": {}, "f:podIP": {}, "f:podIPs": {".": {}}}}},
]
BLOCKED = "blocked by block-metadata-access"
DELETED_AT = "2026-03-02T09:00:00Z"


def _pod(key: str, labels: dict[str, str] | None = None, *, phase: str = "Running",
         ips: tuple[str, ...] = ("10.2.3.4",), host: bool = False, node: str | None = "ip-10-0-1-17",
         annotations: dict[str, str] | None = None, deleting: bool = False) -> dict[str, Any]:
    """A pod as the API server lists it (status from the kubelet, managedFields from the server)."""
    ns, name = key.split("/")
    meta: dict[str, Any] = {"name": name, "namespace": ns, "labels": labels or {"app": name},
                            "managedFields": MANAGED_FIELDS}
    if annotations:
        meta["annotations"] = annotations
    if deleting:
        meta["deletionTimestamp"], meta["deletionGracePeriodSeconds"] = DELETED_AT, 30
    spec: dict[str, Any] = {"containers": [{"name": "main", "image": "registry.example/app:1.4",
                                            "ports": [{"name": "http", "containerPort": 80, "protocol": "TCP"}]}]}
    if node:
        spec["nodeName"] = node
    if host:
        spec["hostNetwork"] = True
    status: dict[str, Any] = {"phase": phase}
    if ips:
        status["podIP"], status["podIPs"] = ips[0], [{"ip": ip} for ip in ips]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec, "status": status}


def _ns(name: str, labels: dict[str, str] | None = None, *, deleting: bool = False) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "labels": {"kubernetes.io/metadata.name": name, **(labels or {})}}
    obj: dict[str, Any] = {"apiVersion": "v1", "kind": "Namespace", "metadata": meta, "status": {"phase": "Active"}}
    if deleting:
        meta["deletionTimestamp"], obj["status"] = DELETED_AT, {"phase": "Terminating"}
    return obj


def _np(ns: str, name: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": name, "namespace": ns}, "spec": {"podSelector": {}, **spec}}


def _gnp(name: str, rules: list[Any], *, order: float | None = 10, selector: str = "all()", **spec: Any) -> dict:
    body = {"selector": selector, "types": ["Egress"], "egress": rules, **spec}
    if order is not None:
        body["order"] = order
    return {"apiVersion": "crd.projectcalico.org/v1", "kind": "GlobalNetworkPolicy", "metadata": {"name": name},
            "spec": body}


def _allow(ns: str, selector: dict[str, Any], **rule: Any) -> dict[str, Any]:
    """A NetworkPolicy whose pods may reach the metadata address (``rule`` overrides to/ports)."""
    return _np(ns, "imds", {"podSelector": selector, "policyTypes": ["Egress"],
                            "egress": [{"to": [IMDS], "ports": [{"protocol": "TCP", "port": 80}], **rule}]})


BLOCK = render_block_policy()
APPS = _ns("apps", {"team": "apps"})
AWS = _ns("aws", {"team": "aws"})

#: (case, source, objects in the cluster besides the block policy and the namespaces, expected: pod -> (reachable,
#: a piece of the reason)). Namespaces apps and aws exist in every row.
Expect = dict[str, tuple[bool, str]]
Row = tuple[str, str, list[dict[str, Any]], Expect]

PHASE_ROWS: list[Row] = [
    ("running pod under the block", K8S_PHASES, [_pod("apps/web")], {"apps/web": (False, BLOCKED)}),
    ("pending without an IP is judged as it will run: blocked", K8S_PHASES,
     [_pod("apps/web", phase="Pending", ips=())], {"apps/web": (False, BLOCKED)}),
    ("pending, not scheduled, no IP: blocked", K8S_PHASES,
     [_pod("apps/web", phase="Pending", ips=(), node=None)], {"apps/web": (False, BLOCKED)}),
    ("pending without an IP but allowed by a NetworkPolicy", K8S_PHASES,
     [_pod("apps/web", phase="Pending", ips=()), _allow("apps", {})], {"apps/web": (True, "allowed by NetworkPolicy")}),
    ("succeeded job pod opens no connections", K8S_PHASES,
     [_pod("apps/job", phase="Succeeded"), _allow("apps", {})], {"apps/job": (False, "finished (phase Succeeded)")}),
    ("failed pod opens no connections, even in the host network", K8S_PHASES,
     [_pod("apps/job", phase="Failed", host=True)], {"apps/job": (False, "finished (phase Failed)")}),
    ("phase Unknown (node lost) may still run: judged by the policies", K8S_PHASES,
     [_pod("apps/web", phase="Unknown")], {"apps/web": (False, BLOCKED)}),
    ("terminating, Calico emptied its podIP annotation: no endpoint", K8S_PHASES,
     [_pod("apps/web", deleting=True, annotations={"cni.projectcalico.org/podIP": ""}), _allow("apps", {})],
     {"apps/web": (False, "terminating and its network is removed")}),
    ("terminating in its grace period with its IP: still allowed", K8S_PHASES,
     [_pod("apps/web", deleting=True, annotations={"cni.projectcalico.org/podIP": "10.2.3.4/32"}),
      _allow("apps", {})], {"apps/web": (True, "allowed by NetworkPolicy apps/imds egress rule 0")}),
    ("host-network pod: not subject to pod policies (spec rule 1)", AWS_HOST_NETWORK,
     [_pod("kube-system/node-exporter", host=True), _ns("kube-system")],
     {"kube-system/node-exporter": (True, "host network: not subject to pod network policy")}),
    ("host-network pod is not denied by a GNP selecting every pod", AWS_HOST_NETWORK,
     [_pod("kube-system/node-exporter", host=True), _ns("kube-system"), _gnp("deny", [DENY_IMDS], order=1)],
     {"kube-system/node-exporter": (True, "host network")}),
    ("static kube-apiserver mirror pod in the host network", K8S_STATIC,
     [_pod("kube-system/kube-apiserver-ip-10-0-1-17", host=True, ips=("10.0.1.17",),
           annotations={"kubernetes.io/config.mirror": "5f1c0a", "kubernetes.io/config.source": "file"}),
      _ns("kube-system")],
     {"kube-system/kube-apiserver-ip-10-0-1-17": (True, "host network")}),
    ("static pod in the pod network is a workload like any other", K8S_STATIC,
     [_pod("apps/static-web", annotations={"kubernetes.io/config.mirror": "77ab21"})],
     {"apps/static-web": (False, BLOCKED)}),
    ("dual-stack pod: a source-nets rule of the other family is dropped for IPv4", K8S_STATIC,
     [_pod("apps/web", ips=("10.2.3.4", "fd00:10:2::4")),
      _gnp("v6", [{"action": "Allow", "source": {"nets": ["fd00:10:2::/64"]}}], order=1)],
     {"apps/web": (False, "blocked by")}),
    ("dual-stack pod: an IPv4 source-nets allow matches its IPv4 address", K8S_STATIC,
     [_pod("apps/web", ips=("10.2.3.4", "fd00:10:2::4")),
      _gnp("v4", [{"action": "Allow", "source": {"nets": ["10.2.0.0/16"]}, **ALLOW_IMDS}], order=1)],
     {"apps/web": (True, "allowed by GlobalNetworkPolicy v4 egress rule 0")}),
    ("namespace being deleted: its running pods keep their policies", K8S_NS_DELETE,
     [_ns("apps", {"team": "apps"}, deleting=True), _pod("apps/web"), _pod("apps/db"),
      _allow("apps", {"matchLabels": {"app": "web"}})],
     {"apps/web": (True, "allowed by NetworkPolicy apps/imds"), "apps/db": (False, BLOCKED)}),
]

NETPOL_ROWS: list[Row] = [
    ("rendered metadata-only allow", K8S_NETPOL,
     [_pod("aws/ebs-csi-controller", {"app": "ebs-csi"}), _pod("aws/other"),
      allow_metadata_policy("aws", {"matchLabels": {"app": "ebs-csi"}}, name="imds", include=["dns"]).policy],
     {"aws/ebs-csi-controller": (True, "allowed by NetworkPolicy aws/imds egress rule 0"),
      "aws/other": (False, BLOCKED)}),
    ("namespaceSelector+podSelector peer selects pods, never the address", K8S_NETPOL,
     [_pod("apps/web"), _allow("apps", {}, to=[{"namespaceSelector": {"matchLabels": {"team": "aws"}},
                                                "podSelector": {"matchLabels": {"app": "proxy"}}}])],
     {"apps/web": (False, "pod/namespace selector peers never match the metadata address")}),
    ("matchExpressions In selects only the listed values", K8S_SELECTORS,
     [_pod("apps/web", {"tier": "fe"}), _pod("apps/db", {"tier": "db"}),
      _allow("apps", {"matchExpressions": [{"key": "tier", "operator": "In", "values": ["fe", "edge"]}]})],
     {"apps/web": (True, "allowed by NetworkPolicy apps/imds"), "apps/db": (False, BLOCKED)}),
    ("matchExpressions NotIn also selects pods without the key", K8S_SELECTORS,
     [_pod("apps/web", {"tier": "fe"}), _pod("apps/db", {"role": "db"}),
      _allow("apps", {"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["fe"]}]})],
     {"apps/db": (True, "allowed by NetworkPolicy apps/imds"), "apps/web": (False, BLOCKED)}),
    ("matchExpressions Exists and DoesNotExist", K8S_SELECTORS,
     [_pod("apps/sdk", {"aws-sdk": "v2"}), _pod("apps/sdk-untrusted", {"aws-sdk": "v2", "untrusted": "yes"}),
      _allow("apps", {"matchExpressions": [{"key": "aws-sdk", "operator": "Exists"},
                                           {"key": "untrusted", "operator": "DoesNotExist"}]})],
     {"apps/sdk": (True, "allowed by NetworkPolicy apps/imds"), "apps/sdk-untrusted": (False, BLOCKED)}),
    ("matchExpressions In with the empty value selects a label set to ''", K8S_SELECTORS,
     [_pod("apps/web", {"aws-sdk": ""}), _pod("apps/db", {"role": "db"}),
      _allow("apps", {"matchExpressions": [{"key": "aws-sdk", "operator": "In", "values": [""]}]})],
     {"apps/web": (True, "allowed by NetworkPolicy apps/imds"), "apps/db": (False, BLOCKED)}),
    ("ipBlock whose except holds the address", K8S_NETPOL,
     [_pod("apps/web"), _allow("apps", {}, to=[{"ipBlock": {"cidr": "169.254.0.0/16",
                                                           "except": ["169.254.169.254/32"]}}])],
     {"apps/web": (False, "excepts 169.254.169.254/32")}),
    ("ipBlock 0.0.0.0/0 except the pod CIDR still holds the address", K8S_NETPOL,
     [_pod("apps/web"), _allow("apps", {}, to=[{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["10.2.0.0/16"]}}])],
     {"apps/web": (True, "allowed by NetworkPolicy apps/imds egress rule 0")}),
    ("port range 1-1024 with endPort holds 80", K8S_NETPOL,
     [_pod("apps/web"), _allow("apps", {}, ports=[{"protocol": "TCP", "port": 1, "endPort": 1024}])],
     {"apps/web": (True, "allowed by NetworkPolicy apps/imds egress rule 0")}),
    ("port range 8080-8090 does not", K8S_NETPOL,
     [_pod("apps/web"), _allow("apps", {}, ports=[{"protocol": "TCP", "port": 8080, "endPort": 8090}])],
     {"apps/web": (False, "ports allow only TCP 8080-8090, not TCP 80")}),
    ("named port 'http' names the pod's own ports, never the address", K8S_NETPOL,
     [_pod("apps/web"), _allow("apps", {}, ports=[{"protocol": "TCP", "port": "http"}])],
     {"apps/web": (False, "named port 'http' cannot match an IP block")}),
    ("policyTypes omitted with egress rules: egress isolated, rules unioned", K8S_NETPOL,
     [_pod("apps/web"), _np("apps", "dns", {"egress": [{"ports": [{"protocol": "UDP", "port": 53}]}]}),
      _np("apps", "imds", {"egress": [{"to": [IMDS]}]})],
     {"apps/web": (True, "allowed by NetworkPolicy apps/imds egress rule 0")}),
    ("policyTypes [Ingress] explicit: its egress rules are ignored", K8S_NETPOL,
     [_pod("apps/web"), _np("apps", "imds", {"policyTypes": ["Ingress"], "egress": [{"to": [IMDS]}]})],
     {"apps/web": (False, BLOCKED)}),
    ("policyTypes [Egress] without rules, no block: egress-isolated", K8S_NETPOL,
     [_pod("apps/web"), _np("apps", "deny-egress", {"policyTypes": ["Egress"]}), "no-block"],
     {"apps/web": (False, "egress-isolated by NetworkPolicy apps/deny-egress")}),
    ("no block and no policy: everybody reaches it", K8S_NETPOL, [_pod("apps/web"), "no-block"],
     {"apps/web": (True, "no cluster-wide block")}),
]

CALICO_ROWS: list[Row] = [
    ("has() && !has()", CALICO_PARSER,
     [_pod("apps/sdk", {"aws-sdk": "v2"}), _pod("apps/bad", {"aws-sdk": "v2", "untrusted": ""}),
      _gnp("sdk", [ALLOW_IMDS], selector="has(aws-sdk) && !has(untrusted)")],
     {"apps/sdk": (True, "allowed by GlobalNetworkPolicy sdk egress rule 0"), "apps/bad": (False, BLOCKED)}),
    ("in {...} set", CALICO_PARSER,
     [_pod("apps/csi", {"app": "csi"}), _pod("apps/web"), _gnp("set", [ALLOW_IMDS], selector="app in {'csi', 'sdk'}")],
     {"apps/csi": (True, "allowed by GlobalNetworkPolicy set"), "apps/web": (False, BLOCKED)}),
    ("in {} (empty set) selects nothing", CALICO_PARSER,
     [_pod("apps/web"), _gnp("none", [ALLOW_IMDS], selector="app in {}")], {"apps/web": (False, BLOCKED)}),
    ("not in {} selects every pod, also without the label", CALICO_PARSER,
     [_pod("apps/web", {"role": "x"}), _gnp("every", [ALLOW_IMDS], selector="app not in {}")],
     {"apps/web": (True, "allowed by GlobalNetworkPolicy every")}),
    ("!! collapses: !!has(app) is has(app)", CALICO_PARSER,
     [_pod("apps/web"), _gnp("dbl", [ALLOW_IMDS], selector="!!has(app)")],
     {"apps/web": (True, "allowed by GlobalNetworkPolicy dbl")}),
    ("all() with namespaceSelector: only that namespace's pods", CALICO_PARSER,
     [_pod("aws/sdk"), _pod("apps/web"), _gnp("aws-ns", [ALLOW_IMDS], namespaceSelector="team == 'aws'")],
     {"aws/sdk": (True, "allowed by GlobalNetworkPolicy aws-ns"), "apps/web": (False, BLOCKED)}),
    ("global() as policy selector evaluates true", CALICO_PARSER,
     [_pod("apps/web"), _gnp("glob", [ALLOW_IMDS], selector="global()")],
     {"apps/web": (True, "allowed by GlobalNetworkPolicy glob")}),
    ("namespaceSelector on a namespace label the pods do not carry", CALICO_PARSER,
     [_pod("apps/web"), _gnp("deny-apps", [DENY_IMDS], order=1, namespaceSelector="has(team) && team != 'aws'"),
      _allow("apps", {})], {"apps/web": (False, "denied by GlobalNetworkPolicy deny-apps egress rule 0")}),
    ("Pass in the default tier skips NetworkPolicies and the block: the profile allows", CALICO_RULES,
     [_pod("apps/web"), _gnp("pass", [{"action": "Pass"}], order=1)],
     {"apps/web": (True, "passed to the next tier by GlobalNetworkPolicy pass egress rule 0")}),
    ("Log continues with the next rule", CALICO_RULES,
     [_pod("apps/web"), _gnp("log", [{"action": "Log"}, DENY_IMDS], order=1), _allow("apps", {})],
     {"apps/web": (False, "denied by GlobalNetworkPolicy log egress rule 1")}),
    ("Deny ordered before the NetworkPolicies wins over their allow", CALICO_RULES,
     [_pod("apps/web"), _gnp("deny", [DENY_IMDS], order=100), _allow("apps", {})],
     {"apps/web": (False, "denied by GlobalNetworkPolicy deny egress rule 0")}),
    ("Allow ordered after the NetworkPolicies and before the block", CALICO_RULES,
     [_pod("apps/web"), _gnp("late", [ALLOW_IMDS], order=2000)],
     {"apps/web": (True, "allowed by GlobalNetworkPolicy late egress rule 0")}),
    ("doNotTrack policy applies to host endpoints only", CALICO_HOST,
     [_pod("apps/web"), _gnp("raw", [ALLOW_IMDS], order=1, doNotTrack=True, applyOnForward=True)],
     {"apps/web": (False, BLOCKED)}),
    ("preDNAT policy applies to host endpoints only", CALICO_HOST,
     [_pod("apps/web"), _gnp("dnat", [ALLOW_IMDS], order=1, preDNAT=True, applyOnForward=True)],
     {"apps/web": (False, BLOCKED)}),
    ("applyOnForward does not stop a policy applying to pods", CALICO_HOST,
     [_pod("apps/web"), _gnp("fwd", [ALLOW_IMDS], order=1, applyOnForward=True)],
     {"apps/web": (True, "allowed by GlobalNetworkPolicy fwd egress rule 0")}),
]

ROWS = PHASE_ROWS + NETPOL_ROWS + CALICO_ROWS


def _seed(server: KubeApiServer, objects: list[Any]) -> None:
    if "no-block" not in objects:
        server.add(BLOCK)
    have = {o["metadata"]["name"] for o in objects if isinstance(o, dict) and o["kind"] == "Namespace"}
    for ns in (APPS, AWS):
        if ns["metadata"]["name"] not in have:
            server.add(ns)
    for obj in objects:
        if obj != "no-block":
            server.add(obj)


def _kubectl_dump(server: KubeApiServer, path: Path) -> Path:
    """The stored objects as ``kubectl get <kinds> -A -o yaml`` writes them: one List, items with kind and
    apiVersion, the list's resourceVersion."""
    kinds = [("v1", "Namespace"), ("v1", "Pod"), ("networking.k8s.io/v1", "NetworkPolicy"),
             ("crd.projectcalico.org/v1", "GlobalNetworkPolicy")]
    items = [obj for api, kind in kinds for obj in server.objects(api, kind)]
    path.write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": items,
                                    "metadata": {"resourceVersion": ""}}))
    return path


def _live(server: KubeApiServer, tmp_path: Path) -> AuditResult:
    return audit_metadata_access(kubeconfig=server.write_kubeconfig(tmp_path / "kubeconfig"))


def _rows(result: AuditResult) -> list[tuple[str, bool, str]]:
    return [(f"{v.namespace}/{v.pod}", v.reachable, v.reason) for v in result.ordered()]


def test_row_count() -> None:
    assert len(ROWS) >= 40


@pytest.mark.parametrize(("case", "source", "objects", "expect"), ROWS, ids=[r[0] for r in ROWS])
def test_cluster_states_r9(kubeapi, tmp_path, monkeypatch, case: str, source: str, objects: list[Any],
                           expect: Expect) -> None:
    assert source
    monkeypatch.setattr(sources, "LIST_CHUNK", 2)
    _seed(kubeapi, objects)
    live = _live(kubeapi, tmp_path)
    got = {f"{v.namespace}/{v.pod}": v for v in live.verdicts}
    for key, (reachable, reason) in expect.items():
        assert (got[key].reachable, reason in got[key].reason) == (reachable, True), (case, key, got[key].reason)
    pods = kubeapi.objects("v1", "Pod")
    pages = [r for r in kubeapi.requests_matching("GET", "/api/v1/pods") if r.path == "/api/v1/pods"]
    assert len(pages) == (len(pods) + 1) // 2 and all(r.query["limit"] == ["2"] for r in pages)
    assert _rows(audit_metadata_access(_kubectl_dump(kubeapi, tmp_path / "dump.yaml"))) == _rows(live), case


# ------------------------------------------------------------------------------------------------------------
# what the live cluster refuses or lacks
# ------------------------------------------------------------------------------------------------------------


def test_cluster_without_calico_has_no_block(tmp_path) -> None:
    with KubeApiServer(calico=False) as server:
        _seed(server, [_pod("apps/web"), _allow("aws", {}), "no-block"])
        live = _live(server, tmp_path)
        assert [s for _, s in [(r.path, r.status) for r in server.requests_matching("GET", "/apis/crd.")]][:1] == [404]
    assert [(v.pod, v.reachable) for v in live.verdicts] == [("web", True)]
    assert "no cluster-wide block" in live.verdicts[0].reason
    assert any(n.startswith("Calico is not installed") for n in live.notes)


def test_forbidden_namespaces_list_is_a_note_and_the_namespace_selector_matches_nothing(kubeapi, tmp_path) -> None:
    _seed(kubeapi, [_pod("aws/sdk"), _gnp("aws-ns", [ALLOW_IMDS], namespaceSelector="team == 'aws'")])
    kubeapi.forbid("list", "namespaces")
    live = _live(kubeapi, tmp_path)
    assert [(v.pod, v.reachable) for v in live.verdicts] == [("sdk", False)]
    assert any(n.startswith("cannot list namespaces (403 Forbidden); namespace labels are unknown") for n in live.notes)


@pytest.mark.parametrize(("plural", "what"), [("networkpolicies", "networkpolicies"),
                                              ("globalnetworkpolicies", "globalnetworkpolicies.crd.projectcalico.org")])
def test_forbidden_policy_list_is_an_error_before_the_pods_are_read(kubeapi, tmp_path, plural: str, what: str) -> None:
    _seed(kubeapi, [_pod("apps/web")])
    kubeapi.forbid("list", plural)
    with pytest.raises(KubeApiError, match=rf"^cannot list {what}: forbidden \(403\)"):
        _live(kubeapi, tmp_path)
    # the view role grants pods but not Calico's CRDs: refused before reading the (large) pod list
    assert kubeapi.requests_matching("GET", "/api/v1/pods") == []


class _Answer:
    """What a list call with ``_preload_content=False`` returns: the raw body."""

    def __init__(self, data: bytes) -> None:
        self.data = data


@pytest.mark.parametrize(("body", "message"), [
    (b"<html>sign in to the proxy</html>", "the API answered with no JSON list"),
    (b'{"kind": "PodList", "items": {"name": "p"}}', "the API answered with no list of objects"),
    (b'["p"]', "the API answered with no list of objects"),
])
def test_a_list_answer_that_is_no_json_list_is_a_clear_error(body: bytes, message: str) -> None:
    """A proxy's login page or a broken aggregated API answering 200 is named, not a JSON or TypeError traceback."""
    with pytest.raises(KubeApiError, match=rf"^cannot list pods: {message}"):
        sources._raw_json(lambda **_: _Answer(body), "pods")(limit=500)


# ------------------------------------------------------------------------------------------------------------
# a big cluster's dump
# ------------------------------------------------------------------------------------------------------------


def _deployment_pod(i: int) -> dict[str, Any]:
    """A Deployment's pod with the fields kubectl writes (owner, probes, env, volumes, conditions, statuses): about
    150 values, as pods of real clusters have."""
    pod = _pod(f"apps/web-7d4b9c-{i:05d}", {"app": "web", "pod-template-hash": "7d4b9c"},
               ips=(f"10.2.{i // 250}.{i % 250 + 1}",))
    pod["metadata"].pop("managedFields")  # kubectl hides them
    pod["metadata"].update({
        "generateName": "web-7d4b9c-", "uid": f"0b6f{i:08x}-5c1d-4e2a-9f00-6a1b2c3d4e5f", "resourceVersion": str(i),
        "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-7d4b9c",
                             "uid": "5d0c1e2f-3a4b-4c5d-8e9f-a0b1c2d3e4f5", "controller": True,
                             "blockOwnerDeletion": True}]})
    container = pod["spec"]["containers"][0]
    container.update({
        "env": [{"name": f"VAR_{n}", "value": f"value-{n}"} for n in range(6)],
        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}},
        "readinessProbe": {"httpGet": {"path": "/ready", "port": "http", "scheme": "HTTP"}, "periodSeconds": 10,
                           "timeoutSeconds": 1, "successThreshold": 1, "failureThreshold": 3},
        "volumeMounts": [{"name": "config", "mountPath": "/etc/app", "readOnly": True},
                         {"name": "kube-api-access-x7k2p", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
                          "readOnly": True}],
        "imagePullPolicy": "IfNotPresent", "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File"})
    pod["spec"].update({
        "serviceAccountName": "default", "serviceAccount": "default", "restartPolicy": "Always",
        "dnsPolicy": "ClusterFirst", "schedulerName": "default-scheduler", "terminationGracePeriodSeconds": 30,
        "tolerations": [{"key": f"node.kubernetes.io/{t}", "operator": "Exists", "effect": "NoExecute",
                         "tolerationSeconds": 300} for t in ("not-ready", "unreachable")],
        "volumes": [{"name": "config", "configMap": {"name": "web-config", "defaultMode": 420}},
                    {"name": "kube-api-access-x7k2p", "projected": {"defaultMode": 420, "sources": [
                        {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                        {"configMap": {"name": "kube-root-ca.crt",
                                       "items": [{"key": "ca.crt", "path": "ca.crt"}]}}]}}]})
    pod["status"].update({
        "hostIP": "10.0.1.17", "hostIPs": [{"ip": "10.0.1.17"}], "qosClass": "Burstable",
        "startTime": "2026-03-02T08:15:01Z",
        "conditions": [{"type": t, "status": "True", "lastProbeTime": None,
                        "lastTransitionTime": "2026-03-02T08:15:04Z"}
                       for t in ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady",
                                 "PodScheduled")],
        "containerStatuses": [{"name": "main", "ready": True, "started": True, "restartCount": 0,
                               "image": "registry.example/app:1.4",
                               "imageID": "registry.example/app@sha256:" + "ab" * 32,
                               "containerID": f"containerd://{i:064x}",
                               "state": {"running": {"startedAt": "2026-03-02T08:15:03Z"}}}]})
    return pod


def _values(node: Any) -> int:
    if isinstance(node, dict):
        return 1 + sum(1 + _values(v) for v in node.values())
    if isinstance(node, list):
        return 1 + sum(_values(v) for v in node)
    return 1


def test_dump_of_a_big_cluster_is_no_alias_bomb(tmp_path) -> None:
    """`kubectl get pods -A -o yaml` writes one List document and no aliases: 700 pods (over 100,000 values) were
    refused as "YAML aliases expand this document to more than 100,000 values (an alias bomb?)"."""
    pods = [_deployment_pod(i) for i in range(700)]
    assert _values({"items": pods}) > 100_000
    dump = tmp_path / "pods.yaml"
    listed = {"apiVersion": "v1", "kind": "List", "items": [BLOCK, *pods], "metadata": {"resourceVersion": ""}}
    dump.write_text(yaml.dump(listed, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper)))
    assert "&" not in dump.read_text()
    result = audit_metadata_access(dump)
    assert len(result.verdicts) == 700 and not any(v.reachable for v in result.verdicts)


def test_two_dumps_of_one_cluster_give_one_note_and_the_later_objects(tmp_path) -> None:
    """A directory with yesterday's and today's `kubectl get -A -o yaml`: every object repeats. One note per pair
    of documents (it was one warning line per object: thousands on a big cluster), the later objects decide."""
    yesterday = [BLOCK, *[_pod(f"apps/web-{i}") for i in range(4)]]
    today = [BLOCK, *[_pod(f"apps/web-{i}", {"app": "csi" if i == 2 else "web"}) for i in range(4)],
             _allow("apps", {"matchLabels": {"app": "csi"}})]
    for name, items in (("a-yesterday.yaml", yesterday), ("b-today.yaml", today)):
        (tmp_path / name).write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": items}))
    result = audit_metadata_access(tmp_path)
    assert sorted((v.pod, v.reachable) for v in result.verdicts) == [
        ("web-0", False), ("web-1", False), ("web-2", True), ("web-3", False)]
    assert result.notes == [
        f"5 objects appear twice ({tmp_path / 'a-yesterday.yaml'} (document 1) and {tmp_path / 'b-today.yaml'} "
        "(document 1)): GlobalNetworkPolicy block-metadata-access, Pod apps/web-0, Pod apps/web-1, ...; the later "
        "ones are used"]


def test_dump_with_an_alias_bomb_is_still_refused(tmp_path) -> None:
    lines = ["apiVersion: v1", "kind: List", "metadata: {}", "x0: &x0 [a, a, a, a, a, a, a, a, a, a]"]
    lines += [f"x{n}: &x{n} [" + ", ".join([f"*x{n - 1}"] * 10) + "]" for n in range(1, 7)]
    dump = tmp_path / "bomb.yaml"
    dump.write_text("\n".join([*lines, "items: []"]) + "\n")
    with pytest.raises(DumpError, match=r"bomb\.yaml:8: YAML aliases expand this document to more than 100,000"):
        audit_metadata_access(dump)


# ------------------------------------------------------------------------------------------------------------
# a 5,000-pod cluster
# ------------------------------------------------------------------------------------------------------------


def _response_types(monkeypatch) -> list[str]:
    """The response types the kubernetes client deserializes (``V1PodList``: a model per pod; ``object``: dicts)."""
    from kubernetes.client import ApiClient

    types: list[str] = []
    original: Callable[..., Any] = ApiClient.deserialize

    def recording(self: Any, response_text: Any, response_type: str, *args: Any, **kwargs: Any) -> Any:
        types.append(response_type)
        return original(self, response_text, response_type, *args, **kwargs)

    monkeypatch.setattr(ApiClient, "deserialize", recording)
    return types


def test_five_thousand_pods_one_request_per_page_no_models_no_managed_fields(kubeapi, tmp_path, monkeypatch) -> None:
    """Pages of 500 as the API hands them out; the lists are read as JSON, not built into a client model per pod and
    turned back into dicts (that round trip cost more than the requests), and managedFields are not kept."""
    assert K8S_CHUNKS and PY_CLIENT_SPEED
    pods = 5000
    _seed(kubeapi, [_allow("apps", {"matchLabels": {"app": "csi"}}), _allow("aws", {})])
    for i in range(pods):
        ns = "aws" if i % 10 == 0 else "apps"
        kubeapi.add(_pod(f"{ns}/p{i}", {"app": "csi" if i % 25 == 1 else "web"},
                         ips=(f"10.2.{i // 250}.{i % 250 + 1}",), host=i % 1000 == 999))
    deserialized = _response_types(monkeypatch)
    kept: list[Any] = []
    load = sources.load_cluster
    monkeypatch.setattr("lokonb.kube.audit.load_cluster", lambda *a, **k: kept.append(load(*a, **k)) or kept[-1])
    live = _live(kubeapi, tmp_path)
    pages = [r for r in kubeapi.requests_matching("GET", "/api/v1/pods") if r.path == "/api/v1/pods"]
    assert [(r.query.get("limit"), r.query.get("continue")) for r in pages] == [
        (["500"], None if n == 0 else [str(n * 500)]) for n in range(pods // 500)
    ]
    # only custom-object lists go through the client's deserializer, and they are plain dicts there
    assert deserialized and set(deserialized) == {"object"}
    assert not any("managedFields" in p["metadata"] for p in kept[0].pods)
    summary = live.summary()
    assert summary["pods"] == pods
    assert summary["reachable_host_network"] == 5
    # aws: every pod allowed (500); apps: the csi pods (i % 25 == 1 and not i % 10 == 0)
    csi_in_apps = sum(1 for i in range(pods) if i % 25 == 1 and i % 10 and i % 1000 != 999)
    assert summary["reachable_pod_network"] == 500 + csi_in_apps
