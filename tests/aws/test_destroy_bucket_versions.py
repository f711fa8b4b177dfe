"""Destroy and the node-config bucket's object versions (aws.md §9 step 8): every version and delete marker goes,
and a version S3 refuses to delete (DeleteObjects answers HTTP 200 with per-key errors: no s3:DeleteObjectVersion,
object lock) ends destroy with DestroyIncomplete naming the key and the reason, not a bare BucketNotEmpty."""

from __future__ import annotations

import pytest

from aws.conftest import boto
from lokonb.aws import api
from lokonb.aws.errors import DestroyIncomplete


def _bucket(url, empty=False):
    s3 = boto(url, "s3")
    name = next(b["Name"] for b in s3.list_buckets()["Buckets"] if b["Name"].startswith("lokonb-demo-"))
    for o in s3.list_objects_v2(Bucket=name).get("Contents", []) if empty else ():  # moto locks empty buckets only
        s3.delete_object(Bucket=name, Key=o["Key"])
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    return s3, name


def test_destroy_deletes_every_version_and_delete_marker(make_config, aws_url):
    cfg = make_config()
    api.apply(cfg, node_configs="minimal", progress=False)
    s3, name = _bucket(aws_url)
    for i in range(3):
        s3.put_object(Bucket=name, Key="demo/notes.txt", Body=b"v%d" % i)
    s3.delete_object(Bucket=name, Key="demo/notes.txt")  # a delete marker on top
    assert len(s3.list_object_versions(Bucket=name, Prefix="demo/notes.txt")["Versions"]) == 3
    res = api.destroy(cfg, confirm=True, progress=False)
    assert "nothing left" in res.message
    assert not [b for b in s3.list_buckets()["Buckets"] if b["Name"] == name]


def test_an_undeletable_version_is_named(make_config, aws_url):
    cfg = make_config()
    api.apply(cfg, node_configs="minimal", progress=False)
    s3, name = _bucket(aws_url, empty=True)
    s3.put_object_lock_configuration(Bucket=name, ObjectLockConfiguration={"ObjectLockEnabled": "Enabled"})
    held = s3.put_object(Bucket=name, Key="demo/held.txt", Body=b"x", ObjectLockLegalHoldStatus="ON")["VersionId"]
    with pytest.raises(DestroyIncomplete) as ei:
        api.destroy(cfg, confirm=True, progress=False)
    msg = str(ei.value)
    assert "could not delete 1 object version(s)" in msg and "demo/held.txt: AccessDenied" in msg
    assert "object lock" in msg and "BucketNotEmpty" not in msg
    # lift the hold: the next destroy finishes
    s3.put_object_legal_hold(Bucket=name, Key="demo/held.txt", VersionId=held, LegalHold={"Status": "OFF"})
    assert "nothing left" in api.destroy(cfg, confirm=True, progress=False).message
