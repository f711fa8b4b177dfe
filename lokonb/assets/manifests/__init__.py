"""Control-plane and add-on manifests rendered from the cluster model.

The bootkube asset tree has two parts: ``bootstrap-manifests/`` (static pods of bootkube's temporary control
plane, which read their TLS files from ``/etc/kubernetes/bootstrap-secrets``) and ``manifests/`` (what
bootkube
creates through the API: the self-hosted control plane and the add-ons). One table row per file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from lokonb.assets.manifests import (
    apiserver,
    bootstrap_tokens,
    calico,
    checkpointer,
    controller_manager,
    coredns,
    kube_proxy,
    metadata_policy,
    scheduler,
)
from lokonb.assets.manifests.common import ManifestContext, dump

__all__ = ["FILES", "ManifestContext", "ManifestFile", "render", "render_objects"]


@dataclass(frozen=True)
class ManifestFile:
    path: str  # relative to the bootkube asset dir
    build: Callable[[ManifestContext], list[dict]]
    secret: bool  # holds keys or tokens
    purpose: str


FILES: tuple[ManifestFile, ...] = (
    ManifestFile(
        "bootstrap-manifests/bootstrap-apiserver.yaml",
        lambda c: [apiserver.bootstrap_pod(c)],
        False,
        "temporary kube-apiserver static pod",
    ),
    ManifestFile(
        "bootstrap-manifests/bootstrap-controller-manager.yaml",
        lambda c: [controller_manager.bootstrap_pod(c)],
        False,
        "temporary controller-manager static pod",
    ),
    ManifestFile(
        "bootstrap-manifests/bootstrap-scheduler.yaml",
        lambda c: [scheduler.bootstrap_pod(c)],
        False,
        "temporary scheduler static pod",
    ),
    ManifestFile(
        "manifests/kube-apiserver.yaml", apiserver.self_hosted, True, "kube-apiserver DaemonSet + TLS"
    ),
    ManifestFile(
        "manifests/kube-controller-manager.yaml",
        controller_manager.self_hosted,
        True,
        "kube-controller-manager Deployment + signing CA",
    ),
    ManifestFile(
        "manifests/pod-checkpointer.yaml",
        checkpointer.render,
        False,
        "pod-checkpointer: keeps the self-hosted API server up across controller reboots",
    ),
    ManifestFile("manifests/kube-scheduler.yaml", scheduler.self_hosted, False, "kube-scheduler Deployment"),
    ManifestFile("manifests/kube-proxy.yaml", kube_proxy.render, False, "kube-proxy DaemonSet"),
    ManifestFile("manifests/coredns.yaml", coredns.render, False, "CoreDNS and the kube-dns Service"),
    ManifestFile(
        "manifests/kubelet-bootstrap.yaml",
        bootstrap_tokens.render,
        True,
        "bootstrap tokens and TLS-bootstrap / CSR auto-approval RBAC",
    ),
    ManifestFile(
        "manifests/calico-crds.yaml", lambda c: calico.crds(), False, "Calico CustomResourceDefinitions"
    ),
    ManifestFile("manifests/calico.yaml", calico.render, False, "calico-node DaemonSet, RBAC, CNI config"),
    ManifestFile(
        "manifests/calico-config.yaml", calico.custom_resources, False, "Calico IP pool and Felix settings"
    ),
    ManifestFile(
        "manifests/block-metadata-access.yaml",
        lambda c: [metadata_policy.block_policy()],
        False,
        "GlobalNetworkPolicy blocking pod access to the EC2 metadata endpoint",
    ),
)


def render_objects(ctx: ManifestContext) -> dict[str, list[dict]]:
    """Every manifest file as a list of Kubernetes objects (dicts), keyed by path."""
    return {f.path: f.build(ctx) for f in FILES}


def render(ctx: ManifestContext) -> dict[str, str]:
    """Every manifest file as YAML text, keyed by path (deterministic for the same inputs)."""
    return {path: dump(docs) for path, docs in render_objects(ctx).items()}


def secret_paths() -> Mapping[str, bool]:
    return {f.path: f.secret for f in FILES}
