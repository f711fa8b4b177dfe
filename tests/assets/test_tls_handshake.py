"""The kubeconfigs work over real TLS: a local HTTPS server presenting the generated API server certificate
and requiring client certificates from the Kubernetes CA (as kube-apiserver's --client-ca-file does) answers
the kubernetes client configured from the admin kubeconfig; a foreign client certificate is refused; the
kubelet bootstrap kubeconfig presents its bootstrap token."""

from __future__ import annotations

import json
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import urllib3
import yaml
from kubernetes import client as k8s
from kubernetes import config as k8s_config

from lokonb.assets import load_or_generate

from .conftest import make_config

VERSION = {
    "major": "1",
    "minor": "21",
    "gitVersion": "v1.21.4",
    "gitCommit": "3cce4a82b44f032d0cd1a1790e6d2f5a55d20aae",
    "gitTreeState": "clean",
    "buildDate": "2021-08-11T18:10:22Z",
    "goVersion": "go1.16.7",
    "compiler": "gc",
    "platform": "linux/amd64",
}


class _Handler(BaseHTTPRequestHandler):
    seen: list[dict] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        cert = self.connection.getpeercert()
        subject = {k: v for rdn in (cert or {}).get("subject", ()) for k, v in rdn}
        self.seen.append(
            {"path": self.path, "subject": subject, "authorization": self.headers.get("Authorization", "")}
        )
        body = json.dumps(VERSION).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def apiserver(generated, tmp_path):
    tls = generated.root / "tls"
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(tls / "apiserver.crt", tls / "apiserver.key")
    ctx.load_verify_locations(tls / "ca.crt")
    ctx.verify_mode = ssl.CERT_OPTIONAL  # bootstrap tokens come without a client certificate
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    _Handler.seen = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def _client(kubeconfig_text: str, server: str, tmp_path) -> k8s.ApiClient:
    doc = yaml.safe_load(kubeconfig_text)
    doc["clusters"][0]["cluster"]["server"] = server  # the endpoint's DNS name -> this test server
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(doc))
    cfg = k8s.Configuration()
    k8s_config.load_kube_config(config_file=str(path), client_configuration=cfg)
    cfg.retries = 0
    return k8s.ApiClient(cfg)


def test_admin_kubeconfig_authenticates_with_its_client_certificate(generated, apiserver, tmp_path):
    version = k8s.VersionApi(_client(generated.admin_kubeconfig(), apiserver, tmp_path)).get_code()
    assert version.git_version == "v1.21.4"
    (req,) = _Handler.seen
    assert req["subject"] == {"organizationName": "system:masters", "commonName": "admin"}


def test_bootstrap_kubeconfig_sends_its_token_and_verifies_the_server(generated, apiserver, tmp_path):
    api = _client(generated.kubelet_kubeconfig("worker-web"), apiserver, tmp_path)
    k8s.VersionApi(api).get_code()
    (req,) = _Handler.seen
    assert req["authorization"] == f"Bearer {generated.bootstrap_tokens['worker-web'].value}"
    assert req["subject"] == {}


def test_foreign_client_certificate_and_foreign_ca_are_refused(generated, apiserver, tmp_path):
    other = load_or_generate(make_config(tmp_path / "other", controller_count=1), tmp_path / "other")
    foreign = yaml.safe_load(other.admin_kubeconfig())
    mine = yaml.safe_load(generated.admin_kubeconfig())
    # our CA (so the client trusts the server) but the other cluster's client certificate
    foreign["clusters"] = mine["clusters"]
    with pytest.raises((urllib3.exceptions.HTTPError, ssl.SSLError, OSError)):
        k8s.VersionApi(_client(yaml.safe_dump(foreign), apiserver, tmp_path)).get_code()
    # the other cluster's CA: the client refuses our API server certificate
    with pytest.raises((urllib3.exceptions.HTTPError, ssl.SSLError, OSError)):
        k8s.VersionApi(_client(other.admin_kubeconfig(), apiserver, tmp_path)).get_code()
    assert not [r for r in _Handler.seen if r["subject"]]
