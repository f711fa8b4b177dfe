"""General NetworkPolicy and Calico semantics beyond the truth table (a hidden dump will test these)."""

from __future__ import annotations

import pytest

from .test_audit_truth_table import GNP, np, pod, verdict

A = {"app": "a"}
IMDS = {"ipBlock": {"cidr": "169.254.169.254/32"}}


def test_policy_types_defaulting_egress_rules_without_policy_types_isolate():
    p = np("no-types", [{"to": [{"ipBlock": {"cidr": "10.0.0.0/8"}}]}], types=None)
    v = verdict(p, pod("p", labels=A))  # no GNP: the NetworkPolicy alone isolates egress
    assert v.reachable is False and v.reason.startswith("egress-isolated by NetworkPolicy apps/no-types")


def test_policy_types_defaulting_no_egress_means_ingress_only():
    v = verdict(np("ingress-default", None, types=None), pod("p", labels=A))
    assert v.reachable is True and v.reason.startswith("no cluster-wide block")
    v = verdict(np("ingress-only", [], types=["Ingress"]), pod("p", labels=A))
    assert v.reachable is True


def test_default_deny_without_gnp_blocks():
    v = verdict(np("deny", [], selector={}), pod("p", labels=A))
    assert v.reachable is False
    assert "no egress rules (default deny)" in v.reason and v.policy == "apps/deny"


def test_union_of_policies_one_allow_is_enough():
    deny = np("deny", [], selector={})
    allow = np("imds", [{"to": [IMDS], "ports": [{"port": 80}]}])  # protocol defaults to TCP
    v = verdict(GNP, deny, allow, pod("p", labels=A))
    assert v.reachable is True and v.policy == "apps/imds"


def test_end_port_range():
    rng = np("range", [{"to": [IMDS], "ports": [{"protocol": "TCP", "port": 79, "endPort": 81}]}])
    assert verdict(GNP, rng, pod("p", labels=A)).reachable is True
    rng2 = np("range", [{"to": [IMDS], "ports": [{"protocol": "TCP", "port": 81, "endPort": 90}]}])
    assert verdict(GNP, rng2, pod("p", labels=A)).reachable is False


def test_udp_80_and_port_less_tcp():
    udp = np("udp", [{"to": [IMDS], "ports": [{"protocol": "UDP", "port": 80}]}])
    assert verdict(GNP, udp, pod("p", labels=A)).reachable is False
    any_tcp = np("tcp", [{"to": [IMDS], "ports": [{"protocol": "TCP"}]}])
    assert verdict(GNP, any_tcp, pod("p", labels=A)).reachable is True


def test_ipblock_not_containing_and_selector_peers():
    other = np(
        "other",
        [{"to": [{"ipBlock": {"cidr": "10.0.0.0/8"}}, {"podSelector": {}}, {"namespaceSelector": {}}]}],
    )
    v = verdict(GNP, other, pod("p", labels=A))
    assert v.reachable is False
    assert "does not contain 169.254.169.254" in v.reason and "selector peers never match" in v.reason


def test_wide_cidr_with_unrelated_except_allows():
    wide = np("wide", [{"to": [{"ipBlock": {"cidr": "169.254.0.0/16", "except": ["169.254.170.0/24"]}}]}])
    assert verdict(GNP, wide, pod("p", labels=A)).reachable is True


def test_selector_not_matching_labels_leaves_block():
    v = verdict(GNP, np("x", [{}], selector={"matchLabels": {"app": "b"}}), pod("p", labels=A))
    assert v.reachable is False and v.reason.startswith("blocked by block-metadata-access")


def test_empty_rule_allows_everything():
    assert verdict(GNP, np("all", [{}]), pod("p", labels=A)).reachable is True


def test_calico_deny_policy_ordered_first_beats_network_policy_allow():
    deny = {
        "apiVersion": "crd.projectcalico.org/v1",
        "kind": "GlobalNetworkPolicy",
        "metadata": {"name": "deny-imds"},
        "spec": {
            "order": 10,
            "selector": "all()",
            "types": ["Egress"],
            "egress": [
                {
                    "action": "Deny",
                    "protocol": "TCP",
                    "destination": {"nets": ["169.254.169.254/32"], "ports": [80]},
                },
                {"action": "Pass"},
            ],
        },
    }
    allow = np("open", [{"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}]}])
    v = verdict(deny, allow, pod("p", labels=A))
    assert v.reachable is False and v.reason == "denied by GlobalNetworkPolicy deny-imds egress rule 0"


def test_gnp_namespace_selector_and_unordered_allow():
    scoped = {
        "apiVersion": "crd.projectcalico.org/v1",
        "kind": "GlobalNetworkPolicy",
        "metadata": {"name": "block-in-apps"},
        "spec": {
            "namespaceSelector": "team == 'web'",
            "types": ["Egress"],
            "egress": [{"action": "Allow", "destination": {"notNets": ["169.254.169.254/32"]}}],
        },
    }
    ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "apps", "labels": {"team": "web"}}}
    assert verdict(ns, scoped, pod("p", labels=A)).reachable is False
    v = verdict(ns, scoped, pod("p", ns="other", labels=A))
    assert v.reachable is True and v.reason.startswith(
        "no cluster-wide block applies: block-in-apps does not select"
    )


def test_gnp_selecting_host_endpoints_only_does_not_apply():
    hep = {
        "apiVersion": "crd.projectcalico.org/v1",
        "kind": "GlobalNetworkPolicy",
        "metadata": {"name": "h"},
        "spec": {"selector": "has(host-endpoint)", "types": ["Egress"], "egress": [{"action": "Deny"}]},
    }
    assert verdict(hep, pod("p", labels=A)).reachable is True


def test_pass_to_profile_allows():
    passer = {
        "apiVersion": "crd.projectcalico.org/v1",
        "kind": "GlobalNetworkPolicy",
        "metadata": {"name": "p"},
        "spec": {"order": 1, "selector": "all()", "types": ["Egress"], "egress": [{"action": "Pass"}]},
    }
    v = verdict(passer, pod("p", labels=A))
    assert v.reachable is True and "namespace profile allows it" in v.reason


def test_calico_port_range_and_protocol():
    def allow(rule):
        return {
            "apiVersion": "crd.projectcalico.org/v1",
            "kind": "GlobalNetworkPolicy",
            "metadata": {"name": "a"},
            "spec": {"order": 1, "selector": "all()", "types": ["Egress"], "egress": [rule]},
        }

    base = {"action": "Allow", "destination": {"nets": ["169.254.0.0/16"], "ports": ["70:90"]}}
    assert verdict(allow({**base, "protocol": "TCP"}), pod("p")).reachable is True
    assert verdict(allow({**base, "protocol": "UDP"}), pod("p")).reachable is False
    assert verdict(allow({**base, "protocol": 6}), pod("p")).reachable is True
    assert (
        verdict(allow({"action": "Allow", "destination": {"ports": ["http"]}}), pod("p")).reachable is False
    )


def test_calico_selector_syntax_error_is_a_dump_error():
    from lokonb.kube.errors import DumpError

    bad = {
        "apiVersion": "crd.projectcalico.org/v1",
        "kind": "GlobalNetworkPolicy",
        "metadata": {"name": "b"},
        "spec": {"selector": "app === 'x'", "types": ["Egress"], "egress": []},
    }
    with pytest.raises(DumpError, match="GlobalNetworkPolicy b spec.selector: invalid Calico selector"):
        verdict(bad, pod("p"))


def test_succeeded_pods_are_still_reported():
    p = pod("p", labels=A)
    p["status"]["phase"] = "Succeeded"
    v = verdict(GNP, p)
    assert v.phase == "Succeeded" and v.reachable is False


def test_hand_written_dump_with_unquoted_label_values():
    p = pod("p", labels={"version": 2, "canary": True})  # type: ignore[dict-item]
    allow = np("imds", [{"to": [IMDS]}], selector={"matchLabels": {"version": 2, "canary": True}})
    v = verdict(GNP, allow, p)
    assert v.reachable is True and v.policy == "apps/imds"


def test_block_policy_with_tier_prefixed_name():
    prefixed = {**GNP, "metadata": {"name": "default.block-metadata-access"}}
    v = verdict(prefixed, pod("p", labels=A))
    assert v.reachable is False and v.reason.startswith("blocked by default.block-metadata-access")


def test_node_imds_from_cluster_model():
    from types import SimpleNamespace

    from lokonb.kube.audit import node_imds_from_config

    pool = SimpleNamespace(imds_v2_required=True, metadata_hop_limit=1)
    cfg = SimpleNamespace(imds_v2_required=True, metadata_hop_limit=1, worker_pools=(pool,))
    assert node_imds_from_config(cfg) == {"*": {"http_tokens": "required", "hop_limit": 1}}
    raised = SimpleNamespace(imds_v2_required=True, metadata_hop_limit=2)
    assert node_imds_from_config(SimpleNamespace(**{**vars(cfg), "worker_pools": (pool, raised)})) == {}
    v = verdict(pod("p", labels=A), node_imds=node_imds_from_config(cfg))
    assert v.reason.endswith("network reachable, token blocked by hop limit")


def test_legacy_network_policy_api_version():
    legacy = {**np("imds", [{"to": [IMDS]}]), "apiVersion": "extensions/v1beta1"}
    assert verdict(GNP, legacy, pod("p", labels=A)).reachable is True


def test_unevaluated_policy_kinds_are_noted():
    from lokonb.kube.audit import audit_inventory
    from lokonb.kube.sources import Inventory

    inv = Inventory(source="t")
    inv.add(pod("p"), "t")
    inv.add(
        {
            "apiVersion": "policy.networking.k8s.io/v1alpha2",  # AdminNetworkPolicy v1alpha1 is evaluated
            "kind": "ClusterNetworkPolicy",
            "metadata": {"name": "cnp"},
        },
        "t",
    )
    notes = audit_inventory(inv).notes
    assert any("ClusterNetworkPolicy object(s) not evaluated" in n for n in notes)


@pytest.mark.parametrize(
    "rule",
    [
        {"to": [{"ipBlock": {"cidr": "169.254.169.254/32"}}], "ports": ["80"]},
        {"to": [{"ipBlock": {"cidr": "169.254.169.254/32"}}], "ports": [{"port": 70, "endPort": "x"}]},
        {"to": "everywhere"},
    ],
)
def test_malformed_rules_are_dump_errors(rule):
    from lokonb.kube.errors import DumpError

    with pytest.raises(DumpError, match=r"NetworkPolicy apps/bad: egress rule 0 is malformed"):
        verdict(GNP, np("bad", [rule]), pod("p", labels=A))


@pytest.mark.parametrize(
    "broken,field",
    [
        ({**pod("p"), "spec": ["not", "a", "mapping"]}, "spec must be a mapping, got ['not'"),
        ({**pod("p"), "metadata": {"name": "p", "namespace": "apps", "labels": ["x"]}},
         "metadata.labels must be a mapping of label names to values, got ['x']"),
        # raises nothing when read, but a truthy string would have made the pod host-networked (reachable)
        ({**pod("p"), "spec": {**pod("p")["spec"], "hostNetwork": "no"}}, "spec.hostNetwork must be true or false"),
    ],
)
def test_malformed_pods_are_dump_errors(broken, field):
    from lokonb.kube.errors import DumpError

    with pytest.raises(DumpError, match=r"Pod apps/p is malformed") as exc:
        verdict(GNP, broken)
    assert field in str(exc.value) and "Error" not in str(exc.value)


def test_malformed_policy_spec_is_a_dump_error():
    from lokonb.kube.errors import DumpError

    bad = {**GNP, "spec": "nope"}
    with pytest.raises(DumpError, match=r"GlobalNetworkPolicy block-metadata-access is malformed"):
        verdict(bad, pod("p"))
