"""Every image and version the cluster assets pin, in one place.

Kubernetes v1.21.4 matches the kubelet image the Flatcar node templates run
(``quay.io/kinvolk/kubelet:v1.21.4``, flatcar.md §7.2): those templates run the kubelet with Docker and
``--network-plugin=cni``, which kubelets >= 1.24 no longer support, and the API server may not be older
than its kubelets. Lokomotive v0.9 shipped the same set.

Schema validation (tests): every manifest is validated strictly against the Kubernetes v1.21.0 API schemas
(vendored test data, extracted from kubernetes-validate 1.28.3, the last release shipping 1.21), and with the
installed kubernetes-validate (1.37, schemas from 1.25 on) against 1.25.0, so the manifests also survive the
next upgrades; each apiVersion/kind must be served by 1.21 (``lokonb.assets.check.SERVED_APIS``).
"""

from __future__ import annotations

from typing import Final

#: Control-plane Kubernetes version (kube-apiserver, controller-manager, scheduler, kube-proxy).
KUBERNETES_VERSION: Final = "v1.21.4"

#: The oldest Kubernetes API schema the installed kubernetes-validate ships (tests also validate against the
#: exact pinned minor, 1.21, from vendored schemas).
SCHEMA_VALIDATION_VERSION: Final = "1.25.0"

_K8S_REGISTRY: Final = "registry.k8s.io"
CALICO_VERSION: Final = "v3.19.2"

IMAGES: Final[dict[str, str]] = {
    "kube-apiserver": f"{_K8S_REGISTRY}/kube-apiserver:{KUBERNETES_VERSION}",
    "kube-controller-manager": f"{_K8S_REGISTRY}/kube-controller-manager:{KUBERNETES_VERSION}",
    "kube-scheduler": f"{_K8S_REGISTRY}/kube-scheduler:{KUBERNETES_VERSION}",
    "kube-proxy": f"{_K8S_REGISTRY}/kube-proxy:{KUBERNETES_VERSION}",
    "coredns": f"{_K8S_REGISTRY}/coredns/coredns:v1.8.4",
    "calico-node": f"docker.io/calico/node:{CALICO_VERSION}",
    "calico-cni": f"docker.io/calico/cni:{CALICO_VERSION}",
    "calico-kube-controllers": f"docker.io/calico/kube-controllers:{CALICO_VERSION}",
    # bootkube's checkpointer as Lokomotive pinned it (talks to the Docker shim, like the v1.21 kubelet).
    "pod-checkpointer": "docker.io/kinvolk/pod-checkpointer:d1c58443fe7d7d33aa5bf7d80d65d299be6e5847",
    # Node-side images (the Flatcar templates own where they run; listed so one table names every version).
    "kubelet": "quay.io/kinvolk/kubelet:v1.21.4",
    "etcd": "quay.io/coreos/etcd:v3.4.16",
    "bootkube": "quay.io/kinvolk/bootkube:v0.14.0-helm4",
}


def image(name: str) -> str:
    """Return the pinned image reference for component ``name`` (KeyError names the component)."""
    try:
        return IMAGES[name]
    except KeyError:
        raise KeyError(
            f"no pinned image for component {name!r}; known: {', '.join(sorted(IMAGES))}"
        ) from None
