"""Validation (§8, §13.21–13.22), EC2 delivery (§9, §13.23–13.24) and diffs (§10, §13.26)."""

from __future__ import annotations

import dataclasses
import json

import pytest
from helpers import files

from lokonb.flatcar.delivery import USER_DATA_LIMIT, plan_delivery, pointer_config, verify_pointer
from lokonb.flatcar.diff import diff_renders
from lokonb.flatcar.errors import DeliveryError
from lokonb.flatcar.gojson import dumps
from lokonb.flatcar.render import ClusterRender, RoleConfig, render_cluster
from lokonb.flatcar.validate import run_ignition_validate, validate_config


@pytest.fixture(scope="module")
def render(example_model, fake_assets):
    return render_cluster(example_model, assets=fake_assets)


BAD = {
    "ignition": {"version": "3.3.0", "config": {"merge": [{"source": "httpz://x/y"}]}},
    "storage": {
        "files": [
            {"path": "rel/path"},
            {"path": "/m", "mode": 4096},
            {"path": "/h", "contents": {"source": "http://x/f", "verification": {"hash": "md5-abc"}}},
            {"path": "/d", "contents": {"source": "data:,%zz"}},
            {"path": "/g", "contents": {"compression": "gzip", "source": "data:,notgzip"}},
            {"path": "/s", "contents": {"compression": "gzip", "source": "s3://bucket/key"}},
            {"path": "/u", "foo": 1},
        ]
    },
    "systemd": {"units": [{"name": "foo.srvice"}, {"name": "a.service", "dropins": [{"name": "x.cfg"}]}]},
}


@pytest.mark.parametrize(
    "path, needle",
    [
        ("$.storage.files.0.path", "path not absolute"),
        ("$.storage.files.1.mode", "illegal file mode"),
        ("$.storage.files.2.contents.verification.hash", "unrecognized hash function"),
        ("$.storage.files.3.contents.source", "invalid"),
        ("$.storage.files.4.contents.source", "gzip"),
        ("$.storage.files.5.contents.compression", "s3"),
        ("$.storage.files.6.foo", "unknown key foo"),
        ("$.systemd.units.0.name", "invalid systemd unit extension"),
        ("$.systemd.units.1.dropins.0.name", "invalid systemd drop-in extension"),
        ("$.ignition.config.merge.0.source", "invalid url scheme"),
    ],
)
def test_semantic_findings(path: str, needle: str) -> None:
    found = validate_config(BAD, spec="3.3.0", role="worker-x")
    hits = [f for f in found if f.path == path and needle in f.message]
    assert hits, [str(f) for f in found]
    assert hits[0].role == "worker-x" and hits[0].validator in ("semantic", "schema")


def test_schema_findings_have_paths() -> None:
    found = validate_config(
        {"ignition": {"version": "3.3.0"}, "storage": {"files": [{"path": 5}]}}, spec="3.3.0"
    )
    assert any(f.validator == "schema" and f.path == "$.storage.files.0.path" for f in found)


def test_every_role_and_target_passes_schema_and_semantic(example_model, fake_assets) -> None:
    for target in ("3.3.0", "3.4.0", "2.3.0"):
        r = render_cluster(example_model, assets=fake_assets, ignition_version=target)
        for rc in r.roles.values():
            errs = [f for f in validate_config(rc.config, spec=target) if f.severity == "error"]
            assert not errs, (target, rc.role, errs)


def test_real_ignition_validate_on_every_render_and_pointer(render) -> None:
    """Debian's ignition-validate must be installed (it is required in the test environment)."""
    for rc in render.roles.values():
        found = run_ignition_validate(rc.compact, role=rc.role, required=True)
        assert not [f for f in found if f.severity == "error"], found
        d = rc.delivery(bucket="lokonb-demo-0123abcd")
        assert d.mode == "s3" and d.user_data_size < 1024
        assert not [f for f in run_ignition_validate(d.user_data, required=True) if f.severity == "error"]


def test_real_ignition_validate_with_snippets(model_with, fake_assets) -> None:
    from test_snippets import BUTANE, CLC

    r = render_cluster(
        model_with(pool_web={"clc_snippets": (CLC, BUTANE)}), assets=fake_assets, external_validate=True
    )
    assert not [f for f in r.findings if f.severity == "error"]
    assert not [f for f in r.findings if f.validator == "ignition-validate" and f.severity != "info"]


def test_ignition_validate_parses_errors() -> None:
    found = run_ignition_validate(
        dumps({"ignition": {"version": "3.3.0"}, "storage": {"files": [{"path": "a"}]}}), required=True
    )
    [f] = [f for f in found if f.severity == "error"]
    assert f.path == "$.storage.files.0.path" and f.message == "path not absolute" and f.line == 1
    rejected = run_ignition_validate(b'{"ignition":{"version":"2.3.0"}}', required=True)
    assert any("unsupported config version" in f.message or "couldn't parse" in f.message for f in rejected)


def test_34_proxy_check(example_model, fake_assets) -> None:
    from lokonb.flatcar.validate import external_check

    r = render_cluster(example_model, assets=fake_assets, ignition_version="3.4.0")
    found = external_check(r.role("worker-web").config, "3.4.0", role="worker-web")
    assert not [f for f in found if f.severity == "error"], found


# ---------------------------------------------------------------------------------------------- delivery


def _node(size: int, secret: bool) -> RoleConfig:
    cfg = {
        "ignition": {"version": "3.3.0"},
        "storage": {
            "files": [{"path": "/f", "contents": {"compression": "", "source": "data:," + "a" * size}}]
        },
    }
    return RoleConfig("worker-x", "3.3.0", cfg, "demo", secret_paths=("/f",) if secret else ())


def test_delivery_policy() -> None:
    small, big, secret = _node(2000, False), _node(20000, False), _node(100, True)
    assert plan_delivery(small, bucket="b").mode == "inline"
    assert plan_delivery(small, bucket="b").user_data == small.compact
    assert plan_delivery(big, bucket="b").mode == "s3" and big.size > USER_DATA_LIMIT
    assert plan_delivery(secret, bucket="b").mode == "s3"
    assert plan_delivery(small, bucket="b", policy="s3").mode == "s3"
    with pytest.raises(DeliveryError, match="secrets"):
        plan_delivery(secret, bucket="b", policy="inline")
    with pytest.raises(DeliveryError, match="16384"):
        plan_delivery(big, bucket="b", policy="inline")
    d = plan_delivery(secret, bucket="b", policy="inline", allow_secrets_in_user_data=True)
    assert d.mode == "inline" and d.warnings


def test_summary_lists_roles(render) -> None:
    rows = render.summary()
    assert [r["role"] for r in rows] == list(render.roles)
    for r in rows:
        assert r["limit"] == 16384 and r["delivery"] == "s3" and r["secret"] is True
        assert r["percent"] == round(100 * r["user_data_size"] / 16384, 1)


def test_pointer_round_trip_through_s3(render) -> None:
    """pointer → S3 object → sha512 matches → config equals the render (moto, in-process, no network)."""
    import boto3
    from moto import mock_aws

    with mock_aws():
        s3 = boto3.client("s3", region_name="eu-central-1")
        s3.create_bucket(
            Bucket="lokonb-demo-0123abcd", CreateBucketConfiguration={"LocationConstraint": "eu-central-1"}
        )
        for rc in render.roles.values():
            d = rc.delivery(bucket="lokonb-demo-0123abcd")
            s3.put_object(
                Bucket=d.bucket,
                Key=d.key,
                Body=d.body,
                ContentType="application/json",
                ServerSideEncryption="AES256",
            )
            pointer = json.loads(d.user_data)
            source = pointer["ignition"]["config"]["replace"]["source"]
            assert "compression" not in pointer["ignition"]["config"]["replace"]
            bucket, _, key = source[len("s3://") :].partition("/")
            assert key == f"demo/{rc.role}/{rc.sha512[:32]}.ign"
            obj = s3.get_object(Bucket=bucket, Key=key)
            assert obj["ServerSideEncryption"] == "AES256"
            fetched = obj["Body"].read()
            assert verify_pointer(d.user_data, fetched) == rc.config
            with pytest.raises(DeliveryError):
                verify_pointer(d.user_data, fetched + b" ")


def test_pointer_23_shape() -> None:
    p = json.loads(pointer_config("b", "k", b"{}", spec="2.3.0"))
    assert p["ignition"]["version"] == "2.3.0" and p["ignition"]["config"]["replace"]["source"] == "s3://b/k"


# -------------------------------------------------------------------------------------------------- diff


def test_diff_self_empty_and_saved_roundtrip(render, tmp_path) -> None:
    assert len(diff_renders(render, render)) == 0
    render.save(tmp_path / "a")
    loaded = ClusterRender.load(tmp_path / "a")
    assert {k: v.compact for k, v in loaded.roles.items()} == {k: v.compact for k, v in render.roles.items()}
    assert (tmp_path / "a" / "worker-web.ign").stat().st_mode & 0o777 == 0o600
    assert diff_renders(tmp_path / "a", render).empty
    manifest = json.loads((tmp_path / "a" / "manifest.json").read_text())
    assert manifest["roles"]["worker-web"]["sha512"] == render.role("worker-web").sha512
    assert "file:/etc/kubernetes/kubelet.env" in manifest["roles"]["worker-web"]["content"]


def test_diff_label_change_one_row(example_model, model_with, fake_assets, render) -> None:
    new = render_cluster(model_with(pool_web={"labels": {"role": "frontend"}}), assets=fake_assets)
    d = diff_renders(render, new)
    assert [(r["role"], r["kind"], r["key"], r["change"]) for r in d.rows] == [
        ("worker-web", "file", "/etc/kubernetes/kubelet.env", "modified")
    ]
    assert "role=frontend" in d.rows[0]["detail"]
    assert "worker-web" in d.to_text() and "<details>" in d._repr_html_()
    assert list(d.to_frame().columns) == ["role", "kind", "key", "change", "detail"]


def test_diff_secret_redacted(example_model, fake_assets, render) -> None:
    rotated = render_cluster(example_model, assets=_OtherToken(fake_assets))
    d = diff_renders(render, rotated)
    rows = [r for r in d.rows if r["key"] == "/etc/kubernetes/kubeconfig"]
    assert len(rows) == len(render.roles)
    assert all(r["detail"].startswith("content changed (sha256 ") for r in rows)
    assert "fedcba9876543210" not in d.to_text() and "fedcba9876543210" not in d._repr_html_()


class _OtherToken:
    """The fixture's assets with another bootstrap token (so only the kubeconfigs differ)."""

    def __init__(self, base) -> None:
        self.base = base

    def kubelet_kubeconfig(self, role: str) -> str:
        return self.base.kubelet_kubeconfig(role).replace(self.base.token_suffix, "fedcba9876543210")

    def __getattr__(self, name):
        return getattr(self.base, name)


def test_diff_reencoding_is_no_difference(render) -> None:
    rc = render.role("worker-web")
    cfg = json.loads(rc.compact)
    import base64
    from urllib.parse import unquote_to_bytes

    for f in cfg["storage"]["files"]:
        src = f["contents"]["source"]
        if src.startswith("data:,"):
            f["contents"]["source"] = "data:;base64," + base64.b64encode(unquote_to_bytes(src[6:])).decode()
    changed = dataclasses.replace(
        render,
        roles=dict(
            render.roles,
            **{"worker-web": RoleConfig("worker-web", "3.3.0", cfg, "demo", secret_paths=rc.secret_paths)},
        ),
    )
    assert diff_renders(render, changed).empty
    assert files(cfg)["/etc/kubernetes/kubelet.env"]["contents"]["source"].startswith("data:;base64,")


def test_diff_across_specs_compares_decoded_content(example_model, fake_assets, render) -> None:
    """Equal decoded content across specs is no difference; the spec itself is one row per role (a render for
    another --ignition-version showed "no differences")."""
    legacy = render_cluster(example_model, assets=fake_assets, ignition_version="2.3.0")
    rows = diff_renders(legacy, render).rows
    assert [(r["kind"], r["key"], r["change"], r["detail"]) for r in rows] == [
        ("other", "$.ignition.version", "modified", "2.3.0 → 3.3.0")
    ] * len(render.roles)
    assert sorted(r["role"] for r in rows) == sorted(render.roles)


def test_delivery_repr_holds_no_secret_contents() -> None:
    """§10: outputs never contain secret contents; a Delivery shown in a notebook cell is such an output."""
    secret = _node(100, True)
    for d in (
        plan_delivery(secret, bucket="b"),
        plan_delivery(secret, bucket="b", policy="inline", allow_secrets_in_user_data=True),
    ):
        shown = repr(d)
        assert "data:" not in shown and "storage" not in shown, shown
        assert d.role in shown and d.mode in shown
