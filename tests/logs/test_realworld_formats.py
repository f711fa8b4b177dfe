"""Real-world wrappers and formats (spec logs.md §4 FMT-1..10, TIME-1..4, §9 ROB-1), each read from a file as
``lokonb logs analyze`` would.

The cases live in ``tests/fixtures/logs/realworld_formats.yaml``. They are composed lines, modelled on the public
bug report, doc or file named in ``modelled_on``, never copied from it (logs.md §10): the wrapper and format layout,
the Kubernetes message templates and severities are kept; timestamps (shifted consistently, the expected times with
them), PIDs, names, IDs and addresses are new. Each case: the text, the detected ``sources.format``, and per record
``[lineno, timestamp, severity, message start, physical lines]``; optionally the unparsed count and reasons. A case
with ``also_crlf`` runs a second time with CRLF line ends (ROB-1: the same records as LF); ``encoding`` writes the
file in another encoding (UTF-16). Year-less sources get the file mtime ``MTIME`` as their end anchor (TIME-4).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
from pathlib import Path

import pandas as pd
import pytest
import yaml

from lokonb.logs import analyze

MTIME = dt.datetime(2025, 1, 1, tzinfo=dt.UTC).timestamp()

FIXTURE = Path(__file__).parents[1] / "fixtures" / "logs" / "realworld_formats.yaml"
KEYS = {"id", "modelled_on", "note", "text", "format", "records"}
OPTIONAL = {"outer", "messages", "extra", "streams", "unparsed", "reasons", "fragments", "kw", "also_crlf",
            "encoding", "extra_lines"}


def ts(text):
    if text is None:
        return pd.NaT
    return pd.Timestamp(text).tz_convert("UTC") if pd.Timestamp(text).tzinfo else pd.Timestamp(text, tz="UTC")


def _load() -> list[dict]:
    cases = yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))
    # ROB-1: CRLF line ends give the same records as LF
    crlf = [{**c, "id": c["id"] + "-crlf", "text": c["text"].replace("\n", "\r\n")} for c in cases
            if c.get("also_crlf")]
    return cases + crlf


CASES = _load()


def test_fixture_shape():
    assert len(CASES) == 300
    assert len({c["id"] for c in CASES}) == len(CASES)
    for c in CASES:
        assert KEYS <= set(c) <= KEYS | OPTIONAL, c["id"]
        # CRLF line ends come from also_crlf, or from a case about mixed line ends (its id says so); a carriage
        # return inside a line (a terminal copy) is content
        assert "\r\n" not in c["text"] or c["id"].endswith("-crlf") or "mixed-crlf" in c["id"], c["id"]
        assert all(len(r) == 5 for r in c["records"]), c["id"]


def _run(tmp_path, case):
    path = tmp_path / "kube-apiserver.log"
    path.write_bytes(case["text"].encode(case.get("encoding", "utf-8")))
    os.utime(path, (MTIME, MTIME))
    return analyze([str(path)], include=None, records="all", **case.get("kw", {}))


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_realworld_format(tmp_path, case):
    res = _run(tmp_path, case)
    src = res.sources.iloc[0]
    assert src["format"] == case["format"], src["format_mix"]
    assert src["lines"] == case["text"].count("\n")
    rec = res.records.sort_values("lineno").reset_index(drop=True)
    assert len(rec) == len(case["records"]), rec[["lineno", "message"]]
    got = [
        (
            int(r.lineno),
            r.timestamp,
            None if pd.isna(r.severity) else r.severity,
            r.message[: len(exp[3])],
            int(r.n_lines),
        )
        for r, exp in zip(rec.itertuples(), case["records"], strict=True)
    ]
    want = [(ln, ts(t), sev, msg, n) for ln, t, sev, msg, n in case["records"]]
    assert got == want
    for ln, t in case.get("outer", {}).items():
        assert rec.loc[rec["lineno"] == ln, "ts_outer"].iloc[0] == ts(t)
    for ln, msg in case.get("messages", {}).items():
        assert rec.loc[rec["lineno"] == ln, "message"].iloc[0] == msg
    for ln, extra in case.get("extra", {}).items():
        assert extra in rec.loc[rec["lineno"] == ln, "extra"].iloc[0]
    if "streams" in case:
        assert set(rec["stream"].astype(str)) == {case["streams"]}
    # nothing is lost: every physical line is in a record or counted as unparsed (extra_lines: the lines of several
    # events on one line, or of newlines inside one field)
    assert (int(rec["n_lines"].sum()) + int(src["unparsed"]) + case.get("fragments", 0)
            == src["lines"] + case.get("extra_lines", 0))
    assert int(src["unparsed"]) == case.get("unparsed", 0), res.unparsed
    for reason in case.get("reasons", ()):
        assert reason in set(res.unparsed["reason"]), res.unparsed


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_realworld_format_cli(tmp_path, case, capsys):
    """`lokonb logs analyze FILE --records out.csv --json`: the same format, records and line numbers."""
    from lokonb.cli import main

    path = tmp_path / "kube-apiserver.log"
    path.write_bytes(case["text"].encode(case.get("encoding", "utf-8")))
    os.utime(path, (MTIME, MTIME))
    out = tmp_path / "records.csv"
    assert main(["logs", "analyze", str(path), "--records", str(out), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [s["format"] for s in doc["sources"]] == [case["format"]]
    with out.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert sorted(int(r["line_no"]) for r in rows) == [r[0] for r in case["records"]]
    # several records may share a line (several events on one line): compared as a multiset, not a mapping
    assert (sorted((int(r["line_no"]), r["severity"]) for r in rows)
            == sorted((r[0], r[2] or "") for r in case["records"]))


def test_python_logging_lines_are_not_cloudwatch_rows():
    """Python logging's default `asctime` (`2024-01-01 10:00:00,123`) is not a CloudWatch CSV time: no wrapper."""
    from lokonb.logs import formats as F

    line = b"2024-01-01 10:00:00,123 INFO root: hello"
    assert F._cloudwatch(line) is None
    assert F.detect_format(line + b"\n" + line + b"\n") == "klog"


def test_short_full_zone_abbreviations(tmp_path):
    """`journalctl -o short-full` prints the reader's zone abbreviation: one that means a single offset (CET, tzdata's
    numeric ones) gives an outer time with its year; an ambiguous one (CST: China or US Central) is read in
    syslog_tz as before."""
    from lokonb.logs import formats as F

    assert [F.zone_abbr_offset(z) for z in (b"UTC", b"CET", b"+08", b"-0330", b"CST", b"IST")] == [
        0, 60, 480, -210, None, None]
    path = tmp_path / "kube-apiserver.log"
    path.write_text("Tue 2023-03-14 17:15:09 CST cp-2 systemd[1]: kube-apiserver.service: Main process exited, "
                    "code=exited, status=255/EXCEPTION\n")
    os.utime(path, (MTIME, MTIME))
    res = analyze([str(path)], include=None, records="all", syslog_tz="Asia/Shanghai")
    # the wall-clock time read in syslog_tz (+08:00), not as UTC
    assert res.records["ts_outer"].iloc[0].strftime("%m-%dT%H:%M:%S") == "03-14T09:15:09"


def test_logfmt_record_needs_a_message_field():
    """Vector's logfmt events are read by their `message`; logrus' and go-kit's logfmt lines (`msg=`) are not
    collector records."""
    from lokonb.logs import formats as F

    res = F._docker(b'message="I0702 18:44:10.530117       1 log.go:245] hello" stream=stderr '
                    b"timestamp=2024-07-02T18:44:10.530504218Z")
    assert res is not None and res.inner.startswith(b"I0702 18:44:10.530117") and res.stream == 2
    assert res.outer_ns == F.parse_ts_ns("2024-07-02T18:44:10.530504218Z")
    assert F._docker(b'time="2024-07-02T18:44:10Z" level=info msg="Starting k3s"') is None
    assert F._docker(b"level=info ts=2024-07-02T18:44:10.530Z caller=main.go:61 msg=started") is None
