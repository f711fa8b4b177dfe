"""Tables, plots, redaction, sample and engine equivalence (A22, A23, A30)."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from lokonb.logs import analyze, parse_lines
from lokonb.logs.classify import Classifier
from lokonb.logs.families import load_families
from lokonb.logs.sample import generate, sample_logs


@pytest.fixture(scope="module")
def sample_result():
    return analyze(["sample"], vpc_cidrs=["10.0.0.0/16"])


def test_sample_is_deterministic():
    a, b = sample_logs(controllers=1, hours=0.2), sample_logs(controllers=1, hours=0.2)
    assert a == b and len(a) == 1
    buf1, buf2 = io.BytesIO(), io.BytesIO()
    t1 = generate(buf1, lines=5000, seed=3)
    t2 = generate(buf2, lines=5000, seed=3)
    assert buf1.getvalue() == buf2.getvalue() and t1.to_dict() == t2.to_dict()


def test_counts_equal_generator_truth(tmp_path):
    p = tmp_path / "kube-apiserver.log"
    with open(p, "wb") as fh:
        truth = generate(fh, lines=20000, seed=11, garbage_every=5000)
    res = analyze([str(p)], vpc_cidrs=["10.0.0.0/16"], year=2024)
    got = {}
    for r in res.summary.itertuples():
        if r.harmless_count:
            got[(r.family, True)] = r.harmless_count
        if r.actionable_count:
            got[(r.family, False)] = r.actionable_count
    assert got == dict(truth.records)
    assert res.sources["unparsed"][0] == truth.unparsed
    assert res.sources["lines"][0] == truth.lines


def test_table_columns_and_dtypes(sample_result):
    r = sample_result
    rec = r.records
    assert (
        str(rec["timestamp"].dtype) == "datetime64[ns, UTC]"
        and str(rec["ts_outer"].dtype) == "datetime64[ns, UTC]"
    )
    for c in ("severity", "source", "family", "priority", "why", "node", "stream"):
        assert isinstance(rec[c].dtype, pd.CategoricalDtype), c
    assert str(rec["lineno"].dtype) == "Int64" and rec["harmless"].dtype == bool
    assert str(rec["code"].dtype) == "Int32" and rec["latency_s"].dtype == np.float64
    assert abs(r.summary["share"].sum() - 1) < 1e-9 and abs(r.by_severity["share"].sum() - 1) < 1e-9
    assert r.summary["count"].sum() == r.meta["records_total"] == len(rec)
    assert list(r.by_severity["severity"]) == ["I", "W", "E", "F", "none"]
    tl = r.timeline(by="family", top=5)
    assert tl.to_numpy().sum() == len(rec) - rec["timestamp"].isna().sum()
    assert tl.shape[1] <= 6 and tl.columns[-1] == "other families"
    v = r.timeline(by="verdict")
    assert set(v.columns) <= {"harmless", "actionable"} and v.to_numpy().sum() == tl.to_numpy().sum()
    assert r.timeline(by="source").to_numpy().sum() == tl.to_numpy().sum()
    assert len(r.sources) == 3 and set(r.sources["format"]) == {"cri"}
    assert set(r.tls_sources.columns) >= {
        "source",
        "client_addr",
        "network",
        "count",
        "kinds",
        "period_s",
        "probers",
        "on_beat_share",
        "verdict",
        "why",
    }


def test_findings_order_and_content(sample_result):
    fd = sample_result.findings
    order = {"critical": 0, "high": 1, "medium": 2, "low": 3}
    prio = fd["priority"].map(order).tolist()
    assert prio == sorted(prio)
    assert {"webhook_failure", "aggregator_unavailable", "panic", "etcd_leader_changed"} <= set(fd["family"])
    wf = fd[fd["family"] == "webhook_failure"].iloc[0]
    assert wf["key"] == "webhook=policy.example.io err_kind=deadline_exceeded" and wf["priority"] == "high"
    public = fd[(fd["family"] == "tls_handshake_reset") & fd["key"].str.contains("203.0.113.7")]
    assert len(public) == 1 and public.iloc[0]["why"] == "not-probe-network"
    # the CRI P/F split line became one record
    me = sample_result.records[sample_result.records["family"] == "master_endpoints"]
    assert len(me) == 3 and (me["n_lines"] == 1).all()
    assert (me["message"].str.len() == 4096).all() and me["truncated"].all()  # max_message_bytes
    m = sample_result.meta
    assert 0.25 < m["probe"]["share"] < 0.4 and m["probe"]["periods_s"] == [10.0]


def test_records_cap_and_parquet(tmp_path):
    p = tmp_path / "kube-apiserver.log"
    with open(p, "wb") as fh:
        generate(fh, lines=6000, seed=5)
    res = analyze([str(p)], max_records=500, records_path=tmp_path / "r.parquet", year=2024)
    assert res.meta["records_truncated"] and len(res.records) <= 500
    assert not res.records["harmless"].any()
    full = analyze([str(p)], records="all", year=2024)
    assert len(full.records) == full.meta["records_total"]
    # records_path streams every record, whatever the in-memory cap (OUT-2)
    pq = pd.read_parquet(tmp_path / "r.parquet")
    assert len(pq) == full.meta["records_total"] == res.meta["records_path"]["rows"]
    assert pq["harmless"].sum() == full.records["harmless"].sum()


def test_plots_and_to_dir(sample_result, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    fig = sample_result.plot_timeline()
    w, h = fig.get_size_inches()
    assert w <= 12 and h <= 5
    files = sample_result.to_dir(tmp_path / "out")
    assert {"records.csv", "summary.csv", "findings.csv", "timeline.png", "findings.png"} <= set(files)
    assert (tmp_path / "out" / "timeline.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_bearer_token_redacted():
    secret = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"  # noqa: S105 - a fake token, test data
    lines = [
        f"E0302 10:15:07.118203       1 x.go:1] request with Authorization: Bearer {secret} failed",
        f"W0302 10:15:08.118203       1 x.go:1] token={secret[:20]} retry",
    ]
    res = parse_lines(lines, year=2024)
    for df in (res.records, res.summary, res.findings):
        text = df.to_csv()
        assert secret not in text and secret[:20] not in text
        assert "***REDACTED***" in text



def test_secrets_in_fields_extra_and_finding_keys_redacted():
    """OUT-11: extracted fields (uri), structured pairs in `extra` and findings keys are outputs too."""
    lines = [
        'E0101 00:00:03.517220       1 timeout.go:1] post-timeout activity - time-elapsed: 3ms, GET '
        '"/api/v1/x?token=s3cr3tvalue1" result: <nil>',
        'E0101 00:00:04.517220       1 a.go:1] "Odd" err="x" token="s3cr3tvalue2" password=s3cr3tvalue3',
        "E0101 00:00:05.517220       1 a.go:1] login with token=s3cr3tvalue4 failed",
    ]
    res = parse_lines(lines, year=2024)
    text = "".join(df.to_csv() for df in (res.records, res.summary, res.findings))
    for n in range(1, 5):
        assert f"s3cr3tvalue{n}" not in text
    assert "***REDACTED***" in res.records.set_index("lineno").loc[1, "uri"]


def test_go_type_names_are_not_secret_keys():
    """"*core.Secret: unable to transform key" names a Go type, then an error: the message stays readable, a secret
    after a real key is still redacted."""
    lines = ['E0101 00:00:03.517220       1 cacher.go:1] "*core.Secret: unable to transform key '
             '\\"/registry/secrets/kube-system/x\\": invalid padding" token=s3cr3tvalue5']
    rec = parse_lines(lines, year=2024).records.iloc[0]
    assert rec["message"].startswith("*core.Secret: unable to transform key"), rec["message"]
    assert "s3cr3tvalue5" not in rec["message"] + str(rec["extra"])


def test_cache_and_exact_scan_agree():
    """PERF-4: the verified cache and the exact ordered scan give identical families."""
    buf = io.BytesIO()
    generate(buf, lines=8000, seed=9)
    lines = buf.getvalue().split(b"\n")[:-1]
    table = load_families()
    texts = pa.array([ln + b"\n" for ln in lines], pa.large_binary())
    keys = np.array([hash(ln[30:60]) & 0xFFFFFFFF for ln in lines], np.uint64)
    nohdr = np.zeros(len(lines), bool)
    fid = np.zeros(len(lines), np.int64)
    fast = Classifier(table)
    fast.families_of(texts[:4000], keys[:4000], nohdr[:4000], ["x.go"], fid[:4000])  # warm the cache
    a = fast.families_of(texts, keys, nohdr, ["x.go"], fid)
    b = Classifier(table, use_cache=False).families_of(texts, keys, nohdr, ["x.go"], fid)
    assert np.array_equal(a, b)


def test_block_size_does_not_change_results(tmp_path, monkeypatch):
    p = tmp_path / "kube-apiserver.log"
    with open(p, "wb") as fh:
        generate(fh, lines=5000, seed=2)
    a = analyze([str(p)], year=2024, records="all")
    import lokonb.logs.sources as S

    orig = S.Source.blocks
    monkeypatch.setattr(S.Source, "blocks", lambda self, block_bytes=0, **kw: orig(self, 50_000, **kw))
    b = analyze([str(p)], year=2024, records="all")
    pd.testing.assert_frame_equal(a.summary.drop(columns=["example"]), b.summary.drop(columns=["example"]))
    pd.testing.assert_frame_equal(
        a.records[["lineno", "family", "harmless", "timestamp"]],
        b.records[["lineno", "family", "harmless", "timestamp"]],
    )
