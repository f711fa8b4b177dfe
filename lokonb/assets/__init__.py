"""Cluster bootstrap assets: PKI, kubeconfigs, bootstrap tokens, control-plane and add-on manifests.

The public entry point is :func:`load_or_generate`, which returns a :class:`ClusterAssets` (the ``NodeAssets``
provider the Flatcar renderer places into node configs). Heavy work happens only when it is called.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lokonb.assets.errors import AssetCheckError, AssetError

if TYPE_CHECKING:  # pragma: no cover
    from lokonb.assets.bundle import ClusterAssets, load_or_generate
    from lokonb.assets.check import check_dir

__all__ = ["AssetCheckError", "AssetError", "ClusterAssets", "check_dir", "load_or_generate"]


def __getattr__(name: str) -> Any:
    # Lazy: `import lokonb.assets` must not import cryptography/yaml machinery.
    if name in ("ClusterAssets", "load_or_generate"):
        from lokonb.assets import bundle

        return getattr(bundle, name)
    if name == "check_dir":
        from lokonb.assets.check import check_dir

        return check_dir
    raise AttributeError(name)
