"""``results``/``report``/``runs`` on run directories edited by hand or left by runs refused before a kernel."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lokonb.notebook.exceptions import RecordError
from lokonb.notebook.results import read_run

BASE = {"schema_version": 1, "run_id": "20261127T105456Z-x", "notebook": "apiserver_logs", "status": "succeeded",
        "exit_code": 0, "started_at": "2026-11-27T10:54:56Z", "duration_s": 1.5, "parameters": {"year": None},
        "results": {"n": {"name": "n", "kind": "json", "value": 3}}, "error": None,
        "artefacts": {"notebook": "apiserver_logs.ipynb"}}


def _run(tmp_path: Path, **changes: object) -> Path:
    data = {**BASE, **changes}
    (tmp_path / "results.json").write_text(json.dumps({k: v for k, v in data.items() if v != "DROP"}))
    return tmp_path


@pytest.mark.parametrize("changes,problem", [
    ({"artefacts": 5}, "artefacts: expected object"),
    ({"artefacts": {"notebook": 5}}, "artefacts.notebook: expected string"),
    ({"artefacts": {"notebook": "../../../etc/hostname"}}, "artefacts.notebook: '../../../etc/hostname' leaves"),
    ({"artefacts": {"notebook": "/etc/hostname"}}, "artefacts.notebook: '/etc/hostname' leaves"),
    ({"results": [1, 2]}, "results: expected object"),
    ({"results": {"n": {"kind": "weird"}}}, "results.n: needs name; results.n: needs value"),
    ({"parameters": "x"}, "parameters: expected object"),
    ({"error": "boom"}, "error: not one of the allowed forms"),
    ({"duration_s": "x"}, "duration_s: expected number or null"),
    ({"status": "weird"}, 'status: expected one of "running", "succeeded"'),
    ({"exit_code": "0"}, "exit_code: expected integer"),
])
def test_hand_edited_field_is_named(tmp_path: Path, changes: dict[str, object], problem: str) -> None:
    # these raised AttributeError/TypeError/KeyError (exit 70) in results/report, or read outside the run
    with pytest.raises(RecordError, match="is not a readable lokonb results file") as exc:
        read_run(_run(tmp_path, **changes))
    assert problem in str(exc.value)


@pytest.mark.parametrize("changes", [{}, {"schema_version": "DROP", "parameters": "DROP", "error": "DROP"},
                                     {"started_at": None, "duration_s": None}])
def test_valid_and_older_results_still_read(tmp_path: Path, changes: dict[str, object]) -> None:
    # older lokonb versions wrote fewer fields; only the type of a field that is present is checked
    assert read_run(_run(tmp_path, **changes)).results["n"]["value"] == 3


def test_report_of_a_run_refused_before_a_kernel(tmp_path: Path) -> None:
    # a parameter_error run keeps results.json and run.log only: report said "...ipynb: No such file or directory"
    run = _run(tmp_path, status="parameter_error", exit_code=2, results={})
    proc = subprocess.run([sys.executable, "-m", "lokonb", "report", str(run)], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 1
    assert "no report to render: the run (status parameter_error) left no notebook (apiserver_logs.ipynb)" in (
        proc.stderr)
