"""Lokomotive's state backends and credentials paths as lokoctl read them (composed fixtures in
``tests/fixtures/lokocfg_state/``, sources in its README): where a ``backend "local"`` keeps the state, when an
S3 backend needs a region, and what an empty credentials path means."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lokonb.config import ConfigValidationError, read_lokocfg

STATE = Path(__file__).parents[1] / "fixtures" / "lokocfg_state"


def _line(fixture: str, text: str) -> str:
    """``file:line`` of the first line of a fixture holding ``text``."""
    path = STATE / fixture
    number = next(n for n, line in enumerate(path.read_text().split("\n"), 1) if text in line)
    return f"{path}:{number}"


def _copy(tmp_path: Path, fixture: str, old: str = "", new: str = "") -> Path:
    target = tmp_path / fixture
    target.write_text((STATE / fixture).read_text().replace(old, new), encoding="utf-8")
    return target


def test_local_backend_without_path_keeps_the_default_state_file():
    # lokoctl rendered no backend for it (Terraform's default state): the same as no backend block for lokonb
    config = read_lokocfg(STATE / "local-no-path.lokocfg").config
    assert config.state.backend == "local"
    assert config.state.path == Path("assets-quay/lokonb-state.json")


def test_local_backend_with_an_empty_path_is_the_block_without_one(tmp_path):
    loaded = read_lokocfg(_copy(tmp_path, "local-no-path.lokocfg", "backend \"local\" {}",
                                'backend "local" {\n  path = ""\n}'))
    assert loaded.config.state.path == Path("assets-quay/lokonb-state.json")
    (warning,) = [w for w in loaded.warnings if w.path == "backend.path"]
    assert "means unset for lokoctl" in warning.message and warning.source == f"{tmp_path}/local-no-path.lokocfg:3"


def test_local_backend_relative_path_is_beside_lokoctls_terraform_state(tmp_path, monkeypatch):
    # Terraform ran in <asset_dir>/terraform: the state did not depend on the directory lokoctl was started in
    for cwd in (tmp_path, STATE):
        monkeypatch.chdir(cwd)
        config = read_lokocfg(STATE / "local-path.lokocfg").config
        assert config.state.path == Path("assets-siding/terraform/siding.tfstate.lokonb.json")


@pytest.mark.parametrize("path, expected", [
    ("/srv/state/siding.tfstate", Path("/srv/state/siding.tfstate.lokonb.json")),
    ("~/state/siding.tfstate", Path.home() / "state/siding.tfstate.lokonb.json"),
    ("states/siding.tfstate", Path("assets-siding/terraform/states/siding.tfstate.lokonb.json")),
])
def test_local_backend_absolute_and_home_paths_are_kept(tmp_path, path, expected):
    cfg = _copy(tmp_path, "local-path.lokocfg", '"siding.tfstate"', f'"{path}"')
    assert read_lokocfg(cfg).config.state.path == expected


def test_local_backend_relative_path_follows_a_home_asset_dir(tmp_path):
    cfg = _copy(tmp_path, "local-path.lokocfg", '"./assets-siding"', '"~/lokoctl-assets/siding"')
    expected = Path.home() / "lokoctl-assets/siding/terraform/siding.tfstate.lokonb.json"
    assert read_lokocfg(cfg).config.state.path == expected


def test_local_backend_relative_path_without_asset_dir_uses_lokonbs_default(tmp_path):
    cfg = _copy(tmp_path, "local-path.lokocfg", "  asset_dir    = pathexpand(var.asset_dir)\n", "")
    config = read_lokocfg(cfg).config
    assert config.asset_dir == Path("lokonb-assets/siding")
    assert config.state.path == config.asset_dir / "terraform" / "siding.tfstate.lokonb.json"


def test_s3_backend_region_may_come_from_a_credentials_file_in_the_environment(monkeypatch):
    for name in ("AWS_DEFAULT_REGION", "AWS_REGION", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigValidationError) as exc:
        read_lokocfg(STATE / "s3-no-region.lokocfg")
    (issue,) = exc.value.errors
    assert issue.path == "state.region" and 'region = "<bucket region>"' in issue.message
    assert issue.source == _line("s3-no-region.lokocfg", 'backend "s3"')

    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.path.join("~", ".aws", "roundhouse"))
    config = read_lokocfg(STATE / "s3-no-region.lokocfg").config
    assert (config.state.bucket, config.state.region) == ("roundhouse-state", None)


def test_empty_credentials_paths_mean_the_standard_credential_chain(monkeypatch):
    monkeypatch.chdir(STATE)  # no lokocfg.vars here: the variable keeps its "" default
    loaded = read_lokocfg(STATE / "empty-credentials.lokocfg")
    c = loaded.config
    assert (c.creds_path, c.aws.shared_credentials_file, c.state.shared_credentials_file) == (None, None, None)
    by_path = {w.path: w for w in loaded.warnings}
    assert by_path["creds_path"].source == _line("empty-credentials.lokocfg", "  creds_path   =")
    assert by_path["backend.aws_creds_path"].source == _line("empty-credentials.lokocfg", "aws_creds_path")
    assert all("lokonb leaves it unset" in by_path[p].message for p in ("creds_path", "backend.aws_creds_path"))


def test_credentials_paths_from_the_vars_file_are_used():
    loaded = read_lokocfg(STATE / "empty-credentials.lokocfg", STATE / "empty-credentials.vars")
    c = loaded.config
    expected = Path.home() / ".aws/signalbox-credentials"
    assert (c.creds_path, c.aws.shared_credentials_file, c.state.shared_credentials_file) == (expected,) * 3
    assert not [w for w in loaded.warnings if w.rule == "empty-default"]
