"""A snippet that touches a template secret never turns it into user data, and 2.3.0 renders say when snippets put
a path in the config twice (Flatcar >= 3185 cannot boot such a config)."""

from __future__ import annotations

import pytest

from lokonb.flatcar.render import render_cluster

KUBECONFIG = "/etc/kubernetes/kubeconfig"
CLC_KUBECONFIG = ("storage:\n  files:\n    - path: /etc/kubernetes/kubeconfig\n      filesystem: root\n"
                  "      mode: 0640\n      contents:\n        inline: mine\n")
BUTANE_MODE_ONLY = "variant: flatcar\nversion: 1.0.0\nstorage:\n  files:\n    - path: /etc/kubernetes/kubeconfig\n" \
                   "      mode: 0640\n"
CLC_X = "storage:\n  files:\n    - path: /etc/x\n      filesystem: root\n      mode: 0644\n      contents:\n" \
        "        inline: {}\n"

SECRETS = [
    # (name, snippets, target): the template's kubeconfig (bootstrap token) is still delivered in every case
    ("2.3.0 snippet appends a second kubeconfig", (CLC_KUBECONFIG,), "2.3.0"),
    ("3.x snippet changes only the mode", (BUTANE_MODE_ONLY,), "3.3.0"),
    ("3.x CLC snippet replaces the contents", (CLC_KUBECONFIG,), "3.3.0"),
]


@pytest.mark.parametrize("name,snippets,target", SECRETS, ids=[s[0] for s in SECRETS])
def test_template_secret_paths_stay_secret(model_with, fake_assets, name, snippets, target):
    model = model_with(pool_web={"clc_snippets": snippets})
    render = render_cluster(model, assets=fake_assets, ignition_version=target)
    rc = render.role("worker-web")
    assert KUBECONFIG in rc.secret_paths and rc.secret
    row = next(r for r in render.summary() if r["role"] == "worker-web")
    assert row["secret"] is True and row["delivery"] == "s3"


DUPLICATES = [
    # (name, snippets, path reported twice or None)
    ("snippet over a template file", (CLC_KUBECONFIG,), KUBECONFIG),
    ("two snippets, one path", (CLC_X.format("a"), CLC_X.format("b")), "/etc/x"),
    ("distinct paths", (CLC_X.format("a"),), None),
]


@pytest.mark.parametrize("name,snippets,path", DUPLICATES, ids=[d[0] for d in DUPLICATES])
def test_2x_render_warns_of_paths_set_twice(model_with, fake_assets, name, snippets, path):
    model = model_with(pool_web={"clc_snippets": snippets})
    render = render_cluster(model, assets=fake_assets, ignition_version="2.3.0")
    warnings = [f.message for f in render.findings if f.role == "worker-web" and "conflicting inodes" in f.message]
    if path is None:
        assert warnings == []
    else:
        assert len(warnings) == 1 and warnings[0].count(f"({path})") == 2 and "Flatcar >= 3185" in warnings[0]


DIFF_ROWS = [
    # (name, snippets of the new render, added keys): every entry of a path set twice is shown
    ("second kubeconfig", (CLC_KUBECONFIG,), [(KUBECONFIG + " (entry 2)", "secret content")]),
    ("two snippets, one path", (CLC_X.format("a"), CLC_X.format("b")), [("/etc/x", ""), ("/etc/x (entry 2)", "")]),
]


@pytest.mark.parametrize("name,snippets,added", DIFF_ROWS, ids=[d[0] for d in DIFF_ROWS])
def test_2x_diff_shows_every_entry_of_a_path(model_with, fake_assets, name, snippets, added):
    from lokonb.flatcar.diff import diff_renders

    old = render_cluster(model_with(), assets=fake_assets, ignition_version="2.3.0")
    new = render_cluster(model_with(pool_web={"clc_snippets": snippets}), assets=fake_assets, ignition_version="2.3.0")
    rows = [r for r in diff_renders(old, new).rows if r["role"] == "worker-web"]
    assert [(r["key"], r["detail"]) for r in rows if r["change"] == "added"] == added


LOCAL_SNIPPETS = [
    "variant: flatcar\nversion: 1.0.0\nstorage:\n  files:\n    - path: /etc/x\n      contents:\n        local: a.txt\n",
    "storage:\n  files:\n    - path: /etc/x\n      filesystem: root\n      mode: 0644\n      contents:\n"
    "        local: a.txt\n",
]


@pytest.mark.parametrize("snippet", LOCAL_SNIPPETS, ids=["butane", "clc"])
def test_local_file_in_a_cluster_snippet_says_what_to_do(model_with, fake_assets, snippet):
    from lokonb.flatcar.errors import RenderError

    with pytest.raises(RenderError) as exc:
        render_cluster(model_with(pool_web={"clc_snippets": (snippet,)}), assets=fake_assets)
    messages = [f.message for f in exc.value.findings if f.severity == "error"]
    assert len(messages) == 1 and "--files-dir" in messages[0]
    assert "a cluster render has no files directory: put the file's text under contents.inline" in messages[0]
