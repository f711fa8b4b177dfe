"""Shared pieces of the manifest renderers: the render context, labels, tolerations, YAML dumping."""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from lokonb.assets.tokens import BootstrapToken

#: Where control-plane containers find their TLS files: the bootstrap pods mount
#: /etc/kubernetes/bootstrap-secrets (bootkube copies the asset tree's tls/ there), the self-hosted ones a
#: Secret.
SECRETS_DIR = "/etc/kubernetes/secrets"
CONTROLLER_SELECTOR = {"node.kubernetes.io/controller": "true"}
CONTROLLER_TOLERATIONS = [
    {"key": "node-role.kubernetes.io/master", "operator": "Exists", "effect": "NoSchedule"},
]
TOLERATE_ALL = [{"operator": "Exists"}]
KUBE_SYSTEM = "kube-system"


@dataclass(frozen=True)
class ManifestContext:
    """Everything the renderers need: the model and the PEM material they embed (``repr`` hides it)."""

    config: Any
    tls: Mapping[str, str] = field(repr=False)  # file name (as under tls/) -> PEM text
    tokens: Sequence[BootstrapToken] = field(repr=False)

    @property
    def api_server_url(self) -> str:
        return f"https://{self.config.cluster_name}.{self.config.dns_zone}:6443"

    def etcd_servers(self) -> str:
        c = self.config
        return ",".join(
            f"https://{c.cluster_name}-etcd{i}.{c.dns_zone}:2379" for i in range(c.controller_count)
        )


def b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def meta(name: str, namespace: str | None = KUBE_SYSTEM, **labels: str) -> dict:
    m: dict[str, Any] = {"name": name}
    if namespace:
        m["namespace"] = namespace
    if labels:
        m["labels"] = dict(labels)
    return m


def secret(name: str, files: Mapping[str, str]) -> dict:
    """An Opaque Secret holding ``files`` (base64, sorted by name)."""
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": meta(name),
        "type": "Opaque",
        "data": {k: b64(files[k]) for k in sorted(files)},
    }


def service_account(name: str) -> dict:
    return {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta(name)}


def cluster_role_binding(name: str, role: str, subjects: list[dict]) -> dict:
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": meta(name, None),
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
        "subjects": subjects,
    }


def sa_subject(name: str) -> dict:
    return {"kind": "ServiceAccount", "name": name, "namespace": KUBE_SYSTEM}


def group_subject(name: str) -> dict:
    return {"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": name}


def host_path(name: str, path: str, type_: str | None = None) -> dict:
    hp: dict[str, Any] = {"path": path}
    if type_:
        hp["type"] = type_
    return {"name": name, "hostPath": hp}


def mount(name: str, path: str, read_only: bool = False) -> dict:
    m: dict[str, Any] = {"name": name, "mountPath": path}
    if read_only:
        m["readOnly"] = True
    return m


def pdb(name: str, app: str) -> dict:
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": meta(name),
        "spec": {"minAvailable": 1, "selector": {"matchLabels": {"k8s-app": app}}},
    }


def control_plane_deployment(app: str, replicas: int, container: dict, *, volumes: Sequence[dict] = (),
                             fs_group: bool = False) -> dict:
    """A self-hosted control-plane Deployment: one replica per controller, spread across them, non-root.

    ``fs_group`` makes mounted Secret files (mode 0440) readable by the non-root user through its group.
    """
    labels = {"tier": "control-plane", "k8s-app": app}
    security: dict[str, Any] = {"runAsNonRoot": True, "runAsUser": 65534}
    if fs_group:
        security["fsGroup"] = 65534
    pod_spec: dict[str, Any] = {
        "affinity": {
            "podAntiAffinity": {
                "preferredDuringSchedulingIgnoredDuringExecution": [{
                    "weight": 100,
                    "podAffinityTerm": {
                        "labelSelector": {"matchLabels": {"k8s-app": app}},
                        "topologyKey": "kubernetes.io/hostname",
                    },
                }]
            }
        },
        "nodeSelector": dict(CONTROLLER_SELECTOR),
        "priorityClassName": "system-cluster-critical",
        "serviceAccountName": app,
        "securityContext": security,
        "tolerations": list(CONTROLLER_TOLERATIONS),
        "containers": [container],
    }
    if volumes:
        pod_spec["volumes"] = list(volumes)
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": meta(app, "kube-system", **labels),
        "spec": {
            "replicas": max(1, int(replicas)),
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": pod_spec},
        },
    }


def dump(docs: Sequence[dict]) -> str:
    """Multi-document YAML, deterministic (key order as built, no sorting surprises)."""
    return "".join("---\n" + yaml.safe_dump(d, sort_keys=False, default_flow_style=False) for d in docs)
