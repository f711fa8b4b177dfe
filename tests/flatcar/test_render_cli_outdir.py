"""`lokonb flatcar render --out DIR` over an earlier render: configs of roles the new render lacks are named."""

from __future__ import annotations

import pytest
import yaml

from lokonb.cli import main

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILm9OVC7oteLOXGJFu5UuvbkqsfIPwFL1OwQmTwFOUsb ops@example"


def _definition(tmp_path, name, pools):
    doc = {"cluster": {"cluster_name": "demo", "dns_zone": "example.com", "ssh_pubkeys": [KEY],
                       "asset_dir": str(tmp_path / "assets"),
                       "worker_pools": [{"name": p, "count": 1, "lb_http_port": 8080 + i, "lb_https_port": 8443 + i}
                                        for i, p in enumerate(pools)]}}
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(doc))
    return str(path)


CASES = [
    # (name, pools of the first render, pools of the second, stale files named)
    ("pool removed", ["web", "batch"], ["web"], ["worker-batch.ign"]),
    ("same pools", ["web"], ["web"], []),
]


@pytest.mark.parametrize("name,first,second,stale", CASES, ids=[c[0] for c in CASES])
def test_stale_role_configs_are_named(tmp_path, capsys, name, first, second, stale):
    out = str(tmp_path / "render")
    assert main(["flatcar", "render", _definition(tmp_path, "a", first), "--out", out]) == 0
    capsys.readouterr()
    assert main(["flatcar", "render", _definition(tmp_path, "b", second), "--out", out]) == 0
    err = capsys.readouterr().err
    named = [f for f in ("worker-batch.ign", "worker-web.ign", "controller-0.ign") if f in err]
    assert named == stale and (("earlier render" in err) == bool(stale))
