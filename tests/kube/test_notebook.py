"""The metadata_access notebook, executed with papermill on its parameter sets (outputs into tmp_path)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import papermill
import pytest
import yaml
from kubeapi_server import kubeapi_fixture

from lokonb.kube.sample import sample_objects
from lokonb.notebook import read_results

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = REPO / "notebooks" / "metadata_access.ipynb"
kubeapi = kubeapi_fixture()


@pytest.fixture(autouse=True)
def _headless(monkeypatch):
    monkeypatch.setenv("LOKONB_HEADLESS", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")


def _run(tmp_path: Path, parameters: dict) -> dict:
    out = tmp_path / "out.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOK),
        str(out),
        parameters=parameters,
        cwd=str(REPO / "notebooks"),
        kernel_name="python3",
        progress_bar=False,
    )
    return {name: r.value for name, r in read_results(out).items()}


@pytest.mark.timeout(240)
def test_default_set_audits_the_sample_dump(tmp_path):
    params = yaml.safe_load((REPO / "parameters" / "metadata_access" / "default.yaml").read_text())
    results = _run(tmp_path, params)
    assert results["pods"] == 21 and results["reachable"] == 11 and results["reachable_pod_network"] == 4
    assert results["block_policy"] == "block-metadata-access"
    assert results["reachable_pods"][0] == "apps/legacy-sdk-7b5c4-q2w8e"
    assert results["applied"] == []
    outputs = [
        o for c in nbformat.read(tmp_path / "out.ipynb", as_version=4).cells for o in c.get("outputs", [])
    ]
    assert any("image/png" in o.get("data", {}) for o in outputs)  # the static plot


@pytest.mark.timeout(240)
def test_live_apply_through_the_notebook(tmp_path, kubeapi):
    for obj in sample_objects():
        if obj["kind"] == "Pod":
            kubeapi.add(obj)
    params = yaml.safe_load((REPO / "parameters" / "metadata_access" / "live-apply-dry-run.yaml").read_text())
    params.update(kubeconfig=str(kubeapi.write_kubeconfig(tmp_path / "kubeconfig")), dry_run=False)
    results = _run(tmp_path, params)
    assert results["applied"] == [
        ["GlobalNetworkPolicy block-metadata-access", "created"],
        ["NetworkPolicy kube-system/allow-metadata-app-ebs-csi-controller", "created"],
    ]
    # the audit ran against the live (test) cluster before applying: no block policy yet, every pod reachable
    assert results["pods"] == results["reachable"] == 21 and results["block_policy"] is None
    assert kubeapi.get("crd.projectcalico.org/v1", "GlobalNetworkPolicy", "block-metadata-access") is not None
    out = (tmp_path / "out.ipynb").read_text()
    assert kubeapi.token not in out  # the kubeconfig's bearer token never reaches the outputs
