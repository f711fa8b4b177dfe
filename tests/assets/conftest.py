"""Fixtures for the asset tests: cluster models built with the real loader, and generated asset trees."""

from __future__ import annotations

import copy
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from lokonb.assets import ClusterAssets, load_or_generate
from lokonb.config import ClusterConfig, load_yaml

BASE: dict[str, Any] = {
    "cluster": {
        "cluster_name": "demo",
        "dns_zone": "example.com",
        "ssh_pubkeys": [
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILm9OVC7oteLOXGJFu5UuvbkqsfIPwFL1OwQmTwFOUsb ops@example"
        ],
        "controller_count": 3,
        "worker_pools": [
            {"name": "web", "count": 2},
            {"name": "batch", "count": 1, "lb_http_port": 8080, "lb_https_port": 8443},
        ],
    },
    "aws": {"endpoint": "embedded"},
    "state": {"backend": "local"},
}


def make_config(tmp: Path | None = None, **cluster: Any) -> ClusterConfig:
    """A validated model: BASE with ``cluster`` attributes overridden."""
    doc = copy.deepcopy(BASE)
    doc["cluster"].update(cluster)
    if tmp is not None:
        doc["cluster"]["asset_dir"] = str(tmp)
    return load_yaml(doc)


@pytest.fixture
def config_factory() -> Callable[..., ClusterConfig]:
    return make_config


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> ClusterAssets:
    """Assets for a 3-controller cluster with OIDC and aggregation (generated once per session)."""
    base = tmp_path_factory.mktemp("assets")
    return load_or_generate(make_config(base, oidc={}), base)


@pytest.fixture(scope="session")
def openssl() -> Callable[..., subprocess.CompletedProcess[str]]:
    exe = shutil.which("openssl")
    if exe is None:
        pytest.fail("openssl is required (Debian package openssl)")

    def run(*args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
        return subprocess.run([exe, *args], capture_output=True, text=True, check=check, timeout=30)

    return run
