"""OUT-2 ``records_path``: every record streamed to Parquet, equal to the in-memory ``records="all"`` table.

The spool keeps probe verdicts and TIME-4 years provisional until each source ends; these tests pin that the file
gets the final ones, that the file is the same whatever the in-memory policy, and that failures leave no file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from lokonb.logs import analyze
from lokonb.logs.errors import LogParameterError, LogSourceError
from lokonb.logs.sample import generate


def _by_line(df: pd.DataFrame) -> pd.DataFrame:
    """Rows in (source, line) order with categoricals as strings (category order is not part of the contract)."""
    out = df.assign(_s=df["source"].astype(str)).sort_values(["_s", "lineno"], kind="stable")
    out = out.drop(columns="_s").reset_index(drop=True)
    for c in out.columns:
        if isinstance(out[c].dtype, pd.CategoricalDtype):
            out[c] = out[c].astype("string")
    return out


def _file_equals_table(log: Path, lines: list[str], mtime: str) -> pd.DataFrame:
    """Write ``lines`` with ``mtime`` (the TIME-4 end anchor), analyse with records_path; the file, checked equal to
    the in-memory records="all" table."""
    log.write_text("\n".join(lines) + "\n")
    t = pd.Timestamp(mtime).timestamp()
    os.utime(log, (t, t))
    out = log.with_name("r.parquet")
    res = analyze([str(log)], records="all", records_path=out)
    pq = pd.read_parquet(out)
    pd.testing.assert_frame_equal(_by_line(pq), _by_line(res.records))
    return pq


@pytest.fixture(scope="module")
def two_logs(tmp_path_factory) -> list[str]:
    d = tmp_path_factory.mktemp("logs")
    paths = []
    for i, seed in enumerate((3, 4)):
        p = d / f"kube-apiserver-{i}.log"
        with open(p, "wb") as fh:
            generate(fh, lines=4000, seed=seed)
        paths.append(str(p))
    return paths


@pytest.fixture(scope="module")
def two_logs_all(two_logs):
    """The in-memory records="all" analysis of ``two_logs``: the reference every table policy's file must equal."""
    return analyze(two_logs, records="all", year=2024)


@pytest.mark.parametrize(
    ("records", "max_records"),
    [("all", 100_000), ("auto", 300), ("actionable", 100_000), ("none", 100_000)],
)
def test_file_holds_every_record_whatever_the_table_policy(two_logs, two_logs_all, tmp_path, records, max_records):
    out = tmp_path / "records.parquet"
    res = analyze(two_logs, records=records, max_records=max_records, records_path=out, year=2024)
    full = two_logs_all
    pq = pd.read_parquet(out)
    assert len(pq) == full.meta["records_total"] == res.meta["records_path"]["rows"]
    assert list(pq.columns) == list(full.records.columns)
    assert pq.dtypes.to_dict() == full.records.dtypes.to_dict()
    pd.testing.assert_frame_equal(_by_line(pq), _by_line(full.records))
    # the file is in source order, then physical line
    assert pq["source"].astype(str).tolist() == sorted(pq["source"].astype(str).tolist(), key=two_logs.index)
    for _, part in pq.groupby(pq["source"].astype(str)):
        assert part["lineno"].is_monotonic_increasing
    assert sorted(os.listdir(tmp_path)) == ["records.parquet"]  # no spool, no partial file left


def test_probe_verdicts_are_final_in_the_file(two_logs, tmp_path):
    out = tmp_path / "r.parquet"
    analyze(two_logs, records="none", records_path=out, year=2024)
    pq = pd.read_parquet(out)
    tls = pq[pq["family"].astype(str).str.startswith("tls_handshake")]
    assert tls["harmless"].any() and (~tls["harmless"]).any()  # periodic VPC probes and public resets
    # every probe row has its final reason, never the placeholder of the spool
    assert not tls["reason"].isna().any()
    harmless = tls[tls["harmless"]]
    assert len(harmless) and harmless["reason"].str.startswith("load-balancer health check: periodic").all()
    assert harmless["priority"].isna().all()


def test_years_of_the_end_anchor_reach_the_file(tmp_path):
    # no year in klog: the last record takes the year of the file's mtime (TIME-4), which moves every record
    log = tmp_path / "kube-apiserver.log"
    lines = [
        "I1230 23:59:58.000001       1 cacher.go:1250] Terminating all watchers from cacher pods",
        "E1231 10:00:00.000002       1 status.go:71] apiserver received an error that is not an metav1.Status: x",
        "I1231 12:00:00.000003       1 log.go:195] http: TLS handshake error from 10.0.3.14:4242: EOF",
    ]
    pq = _file_equals_table(log, lines, "2026-01-02T00:00:00Z")
    assert pq["timestamp"].dt.year.tolist() == [2025, 2025, 2025]


def test_unwritable_records_path_is_a_parameter_error(two_logs, tmp_path):
    with pytest.raises(LogParameterError, match="records_path: cannot write .*: no such directory"):
        analyze(two_logs, records_path=tmp_path / "missing" / "r.parquet", year=2024)


def test_failed_analysis_leaves_no_file(tmp_path):
    out = tmp_path / "r.parquet"
    with pytest.raises(LogSourceError):
        analyze([str(tmp_path / "absent.log")], records_path=out, include=None)
    assert os.listdir(tmp_path) == []


def test_cli_records_parquet_streams_all_with_the_default_table(two_logs, tmp_path):
    out = tmp_path / "r.parquet"
    proc = subprocess.run(
        [sys.executable, "-m", "lokonb", "logs", "analyze", *two_logs, "--records-parquet", str(out), "--json",
         "--max-records", "50", "--year", "2024"],
        capture_output=True, text=True, timeout=300, cwd=Path(__file__).resolve().parents[2],
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    meta = json.loads(proc.stdout)["meta"]
    assert meta["records_truncated"]  # the table in memory keeps the default cap
    assert len(pd.read_parquet(out)) == meta["records_total"] == meta["records_path"]["rows"]


def test_cli_records_csv_is_every_record_from_the_stream(two_logs, tmp_path, capsys):
    from lokonb.cli import main

    out = tmp_path / "records.csv"
    rc = main(["logs", "analyze", *two_logs, "--records", str(out), "--max-records", "10", "--year", "2024",
               "--json"])  # fmt: skip
    assert rc == 0
    meta = json.loads(capsys.readouterr().out)["meta"]
    csv = pd.read_csv(out, keep_default_na=False, dtype=str)
    assert len(csv) == meta["records_total"] and meta["records_truncated"]
    full = analyze(two_logs, records="all", year=2024)
    exp = _by_line(full.records)
    assert csv["source"].tolist() == exp["source"].tolist()  # sources as read, then physical line
    assert csv["line_no"].tolist() == [str(n) for n in exp["lineno"]]
    assert csv["harmless"].tolist() == ["true" if h else "false" for h in exp["harmless"]]
    assert csv["reason"].tolist() == exp["reason"].fillna("").tolist()
    assert sorted(os.listdir(tmp_path)) == ["records.csv"]  # the Parquet spool is gone


def test_cli_records_csv_in_a_missing_folder_is_exit_2(two_logs, tmp_path, capsys):
    from lokonb.cli import main

    rc = main(["logs", "analyze", two_logs[0], "--records", str(tmp_path / "nope" / "r.csv")])
    err = capsys.readouterr().err
    assert rc == 2 and "--records: cannot write" in err and "Traceback" not in err


def test_year_less_syslog_outer_times_get_their_final_year_in_the_file(tmp_path):
    # syslog prefixes carry no year: ts_outer takes the provisional TIME-4 year and moves with the end anchor
    log = tmp_path / "kube-apiserver.log"
    lines = [
        "Dec 31 23:59:57 ip-10-0-5-21 kube-apiserver[1187]: Flag --insecure-port has been deprecated",
        "Dec 31 23:59:58 ip-10-0-5-21 kube-apiserver[1187]: I1231 23:59:58.000001    1187 cacher.go:1250] "
        "Terminating all watchers from cacher pods",
        "Jan  1 00:00:01 ip-10-0-5-21 kube-apiserver[1187]: E0101 00:00:01.000002    1187 status.go:71] "
        "apiserver received an error that is not an metav1.Status: x",
    ]
    pq = _file_equals_table(log, lines, "2027-03-01T00:00:00Z")
    assert pq["ts_outer"].dt.year.tolist() == [2026, 2026, 2027]
    assert pq["timestamp"].dt.year.tolist() == [2026, 2026, 2027]
