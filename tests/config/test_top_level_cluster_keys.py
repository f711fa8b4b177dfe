"""A cluster attribute at the top level of a parameters-form file (a line indented one level too little, e.g.
``controller_count: 3`` beside ``cluster:``) was ignored without a word: ``config validate`` said "valid (1
controller(s))" and apply would build a one-controller cluster (round 5 of the bad-input sweep). Top-level keys
belong to the notebook, so it stays ignored, but with a warning naming the file:line and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from lokonb.config import read_yaml

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILm9OVC7oteLOXGJFu5UuvbkqsfIPwFL1OwQmTwFOUsb ops@x"
BASE = ("cluster:\n  cluster_name: demo\n  dns_zone: example.com\n  ssh_pubkeys: [\"" + KEY + "\"]\n"
        "  worker_pools: [{name: web, count: 1}]\n")

CASES = [
    # (top-level text after the cluster block, paths warned about with their line)
    ("controller_count: 3\n", [("controller_count", 6)]),
    ("region: us-west-2\nasset_dir: ./a\n", [("region", 6), ("asset_dir", 7)]),
    ("worker_pools:\n- {name: db, count: 1}\n", [("worker_pools", 6)]),
    ("action: apply\nconfirm: false\n", []),  # the notebook's own parameters
    ("asset_dir: null\n", []),  # nothing set, nothing lost (render_flatcar's default set)
]


@pytest.mark.parametrize("tail,warned", CASES, ids=[c[0].split(":")[0] for c in CASES])
def test_top_level_cluster_attribute_is_a_warning(tmp_path: Path, tail: str, warned: list) -> None:
    path = tmp_path / "set.yaml"
    path.write_text(BASE + tail, "utf-8")
    loaded = read_yaml(path)
    got = [(w.path, w.source) for w in loaded.warnings if w.rule == "misplaced"]
    assert got == [(name, f"{path}:{line}") for name, line in warned]
    assert all("indent it under cluster:" in w.message for w in loaded.warnings if w.rule == "misplaced")
    assert loaded.config.controller_count == 1  # still ignored: top-level keys are the notebook's


def test_a_caller_s_own_key_is_not_warned() -> None:
    data = {"cluster": {"cluster_name": "demo", "dns_zone": "example.com", "ssh_pubkeys": [KEY],
                        "worker_pools": [{"name": "web", "count": 1}]}, "asset_dir": "/tmp/x"}
    assert [w.path for w in read_yaml(data).warnings if w.rule == "misplaced"] == ["asset_dir"]
    assert not [w for w in read_yaml(data, extra_keys=["asset_dir"]).warnings if w.rule == "misplaced"]
