"""A5 concurrent applies and the lock (local and S3 + DynamoDB), A6 faults retried, A8 failure mid-apply.

Faults come from the fault-injecting moto server (tests/aws/faults.py): botocore's real retry handler sees real
HTTP error responses. botocore's backoff sleep is patched to 0 (``no_backoff``): retry decisions stay real.
"""

from __future__ import annotations

import threading

import pytest

from aws.conftest import boto
from lokonb.aws import api, state
from lokonb.aws.errors import ApplyFailed, LockHeldError
from lokonb.aws.session import open_aws
from lokonb.errors import OperationFailed


def _race(cfg, server):
    """Two applies at once; the first one is held at CreateVpc so they overlap."""
    server.add(service="ec2", op="CreateVpc", times=1, code="", delay=1.0)
    results: list = [None, None]

    def run(i: int) -> None:
        try:
            results[i] = api.apply(cfg, node_configs="minimal", progress=False)
        except Exception as exc:  # noqa: BLE001 - collected for the assertions
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    threads[0].start()
    while not server.ops("ec2").count("CreateVpc"):
        threading.Event().wait(0.02)
    threads[1].start()
    for t in threads:
        t.join(120)
    return results


def test_concurrent_applies_local_lock(make_config, moto_server, tmp_path):
    cfg = make_config()
    results = _race(cfg, moto_server)
    refused = [r for r in results if isinstance(r, LockHeldError)]
    ok = [r for r in results if not isinstance(r, Exception)]
    assert len(refused) == 1 and len(ok) == 1, results
    msg = str(refused[0])
    assert "Cluster demo is locked by apply" in msg and "lokonb state unlock" in msg
    assert refused[0].info["lock_id"] in msg and refused[0].info["pid"] > 0
    assert not (tmp_path / "state.json.lock").exists()  # released by the winner
    assert api.plan(cfg, node_configs="minimal").is_empty


def test_concurrent_applies_s3_dynamodb_lock(make_config, moto_server):
    cfg = make_config(state={"backend": "s3", "bucket": "ops-state", "key": "lokonb/demo.json",
                             "region": "eu-central-1", "dynamodb_table": "locks"})
    with open_aws(cfg) as a:
        assert state.init_backend(cfg, a) == ["created bucket ops-state", "created table locks"]
        assert state.init_backend(cfg, a) == []  # idempotent
    results = _race(cfg, moto_server)
    refused = [r for r in results if isinstance(r, LockHeldError)]
    assert len(refused) == 1 and sum(not isinstance(r, Exception) for r in results) == 1, results
    s3 = boto(moto_server.url, "s3")
    rec = s3.get_object(Bucket="ops-state", Key="lokonb/demo.json")
    assert rec["ServerSideEncryption"] == "AES256" or rec["ResponseMetadata"]["HTTPStatusCode"] == 200
    body = rec["Body"].read().decode()
    assert '"status": "succeeded"' in body and "BEGIN" not in body  # no key material in the record
    assert boto(moto_server.url, "dynamodb").scan(TableName="locks")["Items"] == []


def _holder_gone(lock_path):
    """Make the lock look like one whose process has exited (a finished child's pid)."""
    import json
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    lock_path.write_text(json.dumps({**json.loads(lock_path.read_text()), "pid": child.pid}))


def test_lock_break_needs_matching_id_and_owner_only_release(make_config, tmp_path):
    cfg = make_config()
    backend = state.open_backend(cfg, None)
    info = backend.acquire("apply", "cfg.yaml")
    with pytest.raises(LockHeldError):
        api.apply(cfg, node_configs="minimal", progress=False)
    backend.release({**info, "lock_id": "someone-else"})  # a non-owner cannot release it
    assert backend.lock_info()["lock_id"] == info["lock_id"]
    with pytest.raises(OperationFailed, match="does not match"):
        api.break_lock(cfg, "wrong-id")
    assert backend.lock_info()["lock_id"] == info["lock_id"]
    with pytest.raises(OperationFailed, match="which is still running"):  # this process holds it
        api.break_lock(cfg, info["lock_id"])
    _holder_gone(backend.lock_path)
    broken = api.break_lock(cfg, info["lock_id"])
    assert broken["lock_id"] == info["lock_id"] and backend.lock_info() is None


@pytest.mark.usefixtures("no_backoff")
def test_throttling_and_5xx_are_retried(make_config, moto_server):
    rules = [
        moto_server.add(service="ec2", op="RunInstances", times=3, status=503, code="RequestLimitExceeded"),
        moto_server.add(service="elasticloadbalancing", op="CreateLoadBalancer", times=2, status=503,
                        code="ServiceUnavailable"),
        moto_server.add(service="route53", op=r"POST /2013-04-01/hostedzone/[^/]+/rrset/?", times=1, status=400,
                        code="Throttling"),
        moto_server.add(service="autoscaling", op="CreateAutoScalingGroup", times=1, status=400, code="Throttling"),
        moto_server.add(service="iam", op="CreateRole", times=1, status=400, code="Throttling"),
        moto_server.add(service="s3", op=r"PUT /lokonb-demo-[^/]+/demo/.+", times=1, status=503, code="SlowDown"),
        moto_server.add(service="ec2", op="CreateSubnet", times=2, status=500, code="InternalError"),
    ]
    cfg = make_config()
    res = api.apply(cfg, node_configs="minimal", progress=False)
    assert (res.result_df.status == "done").all()
    assert [r.hits for r in rules] == [r.times for r in rules]
    assert api.plan(cfg, node_configs="minimal").is_empty
    ec2 = boto(moto_server.url, "ec2")
    running = [i for r in ec2.describe_instances(Filters=[{"Name": "tag:lokonb:resource", "Values": ["controller/*"]}])[
        "Reservations"] for i in r["Instances"] if i["State"]["Name"] == "running"]
    assert len(running) == 1  # ClientToken: botocore's retries could not launch twice


@pytest.mark.usefixtures("no_backoff")
def test_dependency_violation_retried_during_destroy(make_config, moto_server):
    cfg = make_config()
    api.apply(cfg, node_configs="minimal", progress=False)
    rule = moto_server.add(service="ec2", op="DeleteSecurityGroup", times=3, status=400, code="DependencyViolation",
                           message="resource sg has a dependent object")
    res = api.destroy(cfg, confirm=True, progress=False)
    assert rule.hits == 3 and "nothing left" in res.message


@pytest.mark.usefixtures("no_backoff")
def test_non_retryable_failure_stops_reports_and_resumes(make_config, moto_server, tmp_path):
    cfg = make_config()
    rule = moto_server.add(service="ec2", op="RunInstances", times=None, status=403, code="UnauthorizedOperation",
                           message="You are not authorized to perform this operation.")
    with pytest.raises(ApplyFailed) as ei:
        api.apply(cfg, node_configs="minimal", progress=False)
    msg = str(ei.value)
    assert "Access denied: `ec2:RunInstances`" in msg and "controller/0" in msg and "resumes" in msg
    assert msg.count("controller/0") == 1, msg  # named once, by the translated error
    df = ei.value.result
    assert set(df.status) <= {"done", "failed", "not-started", "unconfirmed"}
    assert df.set_index("key").loc["controller/0", "status"] == "failed"
    assert (df.status == "not-started").sum() >= 3  # tg-attach, etcd record ... never started
    assert rule.hits == 1  # not retried
    assert not (tmp_path / "state.json.lock").exists()
    assert '"status": "failed"' in (tmp_path / "state.json").read_text()
    moto_server.clear()
    p = api.plan(cfg, node_configs="minimal")
    assert all(a.action == "create" for a in p.changes)
    assert "controller/0" in {a.key for a in p.changes} and "vpc" not in {a.key for a in p.changes}
    api.apply(cfg, node_configs="minimal", progress=False)
    assert api.plan(cfg, node_configs="minimal").is_empty


@pytest.mark.usefixtures("no_backoff")
def test_endless_throttling_fails_after_max_attempts_with_translated_message(make_config, moto_server):
    cfg = make_config()
    rule = moto_server.add(service="ec2", op="CreateVpc", times=None, status=503, code="RequestLimitExceeded",
                           message="Request limit exceeded.")
    with pytest.raises(ApplyFailed, match="RequestLimitExceeded"):
        api.apply(cfg, node_configs="minimal", progress=False)
    assert rule.hits == cfg.aws.max_attempts


@pytest.mark.usefixtures("no_backoff")
def test_lock_put_item_throttling_is_retried(make_config, moto_server):
    cfg = make_config(state={"backend": "s3", "bucket": "ops-state", "key": "lokonb/demo.json",
                             "region": "eu-central-1", "dynamodb_table": "locks"})
    with open_aws(cfg) as a:
        state.init_backend(cfg, a)
        rule = moto_server.add(service="dynamodb", op="PutItem", times=2, status=400,
                               code="ProvisionedThroughputExceededException")
        backend = state.open_backend(cfg, a)
        info = backend.acquire("apply", "cfg.yaml")
        assert rule.hits == 2 and backend.lock_info()["lock_id"] == info["lock_id"]
        with pytest.raises(LockHeldError, match="locked by apply"):
            state.open_backend(cfg, a).acquire("apply", "cfg.yaml")
        backend.release({**info, "lock_id": "not-mine"})  # conditional delete: a non-owner cannot release
        assert backend.lock_info()["lock_id"] == info["lock_id"]
        with pytest.raises(OperationFailed, match="does not match"):
            backend.break_lock("wrong")
        backend.release(info)
        assert backend.lock_info() is None


def test_read_timeout_on_create_vpc_leaves_exactly_one_vpc(make_config, moto_server, aws_url):
    """The first CreateVpc is held past read_timeout: botocore retries, moto later executes the held request too."""
    cfg = make_config(aws={"read_timeout": 1, "waiter_scale": 0.5})
    rule = moto_server.add(service="ec2", op="CreateVpc", times=1, code="", delay=1.5)
    res = api.apply(cfg, node_configs="minimal", progress=False)
    assert rule.hits == 1
    vpcs = boto(aws_url, "ec2").describe_vpcs(Filters=[{"Name": "tag:lokonb:cluster", "Values": ["demo"]}])["Vpcs"]
    assert len(vpcs) == 1, vpcs
    assert any("duplicate ec2:vpc" in n for n in res.notes), res.notes
    assert api.plan(cfg, node_configs="minimal").is_empty


def test_s3_backend_shares_the_pki_with_another_operator(make_config, aws_url, tmp_path):
    """Apply with rendered node configs stores the assets as SSE objects beside the record; a second operator
    with an empty asset directory gets the same PKI (so the same node configs: an empty plan)."""
    import shutil

    s3 = boto(aws_url, "s3")
    st_cfg = {"backend": "s3", "bucket": "ops-state", "key": "lokonb/demo.json", "region": "eu-central-1",
              "dynamodb_table": "locks"}
    cfg = make_config(state=st_cfg)
    with open_aws(cfg) as a:
        state.init_backend(cfg, a)
    res = api.apply(cfg, progress=False)
    objs = {o["Key"] for o in s3.list_objects_v2(Bucket="ops-state", Prefix="lokonb/demo.json.secrets/")["Contents"]}
    assert "lokonb/demo.json.secrets/manifest.json" in objs and any(k.endswith(".key") for k in objs)
    record = s3.get_object(Bucket="ops-state", Key="lokonb/demo.json")["Body"].read().decode()
    assert "PRIVATE KEY" not in record and "s3://ops-state/lokonb/demo.json.secrets/" in record
    assert res.kubeconfig_path
    shutil.rmtree(tmp_path / "assets")  # operator 2: nothing local
    p = api.plan(cfg)  # fetches the PKI first: a fresh one would change every node config
    assert p.is_empty, p.text()
    assert (tmp_path / "assets" / "cluster-assets").is_dir()
    assert api.apply(cfg, progress=False).plan.is_empty
    api.destroy(cfg, confirm=True, progress=False)
    assert "Contents" not in s3.list_objects_v2(Bucket="ops-state", Prefix="lokonb/demo.json")


@pytest.mark.usefixtures("no_backoff")
def test_throttled_tag_sweep_during_destroy_is_retried(make_config, moto_server):
    """The destroy's final tag sweep (resourcegroupstaggingapi GetResources, a JSON protocol): throttling gets a
    JSON error body from the fault server, as from AWS, and botocore retries it."""
    from lokonb.aws.teardown import destroy

    cfg = make_config()
    api.apply(cfg, node_configs="minimal", progress=False)
    rule = moto_server.add(service="tagging", op="GetResources", times=2, code="ThrottlingException",
                           message="Rate exceeded")
    destroy(cfg, confirm=True, progress=False)
    assert rule.hits == 2


S3_STATE = {"backend": "s3", "bucket": "ops-state", "key": "lokonb/demo.json", "region": "eu-central-1",
            "dynamodb_table": "locks"}


def test_destroy_after_the_state_bucket_was_deleted_goes_by_tags(make_config, aws_url, caplog):
    """aws.md D2: destroy works without a state record. The S3 backend's bucket deleted before the cluster made
    plan, apply and destroy end in "AWS GetObject failed: NoSuchBucket" naming no bucket; now plan/apply name
    the bucket and the fix, and destroy deletes the cluster by its tags."""
    from lokonb.aws import teardown

    cfg = make_config(state=S3_STATE)
    with open_aws(cfg) as a:
        state.init_backend(cfg, a)
    api.apply(cfg, node_configs="minimal", progress=False)
    s3 = boto(aws_url, "s3")
    listed = s3.list_object_versions(Bucket="ops-state")
    for v in listed.get("Versions", []) + listed.get("DeleteMarkers", []):
        s3.delete_object(Bucket="ops-state", Key=v["Key"], VersionId=v["VersionId"])
    s3.delete_bucket(Bucket="ops-state")
    with pytest.raises(state.StateBackendMissing, match=r"the state bucket ops-state \(state.bucket\) does not "
                                                         r"exist in eu-central-1: create it with `lokonb state "
                                                         r"init-backend`"):
        api.plan(cfg, node_configs="minimal")
    result = teardown.destroy(cfg, confirm=True, progress=False)
    assert "verification found nothing left" in result.message
    assert "destroying by tags without a state record" in caplog.text
    assert boto(aws_url, "dynamodb").scan(TableName="locks")["Items"] == []  # the lock was released
    assert "does not exist" in teardown.destroy(cfg, confirm=True, progress=False).message


def test_missing_lock_table_is_named_with_the_fix(make_config, aws_url):
    cfg = make_config(state=S3_STATE)
    with open_aws(cfg) as a:
        state.init_backend(cfg, a)
    boto(aws_url, "dynamodb").delete_table(TableName="locks")
    for run in (lambda: api.apply(cfg, node_configs="minimal", progress=False), lambda: api.break_lock(cfg, "x")):
        with pytest.raises(state.StateBackendMissing) as ei:
            run()
        assert str(ei.value) == ("the lock table locks (state.dynamodb_table) does not exist in eu-central-1: create "
                                 "it with `lokonb state init-backend`, fix state.dynamodb_table, or set "
                                 "state.lock: false")
    assert boto(aws_url, "ec2").describe_vpcs(Filters=[{"Name": "tag:lokonb:cluster", "Values": ["demo"]}])[
        "Vpcs"] == []  # refused before any change


def test_s3_lock_of_a_gone_run_on_this_host_is_reported_stale(make_config, aws_url):
    """aws.md §6.2: a held lock names the stale holder when lokonb can tell. The DynamoDB item carries the same
    user@host and pid as the local lock file, but only the local backend said "the lock is stale"."""
    import json

    cfg = make_config(state=S3_STATE)
    with open_aws(cfg) as a:
        state.init_backend(cfg, a)
        info = state.open_backend(cfg, a).acquire("apply", "cfg.yaml")
    gone = _holder_gone_info(info)
    boto(aws_url, "dynamodb").put_item(TableName="locks", Item={
        "LockID": {"S": "lokonb/ops-state/lokonb/demo.json"}, "Info": {"S": json.dumps(gone, sort_keys=True)}})
    with pytest.raises(LockHeldError, match=rf"\(pid {gone['pid']} is not running on this host: the lock is "
                                            r"stale\) If that run is gone, run: `lokonb state unlock"):
        api.apply(cfg, node_configs="minimal", progress=False)
    assert api.break_lock(cfg, info["lock_id"])["pid"] == gone["pid"]


def _holder_gone_info(info):
    """The lock info with the pid of a process that has exited."""
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return {**info, "pid": child.pid}
