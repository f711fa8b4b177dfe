"""Rules that had no test of their own: RULE-3 restart loops, the OUT-5 timeline grid bound, TIME-4's
``anchor_skew``, the OUT-7 ``max_findings`` and FMT-10 ``max_unparsed_examples`` caps, OUT-1 ``since``/``until`` on
files. Composed lines in the klog layout of logs.md FMT-1."""

from __future__ import annotations

import datetime as dt
import os

import pandas as pd

from lokonb.logs import analyze, parse_lines


def _klog(sev: str, mmdd: str, secs: int, where: str, msg: str) -> str:
    clock = f"{secs // 3600:02d}:{secs // 60 % 60:02d}:{secs % 60:02d}.{secs % 997:06d}"
    return f"{sev}{mmdd} {clock}       1 {where}] {msg}"


def test_three_starts_within_an_hour_are_a_restart_loop():
    lines = []
    for minute in (0, 12, 25):
        t = minute * 60
        lines += [
            _klog("E", "0302", t, "storage.go:88", "cannot reach the storage backend"),
            _klog("I", "0302", t + 20, "server.go:151", "Version: v1.29.3"),
            _klog("I", "0302", t + 21, "secure_serving.go:213", "Serving securely on [::]:6443"),
        ]
    loops = parse_lines(lines, year=2024).findings.query("family == 'restart_loop'")
    assert len(loops) == 1 and loops["priority"].iloc[0] == "high" and loops["count"].iloc[0] == 3
    # two starts an hour apart are no loop
    calm = parse_lines(lines[:3] + [_klog("I", "0302", 7200, "server.go:151", "Version: v1.29.3")], year=2024)
    assert "restart_loop" not in set(calm.findings["family"])


def test_timeline_grid_is_coarsened_and_noted():
    lines = [_klog("I", "0302", s, "a.go:1", f"tick {s}") for s in range(0, 86_400, 30)]
    res = parse_lines(lines, year=2024)
    tab = res.timeline(bucket="1s")
    assert len(tab) <= 5000 and int(tab.to_numpy().sum()) == len(lines)
    assert pd.Timedelta(res.meta["timeline_bucket"]) == pd.Timedelta("1min")


def test_anchor_skew_puts_a_last_record_far_after_the_mtime_in_the_year_before(tmp_path):
    mtime = dt.datetime(2025, 1, 1, 10, tzinfo=dt.UTC).timestamp()
    cases = {
        "late-kube-apiserver.log": (["0101", "0102"], [2025, 2025]),  # Jan 2 05:00 is within 1 day of the mtime
        "far-kube-apiserver.log": (["0101", "0103"], [2024, 2024]),  # Jan 3 would be 43 h after it
        "dec-kube-apiserver.log": (["1231", "1231"], [2024, 2024]),
    }
    for name, (days, years) in cases.items():
        p = tmp_path / name
        p.write_text("\n".join(_klog("I", d, 5 * 3600, "a.go:1", "x") for d in days) + "\n")
        os.utime(p, (mtime, mtime))
        res = analyze([str(p)], records="all")
        assert res.records["timestamp"].dt.year.tolist() == years, name
        assert res.sources["year_source"].tolist() == ["mtime"]


def test_findings_and_unparsed_examples_are_capped():
    lines = [_klog("E", "0302", i, "a.go:1", f"failure kind{chr(97 + i % 26)}{chr(97 + i // 26 % 26)}")
             for i in range(520)]
    # binary lines (a NUL inside) are unparsed, never continuations (FMT-10)
    lines += [f"core dump {i}\x00\x07 page".encode() for i in range(30)]
    res = parse_lines(lines, year=2024, format="klog")
    assert len(res.findings) == 500
    assert res.sources["unparsed"].iloc[0] == 30 and len(res.unparsed) == 20


def test_since_until_on_files_filter_after_year_inference(tmp_path):
    p = tmp_path / "kube-apiserver.log"
    p.write_text("\n".join(_klog("I", "1231" if h < 2 else "0101", (22 + h) % 24 * 3600, "a.go:1", f"h{h}")
                           for h in range(5)) + "\n")
    res = analyze([str(p)], year=2024, since="2024-12-31T23:00:00Z", until="2025-01-01T01:00:00Z", records="all")
    assert res.records["message"].tolist() == ["h1", "h2"]
    assert res.sources["filtered_out"].tolist() == [3]
