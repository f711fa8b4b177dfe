"""The metadata_access notebook's ``node_local_dns`` and ``cluster`` parameters (executed with papermill, as
tests/kube/test_notebook.py runs the notebook), and their checks before a kernel starts."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import papermill
import pytest

from lokonb.notebook.exceptions import ParameterError
from lokonb.notebook.params import validate
from lokonb.notebook.schemas import DEMO_CLUSTER, get_schema

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = REPO / "notebooks" / "metadata_access.ipynb"
ENTRY = {"namespace": "kube-system", "pod_selector": {"matchLabels": {"app": "ebs"}}, "include": ["dns"]}
SCHEMA = get_schema("metadata_access")


@pytest.fixture(autouse=True)
def _headless(monkeypatch):
    monkeypatch.setenv("LOKONB_HEADLESS", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    # the kernel imports this checkout's lokonb, not the one the virtualenv installed (a clone shares the venv)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p))


def _outputs(tmp_path: Path, parameters: dict) -> str:
    out = tmp_path / "out.ipynb"
    papermill.execute_notebook(str(NOTEBOOK), str(out), parameters=parameters, cwd=str(REPO / "notebooks"),
                               kernel_name="python3", progress_bar=False)
    texts = []
    for cell in nbformat.read(out, as_version=4).cells:
        for output in cell.get("outputs", []):
            texts.extend(str(v) for k, v in output.get("data", {}).items() if k.startswith("text/"))
    return "\n".join(texts)


@pytest.mark.timeout(240)
def test_cluster_enabling_node_local_dns_adds_its_address_to_the_dns_rule(tmp_path):
    cluster = {**DEMO_CLUSTER, "enable_node_local_dns": True, "node_local_dns_ip": "169.254.20.10"}
    text = _outputs(tmp_path, {"action": "render", "allow": [ENTRY], "cluster": cluster})
    assert "cidr: 169.254.20.10/32" in text
    assert "also allow the NodeLocal DNSCache at 169.254.20.10 (the cluster enables NodeLocal DNS)" in text


@pytest.mark.timeout(240)
def test_node_local_dns_parameter_without_a_cluster(tmp_path):
    text = _outputs(tmp_path, {"action": "render", "allow": [ENTRY], "node_local_dns": ["169.254.25.10"]})
    assert "cidr: 169.254.25.10/32" in text and "NodeLocal DNSCache at" not in text


def test_defaults_keep_the_spec_rule():
    values = validate(SCHEMA, {}).values
    assert values["node_local_dns"] is None and values["cluster"] is None


@pytest.mark.parametrize(("raw", "field", "message"), [
    ({"node_local_dns": ["169.254.20.10", "dns.local"]}, "node_local_dns[1]", "is not a DNS cache address"),
    ({"node_local_dns": ["169.254.169.254"]}, "node_local_dns[0]", "the EC2 metadata endpoint"),
    ({"cluster": {**DEMO_CLUSTER, "enable_node_local_dns": True, "node_local_dns_ip": "10.0.0.1"}},
     "node_local_dns_ip", "must be a link-local address"),
    ({"cluster": {"cluster_name": "demo"}}, "dns_zone", ""),
])
def test_bad_values_are_refused_before_a_kernel_starts(raw, field, message):
    with pytest.raises(ParameterError) as err:
        validate(SCHEMA, {"allow": [ENTRY], **raw})
    text = str(err.value)
    assert field in text and message in text
