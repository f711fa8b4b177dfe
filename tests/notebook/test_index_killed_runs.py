"""R4.4: a run whose process was killed stays visible as ``interrupted`` in the index and ``lokonb runs``."""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from pathlib import Path

from lokonb.notebook.finalize import WRAPPER_LOCK
from lokonb.notebook.index import rebuild_index


def running_run(base: Path, run_id: str, lock: bool) -> Path:
    """A run directory as a wrapper leaves it mid-run: results.json says running (and a lock file, if it got that
    far)."""
    run_dir = base / "ok" / run_id
    run_dir.mkdir(parents=True)
    (run_dir / "results.json").write_text(json.dumps({
        "schema_version": 1, "run_id": run_id, "notebook": "ok", "parameter_set": "adhoc", "status": "running",
        "started_at": f"2026-02-0{run_id[-1]}T10:00:00Z", "results": {}, "artefacts": {},
    }), encoding="utf-8")
    if lock:
        (run_dir / WRAPPER_LOCK).touch()
    return run_dir


def test_killed_run_is_interrupted_live_run_is_running(tmp_path: Path) -> None:
    running_run(tmp_path, "run-1", lock=True)  # its processes are gone: nobody holds the lock
    live = running_run(tmp_path, "run-2", lock=True)
    running_run(tmp_path, "run-3", lock=False)  # before the child started: cannot tell, so still running
    fd = os.open(live / WRAPPER_LOCK, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # as the wrapper and its child hold it
        rows = rebuild_index(tmp_path)
        listed = subprocess.run(
            [sys.executable, "-m", "lokonb", "runs", "--output", str(tmp_path), "--json", "--status", "interrupted"],
            capture_output=True, text=True, timeout=60,
        )
    finally:
        os.close(fd)
    assert {r["run_id"]: r["status"] for r in rows} == {"run-1": "interrupted", "run-2": "running",
                                                       "run-3": "running"}
    assert "interrupted" in (tmp_path / "index.html").read_text(encoding="utf-8")
    assert listed.returncode == 0, listed.stderr
    assert [r["run_id"] for r in json.loads(listed.stdout)] == ["run-1"]
