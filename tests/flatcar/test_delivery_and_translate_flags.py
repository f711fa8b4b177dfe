"""Flags and S3 locations of the public translate, validate and delivery functions given the wrong kind of value
(round 5 of the bad-input sweep): ``plan_delivery(node, policy="inline", allow_secrets_in_user_data="no")`` put a
config with keys and tokens into EC2 user data (a non-empty string is true), ``strict="no"`` turned warnings into
failures, and ``bucket=None`` built the pointer ``s3://None/...`` that no node can fetch. Each is now an
InputTypeError naming the function, the option and what it takes."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

import lokonb.flatcar as flatcar
from lokonb.flatcar.errors import DeliveryError, InputTypeError

BUTANE = "variant: flatcar\nversion: 1.0.0\n"
SECRET_NODE = SimpleNamespace(role="worker-web", spec="3.3.0", compact=b'{"ignition":{"version":"3.3.0"}}',
                              secret=True)

CASES = [
    # (call, fragment of the error)
    (lambda: flatcar.plan_delivery(SECRET_NODE, bucket="b", policy="inline", allow_secrets_in_user_data="no"),
     "plan_delivery(): allow_secrets_in_user_data must be True or False, got 'no'"),
    (lambda: flatcar.plan_delivery(SECRET_NODE, bucket="b", policy="inline", allow_secrets_in_user_data=1),
     "plan_delivery(): allow_secrets_in_user_data must be True or False, got 1"),
    (lambda: flatcar.plan_delivery(SECRET_NODE, bucket=None),
     "plan_delivery(): bucket must be an S3 bucket name such as lokonb-demo-1234 (no s3:// and no '/'), got None"),
    (lambda: flatcar.plan_delivery(SECRET_NODE, bucket="s3://b"), "bucket must be an S3 bucket name"),
    (lambda: flatcar.plan_delivery(SECRET_NODE, bucket="b", prefix=5), "plan_delivery(): prefix must be a string"),
    (lambda: flatcar.plan_delivery(None, bucket="b"), "plan_delivery(): expected a rendered role (a RoleConfig"),
    (lambda: flatcar.pointer_config(None, "k", b"{}"), "pointer_config(): bucket must be an S3 bucket name"),
    (lambda: flatcar.pointer_config("b", "", b"{}"), "pointer_config(): key must be a non-empty object key"),
    (lambda: flatcar.pointer_config("b", "k", "{}"), "pointer_config(): body must be the config's bytes, got str"),
    (lambda: flatcar.translate(BUTANE, strict="no"), "translate(): strict must be True or False, got 'no'"),
    (lambda: flatcar.translate(BUTANE, auto_compress="no"), "translate(): auto_compress must be True or False"),
    (lambda: flatcar.translate_butane(BUTANE, strict="false"), "translate_butane(): strict must be True or False"),
    (lambda: flatcar.translate_clc("storage: {}\n", strict="no"), "translate_clc(): strict must be True or False"),
    # round 6: files_dir=5 raised a bare TypeError from os.path (translate() already named it)
    (lambda: flatcar.translate_butane(BUTANE, files_dir=5), "translate_butane(): files_dir must be a directory path"),
    (lambda: flatcar.translate_clc("storage: {}\n", files_dir=5),
     "translate_clc(): files_dir must be a directory path"),
    (lambda: flatcar.to_json({"a": 1}, pretty="no"), "to_json(): pretty must be True or False, got 'no'"),
    (lambda: flatcar.run_ignition_validate(b"{}", required="no"),
     "run_ignition_validate(): required must be True or False, got 'no'"),
    (lambda: flatcar.validate_config({"ignition": {"version": "3.3.0"}}, strict="no"),
     "validate_config(): strict must be True or False, got 'no'"),
]


@pytest.mark.parametrize("call,fragment", CASES, ids=[f"{i}-{c[1][:20]}" for i, c in enumerate(CASES)])
def test_wrong_kind_of_option_is_named(call, fragment: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputTypeError) as exc:
        call()
    assert fragment in str(exc.value)


def test_real_flags_still_decide() -> None:
    with pytest.raises(DeliveryError, match="config carries secrets"):
        flatcar.plan_delivery(SECRET_NODE, bucket="b", policy="inline", allow_secrets_in_user_data=False)
    d = flatcar.plan_delivery(SECRET_NODE, bucket="b", policy="inline", allow_secrets_in_user_data=True)
    assert d.mode == "inline"
    d = flatcar.plan_delivery(SECRET_NODE, bucket="b", prefix="p/")
    assert d.mode == "s3" and d.source.startswith("s3://b/p/")
    assert flatcar.translate(BUTANE, strict=True, auto_compress=False).config is not None
    assert flatcar.to_json({"a": 1}, pretty=False) == b'{"a":1}'
    assert flatcar.to_json({"a": 1}, pretty=True) == b'{\n  "a": 1\n}\n'
