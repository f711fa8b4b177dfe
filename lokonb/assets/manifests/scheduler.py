"""kube-scheduler: bootstrap static pod and self-hosted Deployment."""

from __future__ import annotations

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
    service_account,
)


def _container(bootstrap: bool) -> dict:
    cmd = ["kube-scheduler", "--leader-elect=true"]
    c: dict = {
        "name": "kube-scheduler",
        "image": versions.image("kube-scheduler"),
        "command": cmd,
        "livenessProbe": {
            "httpGet": {"scheme": "HTTPS", "path": "/healthz", "port": 10259},
            "initialDelaySeconds": 15,
            "timeoutSeconds": 15,
        },
    }
    if bootstrap:
        kc = f"{SECRETS_DIR}/bootstrap-kubeconfig"
        cmd += [f"--kubeconfig={kc}", f"--authentication-kubeconfig={kc}", f"--authorization-kubeconfig={kc}"]
        c["volumeMounts"] = [mount("secrets", SECRETS_DIR, True)]
    return c


def bootstrap_pod(ctx: ManifestContext) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta("bootstrap-kube-scheduler", "kube-system", **{"k8s-app": "kube-scheduler"}),
        "spec": {
            "hostNetwork": True,
            "containers": [_container(True)],
            "volumes": [host_path("secrets", "/etc/kubernetes/bootstrap-secrets")],
        },
    }


def self_hosted(ctx: ManifestContext) -> list[dict]:
    return [
        service_account("kube-scheduler"),
        cluster_role_binding("kube-scheduler", "system:kube-scheduler", [sa_subject("kube-scheduler")]),
        cluster_role_binding(
            "kube-scheduler-volume", "system:volume-scheduler", [sa_subject("kube-scheduler")]
        ),
        control_plane_deployment("kube-scheduler", ctx.config.controller_count, _container(False)),
        pdb("kube-scheduler", "kube-scheduler"),
    ]
