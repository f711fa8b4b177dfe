"""kube-apiserver: the bootstrap static pod (bootkube's temporary control plane) and the self-hosted
DaemonSet.

Flags are a table of (flag, value, condition) rows so the OIDC and aggregation switches stay visible as data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lokonb.assets import versions
from lokonb.assets.manifests.common import (
    CONTROLLER_SELECTOR,
    CONTROLLER_TOLERATIONS,
    SECRETS_DIR,
    ManifestContext,
    host_path,
    meta,
    mount,
    secret,
)

S = SECRETS_DIR
Row = tuple[str, Callable[[Any], str], Callable[[Any], bool]]


def _always(_: Any) -> bool:
    return True


def _aggregation(c: Any) -> bool:
    return bool(c.enable_aggregation)


def _oidc(c: Any) -> bool:
    return c.oidc is not None


FLAGS: tuple[Row, ...] = (
    ("--advertise-address", lambda c: "$(POD_IP)", _always),
    ("--allow-privileged", lambda c: "true", _always),
    ("--anonymous-auth", lambda c: "false", _always),
    ("--authorization-mode", lambda c: "Node,RBAC", _always),
    ("--bind-address", lambda c: "0.0.0.0", _always),  # noqa: S104 - serves the node addresses
    ("--client-ca-file", lambda c: f"{S}/ca.crt", _always),
    ("--enable-admission-plugins", lambda c: "NodeRestriction", _always),
    ("--enable-bootstrap-token-auth", lambda c: "true", _always),
    ("--etcd-cafile", lambda c: f"{S}/etcd-client-ca.crt", _always),
    ("--etcd-certfile", lambda c: f"{S}/etcd-client.crt", _always),
    ("--etcd-keyfile", lambda c: f"{S}/etcd-client.key", _always),
    (
        "--etcd-servers",
        lambda c: ",".join(
            f"https://{c.cluster_name}-etcd{i}.{c.dns_zone}:2379" for i in range(c.controller_count)
        ),
        _always,
    ),
    ("--kubelet-client-certificate", lambda c: f"{S}/apiserver-kubelet-client.crt", _always),
    ("--kubelet-client-key", lambda c: f"{S}/apiserver-kubelet-client.key", _always),
    ("--kubelet-preferred-address-types", lambda c: "InternalIP,ExternalIP,Hostname", _always),
    ("--secure-port", lambda c: "6443", _always),
    (
        "--service-account-issuer",
        lambda c: f"https://kubernetes.default.svc.{c.cluster_domain_suffix}",
        _always,
    ),
    ("--service-account-key-file", lambda c: f"{S}/service-account.pub", _always),
    ("--service-account-signing-key-file", lambda c: f"{S}/service-account.key", _always),
    ("--service-cluster-ip-range", lambda c: str(c.service_cidr), _always),
    ("--storage-backend", lambda c: "etcd3", _always),
    ("--tls-cert-file", lambda c: f"{S}/apiserver.crt", _always),
    ("--tls-private-key-file", lambda c: f"{S}/apiserver.key", _always),
    # API aggregation (front proxy).
    ("--proxy-client-cert-file", lambda c: f"{S}/aggregation-client.crt", _aggregation),
    ("--proxy-client-key-file", lambda c: f"{S}/aggregation-client.key", _aggregation),
    ("--requestheader-allowed-names", lambda c: "front-proxy-client", _aggregation),
    ("--requestheader-client-ca-file", lambda c: f"{S}/aggregation-ca.crt", _aggregation),
    ("--requestheader-extra-headers-prefix", lambda c: "X-Remote-Extra-", _aggregation),
    ("--requestheader-group-headers", lambda c: "X-Remote-Group", _aggregation),
    ("--requestheader-username-headers", lambda c: "X-Remote-User", _aggregation),
    # OIDC (present `oidc` block, defaults filled by the model).
    ("--oidc-issuer-url", lambda c: c.oidc.issuer_url, _oidc),
    ("--oidc-client-id", lambda c: c.oidc.client_id, _oidc),
    ("--oidc-username-claim", lambda c: c.oidc.username_claim, _oidc),
    ("--oidc-groups-claim", lambda c: c.oidc.groups_claim, _oidc),
)


#: tls/ files the API server reads (the self-hosted Secret holds exactly these).
def secret_files(config: Any) -> tuple[str, ...]:
    names = [
        "ca.crt",
        "apiserver.crt",
        "apiserver.key",
        "apiserver-kubelet-client.crt",
        "apiserver-kubelet-client.key",
        "service-account.pub",
        "service-account.key",
        "etcd-client-ca.crt",
        "etcd-client.crt",
        "etcd-client.key",
    ]
    if config.enable_aggregation:
        names += ["aggregation-ca.crt", "aggregation-client.crt", "aggregation-client.key"]
    return tuple(names)


def _env(config: Any) -> list[dict]:
    env: list[dict] = [{"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}}]
    if config.ignore_x509_cn_check:
        # Go >= 1.15 ignores the CN of certificates without SANs; old webhooks still rely on it.
        env.append({"name": "GODEBUG", "value": "x509ignoreCN=0"})
    return env


def command(config: Any) -> list[str]:
    return ["kube-apiserver"] + [f"{flag}={value(config)}" for flag, value, cond in FLAGS if cond(config)]


def _container(config: Any) -> dict:
    return {
        "name": "kube-apiserver",
        "image": versions.image("kube-apiserver"),
        "command": command(config),
        "env": _env(config),
        "volumeMounts": [mount("secrets", S, True), mount("ssl-certs-host", "/etc/ssl/certs", True)],
        "livenessProbe": {
            "tcpSocket": {"host": "127.0.0.1", "port": 6443},
            "initialDelaySeconds": 15,
            "timeoutSeconds": 15,
        },
    }


def bootstrap_pod(ctx: ManifestContext) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta("bootstrap-kube-apiserver", "kube-system", **{"k8s-app": "kube-apiserver"}),
        "spec": {
            "hostNetwork": True,
            "priorityClassName": "system-cluster-critical",
            "containers": [_container(ctx.config)],
            "volumes": [
                host_path("secrets", "/etc/kubernetes/bootstrap-secrets"),
                host_path("ssl-certs-host", "/usr/share/ca-certificates"),
            ],
        },
    }


def self_hosted(ctx: ManifestContext) -> list[dict]:
    files = {name: ctx.tls[name] for name in secret_files(ctx.config)}
    labels = {"tier": "control-plane", "k8s-app": "kube-apiserver"}
    return [
        secret("kube-apiserver", files),
        {
            "apiVersion": "apps/v1",
            "kind": "DaemonSet",
            "metadata": meta("kube-apiserver", "kube-system", **labels),
            "spec": {
                "selector": {"matchLabels": labels},
                "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}},
                "template": {
                    # checkpointed: the API server survives a controller reboot (see checkpointer.py)
                    "metadata": {
                        "labels": labels,
                        "annotations": {"checkpointer.alpha.coreos.com/checkpoint": "true"},
                    },
                    "spec": {
                        "hostNetwork": True,
                        "nodeSelector": dict(CONTROLLER_SELECTOR),
                        "priorityClassName": "system-cluster-critical",
                        "tolerations": list(CONTROLLER_TOLERATIONS),
                        "containers": [_container(ctx.config)],
                        "volumes": [
                            {
                                "name": "secrets",
                                "secret": {"secretName": "kube-apiserver", "defaultMode": 0o400},
                            },
                            host_path("ssl-certs-host", "/usr/share/ca-certificates"),
                        ],
                    },
                },
            },
        },
    ]
