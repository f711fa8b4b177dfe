"""Addresses derived from the cluster model's CIDRs (Terraform ``cidrhost`` semantics)."""

from __future__ import annotations

import ipaddress

from lokonb.assets.errors import AssetModelError


def cidrhost(cidr: str, host: int, *, field: str) -> str:
    """The ``host``-th address of ``cidr`` (network address + host), as Terraform's ``cidrhost``."""
    try:
        net = ipaddress.ip_network(cidr, strict=False)
    except ValueError as exc:
        raise AssetModelError(f"{field}: {cidr!r} is not a CIDR ({exc})") from None
    if host >= net.num_addresses:
        raise AssetModelError(
            f"{field}: {cidr} has {net.num_addresses} addresses; host number {host} "
            "does not fit (use a prefix of /28 or larger)"
        )
    return str(net.network_address + host)


def apiserver_service_ip(service_cidr: str) -> str:
    """First service IP (the ``kubernetes`` Service), network address + 1."""
    return cidrhost(service_cidr, 1, field="service_cidr")


def cluster_dns_ip(service_cidr: str) -> str:
    """Cluster DNS Service IP: network address + 10 (``10.3.0.0/16`` -> ``10.3.0.10``)."""
    return cidrhost(service_cidr, 10, field="service_cidr")
