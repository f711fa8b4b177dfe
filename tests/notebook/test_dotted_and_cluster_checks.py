"""``-p a.b VALUE`` sets one leaf of the schema default when no set file gives ``a`` (it replaced the whole default:
``-p cluster.cluster_name x`` lost dns_zone, keys and pools), and render_flatcar's ``cluster`` is checked against
the cluster model before any kernel starts (R3.6), as provision_cluster's is (it failed in cell 5, exit 1)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lokonb.notebook.exceptions import ParameterError
from lokonb.notebook.execute import RunRequest, gather
from lokonb.notebook.params import validate
from lokonb.notebook.schemas import REGISTRY

REPO = Path(__file__).resolve().parents[2]

CASES = [
    # (notebook, -p pairs, expected leaf values after validation (dotted path -> value), or issue fragment)
    ("provision_cluster", [("cluster.cluster_name", "other")],
     {"cluster.cluster_name": "other", "cluster.dns_zone": "example.com"}, None),
    ("render_flatcar", [("cluster.controller_count", "3")],
     {"cluster.controller_count": 3, "cluster.cluster_name": "demo"}, None),
    ("render_flatcar", [("cluster.cluster_name", "Bad_Name")], None, "'Bad_Name' is not a valid cluster name"),
    ("render_flatcar", [("cluster.worker_pools", "[]")], None, "at least one worker pool"),
    # a flow collection given with -p inside the free-keyed cluster is read as YAML, as for a declared list
    ("render_flatcar", [("cluster.worker_pools", "[{name: web, count: 1}]")],
     {"cluster.worker_pools": [{"name": "web", "count": 1}]}, None),
    ("provision_cluster", [("cluster.tags", "{team: a, cost: '42'}")], {"cluster.tags": {"team": "a", "cost": "42"}},
     None),
]


def _leaf(tree, dotted):
    for part in dotted.split("."):
        tree = tree[part]
    return tree


@pytest.mark.parametrize("notebook,pairs,leaves,issue", CASES, ids=[f"{c[0]}-{c[1][0][0]}" for c in CASES])
def test_dotted_p_without_a_set(notebook, pairs, leaves, issue):
    req = RunRequest(notebook, p=pairs)
    raw, sources, _label, origin = gather(req, REPO)
    if issue:
        with pytest.raises(ParameterError, match=issue):
            validate(REGISTRY[notebook], raw, sources, origin=origin)
        return
    literals = validate(REGISTRY[notebook], raw, sources, origin=origin).literals
    for dotted, value in leaves.items():
        assert _leaf(literals, dotted) == value


@pytest.mark.parametrize("route,name", [("p", "cluster..name"), ("p", ".x"), ("p", "cluster."), ("p", ""),
                                        ("p", " "), ("r", "a..b"), ("r", "roles.")])
def test_dotted_name_with_an_empty_part(route: str, name: str) -> None:
    # was " (cluster): unknown attribute; allowed: ..." - an issue without a name
    from lokonb.errors import ConfigError

    req = RunRequest("render_flatcar", **{route: [(name, "1")]})
    with pytest.raises(ConfigError, match=rf"-{route} '{re.escape(name)}': empty name") as exc:
        gather(req, REPO)
    assert exc.value.exit_code == 2 and "NAME.KEY" in str(exc.value)
