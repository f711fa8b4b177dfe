"""Upstream vectors, round 3: Calico ``types`` as felix reads them, AdminNetworkPolicy/BaselineAdminNetworkPolicy.

Each row names its source (repository, path, commit) and maps it to lokonb's question: can the pod open TCP 80 to
169.254.169.254, and why. Expected answers come from the upstream code and tests, not from lokonb. Pods and
namespaces are round 2's: x/a (pod=a), x/b (pod=b) in namespace x (team=web), y/a (pod=a) in namespace y (team=db);
x/a runs as service account "builder".
"""

from __future__ import annotations

from typing import Any

import pytest

from .test_upstream_vectors_r2 import BLOCK, IMDS, ROW_FIELDS, Row, _check, _np

FELIX_TYPES = (
    "projectcalico/calico felix/calc/policy_sorter.go@2e9062928d58 (ExtractPolicyMetadata: \"Back compatibility: no "
    "Types means Ingress and Egress\")"
)
CALICO_PROCESSORS = (
    "projectcalico/calico libcalico-go/lib/backend/syncersv1/updateprocessors/globalnetworkpolicyprocessor.go and "
    "networkpolicyprocessor.go@15a452baa4cf (Types copied to felix's model, never defaulted)"
)
CALICO_NP_E2E = (
    "projectcalico/calico libcalico-go/lib/clientv3/networkpolicy_e2e_test.go@07dc0bc36eff (entries 'Ingress-only and "
    "egress-only policies', 'Policies with explicit ingress and egress Types')"
)

CRD = "crd.projectcalico.org/v1"
V3 = "projectcalico.org/v3"


def _gnp(name: str, spec: dict[str, Any], api: str = CRD) -> dict[str, Any]:
    return {"apiVersion": api, "kind": "GlobalNetworkPolicy", "metadata": {"name": name}, "spec": spec}


def _cnp(ns: str, name: str, spec: dict[str, Any], api: str = CRD) -> dict[str, Any]:
    return {"apiVersion": api, "kind": "NetworkPolicy", "metadata": {"name": name, "namespace": ns}, "spec": spec}


INGRESS_ONLY = {"ingress": [{"action": "Allow", "source": {"nets": ["10.0.0.0/8"]}}]}
EGRESS_DENY = {"egress": [{"action": "Deny", "protocol": "TCP"}]}
ALLOW_IMDS_NP = _np("x", "allow-imds", {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{"to": [IMDS]}]})

# ------------------------------------------------------------------------------------------------------------
# Calico types: defaulted by clientv3 (calicoctl, the API server: projectcalico.org/v3), not for CRDs written as is
# ------------------------------------------------------------------------------------------------------------

#: Rows lokonb answered as upstream does before this file was written (kept as a conformance table).
TYPES_VECTORS: list[Row] = [
    (
        "e2e 'Ingress-only' entry: a v3 Calico NetworkPolicy with ingress rules only is defaulted to [Ingress]",
        CALICO_NP_E2E,
        [_cnp("x", "ingress-only", {"order": 1, "selector": "all()", **INGRESS_ONLY}, V3)],
        {"x/a": True, "x/b": True},
        "no cluster-wide block",
    ),
    (
        "e2e 'egress-only' entry: a v3 Calico NetworkPolicy with egress rules only is defaulted to [Egress]",
        CALICO_NP_E2E,
        [_cnp("x", "egress-only", {"order": 1, "selector": "all()", **EGRESS_DENY}, V3)],
        {"x/a": False, "y/a": True},
        "denied by Calico NetworkPolicy x/egress-only egress rule 0",
    ),
    (
        "e2e explicit Types entry: types [Ingress] with egress rules is not defaulted; egress is not governed",
        CALICO_NP_E2E,
        [_cnp("x", "ingress-typed", {"order": 1, "selector": "all()", "types": ["Ingress"], **INGRESS_ONLY,
                                     **EGRESS_DENY})],
        {"x/a": True},
        "no cluster-wide block",
    ),
    (
        "felix: explicit types [Egress] with ingress and egress rules governs egress only",
        FELIX_TYPES,
        [_gnp("egress-typed", {"order": 1, "selector": "all()", "types": ["Egress"], **INGRESS_ONLY,
                               "egress": [{"action": "Allow", "destination": {"nets": ["10.0.0.0/8"]}}]})],
        {"x/a": False},
        "blocked by GlobalNetworkPolicy egress-typed",
    ),
    (
        "felix: a CRD without types but with an egress allow to the address governs egress and allows it",
        FELIX_TYPES,
        [BLOCK, _gnp("imds", {"order": 1, "selector": "pod == 'a'",
                              "egress": [{"action": "Allow", "destination": {"nets": ["169.254.169.254/32"]}}]})],
        {"x/a": True, "x/b": False},
        "allowed by GlobalNetworkPolicy imds egress rule 0",
    ),
    (
        "felix: a CRD without types is doNotTrack: host endpoints only, whatever it governs",
        FELIX_TYPES,
        [_gnp("untracked", {"order": 1, "selector": "all()", "doNotTrack": True, "applyOnForward": True})],
        {"x/a": True},
        "untracked does not select this pod",
    ),
    (
        "felix: a CRD without types and without egress rules falls through to a later NetworkPolicy allow in the tier",
        FELIX_TYPES,
        [BLOCK, _gnp("ingress-only", {"order": 10, "selector": "all()", **INGRESS_ONLY}), ALLOW_IMDS_NP],
        {"x/a": True, "y/a": False},
        "allowed by NetworkPolicy x/allow-imds egress rule 0",
    ),
    (
        "felix: an untyped CRD GNP sorted after the block (by name) ends the same tier in the implicit deny",
        FELIX_TYPES,
        [BLOCK, _gnp("zz-ingress", {"selector": "all()", **INGRESS_ONLY})],
        {"x/a": False},
        "implicit deny",
    ),
]

#: Rows lokonb got wrong before this file: a crd.projectcalico.org/v1 policy without types and without egress
#: rules was read as ingress-only (clientv3's defaulting), but nothing defaults a CRD written with kubectl, and felix
#: applies such a policy to egress too, so the pods it selects lose all egress.
TYPES_VECTORS_FIXED: list[Row] = [
    (
        "felix + processors: a CRD GNP without types and with ingress rules only governs egress (implicit deny)",
        f"{FELIX_TYPES}; {CALICO_PROCESSORS}",
        [_gnp("ingress-only", {"order": 1, "selector": "all()", **INGRESS_ONLY})],
        {"x/a": False, "y/a": False},
        "no types in crd.projectcalico.org/v1: felix applies it to egress too",
    ),
    (
        "felix: len(Types) == 0 also holds for types: [] in a CRD",
        FELIX_TYPES,
        [_gnp("empty-types", {"order": 1, "selector": "pod == 'a'", "types": [], **INGRESS_ONLY})],
        {"x/a": False, "x/b": True},
        "blocked by GlobalNetworkPolicy empty-types",
    ),
    (
        "felix + processors: a CRD Calico NetworkPolicy without types and rules isolates its namespace's pods",
        f"{FELIX_TYPES}; {CALICO_PROCESSORS}",
        [_cnp("x", "no-rules", {"selector": "all()"})],
        {"x/a": False, "x/b": False, "y/a": True},
        "blocked by Calico NetworkPolicy x/no-rules",
    ),
]


@pytest.mark.parametrize(ROW_FIELDS, TYPES_VECTORS, ids=[r[0] for r in TYPES_VECTORS])
def test_types_vectors_r3(case: str, source: str, objects: list[Any], expect: dict[str, bool], reason: str) -> None:
    assert source
    _check(case, objects, expect, reason)


@pytest.mark.parametrize(ROW_FIELDS, TYPES_VECTORS_FIXED, ids=[r[0] for r in TYPES_VECTORS_FIXED])
def test_types_vectors_r3_fixed(
    case: str, source: str, objects: list[Any], expect: dict[str, bool], reason: str
) -> None:
    assert source
    _check(case, objects, expect, reason)


def _notes(objects: list[Any]) -> list[str]:
    from lokonb.kube.audit import audit_inventory
    from lokonb.kube.sources import Inventory

    from .test_upstream_vectors import _pod

    inv = Inventory(source="vectors-r3")
    for obj in [*objects, _pod("x/a", {"pod": "a"})]:
        inv.add(obj, "vectors-r3")
    return audit_inventory(inv).notes


def test_untyped_crd_policy_without_egress_rules_is_noted() -> None:
    notes = _notes([_gnp("ingress-only", {"selector": "all()", **INGRESS_ONLY})])
    assert any(n.startswith("GlobalNetworkPolicy ingress-only has no types and no egress rules") for n in notes)
    for quiet in (
        _gnp("ingress-only", {"selector": "all()", **INGRESS_ONLY}, V3),  # defaulted to [Ingress]
        _gnp("typed", {"selector": "all()", "types": ["Ingress"], **INGRESS_ONLY}),
        _gnp("egress", {"selector": "all()", **EGRESS_DENY}),  # governs egress either way
    ):
        assert not any("has no types" in n for n in _notes([quiet])), quiet["metadata"]["name"]
