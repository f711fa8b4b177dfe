"""The S3 state backend's own ``region``, ``profile`` and credentials file (lokoctl's backend "s3" ``region`` and
``aws_creds_path``): the bucket and lock table were created and used in the cluster's region with the cluster's
credentials, so a lokoctl user whose state lives in another region got a second bucket and table there."""

from __future__ import annotations

import pytest

from aws.conftest import boto
from lokonb.aws import api, state
from lokonb.aws.session import Aws, open_aws

STATE = {"backend": "s3", "bucket": "ops-state", "key": "lokonb/demo.json", "region": "us-west-2",
         "dynamodb_table": "locks"}


def _tables(url: str, region: str) -> list[str]:
    import boto3

    return boto3.client("dynamodb", region_name=region, endpoint_url=url, aws_access_key_id="testing",
                        aws_secret_access_key="testing").list_tables()["TableNames"]


def test_bucket_and_lock_table_live_in_the_backend_region(make_config, aws_url):
    cfg = make_config(state=STATE)
    with open_aws(cfg) as a:
        assert a.region == "eu-central-1"
        assert state.init_backend(cfg, a) == ["created bucket ops-state", "created table locks"]
        assert state.init_backend(cfg, a) == []  # idempotent, in the same region
    assert boto(aws_url, "s3").get_bucket_location(Bucket="ops-state")["LocationConstraint"] == "us-west-2"
    assert _tables(aws_url, "us-west-2") == ["locks"] and _tables(aws_url, "eu-central-1") == []

    res = api.apply(cfg, node_configs="minimal", progress=False)
    assert (res.result_df.status == "done").all()
    body = boto(aws_url, "s3").get_object(Bucket="ops-state", Key="lokonb/demo.json")["Body"].read().decode()
    assert '"status": "succeeded"' in body and '"region": "eu-central-1"' in body
    assert _tables(aws_url, "eu-central-1") == []  # the lock never went to the cluster's region
    assert api.plan(cfg, node_configs="minimal").is_empty


def test_sibling_keeps_settings_and_read_only_flag(aws_url, tmp_path):
    creds = tmp_path / "state-credentials"
    creds.write_text("[statekeeper]\naws_access_key_id = AKIASTATEEXAMPLE0001\n"
                     "aws_secret_access_key = statesecretexample\n", "utf-8")
    with Aws(region="eu-central-1", endpoint=aws_url) as a:
        assert a.sibling() is a and a.sibling(region="eu-central-1") is a
        other = a.sibling(region="us-west-2", profile="statekeeper", shared_credentials_file=str(creds))
        assert other is a.sibling(region="us-west-2", profile="statekeeper", shared_credentials_file=str(creds))
        assert (other.region, other.profile, other.endpoint_url) == ("us-west-2", "statekeeper", aws_url)
        # the backend's credentials file is this session's, not the process's (nor the cluster session's)
        assert other.session.get_credentials().access_key == "AKIASTATEEXAMPLE0001"
        assert a.session.get_credentials().access_key != "AKIASTATEEXAMPLE0001"
        from lokonb.notebook.redact import scrub

        assert "statesecretexample" not in scrub("key statesecretexample in a log line")
        a.read_only = True
        with pytest.raises(RuntimeError, match="read-only run attempted a mutating call s3:CreateBucket"):
            other.call("s3", "create_bucket", Bucket="never")
