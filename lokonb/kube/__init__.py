"""Kubernetes access for lokonb: kubeconfig loading, EC2 metadata-access policies (render, audit, apply).

Importing this package is cheap: submodules import the ``kubernetes`` client and pandas only when called.
Modules: :mod:`lokonb.kube.client` (kubeconfig/context), :mod:`lokonb.kube.metadata` (policy rendering,
``render_block_policy``), :mod:`lokonb.kube.audit` (who can reach 169.254.169.254), :mod:`lokonb.kube.sources`
(manifest dumps and live clusters), :mod:`lokonb.kube.apply` (create/replace, dry run, live check).
"""

from __future__ import annotations
