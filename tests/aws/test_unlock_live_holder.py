"""``state unlock --lock-id ID`` broke the lock of an apply that was still running on this host (round 5 of the
bad-input sweep): the lock message itself says "if that run is gone, run unlock", and an operator who ran it
anyway let a second apply or destroy work beside the first. A holder on this host whose pid is alive and started
before the lock was taken is now refused; a dead pid, a pid reused by a later process or another host's lock is
still broken."""

from __future__ import annotations

import getpass
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from lokonb.aws.state import LocalState, now
from lokonb.errors import OperationFailed


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


HOST = f"{getpass.getuser()}@{socket.gethostname()}"
CASES = [
    # (who, pid, created_at, refused)
    (HOST, "self", "now", True),
    (HOST, "dead", "now", False),
    (HOST, "self", "2000-01-01T00:00:00Z", False),  # this pid was another process's when the lock was taken
    ("ops@another-host", "self", "now", False),  # cannot be checked from here: the lock id decides
]


@pytest.mark.parametrize("who,pid,created,refused", CASES, ids=["running", "dead", "pid-reused", "other-host"])
def test_unlock_refuses_a_running_holder(tmp_path: Path, who: str, pid: str, created: str, refused: bool) -> None:
    state = LocalState("demo", tmp_path / "lokonb-state.json")
    lock = {"lock_id": "abc", "operation": "apply", "who": who,
            "pid": os.getpid() if pid == "self" else _dead_pid(), "created_at": now() if created == "now" else created}
    state.lock_path.write_text(json.dumps(lock), "utf-8")
    if refused:
        with pytest.raises(OperationFailed, match=r"cluster demo is locked by apply \(pid \d+ on this host\), which is "
                                                  r"still running: unlock is for a lock whose run is gone"):
            state.break_lock("abc")
        assert state.lock_path.exists()
    else:
        assert state.break_lock("abc")["lock_id"] == "abc"
        assert not state.lock_path.exists()
