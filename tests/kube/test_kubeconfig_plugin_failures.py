"""Kubeconfig users whose credentials cannot be obtained (round 4 of the bad-input sweep): an exec plugin that
exits non-zero or prints something other than an ExecCredential was only logged by the kubernetes client, which went
on without credentials (the audit then failed on the connection or a 401, cause lost); an auth-provider kubectl
removed (gcp) crashed inside the client with an AttributeError (exit 70). Each is now a KubeconfigError naming the
file, the context and the cause; the user's token is never printed."""

from __future__ import annotations

import pytest
import yaml

from lokonb.kube.client import load_api_client
from lokonb.kube.errors import KubeconfigError

TOKEN = "SECRETTOKEN123456"


def _kubeconfig(tmp_path, user):
    doc = {"apiVersion": "v1", "kind": "Config", "current-context": "x",
           "clusters": [{"name": "c", "cluster": {"server": "https://127.0.0.1:1"}}],
           "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}],
           "users": [{"name": "u", "user": user}]}
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(doc))
    return path


def _exec(tmp_path, body):
    script = tmp_path / "plugin"
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(0o755)
    return {"exec": {"apiVersion": "client.authentication.k8s.io/v1beta1", "command": str(script)}}


CASES = [
    # (label, user maker, error fragment or None when the client is built)
    ("exec exits 1", lambda t: _exec(t, "echo denied >&2; exit 1"),
     "context 'x': the user's exec plugin gave no credentials (exec: process returned 1. denied)"),
    ("exec prints no JSON", lambda t: _exec(t, "echo not-json"), "exec: failed to decode process output"),
    ("exec wrong kind", lambda t: _exec(t, "echo '{\"apiVersion\": \"x\"}'"), "exec: malformed response"),
    ("gcp auth-provider", lambda t: {"auth-provider": {"name": "gcp", "config": {}}},
     "uses the auth-provider 'gcp', which kubectl removed in 1.26"),
    ("azure auth-provider", lambda t: {"auth-provider": {"name": "azure", "config": {}}}, "kubelogin"),
    ("token", lambda t: {"token": TOKEN}, None),
    ("exec with a credential", lambda t: _exec(t, "echo '{\"apiVersion\": \"client.authentication.k8s.io/v1beta1\","
                                                  " \"kind\": \"ExecCredential\", \"status\": {\"token\": \"" + TOKEN
                                                  + "\"}}'"), None),
]


@pytest.mark.parametrize("label,user,fragment", CASES, ids=[c[0] for c in CASES])
def test_credentials_that_cannot_be_obtained_are_named(tmp_path, label, user, fragment):
    path = _kubeconfig(tmp_path, user(tmp_path))
    if fragment is None:
        assert load_api_client(path) is not None
        return
    with pytest.raises(KubeconfigError) as exc:
        load_api_client(path)
    assert fragment in str(exc.value) and str(path) in str(exc.value) and TOKEN not in str(exc.value)


def test_kubeconfig_list_names_the_failing_plugin_too(tmp_path, monkeypatch):
    first = _kubeconfig(tmp_path, _exec(tmp_path, "exit 3"))
    other = tmp_path / "other.yaml"
    other.write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "Config", "users": [], "clusters": [],
                                     "contexts": []}))
    monkeypatch.setenv("KUBECONFIG", f"{first}:{other}")
    with pytest.raises(KubeconfigError, match=r"exec: process returned 3"):
        load_api_client(None)
