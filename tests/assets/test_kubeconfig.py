"""Kubeconfigs load with the kubernetes client; the NodeAssets contract (flatcar ↔ assets) holds."""

from __future__ import annotations

import base64

import pytest
import yaml
from kubernetes import client as k8s
from kubernetes import config as k8s_config

from lokonb.assets import load_or_generate
from lokonb.assets.errors import AssetError

from .conftest import make_config


def test_admin_kubeconfig_loads_with_the_kubernetes_client(generated, tmp_path):
    path = tmp_path / "kubeconfig"
    path.write_text(generated.admin_kubeconfig())
    cfg = k8s.Configuration()
    k8s_config.load_kube_config(config_file=str(path), client_configuration=cfg)
    assert cfg.host == "https://demo.example.com:6443"
    assert open(cfg.ssl_ca_cert).read() == generated.kubernetes_ca_pem()
    assert open(cfg.cert_file).read() == generated.certificate("admin").cert_pem()
    assert open(cfg.key_file).read().strip() == generated.certificate("admin").key_pem().strip()
    contexts, active = k8s_config.list_kube_config_contexts(config_file=str(path))
    assert active["name"] == "demo-admin@demo" and len(contexts) == 1
    api = k8s_config.new_client_from_config(config_file=str(path))
    assert api.configuration.host == "https://demo.example.com:6443"


@pytest.mark.parametrize("role", ["controller", "worker-web", "worker-batch"])
def test_kubelet_bootstrap_kubeconfig(generated, tmp_path, role):
    text = generated.kubelet_kubeconfig(role)
    doc = yaml.safe_load(text)
    assert doc["clusters"] == [
        {
            "name": "local",
            "cluster": {
                "server": "https://demo.example.com:6443",
                "certificate-authority-data": base64.b64encode(
                    generated.kubernetes_ca_pem().encode()
                ).decode(),
            },
        }
    ]
    assert doc["users"] == [{"name": "kubelet", "user": {"token": generated.bootstrap_tokens[role].value}}]
    assert doc["contexts"] == [{"name": "default", "context": {"cluster": "local", "user": "kubelet"}}]
    assert doc["current-context"] == "default"
    path = tmp_path / "kc"
    path.write_text(text)
    cfg = k8s.Configuration()
    k8s_config.load_kube_config(config_file=str(path), client_configuration=cfg)
    assert cfg.api_key["BearerToken"] == f"Bearer {generated.bootstrap_tokens[role].value}"


def test_distinct_tokens_per_role(generated):
    values = {generated.kubelet_kubeconfig(r) for r in ("controller", "worker-web", "worker-batch")}
    assert len(values) == 3


def test_unknown_role_is_a_clear_error(generated):
    with pytest.raises(AssetError, match="worker-nope.*controller, worker-batch, worker-web"):
        generated.kubelet_kubeconfig("worker-nope")
    with pytest.raises(AssetError, match="controller index 3 out of range 0..2"):
        generated.etcd_tls_files(3)


def test_without_tls_bootstrap_kubelets_use_the_shared_client_certificate(tmp_path):
    a = load_or_generate(make_config(tmp_path, controller_count=1, enable_tls_bootstrap=False), tmp_path)
    doc = yaml.safe_load(a.kubelet_kubeconfig("worker-web"))
    user = doc["users"][0]["user"]
    assert "token" not in user
    cert = base64.b64decode(user["client-certificate-data"]).decode()
    assert cert == a.certificate("kubelet").cert_pem()
    assert "O=system:nodes" in a.certificate("kubelet").cert.subject.rfc4514_string()


def test_etcd_tls_files_contract(generated):
    files = generated.etcd_tls_files(1)
    assert set(files) == {
        "etcd-client-ca.crt",
        "etcd-client.crt",
        "etcd-client.key",
        "etcd/server-ca.crt",
        "etcd/server.crt",
        "etcd/server.key",
        "etcd/peer-ca.crt",
        "etcd/peer.crt",
        "etcd/peer.key",
    }
    ca = generated.certificate("etcd-ca").cert_pem()
    assert files["etcd-client-ca.crt"] == files["etcd/server-ca.crt"] == files["etcd/peer-ca.crt"] == ca
    assert files["etcd/server.crt"] == generated.certificate("etcd/etcd1/server").cert_pem()
    assert all(v.startswith("-----BEGIN ") for v in files.values())


def test_bootkube_assets_tree(generated):
    tree = generated.bootkube_assets()
    assert list(tree) == sorted(tree)
    assert all(isinstance(v, bytes) for v in tree.values())
    for required in (
        "auth/kubeconfig",
        "tls/ca.crt",
        "tls/ca.key",
        "tls/apiserver.crt",
        "tls/apiserver.key",
        "tls/service-account.key",
        "tls/service-account.pub",
        "tls/etcd-client.key",
        "tls/bootstrap-kubeconfig",
        "manifests/kube-apiserver.yaml",
        "bootstrap-manifests/bootstrap-apiserver.yaml",
    ):
        assert required in tree, required
    # nothing a controller does not need: no etcd member keys, no etcd/front-proxy CA keys
    assert not [
        p for p in tree if p.startswith("tls/etcd/") or p in ("tls/etcd-ca.key", "tls/aggregation-ca.key")
    ]
    boot = yaml.safe_load(tree["tls/bootstrap-kubeconfig"])
    assert boot["clusters"][0]["cluster"]["server"] == "https://127.0.0.1:6443"
    # every file a bootstrap pod names under /etc/kubernetes/secrets is in tls/
    for path in [p for p in tree if p.startswith("bootstrap-manifests/")]:
        for doc in yaml.safe_load_all(tree[path]):
            for c in doc["spec"]["containers"]:
                for arg in c["command"]:
                    if "=/etc/kubernetes/secrets/" in arg:
                        assert "tls/" + arg.rsplit("/", 1)[1] in tree, (path, arg)


def test_flatcar_protocol_is_satisfied(generated):
    protocol = pytest.importorskip("lokonb.flatcar.assets").NodeAssets
    assert isinstance(generated, protocol)  # runtime_checkable Protocol of the flatcar area
