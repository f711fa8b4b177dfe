"""flatcar.md §2 T1 for worker pools: a pool pins its own ``os_version`` (not inherited, aws.md §2.3), and its
instances boot the rendered spec with that release's Ignition — a pre-3185 pool cannot read a 3.x config."""

from __future__ import annotations

import pytest

from lokonb.errors import ConfigError
from lokonb.flatcar.render import render_cluster


def test_old_pool_release_with_3x_target_is_an_error_naming_the_pool(model_with, fake_assets) -> None:
    with pytest.raises(ConfigError, match=r"2905\.2\.6 \(worker_pool\.batch\.os_version\).*ignition_spec"):
        render_cluster(model_with(pool_batch={"os_version": "2905.2.6"}), assets=fake_assets)


def test_old_pool_release_with_23_target_renders(model_with, fake_assets) -> None:
    r = render_cluster(model_with(pool_batch={"os_version": "2905.2.6"}), assets=fake_assets,
                       ignition_version="2.3.0")
    assert r.role("worker-batch").config["ignition"]["version"] == "2.3.0"


def test_new_pool_release_with_23_target_warns_naming_the_pool(model_with, fake_assets) -> None:
    r = render_cluster(model_with(pool_web={"os_version": "3510.2.0"}), assets=fake_assets,
                       ignition_version="2.3.0")
    assert [f for f in r.findings if f.severity == "warning" and "worker_pool.web.os_version" in f.message]
