"""The CLI contract against a separately started server (``python -m lokonb.aws.embedded serve``), and A4: an
apply killed with SIGKILL while moto holds its RunInstances, then the stale lock, ``lokonb state unlock`` and a
converging re-run that adopts (does not duplicate) the instance launched by the held request."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from aws.conftest import BASE, boto

REPO = Path(__file__).resolve().parents[2]
LOKONB = [sys.executable, "-m", "lokonb"]


def _env() -> dict:
    env = dict(os.environ, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
               AWS_EC2_METADATA_DISABLED="true", PYTHONPATH=str(REPO))
    env.pop("AWS_PROFILE", None)
    return env


def _config_file(tmp_path: Path) -> Path:
    data = json.loads(json.dumps(BASE))
    data["cluster"]["asset_dir"] = str(tmp_path / "assets")
    data["aws"]["waiter_scale"] = 0.01
    path = tmp_path / "cluster.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def run(*args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run([*LOKONB, *args], capture_output=True, text=True, env=_env(), cwd=REPO, timeout=timeout)


@pytest.fixture
def served(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "lokonb.aws.embedded", "serve", "--port", "0",
                             "--dns-zone", "example.com"], stdout=subprocess.PIPE, text=True, env=_env(), cwd=REPO)
    line = proc.stdout.readline()
    m = re.search(r"(http://127\.0\.0\.1:\d+)", line)
    assert m, line
    yield m.group(1)
    proc.send_signal(signal.SIGTERM)
    proc.wait(10)


def test_cli_plan_apply_plan_destroy_against_served_endpoint(served, tmp_path):
    cfg = str(_config_file(tmp_path))
    common = ["--endpoint", served, "--state", str(tmp_path / "st.json"), "--node-configs", "minimal"]
    r = run("cluster", "plan", cfg, *common, "--json")
    assert r.returncode == 0, r.stderr
    actions = json.loads(r.stdout)
    assert actions and all({"action", "type", "name", "reason"} <= set(a) for a in actions)
    assert {a["action"] for a in actions} == {"create"} and {"ec2:vpc", "autoscaling:group"} <= {a["type"] for a in
                                                                                               actions}
    r = run("cluster", "apply", cfg, *common)  # no --confirm: plan only
    assert r.returncode == 0 and "re-run with --confirm" in r.stderr
    assert boto(served, "ec2").describe_vpcs(Filters=[{"Name": "tag:lokonb:cluster", "Values": ["demo"]}])["Vpcs"] == []
    r = run("cluster", "apply", cfg, *common, "--confirm")
    assert r.returncode == 0, r.stderr
    assert "Applied" in r.stdout and "https://demo.example.com:6443" in r.stdout
    r = run("cluster", "plan", cfg, *common, "--json", "--confirm")  # plan only reads: said, not silently ignored
    assert r.returncode == 0 and json.loads(r.stdout) == []
    assert "--confirm has no effect here" in r.stderr
    r = run("cluster", "destroy", cfg, *common)  # stdin is not a terminal: refused
    assert r.returncode == 2 and "needs confirmation" in r.stderr and "Traceback" not in r.stderr
    r = run("cluster", "destroy", cfg, *common, "--confirm")
    assert r.returncode == 0 and "nothing left" in r.stdout, r.stderr
    r = run("cluster", "destroy", cfg, *common, "--confirm")
    assert r.returncode == 0 and "does not exist" in r.stdout


def test_cli_errors_are_messages_not_tracebacks(served, tmp_path):
    cfg = _config_file(tmp_path)
    data = yaml.safe_load(cfg.read_text())
    data["cluster"]["dns_zone"] = "missing.example.org"
    cfg.write_text(yaml.safe_dump(data))
    r = run("cluster", "plan", str(cfg), "--endpoint", served, "--node-configs", "minimal")
    assert r.returncode == 1 and "No public Route 53 hosted zone named missing.example.org." in r.stderr
    assert "Traceback" not in r.stderr
    data["cluster"]["dns_zone"] = "example.com"
    data["cluster"]["os_channel"] = "beta"
    data["cluster"]["os_version"] = "1.2.3"
    cfg.write_text(yaml.safe_dump(data))
    r = run("cluster", "plan", str(cfg), "--endpoint", served, "--node-configs", "minimal")
    assert r.returncode == 1 and "No Flatcar AMI for controllers in eu-central-1: owner 075585003325, name " \
        "Flatcar-beta-1.2.3-*, architecture x86_64" in r.stderr
    data["aws"].update(max_attempts=1, connect_timeout=1)  # fail fast: connection errors are retried otherwise
    cfg.write_text(yaml.safe_dump(data))
    r = run("cluster", "plan", str(cfg), "--endpoint", "http://127.0.0.1:9", "--node-configs", "minimal")
    assert r.returncode == 1 and "Cannot reach the AWS endpoint" in r.stderr and "Traceback" not in r.stderr


def test_killed_apply_then_stale_lock_unlock_and_converge(moto_server, aws_url, tmp_path):
    cfg = str(_config_file(tmp_path))
    common = ["--endpoint", aws_url, "--state", str(tmp_path / "st.json"), "--node-configs", "minimal"]
    moto_server.add(service="ec2", op="RunInstances", times=1, code="", delay=3.0)  # hold, then let moto run it
    proc = subprocess.Popen([*LOKONB, "cluster", "apply", cfg, *common, "--confirm"], env=_env(), cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while "RunInstances" not in moto_server.ops("ec2"):
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    ec2 = boto(aws_url, "ec2")
    ctl = [{"Name": "tag:lokonb:resource", "Values": ["controller/0"]},
           {"Name": "instance-state-name", "Values": ["pending", "running"]}]
    while not ec2.describe_instances(Filters=ctl)["Reservations"]:  # moto executes the held request
        assert time.monotonic() < deadline
        time.sleep(0.1)
    r = run("cluster", "apply", cfg, *common, "--confirm")
    assert r.returncode == 1 and "is locked by apply" in r.stderr and "the lock is stale" in r.stderr, r.stderr
    lock_id = re.search(r"--lock-id (\w+)", r.stderr).group(1)
    r = run("state", "unlock", cfg, *common, "--lock-id", "nope")
    assert r.returncode == 1 and "does not match" in r.stderr
    r = run("state", "unlock", cfg, *common, "--lock-id", lock_id)
    assert r.returncode == 0 and lock_id in r.stdout
    r = run("cluster", "plan", cfg, *common, "--json")
    pending = {a["key"] for a in json.loads(r.stdout)}
    assert "vpc" not in pending and "controller/0" not in pending  # adopted, not re-created
    r = run("cluster", "apply", cfg, *common, "--confirm")
    assert r.returncode == 0, r.stderr
    assert json.loads(run("cluster", "plan", cfg, *common, "--json").stdout) == []
    assert len([i for res in ec2.describe_instances(Filters=ctl)["Reservations"] for i in res["Instances"]]) == 1
    assert len(ec2.describe_vpcs(Filters=[{"Name": "tag:lokonb:cluster", "Values": ["demo"]}])["Vpcs"]) == 1


def test_sigint_releases_the_lock_records_interrupted_and_rerun_converges(moto_server, aws_url, tmp_path):
    cfg = str(_config_file(tmp_path))
    state = tmp_path / "st.json"
    common = ["--endpoint", aws_url, "--state", str(state), "--node-configs", "minimal"]
    moto_server.add(service="ec2", op="RunInstances", times=1, code="", delay=2.0)
    proc = subprocess.Popen([*LOKONB, "cluster", "apply", cfg, *common, "--confirm"], env=_env(), cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while "RunInstances" not in moto_server.ops("ec2"):
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "interrupted" in err and "Traceback" not in err, err
    assert not Path(str(state) + ".lock").exists()
    assert json.loads(state.read_text())["last_apply"]["status"] == "interrupted"
    r = run("cluster", "apply", cfg, *common, "--confirm")
    assert r.returncode == 0, r.stderr
    assert json.loads(run("cluster", "plan", cfg, *common, "--json").stdout) == []
    ec2 = boto(aws_url, "ec2")
    ctl = [{"Name": "tag:lokonb:resource", "Values": ["controller/0"]},
           {"Name": "instance-state-name", "Values": ["pending", "running"]}]
    assert len([i for res in ec2.describe_instances(Filters=ctl)["Reservations"] for i in res["Instances"]]) == 1


def test_unlock_by_cluster_name(tmp_path):
    from lokonb.aws.state import LocalState

    path = tmp_path / "st.json"
    info = LocalState("demo", path).acquire("apply", "demo")
    # held by this (running) test process: refused; by a finished process: broken
    r = run("state", "unlock", "demo", "--state", str(path), "--lock-id", info["lock_id"])
    assert r.returncode == 1 and "which is still running" in r.stderr
    lock = Path(str(path) + ".lock")
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    lock.write_text(json.dumps({**json.loads(lock.read_text()), "pid": child.pid}))
    r = run("state", "unlock", "demo", "--state", str(path), "--lock-id", info["lock_id"])
    assert r.returncode == 0 and info["lock_id"] in r.stdout and not Path(str(path) + ".lock").exists()


@pytest.mark.parametrize("op,code,status,expected", [
    ("CreateVpc", "VpcLimitExceeded", 400, "AWS quota reached: VpcLimitExceeded in eu-central-1"),
    ("DescribeAvailabilityZones", "OptInRequired", 403, "Region eu-central-1 is not enabled for this account"),
    ("DescribeAvailabilityZones", "RequestExpired", 400, "AWS credentials have expired (RequestExpired)"),
    ("RunInstances", "InsufficientInstanceCapacity", 500, "AWS has no capacity for the requested instance type"),
    ("RunInstances", "UnauthorizedOperation", 403, "Access denied: `ec2:RunInstances` on controller/0"),
])
def test_cli_translates_injected_aws_errors(moto_server, aws_url, tmp_path, op, code, status, expected):
    cfg = str(_config_file(tmp_path))
    moto_server.add(service="ec2", op=op, times=None, status=status, code=code, message="injected")
    r = run("cluster", "apply", cfg, "--endpoint", aws_url, "--state", str(tmp_path / "st.json"),
            "--node-configs", "minimal", "--confirm")
    assert r.returncode == 1 and expected in r.stderr and "Traceback" not in r.stderr, r.stderr


def test_sigterm_outside_the_execution_phase_exits_143(tmp_path, monkeypatch, capsys):
    """SIGTERM while apply is still preparing (assets, preflight, plan) is no Ctrl-C: exit 143, not 130."""
    from lokonb.aws import api
    from lokonb.cli import main

    def terminated(*args, **kwargs):
        raise api.Terminated()

    monkeypatch.setattr(api, "apply", terminated)
    assert main(["cluster", "apply", str(_config_file(tmp_path)), "--confirm"]) == 143
    assert "terminated" in capsys.readouterr().err
    monkeypatch.setattr(api, "apply", lambda *a, **k: (_ for _ in ()).throw(KeyboardInterrupt()))
    assert main(["cluster", "apply", str(_config_file(tmp_path)), "--confirm"]) == 130


def test_a_profile_with_the_embedded_aws_is_named_as_unused(tmp_path):
    """The embedded AWS takes moto's keys: --profile (or aws.profile) is said to be unused, not dropped silently."""
    cfg = str(_config_file(tmp_path))
    r = run("cluster", "plan", cfg, "--endpoint", "embedded", "--profile", "ops", "--node-configs", "minimal",
            "--state", str(tmp_path / "st.json"), "--json")
    assert r.returncode == 0, r.stderr
    assert "profile 'ops' is not used" in r.stderr and json.loads(r.stdout)
