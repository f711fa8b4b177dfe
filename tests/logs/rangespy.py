"""Test helper: run byte-range workers on any file size and record whether each workers>1 run used them."""

from __future__ import annotations

from typing import Any

import lokonb.logs.ranges as R


def spy_on_ranges(monkeypatch: Any) -> list[bool]:
    """No size floor for byte ranges; the returned list gets, per ``workers > 1`` run, whether it was merged from
    ranges (False: it fell back to one sequential read)."""
    monkeypatch.setattr(R, "MIN_BYTES", 0)
    merged: list[bool] = []
    orig = R.analyze_in_ranges

    def spy(run: Any) -> Any:
        ok = orig(run)
        if run.o.workers > 1:
            merged.append(ok)
        return ok

    monkeypatch.setattr(R, "analyze_in_ranges", spy)
    return merged
