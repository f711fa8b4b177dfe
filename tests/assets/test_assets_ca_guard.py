"""A CA (or the service-account key) is replaced only with rotate_cas / --rotate-cas (README, assets): damaged or
lost CA material of a cluster that has certificates is an error naming the files and both ways out, never a new
CA generated on the side (which made every node and kubeconfig distrust the cluster)."""

from __future__ import annotations

import pytest

from lokonb.assets import load_or_generate
from lokonb.assets.errors import AssetError

from .conftest import make_config


def _other_key(tls, tmp_path):
    other = load_or_generate(make_config(tmp_path / "other", controller_count=1), tmp_path / "other")
    (tls / "ca.key").write_bytes((other.root / "tls" / "ca.key").read_bytes())


DAMAGE = [
    # (name, damage(tls dir, tmp_path), message part)
    ("CA key of another CA", _other_key, "CA ca (tls/ca.crt and .key under"),
    ("CA key missing", lambda tls, tmp: (tls / "etcd-ca.key").unlink(), "tls/etcd-ca.key missing"),
    ("CA certificate garbage", lambda tls, tmp: (tls / "aggregation-ca.crt").write_text("x\n"), "unreadable PEM"),
    ("CA gone, its certificates left", lambda tls, tmp: [(tls / f"ca.{e}").unlink() for e in ("crt", "key")],
     "missing while"),
    ("service-account key garbage", lambda tls, tmp: (tls / "service-account.key").write_text("x\n"),
     "service-account.key is not a readable"),
    ("service-account key missing", lambda tls, tmp: (tls / "service-account.key").unlink(),
     "service-account.key is missing"),
]


@pytest.mark.parametrize("name,damage,message", DAMAGE, ids=[d[0] for d in DAMAGE])
def test_damaged_ca_material_is_refused_unless_rotate_cas(tmp_path, name, damage, message):
    cfg = make_config(tmp_path / "c", controller_count=1)
    first = load_or_generate(cfg, tmp_path / "c")
    tls = first.root / "tls"
    damage(tls, tmp_path)
    before = {p.name: p.read_bytes() for p in tls.glob("*.crt")}
    with pytest.raises(AssetError, match="--rotate-cas") as exc:
        load_or_generate(cfg, tmp_path / "c")
    assert message in str(exc.value)
    assert {p.name: p.read_bytes() for p in tls.glob("*.crt")} == before  # nothing rewritten
    rotated = load_or_generate(cfg, tmp_path / "c", rotate_cas=True)
    assert "ca" in rotated.report.generated


def test_first_run_generates_the_cas(tmp_path):
    report = load_or_generate(make_config(tmp_path, controller_count=1), tmp_path).report
    assert {"ca", "etcd-ca", "aggregation-ca", "service-account"} <= set(report.generated)


@pytest.mark.parametrize("listing", ["[]", '{"files": 5}', "garbage"], ids=["list", "files 5", "not JSON"])
def test_damaged_manifest_list_names_the_fix_and_generate_rewrites_it(tmp_path, listing):
    from lokonb.assets.check import check_dir

    cfg = make_config(tmp_path / "c", controller_count=1)
    root = load_or_generate(cfg, tmp_path / "c").root
    (root / "assets.json").write_text(listing)
    problems = check_dir(root).problems
    assert any("unreadable manifest list" in p and "re-run `lokonb assets generate`" in p for p in problems)
    load_or_generate(cfg, tmp_path / "c")
    assert check_dir(root).problems == []


def test_another_clusters_asset_dir_is_refused(tmp_path):
    load_or_generate(make_config(tmp_path, controller_count=1), tmp_path)
    before = {p.name: p.read_bytes() for p in (tmp_path / "cluster-assets" / "tls").glob("*.crt")}
    other = make_config(tmp_path, controller_count=1, cluster_name="other")
    with pytest.raises(AssetError, match="holds the assets of cluster 'demo'.*this definition is cluster 'other'"):
        load_or_generate(other, tmp_path)
    assert {p.name: p.read_bytes() for p in (tmp_path / "cluster-assets" / "tls").glob("*.crt")} == before
