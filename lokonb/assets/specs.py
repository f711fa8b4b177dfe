"""The certificate table: which CAs and certificates a cluster needs, derived from the model.

One row per certificate; :mod:`lokonb.assets.bundle` generates, reuses or regenerates each row and
:mod:`lokonb.assets.check` verifies the files against the same rows.
"""

from __future__ import annotations

from typing import Any

from lokonb.assets.network import apiserver_service_ip
from lokonb.assets.pki import CertSpec

KUBERNETES_CA = "ca"
ETCD_CA = "etcd-ca"
AGGREGATION_CA = "aggregation-ca"

CA_SPECS: tuple[CertSpec, ...] = (
    CertSpec(KUBERNETES_CA, "kubernetes-ca", purpose="Kubernetes cluster CA (API server, kubelets, clients)"),
    CertSpec(ETCD_CA, "etcd-ca", purpose="etcd CA (server, peer and client certificates)"),
    CertSpec(AGGREGATION_CA, "kubernetes-front-proxy-ca", purpose="front-proxy CA for API aggregation"),
)


def etcd_domain(config: Any, index: int) -> str:
    """``<cluster_name>-etcd<i>.<dns_zone>`` (flatcar.md §7.2)."""
    return f"{config.cluster_name}-etcd{index}.{config.dns_zone}"


#: RFC 5280 ub-common-name: a subject CN has at most 64 characters (the cryptography library refuses more).
MAX_COMMON_NAME = 64


def etcd_common_name(config: Any, index: int) -> str:
    """The etcd member's domain when it fits in a CN, else its member name ``etcd<i>``.

    A cluster_name of 28 characters and a long dns_zone give domains past 64 characters; TLS checks the
    SANs (which always hold the domain), so only the CN needs a shorter stand-in.
    """
    domain = etcd_domain(config, index)
    return domain if len(domain) <= MAX_COMMON_NAME else f"etcd{index}"


def api_endpoint(config: Any) -> str:
    return f"{config.cluster_name}.{config.dns_zone}"


def leaf_specs(config: Any) -> tuple[CertSpec, ...]:
    """Every leaf certificate the model needs, in generation order."""
    suffix = config.cluster_domain_suffix
    rows = [
        CertSpec(
            "apiserver",
            "kube-apiserver",
            KUBERNETES_CA,
            dns_names=(
                api_endpoint(config),
                "kubernetes",
                "kubernetes.default",
                "kubernetes.default.svc",
                f"kubernetes.default.svc.{suffix}",
            ),
            ip_addresses=(apiserver_service_ip(config.service_cidr), "127.0.0.1"),
            usages=("server",),
            purpose="kube-apiserver serving certificate",
        ),
        CertSpec(
            "apiserver-kubelet-client",
            "kube-apiserver-kubelet-client",
            KUBERNETES_CA,
            organizations=("system:masters",),
            usages=("client",),
            purpose="kube-apiserver -> kubelet client (logs, exec, port-forward)",
        ),
        CertSpec(
            "admin",
            "admin",
            KUBERNETES_CA,
            organizations=("system:masters",),
            usages=("client",),
            purpose="cluster administrator (admin kubeconfig)",
        ),
        CertSpec(
            "etcd-client",
            "kube-apiserver-etcd-client",
            ETCD_CA,
            usages=("client",),
            purpose="kube-apiserver (and etcdctl on controllers) -> etcd client",
        ),
    ]
    if config.enable_aggregation:
        rows.append(
            CertSpec(
                "aggregation-client",
                "front-proxy-client",
                AGGREGATION_CA,
                usages=("client",),
                purpose="kube-apiserver -> aggregated API servers (front proxy)",
            )
        )
    if not config.enable_tls_bootstrap:
        # Without TLS bootstrap every kubelet shares one client certificate (Lokomotive's behaviour).
        rows.append(
            CertSpec(
                "kubelet",
                "kubelet",
                KUBERNETES_CA,
                organizations=("system:nodes",),
                usages=("client",),
                purpose="shared kubelet client certificate (no TLS bootstrap)",
            )
        )
    for i in range(config.controller_count):
        names = (etcd_domain(config, i), "localhost")
        rows.append(
            CertSpec(
                f"etcd/etcd{i}/server",
                etcd_common_name(config, i),
                ETCD_CA,
                dns_names=names,
                ip_addresses=("127.0.0.1",),
                usages=("server", "client"),
                purpose=f"etcd member etcd{i} serving certificate",
            )
        )
        rows.append(
            CertSpec(
                f"etcd/etcd{i}/peer",
                etcd_common_name(config, i),
                ETCD_CA,
                dns_names=names,
                ip_addresses=("127.0.0.1",),
                usages=("server", "client"),
                purpose=f"etcd member etcd{i} peer certificate",
            )
        )
    return tuple(rows)


def all_specs(config: Any) -> tuple[CertSpec, ...]:
    return CA_SPECS + leaf_specs(config)
