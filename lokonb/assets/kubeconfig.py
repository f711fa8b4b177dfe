"""Kubeconfigs built as data and dumped with a safe YAML dumper (never text templates)."""

from __future__ import annotations

import base64

import yaml


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("ascii")).decode("ascii")


def dump(doc: dict) -> str:
    return yaml.safe_dump(doc, sort_keys=False, default_flow_style=False)


def admin_kubeconfig(*, cluster_name: str, server: str, ca_pem: str, cert_pem: str, key_pem: str) -> str:
    """Admin kubeconfig (client certificate in ``system:masters``); written for the user after apply."""
    user = f"{cluster_name}-admin"
    context = f"{user}@{cluster_name}"
    return dump(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {
                    "name": cluster_name,
                    "cluster": {"server": server, "certificate-authority-data": _b64(ca_pem)},
                }
            ],
            "users": [
                {
                    "name": user,
                    "user": {"client-certificate-data": _b64(cert_pem), "client-key-data": _b64(key_pem)},
                }
            ],
            "contexts": [{"name": context, "context": {"cluster": cluster_name, "user": user}}],
            "current-context": context,
            "preferences": {},
        }
    )


def kubelet_bootstrap_kubeconfig(*, server: str, ca_pem: str, token: str) -> str:
    """Bootstrap-token kubeconfig (flatcar.md §7.3): cluster ``local``, user ``kubelet``, context
    ``default``."""
    return _kubelet(server, ca_pem, {"token": token})


def kubelet_cert_kubeconfig(*, server: str, ca_pem: str, cert_pem: str, key_pem: str) -> str:
    """Client-certificate kubeconfig for kubelets when TLS bootstrap is disabled."""
    return _kubelet(
        server, ca_pem, {"client-certificate-data": _b64(cert_pem), "client-key-data": _b64(key_pem)}
    )


def _kubelet(server: str, ca_pem: str, user: dict) -> str:
    return dump(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {"name": "local", "cluster": {"server": server, "certificate-authority-data": _b64(ca_pem)}}
            ],
            "users": [{"name": "kubelet", "user": user}],
            "contexts": [{"name": "default", "context": {"cluster": "local", "user": "kubelet"}}],
            "current-context": "default",
        }
    )
