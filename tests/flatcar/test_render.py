"""Node templates and cluster renders (flatcar.md §7, §13.17–13.20, §13.25)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import files, text, units

from lokonb.errors import ConfigError
from lokonb.flatcar.render import render_cluster
from lokonb.flatcar.template import PLACEHOLDER, fill, placeholders
from lokonb.flatcar.variables import cluster_dns_ip


@pytest.fixture(scope="module")
def render3(example_model, fake_assets):
    import dataclasses

    model = dataclasses.replace(example_model, controller_count=3)
    return render_cluster(model, assets=fake_assets)


def test_roles_and_spec(render3) -> None:
    assert list(render3.roles) == [
        "controller-0",
        "controller-1",
        "controller-2",
        "worker-web",
        "worker-batch",
    ]
    assert all(rc.config["ignition"]["version"] == "3.3.0" for rc in render3.roles.values())
    assert render3.role("worker-web").instances == 2


def test_common_units_files_users(render3) -> None:
    for role, rc in render3.roles.items():
        u = units(rc.config)
        assert u["docker.service"]["enabled"] is True and u["locksmithd.service"]["mask"] is True
        assert u["kubelet.service"]["enabled"] is True and u["wait-for-dns.service"]["enabled"] is True
        f = files(rc.config)
        for path, mode in (
            ("/etc/kubernetes/kubelet.env", 0o644),
            ("/etc/kubernetes/kubeconfig", 0o600),
            ("/etc/kubernetes/ca.crt", 0o644),
            ("/etc/kubernetes/configure-kubelet-cgroup-driver", 0o744),
            ("/etc/sysctl.d/max-user-watches.conf", 0o644),
            ("/etc/docker/daemon.json", 0o644),
        ):
            assert f[path]["mode"] == mode, (role, path)
            assert f[path]["user"] == {"name": "root"} and f[path]["overwrite"] is True
        assert rc.config["passwd"]["users"][0]["name"] == "core"
        assert "/etc/kubernetes/kubeconfig" in rc.secret_paths
        assert (
            text(rc.config, "/etc/sysctl.d/max-user-watches.conf") == "fs.inotify.max_user_watches=1048576\n"
        )
        assert "{{.CgroupDriver}}" in text(rc.config, "/etc/kubernetes/configure-kubelet-cgroup-driver")
        wfd = u["wait-for-dns.service"]["contents"]
        assert (
            "RequiredBy=kubelet.service etcd.service" in wfd
            if role.startswith("controller")
            else "RequiredBy=kubelet.service\n" in wfd + "\n"
        )


def test_controllers_etcd(render3) -> None:
    peers = ",".join(f"etcd{j}=https://demo-etcd{j}.example.com:2380" for j in range(3))
    for i in range(3):
        cfg = render3.role(f"controller-{i}").config
        env = text(cfg, "/etc/kubernetes/etcd.env")
        assert f"ETCD_NAME=etcd{i}\n" in env and f"ETCD_INITIAL_CLUSTER={peers}\n" in env
        assert env.splitlines()[:2] == ["IMAGE_TAG=v3.4.16", "IMAGE_URL=quay.io/coreos/etcd"]
        f = files(cfg)
        key = f["/etc/ssl/etcd/etcd/server.key"]
        assert key["mode"] == 0o400 and key["user"] == {"name": "etcd"}
        assert "/etc/ssl/etcd/etcd/server.key" in render3.role(f"controller-{i}").secret_paths
        assert "PRIVATE KEY" in text(cfg, "/etc/ssl/etcd/etcd/peer.key")
        dirs = {d["path"]: d for d in cfg["storage"]["directories"]}
        assert dirs["/etc/ssl/etcd"]["mode"] == 0o500
        assert units(cfg)["etcd.service"]["enabled"] is True
        assert ("bootkube.service" in units(cfg)) == (i == 0)
        assert any(p.startswith("/opt/bootkube/assets/") for p in f) == (i == 0)
    boot = units(render3.role("controller-0").config)["bootkube.service"]
    assert (
        boot["enabled"] is True
        and "ConditionPathExists=!/opt/bootkube/init_bootkube.done" in boot["contents"]
    )


def test_no_secret_world_readable(render3) -> None:
    for rc in render3.roles.values():
        f = files(rc.config)
        for path in rc.secret_paths:
            assert f[path]["mode"] & 0o077 == 0, path


def test_workers(render3) -> None:
    cfg = render3.role("worker-batch").config
    u = units(cfg)
    assert u["iscsid.service"]["enabled"] is True
    assert u["iscsid.service"]["dropins"][0]["name"] == "00-iscsid.conf"
    assert u["delete-node.service"]["enabled"] is True
    env = text(cfg, "/etc/kubernetes/kubelet.env")
    assert 'NODE_TAINTS="dedicated=batch:NoSchedule"' in env
    assert 'NODE_LABELS="node.kubernetes.io/node="' in env
    assert "--kubeconfig=/var/lib/kubelet/kubeconfig delete node" in text(cfg, "/etc/kubernetes/delete-node")


KUBELET_FLAGS_TLS = [
    "--anonymous-auth=false",
    "--authentication-token-webhook",
    "--authorization-mode=Webhook",
    "--client-ca-file=/etc/kubernetes/ca.crt",
    "--cluster_dns=10.3.0.10",
    "--cluster_domain=cluster.local",
    "--cni-conf-dir=/etc/cni/net.d",
    "--config=/etc/kubernetes/kubelet.config",
    "--exit-on-lock-contention",
    "--kubeconfig=/var/lib/kubelet/kubeconfig",
    "--bootstrap-kubeconfig=/etc/kubernetes/kubeconfig",
    "--rotate-certificates",
    "--lock-file=/var/run/lock/kubelet.lock",
    "--network-plugin=cni",
    "--node-labels=${NODE_LABELS}",
    "--pod-manifest-path=/etc/kubernetes/manifests",
    "--read-only-port=0",
    "--register-with-taints=${NODE_TAINTS}",
    "--volume-plugin-dir=/var/lib/kubelet/volumeplugins",
]


def _kubelet_flags(cfg) -> list[str]:
    contents = units(cfg)["kubelet.service"]["contents"]
    words = contents.replace("\\\n", " ").split()
    start = words.index("${KUBELET_IMAGE_URL}:${KUBELET_IMAGE_TAG}") + 1
    return [w for w in words[start:] if w.startswith("--")][: len(KUBELET_FLAGS_TLS)]


def test_kubelet_flag_order_both_bootstrap_modes(render3, model_with, fake_assets) -> None:
    assert _kubelet_flags(render3.role("worker-web").config) == KUBELET_FLAGS_TLS
    r = render_cluster(model_with(enable_tls_bootstrap=False), assets=fake_assets)
    expected = [
        f
        for f in KUBELET_FLAGS_TLS
        if f
        not in (
            "--kubeconfig=/var/lib/kubelet/kubeconfig",
            "--bootstrap-kubeconfig=/etc/kubernetes/kubeconfig",
            "--rotate-certificates",
        )
    ]
    expected.insert(9, "--kubeconfig=/etc/kubernetes/kubeconfig")
    assert _kubelet_flags(r.role("worker-web").config)[: len(expected)] == expected


@pytest.mark.parametrize("cidr, ip", [("10.3.0.0/16", "10.3.0.10"), ("10.96.0.0/12", "10.96.0.10")])
def test_cluster_dns(cidr: str, ip: str) -> None:
    assert cluster_dns_ip(cidr) == ip


def test_cluster_dns_too_small() -> None:
    with pytest.raises(ConfigError):
        cluster_dns_ip("10.3.0.0/29")


def test_labels_sorted_and_taints(model_with, fake_assets) -> None:
    r = render_cluster(
        model_with(pool_web={"labels": {"b": "2", "a": "1"}, "taints": {"nodeType": "storage:NoSchedule"}}),
        assets=fake_assets,
    )
    env = text(r.role("worker-web").config, "/etc/kubernetes/kubelet.env")
    assert 'NODE_LABELS="a=1,b=2,node.kubernetes.io/node="' in env
    assert 'NODE_TAINTS="nodeType=storage:NoSchedule"' in env


@pytest.mark.parametrize("labels", [{"a": 'x"y'}, {"a": "x,y"}, {"a": "x\ny"}, {"kubernetes.io/foo": "1"}])
def test_bad_labels_are_model_errors(model_with, fake_assets, labels) -> None:
    with pytest.raises(ConfigError, match="worker_pool.web.labels"):
        render_cluster(model_with(pool_web={"labels": labels}), assets=fake_assets)


def test_ssh_key_with_newline(model_with, fake_assets) -> None:
    with pytest.raises(ConfigError, match="ssh_pubkeys"):
        render_cluster(model_with(ssh_pubkeys=("ssh-ed25519 AAA a\nssh-rsa B b",)), assets=fake_assets)


def test_template_substitution_rules() -> None:
    assert PLACEHOLDER.fullmatch("{{ ssh_keys }}") and not PLACEHOLDER.search("{{.CgroupDriver}}")
    assert "etcd_name" in placeholders("controller")
    from lokonb.flatcar.errors import TemplateError

    base = {v: "x" for v in placeholders("common")} | {"ssh_keys": ["k"], "max_user_watches": 1}
    with pytest.raises(TemplateError, match="node_labels"):
        fill("common", base | {"node_labels": "a\nb"})
    with pytest.raises(TemplateError, match="unknown template variable"):
        fill("common", {k: v for k, v in base.items() if k != "cluster_dns_service_ip"})
    # values are never re-scanned
    filled = fill("common", base | {"node_labels": "{{cluster_dns_service_ip}}"})
    assert filled.root is not None


def test_render_targets(example_model, fake_assets) -> None:
    r34 = render_cluster(example_model, assets=fake_assets, ignition_version="3.4.0")
    assert r34.role("worker-web").config["ignition"]["version"] == "3.4.0"
    r23 = render_cluster(example_model, assets=fake_assets, ignition_version="2.3.0")
    cfg = r23.role("worker-web").config
    assert cfg["ignition"]["version"] == "2.3.0" and list(cfg) == [
        "ignition",
        "networkd",
        "passwd",
        "storage",
        "systemd",
    ]
    assert all(f["filesystem"] == "root" for f in cfg["storage"]["files"])


def test_model_ignition_spec_and_max_user_watches(repo_root: Path, fake_assets) -> None:
    """flatcar.md §2 and §7.6: the model's ``ignition_spec`` picks the target, ``max_user_watches`` the sysctl;
    an explicit ``ignition_version`` still wins, with a warning instead of silently."""
    import yaml

    from lokonb.config import load_yaml

    data = yaml.safe_load((repo_root / "parameters" / "provision_cluster" / "default.yaml").read_text())
    data["cluster"] |= {"ignition_spec": "3.4.0", "max_user_watches": 2000000}
    model = load_yaml(data)
    r = render_cluster(model, assets=fake_assets)
    for role in r.roles:
        cfg = r.role(role).config
        assert cfg["ignition"]["version"] == "3.4.0", role
        assert text(cfg, "/etc/sysctl.d/max-user-watches.conf") == "fs.inotify.max_user_watches=2000000\n", role
    assert not [f for f in r.findings if "overrides" in f.message]
    r33 = render_cluster(model, assets=fake_assets, ignition_version="3.3.0")
    assert r33.role("worker-web").config["ignition"]["version"] == "3.3.0"
    assert [f.severity for f in r33.findings if "ignition_version 3.3.0 overrides the cluster's ignition_spec 3.4.0"
            in f.message] == ["warning"]
    default = render_cluster(load_yaml({**data, "cluster": {k: v for k, v in data["cluster"].items()
                                                          if k != "ignition_spec"}}),
                             assets=fake_assets, ignition_version="3.4.0")
    assert not [f for f in default.findings if "overrides" in f.message]  # the default spec is nobody's choice


def test_pinned_old_flatcar_needs_23(model_with, fake_assets) -> None:
    with pytest.raises(ConfigError, match="ignition_spec"):
        render_cluster(model_with(os_version="2905.2.0"), assets=fake_assets)


def test_deterministic_bytes(example_model, fake_assets) -> None:
    a = render_cluster(example_model, assets=fake_assets)
    b = render_cluster(example_model, assets=fake_assets)
    assert {k: v.compact for k, v in a.roles.items()} == {k: v.compact for k, v in b.roles.items()}


SCRIPT = """
import sys, hashlib, json
sys.path.insert(0, {tests!r})
from lokonb.config import load_yaml
from lokonb.flatcar.render import render_cluster
from lokonb.assets import load_or_generate
m = load_yaml({params!r})
import dataclasses, pathlib
m = dataclasses.replace(m, asset_dir=pathlib.Path({assets!r}))
r = render_cluster(m, assets=load_or_generate(m))
print(json.dumps({{k: hashlib.sha256(v.compact + v.pretty).hexdigest() for k, v in r.roles.items()}}))
"""


def test_byte_identical_across_processes(repo_root: Path, tmp_path: Path) -> None:
    """Real assets (generated once, then reused) and different hash seeds give identical bytes."""
    code = SCRIPT.format(
        tests=str(Path(__file__).parent),
        params=str(repo_root / "parameters" / "provision_cluster" / "default.yaml"),
        assets=str(tmp_path / "assets"),
    )
    outs = []
    for seed in ("7", "1", "4242"):  # the first run generates the assets; the next two reuse them
        env = dict(os.environ, PYTHONHASHSEED=seed)
        proc = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path
        )
        assert proc.returncode == 0, proc.stderr
        outs.append(json.loads(proc.stdout))
    assert outs[1] == outs[2] and len(outs[1]) == 3


def test_packaged_schemas_identical(shared_data: Path) -> None:
    from importlib import resources

    for spec in ("2.3.0", "3.3.0", "3.4.0"):
        packaged = (
            resources.files("lokonb.flatcar").joinpath("data", f"ignition-{spec}.schema.json").read_bytes()
        )
        assert packaged == (shared_data / "ignition-schemas" / f"ignition-{spec}.schema.json").read_bytes()


def test_render_cluster_without_assets_uses_the_clusters_own(example_model, tmp_path) -> None:
    """§3: render_cluster(model) works without an assets argument (they come from the model's asset_dir)."""
    import dataclasses

    model = dataclasses.replace(example_model, asset_dir=tmp_path / "assets")
    r = render_cluster(model, validate=False)
    assert list(r.roles) == ["controller-0", "worker-web", "worker-batch"]
    assert (tmp_path / "assets").is_dir()
    again = render_cluster(model, validate=False)  # the same assets are loaded back, not regenerated
    assert all(again.role(n).compact == rc.compact for n, rc in r.roles.items())
