"""Blocked and allowed metadata CIDRs written in IPv4-mapped IPv6 form (``::ffff:169.254.169.254/128``).

Calico stores such a CIDR as the IPv4 network it maps (tests/kube/test_ipv4_mapped_cidrs.py has the sources). lokonb
rendered it as an IPv6 CIDR: the block policy got an ``ipVersion: 6`` rule with it and an IPv4 rule allowing all,
so the IPv4 endpoint stayed open. It is now normalised to IPv4 with a warning naming the entry.
"""

from __future__ import annotations

import warnings

from lokonb.kube.metadata import allow_metadata_policy, normalize_cidrs, render_block_policy

MAPPED = "::ffff:169.254.169.254/128"


def test_mapped_blocked_cidr_is_normalised_with_a_warning():
    out, notes = normalize_cidrs([MAPPED, "fd00:ec2::254/128"])
    assert out == ["169.254.169.254/32", "fd00:ec2::254/128"]
    assert notes == [f"blocked_cidrs[0]: {MAPPED} is the IPv4-mapped form of 169.254.169.254/32; "
                     "normalised to 169.254.169.254/32"]


def test_mapped_block_renders_the_ipv4_rule_lokomotive_installs():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gnp = render_block_policy([MAPPED])
    assert gnp["spec"]["egress"] == [{"action": "Allow", "destination": {"notNets": ["169.254.169.254/32"]}}]
    assert [str(w.message) for w in caught] == [
        f"blocked_cidrs[0]: {MAPPED} is the IPv4-mapped form of 169.254.169.254/32; normalised to 169.254.169.254/32"
    ]


def test_mapped_duplicate_of_the_ipv4_entry_is_dropped():
    out, _notes = normalize_cidrs(["169.254.169.254/32", "::ffff:169.254.169.254"])
    assert out == ["169.254.169.254/32"]


def test_mapped_metadata_cidr_of_an_allow_policy():
    allow = allow_metadata_policy("kube-system", {"matchLabels": {"app": "a"}}, metadata_cidrs=[MAPPED],
                                  include=["all-but-metadata"])
    egress = allow.policy["spec"]["egress"]
    assert egress[0]["to"] == [{"ipBlock": {"cidr": "169.254.169.254/32"}}]
    assert egress[1]["to"] == [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["169.254.169.254/32"]}}]
    assert any("IPv4-mapped form" in w for w in allow.warnings)
