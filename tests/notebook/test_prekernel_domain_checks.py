"""Domain problems a parameter set can show before a kernel starts are reported then, all at once, exit 2 (R3.6):
render_flatcar's roles and paths that are files, metadata_access's blocked_cidrs and allow entries. They failed in
cell 5 (exit 1, one at a time), and output_dir naming a file raised a bare FileExistsError there."""

from __future__ import annotations

from pathlib import Path

import pytest

from lokonb.notebook.exceptions import ParameterError
from lokonb.notebook.execute import RunRequest, gather
from lokonb.notebook.params import validate
from lokonb.notebook.schemas import REGISTRY

REPO = Path(__file__).resolve().parents[2]
ALLOW_OK = "{namespace: a, pod_selector: {matchLabels: {app: x}}}"

CASES = [
    # (notebook, -p pairs, -y texts, expected issue fragments (empty: valid))
    ("render_flatcar", [("roles", "[worker-nosuch, controller-3]")], [],
     ["roles", "unknown role(s) worker-nosuch, controller-3; this cluster has controller-0, worker-web"]),
    ("render_flatcar", [("roles", "[worker-web, controller-0]")], [], []),
    ("render_flatcar", [("roles", "[]")], [], ["roles", "[] selects no role", "use null for every role"]),
    ("render_flatcar", [("output_dir", "/etc/passwd")], [], ["output_dir", "exists and is not a directory"]),
    ("render_flatcar", [("asset_dir", "/etc/passwd")], [], ["asset_dir", "exists and is not a directory"]),
    ("render_flatcar", [("previous_render", "/etc/passwd")], [], ["previous_render", "exists and is not a directory"]),
    # a missing directory is the run's business: schedule/params --check validate for another machine's volumes
    ("render_flatcar", [("previous_render", "/nonexistent-h22")], [], []),
    ("metadata_access", [("action", "render")], [f"allow: [{ALLOW_OK}]"], []),
    ("metadata_access", [], ["source: ''"], ["source", "is empty", "write sample, live or a manifest dump path"]),
    # a quoted "true" for a bool: the message said got 'true' with no hint (it reads as the expected value)
    ("provision_cluster", [], ['confirm: "true"'], ["confirm", "quoted, so a string; write true without quotes"]),
    ("metadata_access", [("action", "render")],
     ["{blocked_cidrs: [garbage], allow: [" + ALLOW_OK + ", {namespace: Bad_NS}, "
      "{namespace: a, pod_selector: {matchLabels: {app: x}, "
      "matchExpressions: [{key: app, operator: DoesNotExist}]}}]}"],
     ["blocked_cidrs[0]", "'garbage' is not a valid CIDR", "allow[1].namespace", "allow[2].pod_selector",
      "contradict"]),
    # apiserver_logs: analyze() raised these in cell 5 (exit 1), one at a time
    ("apiserver_logs", [("klog_tz", "Mars/Olympus"), ("since", "yesterday"), ("bucket", "1 fortnight")],
     ["{vpc_cidrs: [10.0.0.0/33], extra_probe_networks: [x]}"],
     ["klog_tz", "'Mars/Olympus' is not a time zone", "since", "'yesterday' is neither a duration",
      "bucket", "'1 fortnight' is not a duration", "vpc_cidrs[0]", "'10.0.0.0/33' is not a CIDR",
      "extra_probe_networks[0]", "'x' is not a CIDR"]),
    ("apiserver_logs", [("vpc_cidrs", "5")], [], ["vpc_cidrs", "expected auto, null or a list of CIDRs"]),
    ("apiserver_logs", [], ["sources: []"], ["sources", "no sources given"]),
    # stdin in a notebook: the kernel's is empty, the run "succeeded" with 0 records
    ("apiserver_logs", [], ["sources: [sample, '-']"], ["sources[1]", "reads nothing in a notebook"]),
    ("apiserver_logs", [("klog_tz", "Europe/Berlin"), ("until", "6h"), ("bucket", "5min")],
     ["{vpc_cidrs: 10.0.0.0/16, extra_probe_networks: [130.211.0.0/22]}"], []),
    ("apiserver_logs", [], ["{sources: [], pods: {namespace: kube-system}, vpc_cidrs: null}"], []),
]


@pytest.mark.parametrize("notebook,pairs,yamls,issues", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_domain_checks_before_the_kernel(notebook, pairs, yamls, issues):
    raw, sources, _label, origin = gather(RunRequest(notebook, p=pairs, yaml_text=yamls), REPO)
    if not issues:
        validate(REGISTRY[notebook], raw, sources, origin=origin)
        return
    with pytest.raises(ParameterError) as exc:
        validate(REGISTRY[notebook], raw, sources, origin=origin)
    text = str(exc.value)
    assert all(fragment in text for fragment in issues), text


def test_render_notebook_output_dir_that_is_a_file(tmp_path):
    from lokonb.errors import ConfigError
    from lokonb.flatcar.workflow import render_notebook
    from lokonb.notebook.schemas import DEMO_CLUSTER

    afile = tmp_path / "afile"
    afile.write_text("x")
    with pytest.raises(ConfigError, match="output_dir: .*afile exists and is not a directory"):
        render_notebook(dict(DEMO_CLUSTER), asset_dir=tmp_path / "assets", output_dir=afile,
                        external_validate=False)
