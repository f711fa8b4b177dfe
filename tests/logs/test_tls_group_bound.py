"""§6.3 / PERF-3: at most ``max_tls_groups`` TLS client groups are held while reading, whatever the number of scanner
addresses; the rarest merge into the ``(other addresses)`` row, at the same batch ends for one sequential read and for
byte-range workers (PERF-4), and the load balancer's probers keep their own harmless rows."""

from __future__ import annotations

import datetime as dt
import os
import random

import pandas as pd
import pytest
from rangespy import spy_on_ranges

import lokonb.logs.analysis as A
import lokonb.logs.sources as S
from lokonb.logs import analyze

BASE = dt.datetime(2024, 3, 2, 8, 0, tzinfo=dt.UTC)
PROBERS = ("10.0.3.14", "10.0.17.203", "10.0.38.9")
LATE_PROBER = "10.0.44.4"  # starts when thousands of scanner groups exist
TABLES = ("records", "summary", "by_severity", "tls_sources", "findings", "unparsed", "sources")


def _line(t: float, ip: str, port: int, eof: bool) -> str:
    ts = BASE + dt.timedelta(seconds=t)
    kind = "EOF" if eof else f"read tcp 10.0.1.5:6443->{ip}:{port}: read: connection reset by peer"
    return (f"I{ts:%m%d %H:%M:%S}.{ts.microsecond:06d}       1 log.go:195] http: TLS handshake error from "
            f"{ip}:{port}: {kind}")  # fmt: skip


def _events(scanners: int, hours: float = 3.0, seed: int = 3) -> list[tuple[float, str, bool]]:
    rng = random.Random(seed)  # noqa: S311 - deterministic test data
    span = hours * 3600
    ev = [(k * 10.0 + i * 3.1 + rng.uniform(0, 0.004), ip, False) for i, ip in enumerate(PROBERS)
          for k in range(int(span // 10))]  # fmt: skip
    ev += [(span * 2 / 3 + k * 10.0 + rng.uniform(0, 0.004), LATE_PROBER, False) for k in range(int(span / 3 // 10))]
    for i in range(scanners):  # public addresses, one to three handshakes each at random times
        ip = f"34.{200 + i // 65536}.{i // 256 % 256}.{i % 256}"
        ev += [(rng.uniform(0, span), ip, rng.random() < 0.5) for _ in range(rng.randint(1, 3))]
    return sorted(ev)


@pytest.fixture(scope="module")
def scan_log(tmp_path_factory):
    path = tmp_path_factory.mktemp("bound") / "kube-apiserver.log"
    ev = _events(4000)
    path.write_text("".join(_line(t, ip, 30000 + i % 30000, eof) + "\n" for i, (t, ip, eof) in enumerate(ev)))
    os.utime(path, ((BASE + dt.timedelta(seconds=ev[-1][0] + 1)).timestamp(),) * 2)
    return str(path)


@pytest.fixture()
def small(monkeypatch):
    """64 KiB blocks (dozens of batches, ~300 scanner addresses each) and 400 groups allowed, so groups merge many
    times while reading."""
    monkeypatch.setattr(S, "BLOCK_BYTES", 64 << 10)
    monkeypatch.setattr(A, "MAX_TLS_GROUPS", 400)


def _held_groups(monkeypatch) -> list[int]:
    """Per batch end of the sequential read: how many groups are held afterwards, beyond those of that batch."""
    held: list[int] = []
    orig = A._SourceRun.end_probe_batch

    def spy(run):
        recent = set(run._batch_addrs)
        orig(run)
        held.append(len(set(run.probe) - recent))

    monkeypatch.setattr(A._SourceRun, "end_probe_batch", spy)
    return held


@pytest.mark.parametrize("records", ["auto", "all"])
def test_groups_stay_bounded_while_reading(monkeypatch, scan_log, small, records):
    held = _held_groups(monkeypatch)
    res = analyze([scan_log], workers=1, records=records, vpc_cidrs=["10.0.0.0/16"])
    # never more than twice max_tls_groups between batches, plus the addresses of the batch just read
    assert len(held) > 20 and max(held) <= 2 * 400
    tls = res.tls_sources.set_index("client_addr")
    assert len(tls) <= 400 + 1 and A.OTHER_ADDRESSES in tls.index
    other = tls.loc[A.OTHER_ADDRESSES]
    assert other["verdict"] == "actionable" and other["network"] == "public"
    assert pd.isna(other["period_s"]) and other["why"] == "not-probe-network"
    assert any("more than 400 TLS client addresses" in w for w in res.meta["warnings"])
    # nothing lost: every TLS event is in one row, and the totals equal those of the unmerged analysis
    lines = sum(1 for _ in open(scan_log))
    assert tls["count"].sum() == lines == res.summary["count"].sum()
    monkeypatch.setattr(A, "MAX_TLS_GROUPS", 100_000)
    full = analyze([scan_log], workers=1, records=records, vpc_cidrs=["10.0.0.0/16"])
    assert len(full.tls_sources) > 4000
    cols = ["family", "count", "harmless_count", "actionable_count"]
    pd.testing.assert_frame_equal(res.summary[cols], full.summary[cols])
    pd.testing.assert_frame_equal(res.by_severity, full.by_severity)
    pd.testing.assert_frame_equal(res.timeline(), full.timeline())
    # the probers, the late one included, keep their own harmless rows with their period
    for ip in (*PROBERS, LATE_PROBER):
        row, ref = tls.loc[ip], full.tls_sources.set_index("client_addr").loc[ip]
        assert row["verdict"] == "probe" and row["period_s"] == pytest.approx(10.0, abs=0.1), ip
        assert row["count"] == ref["count"] and row["on_beat_share"] == ref["on_beat_share"], ip


def test_merged_row_judges_every_event_actionable(monkeypatch, scan_log, small):
    res = analyze([scan_log], workers=1, records="all", vpc_cidrs=["10.0.0.0/16"])
    rec = res.records
    scanners = rec[rec["client_addr"].astype(str).str.startswith("34.")]
    assert len(scanners) and not scanners["harmless"].any()
    assert set(scanners["why"].astype(str)) == {"not-probe-network"}
    key = res.findings[res.findings["key"].astype(str).str.contains(A.OTHER_ADDRESSES, regex=False)]
    assert len(key) == 2 and key["count"].sum() == res.tls_sources.set_index("client_addr").loc[
        A.OTHER_ADDRESSES, "count"]  # fmt: skip


@pytest.mark.parametrize("records,spill", [("auto", 50), ("all", 1_000_000)])
def test_byte_range_workers_merge_at_the_same_batch_ends(monkeypatch, scan_log, small, records, spill):
    """PERF-4: the coordinator replays the workers' events batch by batch (read back in chunks when ``spill`` parts
    made a worker hand them on while reading) and merges where the sequential read merged."""
    used = spy_on_ranges(monkeypatch)
    monkeypatch.setattr(A, "SPILL_PARTS", spill)
    kw = dict(records=records, vpc_cidrs=["10.0.0.0/16"], max_records=500)
    a = analyze([scan_log], workers=1, **kw)
    b = analyze([scan_log], workers=3, **kw)
    assert used == [True]
    assert A.OTHER_ADDRESSES in set(a.tls_sources["client_addr"])
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), obj=name)
    pd.testing.assert_frame_equal(a.timeline(), b.timeline(), obj="timeline")
    assert a.meta["warnings"] == b.meta["warnings"]


def test_records_path_gets_the_merged_verdicts(tmp_path, scan_log, small):
    res = analyze([scan_log], workers=1, records_path=tmp_path / "all.parquet", vpc_cidrs=["10.0.0.0/16"])
    rows = pd.read_parquet(tmp_path / "all.parquet")
    assert len(rows) == res.summary["count"].sum()
    scanners = rows[rows["client_addr"].astype(str).str.startswith("34.")]
    assert not scanners["harmless"].any() and set(scanners["why"].astype(str)) == {"not-probe-network"}
    probers = rows[rows["client_addr"].astype(str).isin(PROBERS)]
    assert probers["harmless"].mean() > 0.95
