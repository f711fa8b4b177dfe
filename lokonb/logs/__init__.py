"""kube-apiserver log analysis: sources, formats, families, the load-balancer probe rule, tables and plots.

Public API (imported lazily so that ``import lokonb.logs`` stays cheap)::

    analyze(sources, ...) -> LogAnalysis         # the one call behind the notebook and `lokonb logs analyze`
    parse_lines(lines, format="auto", ...)       # small inputs (tests, snippets): a LogAnalysis
    iter_records(sources, ...)                   # (source, records DataFrame) one source at a time
    load_families(path=None) -> FamilyTable      # packaged catalogue plus user overrides
    sample_logs() -> dict[str, bytes]            # the deterministic sample the default notebook run analyses
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "analyze",
    "parse_lines",
    "iter_records",
    "load_families",
    "sample_logs",
    "LogAnalysis",
    "FamilyTable",
    "LogSourceError",
    "FamilyFileError",
    "check_fail_on",
]

_LAZY = {
    "analyze": ("lokonb.logs.analysis", "analyze"),
    "LogAnalysis": ("lokonb.logs.result", "LogAnalysis"),
    "check_fail_on": ("lokonb.logs.analysis", "check_fail_on"),
    "parse_lines": ("lokonb.logs.api", "parse_lines"),
    "iter_records": ("lokonb.logs.api", "iter_records"),
    "load_families": ("lokonb.logs.families", "load_families"),
    "FamilyTable": ("lokonb.logs.families", "FamilyTable"),
    "sample_logs": ("lokonb.logs.sample", "sample_logs"),
    "LogSourceError": ("lokonb.logs.errors", "LogSourceError"),
    "FamilyFileError": ("lokonb.logs.errors", "FamilyFileError"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        mod, attr = _LAZY[name]
        return getattr(importlib.import_module(mod), attr)
    raise AttributeError(name)


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
