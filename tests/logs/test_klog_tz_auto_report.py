"""TIME-1: with ``klog_tz="auto"`` the offset found per source is reported in ``meta`` and ``sources.tz``; a source
whose klog and outer times give no steady offset says so (and warns) instead of claiming it had no outer times.
Composed `kubectl logs --timestamps` lines (FMT-4 layout)."""

from __future__ import annotations

from lokonb.logs import parse_lines


def _lines(outer_minutes: list[int]) -> list[str]:
    # klog at hh:00:00 local; the kubelet prefix (UTC) read the line at hh-1:mm
    return [
        f"2025-03-04T{h:02d}:{m:02d}:00.204118530Z I0304 {h + 1:02d}:00:00.000000       1 a.go:12] step {h}"
        for h, m in enumerate(outer_minutes)
    ]


def test_detected_offset_is_in_meta_and_sources():
    res = parse_lines(_lines([0] * 6), klog_tz="auto", name="ctl-a")
    assert res.sources["tz"].tolist() == ["+01:00 (auto)"]
    assert res.meta["klog_tz_auto"] == {"ctl-a": "+01:00 (auto)"}
    assert not [w for w in res.meta["warnings"] if "klog_tz" in w]


def test_no_steady_offset_is_named_and_warned():
    res = parse_lines(_lines([0, 17, 41, 5, 53, 29]), klog_tz="auto", name="ctl-b")
    tz = res.sources["tz"].iloc[0]
    assert tz.startswith("UTC (auto: no steady offset") and "no outer timestamps" not in tz
    assert res.meta["klog_tz_auto"] == {"ctl-b": tz}
    assert any(w.startswith("ctl-b: klog_tz=auto found no steady offset") for w in res.meta["warnings"])
    # one decision per source: no record is shifted by an offset found later on a few records
    assert (res.records["timestamp"].dt.minute == 0).all()


def test_klog_without_outer_times_keeps_its_note_without_warning():
    res = parse_lines([f"I0304 0{i}:00:00.000000       1 a.go:12] step {i}" for i in range(3)], klog_tz="auto",
                      name="ctl-c", year=2025)
    assert res.sources["tz"].tolist() == ["UTC (auto: no outer timestamps)"]
    assert not [w for w in res.meta["warnings"] if "klog_tz" in w]


def test_fixed_zone_adds_no_auto_report():
    res = parse_lines(_lines([0] * 3), klog_tz="Europe/Berlin")
    assert "klog_tz_auto" not in res.meta
