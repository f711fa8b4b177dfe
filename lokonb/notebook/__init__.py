"""Notebook workflow: typed parameters, the run wrapper, recorded results, reports, secrets, widgets, scheduling.

Importing this package is cheap (no papermill, nbconvert, pandas, boto3, ipywidgets ...): the public names below
are loaded from their submodules on first use.

Public API::

    run(notebook, *, parameter_set=None, files=(), parameters=None, output=None, cell_timeout=None,
        run_timeout=None, kernel=None, report=True, raise_on_failure=True) -> RunResult
    run_many(requests, *, jobs) -> list[RunResult];  run_all(parameter_set="default", ...)
    read_run(run_dir) -> RunResult;  read_results(notebook) -> dict[str, Result]
    record(name, value, *, summary=False, label=None);  record_file(name, path)
    setup(notebook, globals()) -> Parameters;  finish(P)
    filter_table(df, *, filters, default);  progress(iterable, ...)
    ExitCode, RunStatus, RunResult, Result, ParameterError, ParameterIssue, RunFailed, RecordError
"""

from __future__ import annotations

import importlib
from typing import Any

from lokonb.notebook.results import record

_LAZY = {
    "run": "execute",
    "run_many": "execute",
    "run_all": "execute",
    "RunRequest": "execute",
    "read_run": "results",
    "read_results": "results",
    "record_file": "results",
    "setup": "session",
    "finish": "session",
    "Parameters": "session",
    "filter_table": "widgets",
    "parameter_form": "widgets",
    "progress": "progress",
    "ExitCode": "outcome",
    "RunStatus": "outcome",
    "RunResult": "outcome",
    "Result": "outcome",
    "ParameterError": "exceptions",
    "ParameterIssue": "exceptions",
    "RunFailed": "exceptions",
    "RecordError": "exceptions",
    "ReportError": "exceptions",
    "ScheduleError": "exceptions",
    "REGISTRY": "schemas",
    "get_schema": "schemas",
    "NotebookSchema": "params",
    "Param": "params",
    "scrub": "redact",
    "register_secret": "redact",
}

__all__ = ["record", *sorted(_LAZY)]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'lokonb.notebook' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"lokonb.notebook.{module}"), name)
    globals()[name] = value
    return value
