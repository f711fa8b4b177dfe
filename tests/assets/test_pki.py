"""PKI: chains, SANs, usages and validity checked with openssl (not only with the library that made them);
file modes; reuse, rotation and repair rules; no key material in repr/str/logs."""

from __future__ import annotations

import datetime as dt
import logging
import stat

import pytest

from lokonb.assets import load_or_generate
from lokonb.assets.specs import leaf_specs

from .conftest import make_config

TLS = "tls"

# (cert, CA file, openssl purpose, names that must verify, names that must not)
CHAIN_CASES = [
    (
        "apiserver",
        "ca",
        "sslserver",
        [
            "demo.example.com",
            "kubernetes",
            "kubernetes.default",
            "kubernetes.default.svc",
            "kubernetes.default.svc.cluster.local",
            "10.3.0.1",
            "127.0.0.1",
        ],
        ["evil.example.com", "10.3.0.10", "demo-etcd0.example.com"],
    ),
    ("apiserver-kubelet-client", "ca", "sslclient", [], []),
    ("admin", "ca", "sslclient", [], []),
    ("aggregation-client", "aggregation-ca", "sslclient", [], []),
    ("etcd-client", "etcd-ca", "sslclient", [], []),
    (
        "etcd/etcd0/server",
        "etcd-ca",
        "sslserver",
        ["demo-etcd0.example.com", "localhost", "127.0.0.1"],
        ["demo-etcd1.example.com", "demo.example.com"],
    ),
    (
        "etcd/etcd2/peer",
        "etcd-ca",
        "sslserver",
        ["demo-etcd2.example.com", "localhost", "127.0.0.1"],
        ["demo-etcd0.example.com"],
    ),
    ("etcd/etcd1/peer", "etcd-ca", "sslclient", [], []),
]


def _verify_args(name: str) -> list[str]:
    import ipaddress

    try:
        ipaddress.ip_address(name)
    except ValueError:
        return ["-verify_hostname", name]
    return ["-verify_ip", name]


@pytest.mark.parametrize(
    ("name", "ca", "purpose", "good", "bad"), CHAIN_CASES, ids=[c[0] for c in CHAIN_CASES]
)
def test_chain_purpose_and_sans_with_openssl(generated, openssl, name, ca, purpose, good, bad):
    tls = generated.root / TLS
    base = ["verify", "-x509_strict", "-CAfile", str(tls / f"{ca}.crt"), "-purpose", purpose]
    r = openssl(*base, str(tls / f"{name}.crt"))
    assert r.returncode == 0 and r.stdout.strip().endswith(": OK"), r.stdout + r.stderr
    for host in good:
        r = openssl(*base, *_verify_args(host), str(tls / f"{name}.crt"))
        assert r.returncode == 0, f"{name} should be valid for {host}: {r.stdout}{r.stderr}"
    for host in bad:
        r = openssl(*base, *_verify_args(host), str(tls / f"{name}.crt"))
        assert r.returncode != 0, f"{name} must not be valid for {host}"


@pytest.mark.parametrize("name", ["apiserver", "etcd-client", "etcd/etcd0/server"])
def test_wrong_ca_is_refused_by_openssl(generated, openssl, name):
    tls = generated.root / TLS
    other = "aggregation-ca" if name == "apiserver" else "ca"
    r = openssl("verify", "-CAfile", str(tls / f"{other}.crt"), str(tls / f"{name}.crt"))
    assert r.returncode != 0
    assert "unable to get local issuer certificate" in r.stdout + r.stderr


def test_subjects_and_san_extension_text(generated, openssl):
    tls = generated.root / TLS
    out = openssl(
        "x509", "-in", str(tls / "apiserver.crt"), "-noout", "-ext", "subjectAltName", check=True
    ).stdout
    for entry in [
        "DNS:demo.example.com",
        "DNS:kubernetes",
        "DNS:kubernetes.default",
        "DNS:kubernetes.default.svc",
        "DNS:kubernetes.default.svc.cluster.local",
        "IP Address:10.3.0.1",
        "IP Address:127.0.0.1",
    ]:
        assert entry in out
    subj = openssl(
        "x509", "-in", str(tls / "admin.crt"), "-noout", "-subject", "-nameopt", "RFC2253", check=True
    ).stdout
    assert "O=system:masters" in subj and "CN=admin" in subj
    ca = openssl(
        "x509", "-in", str(tls / "ca.crt"), "-noout", "-ext", "basicConstraints,keyUsage", check=True
    ).stdout
    assert "CA:TRUE" in ca and "Certificate Sign" in ca
    leaf = openssl(
        "x509", "-in", str(tls / "etcd-client.crt"), "-noout", "-ext", "basicConstraints", check=True
    ).stdout
    assert "CA:FALSE" in leaf


@pytest.mark.parametrize("name", [s for s in ["ca", "etcd-ca", "apiserver", "admin", "etcd/etcd1/server"]])
def test_key_matches_certificate_per_openssl(generated, openssl, name):
    tls = generated.root / TLS
    cert_mod = openssl("x509", "-in", str(tls / f"{name}.crt"), "-noout", "-modulus", check=True).stdout
    key_mod = openssl("rsa", "-in", str(tls / f"{name}.key"), "-noout", "-modulus", check=True).stdout
    assert cert_mod == key_mod and cert_mod.startswith("Modulus=")


def test_validity_from_certs_validity_period_hours(tmp_path, openssl):
    cfg = make_config(tmp_path, controller_count=1, certs_validity_period_hours=48)
    assets = load_or_generate(cfg, tmp_path)
    leaf = assets.root / TLS / "apiserver.crt"
    # valid for 47 more hours, not for 49
    assert openssl("x509", "-in", str(leaf), "-noout", "-checkend", str(47 * 3600)).returncode == 0
    assert openssl("x509", "-in", str(leaf), "-noout", "-checkend", str(49 * 3600)).returncode != 0
    for name in ("apiserver", "admin", "etcd/etcd0/peer"):
        c = assets.certificate(name).cert
        assert c.not_valid_after_utc - c.not_valid_before_utc == dt.timedelta(hours=48)
    ca = assets.certificate("ca").cert
    assert ca.not_valid_after_utc - ca.not_valid_before_utc > dt.timedelta(days=3649)


def test_every_file_is_0600_and_dirs_0700(generated):
    root = generated.root
    files = [p for p in root.rglob("*") if p.is_file()]
    assert len(files) > 40
    for p in files:
        assert stat.S_IMODE(p.stat().st_mode) == 0o600, p
    for p in [root, *[d for d in root.rglob("*") if d.is_dir()]]:
        assert stat.S_IMODE(p.stat().st_mode) == 0o700, p


def _snapshot(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in (root / TLS).rglob("*") if p.is_file()}


def test_reuse_rotation_and_ca_rotation(tmp_path):
    cfg = make_config(tmp_path, controller_count=1)
    first = load_or_generate(cfg, tmp_path)
    before = _snapshot(first.root)
    tokens = first.bootstrap_tokens

    again = load_or_generate(cfg, tmp_path)
    assert again.report.generated == () and again.report.written == ()
    assert _snapshot(again.root) == before
    assert {r: t.value for r, t in again.bootstrap_tokens.items()} == {r: t.value for r, t in tokens.items()}

    rotated = load_or_generate(cfg, tmp_path, rotate=True)
    after = _snapshot(rotated.root)
    for ca in ("ca", "etcd-ca", "aggregation-ca"):
        assert (
            after[f"tls/{ca}.crt"] == before[f"tls/{ca}.crt"]
            and after[f"tls/{ca}.key"] == before[f"tls/{ca}.key"]
        )
    assert after["tls/service-account.key"] == before["tls/service-account.key"]
    for spec in leaf_specs(cfg):
        assert after[f"tls/{spec.name}.crt"] != before[f"tls/{spec.name}.crt"], spec.name
    assert {r: t.value for r, t in rotated.bootstrap_tokens.items()} == {
        r: t.value for r, t in tokens.items()
    }

    new_cas = load_or_generate(cfg, tmp_path, rotate_cas=True)
    final = _snapshot(new_cas.root)
    assert final["tls/ca.crt"] != after["tls/ca.crt"]
    assert final["tls/service-account.key"] != after["tls/service-account.key"]
    assert new_cas.certificate("apiserver").cert.issuer == new_cas.certificate("ca").cert.subject


def test_model_change_regenerates_only_affected_leaves(tmp_path):
    load_or_generate(make_config(tmp_path, controller_count=1), tmp_path)
    before = _snapshot(tmp_path / "cluster-assets")
    grown = load_or_generate(make_config(tmp_path, controller_count=2, service_cidr="10.5.0.0/16"), tmp_path)
    gen = set(grown.report.generated)
    assert gen == {"apiserver", "etcd/etcd1/server", "etcd/etcd1/peer"}
    assert "SANs" in grown.report.reasons["apiserver"]
    assert _snapshot(grown.root)["tls/etcd/etcd0/server.crt"] == before["tls/etcd/etcd0/server.crt"]


def test_repairs_mismatched_or_missing_material(tmp_path):
    cfg = make_config(tmp_path, controller_count=1)
    a = load_or_generate(cfg, tmp_path)
    tls = a.root / TLS
    (tls / "admin.key").write_bytes((tls / "etcd-client.key").read_bytes())  # wrong key
    (tls / "apiserver.crt").unlink()
    # a CA that lost its key is replaced only on purpose (README): tests/assets/test_assets_ca_guard.py
    b = load_or_generate(cfg, tmp_path)
    assert "admin" in b.report.generated and "private key does not match" in b.report.reasons["admin"]
    assert "apiserver" in b.report.generated
    # only the damaged leaves were re-issued; the CA and the other leaves are kept
    for name in ("ca", "apiserver-kubelet-client", "etcd-client"):
        assert name not in b.report.generated


def test_no_key_material_in_repr_str_or_logs(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    cfg = make_config(tmp_path, controller_count=1)
    a = load_or_generate(cfg, tmp_path)
    secrets = [a.certificate(n).key_pem() for n in ("ca", "admin", "etcd/etcd0/server")]
    secrets += [t.token_secret for t in a.bootstrap_tokens.values()]
    shown = " ".join(
        [
            repr(a),
            str(a),
            repr(a.certificate("ca")),
            str(a.certificate("admin")),
            repr(a.bootstrap_tokens),
            repr(a.report),
            caplog.text,
        ]
    )
    for s in secrets:
        body = s.splitlines()[1] if "PRIVATE KEY" in s else s
        assert body not in shown
    assert "PRIVATE KEY" not in shown
    assert "generated apiserver" in caplog.text  # the log does say what happened


def test_secret_references_name_secret_files_by_digest_only(generated):
    import hashlib

    refs = {r["path"]: r["sha256"] for r in generated.secret_references()}
    assert {
        "tls/ca.key",
        "tls/etcd/etcd0/server.key",
        "auth/kubeconfig",
        "auth/bootstrap-tokens.yaml",
        "manifests/kubelet-bootstrap.yaml",
        "manifests/kube-apiserver.yaml",
    } <= set(refs)
    assert not [p for p in refs if p.endswith(".crt") or p == "manifests/coredns.yaml"]
    for path, digest in refs.items():
        assert hashlib.sha256((generated.root / path).read_bytes()).hexdigest() == digest


def test_unwritable_asset_dir_is_a_clear_error(tmp_path):
    from lokonb.assets import AssetError

    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(
        AssetError, match=r"cannot (read|write) .*file/cluster-assets/tls/ca\.crt: Not a directory"
    ):
        load_or_generate(make_config(blocker, controller_count=1), blocker)


def test_malformed_token_file_is_reported_without_its_value(tmp_path):
    from lokonb.assets import AssetError

    cfg = make_config(tmp_path, controller_count=1)
    a = load_or_generate(cfg, tmp_path)
    path = a.root / "auth/bootstrap-tokens.yaml"
    path.write_text("controller: abcdef.SECRETSECRETSECR\n")
    with pytest.raises(AssetError, match="bootstrap token for controller is not of the form") as err:
        load_or_generate(cfg, tmp_path)
    assert "SECRET" not in str(err.value)
