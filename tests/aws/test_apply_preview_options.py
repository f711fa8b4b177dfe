"""`cluster apply` without --confirm previews the plan: it ignored --replace and --roll-pool, so the preview
hid the replacement and an unknown pool; apply itself ran the whole plan before it found an unknown pool."""

from __future__ import annotations

import json

import pytest
import yaml

from aws.conftest import BASE, boto
from lokonb.aws import api
from lokonb.cli import main
from lokonb.errors import ConfigError


def _config_file(tmp_path, aws_url) -> str:
    data = json.loads(json.dumps(BASE))
    data["cluster"]["asset_dir"] = str(tmp_path / "assets")
    data["aws"].update({"endpoint": aws_url, "waiter_scale": 0.01})
    data["state"] = {"backend": "local", "path": str(tmp_path / "state.json")}
    path = tmp_path / "cluster.yaml"
    path.write_text(yaml.safe_dump(data))
    return str(path)


def _vpcs(aws_url) -> list:
    return boto(aws_url, "ec2").describe_vpcs(Filters=[{"Name": "tag:lokonb:cluster", "Values": ["demo"]}])["Vpcs"]


def test_unknown_roll_pool_fails_before_any_change(make_config, aws_url, tmp_path, capsys):
    cfg = _config_file(tmp_path, aws_url)
    assert main(["cluster", "apply", cfg, "--node-configs", "minimal", "--roll-pool", "nosuch"]) != 0
    assert "unknown worker pool(s) nosuch; pools are batch, web" in capsys.readouterr().err
    with pytest.raises(ConfigError, match="unknown worker pool"):
        api.apply(make_config(), node_configs="minimal", progress=False, roll_pools=["nosuch"])
    assert _vpcs(aws_url) == []  # nothing was created


def test_preview_shows_replace_and_what_confirm_would_add(make_config, aws_url, tmp_path, capsys):
    cfg = _config_file(tmp_path, aws_url)
    assert main(["cluster", "apply", cfg, "--node-configs", "minimal", "--confirm", "--json"]) == 0
    capsys.readouterr()
    assert main(["cluster", "apply", cfg, "--node-configs", "minimal", "--replace", "controller/0", "--json"]) == 0
    out, err = capsys.readouterr()
    actions = {a["key"]: a["action"] for a in json.loads(out)}  # plan --json: a list of actions
    assert actions.get("controller/0") == "replace"
    assert "re-run with --confirm" in err
    assert main(["cluster", "apply", cfg, "--node-configs", "minimal", "--roll-pool", "web", "--wait"]) == 0
    err = capsys.readouterr().err
    assert "nothing to change; re-run with --confirm for an instance refresh of worker_pool['web'] and a wait " \
           "until every node is Ready" in err
