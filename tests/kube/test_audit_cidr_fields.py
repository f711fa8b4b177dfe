"""Address fields of hand-edited dumps are read strictly (round 4 of the bad-input sweep): a CIDR typo, or a string
where the API has a list, used to match nothing silently - an `except` given as a string was ignored and the pod
reported reachable. Also: a selector nested deeper than the parser's bound is a DumpError, not a RecursionError."""

from __future__ import annotations

from typing import Any

import pytest

from lokonb.kube.errors import DumpError

from .test_audit_truth_table import GNP, np, pod, verdict

A = {"app": "a"}
IMDS_32 = "169.254.169.254/32"


def _gnp(egress: list[dict[str, Any]], selector: str = "all()") -> dict[str, Any]:
    return {
        "apiVersion": "crd.projectcalico.org/v1",
        "kind": "GlobalNetworkPolicy",
        "metadata": {"name": "g"},
        "spec": {"selector": selector, "types": ["Egress"], "egress": egress},
    }


def _net_set(nets: Any) -> dict[str, Any]:
    return {
        "apiVersion": "crd.projectcalico.org/v1",
        "kind": "GlobalNetworkSet",
        "metadata": {"name": "imds", "labels": {"role": "imds"}},
        "spec": {"nets": nets},
    }


# (policy object, start of the DumpError, the field and value it must name)
MALFORMED = [
    (np("bad", [{"to": [{"ipBlock": {"cidr": "garbage"}}]}]),
     "NetworkPolicy apps/bad: egress rule 0 is malformed: ", "ipBlock.cidr: 'garbage' is not a CIDR"),
    (np("bad", [{"to": [{"ipBlock": {"cidr": 5}}]}]),
     "NetworkPolicy apps/bad: egress rule 0 is malformed: ", "ipBlock.cidr must be a CIDR string"),
    (np("bad", [{"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": IMDS_32}}]}]),
     "NetworkPolicy apps/bad: egress rule 0 is malformed: ", "ipBlock.except must be a list of CIDRs"),
    (np("bad", [{"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["169.254.169.254/33"]}}]}]),
     "NetworkPolicy apps/bad: egress rule 0 is malformed: ", "ipBlock.except: '169.254.169.254/33' is not a CIDR"),
    (_gnp([{"action": "Deny", "destination": {"nets": ["nope"]}}]),
     "GlobalNetworkPolicy g: egress rule 0 is malformed: ", "destination.nets: 'nope' is not a CIDR"),
    (_gnp([{"action": "Allow", "destination": {"notNets": IMDS_32}}]),
     "GlobalNetworkPolicy g: egress rule 0 is malformed: ", "destination.notNets must be a list of CIDRs"),
    (_gnp([{"action": "Deny", "source": {"nets": ["10.2.0.0/16x"]}}]),
     "GlobalNetworkPolicy g: egress rule 0 is malformed: ", "source.nets: '10.2.0.0/16x' is not a CIDR"),
    (_gnp([{"action": "Deny", "source": {"notNets": [None]}}]),
     "GlobalNetworkPolicy g: egress rule 0 is malformed: ", "source.notNets: None is not a CIDR"),
    (_net_set(["169.254.169.254/32", "bogus"]),
     "GlobalNetworkSet imds is malformed: ", "spec.nets: 'bogus' is not a CIDR"),
    (_net_set(IMDS_32), "GlobalNetworkSet imds is malformed: ", "spec.nets must be a list of CIDRs"),
    (_gnp([{"action": "Deny"}], selector="(" * 65 + "all()" + ")" * 65),
     "GlobalNetworkPolicy g spec.selector: invalid Calico selector ", "parentheses nested more than 64 deep"),
    (_gnp([{"action": "Deny"}], selector="(" * 2000 + "all()" + ")" * 2000),
     "GlobalNetworkPolicy g spec.selector: invalid Calico selector ", "(4,005 characters): parentheses nested"),
]


@pytest.mark.parametrize("obj,start,named", MALFORMED, ids=[f"{m[0]['kind']}-{i}" for i, m in enumerate(MALFORMED)])
def test_malformed_address_fields_are_named(obj, start, named):
    with pytest.raises(DumpError) as exc:
        verdict(GNP, obj, pod("p", labels=A))
    text = str(exc.value)
    assert text.startswith(start) and named in text
    assert "Error" not in text and len(text) < 400


# well-formed forms the strict reading must keep: bare addresses (Calico), host bits (the API server's
# ParseCIDR accepts them), IPv6 entries next to IPv4, and nesting at the bound
ACCEPTED = [
    (np("ok", [{"to": [{"ipBlock": {"cidr": "169.254.169.254/16"}}]}]), True),
    (np("ok", [{"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["fd00::/8", "169.254.0.0/16"]}}]}]), False),
    (np("ok", [{"to": [{"ipBlock": {"cidr": "::/0"}}, {"ipBlock": {"cidr": "169.254.169.254"}}]}]), True),
]


@pytest.mark.parametrize("policy,reachable", ACCEPTED)
def test_wellformed_address_fields_keep_their_verdicts(policy, reachable):
    assert verdict(policy, pod("p", labels=A)).reachable is reachable


def test_calico_nets_bare_address_and_nesting_bound():
    deny = _gnp([{"action": "Deny", "destination": {"nets": ["169.254.169.254"]}}],
                selector="(" * 64 + "all()" + ")" * 64)
    v = verdict(deny, pod("p", labels=A))
    assert v.reachable is False and "denied by GlobalNetworkPolicy g egress rule 0" in v.reason
