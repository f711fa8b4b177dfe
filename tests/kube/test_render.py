"""Rendering: exact shapes, client-model and schema validation, the documented example, bad input."""

from __future__ import annotations

import kubernetes
import kubernetes_validate
import pytest
import yaml

from lokonb.kube.errors import PolicyInputError
from lokonb.kube.labels import LabelSelector
from lokonb.kube.metadata import (
    DOCUMENTED_OPEN_EXAMPLE,
    MetadataPolicyWarning,
    allow_metadata_policy,
    derive_policy_name,
    render_block_policy,
    to_yaml,
)

K8S_VERSION = "1.31"


def _deserialize(obj, model: str):
    """Round-trip a dict through the kubernetes client model (raises on unknown/ill-typed fields)."""
    api = kubernetes.client.ApiClient()
    model_obj = api._ApiClient__deserialize(obj, model)  # the client's own deserializer
    return api.sanitize_for_serialization(model_obj)


def test_block_policy_exact_shape():
    assert render_block_policy() == {
        "apiVersion": "crd.projectcalico.org/v1",
        "kind": "GlobalNetworkPolicy",
        "metadata": {"name": "block-metadata-access"},
        "spec": {
            "selector": "!has(host-endpoint)",
            "types": ["Egress"],
            "egress": [{"action": "Allow", "destination": {"notNets": ["169.254.169.254/32"]}}],
        },
    }
    assert "order" not in render_block_policy()["spec"]


def test_block_policy_custom_cidrs_and_bare_ip_warning():
    with pytest.warns(
        MetadataPolicyWarning, match="bare IP 169.254.169.254 normalised to 169.254.169.254/32"
    ):
        gnp = render_block_policy(["169.254.169.254", "169.254.170.2/32"])
    assert gnp["spec"]["egress"] == [
        {"action": "Allow", "destination": {"notNets": ["169.254.169.254/32", "169.254.170.2/32"]}}
    ]
    with pytest.warns(MetadataPolicyWarning, match="/128"):
        v6 = render_block_policy(["fd00:ec2::254"])
    # IPv6-only blocks keep an IPv4 allow rule: felix drops the v6 notNets rule for IPv4 packets
    assert v6["spec"]["egress"] == [
        {"action": "Allow", "ipVersion": 4},
        {"action": "Allow", "ipVersion": 6, "destination": {"notNets": ["fd00:ec2::254/128"]}},
    ]


def test_block_policy_mixed_families_one_rule_per_family():
    gnp = render_block_policy(["169.254.169.254/32", "fd00:ec2::254/128"])
    assert gnp["spec"]["egress"] == [
        {"action": "Allow", "ipVersion": 4, "destination": {"notNets": ["169.254.169.254/32"]}},
        {"action": "Allow", "ipVersion": 6, "destination": {"notNets": ["fd00:ec2::254/128"]}},
    ]


@pytest.mark.parametrize("bad", ["169.254.169.254/33", "not-a-cidr", "", "10.0.0.0/8/1", "fd00::zz/128"])
def test_invalid_cidr_is_a_clear_error(bad):
    with pytest.raises(PolicyInputError, match=r"blocked_cidrs\[1\]: .* is not a (valid )?CIDR"):
        render_block_policy(["169.254.169.254/32", bad])


def test_open_mode_reproduces_documented_example():
    allow = allow_metadata_policy(
        None, {"matchLabels": {"foo": "foo"}}, mode="open", name="allow-metadata-access"
    )
    assert allow.policy == yaml.safe_load(DOCUMENTED_OPEN_EXAMPLE)
    assert to_yaml([allow.policy]) == DOCUMENTED_OPEN_EXAMPLE
    assert any("very open" in w for w in allow.warnings)


def test_metadata_only_shape_warning_and_offers():
    allow = allow_metadata_policy("kube-system", {"matchLabels": {"app": "ebs-csi-controller"}})
    assert allow.policy["metadata"] == {
        "name": "allow-metadata-app-ebs-csi-controller",
        "namespace": "kube-system",
    }
    assert allow.policy["spec"] == {
        "podSelector": {"matchLabels": {"app": "ebs-csi-controller"}},
        "policyTypes": ["Egress"],
        "egress": [
            {"to": [{"ipBlock": {"cidr": "169.254.169.254/32"}}], "ports": [{"protocol": "TCP", "port": 80}]}
        ],
    }
    assert any("DNS included" in w for w in allow.warnings)
    assert set(allow.offered_rules) == {"dns", "all-but-metadata"}
    assert allow.offered_rules["dns"]["ports"] == [
        {"protocol": "UDP", "port": 53},
        {"protocol": "TCP", "port": 53},
    ]
    full = allow_metadata_policy(
        "kube-system", {"matchLabels": {"app": "x"}}, include=["dns", "all-but-metadata"]
    )
    assert len(full.policy["spec"]["egress"]) == 3 and not full.warnings and not full.offered_rules
    assert full.policy["spec"]["egress"][2] == {
        "to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["169.254.169.254/32"]}}]
    }
    known = allow_metadata_policy("ns", {"matchLabels": {"app": "x"}}, other_egress_policies=["ns/other"])
    assert not known.warnings


def _all_rendered():
    yield render_block_policy(["169.254.169.254/32", "fd00:ec2::254/128"])
    yield allow_metadata_policy(None, {"matchLabels": {"foo": "foo"}}, mode="open").policy
    yield allow_metadata_policy(
        "a",
        {
            "matchExpressions": [
                {"key": "tier", "operator": "NotIn", "values": ["x"]},
                {"key": "aws", "operator": "Exists"},
            ]
        },
        include=["dns", "all-but-metadata"],
    ).policy


@pytest.mark.parametrize("index", [1, 2])
def test_network_policies_valid_against_client_models_and_schema(index):
    obj = list(_all_rendered())[index]
    assert _deserialize(obj, "V1NetworkPolicy") == obj
    kubernetes_validate.validate(obj, K8S_VERSION, strict=True)  # raises ValidationError when invalid


def test_network_policy_schema_rejects_wrong_field():
    bad = allow_metadata_policy("a", {"matchLabels": {"x": "y"}}).policy
    bad["spec"]["egress"][0]["ports"][0]["port"] = {"nope": 1}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, K8S_VERSION, strict=True)


# The GlobalNetworkPolicy part of Calico's CRD schema (crd.projectcalico.org_globalnetworkpolicies.yaml),
# reduced to the fields lokonb writes and their siblings; unknown fields refused (as pruning would).
_ENTITY = {
    "type": "object",
    "additionalProperties": False,
    "properties": {k: {"type": "array", "items": {"type": "string"}} for k in ("nets", "notNets")}
    | {
        "selector": {"type": "string"},
        "notSelector": {"type": "string"},
        "namespaceSelector": {"type": "string"},
        "ports": {"type": "array"},
        "notPorts": {"type": "array"},
        "serviceAccounts": {"type": "object"},
        "services": {"type": "object"},
    },
}
_RULE = {
    "type": "object",
    "required": ["action"],
    "additionalProperties": False,
    "properties": {
        "action": {"enum": ["Allow", "Deny", "Log", "Pass"]},
        "ipVersion": {"enum": [4, 6]},
        "protocol": {},
        "notProtocol": {},
        "icmp": {"type": "object"},
        "notICMP": {"type": "object"},
        "http": {"type": "object"},
        "metadata": {"type": "object"},
        "source": _ENTITY,
        "destination": _ENTITY,
    },
}
GNP_SCHEMA = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"const": "crd.projectcalico.org/v1"},
        "kind": {"const": "GlobalNetworkPolicy"},
        "spec": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "selector": {"type": "string"},
                "namespaceSelector": {"type": "string"},
                "serviceAccountSelector": {"type": "string"},
                "order": {"type": "number"},
                "types": {"type": "array", "items": {"enum": ["Ingress", "Egress"]}},
                "egress": {"type": "array", "items": _RULE},
                "ingress": {"type": "array", "items": _RULE},
                "doNotTrack": {"type": "boolean"},
                "preDNAT": {"type": "boolean"},
                "applyOnForward": {"type": "boolean"},
                "tier": {"type": "string"},
            },
        },
    },
}


def test_block_policy_matches_calico_crd_schema():
    import ipaddress

    import jsonschema

    for gnp in (render_block_policy(), list(_all_rendered())[0]):
        jsonschema.validate(gnp, GNP_SCHEMA)
        for rule in gnp["spec"]["egress"]:  # Calico refuses rules mixing IP families
            versions = {ipaddress.ip_network(n).version for n in rule["destination"]["notNets"]}
            assert len(versions) == 1 and rule.get("ipVersion", versions.copy().pop()) in versions
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**render_block_policy(), "spec": {"selector": 1}}, GNP_SCHEMA)


def test_block_policy_is_a_valid_custom_object():
    gnp = list(_all_rendered())[0]
    # GNPs have no typed client model: check the envelope with V1PartialObjectMetadata's metadata model
    meta = _deserialize(gnp["metadata"], "V1ObjectMeta")
    assert meta == {"name": "block-metadata-access"}
    for rule in gnp["spec"]["egress"]:
        assert set(rule) <= {"action", "ipVersion", "destination"} and rule["action"] == "Allow"


@pytest.mark.parametrize(
    ("namespace", "selector", "mode", "field"),
    [
        ("", {"matchLabels": {"a": "b"}}, "open", "namespace"),
        ("Bad_NS", {"matchLabels": {"a": "b"}}, "open", "namespace"),
        ("ns", {"matchLabels": {"-bad": "b"}}, "open", "pod_selector.matchLabels"),
        ("ns", {"matchLabels": {"a": "bad value"}}, "open", "pod_selector.matchLabels"),
        (
            "ns",
            {"matchExpressions": [{"key": "a", "operator": "Like", "values": ["b"]}]},
            "open",
            "pod_selector.matchExpressions[0].operator",
        ),
        (
            "ns",
            {"matchExpressions": [{"key": "a", "operator": "In"}]},
            "open",
            "pod_selector.matchExpressions[0].values",
        ),
        (
            "ns",
            {"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]},
            "open",
            "pod_selector.matchExpressions[0].values",
        ),
        ("ns", {"podSelector": {}}, "open", "pod_selector"),
        ("ns", {"matchLabels": {"a": "b"}}, "wide-open", "mode"),
    ],
)
def test_bad_allow_input_names_the_field(namespace, selector, mode, field):
    with pytest.raises(PolicyInputError) as err:
        allow_metadata_policy(namespace, selector, mode=mode)
    assert err.value.field == field
    assert err.value.exit_code == 2


def test_derived_names_are_dns1123_and_short():
    long = LabelSelector.parse({"matchLabels": {f"example.com/key{i}": "v" * 40 for i in range(3)}})
    name = derive_policy_name(long)
    assert len(name) <= 63 and name.startswith("allow-metadata-")
    assert derive_policy_name(LabelSelector()) == "allow-metadata-all-pods"
    allow = allow_metadata_policy("ns", long)
    assert allow.name == name


def test_selector_strings():
    sel = LabelSelector.from_strings(["app=web", "tier in (a, b)", "!legacy", "env!=dev", "aws"])
    assert sel.to_dict() == {
        "matchLabels": {"app": "web"},
        "matchExpressions": [
            {"key": "tier", "operator": "In", "values": ["a", "b"]},
            {"key": "legacy", "operator": "DoesNotExist"},
            {"key": "env", "operator": "NotIn", "values": ["dev"]},
            {"key": "aws", "operator": "Exists"},
        ],
    }
    assert sel.matches({"app": "web", "tier": "a", "aws": "1"})
    assert not sel.matches({"app": "web", "tier": "a", "aws": "1", "legacy": ""})
    with pytest.raises(PolicyInputError, match="cannot parse"):
        LabelSelector.from_strings(["app=web=x"])


@pytest.mark.parametrize("include,rules", [("dns", 2), (["dns"], 2), ("all-but-metadata", 2),
                                           (("dns", "all-but-metadata"), 3), ((), 1)])
def test_include_as_one_string_is_one_rule(include, rules):
    # a plain string was read letter by letter: "unknown rule(s) ['d', 'n', 's']"
    allow = allow_metadata_policy("default", {"matchLabels": {"app": "a"}}, include=include,
                                  other_egress_policies="team-egress")
    assert len(allow.policy["spec"]["egress"]) == rules
