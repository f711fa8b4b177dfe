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
from dataclasses import dataclass, field
from typing import Any, Mapping

log = logging.getLogger(__name__)

USER_DATA_LIMIT = 16384


@dataclass(frozen=True)
class NodeConfigs:
    """Rendered Ignition per role (``controller-<i>``, ``worker-<pool>``) and where they came from."""

    configs: Mapping[str, bytes]
    source: str = "lokonb.flatcar"
    notes: tuple[str, ...] = field(default=())

    def sha512(self, role: str) -> str:
        return hashlib.sha512(self.configs[role]).hexdigest()

    def object_key(self, cluster: str, role: str, prefix: str = "") -> str:
        """``<prefix><cluster>/<role>/<sha512[:32]>.ign`` (flatcar.md §9 D5)."""
        return f"{prefix}{cluster}/{role}/{self.sha512(role)[:32]}.ign"


def pointer_config(bucket: str, key: str, sha512_hex: str, version: str = "3.3.0") -> bytes:
    """The user-data pointer (flatcar.md §9 D4): replace with the S3 object, verified by its sha512."""
    doc = {"ignition": {"config": {"replace": {"source": f"s3://{bucket}/{key}",
                                               "verification": {"hash": f"sha512-{sha512_hex}"}}},
                        "version": version}}
    data = json.dumps(doc, separators=(",", ":"), sort_keys=True).encode()
    if len(data) > USER_DATA_LIMIT:  # cannot happen for sane names; moto would not catch it (aws.md §11.3)
        raise ValueError(f"pointer config is {len(data)} bytes, over the EC2 limit of {USER_DATA_LIMIT}")
    return data


def roles_of(config: Any) -> list[str]:
    return [f"controller-{i}" for i in range(config.controller_count)] + [
        f"worker-{p.name}" for p in config.worker_pools]


def _compact(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    return json.dumps(value, separators=(",", ":"), sort_keys=True).encode()


def _from_render(render: Any, roles: list[str]) -> dict[str, bytes]:
    """Extract role -> bytes from a ``ClusterRender`` (tolerates mapping- or attribute-style results)."""
    out: dict[str, bytes] = {}
    container = getattr(render, "roles", render)
    for role in roles:
        item = container[role] if isinstance(container, Mapping) else getattr(render, "role")(role)
        for attr in ("compact", "json", "text", "ignition", "config"):
            if hasattr(item, attr):
                value = getattr(item, attr)
                value = value() if callable(value) else value
                out[role] = _compact(value)
                break
        else:
            out[role] = _compact(item)
    return out


def render_node_configs(config: Any, assets: Any = None) -> NodeConfigs:
    """Render every role's node config with lokonb.flatcar and lokonb.assets."""
    from lokonb.flatcar import render_cluster  # noqa: PLC0415 - heavy, optional at import time

    if assets is None:
        from lokonb.assets import load_or_generate

        assets = load_or_generate(config)
    render = render_cluster(config, assets=assets)
    return NodeConfigs(_from_render(render, roles_of(config)), source="lokonb.flatcar")


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
    return NodeConfigs(configs, source="minimal",
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
            raise ValueError(f"node_configs lacks roles: {', '.join(missing)}")
        return NodeConfigs({k: _compact(v) for k, v in node_configs.items()}, source="caller")
    raise ValueError(f"node_configs must be None, 'render', 'minimal' or a mapping, not {node_configs!r}")
