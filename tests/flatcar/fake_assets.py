"""A small NodeAssets implementation for the flatcar tests: real PEMs made with ``cryptography`` (EC P-256
keys,
fast), a bootstrap-token kubelet kubeconfig and a small bootkube asset tree."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Mapping

import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

_T0 = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _pem_key(key: ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def _cert(cn: str, key, issuer_key=None, issuer_cn: str | None = None, ca: bool = False) -> str:
    issuer_key = issuer_key or key
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_cn or cn)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(_T0)
        .not_valid_after(_T0 + datetime.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    return builder.sign(issuer_key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM).decode()


class FakeAssets:
    """Deterministic per instance; ``token_suffix`` changes the kubelet tokens (to test redacted diffs)."""

    def __init__(
        self,
        cluster: str = "demo",
        zone: str = "example.com",
        controllers: int = 1,
        token_suffix: str = "0123456789abcdef",  # noqa: S107 - fake test token
        asset_files: int = 3,
        asset_size: int = 200,
    ) -> None:
        self.cluster, self.zone, self.token_suffix = cluster, zone, token_suffix
        self._ca_key = _key()
        self._ca = _cert("kubernetes-ca", self._ca_key, ca=True)
        self._etcd_ca_key = _key()
        self._etcd_ca = _cert("etcd-ca", self._etcd_ca_key, ca=True)
        self._client_key = _key()
        self._client = _cert("etcd-client", self._client_key, self._etcd_ca_key, "etcd-ca")
        self._etcd = {}
        for i in range(controllers):
            sk, pk = _key(), _key()
            self._etcd[i] = (
                _cert(f"etcd{i}-server", sk, self._etcd_ca_key, "etcd-ca"),
                _pem_key(sk),
                _cert(f"etcd{i}-peer", pk, self._etcd_ca_key, "etcd-ca"),
                _pem_key(pk),
            )
        self._assets: dict[str, bytes] = {
            "tls/ca.crt": self._ca.encode(),
            "tls/ca.key": _pem_key(self._ca_key).encode(),
            "auth/kubeconfig": self.kubelet_kubeconfig("admin").encode(),
        }
        for i in range(asset_files):
            self._assets[f"manifests/m{i:03d}.yaml"] = (
                f"# manifest {i}\n" + "x" * asset_size + "\n"
            ).encode()

    def kubernetes_ca_pem(self) -> str:
        return self._ca

    @functools.cache  # noqa: B019 - test helper
    def kubelet_kubeconfig(self, role: str) -> str:
        import base64

        doc = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {
                    "name": "local",
                    "cluster": {
                        "server": f"https://{self.cluster}.{self.zone}:6443",
                        "certificate-authority-data": base64.b64encode(self._ca.encode()).decode(),
                    },
                }
            ],
            "users": [{"name": "kubelet", "user": {"token": f"abcdef.{self.token_suffix}"}}],
            "contexts": [{"name": "default", "context": {"cluster": "local", "user": "kubelet"}}],
            "current-context": "default",
        }
        return yaml.safe_dump(doc, sort_keys=False)

    def etcd_tls_files(self, index: int) -> Mapping[str, str]:
        scrt, skey, pcrt, pkey = self._etcd[index]
        return {
            "etcd-client-ca.crt": self._etcd_ca,
            "etcd-client.crt": self._client,
            "etcd-client.key": _pem_key(self._client_key),
            "etcd/server-ca.crt": self._etcd_ca,
            "etcd/server.crt": scrt,
            "etcd/server.key": skey,
            "etcd/peer-ca.crt": self._etcd_ca,
            "etcd/peer.crt": pcrt,
            "etcd/peer.key": pkey,
        }

    def bootkube_assets(self) -> Mapping[str, bytes]:
        return dict(sorted(self._assets.items()))
