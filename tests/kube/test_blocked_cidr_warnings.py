"""Blocked CIDRs that are valid networks but not what a metadata block means: a range far wider than the endpoint
(0.0.0.0/0 cuts pods off the network) or one that misses the endpoint (the block blocks nothing useful). They
rendered silently; now each gives a warning naming the entry."""

from __future__ import annotations

import pytest

from lokonb.kube.metadata import normalize_cidrs

CASES = [
    # (blocked CIDRs, warning fragments expected; [] = no warning)
    (["169.254.169.254/32"], []),
    (["169.254.169.254/32", "fd00:ec2::254/128"], []),
    (["fd00:ec2::254/128"], []),
    (["169.254.0.0/16"], []),
    (["0.0.0.0/0"], ["blocked_cidrs[0]: 0.0.0.0/0 denies egress to 4,294,967,296 addresses"]),
    (["::/0"], ["blocked_cidrs[0]: ::/0 denies egress to"]),
    (["10.0.0.0/8"], ["10.0.0.0/8 denies egress", "none of 10.0.0.0/8 covers the EC2 metadata endpoint"]),
    (["169.254.169.253/32"], ["covers the EC2 metadata endpoint (169.254.169.254 or fd00:ec2::254)"]),
]


@pytest.mark.parametrize("cidrs,fragments", CASES, ids=[",".join(c[0]) for c in CASES])
def test_blocked_cidr_warnings(cidrs, fragments):
    _out, notes = normalize_cidrs(cidrs)
    text = "\n".join(notes)
    for fragment in fragments:
        assert fragment in text, text
    if not fragments:
        assert notes == []
