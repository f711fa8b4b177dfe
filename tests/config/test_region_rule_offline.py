"""V15 (region) reads botocore's packaged endpoint data without an AWS session (round 4 of the bad-input sweep): a
session reads $AWS_PROFILE/$AWS_CONFIG_FILE first, so a stale profile name or a broken AWS config file crashed the
offline `config validate`/`config show` (ProfileNotFound / ConfigParseError, exit 70). The AWS commands name a
profile that came from $AWS_PROFILE instead of saying "profile None"."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lokonb.config import read_yaml
from lokonb.config.rules import known_regions

REPO = Path(__file__).resolve().parents[2]
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILm9OVC7oteLOXGJFu5UuvbkqsfIPwFL1OwQmTwFOUsb ops@example"


def _environments(tmp_path: Path) -> dict[str, dict[str, str]]:
    broken = tmp_path / "aws-config"
    broken.write_text("this is [not an ini file\n")
    return {"stale AWS_PROFILE": {"AWS_PROFILE": "no-such-profile"},
            "broken AWS_CONFIG_FILE": {"AWS_CONFIG_FILE": str(broken)}}


@pytest.mark.parametrize("case", ["stale AWS_PROFILE", "broken AWS_CONFIG_FILE"])
def test_region_rule_needs_no_aws_config(tmp_path, monkeypatch, case):
    for key, value in _environments(tmp_path)[case].items():
        monkeypatch.setenv(key, value)
    known_regions.cache_clear()
    try:
        regions = known_regions()
        model = read_yaml({"cluster": {"cluster_name": "demo", "dns_zone": "example.com", "ssh_pubkeys": [KEY],
                                       "region": "ap-east-1", "worker_pools": [{"name": "web", "count": 1}]}})
    finally:
        known_regions.cache_clear()
    assert regions["eu-central-1"] == "aws" and regions["cn-north-1"] == "aws-cn"
    assert regions["us-gov-west-1"] == "aws-us-gov" and model.config.region == "ap-east-1"


@pytest.mark.parametrize("case", ["stale AWS_PROFILE", "broken AWS_CONFIG_FILE"])
def test_config_validate_cli(tmp_path, case):
    env = {**_environments(tmp_path)[case], "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-m", "lokonb", "config", "validate",
                           str(REPO / "parameters/provision_cluster/default.yaml")], capture_output=True, text=True,
                          timeout=60, env={**env, "PYTHONPATH": str(REPO)})
    assert proc.returncode == 0, proc.stderr
    assert "valid" in proc.stdout


@pytest.mark.parametrize("profile,expected", [
    (None, "AWS profile 'stale' (from $AWS_PROFILE) not found in the shared config/credentials files; unset "
           "AWS_PROFILE"),
    ("stale", "AWS profile 'stale' not found in the shared config/credentials files; set aws.profile"),
])
def test_profile_not_found_names_the_profile(profile, expected):
    from botocore.exceptions import ProfileNotFound

    from lokonb.aws.errors import translate

    assert str(translate(ProfileNotFound(profile="stale"), profile=profile)).startswith(expected)
