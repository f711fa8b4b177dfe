"""``assets check DIR --config OTHER`` where DIR holds another cluster's assets listed every certificate as
"generated for a different model ...; re-run `lokonb assets generate`", advice that generate refuses for that
directory (one asset_dir per cluster). It is now one problem naming both clusters (round 5 of the bad-input sweep)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lokonb.assets import check_dir, load_or_generate

from .conftest import make_config

CASES = [
    # (cluster_name of the definition checked against demo's assets, problems expected (fragments))
    ("other", ["holds the assets of cluster 'demo' (assets.json); the definition is cluster 'other': check it with "
               "the definition of 'demo', or give 'other' its own asset_dir"]),
    ("demo", []),
]


@pytest.mark.parametrize("name,expected", CASES, ids=[c[0] for c in CASES])
def test_check_against_another_cluster(tmp_path: Path, name: str, expected: list[str]) -> None:
    load_or_generate(make_config(tmp_path))
    res = check_dir(tmp_path, config=make_config(tmp_path, cluster_name=name))
    assert len(res.problems) == len(expected)
    for problem, fragment in zip(res.problems, expected, strict=True):
        assert fragment in problem and "re-run `lokonb assets generate`" not in problem
