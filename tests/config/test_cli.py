"""The ``lokonb config`` CLI contract: show (YAML/JSON), validate (exit codes, one stderr line per issue)."""

from __future__ import annotations

import json
import subprocess
import sys

import yaml

from .conftest import MINIMAL


def lokonb(*args: str, cwd=None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lokonb", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=60)


def test_show_json_has_every_default(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(MINIMAL))
    result = lokonb("config", "show", str(path), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["controller_type"] == "t3.medium" and data["network_mtu"] == 1500
    assert data["worker_pools"] == [dict(data["worker_pools"][0], name="web")]
    assert data["worker_pools"][0]["instance_type"] == "t3.small"
    assert data["aws"]["flatcar_ami_owner"] == "075585003325" and data["state"]["backend"] == "local"


def test_show_yaml_round_trips(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(MINIMAL))
    shown = lokonb("config", "show", str(path))
    assert shown.returncode == 0
    again = tmp_path / "again.yaml"
    again.write_text(shown.stdout)
    assert lokonb("config", "show", str(again), "--json").stdout == lokonb("config", "show", str(path),
                                                                           "--json").stdout


def test_validate_ok_prints_warnings_on_stderr(tmp_path):
    data = {"cluster": {**MINIMAL["cluster"], "controller_count": 2}}
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(data))
    result = lokonb("config", "validate", str(path))
    assert result.returncode == 0
    assert result.stderr.startswith("controller_count: warning:")


def test_validate_invalid_exits_2_with_one_line_per_error(tmp_path):
    data = {"cluster": {**MINIMAL["cluster"], "controler_type": "x",
                        "worker_pools": [{"name": "web", "count": 1, "lb_https_port": 6443}]}}
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(data))
    result = lokonb("config", "validate", str(path))
    assert result.returncode == 2 and result.stdout == ""
    lines = result.stderr.strip().split("\n")
    assert len(lines) == 2
    assert lines[0].startswith("controler_type: unknown attribute; did you mean \"controller_type\"?")
    assert lines[1].startswith('worker_pool["web"].lb_https_port: 6443')
    assert "Traceback" not in result.stderr


def test_lokocfg_with_vars_and_var(repo_root, tmp_path):
    result = lokonb("config", "show", str(repo_root / "examples/demo/cluster.lokocfg"), "--vars",
                    str(repo_root / "examples/demo/lokocfg.vars"), "--var", "web_workers=5", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["worker_pools"][0]["count"] == 5
    assert "components are not handled by lokonb: metrics-server" in result.stderr


def test_bad_inputs_never_traceback(tmp_path):
    bad = tmp_path / "bad.lokocfg"
    bad.write_text('cluster "aws" {\n  cluster_name = "x"\n  = 3\n}\n')
    for args in (["config", "validate", str(bad)], ["config", "show", str(tmp_path / "none.yaml")],
                 ["config", "validate", str(tmp_path / "x.yaml"), "--var", "a=b"]):
        result = lokonb(*args)
        assert result.returncode == 2, (args, result.stderr)
        assert "Traceback" not in result.stderr and result.stderr.strip()
