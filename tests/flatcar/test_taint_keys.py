"""Pool taints with a kubernetes.io key: the model accepts them (aws.md V18 applies the kubelet's label namespace
limit to labels only), so the node render must place them too (flatcar.md §7.2 ``node_taints``)."""

from __future__ import annotations

import pytest
from helpers import text

from lokonb.config import load_yaml
from lokonb.errors import ConfigError
from lokonb.flatcar.render import render_cluster

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHb5kB0dUzlqCvmbbT6NoxV4X2nbq8K2cqW1iVoMyqU5 ops@example"


def _model(tmp_path, **pool):
    return load_yaml({
        "cluster": {
            "cluster_name": "taints", "dns_zone": "example.com", "ssh_pubkeys": [KEY], "asset_dir": str(tmp_path),
            "worker_pools": [{"name": "storage", "count": 1, **pool}],
        },
        "aws": {"endpoint": "embedded"},
    })


def test_kubernetes_io_taint_key_is_rendered(tmp_path, fake_assets) -> None:
    model = _model(tmp_path, taints={"node-role.kubernetes.io/storage": ":NoSchedule", "dedicated": "db:NoExecute"})
    env = text(render_cluster(model, assets=fake_assets).role("worker-storage").config, "/etc/kubernetes/kubelet.env")
    assert 'NODE_TAINTS="dedicated=db:NoExecute,node-role.kubernetes.io/storage=:NoSchedule"' in env


def test_kubernetes_io_label_key_stays_refused(tmp_path) -> None:
    # labels keep the kubelet's limit: a kubelet refuses to start with --node-labels in that namespace
    with pytest.raises(ConfigError, match="node-role.kubernetes.io/storage"):
        _model(tmp_path, labels={"node-role.kubernetes.io/storage": ""})
