"""PERF-4: every accelerated path gives exactly the tables of the plain path it replaces.

Each test analyses the same mixed input (klog with incidents, garbage and a year rollover, CRI, Docker,
``kubectl --timestamps``) both ways, with small blocks so that many blocks are in flight, and compares every
table with ``pandas.testing.assert_frame_equal``.
"""

from __future__ import annotations

import datetime as dt
import os

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import lokonb.logs.classify as C
import lokonb.logs.sources as S
from lokonb.logs import analyze
from lokonb.logs.errors import LogParameterError
from lokonb.logs.messages import go_unquote
from lokonb.logs.sample import generate

TABLES = ("records", "summary", "by_severity", "tls_sources", "findings", "unparsed", "sources")


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    d = tmp_path_factory.mktemp("mixed")
    paths = []
    for i, fmt in enumerate(("klog", "cri", "docker", "kubectl")):
        p = d / f"kube-apiserver-{fmt}.log"
        with open(p, "wb") as fh:
            truth = generate(
                fh,
                lines=2500 if fmt == "klog" else 1200,
                seed=11 + i,
                fmt=fmt,
                start=dt.datetime(2024, 12, 31, 23, 40, tzinfo=dt.UTC),
                incidents=True,
                garbage_every=700,
            )
        if truth.last is not None:
            os.utime(p, (truth.last.timestamp() + 1,) * 2)
        paths.append(str(p))
    return paths


def _small_blocks(monkeypatch):
    orig = S.Source.blocks
    monkeypatch.setattr(S.Source, "blocks", lambda self, block_bytes=0, **kw: orig(self, 40_000, **kw))


@pytest.fixture(scope="module")
def sequential(mixed):
    """The plain path on ``mixed`` (one worker, small blocks): the reference of several tests, computed once."""
    with pytest.MonkeyPatch.context() as mp:
        _small_blocks(mp)
        return _run(mixed, workers=1)


def _run(paths, **kw):
    return analyze(paths, vpc_cidrs=["10.0.0.0/16"], records="all", **kw)


def assert_same(a, b):
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), obj=name)
    pd.testing.assert_frame_equal(a.timeline(), b.timeline(), obj="timeline")
    ma = {k: v for k, v in a.meta.items() if k not in ("timing_s", "parameters")}
    mb = {k: v for k, v in b.meta.items() if k not in ("timing_s", "parameters")}
    assert ma == mb


def test_pipeline_thread_equals_sequential(mixed, sequential, monkeypatch):
    _small_blocks(monkeypatch)
    a = sequential
    b = _run(mixed, workers=2)
    assert a.meta["parameters"]["workers"] == 1 and b.meta["parameters"]["workers"] == 2
    assert len(a.records) > 5000 and a.meta["unparsed"] > 0  # the input exercises the slow paths too
    assert_same(a, b)


def test_pipeline_with_time_filter_equals_sequential(mixed, sequential, monkeypatch):
    """With since/until the pipeline only dispatches families (fields are extracted in the tail)."""
    _small_blocks(monkeypatch)
    kw = {"since": "2024-12-31T23:55:00Z", "until": "2025-01-01T00:10:00Z"}
    a = _run(mixed, workers=1, **kw)
    b = _run(mixed, workers=2, **kw)
    assert 0 < len(a.records) < len(sequential.records)
    assert a.meta["records_total"] > 0
    assert_same(a, b)


def test_pipeline_keeps_records_before_a_source_error(tmp_path, monkeypatch):
    """A gzip cut short mid-file: the records before the error are kept with and without the pipeline."""
    import gzip

    raw = tmp_path / "raw.log"
    with open(raw, "wb") as fh:
        generate(fh, lines=3000, seed=5)
    gz = tmp_path / "kube-apiserver.log.gz"
    data = gzip.compress(raw.read_bytes())
    gz.write_bytes(data[: len(data) // 2])
    _small_blocks(monkeypatch)
    a = analyze([str(gz)], year=2024, records="all", workers=1)
    b = analyze([str(gz)], year=2024, records="all", workers=2)
    assert a.sources["error"].iloc[0] and len(a.records) > 100
    assert_same(a, b)


@pytest.mark.parametrize("bad", [0, -1, "two", 1.5, True])
def test_workers_parameter_is_validated(bad):
    with pytest.raises(LogParameterError, match="workers"):
        analyze(["sample"], workers=bad)


def test_vectorised_messages_equal_general_path(mixed, sequential, monkeypatch):
    """Records rows: the vectorised message slicing (ASCII, unquoted, short, no secret word) vs per row."""
    import lokonb.logs.analysis as A

    _small_blocks(monkeypatch)
    a = sequential
    monkeypatch.setattr(A._SourceRun, "_messages", lambda self, c, idx: np.full(len(idx), None, dtype=object))
    b = _run(mixed, workers=1)
    assert_same(a, b)


def test_vectorised_messages_leave_hard_rows_to_the_general_path():
    import lokonb.logs.analysis as A

    lines = [
        b'I0101 00:00:00.000001       1 a.go:1] "quoted structured" key="v"',
        b"E0101 00:00:00.000002       1 a.go:2] plain ascii message",
        "E0101 00:00:00.000003       1 a.go:3] non-ascii caf\u00e9".encode(),
        b"E0101 00:00:00.000004       1 a.go:4] Authorization: Bearer abcdefghijklmnop",
        b"E0101 00:00:00.000005       1 a.go:5] " + b"x" * 5000,
        b"E0101 00:00:00.000006       1 a.go:6] ",
        b'I0101 00:00:00.000007       1 a.go:7] "with \\"escape\\" inside" k="v"',
        b'I0101 00:00:00.000008       1 a.go:8] "unterminated',
    ]
    from lokonb.logs import formats as F

    buf = np.frombuffer(b"\n".join(lines) + b"\n", np.uint8)
    starts, ends = F.line_bounds(buf)
    K = F.parse_klog_block(buf, starts, ends)
    assert K.hdr.all()
    run = A._SourceRun.__new__(A._SourceRun)
    run.o = A.Options()
    ctx = type("C", (), {"ri": np.arange(len(lines)), "K": K, "buf": buf})()
    got = run._messages(ctx, np.arange(len(lines)))
    assert got.tolist() == ["quoted structured", "plain ascii message", None, None, None, "", None, None]
    # what the general path makes of the quoted ones
    assert go_unquote('"quoted structured" key="v"') == "quoted structured"


def test_dictionary_objects_equal_plain_conversion():
    vals = ["GET", None, "LIST", "GET", "", "caf\u00e9"] * 100
    arr = pa.array(vals, pa.string())
    assert C.to_objects(arr).tolist() == arr.to_numpy(zero_copy_only=False).tolist() == vals
    uniq = pa.array([f"u{i}" for i in range(1000)], pa.string())
    assert C.to_objects(uniq).tolist() == uniq.to_pylist()


def test_vectorised_durations_equal_go_duration():
    texts = ["1.5s", "250ms", "3m", "2h", "7us", "7µs", "7μs", "12ns", "1m30s", "abc", "", "1.s", "5"] * 30
    arr = pa.array([t.encode() for t in texts], pa.binary())
    got = C._typed(arr, "duration")
    want = np.array([C.go_duration(t) if t else np.nan for t in texts])
    np.testing.assert_allclose(got, want, rtol=0, atol=0, equal_nan=True)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_contains_any_equals_arrow_match_substring(seed):
    """The bytes.split literal scan vs Arrow's match_substring, on random rows built from the literals' parts
    (near misses across row ends, repeated and overlapping hits, empty rows, a sliced array)."""
    rng = np.random.default_rng(seed)
    alphabet = [b"TLS ", b"handshake", b" error", b"s) 1", b"s) ", b"1", b"aa", b"a", b"\xc3\xa9", b" "]
    rows = [b"".join(rng.choice(alphabet, rng.integers(0, 8))) + b"\n" for _ in range(3000)]
    rows[5] = b""
    arr = pa.array(rows, pa.large_binary()).slice(3, 2500)
    for lits in [("TLS handshake error",), ("s) 1",), ("aa", "s) 1", "\u00e9"), ("a",), ("handshake error", "TLS")]:
        want = np.zeros(len(arr), bool)
        for lit in lits:
            want |= np.asarray(pc_match(arr, lit), bool)
        got = C.contains_any(arr, lits)
        assert got is not None and np.array_equal(got, want), lits
    assert C.contains_any(pa.array([b"x\n", None], pa.large_binary()), ("x",)) is None  # nulls: fallback
    assert C.contains_any(pa.array([b"x"], pa.large_binary()), ("x",)) is None  # no final newline: fallback
    assert C.contains_any(arr, ("a\nb",)) is None


def pc_match(arr, lit):
    import pyarrow.compute as pc

    return pc.match_substring(arr, lit).to_numpy(zero_copy_only=False)


def test_packaged_families_c_loader_equals_pure_python_loader():
    from importlib import resources

    import yaml

    from lokonb.logs.families import _packaged_entries

    text = resources.files("lokonb.logs").joinpath("families.yaml").read_text(encoding="utf-8")
    assert list(_packaged_entries()) == list(yaml.safe_load(text)["families"])
