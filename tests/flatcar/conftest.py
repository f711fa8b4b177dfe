"""Fixtures of the flatcar tests: the example cluster model and a fast NodeAssets made with cryptography."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fake_assets import FakeAssets  # noqa: E402


@pytest.fixture(scope="session")
def example_model(repo_root: Path):
    from lokonb.config import load_yaml

    return load_yaml(repo_root / "parameters" / "provision_cluster" / "default.yaml")


@pytest.fixture(scope="session")
def fake_assets() -> FakeAssets:
    return FakeAssets(controllers=3)


@pytest.fixture()
def model_with(example_model):
    """Copy of the example model with attributes (and pool attributes: ``pool_<name>={...}``) replaced."""

    def make(**changes):
        pools = {k[5:]: v for k, v in changes.items() if k.startswith("pool_")}
        rest = {k: v for k, v in changes.items() if not k.startswith("pool_")}
        new_pools = tuple(dataclasses.replace(p, **pools.get(p.name, {})) for p in example_model.worker_pools)
        return dataclasses.replace(example_model, worker_pools=new_pools, **rest)

    return make
