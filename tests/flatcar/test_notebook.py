"""The render_flatcar notebook executed headless with papermill (outputs into tmp_path)."""

from __future__ import annotations

from pathlib import Path

import papermill
import pytest
import yaml

from lokonb.notebook import read_results

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = REPO / "notebooks" / "render_flatcar.ipynb"


@pytest.fixture(autouse=True)
def _headless(monkeypatch):
    monkeypatch.setenv("LOKONB_HEADLESS", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")


def _run(tmp_path: Path, name: str, parameters: dict) -> dict:
    out = tmp_path / f"{name}.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOK),
        str(out),
        parameters=parameters,
        cwd=str(REPO / "notebooks"),
        kernel_name="python3",
        progress_bar=False,
    )
    text = out.read_text()
    assert "PRIVATE KEY" not in text and "BEGIN CERTIFICATE" not in text and "token:" not in text
    return {k: r.value for k, r in read_results(out).items()}


@pytest.mark.timeout(300)
def test_default_set_then_diff_against_previous(tmp_path: Path) -> None:
    params = yaml.safe_load((REPO / "parameters" / "render_flatcar" / "default.yaml").read_text())
    params.update(asset_dir=str(tmp_path / "assets"), output_dir=str(tmp_path / "r1"))
    first = _run(tmp_path, "first", params)
    assert first["valid"] is True and first["errors"] == 0
    assert first["roles"] == ["controller-0", "worker-web", "worker-batch"]
    assert first["external_validation"] is True  # ignition-validate is installed in the test environment
    rows = {r["role"]: r for r in first["summary"].to_dict("records")}
    assert all(r["limit"] == 16384 and r["delivery"] == "s3" for r in rows.values())
    assert (tmp_path / "r1" / "worker-web.ign").exists() and (tmp_path / "r1" / "manifest.json").exists()

    params["cluster"]["worker_pools"][0]["labels"] = {"role": "frontend"}
    params["cluster"]["worker_pools"][0]["clc_snippets"] = [
        "storage:\n  files:\n    - path: /etc/motd\n      mode: 0644\n      contents:\n        inline: hi\n"
    ]
    params.update(output_dir=str(tmp_path / "r2"), previous_render=str(tmp_path / "r1"))
    second = _run(tmp_path, "second", params)
    diff = {(r["role"], r["key"], r["change"]) for r in second["diff"].to_dict("records")}
    assert diff == {
        ("worker-web", "/etc/kubernetes/kubelet.env", "modified"),
        ("worker-web", "/etc/motd", "added"),
    }
