"""PROBE-1.1 / OUT-6: a private address (RFC 1918, CGNAT, ULA) outside the given VPC CIDRs is not a probe network and
not a public source either: network ``private``, actionable ``not-probe-network`` with priority ``low`` (PROBE-1:
"``medium`` from public sources, else ``low``"), on every path (all rows, the records cap, sealed windowed groups).
Lines composed in the TLS handshake error template of Go's net/http server
(https://github.com/golang/go/blob/go1.22.0/src/net/http/server.go, "http: TLS handshake error from %s: %v")."""

from __future__ import annotations

import datetime as dt

import pytest

from lokonb.logs import analyze, parse_lines

BASE = dt.datetime(2024, 6, 11, 4, 20, 0, tzinfo=dt.UTC)
VPC = ["10.0.0.0/16"]


def reset(t: dt.datetime, ip: str, port: int) -> str:
    host = f"[{ip}]" if ":" in ip else ip
    return (
        f"I{t:%m%d %H:%M:%S}.{t.microsecond:06d}       1 log.go:195] http: TLS handshake error from {host}:{port}: "
        f"read tcp 10.0.9.33:6443->{host}:{port}: read: connection reset by peer"
    )


def periodic(ips: list[str], n: int, period: float = 10.0) -> list[str]:
    """``n`` probe-like resets per address, every ``period`` seconds, each address on its own phase."""
    ev = [(BASE + dt.timedelta(seconds=0.7 + 2.9 * k + i * period), ip) for k, ip in enumerate(ips) for i in range(n)]
    return [reset(t, ip, 41000 + i) for i, (t, ip) in enumerate(sorted(ev))]


PRIVATE = ["172.20.4.9", "192.168.40.2", "100.72.1.8", "fd12:3456:789a::15", "10.1.0.7"]
PUBLIC = "198.51.100.23"


@pytest.mark.parametrize("kw", [{"records": "all"}, {"records": "auto", "max_records": 50}, {"records": "auto"}])
def test_private_outside_vpc_is_private_low(tmp_path, kw):
    path = tmp_path / "kube-apiserver.log"
    path.write_text("\n".join(periodic([*PRIVATE, PUBLIC, "10.0.3.14"], 400)) + "\n")
    res = analyze([str(path)], year=2024, vpc_cidrs=VPC, **kw)
    tls = res.tls_sources.set_index("client_addr")
    for ip in PRIVATE:
        row = tls.loc[ip]
        assert (row["network"], row["verdict"], row["why"]) == ("private", "actionable", "not-probe-network"), ip
    assert tls.loc[PUBLIC, "network"] == "public" and tls.loc["10.0.3.14", "network"] == "vpc"
    assert tls.loc["10.0.3.14", "verdict"] == "probe"
    fd = res.findings.assign(addr=res.findings["key"].str.extract(r"client_addr=(\S+)", expand=False))
    assert set(fd.loc[fd["addr"].isin(PRIVATE), "priority"]) == {"low"}
    assert set(fd.loc[fd["addr"] == PUBLIC, "priority"]) == {"medium"}
    rec = res.records
    priv = rec[rec["client_addr"].isin(PRIVATE)]
    if kw.get("max_records") != 50:  # otherwise the cap keeps the most recent actionable rows (test below)
        assert len(priv) == len(PRIVATE) * 400
    assert len(priv) and set(priv["priority"]) == {"low"} and set(priv["why"]) == {"not-probe-network"}
    assert set(rec.loc[rec["client_addr"] == PUBLIC, "priority"]) == {"medium"}


def test_capped_records_keep_private_rows(tmp_path):
    # the records cap keeps only actionable rows once the input exceeds it: rows from a private address outside
    # the VPC are actionable whatever their period, like a public client's, so none is lost to the cap
    path = tmp_path / "kube-apiserver.log"
    path.write_text("\n".join(periodic(["10.0.3.14", "10.0.17.203", "172.20.4.9"], 300)) + "\n")
    full = analyze([str(path)], year=2024, vpc_cidrs=VPC, records="all")
    capped = analyze([str(path)], year=2024, vpc_cidrs=VPC, records="auto", max_records=100)
    want = full.records[~full.records["harmless"]]
    assert len(want) == 300 and set(want["client_addr"]) == {"172.20.4.9"}
    assert list(capped.records["lineno"])[-100:] == list(want["lineno"])[-100:]


def test_vpc_unknown_still_assumes_private_ranges():
    res = parse_lines(periodic(["172.20.4.9", "fd12:3456:789a::15"], 60), year=2024, vpc_cidrs=None)
    assert set(res.tls_sources["network"]) == {"private-assumed"} and res.records["harmless"].all()
    assert res.meta["probe_networks_assumed"]
