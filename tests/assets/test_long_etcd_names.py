"""etcd member domains longer than an X.509 common name (64 characters): a 28-character cluster_name and a long
dns_zone pass the model's rules (DNS names up to 253), so certificate generation must not fail on the CN."""

from __future__ import annotations

import base64
import json
from urllib.parse import unquote_to_bytes

from cryptography import x509
from cryptography.x509.oid import NameOID

from lokonb.assets import load_or_generate
from lokonb.assets.specs import etcd_domain
from lokonb.flatcar import render_cluster

from .conftest import make_config

#: RFC 5280 ub-common-name
MAX_COMMON_NAME = 64
LONG = {"cluster_name": "c" * 28, "dns_zone": "platform-team.eu-central.k8s.example-corp.example",
        "controller_count": 3}


def _cert(config: dict, path: str) -> x509.Certificate:
    for f in config["storage"]["files"]:
        if f["path"] == path:
            head, _, body = f["contents"]["source"].partition(",")
            if head.endswith(";base64"):
                return x509.load_pem_x509_certificate(base64.b64decode(body))
            return x509.load_pem_x509_certificate(unquote_to_bytes(body))
    raise AssertionError(f"{path} missing")


def test_long_etcd_domain_gets_certificates_with_the_domain_in_the_sans(tmp_path):
    cfg = make_config(tmp_path, **LONG)
    assert len(etcd_domain(cfg, 1)) > MAX_COMMON_NAME
    assets = load_or_generate(cfg, tmp_path)
    rendered = render_cluster(cfg, assets=assets)
    config = json.loads(rendered.role("controller-1").compact)
    for kind in ("server", "peer"):
        cert = _cert(config, f"/etc/ssl/etcd/etcd/{kind}.crt")
        sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        assert etcd_domain(cfg, 1) in sans.get_values_for_type(x509.DNSName)
        (cn,) = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        assert len(cn.value) <= MAX_COMMON_NAME
    # the stored certificates match their specs: a second run reuses them instead of regenerating
    again = load_or_generate(cfg, tmp_path)
    assert again.certificate("etcd/etcd1/server").cert == assets.certificate("etcd/etcd1/server").cert


def test_short_etcd_domain_keeps_it_as_the_common_name(tmp_path):
    cfg = make_config(tmp_path, controller_count=1)
    cert = load_or_generate(cfg, tmp_path).certificate("etcd/etcd0/server").cert
    (cn,) = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    assert cn.value == etcd_domain(cfg, 0)
