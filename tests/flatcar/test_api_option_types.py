"""Options of the public render and asset functions given the wrong kind of value (round 4 of the bad-input sweep):
a flag passed as the string "no" is true in Python, so ``load_or_generate(cfg, dir, rotate_cas="no")`` replaced
every CA (no node would trust the cluster again) and ``render_cluster(cfg, snippets="no")`` merged the snippets; a
misspelt delivery policy failed only later. Each is now an error naming the function, the option and what it
takes, raised before anything is read or written."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest

import lokonb.flatcar as flatcar
from lokonb.assets import check_dir, load_or_generate
from lokonb.config import load_yaml
from lokonb.errors import ConfigError

CLUSTER = {
    "cluster": {
        "cluster_name": "demo", "dns_zone": "example.com",
        "ssh_pubkeys": ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILm9OVC7oteLOXGJFu5UuvbkqsfIPwFL1OwQmTwFOUsb ops@x"],
        "controller_count": 1, "worker_pools": [{"name": "web", "count": 1}],
    },
}

RENDER = [
    # (option, value, fragment)
    ("snippets", "no", "snippets must be True or False, got 'no'"),
    ("validate", "false", "validate must be True or False, got 'false'"),
    ("strict", 1, "strict must be True or False, got 1"),
    ("external_validate", "yes", "external_validate must be True, False or None, got 'yes'"),
    ("policy", "S3", "policy must be one of auto, s3, inline, got 'S3'"),
    ("bucket", 5, "bucket must be a bucket name or None, got 5"),
    ("prefix", None, "prefix must be a key prefix string ('' for none), got None"),
]


@pytest.mark.parametrize("option,value,fragment", RENDER, ids=[r[0] for r in RENDER])
def test_render_cluster_option_types(tmp_path: Path, option: str, value: object, fragment: str) -> None:
    model = load_yaml({**CLUSTER, "cluster": {**CLUSTER["cluster"], "asset_dir": str(tmp_path / "a")}})
    with pytest.raises(ConfigError) as exc:
        flatcar.render_cluster(model, **{option: value})
    assert isinstance(exc.value, TypeError) and f"render_cluster(): {fragment}" in str(exc.value)
    assert not (tmp_path / "a").exists()  # refused before the assets were generated


ASSETS = [
    ({"rotate_cas": "no"}, "rotate_cas must be True or False, got 'no'"),
    ({"rotate": "false"}, "rotate must be True or False, got 'false'"),
    ({"rotate": None}, "rotate must be True or False, got None"),
    ({"asset_dir": 5}, "asset_dir must be a directory path (str or Path) or None, got int"),
]


@pytest.mark.parametrize("kwargs,fragment", ASSETS, ids=[f"{next(iter(a[0]))}-{i}" for i, a in enumerate(ASSETS)])
def test_load_or_generate_flags_keep_the_cas(tmp_path: Path, kwargs: dict, fragment: str) -> None:
    model = load_yaml(CLUSTER)
    load_or_generate(model, tmp_path)
    ca = tmp_path / "cluster-assets" / "tls" / "ca.crt"
    before = hashlib.sha256(ca.read_bytes()).hexdigest()
    call = {"asset_dir": tmp_path, **kwargs}
    with pytest.raises(ConfigError) as exc:
        load_or_generate(model, call.pop("asset_dir"), **call)
    assert f"load_or_generate(): {fragment}" in str(exc.value)
    assert hashlib.sha256(ca.read_bytes()).hexdigest() == before


@pytest.mark.parametrize("now", ["2030-01-01", dt.datetime(2030, 1, 1), 5])
def test_check_dir_now_must_be_an_aware_datetime(tmp_path: Path, now: object) -> None:
    with pytest.raises(ConfigError, match=r"check_dir\(\): now must be a timezone-aware datetime"):
        check_dir(tmp_path, now=now)


def test_check_dir_accepts_an_aware_now(tmp_path: Path) -> None:
    load_or_generate(load_yaml(CLUSTER), tmp_path)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=2 * 366)
    problems = check_dir(tmp_path, now=later).problems
    assert any("expired" in p for p in problems)  # the admin certificate (1 year) has expired by then
