"""Many small sources (a support bundle, a copy of /var/log/pods with rotated files): memory is given back between
sources only once enough bytes were read (a full garbage collection after each small file made 500 files of 20
lines take over a minute), and the results do not depend on when it happens."""

from __future__ import annotations

import gc

import pandas as pd
import pytest

import lokonb.logs.analysis as A
from lokonb.logs import analyze

TABLES = ("summary", "by_severity", "findings", "sources")


@pytest.fixture(scope="module")
def many(tmp_path_factory):
    root = tmp_path_factory.mktemp("many")
    paths = []
    for i in range(12):
        d = root / f"kube-system_kube-apiserver-n{i}_uid{i}" / "kube-apiserver"
        d.mkdir(parents=True)
        lines = [
            f"2024-03-01T10:00:{j:02d}.000000000Z stderr F E0301 10:00:{j:02d}.000000       1 x.go:1] "
            f"failed calling webhook \"w{i}.example.com\": context deadline exceeded"
            for j in range(20)
        ]
        (d / "0.log").write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths.append(str(d / "0.log"))
    return paths


def _collections(monkeypatch) -> list[int]:
    calls: list[int] = []
    real = gc.collect
    monkeypatch.setattr(gc, "collect", lambda *a: calls.append(1) or real(*a))
    return calls


def test_small_sources_are_not_each_followed_by_a_collection(monkeypatch, many):
    calls = _collections(monkeypatch)
    res = analyze(many, workers=1)
    assert res.meta["records_total"] == 240 and len(res.sources) == 12
    assert calls == []


def test_collection_after_enough_bytes_and_same_tables(monkeypatch, many):
    base = analyze(many, workers=1)
    calls = _collections(monkeypatch)
    size = min(len(open(p, "rb").read()) for p in many)
    monkeypatch.setattr(A, "RELEASE_AFTER_BYTES", 3 * size)  # every third source
    res = analyze(many, workers=1)
    assert len(calls) == 4
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(res, name), getattr(base, name))
