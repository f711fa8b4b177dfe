"""R7.2/R3.7: a parameter error quotes the refused value cut to 40 characters; a known secret given by mistake (a
kubeconfig token or secret key pasted into the wrong field) is scrubbed before it is cut. Cut first, the quoted
prefix no longer matched the whole value and reached stderr and ``results.json``."""

from __future__ import annotations

import json
import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest

from lokonb.notebook import redact
from lokonb.notebook.exceptions import ParameterError
from lokonb.notebook.params import validate
from lokonb.notebook.redact import Redactor
from lokonb.notebook.schemas import REGISTRY

REPO = Path(__file__).resolve().parents[2]


def _fake_secret_key() -> str:  # built at test time: repository secret scanners stay quiet
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(40))


def test_cli_error_does_not_quote_a_secret_prefix(tmp_path: Path) -> None:
    key = _fake_secret_key()
    env = {**os.environ, "AWS_SECRET_ACCESS_KEY": key}
    proc = subprocess.run([sys.executable, "-m", "lokonb", "run", "render_flatcar", "--set", "default",
                           "-r", "ignition_version", key, "--output", str(tmp_path)],
                          capture_output=True, text=True, timeout=120, cwd=REPO, env=env)
    assert proc.returncode == 2, proc.stderr
    assert "ignition_version (-r): '***REDACTED***' is not allowed; allowed: 3.3.0" in proc.stderr
    written = "".join(p.read_text() for p in tmp_path.rglob("*") if p.is_file())
    assert json.loads(next(tmp_path.rglob("results.json")).read_text())["status"] == "parameter_error"
    for stream in (proc.stdout, proc.stderr, written):
        assert key[:12] not in stream


def test_api_error_scrubs_a_registered_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(redact, "_PROCESS_REDACTOR", [Redactor()])
    token = "kt-" + _fake_secret_key()
    redact.register_secret(token)
    with pytest.raises(ParameterError) as exc:
        validate(REGISTRY["metadata_access"], {"action": token}, route="api")
    assert token[:12] not in str(exc.value) and "is not allowed; allowed: render, audit, apply" in str(exc.value)
