"""The typed, immutable cluster model: :class:`ClusterConfig` and its parts.

Instances are built only by the loaders (``load_yaml``, ``load_lokocfg``), which fill every default and validate;
after that nothing changes them (frozen dataclasses, tuples, :class:`FrozenMap`). ``to_dict()`` gives the resolved
model in the flat form of the configuration reference (cluster attributes at the top, ``worker_pools`` as a list of
objects with a ``name`` key, ``oidc``, ``aws`` and ``state`` blocks); it round-trips through ``load_yaml``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any


class FrozenMap(Mapping[str, str]):
    """A read-only, hashable, picklable ``str -> str`` mapping that keeps insertion order."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, str] | None = None) -> None:
        self._data: dict[str, str] = dict(data or {})

    def __getitem__(self, key: str) -> str:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        return hash(tuple(sorted(self._data.items())))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Mapping) and dict(self._data) == dict(other)

    def __repr__(self) -> str:
        return f"FrozenMap({self._data!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenMap, (self._data,))


@dataclass(frozen=True)
class OidcConfig:
    """The ``oidc`` block: present (even empty) turns on the kube-apiserver ``--oidc-*`` flags."""

    issuer_url: str
    client_id: str = "clusterauth"
    username_claim: str = "email"
    groups_claim: str = "groups"


@dataclass(frozen=True)
class WorkerPool:
    """One ``worker_pool "<name>"``: a launch template + Auto Scaling group, every attribute resolved."""

    name: str
    count: int
    instance_type: str = "t3.small"
    ssh_pubkeys: tuple[str, ...] = ()
    os_channel: str = "stable"
    os_version: str = "current"
    disk_size: int = 40
    disk_type: str = "gp2"
    disk_iops: int = 0
    spot_price: str = ""
    labels: FrozenMap = FrozenMap()
    taints: FrozenMap = FrozenMap()
    clc_snippets: tuple[str, ...] = ()
    cpu_manager_policy: str = "none"
    target_groups: tuple[str, ...] = ()
    tags: FrozenMap = FrozenMap()
    lb_http_port: int = 80
    lb_https_port: int = 443
    spot_instance_types: tuple[str, ...] = ()
    imds_v2_required: bool = True
    metadata_hop_limit: int = 1

    @property
    def is_spot(self) -> bool:
        """True when the pool bids for spot capacity (a spot price or spot instance types are set)."""
        return bool(self.spot_price) or bool(self.spot_instance_types)


@dataclass(frozen=True)
class AwsSettings:
    """How lokonb reaches AWS: endpoint (None = real AWS, ``embedded``, or a URL), credentials and client tuning."""

    endpoint: str | None = None
    region: str = "eu-central-1"
    profile: str | None = None
    shared_credentials_file: Path | None = None
    retry_mode: str = "standard"
    max_attempts: int = 10
    max_concurrency: int = 8
    connect_timeout: float = 10
    read_timeout: float = 60
    waiter_scale: float = 1.0
    flatcar_ami_owner: str = "075585003325"
    ebs_kms_key_id: str | None = None

    @property
    def embedded(self) -> bool:
        """True when lokonb starts its own moto server for the run."""
        return self.endpoint == "embedded"


@dataclass(frozen=True)
class StateSettings:
    """Where the cluster's state record and lock live."""

    backend: str = "local"
    path: Path | None = None
    bucket: str | None = None
    key: str | None = None
    region: str | None = None
    dynamodb_table: str | None = None
    profile: str | None = None
    shared_credentials_file: Path | None = None
    lock: bool = True


#: Attributes left out of :attr:`ClusterConfig.model_hash`: how AWS is reached is not a change of the cluster.
_HASH_EXCLUDED_AWS = ("endpoint", "profile", "shared_credentials_file", "retry_mode", "max_attempts",
                      "max_concurrency", "connect_timeout", "read_timeout", "waiter_scale")


@dataclass(frozen=True)
class ClusterConfig:
    """A validated Lokomotive-style AWS cluster with every default filled in.

    Attribute names and meanings are those of Lokomotive's AWS configuration reference; ``aws``, ``state``,
    ``imds_v2_required``, ``metadata_hop_limit``, ``ignition_spec`` and ``max_user_watches`` are lokonb's additions.
    """

    cluster_name: str
    dns_zone: str
    ssh_pubkeys: tuple[str, ...]
    worker_pools: tuple[WorkerPool, ...]
    asset_dir: Path
    tags: FrozenMap = FrozenMap()
    region: str = "eu-central-1"
    dns_zone_id: str | None = None
    creds_path: Path | None = None
    controller_count: int = 1
    controller_type: str = "t3.medium"
    controller_clc_snippets: tuple[str, ...] = ()
    os_channel: str = "stable"
    os_version: str = "current"
    disk_size: int = 40
    disk_type: str = "gp2"
    disk_iops: int = 0
    network_mtu: int = 1500
    host_cidr: str = "10.0.0.0/16"
    pod_cidr: str = "10.2.0.0/16"
    service_cidr: str = "10.3.0.0/16"
    expose_nodeports: bool = False
    enable_csi: bool = False
    enable_aggregation: bool = True
    enable_reporting: bool = False
    certs_validity_period_hours: int = 8760
    enable_tls_bootstrap: bool = True
    encrypt_pod_traffic: bool = False
    conntrack_max_per_core: int = 32768
    enable_node_local_dns: bool = False
    node_local_dns_ip: str = "169.254.1.1"
    cluster_domain_suffix: str = "cluster.local"
    ignore_x509_cn_check: bool = False
    disable_self_hosted_kubelet: bool = False
    imds_v2_required: bool = True
    metadata_hop_limit: int = 1
    ignition_spec: str = "3.3.0"
    max_user_watches: int = 1048576
    oidc: OidcConfig | None = None
    aws: AwsSettings = AwsSettings()
    state: StateSettings = StateSettings()

    @property
    def api_endpoint(self) -> str:
        """The API server's DNS name, ``<cluster_name>.<dns_zone>`` (port 6443)."""
        return f"{self.cluster_name}.{self.dns_zone}"

    def pool(self, name: str) -> WorkerPool:
        """The worker pool called ``name``; ``KeyError`` if there is none."""
        for pool in self.worker_pools:
            if pool.name == name:
                return pool
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """The resolved model as plain JSON-able data (flat reference form; round-trips through ``load_yaml``).

        Keys follow the configuration reference's order: cluster attributes, ``oidc``, ``worker_pools``, then
        lokonb's ``aws`` and ``state`` blocks.
        """
        from lokonb.config.fields import CLUSTER_FIELDS

        data = {f.name: _plain(getattr(self, f.name)) for f in CLUSTER_FIELDS}
        data["oidc"] = _plain(self.oidc)
        data["worker_pools"] = _plain(self.worker_pools)
        data["aws"] = _plain(self.aws)
        data["state"] = _plain(self.state)
        return data

    @property
    def model_hash(self) -> str:
        """SHA-256 of the canonical JSON of the model, without endpoint/profile/client tuning and ``state``."""
        data = self.to_dict()
        data.pop("state", None)
        aws = data.get("aws", {})
        for key in _HASH_EXCLUDED_AWS:
            aws.pop(key, None)
        canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _plain(value: Any) -> Any:
    """Convert model objects to JSON-able data, keeping field order."""
    if hasattr(value, "__dataclass_fields__"):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value
