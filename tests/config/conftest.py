"""Fixtures for the cluster-model tests: a minimal valid definition and helpers to mutate it."""

from __future__ import annotations

import copy
from typing import Any

import pytest

ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILm9OVC7oteLOXGJFu5UuvbkqsfIPwFL1OwQmTwFOUsb ops@example"

MINIMAL: dict[str, Any] = {
    "cluster": {
        "cluster_name": "demo",
        "dns_zone": "example.com",
        "dns_zone_id": "Z0123456789ABC",
        "ssh_pubkeys": [ED25519],
        "worker_pools": [{"name": "web", "count": 2}],
    }
}


@pytest.fixture
def minimal() -> dict[str, Any]:
    """A fresh copy of the minimal valid parameters (cluster name, zone and id, ssh key, one pool)."""
    return copy.deepcopy(MINIMAL)
