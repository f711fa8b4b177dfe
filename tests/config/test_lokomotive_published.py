"""Lokomotive configs published outside the repository's examples (composed fixtures in
``tests/fixtures/lokocfg_published/``, sources in its README): lokoctl read them, and lokonb reads them to the
same values."""

from __future__ import annotations

from pathlib import Path

import pytest

from lokonb.config import read_lokocfg

PUBLISHED = Path(__file__).parents[1] / "fixtures" / "lokocfg_published"
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILm9OVC7oteLOXGJFu5UuvbkqsfIPwFL1OwQmTwFOUsb ops@example"
SNIPPET = (PUBLISHED / "snippets" / "custom-units").read_text(encoding="utf-8")


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_conformance_submission_config(tmp_path, newline):
    cfg = tmp_path / "cluster.lokocfg"
    cfg.write_bytes((PUBLISHED / "conformance.lokocfg").read_text().replace("\n", newline).encode())
    loaded = read_lokocfg(cfg)
    c = loaded.config
    assert (c.cluster_name, c.dns_zone_id, c.ssh_pubkeys) == ("sonobuoy", "Z0SONOBUOY0005", (KEY,))
    assert (c.expose_nodeports, c.enable_aggregation, c.os_channel) == (True, True, "stable")
    (pool,) = c.worker_pools
    assert (pool.name, pool.count, pool.ssh_pubkeys, pool.instance_type) == ("e2e", 2, (KEY,), "t3.small")
    assert not loaded.warnings


def test_simplest_cluster_with_a_quoted_path_inside_a_template():
    c = read_lokocfg(PUBLISHED / "simplest-cluster.lokocfg").config
    assert c.asset_dir == Path.home() / "lokoctl-assets" / "tender"
    assert (c.controller_count, c.controller_type, c.os_channel) == (3, "t3.medium", "beta")
    (pool,) = c.worker_pools
    assert (pool.count, pool.instance_type, pool.ssh_pubkeys) == (3, "t3.medium", (KEY,))  # the cluster's keys


def test_whole_value_interpolations_keep_the_values_type(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # file() falls back to the config's directory
    c = read_lokocfg(PUBLISHED / "interpolation-only.lokocfg", PUBLISHED / "interpolation-only.vars").config
    assert (c.asset_dir, c.ssh_pubkeys, c.enable_csi) == (Path("assets-gauge"), (KEY,), True)
    assert c.controller_clc_snippets == (SNIPPET,)
    (pool,) = c.worker_pools
    assert (pool.count, pool.ssh_pubkeys, pool.clc_snippets) == (2, (KEY,), (SNIPPET,))
    assert dict(pool.labels) == {"rail.example.com/gauge": "standard"}


def test_whole_value_interpolations_take_vars_file_values_of_any_type(tmp_path):
    vars_file = tmp_path / "lokocfg.vars"
    vars_file.write_text((PUBLISHED / "interpolation-only.vars").read_text()
                         + 'worker-count = 4\ncsi = false\npool-labels = { "tier" = "narrow" }\n')
    c = read_lokocfg(PUBLISHED / "interpolation-only.lokocfg", vars_file).config
    (pool,) = c.worker_pools
    assert (c.enable_csi, pool.count, dict(pool.labels)) == (False, 4, {"tier": "narrow"})
