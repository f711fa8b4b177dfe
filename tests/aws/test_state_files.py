"""Local state record and lock files with content lokonb did not write (truncated, hand-edited, another tool's):
a record that is not a JSON object is refused, never read as 'no state'; a lock without a readable id is still
a held lock, reported as unreadable and breakable with ``--lock-id unreadable`` (it was shown as 'locked by ?'
and a JSON list made ``state unlock`` say 'not locked')."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lokonb.aws.errors import LockHeldError
from lokonb.aws.state import UNREADABLE_LOCK_ID, LocalState
from lokonb.errors import OperationFailed

RECORDS = [
    # (file content, fragment of the refusal)
    (b"garbage", "is not valid JSON"),
    (b"[]", "holds a list, not a JSON object"),
    (b'"demo"', "holds a string, not a JSON object"),
    (b"\xff\xfe\x00", "is not valid JSON"),
    # field shapes: these raised AttributeError/TypeError (exit 70) in plan or apply
    (b'{"format": 1, "resources": []}', r"resources is \[\], expected an object"),
    (b'{"format": 1, "resources": {"vpc": 5}}', r'resources\["vpc"\] is 5, expected an object'),
    (b'{"format": 1, "resources": {"vpc": {"id": "v", "extra": []}}}', r'resources\["vpc"\] is'),
    (b'{"format": 1, "serial": "x"}', 'serial is "x", expected an integer'),
    (b'{"format": true}', "format is true, expected an integer"),
    (b'{"format": 1, "cluster_name": 5}', "cluster_name is 5, expected a string"),
    (b'{"format": 1, "amis": [], "resources": {}}', "amis is"),
]


@pytest.mark.parametrize("content,fragment", RECORDS)
def test_bad_record_is_refused(tmp_path, content, fragment):
    path = tmp_path / "state.json"
    path.write_bytes(content)
    with pytest.raises(OperationFailed, match=fragment) as exc:
        LocalState("demo", path).read()
    assert str(path) in str(exc.value) and "move it away" in str(exc.value)


def test_newer_format_is_refused_with_the_writer_version(tmp_path):
    path = tmp_path / "state.json"
    path.write_bytes(b'{"format": 2, "lokonb_version": "9.0", "resources": {}}')
    with pytest.raises(OperationFailed, match="has format 2, written by a newer lokonb \\(9.0\\)"):
        LocalState("demo", path).read()


def test_record_without_optional_fields_is_read(tmp_path):
    path = tmp_path / "state.json"
    path.write_bytes(b'{"cluster_name": "demo", "resources": null, "serial": 3}')
    assert LocalState("demo", path).read()["serial"] == 3


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


def _fifo(tmp_path):
    fifo = tmp_path / "state.fifo"
    os.mkfifo(fifo)
    return fifo


ALL_OPERATIONS = ("read", "write", "delete", "acquire")
SPECIAL_PATHS = [
    # (name, path maker, kind in the message, operations): never read (a FIFO blocked), locked beside, replaced or
    # unlinked. /dev/null is only read here: a regression must not unlink or replace the real device.
    ("/dev/null", lambda tmp: Path("/dev/null"), "not a regular file", ("read",)),
    ("FIFO", _fifo, "not a regular file", ALL_OPERATIONS),
    ("directory", lambda tmp: tmp, "is a directory", ALL_OPERATIONS),
]
CASES = [(name, make, kind, op) for name, make, kind, ops in SPECIAL_PATHS for op in ops]


@pytest.mark.parametrize("name,make,kind,operation", CASES, ids=[f"{c[0]}-{c[3]}" for c in CASES])
def test_state_path_must_be_a_regular_file(tmp_path, name, make, kind, operation):
    path = make(tmp_path)
    backend = LocalState("demo", path)
    calls = {"read": backend.read, "write": lambda: backend.write({"format": 1}), "delete": backend.delete,
             "acquire": lambda: backend.acquire("apply", "c.yaml")}
    with pytest.raises(OperationFailed, match="state path .* (is not a regular file|is a directory)") as exc:
        calls[operation]()
    assert kind in str(exc.value) and str(path) in str(exc.value)
    assert not Path(str(path) + ".lock").exists() and path.exists()
