"""PERF-4 for byte-range workers: a plain klog file read by several worker processes gives exactly the tables of
one sequential read — across a New Year rollover, continuation lines and garbage at range boundaries, CRLF line
ends and the records cap — and the cases the chaining cannot reproduce fall back to the sequential read."""

from __future__ import annotations

import datetime as dt
import gzip
import os

import pandas as pd
import pytest
from rangespy import spy_on_ranges

import lokonb.logs.ranges as R
import lokonb.logs.sources as S
from lokonb.logs import analyze
from lokonb.logs.analysis import _Aggregate, _SourceRun
from lokonb.logs.classify import Classifier
from lokonb.logs.families import coerce_table
from lokonb.logs.options import Options
from lokonb.logs.sample import generate
from lokonb.logs.sources import file_source

TABLES = ("records", "summary", "by_severity", "tls_sources", "findings", "unparsed", "sources")


@pytest.fixture()
def small_chunks(monkeypatch):
    """64 KiB blocks and no size floor, so a few MB give many ranges and many boundaries."""
    monkeypatch.setattr(S, "BLOCK_BYTES", 64 << 10)
    return spy_on_ranges(monkeypatch)


def _klog(path, lines=12_000, seed=5, start=dt.datetime(2024, 12, 31, 22, 30, tzinfo=dt.UTC), crlf=False):
    with open(path, "wb") as fh:
        truth = generate(fh, lines=lines, seed=seed, fmt="klog", start=start, incidents=True, garbage_every=900)
    if crlf:
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    os.utime(path, (truth.last.timestamp() + 1,) * 2)
    return str(path)


def _same(a, b):
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), obj=name)
    pd.testing.assert_frame_equal(a.timeline(), b.timeline(), obj="timeline")
    strip = ("timing_s", "parameters")
    assert {k: v for k, v in a.meta.items() if k not in strip} == {k: v for k, v in b.meta.items() if k not in strip}


@pytest.mark.parametrize("records,max_records", [("all", 100_000), ("auto", 300)])
def test_ranges_equal_sequential_across_new_year(tmp_path, small_chunks, records, max_records):
    path = _klog(tmp_path / "kube-apiserver.log")
    kw = dict(vpc_cidrs=["10.0.0.0/16"], records=records, max_records=max_records)
    a = analyze([path], workers=1, **kw)
    b = analyze([path], workers=4, **kw)
    assert small_chunks == [True]  # the ranges were merged, not a fallback
    _same(a, b)
    # the rollover happened inside the file, so later ranges were shifted by a year
    years = pd.to_datetime(a.records["timestamp"]).dt.year if len(a.records) else pd.Series(dtype=int)
    assert {2024, 2025} <= set(years) or records == "auto"
    assert a.meta["lines_read"] == b.meta["lines_read"] == sum(1 for _ in open(path, "rb"))


def test_ranges_equal_sequential_with_crlf(tmp_path, small_chunks):
    path = _klog(tmp_path / "kube-apiserver.log", lines=6000, seed=9, crlf=True)
    a = analyze([path], workers=1, records="all", vpc_cidrs=["10.0.0.0/16"])
    b = analyze([path], workers=3, records="all", vpc_cidrs=["10.0.0.0/16"])
    assert small_chunks == [True]
    _same(a, b)


def test_large_files_take_more_ranges_than_workers(tmp_path, small_chunks, monkeypatch):
    """Ranges are capped in size (a range's state grows with its bytes, PERF-3): more ranges than workers, run at
    most ``workers`` at a time, give the sequential results."""
    path = _klog(tmp_path / "kube-apiserver.log", lines=12000, seed=5)
    size = os.path.getsize(path)
    monkeypatch.setattr(R, "MAX_RANGE_BYTES", size // 7)
    assert len(R.plan(_run_for(tmp_path / "kube-apiserver.log", workers=2))[1]) >= 7
    started: list[int] = []  # per worker start: how many workers were still running
    serving: list = []
    orig = R._python

    def spy(entry, env, stdout):
        if entry == "_serve":
            started.append(sum(p.poll() is None for p in serving))
        proc = orig(entry, env, stdout)
        if entry == "_serve":
            serving.append(proc)
        return proc

    monkeypatch.setattr(R, "_python", spy)
    kw = dict(vpc_cidrs=["10.0.0.0/16"], records="auto", max_records=300)
    a = analyze([path], workers=1, **kw)
    b = analyze([path], workers=2, **kw)
    assert small_chunks == [True] and len(started) >= 7
    assert max(started) <= 1  # never more than two workers at once
    _same(a, b)


def test_feb_29_after_a_rollover_falls_back(tmp_path, small_chunks):
    # Feb 29 2024 exists, Feb 29 2025 does not: a year offset applied afterwards could not reproduce this
    path = _klog(
        tmp_path / "kube-apiserver.log", lines=8000, seed=3, start=dt.datetime(2023, 12, 31, 23, 0, tzinfo=dt.UTC)
    )
    data = open(path, "rb").read().splitlines(keepends=True)
    tail = [b"I0229 00:00:0%d.000000       1 log.go:1] leap day line\n" % i for i in range(5)]
    with open(path, "wb") as fh:
        fh.writelines(data + tail)
    a = analyze([path], workers=1, records="all", year=2024)
    b = analyze([path], workers=4, records="all", year=2024)
    _same(a, b)
    assert small_chunks == [False]  # the leap day sits in a range shifted by a year: read sequentially
    assert a.sources["time_errors"].sum() == 5  # Feb 29 2025 does not exist


def test_wrapped_lines_with_outer_timestamps_fall_back(tmp_path, small_chunks):
    path = _klog(tmp_path / "kube-apiserver.log", lines=6000, seed=4)
    data = open(path, "rb").read().splitlines(keepends=True)
    cri = b"2025-01-01T00:10:00.000000000Z stderr F E0101 00:10:00.000000       1 x.go:1] wrapped\n"
    data.insert(len(data) * 3 // 4, cri)
    with open(path, "wb") as fh:
        fh.writelines(data)
    a = analyze([path], workers=1, records="all")
    b = analyze([path], workers=4, records="all")
    assert small_chunks == [False]
    _same(a, b)


def _run_for(path, **opts):
    o = Options(**{"workers": 4, **opts})
    clf = Classifier(coerce_table(None))
    return _SourceRun(file_source(path), o, clf, _Aggregate(o, clf))


def test_plan_skips_what_it_cannot_split(tmp_path, small_chunks):
    path = tmp_path / "kube-apiserver.log"
    _klog(path, lines=6000)
    assert R.plan(_run_for(path)) is not None
    assert R.plan(_run_for(path, workers=1)) is None
    assert R.plan(_run_for(path, since_ns=1)) is None
    assert R.plan(_run_for(path, klog_tz="Europe/Berlin")) is None
    gz = tmp_path / "kube-apiserver.log.gz"
    gz.write_bytes(gzip.compress(path.read_bytes()))
    assert R.plan(_run_for(gz)) is None
    cri = tmp_path / "cri.log"
    cri.write_bytes(
        b"".join(b"2025-01-01T00:00:00.0Z stderr F I0101 00:00:00.000000 1 a.go:1] x %d\n" % i for i in range(60_000))
    )
    assert R.plan(_run_for(cri)) is None
    fmt, ranges = R.plan(_run_for(path))
    assert fmt == "klog" and ranges[0][0] == 0 and ranges[-1][1] is None
    assert all(a[1] == b[0] for a, b in zip(ranges, ranges[1:], strict=False))


def test_chunked_blocks_are_the_sequential_blocks(tmp_path, small_chunks):
    path = tmp_path / "kube-apiserver.log"
    _klog(path, lines=6000)
    src = file_source(path)
    whole = [b for b, _ in src.blocks()]
    nchunks = -(-path.stat().st_size // S.BLOCK_BYTES)
    parts = []
    for first, end in ((0, 5), (5, 11), (11, None)):
        parts += [b for b, _ in file_source(path).blocks(chunks=(first, end))]
    assert nchunks > 11 and parts == whole


def test_several_sources_absorbed_like_sequential_merges(tmp_path, small_chunks):
    # two split files around a small one: the parent absorbs each coordinator's aggregate in source order
    a_path = _klog(tmp_path / "a-kube-apiserver.log", lines=7000, seed=21)
    b_path = tmp_path / "b-kube-apiserver.log"
    b_path.write_bytes(b"I0101 00:00:01.000000       1 x.go:1] small source\n" * 3)
    c_path = _klog(tmp_path / "c-kube-apiserver.log", lines=7000, seed=22)
    kw = dict(vpc_cidrs=["10.0.0.0/16"], records="auto", max_records=250, year=2024)
    a = analyze([a_path, str(b_path), c_path], workers=1, **kw)
    b = analyze([a_path, str(b_path), c_path], workers=3, **kw)
    assert small_chunks == [True, False, True]
    _same(a, b)
    assert list(a.sources["source"]) == [a_path, str(b_path), c_path]


def test_a_failing_worker_falls_back_to_the_sequential_read(tmp_path, small_chunks, monkeypatch):
    path = _klog(tmp_path / "kube-apiserver.log", lines=6000, seed=8)
    orig = R._python
    # the workers cannot start their entry point: every range is lost, the parent reads the file itself
    monkeypatch.setattr(
        R, "_python", lambda entry, env, out: orig("_missing" if entry == "_serve" else entry, env, out)
    )
    a = analyze([path], workers=1, records="all")
    b = analyze([path], workers=3, records="all")
    assert small_chunks == [False]
    _same(a, b)


def test_cli_workers_write_the_same_records_and_summary(tmp_path, small_chunks, capsys):
    from lokonb.cli import main

    path = _klog(tmp_path / "kube-apiserver.log", lines=6000, seed=13)
    outs = []
    for workers in ("1", "3"):
        summ = tmp_path / f"summary-{workers}.csv"
        assert main(["logs", "analyze", path, "--workers", workers, "--summary", str(summ)]) == 0
        outs.append((summ.read_bytes(), capsys.readouterr().out))
    assert small_chunks == [True]  # --workers reaches analyze(): the file was read in byte ranges
    assert outs[0] == outs[1]
    # --records streams every record in file order (one sequential read, whatever --workers says)
    recs = []
    for workers in ("1", "3"):
        rec = tmp_path / f"records-{workers}.csv"
        assert main(["logs", "analyze", path, "--workers", workers, "--records", str(rec)]) == 0
        recs.append(rec.read_bytes())
    assert small_chunks == [True, False]
    assert recs[0] == recs[1] and recs[0].startswith(b"source,line_no,timestamp,severity,family,harmless,reason")


def test_memory_is_given_back_after_sources_read_in_ranges(tmp_path, small_chunks, monkeypatch):
    """PERF-3: the parent counts the bytes its byte-range workers read, so it gives memory back between large sources
    (unpickling their states fragmented its heap: it grew with every source while the next one's workers ran)."""
    import lokonb.logs.analysis as A

    path = _klog(tmp_path / "kube-apiserver.log", lines=6000, seed=3)
    (tmp_path / "b").mkdir()
    copy = tmp_path / "b" / "kube-apiserver.log"
    copy.write_bytes(open(path, "rb").read())
    os.utime(copy, (os.path.getmtime(path),) * 2)
    size = os.path.getsize(path)
    released: list[int] = []
    monkeypatch.setattr(A, "_release_memory", lambda: released.append(1))
    monkeypatch.setattr(A, "RELEASE_AFTER_BYTES", size)
    res = analyze([path, str(copy)], workers=2, vpc_cidrs=["10.0.0.0/16"])
    assert small_chunks == [True, True] and len(res.sources) == 2
    assert len(released) == 2 and list(res.sources["bytes"]) == [size, size]
