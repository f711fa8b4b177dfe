"""What the renderer needs from the cluster's PKI and bootstrap assets (contracts.md; implemented by
``lokonb.assets.ClusterAssets``). Secrets are returned as text/bytes to place in node configs, never
logged."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, runtime_checkable


@runtime_checkable
class NodeAssets(Protocol):
    def kubernetes_ca_pem(self) -> str:
        """The Kubernetes CA certificate (PEM)."""

    def kubelet_kubeconfig(self, role: str) -> str:
        """Kubelet kubeconfig (YAML; secret) for ``"controller"`` or ``"worker-<pool>"``."""

    def etcd_tls_files(self, index: int) -> Mapping[str, str]:
        """etcd TLS PEMs of controller ``index``, paths relative to ``/etc/ssl/etcd`` (keys secret)."""

    def bootkube_assets(self) -> Mapping[str, bytes]:
        """Files for ``/opt/bootkube/assets/`` on controller-0 (relative paths)."""


def real_assets(config: object) -> NodeAssets:
    """``lokonb.assets.load_or_generate(config)`` — the cluster's real assets (generated when missing)."""
    try:
        from lokonb.assets import load_or_generate
    except ImportError as exc:  # pragma: no cover - the assets package ships with lokonb
        from lokonb.errors import OperationFailed

        raise OperationFailed(f"lokonb.assets is not available ({exc}); cannot build node assets") from None
    return load_or_generate(config)
