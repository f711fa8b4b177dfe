"""wait_for_nodes against the recording Kubernetes API server (tests/kubeapi_server.py)."""

from __future__ import annotations

import pytest
from kubeapi_server import kubeapi_fixture

from lokonb.aws.nodes import wait_for_nodes
from lokonb.errors import OperationFailed

kubeapi = kubeapi_fixture()


def node(name: str, ready: bool) -> dict:
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name},
            "status": {"conditions": [{"type": "Ready", "status": "True" if ready else "False",
                                       "reason": "KubeletReady" if ready else "KubeletNotReady",
                                       "message": "ok" if ready else "runtime network not ready"}]}}


@pytest.fixture
def real_cfg(make_config):
    return make_config()  # an endpoint URL, not "embedded": the wait really runs


def test_all_nodes_ready(kubeapi, tmp_path, real_cfg):
    for name in ["c0", "w1", "w2", "b1"]:
        kubeapi.add(node(name, True))
    st = wait_for_nodes(config=real_cfg, kubeconfig=str(kubeapi.write_kubeconfig(tmp_path / "kc")), interval=0.01)
    assert st.ok and st.message == "all 4 nodes are ready" and list(st.df.node) == ["b1", "c0", "w1", "w2"]


def test_missing_and_not_ready_nodes_time_out_with_the_table(kubeapi, tmp_path, real_cfg):
    kubeapi.add(node("c0", True))
    kubeapi.add(node("w1", False))
    with pytest.raises(OperationFailed) as ei:
        wait_for_nodes(config=real_cfg, kubeconfig=str(kubeapi.write_kubeconfig(tmp_path / "kc")),
                       ready_timeout=0.05, interval=0.01)
    msg = str(ei.value)
    assert "not all nodes became ready within the allowed time" in msg and "2 nodes are missing" in msg
    assert "not ready: w1" in msg


def test_unreachable_api_and_embedded_skip(tmp_path, real_cfg, make_config):
    kc = tmp_path / "kc"
    kc.write_text("apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: 'https://127.0.0.1:9'}}]\n"
                  "users: [{name: u, user: {token: x}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\n"
                  "current-context: c\n")
    with pytest.raises(OperationFailed, match="could not list the nodes of demo within 0 s"):
        wait_for_nodes(config=real_cfg, kubeconfig=str(kc), list_timeout=0.0, interval=0.01)
    emb = make_config(aws={"endpoint": "embedded"})
    assert wait_for_nodes(config=emb).message == "skipped: the embedded AWS runs no machines"
