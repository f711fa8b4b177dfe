"""Cluster-model problems found through a notebook's parameters name the set file's line, as `lokonb config
validate` does (README: "every problem is reported at once with its file and line"); they said `(cluster)`."""

from __future__ import annotations

import pytest

from lokonb.notebook.exceptions import ParameterError
from lokonb.notebook.execute import RunRequest, gather
from lokonb.notebook.params import validate
from lokonb.notebook.schemas import REGISTRY

SET = """\
# a cluster with two mistakes
cluster:
  cluster_name: demo
  dns_zone: example.com
  ssh_pubkeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILm9OVC7oteLOXGJFu5UuvbkqsfIPwFL1OwQmTwFOUsb ops@example"]
  worker_pools:
    - name: web
      count: 1
      lb_https_port: 99999
  controller_typo: t3.small
"""

# (notebook, -p pairs, -y texts, issue path, expected source: set.yaml:LINE, or "cluster" when the value is not
# from the file)
CASES = [
    ("render_flatcar", [], [], "controller_typo", "set.yaml:10"),
    ("render_flatcar", [], [], 'worker_pool["web"].lb_https_port', "set.yaml:9"),
    ("provision_cluster", [], [], 'worker_pool["web"].lb_https_port', "set.yaml:9"),
    ("provision_cluster", [("cluster.controller_count", "0")], [], "controller_count", "cluster"),
    ("provision_cluster", [], ["{cluster: {cluster_name: demo, controller_count: 0}}"], "controller_count",
     "cluster"),
]


@pytest.mark.parametrize(("notebook", "pairs", "yamls", "path", "where"), CASES,
                         ids=[f"{c[0]}-{c[3]}-{c[4]}" for c in CASES])
def test_model_issue_names_its_line(tmp_path, notebook, pairs, yamls, path, where):
    (tmp_path / "set.yaml").write_text(SET)
    raw, sources, _label, origin = gather(
        RunRequest(notebook, files=[tmp_path / "set.yaml"], p=pairs, yaml_text=yamls), None)
    with pytest.raises(ParameterError) as err:
        validate(REGISTRY[notebook], raw, sources, origin=origin)
    found = {i.path: i.source for i in err.value.issues}
    assert path in found, found
    assert found[path].endswith(where) if where != "cluster" else found[path] == "cluster", found


# Rules (CIDRs, time zones, ...) name where their value came from too: they said `(parameters)` for every value.
RULE_CASES = [
    ("metadata_access", "blocked_cidrs:\n  - garbage\n", [], "blocked_cidrs[0]", "set.yaml:2"),
    ("apiserver_logs", "klog_tz: Mars\n", [], "klog_tz", "set.yaml:1"),
    ("apiserver_logs", "sources: [sample]\n", [("klog_tz", "Mars")], "klog_tz", "-p"),
]


@pytest.mark.parametrize(("notebook", "text", "pairs", "path", "where"), RULE_CASES,
                         ids=[f"{c[0]}-{c[3]}-{c[4]}" for c in RULE_CASES])
def test_rule_issue_names_its_source(tmp_path, notebook, text, pairs, path, where):
    (tmp_path / "set.yaml").write_text(text)
    raw, sources, _label, origin = gather(RunRequest(notebook, files=[tmp_path / "set.yaml"], p=pairs), None)
    with pytest.raises(ParameterError) as err:
        validate(REGISTRY[notebook], raw, sources, origin=origin)
    found = {i.path: i.source for i in err.value.issues}
    assert found[path].endswith(where), found
