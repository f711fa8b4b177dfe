"""Upstream vectors, round 5: the RENDERED side. Every object lokonb renders (the block GlobalNetworkPolicy, the allow
NetworkPolicy and its offered rules) checked field by field against transcriptions of the API server's and Calico's
validation, and against felix's per-family rule filtering; then ``apply_policies`` against the recording API server
(resourceVersion on update, a real 409 on a stale one, 422 causes, dry-run updates).

Each row names its source (repository, path, commit). Expected answers come from the upstream code, not from lokonb.
"""

from __future__ import annotations

import ipaddress
import re
import warnings
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
from kubeapi_server import kubeapi_fixture

from lokonb.kube.apply import apply_policies
from lokonb.kube.client import load_api_client
from lokonb.kube.errors import KubeApiError
from lokonb.kube.metadata import MetadataPolicyWarning, allow_metadata_policy, render_block_policy

from .test_render import GNP_SCHEMA, K8S_VERSION
from .test_upstream_vectors_r2 import _api_errors, _check

kubeapi = kubeapi_fixture()

CALICO_VALIDATOR = (
    "projectcalico/calico libcalico-go/lib/validator/v3/validator.go@00c10b0abb46 (validateRule scanNets: 'rule IP "
    "version doesn't match CIDR version', 'rule contains both IPv4 and IPv6 CIDRs'; validateObjectMeta: name a "
    "DNS-1123 subdomain of at most 253 characters)"
)
FELIX_FILTER = (
    "projectcalico/calico felix/rules/policy.go (FilterRuleToIPVersion: a rule with ipVersion of the other family "
    "is skipped; a rule whose notNets hold CIDRs but none of the packet's family is dropped (filteredAll); no rule "
    "matching falls to the policy's implicit deny)"
)
K8S_VALIDATION = (
    "kubernetes/kubernetes pkg/apis/networking/validation/validation.go@1758d176899c (ValidateNetworkPolicyName = "
    "NameIsDNSSubdomain; ValidateNetworkPolicyPort: protocol TCP/UDP/SCTP, IsValidPortNum 1-65535; ValidateIPBlock) "
    "+ apimachinery ValidateObjectMeta (namespace a DNS-1123 label) and ValidateLabels / ValidateLabelSelector"
)
APISERVER_UPDATE = (
    "kubernetes/kubernetes staging/src/k8s.io/apiserver/pkg/registry/generic/registry/store.go (Update: a stale "
    "metadata.resourceVersion is 409 Conflict 'the object has been modified'; dryRun=All validates without storing)"
)

_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_LABEL_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")


def calico_rule_errors(rule: dict[str, Any]) -> list[str]:
    """``validateRule``'s CIDR checks (CALICO_VALIDATOR), transcribed."""
    errors: list[str] = []
    seen: set[int] = set()
    for side in ("source", "destination"):
        for key in ("nets", "notNets"):
            versions = {ipaddress.ip_network(n).version for n in (rule.get(side) or {}).get(key) or []}
            if rule.get("ipVersion") is not None and versions - {rule["ipVersion"]}:
                errors.append(f"{side}.{key}: rule IP version doesn't match CIDR version")
            if len(versions | seen) > 1:
                errors.append(f"{side}.{key}: rule contains both IPv4 and IPv6 CIDRs")
            seen |= versions
    if rule.get("action") not in ("Allow", "Deny", "Log", "Pass"):
        errors.append(f"action: {rule.get('action')!r}")
    return errors


def felix_allows(gnp: dict[str, Any], ip: str) -> bool:
    """Egress verdict of one GlobalNetworkPolicy for a destination address (FELIX_FILTER), transcribed."""
    address = ipaddress.ip_address(ip)
    for rule in gnp["spec"].get("egress") or []:
        if rule.get("ipVersion") not in (None, address.version):
            continue
        not_nets = (rule.get("destination") or {}).get("notNets") or []
        same_family = [ipaddress.ip_network(n) for n in not_nets if ipaddress.ip_network(n).version == address.version]
        if not_nets and not same_family:
            continue  # filteredAll: the rule does not exist for this family
        if any(address in net for net in same_family):
            continue
        return rule["action"] == "Allow"
    return False


def k8s_policy_errors(policy: dict[str, Any]) -> list[str]:
    """The K8S_VALIDATION checks a rendered allow policy can meet: names, labels, selector, ports, ipBlocks."""
    errors = list(_api_errors(policy))
    meta = policy["metadata"]
    if len(meta["name"]) > 253 or not _SUBDOMAIN.match(meta["name"]):
        errors.append("metadata.name")
    if "namespace" in meta and (len(meta["namespace"]) > 63 or not _LABEL.match(meta["namespace"])):
        errors.append("metadata.namespace")
    selectors = [policy["spec"]["podSelector"]] + [
        peer[key] for rule in policy["spec"].get("egress") or [] for peer in rule.get("to") or []
        for key in ("podSelector", "namespaceSelector") if key in peer
    ]
    for selector in selectors:
        labels = dict(selector.get("matchLabels") or {})
        labels.update({e["key"]: v for e in selector.get("matchExpressions") or [] for v in e.get("values") or []})
        for key, value in labels.items():
            prefix, _, name = key.rpartition("/")
            if (prefix and (len(prefix) > 253 or not _SUBDOMAIN.match(prefix))) or len(name) > 63 \
                    or not _LABEL_NAME.match(name):
                errors.append(f"label key {key}")
            if len(value) > 63 or not _LABEL_VALUE.match(value):
                errors.append(f"label value {value}")
        for expr in selector.get("matchExpressions") or []:
            if (expr["operator"] in ("In", "NotIn")) != bool(expr.get("values")):
                errors.append(f"matchExpressions {expr['key']}")
    for rule in policy["spec"].get("egress") or []:
        for port in rule.get("ports") or []:
            if port.get("protocol", "TCP") not in ("TCP", "UDP", "SCTP") or not 1 <= int(port["port"]) <= 65535:
                errors.append(f"port {port}")
    return errors


def test_transcriptions_can_fail() -> None:
    assert calico_rule_errors({"action": "Allow", "ipVersion": 4, "destination": {"notNets": ["fd00::/64"]}}) == [
        "destination.notNets: rule IP version doesn't match CIDR version"]
    assert calico_rule_errors({"action": "Allow", "source": {"nets": ["10.0.0.0/8"]},
                               "destination": {"notNets": ["fd00::/64"]}}) == [
        "destination.notNets: rule contains both IPv4 and IPv6 CIDRs"]
    v6_only = {"spec": {"egress": [{"action": "Allow", "destination": {"notNets": ["fd00:ec2::254/128"]}}]}}
    assert felix_allows(v6_only, "10.0.0.1") is False and felix_allows(v6_only, "2600::1") is True
    bad = {"metadata": {"name": "A", "namespace": "a" * 64},
           "spec": {"podSelector": {"matchLabels": {"k": "v" * 64}}, "egress": [{"ports": [{"port": 0}]}]}}
    assert k8s_policy_errors(bad) == ["metadata.name", "metadata.namespace", f"label value {'v' * 64}",
                                      "port {'port': 0}"]


# ------------------------------------------------------------------------------------------------------------
# block policy rows: (case, blocked CIDRs, {destination: allowed by felix})
# ------------------------------------------------------------------------------------------------------------
BlockRow = tuple[str, list[str], dict[str, bool]]

#: Rows lokonb rendered as upstream expects before this file (kept as a conformance table).
BLOCK_VECTORS: list[BlockRow] = [
    ("default: IMDS denied, the rest of IPv4 allowed; IPv6 has no rule (Lokomotive's shape, spec §1)",
     ["169.254.169.254/32"], {"169.254.169.254": False, "10.0.0.1": True, "169.254.169.253": True,
                              "2600:1f18::1": False}),
    ("both IMDS addresses: one rule per family, everything else allowed",
     ["169.254.169.254/32", "fd00:ec2::254/128"], {"169.254.169.254": False, "fd00:ec2::254": False,
                                                   "10.0.0.1": True, "2600:1f18::1": True}),
    ("several IPv4 CIDRs merged into one notNets list (ECS task metadata 169.254.170.2 too)",
     ["169.254.169.254/32", "169.254.170.2/32", "169.254.169.254/32"],
     {"169.254.169.254": False, "169.254.170.2": False, "169.254.170.3": True}),
    ("host bits cleared: 169.254.169.254/16 blocks the link-local /16",
     ["169.254.169.254/16"], {"169.254.1.1": False, "10.0.0.1": True}),
]
#: Rows lokonb got wrong: an IPv6-only notNets rule does not exist for IPv4 packets, so every pod lost all IPv4
#: egress (the IPv4 IMDS address included, by accident).
BLOCK_VECTORS_FIXED: list[BlockRow] = [
    ("IPv6 IMDS only: IPv4 egress untouched", ["fd00:ec2::254/128"],
     {"fd00:ec2::254": False, "2600:1f18::1": True, "10.0.0.1": True, "169.254.169.254": True}),
    ("bare IPv6 address: normalised to /128, IPv4 untouched", ["fd00:ec2::254"],
     {"fd00:ec2::254": False, "10.0.0.1": True}),
    ("a whole IPv6 range blocked: IPv4 untouched", ["fd00:ec2::/32"],
     {"fd00:ec2::1": False, "2600:1f18::1": True, "8.8.8.8": True}),
]


@pytest.mark.parametrize(("case", "cidrs", "expect"), BLOCK_VECTORS + BLOCK_VECTORS_FIXED,
                         ids=[r[0] for r in BLOCK_VECTORS + BLOCK_VECTORS_FIXED])
def test_block_policy_against_calico_and_felix(case: str, cidrs: list[str], expect: dict[str, bool]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MetadataPolicyWarning)
        gnp = render_block_policy(cidrs)
    jsonschema.validate(gnp, GNP_SCHEMA)  # Calico's CRD schema (test_render's transcription)
    name = gnp["metadata"]["name"]
    assert len(name) <= 253 and _SUBDOMAIN.match(name), CALICO_VALIDATOR
    assert [e for rule in gnp["spec"]["egress"] for e in calico_rule_errors(rule)] == [], (case, CALICO_VALIDATOR)
    assert {ip: felix_allows(gnp, ip) for ip in expect} == expect, (case, FELIX_FILTER)


def test_audit_of_an_ipv6_only_block_leaves_ipv4_imds_reachable() -> None:
    """The audit (which already models FELIX_FILTER) agrees with the rendered policy: blocking only the IPv6
    address leaves 169.254.169.254 reachable; before the fix it said 'blocked' because all IPv4 was cut."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MetadataPolicyWarning)
        gnp = render_block_policy(["fd00:ec2::254/128"])
    _check("IPv6-only block, IPv4 IMDS", [gnp], {"x/a": True, "y/a": True}, "block-metadata-access")


# ------------------------------------------------------------------------------------------------------------
# allow policy rows: odd but legal inputs -> (case, namespace, selector, kwargs); every rendered and offered rule
# must pass K8S_VALIDATION, and the derived name must stay a DNS-1123 label (spec §2: at most 63 characters)
# ------------------------------------------------------------------------------------------------------------
AllowRow = tuple[str, str | None, dict[str, Any], dict[str, Any]]
ALLOW_VECTORS: list[AllowRow] = [
    ("namespace of 63 characters", "n" * 63, {"matchLabels": {"app": "x"}}, {}),
    ("label value with dots and underscores, prefixed key", "apps",
     {"matchLabels": {"app.kubernetes.io/name": "My_App.v1.2"}}, {"include": ["dns", "all-but-metadata"]}),
    ("63-character key name and value: derived name truncated with a digest", "apps",
     {"matchLabels": {"k" * 63: "V" * 63}}, {}),
    ("253-character key prefix", "apps", {"matchLabels": {("a" * 61 + ".") * 4 + "b" + "/k": "v"}}, {}),
    ("matchExpressions In/NotIn/Exists/DoesNotExist", "apps",
     {"matchExpressions": [{"key": "tier", "operator": "In", "values": ["a_b", "c.d"]},
                           {"key": "env", "operator": "NotIn", "values": ["dev"]},
                           {"key": "sa", "operator": "Exists"}, {"key": "x", "operator": "DoesNotExist"}]}, {}),
    ("IPv6 metadata address only, both offered rules", "apps", {"matchLabels": {"app": "x"}},
     {"metadata_cidrs": ["fd00:ec2::254/128"], "include": ["dns", "all-but-metadata"]}),
    ("both families merged in one rule, all-but-metadata per family", "apps", {"matchLabels": {"app": "x"}},
     {"metadata_cidrs": ["169.254.169.254/32", "fd00:ec2::254/128", "169.254.170.2/32"],
      "include": ["all-but-metadata"]}),
    ("no namespace (kubectl uses the context's)", None, {}, {"mode": "open"}),
    ("given name of 63 characters with dots", "apps", {"matchLabels": {"app": "x"}}, {"name": "a." * 31 + "b"}),
]


@pytest.mark.parametrize(("case", "namespace", "selector", "kwargs"), ALLOW_VECTORS, ids=[r[0] for r in ALLOW_VECTORS])
def test_allow_policy_passes_api_validation(case: str, namespace: str | None, selector: dict[str, Any],
                                            kwargs: dict[str, Any]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MetadataPolicyWarning)
        allow = allow_metadata_policy(namespace, selector, **kwargs)
    assert k8s_policy_errors(allow.policy) == [], (case, K8S_VALIDATION)
    kubernetes_validate.validate(allow.policy, K8S_VERSION, strict=True)  # the OpenAPI schema: field names, types
    assert len(allow.name) <= 63 and _SUBDOMAIN.match(allow.name), case
    for rule_name, rule in allow.offered_rules.items():
        offered = {**allow.policy, "spec": {"podSelector": {}, "egress": [rule]}}
        assert k8s_policy_errors(offered) == [], (case, rule_name)


# ------------------------------------------------------------------------------------------------------------
# apply rows, over real HTTP against the recording API server (APISERVER_UPDATE)
# ------------------------------------------------------------------------------------------------------------
@pytest.fixture
def api(kubeapi, tmp_path):
    return load_api_client(kubeapi.write_kubeconfig(tmp_path / "kubeconfig"))


def _objects(port_note: str = "") -> list[dict[str, Any]]:
    allow = allow_metadata_policy("kube-system", {"matchLabels": {"app.kubernetes.io/name": "ebs_csi.v1"}},
                                  include=["dns"]).policy
    if port_note:
        allow["metadata"]["annotations"] = {"note": port_note}
    return [render_block_policy(), allow]


def test_update_sends_the_read_resource_version(kubeapi, api) -> None:
    apply_policies(_objects(), api_client=api, confirm=True)
    stored = {o["kind"]: o["metadata"]["resourceVersion"] for o in
              kubeapi.objects("networking.k8s.io/v1", "NetworkPolicy", "kube-system")
              + kubeapi.objects("crd.projectcalico.org/v1", "GlobalNetworkPolicy")}
    results = apply_policies(_objects("changed"), api_client=api, confirm=True)
    assert [r.action for r in results] == ["unchanged", "replaced"]
    (put,) = kubeapi.requests_matching("PUT")
    assert put.body["metadata"]["resourceVersion"] == stored["NetworkPolicy"], APISERVER_UPDATE


def test_dry_run_update_sends_dry_run_all_and_keeps_the_stored_object(kubeapi, api) -> None:
    apply_policies(_objects(), api_client=api, confirm=True)
    before = kubeapi.objects("networking.k8s.io/v1", "NetworkPolicy", "kube-system")
    results = apply_policies(_objects("changed"), api_client=api, dry_run=True)
    assert [r.action for r in results] == ["unchanged", "would replace"]
    (put,) = kubeapi.requests_matching("PUT")
    assert put.query.get("dryRun") == ["All"], APISERVER_UPDATE
    assert kubeapi.objects("networking.k8s.io/v1", "NetworkPolicy", "kube-system") == before


def test_stale_resource_version_is_a_real_409_naming_the_object(kubeapi, api, monkeypatch) -> None:
    """Someone else updates the policy between lokonb's read and its write: the server's own 409."""
    apply_policies(_objects(), api_client=api, confirm=True)
    from kubernetes import client

    real_replace = client.NetworkingV1Api.replace_namespaced_network_policy

    def racing_replace(self, name, namespace, body, **kwargs):  # the other writer wins the race
        (current,) = kubeapi.objects("networking.k8s.io/v1", "NetworkPolicy", "kube-system")
        current["metadata"].setdefault("labels", {})["other"] = "writer"
        kubeapi.add(current)
        return real_replace(self, name, namespace, body, **kwargs)

    monkeypatch.setattr(client.NetworkingV1Api, "replace_namespaced_network_policy", racing_replace)
    with pytest.raises(KubeApiError, match=r"conflict \(409\).*run again") as err:
        apply_policies(_objects("changed"), api_client=api, confirm=True)
    assert err.value.status == 409 and "NetworkPolicy kube-system/allow-metadata-" in str(err.value)
    (put,) = kubeapi.requests_matching("PUT")
    assert put.status == 409, APISERVER_UPDATE


def test_422_names_every_invalid_field(kubeapi, api) -> None:
    bad = _objects()[1]
    bad["spec"]["egress"][0]["to"][0]["ipBlock"]["except"] = ["10.0.0.0/8"]
    bad["metadata"]["labels"] = {"team": "a b"}
    with pytest.raises(KubeApiError, match=r"invalid \(422\)") as err:
        apply_policies([bad], api_client=api, confirm=True)
    message = str(err.value)
    assert "spec.egress[0].to[0].ipBlock.except[0]" in message and "metadata.labels" in message, K8S_VALIDATION
    assert kubeapi.objects("networking.k8s.io/v1", "NetworkPolicy", "kube-system") == []
