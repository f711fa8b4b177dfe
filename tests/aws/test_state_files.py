"""Local state record and lock files with content lokonb did not write (truncated, hand-edited, another tool's):
a record that is not a JSON object is refused, never read as 'no state'; a lock without a readable id is still
a held lock, reported as unreadable and breakable with ``--lock-id unreadable`` (it was shown as 'locked by ?'
and a JSON list made ``state unlock`` say 'not locked')."""

from __future__ import annotations

import pytest

from lokonb.aws.errors import LockHeldError
from lokonb.aws.state import UNREADABLE_LOCK_ID, LocalState
from lokonb.errors import OperationFailed

RECORDS = [
    # (file content, fragment of the refusal)
    (b"garbage", "is not valid JSON"),
    (b"[]", "is a JSON list, not an object"),
    (b'"demo"', "is a JSON str, not an object"),
    (b"\xff\xfe\x00", "is not valid JSON"),
]


@pytest.mark.parametrize("content,fragment", RECORDS)
def test_bad_record_is_refused(tmp_path, content, fragment):
    path = tmp_path / "state.json"
    path.write_bytes(content)
    with pytest.raises(OperationFailed, match=fragment) as exc:
        LocalState("demo", path).read()
    assert str(path) in str(exc.value) and "move it away" in str(exc.value)


LOCKS = [b"garbage", b"[]", b"{}", b'{"lock_id": 5}', b"", b"\xff"]


@pytest.mark.parametrize("content", LOCKS)
def test_unreadable_lock_is_held_and_breakable(tmp_path, content):
    backend = LocalState("demo", tmp_path / "state.json")
    backend.lock_path.write_bytes(content)
    with pytest.raises(LockHeldError) as exc:
        backend.acquire("apply", "c.yaml")
    assert "holds no readable lock id" in str(exc.value)
    assert f"lokonb state unlock c.yaml --lock-id {UNREADABLE_LOCK_ID}" in str(exc.value)
    with pytest.raises(OperationFailed, match="does not match"):
        backend.break_lock("abc")
    assert backend.break_lock(UNREADABLE_LOCK_ID)["unreadable"] == str(backend.lock_path)
    assert not backend.lock_path.exists()
    backend.release(backend.acquire("apply", "c.yaml"))


def test_readable_lock_message_is_unchanged(tmp_path):
    backend = LocalState("demo", tmp_path / "state.json")
    held = backend.acquire("destroy", "c.yaml")
    with pytest.raises(LockHeldError, match=f"locked by destroy .* lock id {held['lock_id']}"):
        backend.acquire("apply", "c.yaml")
