"""Fixtures for the AWS tests: one moto server per test session (with fault injection), reset between tests.

moto's backends are process-global and a server costs ~200 MB, so the whole directory shares one server
(aws.md §11.3 last row); every test starts from a reset (the Flatcar AMI catalogue survives resets, the hosted
zone is re-seeded like a real account would already have it).
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from aws.faults import FaultServer

BASE: dict[str, Any] = {
    "cluster": {
        "cluster_name": "demo",
        "dns_zone": "example.com",
        "ssh_pubkeys": ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILm9OVC7oteLOXGJFu5UuvbkqsfIPwFL1OwQmTwFOUsb ops@example"],
        "controller_count": 1,
        "tags": {"team": "platform"},
        "worker_pools": [
            {"name": "web", "count": 2, "instance_type": "t3.small"},
            {"name": "batch", "count": 1, "instance_type": "t3.small", "spot_price": "0.05",
             "lb_http_port": 8080, "lb_https_port": 8443},
        ],
    },
    "aws": {"region": "eu-central-1"},
    "state": {"backend": "local"},
}


@pytest.fixture(scope="session")
def moto_server() -> FaultServer:
    import logging

    # an explicit endpoint URL uses the standard credential chain, like real AWS: give it moto's dummy keys
    for k, v in (("AWS_EC2_METADATA_DISABLED", "true"), ("AWS_ACCESS_KEY_ID", "testing"),
                 ("AWS_SECRET_ACCESS_KEY", "testing")):
        os.environ.setdefault(k, v)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = FaultServer().start()
    yield server
    server.stop()


@pytest.fixture
def aws_url(moto_server: FaultServer) -> str:
    """A clean server: reset, faults cleared, the hosted zone seeded."""
    from lokonb.aws.embedded import EmbeddedAWS

    moto_server.clear()
    e = EmbeddedAWS(url=moto_server.url)
    e.reset()
    e.seed_zone("example.com")
    yield moto_server.url
    moto_server.clear()


@pytest.fixture
def make_config(aws_url: str, tmp_path: Path) -> Callable[..., Any]:
    """``make_config(**cluster_overrides, aws={...}, state={...})`` -> a validated ClusterConfig on the server."""
    from lokonb.config import load_yaml

    def make(aws: dict | None = None, state: dict | None = None, **cluster: Any) -> Any:
        data = copy.deepcopy(BASE)
        data["cluster"].update(cluster)
        data["cluster"].setdefault("asset_dir", str(tmp_path / "assets"))
        data["aws"].update({"endpoint": aws_url, "waiter_scale": 0.01, "max_attempts": 6}, **(aws or {}))
        data["state"].update({"path": str(tmp_path / "state.json")}, **(state or {}))
        return load_yaml(data)

    return make


@pytest.fixture
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retry decisions stay real, nothing sleeps (aws.md §11.5)."""
    from botocore.retries import standard

    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, context: 0)


def boto(url: str, service: str) -> Any:
    import boto3

    return boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                 region_name="eu-central-1").client(service, endpoint_url=url)
