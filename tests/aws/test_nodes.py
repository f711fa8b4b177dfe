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


# round 6 of the bad-input sweep: "300" raised a TypeError from the clock arithmetic (ready_timeout only after the
# nodes were listed), interval -1 a ValueError from time.sleep, interval 0 polled the API server without a pause
@pytest.mark.parametrize("kwargs,fragment", [
    ({"list_timeout": "300"}, "list_timeout must be a number of seconds, 0 or more, got '300'"),
    ({"ready_timeout": "600"}, "ready_timeout must be a number of seconds, 0 or more, got '600'"),
    ({"ready_timeout": -1}, "ready_timeout must be a number of seconds, 0 or more"),
    ({"list_timeout": float("inf")}, "list_timeout must be a number of seconds"),
    ({"interval": 0}, "interval must be a number of seconds, more than 0, got 0"),
    ({"interval": -1}, "interval must be a number of seconds, more than 0"),
    ({"interval": True}, "interval must be a number of seconds"),
])
def test_wrong_seconds_are_named_before_any_call(tmp_path, real_cfg, kwargs, fragment):
    from lokonb.aws.errors import AwsInputError

    with pytest.raises(AwsInputError) as ei:
        wait_for_nodes(config=real_cfg, kubeconfig=str(tmp_path / "missing-kc"), **kwargs)
    assert fragment in str(ei.value)
