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


def _run(paths, **kw):
    return analyze(paths, vpc_cidrs=["10.0.0.0/16"], records="all", **kw)


def assert_same(a, b):
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), obj=name)
    pd.testing.assert_frame_equal(a.timeline(), b.timeline(), obj="timeline")
    ma = {k: v for k, v in a.meta.items() if k not in ("timing_s", "parameters")}
    mb = {k: v for k, v in b.meta.items() if k not in ("timing_s", "parameters")}
    assert ma == mb


def test_pipeline_thread_equals_sequential(mixed, monkeypatch):
    _small_blocks(monkeypatch)
    a = _run(mixed, workers=1)
    b = _run(mixed, workers=2)
    assert a.meta["parameters"]["workers"] == 1 and b.meta["parameters"]["workers"] == 2
    assert len(a.records) > 5000 and a.meta["unparsed"] > 0  # the input exercises the slow paths too
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
