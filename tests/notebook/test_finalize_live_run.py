"""``runs --finalize`` of a run whose processes are alive (round 4 of the bad-input sweep) marked it interrupted and
broke it (the live run then ended as an environment error). The run's lock is held by the wrapper and the child it
starts (which outlives a SIGKILLed wrapper): finalize refuses while either lives and works once all are gone."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_runs import FIX, _descendants

LOKONB = [sys.executable, "-m", "lokonb"]


def _start(tmp_path: Path) -> tuple[subprocess.Popen[bytes], Path]:
    proc = subprocess.Popen([*LOKONB, "run", str(FIX / "sleeps.ipynb"), "--output", str(tmp_path), "-p",
                             "seconds", "600"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:  # until the sleeping cell runs
        found = list(tmp_path.glob("sleeps/*/.partial/sleeps.ipynb"))
        if found and "application/vnd.lokonb.result+json" in found[0].read_text():
            return proc, found[0].parent.parent
        time.sleep(0.2)
    proc.kill()
    raise AssertionError("the run did not start")


def _kill(pids: list[int]) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _finalize(run_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*LOKONB, "runs", "--finalize", str(run_dir)], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("killed", ["nothing", "the wrapper only"])
def test_finalize_refuses_a_live_run(tmp_path: Path, killed: str) -> None:
    proc, run_dir = _start(tmp_path)
    family = [proc.pid, *_descendants(proc.pid)]
    try:
        if killed == "the wrapper only":
            _kill([proc.pid])
            proc.wait(timeout=30)
        refused = _finalize(run_dir)
        assert refused.returncode == 2 and "is still running" in refused.stderr, refused.stderr
        assert (run_dir / ".partial").is_dir()  # left alone
    finally:
        _kill(family)
        proc.wait(timeout=30)
    done = _finalize(run_dir)
    assert done.returncode == 0, done.stderr
    assert not (run_dir / ".running.lock").exists() and not (run_dir / ".partial").exists()
