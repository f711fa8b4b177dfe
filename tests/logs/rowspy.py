"""Test helper: count the records rows a log analysis builds (field extraction happens per built row)."""

from __future__ import annotations

from typing import Any

import lokonb.logs.analysis as A


def count_built_rows(monkeypatch: Any) -> list[int]:
    """The returned list gets the number of rows of every rows frame built (``_SourceRun._rows_frame``)."""
    built: list[int] = []
    real = A._SourceRun._rows_frame

    def counting(self: Any, f: int, mat: Any) -> Any:
        built.append(len(mat["lineno"]))
        return real(self, f, mat)

    monkeypatch.setattr(A._SourceRun, "_rows_frame", counting)
    return built
