"""RULE-3: a ``restart_loop`` finding lists the last record before each start sequence — in one sequential read and,
identically (PERF-4), when byte-range workers split the file right at a start. Composed klog lines (logs.md FMT-1)."""

from __future__ import annotations

import os

import pandas as pd
from rangespy import spy_on_ranges

import lokonb.logs.sources as S
from lokonb.logs import analyze, parse_lines

WIDTH = 128  # every line is this long, so the 64 KiB blocks (and the ranges) begin at known lines
PER_BLOCK = (64 << 10) // WIDTH


def _line(i: int, secs: int, sev: str, where: str, msg: str) -> str:
    head = f"{sev}0302 {secs // 3600:02d}:{secs // 60 % 60:02d}:{secs % 60:02d}.{i:06d}       1 {where}] {msg}"
    return head.ljust(WIDTH - 1) + "\n"


def _restarts() -> list[str]:
    """12 blocks of lines with four workers' ranges beginning at lines 1536, 3072 and 4608. Start sequences (one
    startup record each, unless said) begin at line 768; at 1536, a range's first line; at 3071, whose second record
    (3072) opens the next range and continues the sequence; at 4607; and at 4608, a range's first line 200 s after
    the startup record before it: a new sequence whose previous record is that startup record."""
    causes = {767: "etcd went away", 1535: "storage backend unreachable", 3070: "certificate expired"}
    startup = {768, 1536, 3071, 3072, 4607, 4608}
    lines = []
    for i in range(12 * PER_BLOCK):
        secs = i + (200 if i >= 4608 else 0)
        if i in startup:
            lines.append(_line(i, secs, "I", "server.go:151", "Version: v1.29.3"))
        elif i in causes:
            lines.append(_line(i, secs, "E", "run.go:72", causes[i]))
        else:
            lines.append(_line(i, secs, "I", "httplog.go:132", f"filler {i}"))
    return lines


def test_sequential_read_lists_the_record_before_each_start():
    lines = []
    for minute, cause in ((0, "cannot reach the storage backend"), (12, "etcdserver: request timed out"),
                          (25, "open /etc/kubernetes/pki/apiserver.crt: no such file or directory")):
        t = minute * 60
        lines += [
            _line(0, t, "E", "storage.go:88", cause).rstrip(),
            _line(0, t + 20, "I", "server.go:151", "Version: v1.29.3").rstrip(),
            _line(0, t + 21, "I", "secure_serving.go:213", "Serving securely on [::]:6443").rstrip(),
        ]
    loop = parse_lines(lines, year=2024).findings.query("family == 'restart_loop'").iloc[0]
    before = loop["example"].split("last record before each start: ")[1].split(" | ")
    assert [b.split(" ", 2)[2] for b in before] == [
        "cannot reach the storage backend",
        "etcdserver: request timed out",
        "open /etc/kubernetes/pki/apiserver.crt: no such file or directory",
    ]
    assert before[1].startswith("2024-03-02 00:12:00")  # the record's own time


def test_ranges_list_the_same_records_as_one_read(tmp_path, monkeypatch):
    monkeypatch.setattr(S, "BLOCK_BYTES", 64 << 10)
    merged = spy_on_ranges(monkeypatch)
    lines = _restarts()
    path = tmp_path / "kube-apiserver.log"
    path.write_text("".join(lines))
    assert path.stat().st_size == 12 * (64 << 10)
    os.utime(path, (1_800_000_000,) * 2)
    one = analyze([str(path)], year=2024, workers=1)
    four = analyze([str(path)], year=2024, workers=4)
    assert merged == [True]  # read in ranges, not a fallback
    pd.testing.assert_frame_equal(one.findings, four.findings)
    example = one.findings.query("family == 'restart_loop'").iloc[0]["example"]
    listed = [b.split(" ", 2)[2].rstrip() for b in example.split("last record before each start: ")[1].split(" | ")]
    assert listed == ["etcd went away", "storage backend unreachable", "certificate expired", "filler 4606",
                      "Version: v1.29.3"]
