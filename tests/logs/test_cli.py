"""`lokonb logs` (A28 and the CLI contract of issue 6)."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import pytest

from lokonb.cli import main

WEBHOOK = (
    "W1231 23:59:58.104512       1 dispatcher.go:180] Failed calling webhook, failing open policy.example.io: "
    'failed calling webhook "policy.example.io": failed to call webhook: Post "https://policy-webhook.policy.'
    'svc:443/validate?timeout=10s": context deadline exceeded'
)
PROBES = [
    f"I0408 05:35:{s:02d}.865305       1 log.go:172] http: TLS handshake error from 127.0.0.1:4533{k}: read tcp "
    f"127.53.210.227:7443->127.0.0.1:4533{k}: read: connection reset by peer"
    for k, s in enumerate((2, 12, 22))
]


@pytest.fixture
def logfile(tmp_path):
    p = tmp_path / "apiserver.log"
    p.write_text("\n".join([*PROBES, "Trace[1]: continuation of nothing", WEBHOOK]) + "\n")
    return p


def test_records_csv_contract(logfile, tmp_path, capsys):
    out = tmp_path / "records.csv"
    summ = tmp_path / "summary.csv"
    rc = main(["logs", "analyze", str(logfile), "--records", str(out), "--summary", str(summ)])
    assert rc == 0
    rows = list(csv.DictReader(out.open()))
    assert list(rows[0])[:7] == ["source", "line_no", "timestamp", "severity", "family", "harmless", "reason"]
    by_line = {int(r["line_no"]): r for r in rows}
    assert set(by_line) == {1, 2, 3, 5}  # line 4 is a continuation of line 3
    assert all(r["source"] == str(logfile) for r in rows)
    assert [by_line[i]["harmless"] for i in (1, 2, 3, 5)] == ["true", "true", "true", "false"]
    assert by_line[5]["family"] == "webhook_failure" and by_line[5]["severity"] == "W"
    assert by_line[1]["timestamp"].endswith("05:35:02.865305Z") and by_line[1]["timestamp"][4] == "-"
    assert "load-balancer" in by_line[1]["reason"]
    assert next(csv.DictReader(summ.open()))["family"] in ("tls_handshake_reset", "webhook_failure")
    text = capsys.readouterr().out
    assert "findings" in text and "webhook_failure" in text


def test_json_output(logfile, capsys):
    assert main(["logs", "analyze", str(logfile), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["meta"]["records_total"] == 4
    assert {f["family"] for f in doc["findings"]} == {"webhook_failure"}


def test_fail_on_exit_codes(logfile, capsys):
    assert main(["logs", "analyze", str(logfile), "--fail-on", "high"]) == 1
    captured = capsys.readouterr()
    assert "webhook_failure" in captured.out and "at or above priority high" in captured.err
    assert main(["logs", "analyze", str(logfile), "--fail-on", "critical"]) == 0


def test_bad_family_file_and_missing_sources(logfile, tmp_path, capsys):
    bad = tmp_path / "fam.yaml"
    bad.write_text("families:\n  - {name: x, any: [a], regex: '(oops'}\n")
    assert main(["logs", "analyze", str(logfile), "--families", str(bad)]) == 2
    assert "families[0].regex" in capsys.readouterr().err
    assert main(["logs", "analyze", str(tmp_path / "nope.log")]) == 5
    assert main(["logs", "analyze"]) == 2
    assert main(["logs", "analyze", str(logfile), "--since", "yesterday-ish"]) == 2


@pytest.mark.parametrize(("option", "target", "message"), [
    ("--summary", "missing/summary.csv", "--summary: cannot write {t}: the folder {tmp}/missing does not exist"),
    ("--records", "missing/records.csv", "--records: cannot write {t}: the folder {tmp}/missing does not exist"),
    ("--records-parquet", "missing/r.parquet", "--records-parquet: cannot write {t}: the folder"),
    ("--summary", ".", "--summary: {t} is a directory; give a file name"),
    ("--out", "afile", "--out: {t} exists and is not a directory"),
])
def test_unwritable_outputs_are_parameter_errors(logfile, tmp_path, capsys, option, target, message):
    """Outputs are checked before the analysis runs: exit 2 naming the option, no traceback, no partial file."""
    (tmp_path / "afile").write_text("")
    t = str(tmp_path / target)
    assert main(["logs", "analyze", str(logfile), option, t]) == 2
    err = capsys.readouterr().err
    assert message.format(t=t, tmp=tmp_path) in err and "Traceback" not in err and "internal error" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile", "apiserver.log"]


def test_format_override_and_stdin(tmp_path):
    cri = tmp_path / "cri.log"
    cri.write_text("2024-04-08T05:35:02.9Z stderr F " + WEBHOOK + "\n")
    out = tmp_path / "r.csv"
    assert main(["logs", "analyze", str(cri), "--format", "cri", "--records", str(out)]) == 0
    assert next(csv.DictReader(out.open()))["family"] == "webhook_failure"
    proc = subprocess.run(
        [sys.executable, "-m", "lokonb", "logs", "analyze", "-", "--json"],
        input=(WEBHOOK + "\n").encode(),
        capture_output=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["meta"]["records_total"] == 1


def test_sample_and_families_commands(tmp_path, capsys):
    out = tmp_path / "s.log"
    truth = tmp_path / "t.json"
    assert (
        main(["logs", "sample", "--lines", "2000", "--seed", "4", "-o", str(out), "--truth", str(truth)]) == 0
    )
    assert len(out.read_text().splitlines()) == json.loads(truth.read_text())["lines"]
    assert (
        main(
            [
                "logs",
                "sample",
                "--lines",
                "100",
                "--controllers",
                "2",
                "--format",
                "cri",
                "-o",
                str(tmp_path / "d"),
            ]
        )
        == 0
    )
    assert len(list((tmp_path / "d").iterdir())) == 2
    capsys.readouterr()
    assert main(["logs", "families"]) == 0
    text = capsys.readouterr().out
    assert "tls_handshake_reset" in text and "other" in text
    # long conditions and reasons are cut: the table was 949 columns wide, one screen per row
    assert max(map(len, text.splitlines())) <= 8 * 64, max(map(len, text.splitlines()))
    assert main(["logs", "analyze", "sample", "--out", str(tmp_path / "o")]) == 0
    assert (tmp_path / "o" / "timeline.png").exists()
