"""kube-controller-manager: bootstrap static pod and self-hosted Deployment.

It signs kubelet client CSRs with the Kubernetes CA (TLS bootstrap) and runs the bootstrap-token
signer/cleaner.
"""

from __future__ import annotations

from typing import Any

from lokonb.assets import versions
from lokonb.assets.manifests.common import (
    SECRETS_DIR,
    ManifestContext,
    cluster_role_binding,
    control_plane_deployment,
    host_path,
    meta,
    mount,
    pdb,
    sa_subject,
    secret,
    service_account,
)

S = SECRETS_DIR
SECRET_FILES = ("ca.crt", "ca.key", "service-account.key")


def command(config: Any, *, bootstrap: bool) -> list[str]:
    flags = [
        "kube-controller-manager",
        "--allocate-node-cidrs=false",  # Calico IPAM assigns pod addresses
        f"--cluster-signing-cert-file={S}/ca.crt",
        f"--cluster-signing-key-file={S}/ca.key",
        f"--cluster-signing-duration={int(config.certs_validity_period_hours)}h",
        "--controllers=*,bootstrapsigner,tokencleaner",
        "--leader-elect=true",
        f"--root-ca-file={S}/ca.crt",
        f"--service-account-private-key-file={S}/service-account.key",
        f"--service-cluster-ip-range={config.service_cidr}",
        "--use-service-account-credentials=true",
    ]
    if bootstrap:
        flags += [
            f"--kubeconfig={S}/bootstrap-kubeconfig",
            f"--authentication-kubeconfig={S}/bootstrap-kubeconfig",
            f"--authorization-kubeconfig={S}/bootstrap-kubeconfig",
        ]
    return flags


def _container(config: Any, bootstrap: bool) -> dict:
    return {
        "name": "kube-controller-manager",
        "image": versions.image("kube-controller-manager"),
        "command": command(config, bootstrap=bootstrap),
        "volumeMounts": [mount("secrets", S, True), mount("ssl-certs-host", "/etc/ssl/certs", True)],
        "livenessProbe": {
            "httpGet": {"scheme": "HTTPS", "path": "/healthz", "port": 10257},
            "initialDelaySeconds": 15,
            "timeoutSeconds": 15,
        },
    }


def bootstrap_pod(ctx: ManifestContext) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta(
            "bootstrap-kube-controller-manager", "kube-system", **{"k8s-app": "kube-controller-manager"}
        ),
        "spec": {
            "hostNetwork": True,
            "containers": [_container(ctx.config, True)],
            "volumes": [
                host_path("secrets", "/etc/kubernetes/bootstrap-secrets"),
                host_path("ssl-certs-host", "/usr/share/ca-certificates"),
            ],
        },
    }


def self_hosted(ctx: ManifestContext) -> list[dict]:
    return [
        secret("kube-controller-manager", {n: ctx.tls[n] for n in SECRET_FILES}),
        service_account("kube-controller-manager"),
        cluster_role_binding(
            "kube-controller-manager",
            "system:kube-controller-manager",
            [sa_subject("kube-controller-manager")],
        ),
        control_plane_deployment(
            "kube-controller-manager", ctx.config.controller_count, _container(ctx.config, False),
            volumes=[
                {"name": "secrets", "secret": {"secretName": "kube-controller-manager", "defaultMode": 0o440}},
                host_path("ssl-certs-host", "/usr/share/ca-certificates"),
            ],
            fs_group=True,  # non-root; the Secret's files are group-readable for fsGroup only (0440)
        ),
        pdb("kube-controller-manager", "kube-controller-manager"),
    ]


