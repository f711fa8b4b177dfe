"""Template variables from the cluster model (flatcar.md §7.2), with the model checks the node configs need.

Every value that ends up in a shell script, an env file or a kubelet flag is validated here (labels, taints,
SSH keys, CPU quantities), so templates can place values without quoting logic.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lokonb.assets.versions import IMAGES
from lokonb.errors import ConfigError
from lokonb.kube.labels import (
    dns1123_subdomain_error,
    kubelet_label_error,
    label_key_error,
    label_value_error,
)

# Every image and version is pinned once, in lokonb.assets.versions.
KUBELET_IMAGE = IMAGES["kubelet"]
ETCD_IMAGE = IMAGES["etcd"]
BOOTKUBE_IMAGE = IMAGES["bootkube"]
MAX_USER_WATCHES = 1048576
SYSTEM_RESERVED_CPU = "500m"
KUBE_RESERVED_CPU = "300m"

#: Variables whose values are secrets: a file holding one is marked secret (delivery, diffs, reports).
SECRET_VARIABLES = frozenset({"kubelet_kubeconfig", "etcd_client_key", "etcd_server_key", "etcd_peer_key"})

_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
_CPU = re.compile(r"^[0-9]+(\.[0-9]+)?m?$")


@dataclass(frozen=True)
class Images:
    kubelet: str = KUBELET_IMAGE
    etcd: str = ETCD_IMAGE
    bootkube: str = BOOTKUBE_IMAGE


def _split_image(image: str) -> tuple[str, str]:
    repo, sep, tag = image.rpartition(":")
    if not sep or "/" in tag:
        return image, "latest"
    return repo, tag


def cluster_dns_ip(service_cidr: str) -> str:
    """``cidrhost(service_cidr, 10)``; a prefix too small for it is a model error."""
    try:
        net = ipaddress.ip_network(service_cidr, strict=False)
    except ValueError as exc:
        raise ConfigError(f"service_cidr: {exc}") from None
    if net.num_addresses <= 10:
        raise ConfigError(
            f"service_cidr: {service_cidr} is too small for the cluster DNS address (host 10); "
            "use a /28 or larger"
        )
    return str(net.network_address + 10)


def check_label(field: str, key: str, value: str, *, node_label: bool = True) -> None:
    """Raise ``ConfigError`` naming ``field.key`` for a label the kubelet cannot register (one rule set:
    :mod:`lokonb.kube.labels`, shared with the model's validation). Taint keys (``node_label=False``) have the
    label syntax but not the kubelet's namespace limit: ``--register-with-taints`` may use
    ``node-role.kubernetes.io/...`` as the controllers' own taint does."""
    problem = label_key_error(key) or (kubelet_label_error(key) if node_label else None) or label_value_error(value)
    if problem:
        raise ConfigError(f"{field}.{key}: {problem}")


def node_labels(field: str, labels: Mapping[str, str]) -> str:
    merged = {"node.kubernetes.io/node": ""}
    for k, v in labels.items():
        check_label(field, k, str(v))
        merged[k] = str(v)
    return ",".join(f"{k}={merged[k]}" for k in sorted(merged))


def node_taints(field: str, taints: Mapping[str, str]) -> str:
    out = []
    for key in sorted(taints):
        spec = str(taints[key])
        value, sep, effect = spec.rpartition(":")
        if not sep or effect not in _EFFECTS:
            raise ConfigError(
                f"{field}.{key}: taint must be 'value:Effect' with Effect one of "
                f"{', '.join(_EFFECTS)} (got {spec!r})"
            )
        check_label(field, key, value, node_label=False)
        out.append(f"{key}={value}:{effect}")
    return ",".join(out)


def ssh_keys(field: str, keys: tuple[str, ...] | list[str]) -> list[str]:
    out = []
    for i, key in enumerate(keys):
        if not isinstance(key, str) or re.search(r"[\x00-\x1f\x7f]", key) or not key.strip():
            raise ConfigError(
                f"{field}[{i}]: an SSH public key must be one non-empty line without control characters"
            )
        out.append(key)
    return out


def _cpu(field: str, value: str) -> str:
    if not _CPU.match(value):
        raise ConfigError(f"{field}: invalid CPU quantity {value!r} (e.g. 500m or 1)")
    return value


def _attr(obj: Any, name: str, default: Any) -> Any:
    value = getattr(obj, name, None)
    return default if value in (None, "") else value


def images(model: Any) -> Images:
    return Images(
        kubelet=_attr(model, "kubelet_image", KUBELET_IMAGE),
        etcd=_attr(model, "etcd_image", ETCD_IMAGE),
        bootkube=_attr(model, "bootkube_image", BOOTKUBE_IMAGE),
    )


def common_variables(
    model: Any,
    role: str,
    kubeconfig: str,
    ca_pem: str,
    *,
    labels: str,
    taints: str,
    keys: list[str],
    cpu_manager_policy: str = "none",
    system_reserved: str = SYSTEM_RESERVED_CPU,
    kube_reserved: str = KUBE_RESERVED_CPU,
) -> dict[str, Any]:
    img = images(model)
    url, tag = _split_image(img.kubelet)
    tls_bootstrap = bool(_attr(model, "enable_tls_bootstrap", True))
    if tls_bootstrap:
        flags = (
            "--kubeconfig=/var/lib/kubelet/kubeconfig --bootstrap-kubeconfig=/etc/kubernetes/kubeconfig "
            "--rotate-certificates"
        )
    else:
        flags = "--kubeconfig=/etc/kubernetes/kubeconfig"
    if cpu_manager_policy not in ("none", "static"):
        raise ConfigError(
            f"{role}: cpu_manager_policy must be 'none' or 'static' (got {cpu_manager_policy!r})"
        )
    watches = int(_attr(model, "max_user_watches", MAX_USER_WATCHES))
    return {
        "ssh_keys": keys,
        "cluster_dns_service_ip": cluster_dns_ip(str(_attr(model, "service_cidr", "10.3.0.0/16"))),
        "cluster_domain_suffix": _domain(str(_attr(model, "cluster_domain_suffix", "cluster.local"))),
        "kubelet_kubeconfig_flags": flags,
        "kubelet_image_url": url,
        "kubelet_image_tag": tag,
        "kubelet_image": img.kubelet,
        "node_labels": labels,
        "node_taints": taints,
        "kubelet_kubeconfig": kubeconfig,
        "kubernetes_ca": ca_pem,
        "cpu_manager_policy": cpu_manager_policy,
        "system_reserved_cpu": _cpu(f"{role}.system_reserved_cpu", system_reserved),
        "kube_reserved_cpu": _cpu(f"{role}.kube_reserved_cpu", kube_reserved),
        "max_user_watches": watches,
        "apiserver_url": f"https://{model.cluster_name}.{model.dns_zone}:6443",
        "enable_tls_bootstrap": tls_bootstrap,
        "delete_node_kubeconfig": "/var/lib/kubelet/kubeconfig"
        if tls_bootstrap
        else "/etc/kubernetes/kubeconfig",
    }


def _domain(value: str) -> str:
    if dns1123_subdomain_error(value):
        raise ConfigError(f"cluster_domain_suffix: {value!r} is not a DNS domain")
    return value


def controller_variables(
    model: Any, index: int, kubeconfig: str, ca_pem: str, etcd_files: Mapping[str, str]
) -> dict[str, Any]:
    count = int(model.controller_count)
    zone = model.dns_zone
    name = model.cluster_name
    v = common_variables(
        model,
        f"controller-{index}",
        kubeconfig,
        ca_pem,
        labels="node.kubernetes.io/controller=true,node.kubernetes.io/master=",
        taints="node-role.kubernetes.io/master=:NoSchedule",
        keys=ssh_keys("ssh_pubkeys", tuple(model.ssh_pubkeys)),
    )
    img_url, img_tag = _split_image(images(model).etcd)
    v.update(
        {
            "wait_for_dns_required_by": "kubelet.service etcd.service",
            "etcd_name": f"etcd{index}",
            "etcd_domain": f"{name}-etcd{index}.{zone}",
            "etcd_initial_cluster": ",".join(
                f"etcd{j}=https://{name}-etcd{j}.{zone}:2380" for j in range(count)
            ),
            "etcd_image_url": img_url,
            "etcd_image_tag": img_tag,
            "bootkube_image": images(model).bootkube,
        }
    )
    names = {
        "etcd-client-ca.crt": "etcd_client_ca_crt",
        "etcd-client.crt": "etcd_client_crt",
        "etcd-client.key": "etcd_client_key",
        "etcd/server-ca.crt": "etcd_server_ca_crt",
        "etcd/server.crt": "etcd_server_crt",
        "etcd/server.key": "etcd_server_key",
        "etcd/peer-ca.crt": "etcd_peer_ca_crt",
        "etcd/peer.crt": "etcd_peer_crt",
        "etcd/peer.key": "etcd_peer_key",
    }
    for rel, var in names.items():
        if rel not in etcd_files:
            raise ConfigError(f"etcd TLS file {rel} missing from the cluster assets of controller {index}")
        v[var] = etcd_files[rel]
    return v


def worker_variables(model: Any, pool: Any, kubeconfig: str, ca_pem: str) -> dict[str, Any]:
    field = f"worker_pool.{pool.name}"
    v = common_variables(
        model,
        f"worker-{pool.name}",
        kubeconfig,
        ca_pem,
        labels=node_labels(f"{field}.labels", dict(pool.labels)),
        taints=node_taints(f"{field}.taints", dict(pool.taints)),
        keys=ssh_keys(f"{field}.ssh_pubkeys", tuple(pool.ssh_pubkeys or model.ssh_pubkeys)),
        cpu_manager_policy=str(_attr(pool, "cpu_manager_policy", "none")),
        system_reserved=str(_attr(pool, "system_reserved_cpu", SYSTEM_RESERVED_CPU)),
        kube_reserved=str(_attr(pool, "kube_reserved_cpu", KUBE_RESERVED_CPU)),
    )
    v["wait_for_dns_required_by"] = "kubelet.service"
    return v
