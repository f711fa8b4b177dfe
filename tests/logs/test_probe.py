"""The load-balancer probe rule (A17–A21), end to end through parse_lines/analyze."""

from __future__ import annotations

import datetime as dt
import random

import numpy as np
import pytest

from lokonb.logs import parse_lines
from lokonb.logs.probe import analyse_group, classify_network

BASE = dt.datetime(2024, 3, 2, 10, 0, 0, tzinfo=dt.UTC)


def klog(t: dt.datetime, ip: str, kind: str = "reset", port: int = 40000) -> str:
    head = f"I{t:%m%d %H:%M:%S}.{t.microsecond:06d}       1 log.go:195] http: TLS handshake error from {ip}:{port}: "
    if kind == "reset":
        return head + f"read tcp 10.0.5.21:6443->{ip}:{port}: read: connection reset by peer"
    if kind == "eof":
        return head + "EOF"
    if kind == "bad":
        return head + "remote error: tls: bad certificate"
    return head + "remote error: tls: unknown certificate authority"


def series(ip, n, period=10.0, jitter=0.0, phase=1.0, kind="reset", rng=None, start=BASE):
    rng = rng or random.Random(1)  # noqa: S311 - deterministic test data, not crypto
    return [
        (start + dt.timedelta(seconds=phase + i * period + rng.uniform(-jitter, jitter)), ip, kind)
        for i in range(n)
    ]


def run(events, **kw):
    events = sorted(events)
    lines = [klog(t, ip, kind, 30000 + i) for i, (t, ip, kind) in enumerate(events)]
    kw.setdefault("year", 2024)
    return parse_lines(lines, **kw)


def test_canonical_loopback_lines():
    lines = [
        "I0408 05:35:02.865305       1 log.go:172] http: TLS handshake error from 127.0.0.1:45332: read tcp "
        "127.53.210.227:7443->127.0.0.1:45332: read: connection reset by peer",
        "I0408 05:35:12.865457       1 log.go:172] http: TLS handshake error from 127.0.0.1:45424: read tcp "
        "127.53.210.227:7443->127.0.0.1:45424: read: connection reset by peer",
        "I0408 05:35:22.865279       1 log.go:172] http: TLS handshake error from 127.0.0.1:45516: read tcp "
        "127.53.210.227:7443->127.0.0.1:45516: read: connection reset by peer",
    ]
    res = parse_lines(lines, year=2020)
    assert res.records["harmless"].all()
    row = res.tls_sources.iloc[0]
    assert (row["client_addr"], row["network"], row["verdict"]) == ("127.0.0.1", "loopback", "probe")
    assert row["period_s"] == pytest.approx(10.0, abs=0.1)
    assert res.meta["probe"]["records"] == 3 and res.meta["probe"]["periods_s"] == [10.0]


def test_periodic_vpc_plus_random_offbeat():
    rng = random.Random(7)  # noqa: S311 - deterministic test data, not crypto
    ips = ("10.0.3.14", "10.0.17.203", "10.0.38.9")
    events = []
    for k, ip in enumerate(ips):
        events += series(ip, 720, jitter=0.03, phase=1.0 + 3.1 * k, rng=rng)
    rand = [(BASE + dt.timedelta(seconds=rng.uniform(0, 7200)), rng.choice(ips), "reset") for _ in range(40)]
    res = run(events + rand, vpc_cidrs=["10.0.0.0/16"])
    rec = res.records
    rand_times = {t.replace(tzinfo=None) for t, _, _ in rand}
    is_rand = rec["timestamp"].dt.tz_localize(None).isin(rand_times)
    assert rec.loc[~is_rand, "harmless"].mean() >= 0.99
    off = rec.loc[is_rand]
    assert (~off["harmless"]).mean() >= 0.9
    assert set(off.loc[~off["harmless"], "why"]) == {"off-beat"}
    tls = res.tls_sources.set_index("client_addr")
    for ip in ips:
        assert tls.loc[ip, "period_s"] == pytest.approx(10.0, abs=0.1)
        assert tls.loc[ip, "network"] == "vpc"
    assert not res.meta["probe_networks_assumed"]


def test_poisson_series_is_actionable():
    rng = np.random.default_rng(3)
    times = np.cumsum(rng.exponential(10.0, 720))
    events = [(BASE + dt.timedelta(seconds=float(t)), "10.0.3.14", "reset") for t in times]
    res = run(events, vpc_cidrs=["10.0.0.0/16"])
    assert (~res.records["harmless"]).mean() > 0.95
    assert set(res.records["why"]) <= {"no-period", "off-beat"}
    assert np.isnan(res.tls_sources["period_s"][0])


def test_public_address_and_extra_networks_and_30s():
    ev = series("203.0.113.7", 200)
    res = run(ev)
    assert not res.records["harmless"].any() and set(res.records["why"]) == {"not-probe-network"}
    assert set(res.records["priority"]) == {"medium"}
    res2 = run(ev, extra_probe_networks=["203.0.113.0/24"])
    assert res2.records["harmless"].all() and res2.tls_sources["network"][0] == "listed"
    res3 = run(series("10.0.3.14", 200, period=30.0, jitter=0.005), vpc_cidrs=["10.0.0.0/16"])
    assert res3.records["harmless"].all()
    assert res3.tls_sources["period_s"][0] == pytest.approx(30.0, abs=0.1)


def test_bad_cert_never_probe_and_vpc_rules():
    res = run(series("127.0.0.1", 50, kind="bad") + series("127.0.0.1", 50, kind="ca", phase=5.0))
    assert not res.records["harmless"].any()
    ev = series("192.168.7.7", 100)
    res_vpc = run(ev, vpc_cidrs=["10.0.0.0/16"])
    assert not res_vpc.records["harmless"].any()
    res_none = run(ev, vpc_cidrs=None)
    assert res_none.records["harmless"].all() and res_none.meta["probe_networks_assumed"]
    assert any("VPC CIDRs unknown" in w for w in res_none.meta["warnings"])


def test_three_probers_behind_loopback():
    ev = []
    for k in range(3):
        ev += series("127.0.0.1", 360, phase=0.5 + 3.3 * k, jitter=0.01, rng=random.Random(k))  # noqa: S311
    res = run(ev)
    row = res.tls_sources.iloc[0]
    assert row["probers"] == 3 and row["period_s"] == pytest.approx(10.0, abs=0.1)
    assert res.records["harmless"].mean() >= 0.99


def test_few_events_and_eof_kinds():
    res = run(series("10.0.3.14", 2, kind="eof"))
    assert set(res.records["why"]) == {"few-events"}
    assert res.tls_sources["kinds"][0] == "eof:2"


@pytest.mark.parametrize(
    ("addr", "net"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "vpc"),
        ("::ffff:10.0.0.1", "vpc"),
        ("8.8.8.8", "public"),
        ("bogus", "public"),
    ],
)
def test_network_classes(addr, net):
    import ipaddress

    assert classify_network(addr, [ipaddress.ip_network("10.0.0.0/8")], []) == net


def test_analyse_group_permutation_invariant():
    rng = np.random.default_rng(5)
    t = (1.7e9 + np.arange(500) * 10.0 + rng.uniform(-0.01, 0.01, 500)) * 1e9
    ts = t.astype(np.int64)
    perm = rng.permutation(len(ts))
    a = analyse_group(ts, network_ok=True)
    b = analyse_group(ts[perm], network_ok=True)
    assert np.array_equal(a.harmless[perm], b.harmless) and a.period_s == b.period_s


def test_public_probe_rows_survive_the_records_cap(tmp_path):
    # a file too large for max_records keeps only actionable rows from the start; TLS errors from a public
    # address are actionable whatever their period, so their rows are built although probe verdicts come last
    events = series("10.0.3.14", 400) + series("198.51.100.7", 30, period=37.0, phase=3.3)
    events += series("10.0.17.203", 400, phase=4.0)
    path = tmp_path / "kube-apiserver.log"
    path.write_text("\n".join(klog(t, ip, kind, 30000 + i) for i, (t, ip, kind) in enumerate(sorted(events))) + "\n")
    from lokonb.logs import analyze

    capped = analyze([str(path)], year=2024, vpc_cidrs=["10.0.0.0/16"], records="auto", max_records=100)
    full = analyze([str(path)], year=2024, vpc_cidrs=["10.0.0.0/16"], records="all")
    pub = full.records[(full.records["client_addr"] == "198.51.100.7")]
    assert len(pub) == 30 and not pub["harmless"].any()
    rec = capped.records
    assert len(rec) == 30 and set(rec["client_addr"]) == {"198.51.100.7"}
    assert list(rec["lineno"]) == list(pub["lineno"]) and list(rec["message"]) == list(pub["message"])
    assert (capped.tls_sources.set_index("client_addr").loc["198.51.100.7", "network"]) == "public"
