"""`lokonb assets generate CLUSTER_CONFIG --out DIR` and `lokonb assets check DIR`: outputs, exit codes, one
message per problem, no secrets on stdout/stderr."""

from __future__ import annotations

import json
import shutil
import stat

import pytest
import yaml

from lokonb.cli import main

from .conftest import BASE


@pytest.fixture
def cluster_yaml(tmp_path):
    doc = json.loads(json.dumps(BASE))
    doc["cluster"]["controller_count"] = 1
    path = tmp_path / "cluster.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


@pytest.fixture
def out(tmp_path, cluster_yaml, capsys):
    d = tmp_path / "out"
    assert main(["assets", "generate", str(cluster_yaml), "--out", str(d)]) == 0
    captured = capsys.readouterr()
    return d, captured


def _secrets(root):
    texts = [p.read_text() for p in (root / "tls").rglob("*.key")]
    keys = [t.splitlines()[1] for t in texts]
    tokens = [
        v.split(".")[1] for v in yaml.safe_load((root / "auth/bootstrap-tokens.yaml").read_text()).values()
    ]
    return keys + tokens


def test_generate_writes_tree_and_manifest_list(out):
    d, captured = out
    root = d / "cluster-assets"
    listing = json.loads((root / "assets.json").read_text())
    paths = {e["path"] for e in listing["files"]}
    assert {
        "tls/ca.crt",
        "tls/apiserver.key",
        "auth/kubeconfig",
        "auth/kubelet-worker-web.kubeconfig",
        "manifests/kube-apiserver.yaml",
        "bootstrap-manifests/bootstrap-scheduler.yaml",
    } <= paths
    assert all((root / p).is_file() and stat.S_IMODE((root / p).stat().st_mode) == 0o600 for p in paths)
    secret = {e["path"]: e["secret"] for e in listing["files"]}
    assert secret["tls/ca.key"] and secret["auth/kubeconfig"] and secret["manifests/kubelet-bootstrap.yaml"]
    assert not secret["tls/ca.crt"] and not secret["manifests/coredns.yaml"]
    assert "demo: 11 generated, 0 reused" in captured.out
    shown = captured.out + captured.err + (root / "assets.json").read_text()
    assert not [s for s in _secrets(root) if s in shown]


def test_check_passes_then_reports_each_problem(out, capsys, tmp_path):
    d, _ = out
    root = d / "cluster-assets"
    assert main(["assets", "check", str(d)]) == 0
    assert "ok:" in capsys.readouterr().out
    assert main(["assets", "check", str(root)]) == 0  # the cluster-assets dir itself works too
    capsys.readouterr()

    other = tmp_path / "other"
    shutil.copytree(d, other)
    o = other / "cluster-assets"
    (o / "tls/apiserver.key").write_bytes((o / "tls/admin.key").read_bytes())  # key/cert mismatch
    (o / "tls/etcd/etcd0/server.crt").write_bytes(
        (o / "tls/apiserver.crt").read_bytes()
    )  # wrong chain + SANs
    (o / "tls/ca.key").chmod(0o644)
    (o / "auth/kubelet-worker-web.kubeconfig").unlink()
    assert main(["assets", "check", str(other)]) == 1
    err = capsys.readouterr().err
    expected = [
        "tls/apiserver.crt: private key does not match the certificate",
        "tls/etcd/etcd0/server.crt: not signed by the current etcd-ca",
        "tls/etcd/etcd0/server.crt: SANs",
        "tls/ca.key: mode 0644",
        "auth/kubelet-worker-web.kubeconfig: listed in assets.json but missing",
        "tls/apiserver.key: content differs",
    ]
    for e in expected:
        assert f"error: {e}" in err, (e, err)
    assert not [s for s in _secrets(o) if s in err]


def test_check_against_the_model(out, capsys, tmp_path):
    d, _ = out
    doc = json.loads(json.dumps(BASE))
    doc["cluster"]["controller_count"] = 2
    doc["cluster"]["dns_zone"] = "example.org"
    changed = tmp_path / "changed.yaml"
    changed.write_text(yaml.safe_dump(doc))
    assert main(["assets", "check", str(d), "--config", str(changed)]) == 1
    err = capsys.readouterr().err
    assert "tls/etcd/etcd1/server.crt: the cluster model needs it" in err
    assert "tls/apiserver.crt: generated for a different model" in err


def test_expired_certificates_are_reported(tmp_path, capsys):
    doc = json.loads(json.dumps(BASE))
    doc["cluster"].update(controller_count=1, certs_validity_period_hours=1)
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(doc))
    assert main(["assets", "generate", str(path), "--out", str(tmp_path / "o")]) == 0
    import datetime as dt

    from lokonb.assets.check import check_dir

    res = check_dir(tmp_path / "o", now=dt.datetime.now(dt.UTC) + dt.timedelta(hours=2))
    assert any("tls/apiserver.crt: expired on" in p for p in res.problems)
    assert any("auth/kubeconfig: client certificate expired on" in p for p in res.problems)
    assert not any(p.startswith("tls/ca.crt: expired") for p in res.problems)
    soon = check_dir(tmp_path / "o")
    assert soon.ok and any("tls/admin.crt: expires on" in w for w in soon.warnings)
    soon.raise_for_problems()  # passes
    from lokonb.assets import AssetCheckError

    with pytest.raises(AssetCheckError, match=r"problem\(s\) in the cluster assets:\n  - tls/") as err:
        res.raise_for_problems()
    assert err.value.exit_code == 1 and err.value.problems == res.problems


def test_bad_inputs_give_clear_errors(tmp_path, capsys):
    assert main(["assets", "check", str(tmp_path)]) == 1
    assert "no assets.json" in capsys.readouterr().err
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"cluster": {"cluster_name": "x"}}))
    assert main(["assets", "generate", str(bad), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "dns_zone" in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_rotate_flags(out, cluster_yaml, capsys):
    d, _ = out
    assert main(["assets", "generate", str(cluster_yaml), "--out", str(d), "--rotate"]) == 0
    o = capsys.readouterr().out
    assert "generated apiserver (rotation requested)" in o and "generated ca " not in o
    assert main(["assets", "generate", str(cluster_yaml), "--out", str(d), "--rotate-cas"]) == 0
    assert "generated ca (CA rotation requested)" in capsys.readouterr().out
    assert main(["assets", "check", str(d)]) == 0


def test_lokocfg_input_and_damaged_files(tmp_path, capsys, repo_root):
    src = repo_root / "examples/demo"
    args = [str(src / "cluster.lokocfg"), "--vars", str(src / "lokocfg.vars")]
    out = tmp_path / "o"
    assert main(["assets", "generate", *args, "--out", str(out)]) == 0
    capsys.readouterr()
    root = out / "cluster-assets"
    # an encrypted (or otherwise unreadable) key is reported, then repaired by generate
    from cryptography.hazmat.primitives import serialization

    from lokonb.assets.pki import load_private_key

    key = load_private_key((root / "tls/admin.key").read_bytes())
    (root / "tls/admin.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"pw"),
        )
    )
    listing = json.loads((root / "assets.json").read_text())
    listing["certificates"]["apiserver"] = {"issuer": "ca"}  # no common_name
    (root / "assets.json").write_text(json.dumps(listing))
    assert main(["assets", "check", str(out)]) == 1
    err = capsys.readouterr().err
    assert "error: assets.json: malformed certificate entries" in err
    assert main(["assets", "generate", *args, "--out", str(out)]) == 0
    assert "generated admin (unreadable PEM" in capsys.readouterr().out
    assert main(["assets", "check", str(out), "--config", args[0], "--vars", args[2]]) == 0
