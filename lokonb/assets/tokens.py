"""Bootstrap tokens (``<id>.<secret>``) for kubelet TLS bootstrapping: one per worker pool and one for
controllers."""

from __future__ import annotations

import re
import secrets
import string
from dataclasses import dataclass, field

_ALPHABET = string.ascii_lowercase + string.digits
TOKEN_RE = re.compile(r"^([a-z0-9]{6})\.([a-z0-9]{16})$")
GROUP_PREFIX = "system:bootstrappers:lokonb:"


@dataclass(frozen=True)
class BootstrapToken:
    """A bootstrap token for one node role. ``repr`` shows the public id only, never the secret."""

    role: str  # "controller" or "worker-<pool>"
    token_id: str
    token_secret: str = field(repr=False)

    @property
    def value(self) -> str:
        """``<id>.<secret>`` as kubelets present it (secret)."""
        return f"{self.token_id}.{self.token_secret}"

    @property
    def group(self) -> str:
        """Extra group the token authenticates as (``system:bootstrappers:lokonb:<role>``)."""
        return GROUP_PREFIX + self.role

    def secret_manifest(self) -> dict:
        """The ``bootstrap.kubernetes.io/token`` Secret (no expiration: autoscaled nodes join later)."""
        return {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {
                "name": f"bootstrap-token-{self.token_id}",
                "namespace": "kube-system",
                "labels": {"lokonb.io/node-role": self.role},
            },
            "type": "bootstrap.kubernetes.io/token",
            "stringData": {
                "description": f"lokonb kubelet bootstrap token for {self.role}",
                "token-id": self.token_id,
                "token-secret": self.token_secret,
                "usage-bootstrap-authentication": "true",
                "auth-extra-groups": self.group,
            },
        }


def new_token(role: str) -> BootstrapToken:
    pick = secrets.choice
    return BootstrapToken(
        role, "".join(pick(_ALPHABET) for _ in range(6)), "".join(pick(_ALPHABET) for _ in range(16))
    )


def parse_token(role: str, value: str) -> BootstrapToken:
    """Parse a stored ``<id>.<secret>``; ValueError (without the value) when malformed."""
    m = TOKEN_RE.match(value.strip())
    if not m:
        raise ValueError(f"bootstrap token for {role} is not of the form <6 [a-z0-9]>.<16 [a-z0-9]>")
    return BootstrapToken(role, m.group(1), m.group(2))


def token_roles(config) -> tuple[str, ...]:  # noqa: ANN001 - ClusterConfig duck type
    """Roles that get a token: ``controller`` then ``worker-<pool>`` in model order."""
    return ("controller",) + tuple(f"worker-{p.name}" for p in config.worker_pools)
