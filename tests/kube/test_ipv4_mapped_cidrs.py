"""IPv4-mapped IPv6 CIDRs (``::ffff:169.254.169.254/128``) in NetworkPolicy ipBlocks, Calico nets and network sets.

Calico enforces them as the IPv4 networks they map: libcalico-go stores every CIDR as text written by Go's
``IPNet.String()`` (``k8sPeerToCalicoFields`` for ipBlock ``cidr``/``except``; ``NormalizeIPNets`` for Calico rule
nets), which prints an IPv4-mapped address with its 128-bit mask as IPv4 with the last 32 bits (``/128`` -> ``/32``,
``/96`` -> ``/0``), and felix sorts rule CIDRs into IPv4/IPv6 by that text (``filterNets``: a ``:`` means IPv6). A
prefix shorter than 96 loses the ``ffff`` marker when masked and stays an IPv6 network. On the wire a connection to
``::ffff:169.254.169.254`` from a dual-stack socket is an IPv4 packet, so the IPv4 reading is the kernel's too.
lokonb read them as IPv6 networks: an ipBlock allowing the metadata address in this form was reported "blocked"
(a false negative of the audit), and a Calico Deny written this way was dropped as "IPv6 only".

Rows use round 2's pods (x/a, x/b in namespace x; y/a in y) and its helpers.
"""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest

from lokonb.kube.metadata import as_calico_network

from .test_upstream_vectors_r2 import BLOCK, ROW_FIELDS, Row, _check
from .test_upstream_vectors_r3 import _anp, _rule
from .test_upstream_vectors_r6 import ALLOW_ALL, _egress, _g, _ipblock

CALICO_IPBLOCK = (
    "https://github.com/projectcalico/calico/blob/master/libcalico-go/lib/backend/k8s/conversion/conversion.go "
    "(k8sPeerToCalicoFields: cnet.ParseCIDR, then ipNet.String() for cidr and each except)"
)
CALICO_NETS = (
    "https://github.com/projectcalico/calico/blob/master/libcalico-go/lib/backend/syncersv1/updateprocessors/rules.go "
    "(NormalizeIPNets: ParseCIDROrIP, then Network(), a re-parse of String()) + "
    "https://github.com/projectcalico/calico/blob/master/libcalico-go/lib/net/ipnet.go (Version(): To4() != nil is 4)"
)
GO_STRING = (
    "https://github.com/golang/go/blob/master/src/net/ip.go (networkNumberAndMask: To4() of a mapped address, "
    "a 16-byte mask cut to its last 4 bytes; IPNet.String)"
)
FELIX_FILTER = (
    "https://github.com/projectcalico/calico/blob/master/felix/rules/policy.go (FilterRuleToIPVersion/filterNets: "
    "strings.Contains(net, \":\") decides IPv6)"
)
ANP_NETS = f"{CALICO_NETS}; AdminNetworkPolicy networks reach felix as Calico rule nets"

NP_ALLOWED = "allowed by NetworkPolicy x/p egress rule 0"
MAPPED = "::ffff:169.254.169.254/128"

ROWS: list[Row] = [
    ("ipBlock ::ffff:169.254.169.254/128 allows the IPv4 address", f"{CALICO_IPBLOCK}; {GO_STRING}",
     [BLOCK, _egress("x", "p", [{"to": [_ipblock(MAPPED)], "ports": [{"port": 80}]}])], {"x/a": True, "y/a": False},
     NP_ALLOWED),
    ("ipBlock ::ffff:169.254.0.0/112 is 169.254.0.0/16", f"{CALICO_IPBLOCK}; {GO_STRING}",
     [BLOCK, _egress("x", "p", [{"to": [_ipblock("::ffff:169.254.0.0/112")]}])], {"x/a": True}, NP_ALLOWED),
    ("ipBlock ::ffff:0:0/96 is 0.0.0.0/0: every IPv4 address", f"{CALICO_IPBLOCK}; {GO_STRING}",
     [BLOCK, _egress("x", "p", [{"to": [_ipblock("::ffff:0:0/96")]}])], {"x/a": True}, NP_ALLOWED),
    ("ipBlock ::ffff:0:0/95 stays IPv6 (masked, the ffff marker is gone)", f"{CALICO_IPBLOCK}; {GO_STRING}",
     [BLOCK, _egress("x", "p", [{"to": [_ipblock("::ffff:0:0/95")]}])], {"x/a": False},
     "does not contain 169.254.169.254"),
    ("ipBlock 0.0.0.0/0 except ::ffff:169.254.169.254/128 excepts the address", f"{CALICO_IPBLOCK}; {GO_STRING}",
     [BLOCK, _egress("x", "p", [{"to": [_ipblock("0.0.0.0/0", MAPPED)]}])], {"x/a": False},
     "excepts 169.254.169.254/32"),
    ("a mapped ipBlock with host bits is masked first: ::ffff:169.254.169.1/120 is 169.254.169.0/24",
     f"{CALICO_IPBLOCK}; {GO_STRING}",
     [BLOCK, _egress("x", "p", [{"to": [_ipblock("::ffff:169.254.169.1/120")]}])], {"x/a": True}, NP_ALLOWED),
    ("Calico Deny with destination nets [::ffff:169.254.169.254/128] applies to IPv4 (ordered before the allow)",
     f"{CALICO_NETS}; {FELIX_FILTER}",
     [BLOCK, _g("deny", [{"action": "Deny", "destination": {"nets": [MAPPED]}}, ALLOW_ALL], order=1),
      _egress("x", "p", [{"to": [_ipblock("169.254.169.254/32")]}])],
     {"x/a": False}, "denied by GlobalNetworkPolicy deny egress rule 0"),
    ("Calico Allow with destination nets [::ffff:169.254.169.254/128] allows before the block",
     f"{CALICO_NETS}; {FELIX_FILTER}",
     [BLOCK, _g("allow", [{"action": "Allow", "destination": {"nets": [MAPPED]}}], order=1)],
     {"x/a": True, "y/a": True}, "allowed by GlobalNetworkPolicy allow egress rule 0"),
    ("block GNP written with notNets [::ffff:169.254.169.254/128] still blocks (the address matches no rule)",
     f"{CALICO_NETS}; {FELIX_FILTER}",
     [_g("block-metadata-access", [{"action": "Allow", "destination": {"notNets": [MAPPED]}}], order=None,
         selector="!has(host-endpoint)")],
     {"x/a": False}, "blocked by block-metadata-access"),
    ("AdminNetworkPolicy networks [::ffff:169.254.169.254/128] allow the IPv4 address", ANP_NETS,
     [BLOCK, _anp("mapped", 10, [_rule("Allow", to=[{"networks": [MAPPED]}])])],
     {"x/a": True, "y/a": False}, "allowed by AdminNetworkPolicy mapped"),
    # unchanged: a real IPv6 CIDR is still no IPv4 match, and a rule holding only such CIDRs is dropped for IPv4
    ("IPv6 IMDS fd00:ec2::254/128 alone: felix drops the rule for IPv4", FELIX_FILTER,
     [BLOCK, _g("deny", [{"action": "Deny", "destination": {"nets": ["fd00:ec2::254/128"]}}], order=1),
      _egress("x", "p", [{"to": [_ipblock("169.254.169.254/32")]}])],
     {"x/a": True}, NP_ALLOWED),
]


@pytest.mark.parametrize(ROW_FIELDS, ROWS, ids=[r[0] for r in ROWS])
def test_ipv4_mapped_rows(case: str, source: str, objects: list[Any], expect: dict[str, bool], reason: str) -> None:
    assert source
    _check(case, objects, expect, reason)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("::ffff:169.254.169.254/128", "169.254.169.254/32"),
        ("::ffff:169.254.0.0/112", "169.254.0.0/16"),
        ("::ffff:0:0/96", "0.0.0.0/0"),
        ("::ffff:0:0/95", "::fffe:0:0/95"),  # masked: the ffff marker is cut, an IPv6 network
        ("fd00:ec2::254/128", "fd00:ec2::254/128"),
        ("::a9fe:a9fe/128", "::a9fe:a9fe/128"),  # IPv4-compatible (deprecated) form: Go's To4() rejects it
        ("169.254.169.254/32", "169.254.169.254/32"),
    ],
)
def test_as_calico_network_is_go_ipnet_string(text: str, expected: str) -> None:
    assert str(as_calico_network(ipaddress.ip_network(text, strict=False))) == expected
