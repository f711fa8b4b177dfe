"""kube-proxy DaemonSet (iptables mode) on every node, with its in-cluster kubeconfig pointing at the API
endpoint.

It cannot use the ``kubernetes`` Service address: kube-proxy is what makes that address work.
"""

from __future__ import annotations

from lokonb.assets import versions
from lokonb.assets.kubeconfig import dump as dump_yaml
from lokonb.assets.manifests.common import (
    TOLERATE_ALL,
    ManifestContext,
    cluster_role_binding,
    host_path,
    meta,
    mount,
    sa_subject,
    service_account,
)

SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"


def command(ctx: ManifestContext) -> list[str]:
    c = ctx.config
    return [
        "kube-proxy",
        f"--cluster-cidr={c.pod_cidr}",
        # 0 keeps the kernel's value (kube-proxy skips setting nf_conntrack_max).
        f"--conntrack-max-per-core={int(c.conntrack_max_per_core)}",
        "--hostname-override=$(NODE_NAME)",
        "--kubeconfig=/etc/kubernetes/kubeconfig",
        "--metrics-bind-address=0.0.0.0",
        "--proxy-mode=iptables",
    ]


def in_cluster_kubeconfig(ctx: ManifestContext) -> str:
    return dump_yaml(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {
                    "name": "local",
                    "cluster": {"server": ctx.api_server_url, "certificate-authority": f"{SA_DIR}/ca.crt"},
                }
            ],
            "users": [{"name": "service-account", "user": {"tokenFile": f"{SA_DIR}/token"}}],
            "contexts": [{"name": "default", "context": {"cluster": "local", "user": "service-account"}}],
            "current-context": "default",
        }
    )


def render(ctx: ManifestContext) -> list[dict]:
    labels = {"tier": "node", "k8s-app": "kube-proxy"}
    return [
        service_account("kube-proxy"),
        cluster_role_binding("kube-proxy", "system:node-proxier", [sa_subject("kube-proxy")]),
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": meta("kubeconfig-in-cluster"),
            "data": {"kubeconfig": in_cluster_kubeconfig(ctx)},
        },
        {
            "apiVersion": "apps/v1",
            "kind": "DaemonSet",
            "metadata": meta("kube-proxy", "kube-system", **labels),
            "spec": {
                "selector": {"matchLabels": labels},
                "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}},
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {
                        "hostNetwork": True,
                        "priorityClassName": "system-node-critical",
                        "serviceAccountName": "kube-proxy",
                        "tolerations": list(TOLERATE_ALL),
                        "containers": [
                            {
                                "name": "kube-proxy",
                                "image": versions.image("kube-proxy"),
                                "command": command(ctx),
                                "env": [
                                    {
                                        "name": "NODE_NAME",
                                        "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}},
                                    }
                                ],
                                "ports": [
                                    {"name": "metrics", "containerPort": 10249},
                                    {"name": "health", "containerPort": 10256},
                                ],
                                "livenessProbe": {
                                    "httpGet": {"path": "/healthz", "port": 10256},
                                    "initialDelaySeconds": 15,
                                    "timeoutSeconds": 15,
                                },
                                "securityContext": {"privileged": True},
                                "volumeMounts": [
                                    mount("kubeconfig", "/etc/kubernetes", True),
                                    mount("lib-modules", "/lib/modules", True),
                                    mount("ssl-certs-host", "/etc/ssl/certs", True),
                                    mount("xtables-lock", "/run/xtables.lock"),
                                ],
                            }
                        ],
                        "volumes": [
                            {"name": "kubeconfig", "configMap": {"name": "kubeconfig-in-cluster"}},
                            host_path("lib-modules", "/lib/modules"),
                            host_path("ssl-certs-host", "/usr/share/ca-certificates"),
                            host_path("xtables-lock", "/run/xtables.lock", "FileOrCreate"),
                        ],
                    },
                },
            },
        },
    ]
