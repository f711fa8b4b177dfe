"""Real-AWS mode (no endpoint) when the credential chain breaks before any request leaves the machine: each case
must give a translated message naming the profile and the fix (aws.md §10), never an "internal error" or a
traceback. Profiles are composed after the AWS CLI's documented config file settings
(https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-files.html, sso_*, credential_process,
role_arn/source_profile)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from lokonb.aws.errors import AwsError
from lokonb.aws.session import Aws

CONFIG = """\
[profile sso-dev]
sso_start_url = https://example-corp.awsapps.com/start
sso_region = eu-west-1
sso_account_id = 210987654321
sso_role_name = Deployer

[profile broken-process]
credential_process = /bin/false

[profile orphan-role]
role_arn = arn:aws:iam::210987654321:role/ops
source_profile = no-such-source
"""

# (id, environment, file contents, expected message parts)
CASES = [
    ("partial-env", {"AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE"}, {},
     ["No AWS credentials found", "AWS_SECRET_ACCESS_KEY"]),
    ("partial-file", {"AWS_SHARED_CREDENTIALS_FILE": "{creds}"},
     {"creds": "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"}, ["No AWS credentials found"]),
    ("sso-no-token", {"AWS_PROFILE": "sso-dev"}, {"config": CONFIG},
     ["profile sso-dev have expired", "aws sso login --profile sso-dev"]),
    ("credential-process-fails", {"AWS_PROFILE": "broken-process"}, {"config": CONFIG},
     ["profile broken-process could not be loaded", "custom-process", "AWS_PROFILE"]),
    ("source-profile-missing", {"AWS_PROFILE": "orphan-role"}, {"config": CONFIG},
     ["profile orphan-role could not be loaded", '"no-such-source"']),
]


def _env(tmp_path: Path, env: dict, files: dict) -> dict:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    out = {k: v.format(creds=tmp_path / "creds") for k, v in env.items()}
    return {"HOME": str(tmp_path), "AWS_CONFIG_FILE": str(tmp_path / "config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"), "AWS_EC2_METADATA_DISABLED": "true", **out}


@pytest.mark.parametrize("env,files,parts", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_broken_credential_chain_is_translated(tmp_path, monkeypatch, env, files, parts):
    for k in [k for k in os.environ if k.startswith("AWS_")]:
        monkeypatch.delenv(k)
    for k, v in _env(tmp_path, env, files).items():
        monkeypatch.setenv(k, v)
    with pytest.raises(AwsError) as ei:
        Aws(region="eu-central-1").identify()
    for part in parts:
        assert part in str(ei.value)


def test_cli_shows_no_botocore_traceback_for_a_failed_sso_refresh(tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("cluster:\n  cluster_name: demo\n  dns_zone: example.com\n  ssh_pubkeys: ['ssh-ed25519 "
                   "AAAAC3NzaC1lZDI1NTE5AAAAILm9OVC7oteLOXGJFu5UuvbkqsfIPwFL1OwQmTwFOUsb ops@example']\n"
                   "  worker_pools: [{name: web, count: 1}]\naws: {region: eu-central-1}\n")
    env = {"PATH": os.environ["PATH"], **_env(tmp_path, {"AWS_PROFILE": "sso-dev"}, {"config": CONFIG})}
    r = subprocess.run([sys.executable, "-m", "lokonb", "cluster", "plan", str(cfg), "--node-configs", "minimal"],
                       capture_output=True, text=True, env=env, cwd=Path(__file__).resolve().parents[2], timeout=120)
    assert r.returncode == 1, r.stderr
    assert "Traceback" not in r.stderr and "aws sso login --profile sso-dev" in r.stderr
