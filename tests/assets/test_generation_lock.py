"""Two processes generating into one asset directory (round 5 of the bad-input sweep): each kept its own new CAs
in memory (and rendered or applied with them) while only one set survived on disk, or a mix of both. The tree is now
locked while assets are loaded or generated, so the second process waits and reuses the first one's CAs. The lock
file is a dot file, which the S3 state's asset upload and "assets already here" test skip."""

from __future__ import annotations

import fcntl
import io
import os
import threading
import time
from pathlib import Path
from typing import Any

from lokonb.assets import load_or_generate
from lokonb.assets.store import LOCK_FILE
from lokonb.aws.state import S3State

from .conftest import make_config


def test_second_generation_waits_for_the_first(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import lokonb.assets.bundle as bundle

    config = make_config(tmp_path)
    tree = tmp_path / "cluster-assets"
    tree.mkdir(mode=0o700)
    held = [True]
    issued_while_held: list[str] = []
    real_issue = bundle.issue

    def issue(spec, **kw):  # type: ignore[no-untyped-def]
        if held[0]:
            issued_while_held.append(spec.name)
        return real_issue(spec, **kw)

    monkeypatch.setattr(bundle, "issue", issue)
    fd = os.open(tree / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)  # another process generating (a second open file description conflicts too)
    done: list[Any] = []
    worker = threading.Thread(target=lambda: done.append(load_or_generate(config)))
    worker.start()
    time.sleep(1.0)
    held[0] = False
    os.close(fd)
    worker.join(60)
    assert issued_while_held == [], "load_or_generate generated while another process held the asset lock"
    assert done and (tree / "tls" / "ca.crt").exists()
    again = load_or_generate(config)
    assert again.kubernetes_ca_pem() == done[0].kubernetes_ca_pem()  # reused, not a second CA


class _FakeS3:
    """Just enough of lokonb.aws's session for S3State's asset upload and download."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def call(self, service: str, op: str, **kw: Any) -> dict:
        if op == "put_object":
            self.objects[kw["Key"]] = kw["Body"]
            return {}
        if op == "delete_object":
            self.objects.pop(kw["Key"], None)
            return {}
        if op == "get_object":
            if kw["Key"] not in self.objects:
                from lokonb.aws.errors import AwsError

                raise AwsError("NoSuchKey", code="NoSuchKey")
            return {"Body": io.BytesIO(self.objects[kw["Key"]])}
        raise AssertionError(op)


def test_lock_file_is_not_an_asset(tmp_path: Path) -> None:
    config = make_config(tmp_path / "a")
    load_or_generate(config)
    assert (tmp_path / "a" / "cluster-assets" / LOCK_FILE).exists()
    s3 = _FakeS3()
    state = S3State("demo", s3, "bucket", "demo/state.json", None)
    refs = state.push_assets(tmp_path / "a")
    assert LOCK_FILE not in refs and "tls/ca.crt" in refs
    # a fresh machine whose asset dir holds only a lock file (a generation that failed) downloads the assets
    fresh = tmp_path / "b" / "cluster-assets"
    fresh.mkdir(parents=True)
    (fresh / LOCK_FILE).touch()
    assert state.pull_assets(tmp_path / "b") == len(refs)
    original = tmp_path / "a" / "cluster-assets" / "tls" / "ca.crt"
    assert (fresh / "tls" / "ca.crt").read_bytes() == original.read_bytes()
