"""Upstream vectors, round 8: the rendered policies and their apply, as the API server and Calico validate them.

Render rows check the block GlobalNetworkPolicy and the allow NetworkPolicy field by field (modes ``metadata-only``
and ``open``, ``include`` dns / all-but-metadata, IPv6 and dual-stack CIDRs, host bits, selectors, names) against the
rules of Kubernetes ``ValidateNetworkPolicy``/``ValidateLabelSelector`` and Calico's ``validator.go``. DNS rows add
the NodeLocal DNSCache case: the cache runs in the host network on a link-local address, so only an ipBlock can
allow it. Apply rows run against the recording API server (``tests/kubeapi_server.py``): create, unchanged,
replace with the stored resourceVersion, server-side dry run, 403/404/409/422 and a missing Calico CRD.
Expected answers come from the upstream code and docs cited on each row, not from lokonb.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import pytest
from kubeapi_server import kubeapi_fixture

from lokonb.errors import NotConfirmed
from lokonb.kube.apply import MANAGED_BY, apply_policies
from lokonb.kube.client import load_api_client
from lokonb.kube.errors import CalicoNotInstalled, KubeApiError, PolicyInputError
from lokonb.kube.metadata import (
    NODE_LOCAL_DNS_IPS,
    MetadataPolicyWarning,
    allow_metadata_policy,
    documented_open_example,
    render_block_policy,
)

kubeapi = kubeapi_fixture()

LOKOMOTIVE = (
    "https://kinvolk.io/docs/lokomotive/latest/how-to-guides/ (AWS: block-metadata-access GlobalNetworkPolicy, "
    "the 'very open' allow-metadata-access example) + metadata.md §1-§2"
)
CALICO_VALIDATOR = (
    "projectcalico/calico libcalico-go/lib/validator/v3/validator.go (validateRule: nets of a rule must match its "
    "ipVersion, one family per rule) + felix/rules FilterRuleToIPVersion (a rule is dropped for a family its nets "
    "do not mention)"
)
K8S_IPBLOCK = (
    "kubernetes/kubernetes pkg/apis/networking/validation/validation.go (ValidateIPBlock: cidr parsed sloppily, "
    "host bits allowed; each except a strict subset of cidr, same family)"
)
K8S_SELECTOR = (
    "kubernetes/apimachinery pkg/apis/meta/v1/validation/validation.go ValidateLabelSelectorRequirement (In/NotIn "
    "need values, Exists/DoesNotExist take none, other operators are 'not a valid selector operator') + "
    "ValidateLabels (qualified names, 63-char values)"
)
K8S_NAMES = (
    "kubernetes/apimachinery pkg/util/validation/validation.go IsDNS1123Label/IsDNS1123Subdomain (namespaces are "
    "labels; NetworkPolicy names subdomains, lokonb keeps them <= 63 as metadata.md §2 says)"
)
NODELOCAL = (
    "https://github.com/kubernetes/kubernetes/pull/70555 (namespaceSelector DNS rules stop working with the "
    "node-local cache: it is hostNetwork, an ipBlock is needed) + https://github.com/projectcalico/calico/issues/3795"
    " + https://github.com/gardener/gardener/issues/2745 + kubernetes cluster/addons/dns/nodelocaldns README "
    "(169.254.20.10 by default) + aws.md node_local_dns_ip (Lokomotive default 169.254.1.1)"
)
K8S_APPLY = (
    "kubernetes/apiserver optimistic concurrency (PUT carries metadata.resourceVersion; stale is 409) + "
    "https://kubernetes.io/docs/reference/using-api/api-concepts/#dry-run (dryRun=All persists nothing) + "
    "apiserver 404 for an unserved resource has a Status with no details.name (CRD missing)"
)

KUBE_SYSTEM = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}}
DNS_PORTS = [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]
IMDS_80 = [{"protocol": "TCP", "port": 80}]
SEL = {"matchLabels": {"app": "ebs-csi"}}


def _quiet(fn: Callable[[], Any]) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MetadataPolicyWarning)
        return fn()


def _gnp(cidrs: list[str]) -> Callable[[], Any]:
    return lambda: render_block_policy(cidrs)["spec"]


def _egress(**kwargs: Any) -> Callable[[], Any]:
    return lambda: allow_metadata_policy("x", SEL, **kwargs).policy["spec"]["egress"]


RENDER_ROWS: list[tuple[str, str, Callable[[], Any], Any]] = [
    ("default block policy: workload endpoints only, Egress, one notNets rule, no order", LOKOMOTIVE,
     _gnp(["169.254.169.254/32"]),
     {"selector": "!has(host-endpoint)", "types": ["Egress"],
      "egress": [{"action": "Allow", "destination": {"notNets": ["169.254.169.254/32"]}}]}),
    ("IPv6-only block keeps an IPv4 allow-all rule and marks the IPv6 rule", CALICO_VALIDATOR,
     _gnp(["fd00:ec2::254/128"]),
     {"selector": "!has(host-endpoint)", "types": ["Egress"],
      "egress": [{"action": "Allow", "ipVersion": 4},
                 {"action": "Allow", "ipVersion": 6, "destination": {"notNets": ["fd00:ec2::254/128"]}}]}),
    ("dual-stack block: one rule per family, never mixed nets", CALICO_VALIDATOR,
     _gnp(["fd00:ec2::254/128", "169.254.169.254/32"]),
     {"selector": "!has(host-endpoint)", "types": ["Egress"],
      "egress": [{"action": "Allow", "ipVersion": 4, "destination": {"notNets": ["169.254.169.254/32"]}},
                 {"action": "Allow", "ipVersion": 6, "destination": {"notNets": ["fd00:ec2::254/128"]}}]}),
    ("bare upper-case IPv6 address becomes its canonical /128", CALICO_VALIDATOR,
     lambda: render_block_policy(["FD00:EC2::254"])["spec"]["egress"][1]["destination"],
     {"notNets": ["fd00:ec2::254/128"]}),
    ("custom blocked CIDR with host bits is masked as Calico's ParseCIDR does", K8S_IPBLOCK,
     lambda: render_block_policy(["169.254.169.254/24"])["spec"]["egress"],
     [{"action": "Allow", "destination": {"notNets": ["169.254.169.0/24"]}}]),
    ("duplicate CIDRs (written two ways) are one notNets entry", CALICO_VALIDATOR,
     lambda: render_block_policy(["169.254.169.254", "169.254.169.254/32"])["spec"]["egress"],
     [{"action": "Allow", "destination": {"notNets": ["169.254.169.254/32"]}}]),
    ("metadata-only: TCP 80 to the metadata address, nothing else", LOKOMOTIVE,
     _egress(), [{"to": [{"ipBlock": {"cidr": "169.254.169.254/32"}}], "ports": IMDS_80}]),
    ("metadata-only dual-stack: one ipBlock per address, port 80 for both", K8S_IPBLOCK,
     _egress(metadata_cidrs=["169.254.169.254/32", "fd00:ec2::254/128"]),
     [{"to": [{"ipBlock": {"cidr": "169.254.169.254/32"}}, {"ipBlock": {"cidr": "fd00:ec2::254/128"}}],
       "ports": IMDS_80}]),
    ("open mode is the documented example exactly", LOKOMOTIVE,
     lambda: allow_metadata_policy(None, {"matchLabels": {"foo": "foo"}}, mode="open",
                                   name="allow-metadata-access").policy == documented_open_example(), True),
    ("include dns with the NodeLocal DNSCache addresses: kube-system pods and the caches, UDP and TCP 53", NODELOCAL,
     lambda: _egress(include=["dns"], node_local_dns=NODE_LOCAL_DNS_IPS)()[1],
     {"to": [KUBE_SYSTEM, {"ipBlock": {"cidr": "169.254.20.10/32"}}, {"ipBlock": {"cidr": "169.254.1.1/32"}}],
      "ports": DNS_PORTS}),
    ("include dns by default: the spec's rule, UDP/TCP 53 to kube-system", NODELOCAL,
     lambda: _egress(include=["dns"])()[1], {"to": [KUBE_SYSTEM], "ports": DNS_PORTS}),
    ("a cluster's own node-local DNS address (kubespray's 169.254.25.10) replaces the defaults", NODELOCAL,
     lambda: _egress(include="dns", node_local_dns=["169.254.25.10"])()[1],
     {"to": [KUBE_SYSTEM, {"ipBlock": {"cidr": "169.254.25.10/32"}}], "ports": DNS_PORTS}),
    ("no node-local cache: the DNS rule is the kube-system selector alone", NODELOCAL,
     lambda: _egress(include="dns", node_local_dns=[])()[1], {"to": [KUBE_SYSTEM], "ports": DNS_PORTS}),
    ("the offered dns rule (not included) carries the node-local addresses too", NODELOCAL,
     lambda: allow_metadata_policy("x", SEL, node_local_dns=NODE_LOCAL_DNS_IPS).offered_rules["dns"]["to"][1:],
     [{"ipBlock": {"cidr": "169.254.20.10/32"}}, {"ipBlock": {"cidr": "169.254.1.1/32"}}]),
    ("DNS ipBlocks never contain the metadata address, so the audit verdict is unchanged", NODELOCAL,
     lambda: "169.254.169.254/32" in str(_egress(include=["dns"], node_local_dns=NODE_LOCAL_DNS_IPS)()[1]), False),
    ("all-but-metadata IPv4: 0.0.0.0/0 except the metadata /32, all ports", K8S_IPBLOCK,
     lambda: _egress(include=["all-but-metadata"])()[1],
     {"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["169.254.169.254/32"]}}]}),
    ("all-but-metadata dual-stack: each except in its own family's ipBlock", K8S_IPBLOCK,
     lambda: _egress(include=["all-but-metadata"], metadata_cidrs=["169.254.169.254/32", "fd00:ec2::254/128"])()[1],
     {"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["169.254.169.254/32"]}},
             {"ipBlock": {"cidr": "::/0", "except": ["fd00:ec2::254/128"]}}]}),
    ("empty podSelector selects every pod of the namespace and names the policy after it", K8S_SELECTOR,
     lambda: (lambda p: (p["metadata"]["name"], p["spec"]["podSelector"]))(allow_metadata_policy("x", {}).policy),
     ("allow-metadata-all-pods", {})),
    ("derived name of a prefixed key, upper case and dots is a DNS-1123 name", K8S_NAMES,
     lambda: allow_metadata_policy("x", {"matchExpressions": [
         {"key": "app.kubernetes.io/name", "operator": "NotIn", "values": ["A_b", "c.d"]}]}).name,
     "allow-metadata-app-kubernetes-io-name-notin-a-b-c-d"),
    ("a long derived name is cut to 63 characters with a hash, ending alphanumeric", K8S_NAMES,
     lambda: (lambda n: (len(n) <= 63, n[-1].isalnum(), n.startswith("allow-metadata-")))(
         allow_metadata_policy("x", {"matchLabels": {"a" * 60: "b" * 60}}).name), (True, True, True)),
]


@pytest.mark.parametrize(("case", "source", "render", "expected"), RENDER_ROWS, ids=[r[0] for r in RENDER_ROWS])
def test_render_vectors_r8(case: str, source: str, render: Callable[[], Any], expected: Any) -> None:
    assert source
    assert _quiet(render) == expected, case


ERROR_ROWS: list[tuple[str, str, dict[str, Any], str]] = [
    ("In without values", K8S_SELECTOR,
     {"pod_selector": {"matchExpressions": [{"key": "a", "operator": "In", "values": []}]}},
     r"pod_selector\.matchExpressions\[0\]\.values"),
    ("Exists with values", K8S_SELECTOR,
     {"pod_selector": {"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]}},
     r"pod_selector\.matchExpressions\[0\]\.values"),
    ("unknown operator", K8S_SELECTOR,
     {"pod_selector": {"matchExpressions": [{"key": "a", "operator": "Equals", "values": ["x"]}]}},
     r"pod_selector\.matchExpressions\[0\]\.operator"),
    ("label value with a space", K8S_SELECTOR, {"pod_selector": {"matchLabels": {"app": "a b"}}},
     r"pod_selector\.matchLabels"),
    ("upper-case namespace", K8S_NAMES, {"namespace": "Default"}, r"^namespace"),
    ("unknown mode", LOKOMOTIVE, {"mode": "allow-all"}, r"^mode: .*metadata-only, open"),
    ("extra rules with mode open", LOKOMOTIVE, {"mode": "open", "include": ["dns"]}, r"^include"),
    ("metadata address as node-local DNS", NODELOCAL, {"include": ["dns"], "node_local_dns": ["169.254.169.254"]},
     r"^node_local_dns\[0\]: '169\.254\.169\.254' is not a DNS cache address"),
    ("node-local DNS that is not an address", NODELOCAL, {"node_local_dns": ["169.254.20.10", "dns.local"]},
     r"^node_local_dns\[1\]: 'dns\.local'"),
]


@pytest.mark.parametrize(("case", "source", "kwargs", "message"), ERROR_ROWS, ids=[r[0] for r in ERROR_ROWS])
def test_render_errors_r8(case: str, source: str, kwargs: dict[str, Any], message: str) -> None:
    assert source
    args = {"namespace": "x", "pod_selector": SEL, **kwargs}
    with pytest.raises(PolicyInputError, match=message):
        allow_metadata_policy(args.pop("namespace"), args.pop("pod_selector"), **args)


# ------------------------------------------------------------------------------------------------------------
# apply against the recording API server
# ------------------------------------------------------------------------------------------------------------

GNP_PATH = "/apis/crd.projectcalico.org/v1/globalnetworkpolicies"
NP_PATH = "/apis/networking.k8s.io/v1/namespaces/x/networkpolicies"


def _objects(**kwargs: Any) -> list[dict[str, Any]]:
    cidrs = kwargs.pop("blocked", ["169.254.169.254/32"])
    return _quiet(lambda: [render_block_policy(cidrs), allow_metadata_policy("x", SEL, **kwargs).policy])


@pytest.fixture
def api(kubeapi, tmp_path) -> Any:
    kubeapi.add({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x"}})
    return load_api_client(kubeapi.write_kubeconfig(tmp_path / "kc"))


def test_dry_run_create_sends_dry_run_all_and_stores_nothing(kubeapi, api) -> None:
    assert K8S_APPLY
    results = apply_policies(_objects(include=["dns"]), api_client=api, dry_run=True)
    assert [(r.ref, r.action) for r in results] == [
        ("GlobalNetworkPolicy block-metadata-access", "would create"),
        ("NetworkPolicy x/allow-metadata-app-ebs-csi", "would create")]
    assert [(w.method, w.path, w.query, w.status) for w in kubeapi.writes()] == [
        ("POST", GNP_PATH, {"dryRun": ["All"]}, 201), ("POST", NP_PATH, {"dryRun": ["All"]}, 201)]
    assert kubeapi.objects("networking.k8s.io/v1", "NetworkPolicy", "x") == []


def test_create_then_unchanged_then_replace_with_the_stored_resource_version(kubeapi, api) -> None:
    assert [r.action for r in apply_policies(_objects(), api_client=api, confirm=True)] == ["created"] * 2
    stored = kubeapi.get("networking.k8s.io/v1", "NetworkPolicy", "allow-metadata-app-ebs-csi", "x")
    assert stored["metadata"]["labels"] == MANAGED_BY and stored["spec"]["egress"][0]["ports"] == IMDS_80
    before = len(kubeapi.writes())
    assert [r.action for r in apply_policies(_objects(), api_client=api, confirm=True)] == ["unchanged"] * 2
    assert len(kubeapi.writes()) == before  # idempotent: nothing written
    changed = _objects(include=["dns", "all-but-metadata"], blocked=["169.254.169.254/32", "fd00:ec2::254/128"],
                       node_local_dns=NODE_LOCAL_DNS_IPS)
    assert [r.action for r in apply_policies(changed, api_client=api, dry_run=True)] == ["would replace"] * 2
    assert kubeapi.get("networking.k8s.io/v1", "NetworkPolicy", "allow-metadata-app-ebs-csi", "x") == stored
    assert [r.action for r in apply_policies(changed, api_client=api, confirm=True)] == ["replaced"] * 2
    puts = [w for w in kubeapi.writes() if w.method == "PUT" and not w.dry_run]
    assert [w.body["metadata"]["resourceVersion"] for w in puts][1] == stored["metadata"]["resourceVersion"]
    now = kubeapi.get("networking.k8s.io/v1", "NetworkPolicy", "allow-metadata-app-ebs-csi", "x")
    assert now["metadata"]["generation"] == stored["metadata"]["generation"] + 1
    assert now["spec"]["egress"][1]["to"][1:] == [{"ipBlock": {"cidr": "169.254.20.10/32"}},
                                                  {"ipBlock": {"cidr": "169.254.1.1/32"}}]
    assert [r.action for r in apply_policies(changed, api_client=api, confirm=True)] == ["unchanged"] * 2


def test_foreign_labels_and_annotations_are_kept_and_do_not_force_a_write(kubeapi, api) -> None:
    block, allow = _objects()
    kubeapi.add({**allow, "metadata": {**allow["metadata"], "labels": {"team": "storage", **MANAGED_BY},
                                       "annotations": {"note": "kept"}}})
    results = apply_policies([allow], api_client=api, confirm=True)
    assert [r.action for r in results] == ["unchanged"] and not kubeapi.writes()


def test_calico_crd_missing_is_the_calico_message_and_writes_nothing(kubeapi, api) -> None:
    kubeapi.remove_crd("globalnetworkpolicies.crd.projectcalico.org")
    for dry in (True, False):
        with pytest.raises(CalicoNotInstalled, match=r"GlobalNetworkPolicy block-metadata-access: Calico is not "):
            apply_policies(_objects(), api_client=api, confirm=True, dry_run=dry)
    assert not kubeapi.writes()  # the block policy is first: the allow policy was not applied either


@pytest.mark.parametrize(("setup", "error"), [
    (lambda k: k.forbid("create", "networkpolicies"),
     r"NetworkPolicy x/allow-metadata-app-ebs-csi: forbidden \(403\): .*permission to apply it"),
    (lambda k: k.fail_next(409, method="POST", path="/networkpolicies$", reason="AlreadyExists",
                           message='networkpolicies.networking.k8s.io "allow-metadata-app-ebs-csi" already exists'),
     r"NetworkPolicy x/allow-metadata-app-ebs-csi: conflict \(409\): .* already exists\. .*run again"),
    (lambda k: k.fail_next(422, method="POST", path="/networkpolicies$", message="spec.egress: Invalid value"),
     r"NetworkPolicy x/allow-metadata-app-ebs-csi: the API server rejected it as invalid \(422\)"),
], ids=["403 forbidden", "409 created meanwhile", "422 invalid"])
def test_api_errors_name_the_object(kubeapi, api, setup, error) -> None:
    setup(kubeapi)
    with pytest.raises(KubeApiError, match=error):
        apply_policies(_objects(), api_client=api, confirm=True)


def test_missing_namespace_is_a_404_naming_it(kubeapi, api) -> None:
    allow = _quiet(lambda: allow_metadata_policy("nope", SEL).policy)
    with pytest.raises(KubeApiError, match=r'NetworkPolicy nope/allow-metadata-app-ebs-csi: not found \(404\): '
                                           r'namespaces "nope" not found'):
        apply_policies([allow], api_client=api, confirm=True)


def test_server_validates_the_node_local_dns_rule(kubeapi, api) -> None:
    """The NodeLocal ipBlocks pass the server's NetworkPolicy validation (valid CIDRs, no except)."""
    objs = _objects(include=["dns"], node_local_dns=["169.254.20.10", "fd00::53"])
    assert [r.action for r in apply_policies(objs, api_client=api, confirm=True)] == ["created"] * 2


def test_nothing_is_written_without_confirm(kubeapi, api) -> None:
    with pytest.raises(NotConfirmed):
        apply_policies(_objects(), api_client=api)
    assert not kubeapi.requests_matching(path_prefix="/apis/")
