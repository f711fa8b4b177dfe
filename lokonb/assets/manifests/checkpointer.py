"""pod-checkpointer (bootkube's): keeps self-hosted control-plane pods running across controller reboots.

After a reboot the kubelet knows no pods until an API server answers, but the API server itself is a pod. The
checkpointer saves annotated pods (``checkpointer.alpha.coreos.com/checkpoint: "true"``: the kube-apiserver
and itself) as static pods on the controller and activates them when the parent pod is gone.
"""

from __future__ import annotations

from lokonb.assets import versions
from lokonb.assets.manifests.common import (
    CONTROLLER_SELECTOR,
    CONTROLLER_TOLERATIONS,
    ManifestContext,
    host_path,
    meta,
    mount,
    service_account,
)

CHECKPOINT_ANNOTATION = {"checkpointer.alpha.coreos.com/checkpoint": "true"}


def _env(name: str, path: str) -> dict:
    return {"name": name, "valueFrom": {"fieldRef": {"fieldPath": path}}}


def render(ctx: ManifestContext) -> list[dict]:
    labels = {"tier": "control-plane", "k8s-app": "pod-checkpointer"}
    rbac = "rbac.authorization.k8s.io/v1"
    return [
        service_account("pod-checkpointer"),
        {
            "apiVersion": rbac,
            "kind": "Role",
            "metadata": meta("pod-checkpointer"),
            "rules": [
                {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]},
                {"apiGroups": [""], "resources": ["secrets", "configmaps"], "verbs": ["get"]},
            ],
        },
        {
            "apiVersion": rbac,
            "kind": "RoleBinding",
            "metadata": meta("pod-checkpointer"),
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "pod-checkpointer"},
            "subjects": [{"kind": "ServiceAccount", "name": "pod-checkpointer", "namespace": "kube-system"}],
        },
        {
            "apiVersion": rbac,
            "kind": "ClusterRole",
            "metadata": meta("pod-checkpointer", None),
            "rules": [{"apiGroups": [""], "resources": ["nodes", "nodes/proxy"], "verbs": ["get"]}],
        },
        {
            "apiVersion": rbac,
            "kind": "ClusterRoleBinding",
            "metadata": meta("pod-checkpointer", None),
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "ClusterRole",
                "name": "pod-checkpointer",
            },
            "subjects": [{"kind": "ServiceAccount", "name": "pod-checkpointer", "namespace": "kube-system"}],
        },
        {
            "apiVersion": "apps/v1",
            "kind": "DaemonSet",
            "metadata": meta("pod-checkpointer", "kube-system", **labels),
            "spec": {
                "selector": {"matchLabels": labels},
                "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}},
                "template": {
                    "metadata": {"labels": labels, "annotations": dict(CHECKPOINT_ANNOTATION)},
                    "spec": {
                        "hostNetwork": True,
                        "nodeSelector": dict(CONTROLLER_SELECTOR),
                        "priorityClassName": "system-node-critical",
                        "serviceAccountName": "pod-checkpointer",
                        "tolerations": list(CONTROLLER_TOLERATIONS),
                        "containers": [
                            {
                                "name": "pod-checkpointer",
                                "image": versions.image("pod-checkpointer"),
                                "command": [
                                    "/checkpoint",
                                    "--lock-file=/var/run/lock/pod-checkpointer.lock",
                                    "--kubeconfig=/etc/checkpointer/kubeconfig",
                                    "--checkpoint-grace-period=5m",
                                    "--container-runtime-endpoint=unix:///var/run/dockershim.sock",
                                ],
                                "env": [
                                    _env("NODE_NAME", "spec.nodeName"),
                                    _env("POD_NAME", "metadata.name"),
                                    _env("POD_NAMESPACE", "metadata.namespace"),
                                ],
                                "volumeMounts": [
                                    mount("kubeconfig", "/etc/checkpointer", True),
                                    mount("etc-kubernetes", "/etc/kubernetes"),
                                    mount("var-run", "/var/run"),
                                ],
                            }
                        ],
                        # The kube-proxy kubeconfig (API endpoint + service-account token) serves here too.
                        "volumes": [
                            {"name": "kubeconfig", "configMap": {"name": "kubeconfig-in-cluster"}},
                            host_path("etc-kubernetes", "/etc/kubernetes"),
                            host_path("var-run", "/var/run"),
                        ],
                    },
                },
            },
        },
    ]
