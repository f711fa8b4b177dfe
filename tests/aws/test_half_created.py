"""Resources an apply stopped half-way through creating (aws.md §8.6, §9): the bucket before its tags, the instance
profile before its role. The next apply finishes them; destroy, even without the state record, deletes them."""

from __future__ import annotations

from pathlib import Path

import pytest

from aws.test_end_to_end import counts
from lokonb.aws import api
from lokonb.aws.errors import ApplyFailed

# (id, fault rule): the create succeeds, the call right after it fails (not retried)
HALF = [
    ("bucket-untagged", {"service": "s3", "op": r"PUT /lokonb-[^/]+/?", "after": r"PUT /lokonb-[^/]+/?",
                         "status": 403, "code": "AccessDenied"}),
    ("profile-without-role", {"service": "iam", "op": "AddRoleToInstanceProfile", "status": 400,
                              "code": "ValidationError"}),
]


def _fail_half_way(make_config, moto_server, rule):
    cfg = make_config()
    moto_server.add(times=None, message="injected", **rule)
    with pytest.raises(ApplyFailed):
        api.apply(cfg, node_configs="minimal", progress=False)
    moto_server.clear()
    return cfg


@pytest.mark.parametrize("rule", [h[1] for h in HALF], ids=[h[0] for h in HALF])
def test_destroy_without_state_deletes_half_created_resources(make_config, moto_server, aws_url, tmp_path, rule):
    baseline = counts(aws_url)
    cfg = _fail_half_way(make_config, moto_server, rule)
    Path(tmp_path / "state.json").unlink()  # the record is lost: discovery by tags and derived names only
    api.destroy(cfg, confirm=True, progress=False)
    assert counts(aws_url) == baseline


@pytest.mark.parametrize("rule", [h[1] for h in HALF], ids=[h[0] for h in HALF])
def test_apply_after_a_half_created_resource_converges(make_config, moto_server, aws_url, rule):
    cfg = _fail_half_way(make_config, moto_server, rule)
    api.apply(cfg, node_configs="minimal", progress=False)
    assert api.plan(cfg, node_configs="minimal").is_empty
