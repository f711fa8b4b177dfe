"""OUT-2 records cap on a source whose size is not known up front (gzip, stdin, pods): once the input overflows
``max_records``, only actionable rows can survive, so the harmless row material queued before is never built into
rows; the tables equal those of the same log as a plain file (whose size predicts the overflow)."""

from __future__ import annotations

import gzip

import pandas as pd
import pytest
from rowspy import count_built_rows

import lokonb.logs.sources as S
from lokonb.logs import analyze

TABLES = ("records", "summary", "by_severity", "findings", "tls_sources")


def _ts(t: int) -> str:
    return f"{t // 3600:02d}:{t // 60 % 60:02d}:{t % 60:02d}.000000"


@pytest.fixture(scope="module")
def logs(tmp_path_factory):
    lines = []
    for t in range(1, 3001):
        if t % 25 == 0:
            lines.append(f'E0301 {_ts(t)}       1 x.go:1] Failed calling webhook "w{t % 7}.example.com": '
                         "context deadline exceeded")
        else:
            lines.append(f'I0301 {_ts(t)}       1 httplog.go:132] "HTTP" verb="GET" URI="/api/v1/pods?limit={t}" '
                         'latency="1.2ms" userAgent="kubectl" audit-ID="a" srcIP="10.0.0.1:4242" resp=200')
    data = ("\n".join(lines) + "\n").encode()
    d = tmp_path_factory.mktemp("cap")
    (d / "kube-apiserver.log").write_bytes(data)
    (d / "kube-apiserver.log.gz").write_bytes(gzip.compress(data))
    return d / "kube-apiserver.log", d / "kube-apiserver.log.gz"


def test_gzip_overflow_builds_only_actionable_rows_and_equals_plain(monkeypatch, logs):
    plain, gz = logs
    built = count_built_rows(monkeypatch)
    monkeypatch.setattr(S, "BLOCK_BYTES", 16 << 10)  # ~100 lines a block: the cap overflows in block 8 or so
    a = analyze([str(gz)], max_records=1000, year=2024, workers=1)
    assert a.meta["records_truncated"] and len(a.records) == 120 and not a.records["harmless"].any()
    assert sum(built) == 120  # the ~1000 harmless rows queued before the overflow were never built
    b = analyze([str(plain)], max_records=1000, year=2024, workers=1)
    for name in TABLES:
        x, y = getattr(a, name), getattr(b, name)
        drop = [c for c in ("source", "sources", "example_source") if c in x.columns]
        pd.testing.assert_frame_equal(x.drop(columns=drop), y.drop(columns=drop), check_categorical=False)


@pytest.mark.parametrize("block", [8 << 20, 16 << 10])
def test_cap_keeps_the_most_recent_rows_of_interleaved_families(tmp_path, monkeypatch, block):
    """OUT-2 with families interleaved in one batch (each family's rows are queued one after the other, each
    spanning the batch's time): the table holds the most recent ``max_records`` actionable rows of all families, not
    the last family's rows alone."""
    monkeypatch.setattr(S, "BLOCK_BYTES", block)
    lines = []
    for t in range(1, 1201):
        if t % 2:
            lines.append(f'E0301 {_ts(t)}       1 x.go:1] Failed calling webhook "w{t % 7}.example.com": '
                         "context deadline exceeded")
        else:
            lines.append(f'E0301 {_ts(t)}       1 authentication.go:63] "Unable to authenticate the request" '
                         'err="invalid bearer token"')
    path = tmp_path / "kube-apiserver.log"
    path.write_text("\n".join(lines) + "\n")
    res = analyze([str(path)], year=2024, workers=1, max_records=500)
    assert res.meta["records_truncated"]
    assert sorted(res.records["lineno"]) == list(range(701, 1201))
    assert res.records["family"].nunique() == 2
