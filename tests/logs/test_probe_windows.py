"""Bounded probe state (spec logs.md §6.3, last bullet): groups that need no per-event verdict seal old windows into
counts, with tables identical to the full-event path (PERF-4); late events have a defined verdict; the state held no
longer grows with the number of events."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rangespy import spy_on_ranges

import lokonb.logs.analysis as A
import lokonb.logs.sources as S
from lokonb.logs import analyze
from lokonb.logs.classify import Classifier
from lokonb.logs.families import coerce_table
from lokonb.logs.probe import NS
from lokonb.logs.probe_windows import WindowedGroup, sealing_grid
from lokonb.logs.sample import generate
from lokonb.logs.sources import file_source

TABLES = ("summary", "by_severity", "tls_sources", "findings", "records")
BASE = dt.datetime(2024, 12, 31, 21, 0, 0, tzinfo=dt.UTC)  # crosses New Year (TIME-4 years shift at the end)
ORIG_ANALYZE_SOURCE = A._analyze_source


@pytest.fixture()
def small_blocks(monkeypatch):
    """64 KiB blocks: many batches, so groups seal many times within a few MB."""
    monkeypatch.setattr(S, "BLOCK_BYTES", 64 << 10)


def _analyze(path, state, *, seal=64, **kw):
    """analyze() with the probe state forced: "full" (every event kept) or "bounded" (sealing after ``seal``)."""
    kw.setdefault("max_records", 50)  # the input overflows the records cap: the bounded path applies
    kw.setdefault("workers", 1)

    def forced(src, opts, clf, agg):
        # the options reach byte-range workers pickled, so they are set on the instance
        ORIG_ANALYZE_SOURCE(src, dataclasses.replace(opts, probe_state=state, probe_seal_events=seal), clf, agg)

    A._analyze_source = forced
    try:
        return analyze([path], **kw)
    finally:
        A._analyze_source = ORIG_ANALYZE_SOURCE


def _same(a, b):
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), obj=name)
    for by in ("family", "verdict", "source"):
        pd.testing.assert_frame_equal(a.timeline(by=by), b.timeline(by=by), obj=f"timeline by {by}")
    assert a.meta["warnings"] == b.meta["warnings"]
    assert a.meta["probe"] == b.meta["probe"]


@pytest.fixture()
def sealed(monkeypatch):
    """Counts the groups resolved from counts (sealed), so each case proves it took the bounded path."""
    seen: list[int] = []
    orig = WindowedGroup.counts

    def spy(self, network_ok):
        out = orig(self, network_ok)
        seen.append(out.n)
        return out

    monkeypatch.setattr(WindowedGroup, "counts", spy)
    return seen


def _sample(path, size=3_000_000, seed=7):
    with open(path, "wb") as fh:
        truth = generate(fh, size=size, seed=seed, incidents=True, start=BASE, garbage_every=5000)
    os.utime(path, (truth.last.timestamp() + 1,) * 2)
    return str(path)


# -- (a) the sample generator ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kw",
    [{}, {"probe_periods": "auto"}, {"probe_periods": (30,)}, {"vpc_cidrs": ["10.0.0.0/16"]}, {"bucket": "5min"}],
    ids=["default", "auto", "30s", "vpc", "bucket-5min"],
)
def test_sample_bounded_equals_full(tmp_path, small_blocks, sealed, kw):
    path = _sample(tmp_path / "kube-apiserver.log")
    full = _analyze(path, "full", **kw)
    assert not sealed
    bounded = _analyze(path, "bounded", **kw)
    assert len(sealed) >= 3  # the three probers went through counts
    _same(full, bounded)


# -- (b) periodic, off-beat, sparse, public and bursty groups ----------------------------------------------------
def _line(t: float, ip: str, kind: str, port: int, sev: str = "I") -> str:
    d = BASE + dt.timedelta(seconds=t)
    head = f"{sev}{d:%m%d %H:%M:%S}.{d.microsecond:06d}       1 log.go:195] "
    head += f"http: TLS handshake error from {ip}:{port}: "
    if kind == "eof":
        return head + "EOF"
    if kind == "bad":
        return head + "remote error: tls: bad certificate"
    return head + f"read tcp 10.0.5.21:6443->{ip}:{port}: read: connection reset by peer"


def _series(ip, start, end, period, phases=(0.0,), jitter=0.003, kind="reset", rng=None, skip=0.0, sev="I"):
    rng = rng or random.Random(3)  # noqa: S311 - deterministic test data
    out = []
    t = start
    while t < end:
        for ph in phases:
            if rng.random() >= skip:
                k = kind if kind != "mix" else rng.choice(("reset", "reset", "eof"))
                s = sev if sev != "mix" else rng.choice("IIIIIIIIIE" + "F")
                out.append((t + ph + rng.uniform(-jitter, jitter), ip, k, s))
        t += period
    return out


def _groups(case: str):
    rng = random.Random(11)  # noqa: S311 - deterministic test data
    hours = 3 * 3600
    ev = []
    if case in ("periodic", "public", "mixed"):
        ev += _series("10.0.3.14", 1.2, hours, 10.0, kind="mix", rng=rng)
        ev += _series("10.0.17.203", 4.5, hours, 10.0, kind="mix", rng=rng, sev="mix")
    if case in ("slow", "mixed"):
        ev += _series("10.0.38.9", 7.0, hours, 30.0, phases=(0.0, 11.0), rng=rng)  # two NLB nodes every 30 s
    if case in ("offbeat", "mixed"):
        ev += _series("127.0.0.1", 2.0, hours, 10.0, rng=rng, skip=0.1)
        ev += [(rng.uniform(0, hours), "127.0.0.1", "reset", "I") for _ in range(300)]
    if case in ("sparse", "mixed"):
        ev += _series("10.0.9.9", 100.0, 140.0, 10.0, rng=rng)  # four events, one short burst
        ev += [(5000.0 + 3 * i, "10.0.9.10", "reset", "I") for i in range(2)]  # too few
        ev += _series("10.0.9.11", 50.0, hours, 100.0, rng=rng)  # no window of four events at 10 s
    if case in ("public", "mixed"):
        ev += _series("198.51.100.7", 3.0, hours, 10.0, rng=rng)  # public clients keep their rows: never sealed
        ev += [(rng.uniform(0, hours), f"203.0.113.{rng.randrange(1, 9)}", "bad", "E") for _ in range(200)]
    if case in ("bursty", "mixed"):
        ev += _series("10.0.44.4", 5.0, hours, 10.0, rng=rng)
        for b in range(0, hours, 1800):  # bursts far beyond the probe rate every half hour
            ev += [(b + 100 + rng.uniform(0, 20), "10.0.44.4", "reset", "W") for _ in range(80)]
    if case == "gaps":  # long silences: windows without events and sparse windows next to dense ones
        for s0 in range(0, hours, 2400):
            ev += _series("10.0.3.15", s0 + 1.0, s0 + 700.0, 10.0, rng=rng)
            ev += _series("10.0.3.15", s0 + 1500.0, s0 + 1530.0, 10.0, rng=rng)
    return ev


def _write(path, events):
    events = sorted(events, key=lambda e: e[0])
    lines = [_line(t, ip, kind, 30000 + i % 30000, sev) for i, (t, ip, kind, sev) in enumerate(events)]
    path.write_text("\n".join(lines) + "\n")
    os.utime(path, ((BASE + dt.timedelta(seconds=events[-1][0] + 1)).timestamp(),) * 2)
    return str(path)


CASES = ("periodic", "slow", "offbeat", "sparse", "public", "bursty", "gaps", "mixed")
PERIODS = ((10,), (30,), (10, 30), "auto", (7, 17.5))


@pytest.mark.parametrize("periods", PERIODS, ids=str)
@pytest.mark.parametrize("case", CASES)
def test_groups_bounded_equal_full(tmp_path, small_blocks, sealed, case, periods):
    path = _write(tmp_path / "kube-apiserver.log", _groups(case))
    kw = {"probe_periods": periods, "vpc_cidrs": ["10.0.0.0/16"]}
    full = _analyze(path, "full", **kw)
    # sealing after 2 events sends even the smallest groups through counts
    bounded = _analyze(path, "bounded", seal=2 if case in ("sparse", "mixed") else 32, **kw)
    assert sealed  # at least one group took the bounded path
    _same(full, bounded)


# -- (c) out-of-order and late events ----------------------------------------------------------------------------
def test_slightly_out_of_order_lines_stay_exact(tmp_path, small_blocks, sealed):
    ev = _series("10.0.3.14", 1.0, 4 * 3600, 10.0, kind="mix")
    lines = sorted(ev, key=lambda e: e[0])
    # swap neighbouring stretches of five minutes: out of order, but never older than the held events
    for i in range(0, len(lines) - 60, 120):
        lines[i : i + 60], lines[i + 60 : i + 120] = lines[i + 60 : i + 120], lines[i : i + 60]
    path = tmp_path / "kube-apiserver.log"
    path.write_text("\n".join(_line(t, ip, k, 30000 + n, s) for n, (t, ip, k, s) in enumerate(lines)) + "\n")
    os.utime(path, ((BASE + dt.timedelta(hours=5)).timestamp(),) * 2)
    full = _analyze(str(path), "full")
    bounded = _analyze(str(path), "bounded", seal=32)
    assert sealed
    _same(full, bounded)


def test_late_events_are_judged_off_beat(tmp_path, small_blocks, sealed):
    ev = sorted(_series("10.0.3.14", 1.0, 6 * 3600, 10.0), key=lambda e: e[0])
    # the second hour (aligned to the windows) comes again at the end of the file, after its windows were sealed
    late = [e for e in ev if 3600 <= e[0] < 7200]
    lines = [e for e in ev if not 3600 <= e[0] < 7200] + late
    path = tmp_path / "kube-apiserver.log"
    path.write_text("\n".join(_line(t, ip, k, 30000 + n, s) for n, (t, ip, k, s) in enumerate(lines)) + "\n")
    os.utime(path, ((BASE + dt.timedelta(hours=7)).timestamp(),) * 2)
    full = _analyze(str(path), "full")
    bounded = _analyze(str(path), "bounded", seal=32)
    f_row, b_row = full.tls_sources.iloc[0], bounded.tls_sources.iloc[0]
    assert f_row["verdict"] == "probe" and f_row["count"] == b_row["count"] == len(ev)
    # the late hour is actionable (off the beat); everything else is as in the full path
    assert b_row["verdict"] == "mixed" and b_row["period_s"] == f_row["period_s"]
    assert b_row["on_beat_share"] == pytest.approx((len(ev) - len(late)) / len(ev))
    assert full.summary["harmless_count"].sum() - bounded.summary["harmless_count"].sum() == len(late)
    found = bounded.findings[bounded.findings["family"] == "tls_handshake_reset"].iloc[0]
    assert (found["count"], found["why"], found["priority"]) == (len(late), "off-beat", "low")
    assert any(f"{len(late):,} TLS handshake records from 10.0.3.14 came after" in w for w in bounded.meta["warnings"])


# -- (d) byte-range workers ---------------------------------------------------------------------------------------
@pytest.fixture()
def ranges_used(monkeypatch):
    """No size floor for byte ranges; records whether each workers>1 run was merged from ranges."""
    return spy_on_ranges(monkeypatch)


def test_workers_equal_sequential_bounded(tmp_path, small_blocks, sealed, ranges_used):
    path = _sample(tmp_path / "kube-apiserver.log")  # crosses New Year: later ranges are shifted by a year
    one = _analyze(path, "bounded", workers=1)
    assert sealed
    two = _analyze(path, "bounded", workers=2)
    assert ranges_used == [True]
    _same(one, two)
    assert one.meta["lines_read"] == two.meta["lines_read"]


def test_workers_equal_sequential_with_late_events(tmp_path, small_blocks, sealed, ranges_used):
    ev = sorted(_series("10.0.3.14", 1.0, 12 * 3600, 10.0, kind="mix"), key=lambda e: e[0])
    late = [e for e in ev if 3600 <= e[0] < 7200]
    lines = [e for e in ev if not 3600 <= e[0] < 7200] + late
    path = tmp_path / "kube-apiserver.log"
    path.write_text("\n".join(_line(t, ip, k, 30000 + n, s) for n, (t, ip, k, s) in enumerate(lines)) + "\n")
    os.utime(path, ((BASE + dt.timedelta(hours=13)).timestamp(),) * 2)
    one = _analyze(str(path), "bounded", seal=32, workers=1)
    two = _analyze(str(path), "bounded", seal=32, workers=2)
    assert ranges_used == [True] and sealed
    assert any("came after their probe window" in w for w in one.meta["warnings"])
    _same(one, two)


# -- when the bounded path applies ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kw,windowed",
    [
        ({"max_records": 50}, True),
        ({"max_records": 100_000}, True),  # fits the records cap: rows, with per-event verdicts kept in the group
        ({"max_records": 50, "records": "all"}, False),
        ({"max_records": 50, "records": "actionable"}, False),
        ({"max_records": 50, "probe_periods": (33.33,)}, False),  # window 666.6 s: not whole seconds
        ({"max_records": 50, "probe_state": "full"}, False),
    ],
)
def test_which_groups_are_windowed(tmp_path, kw, windowed):
    path = _write(tmp_path / "kube-apiserver.log", _groups("mixed"))
    table = coerce_table(None)
    clf = Classifier(table)
    periods = kw.pop("probe_periods", (10.0, 30.0))
    o = A.Options(vpc_cidrs=A.parse_networks(["10.0.0.0/16"], "vpc"), probe_periods=periods, **kw)
    run = A._SourceRun(file_source(Path(path)), o, clf, A._Aggregate(o, clf))
    run.run()
    kinds = {a: isinstance(g, WindowedGroup) for a, g in run.probe.items()}
    assert kinds["10.0.3.14"] is windowed
    assert kinds["198.51.100.7"] is windowed  # public clients too (their rows keep per-event verdicts)


@pytest.mark.parametrize("max_records", [100_000, 3000, 50])
@pytest.mark.parametrize("case", ["mixed", "offbeat", "public"])
def test_rows_before_and_after_the_overflow(tmp_path, small_blocks, sealed, case, max_records):
    """A gzip file's size is unknown: the records cap overflows while reading (or never). Rows built before that
    keep per-event verdicts inside windowed groups; the records table is the one of the full path."""
    import gzip

    plain = _write(tmp_path / "k.log", _groups(case))
    path = tmp_path / "kube-apiserver.log.gz"
    with open(plain, "rb") as src, gzip.open(path, "wb") as dst:
        dst.write(src.read())
    os.utime(path, (os.stat(plain).st_mtime,) * 2)
    full = _analyze(str(path), "full", max_records=max_records, vpc_cidrs=["10.0.0.0/16"])
    bounded = _analyze(str(path), "bounded", seal=32, max_records=max_records, vpc_cidrs=["10.0.0.0/16"])
    assert sealed
    _same(full, bounded)
    assert full.meta["records_truncated"] or max_records > 50


def test_records_path_keeps_per_event_verdicts(tmp_path, sealed):
    path = _sample(tmp_path / "kube-apiserver.log", size=400_000)
    res = _analyze(path, "bounded", seal=16, records_path=tmp_path / "all.parquet")
    assert not sealed and res.meta["records_path"]["rows"] > 0


def test_sealing_grid_per_periods():
    assert sealing_grid((10, 30)) == 600
    assert sealing_grid("auto") == 12_000  # 300, 400, 600, 1200, 2400, 6000 s windows
    assert sealing_grid("auto", day_aligned=True) is None  # 6000 s does not divide a day
    assert sealing_grid((10, 30), day_aligned=True) == 600
    assert sealing_grid((33.33,)) is None
    assert sealing_grid((3600, 7)) == 72_000
    assert sealing_grid(tuple(range(1, 12))) is None  # more periods than on-beat bits


def test_too_many_addresses_sealed_groups_keep_their_rows(tmp_path, small_blocks, monkeypatch):
    monkeypatch.setattr(A, "MAX_TLS_GROUPS", 2)
    path = _write(tmp_path / "kube-apiserver.log", _groups("mixed"))
    full = _analyze(path, "full", vpc_cidrs=["10.0.0.0/16"])
    bounded = _analyze(path, "bounded", seal=32, vpc_cidrs=["10.0.0.0/16"])
    assert len(full.tls_sources) == 3 and A.OTHER_ADDRESSES in set(full.tls_sources["client_addr"])
    rows = bounded.tls_sources.set_index("client_addr")
    # the big (sealed) groups keep their own rows; the small ones are merged as before
    assert {"10.0.3.14", "10.0.17.203", "10.0.38.9", "127.0.0.1", "10.0.44.4", "198.51.100.7"} <= set(rows.index)
    assert rows.loc[A.OTHER_ADDRESSES, "verdict"] == "actionable"
    # the two tiny groups (bad certificates are no probes) at least; with 2 groups allowed, more than 4 at a batch's
    # end merge the rarest while reading, so early events of the big groups may be merged too
    assert rows.loc[A.OTHER_ADDRESSES, "count"] >= 4 + 2
    assert rows["count"].sum() == full.tls_sources["count"].sum()
    assert bounded.summary["count"].sum() == full.summary["count"].sum()


# -- memory: held event times do not grow with the number of events ------------------------------------------------
def _feed(n_events: int, seal: int = 4096) -> tuple[WindowedGroup, int]:
    g = WindowedGroup((10.0, 30.0), sealing_grid((10.0, 30.0)), seal_events=seal)
    t = (1_735_689_603 + np.arange(n_events, dtype=np.int64) * 10) * NS
    batch, most = 2000, 0
    for s in range(0, n_events, batch):
        sl = slice(s, s + batch)
        m = len(t[sl])
        g.add((t[sl], np.full(m, 7, np.int16), np.full(m, "reset", object), np.ones(m, np.int8), "x", None,
               np.zeros(m, bool), None, None))  # fmt: skip
        g.settle()
        most = max(most, g.held_events())
    return g, most


def test_held_state_does_not_grow_with_events():
    (small, most_small), (big, most_big) = _feed(50_000), _feed(200_000)
    assert small.sealed and big.sealed
    # event times held: below the sealing threshold plus one batch, whatever the input size
    assert most_big == most_small <= 4096 + 2000
    # count rows do not grow either (timeline counts follow the time buckets, like the timeline itself)
    assert len(big.rows) == len(small.rows)
    assert sum(len(c) for c in big.wper) == sum(len(c) for c in small.wper)
    out = big.counts(True)
    assert out.n == 200_000 and out.harmless.all() and out.period_s == 10.0


def test_source_held_events_bounded(tmp_path, small_blocks):
    """The same periodic probes over 4× the time: the held event times of the source's groups stay put."""
    held = []
    for hours in (6, 24):
        ev = _series("10.0.3.14", 1.0, hours * 3600, 10.0) + _series("10.0.17.203", 4.0, hours * 3600, 10.0)
        path = _write(tmp_path / f"k{hours}.log", ev)
        o = A.Options(max_records=50, probe_seal_events=256)
        clf = Classifier(coerce_table(None))
        run = A._SourceRun(file_source(Path(path)), o, clf, A._Aggregate(o, clf))
        run.run()
        held.append(sum(g.held_events() for g in run.probe.values()))
    assert held[1] <= held[0] * 1.2 + 200


def _part(t_s, kind="reset"):
    t = (np.asarray(t_s, np.float64) * NS).astype(np.int64)
    m = len(t)
    return (t, np.full(m, 7, np.int16), np.full(m, kind, object), np.ones(m, np.int8), "x", None, np.zeros(m, bool),
            None, None)  # fmt: skip


def test_out_of_order_after_a_silence_is_not_late():
    """After an hour of silence the first held event is new; a slightly older line in the next batch is far from
    the newest sealed event, so it cannot change a judged gap: not late, same verdicts as from the events."""
    t0 = 1_735_689_600.0
    before = t0 + 3.0 + 10.0 * np.arange(400)
    after = before[-1] + 3600.0 + 10.0 * np.arange(1, 400)
    g = WindowedGroup((10.0, 30.0), 600, seal_events=16)
    g.add(_part(before))
    g.add(_part(after[1:50]))
    g.settle()
    assert g.sealed and g.late_before == int(after[1] * NS)
    g.add(_part(after[:1]))  # older than every held event, an hour after the newest sealed one
    g.settle()
    g.add(_part(after[50:]))
    assert g.late == 0
    out = g.counts(True)
    assert out.harmless.all() and out.count.sum() == len(before) + len(after) and out.period_s == 10.0
    # within 6 periods of the newest sealed event it would be late
    g2 = WindowedGroup((10.0, 30.0), 600, seal_events=16)
    g2.add(_part(before))
    g2.settle()
    g2.add(_part([g2.prev_t + 10.0 - 1e-3]))
    assert g2.late == 1
