"""The notebook/CLI render step: role selection and saved output."""

from __future__ import annotations

import pytest
import yaml

from lokonb.errors import ConfigError
from lokonb.flatcar.workflow import render_notebook


def _cluster(repo_root):
    return yaml.safe_load((repo_root / "parameters/provision_cluster/default.yaml").read_text())["cluster"]


def test_roles_select_what_is_shown_and_saved(repo_root, tmp_path, fake_assets):
    run = render_notebook(_cluster(repo_root), roles=["worker-web"], output_dir=tmp_path / "out",
                          asset_dir=tmp_path / "assets", external_validate=False, assets=fake_assets)
    assert list(run.render.roles) == ["worker-web"]
    assert sorted(p.name for p in (tmp_path / "out").glob("*.ign")) == ["worker-web.ign"]


def test_unknown_role_is_a_clear_error(repo_root, tmp_path, fake_assets):
    with pytest.raises(ConfigError, match="roles: unknown role.*nope.*this cluster has controller-0"):
        render_notebook(_cluster(repo_root), roles=["nope"], output_dir=tmp_path / "out",
                        asset_dir=tmp_path / "assets", external_validate=False, assets=fake_assets)
