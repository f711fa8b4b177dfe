"""Lokomotive configs published outside the repository's examples (composed fixtures in
``tests/fixtures/lokocfg_published/``, sources in its README): lokoctl read them, and lokonb reads them to the
same values."""

from __future__ import annotations

from pathlib import Path

import pytest

from lokonb.config import ConfigValidationError, read_lokocfg

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


def test_quickstart_vars_file_entries_without_a_variable_are_located(tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    example = Path(__file__).parent / "fixtures" / "lokomotive" / "aws-production.lokocfg"
    vars_file = PUBLISHED / "quickstart.vars"
    lines = vars_file.read_text().split("\n")

    def line_of(name: str) -> str:
        return f"{vars_file}:{next(n for n, text in enumerate(lines, 1) if text.startswith(name + ' '))}"

    with pytest.raises(ConfigValidationError) as exc:
        read_lokocfg(example, vars_file)
    (error,) = exc.value.errors
    assert error.path == "dns_zone_id" and 'variable "route53_zone_id" has no value' in error.message
    warnings = {w.path: w for w in exc.value.issues if w.severity == "warning"}
    assert warnings["var.route53_zoneid"].source == line_of("route53_zoneid")
    assert warnings["var.route53_zoneid"].message.endswith('did you mean "route53_zone_id"?')
    for name in ("cert_manager_email", "grafana_admin_password"):
        assert warnings[f"var.{name}"].source == line_of(name)
        assert "did you mean" not in warnings[f"var.{name}"].message

    fixed = tmp_path / "lokocfg.vars"
    fixed.write_text(vars_file.read_text().replace("route53_zoneid", "route53_zone_id"))
    assert read_lokocfg(example, fixed).config.dns_zone_id == "Z0TRAMWAY00008"


def test_a_var_override_without_a_variable_names_a_close_one(tmp_path):
    example = Path(__file__).parent / "fixtures" / "lokomotive" / "aws-production.lokocfg"
    vars_file = tmp_path / "lokocfg.vars"
    vars_file.write_text((PUBLISHED / "quickstart.vars").read_text().replace("route53_zoneid", "route53_zone_id"))
    loaded = read_lokocfg(example, vars_file, {"workers_typ": "m5.large"})
    (warning,) = [w for w in loaded.warnings if w.path == "var.workers_typ"]
    assert warning.message.startswith("--var workers_typ: no variable")
    assert warning.message.endswith('did you mean "workers_type"?')
    assert loaded.config.worker_pools[0].instance_type != "m5.large"
