"""The apiserver_logs notebook (A28/OUT-9): papermill run on the default set, recorded results, fail_on."""

from __future__ import annotations

from pathlib import Path

import nbformat
import papermill as pm
import pytest
import yaml

from lokonb.notebook import read_results

REPO = Path(__file__).resolve().parents[2]
NB = REPO / "notebooks" / "apiserver_logs.ipynb"


@pytest.mark.timeout(300)
def test_default_parameters_run(tmp_path):
    out = tmp_path / "out.ipynb"
    # papermill's Python API takes the set as a mapping (an unknown keyword such as parameters_file= would reach the
    # kernel client and be ignored, running the notebook on its own defaults)
    pm.execute_notebook(
        str(NB),
        str(out),
        parameters=yaml.safe_load((REPO / "parameters/apiserver_logs/default.yaml").read_text()),
        cwd=str(REPO),
        kernel_name="python3",
        progress_bar=False,
    )
    res = read_results(out)
    assert res["lines_read"].value > 20_000 and res["records"].value > 20_000
    assert 0 < res["actionable"].value < res["records"].value
    assert 0.25 < res["probe_share"].value < 0.40
    assert res["probe_period_s"].value == pytest.approx(10.0, abs=0.1)
    nb = nbformat.read(out, as_version=4)
    mimes = {
        m for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) for m in o.get("data", {})
    }
    assert "image/png" in mimes and "application/javascript" not in mimes
    errors = [
        o
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o["output_type"] == "error"
    ]
    assert not errors


@pytest.mark.timeout(300)
def test_fail_on_raises_after_outputs(tmp_path):
    out = tmp_path / "out.ipynb"
    with pytest.raises(pm.PapermillExecutionError) as exc:
        pm.execute_notebook(
            str(NB),
            str(out),
            parameters={"fail_on": "critical"},
            cwd=str(REPO),
            kernel_name="python3",
            progress_bar=False,
        )
    assert "at or above priority critical" in str(exc.value)
    nb = nbformat.read(out, as_version=4)
    assert any(
        "image/png" in o.get("data", {})
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
    )
