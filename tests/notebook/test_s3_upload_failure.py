"""§4.8: an upload failure keeps the local copy, names its path, and exits 5 (environment error)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

FIX = Path(__file__).parent / "fixtures"


def test_upload_failure_keeps_the_local_run(moto_endpoint: str) -> None:
    env = {"AWS_ENDPOINT_URL": moto_endpoint, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_DEFAULT_REGION": "us-east-1", "LOKONB_HEADLESS": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "lokonb", "run", str(FIX / "ok.ipynb"), "--output", "s3://no-such-bucket/runs"],
        capture_output=True, text=True, timeout=120, env={**os.environ, **env},
    )
    assert proc.returncode == 5, proc.stderr
    assert "upload to s3://no-such-bucket/runs failed" in proc.stderr
    kept = Path(proc.stderr.rsplit("kept locally in ", 1)[1].split()[0])
    for name in ("ok.ipynb", "report.html", "results.json", "run.log", "parameters.yaml"):
        assert (kept / name).is_file(), name
    assert json.loads((kept / "results.json").read_text())["results"]["doubled"]["value"] == 4
    assert not (kept / ".partial").exists()
