"""The provision_cluster notebook, executed headless with papermill on the embedded AWS (its own kernel, so its
own moto server), on the default parameters and on the full life cycle (``action: destroy``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = REPO / "notebooks" / "provision_cluster.ipynb"


def _execute(tmp_path: Path, params: dict) -> dict:
    import papermill as pm

    from lokonb.notebook.results import read_results

    out = tmp_path / "out.ipynb"
    pm.execute_notebook(str(NOTEBOOK), str(out), parameters=params, cwd=str(tmp_path), progress_bar=False,
                        kernel_name="python3")
    text = out.read_text()
    assert "BEGIN" not in text and "PRIVATE KEY" not in text  # no key material in the executed notebook
    return {k: v.value for k, v in read_results(out).items()}


def test_notebook_is_committed_without_outputs():
    nb = json.loads(NOTEBOOK.read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(not c["outputs"] and c["execution_count"] is None for c in code)
    assert [c for c in code if "parameters" in c["metadata"].get("tags", [])]
    assert nb["metadata"]["kernelspec"]["name"] == "python3"


def test_default_parameters_apply_on_embedded_aws(tmp_path):
    params = yaml.safe_load((REPO / "parameters" / "provision_cluster" / "default.yaml").read_text())
    assert params["aws"]["endpoint"] == "embedded" and params["action"] == "apply"
    r = _execute(tmp_path, params)
    assert r["plan_counts"]["create"] > 60 and r["plan_counts"]["delete"] == 0
    assert r["all_attributes_ok"] is True
    resources = r["resources"]
    assert {"vpc", "nlb", "controller/0", "asg/web", "asg/batch", "record/apiserver"} <= set(resources["resource"])
    nc = r["node_configs"]
    assert set(nc["role"]) == {"controller-0", "worker-web", "worker-batch"}
    assert (nc["user_data_bytes"] <= 16384).all() and (nc["delivery"] == "s3").all()  # they carry secrets
    assert not list(tmp_path.glob("lokonb-assets"))  # embedded: PKI and state in a temporary directory


def test_destroy_action_runs_the_life_cycle_on_embedded_aws(tmp_path):
    params = yaml.safe_load((REPO / "parameters" / "provision_cluster" / "default.yaml").read_text())
    params["action"] = "destroy"
    r = _execute(tmp_path, params)
    assert "verification found nothing left" in r["destroy_message"]
    assert (r["destroy_result"]["status"] == "done").all()


def test_real_account_set_is_valid_and_refuses_apply_without_confirm():
    from lokonb.notebook.params import ParameterError, validate
    from lokonb.notebook.schemas import PROVISION_CLUSTER

    raw = yaml.safe_load((REPO / "parameters" / "provision_cluster" / "live-account.yaml").read_text())
    assert raw["aws"]["endpoint"] is None and raw["confirm"] is False and raw["action"] == "plan"
    validate(PROVISION_CLUSTER, raw, {k: "set" for k in raw}, route="notebook")
    with pytest.raises(ParameterError, match="confirm"):
        validate(PROVISION_CLUSTER, {**raw, "action": "apply"}, {k: "set" for k in raw}, route="notebook")


def test_aws_errors_show_as_a_banner_not_a_traceback(tmp_path, moto_server, aws_url):
    """ExpiredToken injected by the fault server reached through aws.endpoint (the kernel is another process)."""
    import papermill as pm

    params = yaml.safe_load((REPO / "parameters" / "provision_cluster" / "default.yaml").read_text())
    params["aws"] = {"endpoint": aws_url, "region": "eu-central-1", "waiter_scale": 0.01}
    params["action"] = "plan"
    params["cluster"]["asset_dir"] = str(tmp_path / "assets")
    moto_server.add(service="ec2", op="DescribeAvailabilityZones", times=None, status=400, code="ExpiredToken",
                    message="The security token included in the request is expired")
    out = tmp_path / "out.ipynb"
    with pytest.raises(pm.PapermillExecutionError) as ei:
        pm.execute_notebook(str(NOTEBOOK), str(out), parameters=params, cwd=str(tmp_path), progress_bar=False,
                            kernel_name="python3")
    assert ei.value.ename == "AwsError" and "have expired" in ei.value.evalue
    errors = [o for c in json.loads(out.read_text())["cells"] for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert errors and all(len(o["traceback"]) == 1 for o in errors)  # the message only
    assert "have expired" in errors[0]["traceback"][0]
