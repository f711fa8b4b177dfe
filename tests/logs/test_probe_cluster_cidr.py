"""PROBE-1.1: ``vpc_cidrs="auto"`` takes the cluster model's ``host_cidr`` when the run has a cluster definition
(no private-range assumption, no warning); without one, private ranges are assumed with a warning.
Composed 10 s TLS EOF series in the klog layout of logs.md FMT-1/§6.1."""

from __future__ import annotations

from pathlib import Path

from lokonb.config.model import ClusterConfig
from lokonb.logs import parse_lines

INSIDE, OUTSIDE = "10.20.3.14", "10.0.17.203"


def _lines() -> list[str]:
    out = []
    for i in range(8):
        t = 100 + 10 * i
        for addr in (INSIDE, OUTSIDE):
            out.append(
                f"I0302 00:{t // 60:02d}:{t % 60:02d}.{4100 + i:06d}       1 log.go:195] "
                f"http: TLS handshake error from {addr}:{41000 + i}: EOF"
            )
    return out


def test_auto_takes_the_cluster_host_cidr():
    cluster = ClusterConfig(
        cluster_name="demo", dns_zone="example.com", ssh_pubkeys=(), worker_pools=(),
        asset_dir=Path("assets"), host_cidr="10.20.0.0/16",
    )
    res = parse_lines(_lines(), year=2024, cluster=cluster)
    tls = res.tls_sources.set_index("client_addr")
    assert (tls.loc[INSIDE, "network"], tls.loc[INSIDE, "verdict"]) == ("vpc", "probe")
    assert tls.loc[OUTSIDE, "verdict"] == "actionable" and tls.loc[OUTSIDE, "why"] == "not-probe-network"
    assert res.meta["probe_networks_assumed"] is False
    assert not any("VPC CIDRs unknown" in w for w in res.meta["warnings"])


def test_auto_without_a_cluster_assumes_private_ranges_with_a_warning():
    res = parse_lines(_lines(), year=2024)
    assert set(res.tls_sources["network"]) == {"private-assumed"}
    assert set(res.tls_sources["verdict"]) == {"probe"}
    assert res.meta["probe_networks_assumed"] is True
    assert any("VPC CIDRs unknown" in w for w in res.meta["warnings"])
