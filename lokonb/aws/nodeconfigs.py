"""Node configs as an input of the resource graph (aws.md §5.7, flatcar.md §9).

:func:`render_node_configs` asks ``lokonb.flatcar.render_cluster`` (with ``lokonb.assets.load_or_generate``) for
every role's Ignition config. The graph only needs ``role -> compact JSON bytes``; it uploads each to the cluster's
bucket (content-addressed key) and gives nodes a small pointer config as user data (:func:`pointer_config`).
Callers (tests, other tools) can pass their own mapping instead — that is the seam between rendering and
provisioning.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

USER_DATA_LIMIT = 16384


@dataclass(frozen=True)
class Delivered:
    """How one role's node config reaches its instances (``flatcar.md`` §9)."""

    role: str
    mode: str            # "s3" (object + pointer user data) or "inline" (the config is the user data)
    user_data: bytes
    key: str | None      # S3 object key when mode == "s3"
    body: bytes
    sha512: str


@dataclass(frozen=True)
class NodeConfigs:
    """Rendered Ignition per role (``controller-<i>``, ``worker-<pool>``) and where they came from.

    ``policy`` is flatcar.md's delivery policy: ``auto`` (S3 when the config holds secrets or exceeds 16 KiB,
    inline otherwise), ``s3`` (always) or ``inline``.
    """

    configs: Mapping[str, bytes]
    source: str = "lokonb.flatcar"
    notes: tuple[str, ...] = field(default=())
    specs: Mapping[str, str] = field(default_factory=dict)
    secret: Mapping[str, bool] = field(default_factory=dict)
    policy: str = "auto"

    def sha512(self, role: str) -> str:
        return hashlib.sha512(self.configs[role]).hexdigest()

    def object_key(self, cluster: str, role: str, prefix: str = "") -> str:
        """``<prefix><cluster>/<role>/<sha512[:32]>.ign`` (flatcar.md §9 D5)."""
        return f"{prefix}{cluster}/{role}/{self.sha512(role)[:32]}.ign"

    def deliver(self, cluster: str, role: str, bucket: str) -> Delivered:
        """Inline or S3 per the policy, with lokonb.flatcar's pointer config; user data checked ≤ 16 KiB."""
        from types import SimpleNamespace

        from lokonb.flatcar.delivery import plan_delivery

        node = SimpleNamespace(role=role, spec=self.specs.get(role, "3.3.0"), compact=self.configs[role],
                               secret=self.secret.get(role, True), cluster_name=cluster)
        d = plan_delivery(node, bucket=bucket, policy=self.policy, cluster_name=cluster)
        if len(d.user_data) > USER_DATA_LIMIT:  # moto does not enforce the limit (aws.md §11.3)
            raise ValueError(f"{role}: user data is {len(d.user_data)} bytes, over the EC2 limit of "
                             f"{USER_DATA_LIMIT}")
        return Delivered(role, d.mode, d.user_data, d.key, self.configs[role], d.sha512)


def pointer_config(bucket: str, key: str, body: bytes, version: str = "3.3.0") -> bytes:
    """The user-data pointer (flatcar.md §9 D4), from lokonb.flatcar."""
    from lokonb.flatcar.delivery import pointer_config as _pointer

    return _pointer(bucket, key, body, spec=version)


def roles_of(config: Any) -> list[str]:
    return [f"controller-{i}" for i in range(config.controller_count)] + [
        f"worker-{p.name}" for p in config.worker_pools]


def _compact(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    return json.dumps(value, separators=(",", ":"), sort_keys=True).encode()


def render_node_configs(config: Any, assets: Any = None) -> NodeConfigs:
    """Render every role's node config with lokonb.flatcar and lokonb.assets."""
    from lokonb.flatcar import render_cluster  # noqa: PLC0415 - heavy, optional at import time

    if assets is None:
        from lokonb.assets import load_or_generate

        assets = load_or_generate(config)
    render = render_cluster(config, assets=assets)
    roles = roles_of(config)
    return NodeConfigs({r: render.roles[r].compact for r in roles}, source="lokonb.flatcar",
                       specs={r: render.roles[r].spec for r in roles},
                       secret={r: bool(render.roles[r].secret) for r in roles})


def minimal_node_configs(config: Any) -> NodeConfigs:
    """Secret-free minimal Ignition 3.3.0 configs (SSH keys for ``core`` only) — for graph tests and benchmarks.

    These boot nothing Kubernetes-shaped; callers that use them say so (``source="minimal"``).
    """
    def cfg(keys: tuple[str, ...], role: str) -> bytes:
        return _compact({"ignition": {"version": "3.3.0"},
                         "passwd": {"users": [{"name": "core", "sshAuthorizedKeys": list(keys)}]},
                         "storage": {"files": [{"path": "/etc/lokonb-role", "mode": 420,
                                                "contents": {"source": f"data:,{role}"}}]}})

    configs = {f"controller-{i}": cfg(tuple(config.ssh_pubkeys), f"controller-{i}")
               for i in range(config.controller_count)}
    for p in config.worker_pools:
        configs[f"worker-{p.name}"] = cfg(tuple(p.ssh_pubkeys or config.ssh_pubkeys), f"worker-{p.name}")
    # secret-free and small, so policy "auto" would put them inline; "s3" keeps the delivery path of real configs
    return NodeConfigs(configs, source="minimal", policy="s3",
                       notes=("node configs are minimal placeholders (SSH keys only), not Kubernetes nodes",))


def node_configs_for(config: Any, node_configs: NodeConfigs | Mapping[str, bytes] | str | None) -> NodeConfigs:
    """Normalize the ``node_configs`` argument of plan/apply.

    ``None`` or ``"render"`` = render with lokonb.flatcar; ``"minimal"`` = :func:`minimal_node_configs`; a mapping
    = the caller's own configs.
    """
    if isinstance(node_configs, NodeConfigs):
        return node_configs
    if node_configs is None or node_configs == "render":
        return render_node_configs(config)
    if node_configs == "minimal":
        return minimal_node_configs(config)
    if isinstance(node_configs, Mapping):
        missing = [r for r in roles_of(config) if r not in node_configs]
        if missing:
            from lokonb.aws.errors import AwsInputValueError

            raise AwsInputValueError(f"node_configs lacks roles: {', '.join(missing)}")
        return NodeConfigs({k: _compact(v) for k, v in node_configs.items()}, source="caller")
    from lokonb.aws.errors import AwsInputError
    from lokonb.errors import wrong_kind

    raise AwsInputError(wrong_kind("node_configs_for", "node_configs", "None, 'render', 'minimal', NodeConfigs or a "
                                   "mapping of role to Ignition config", node_configs))
