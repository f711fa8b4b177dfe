"""User snippets in cluster renders: CLC and Butane, merge semantics, errors naming the snippet (§6,
§13.12–13.16)."""

from __future__ import annotations

import pytest
from helpers import files, text, units

from lokonb.flatcar.errors import RenderError
from lokonb.flatcar.render import render_cluster

CLC = """
storage:
  files:
    - path: /etc/motd.d/lokonb.conf
      mode: 0640
      user: {id: 0}
      contents:
        inline: hello from clc
systemd:
  units:
    - name: kubelet.service
      dropins:
        - name: 40-extra.conf
          contents: "[Service]\\nEnvironment=EXTRA=1"
    - name: docker.service
      enable: true
passwd:
  users:
    - name: core
      ssh_authorized_keys: [ssh-ed25519 AAAAsnippet extra]
"""

BUTANE = """variant: flatcar
version: 1.0.0
storage:
  files:
    - path: /etc/kubernetes/kubelet.env
      contents:
        inline: "KUBELET_IMAGE_URL=x\\n"
  links:
    - path: /etc/docker/daemon.json
      target: /etc/docker/custom.json
systemd:
  units:
    - name: hello.service
      enabled: true
      contents: "[Service]\\nExecStart=/bin/true\\n[Install]\\nWantedBy=multi-user.target\\n"
"""


def _render(model_with, fake_assets, **pool_web):
    return render_cluster(model_with(pool_web=pool_web), assets=fake_assets)


def test_clc_and_butane_snippets_merge(model_with, fake_assets) -> None:
    r = _render(model_with, fake_assets, clc_snippets=(CLC, BUTANE))
    rc = r.role("worker-web")
    cfg = rc.config
    f = files(cfg)
    assert text(cfg, "/etc/motd.d/lokonb.conf") == "hello from clc"
    assert f["/etc/motd.d/lokonb.conf"]["mode"] == 0o640 and f["/etc/motd.d/lokonb.conf"]["user"] == {"id": 0}
    assert f["/etc/motd.d/lokonb.conf"]["overwrite"] is True
    # snippet file at a template path: contents replaced, unspecified fields kept
    assert text(cfg, "/etc/kubernetes/kubelet.env") == "KUBELET_IMAGE_URL=x\n"
    assert f["/etc/kubernetes/kubelet.env"]["mode"] == 0o644
    # snippet link at a template file's path removes the file
    assert "/etc/docker/daemon.json" not in f
    assert {ln["path"] for ln in cfg["storage"]["links"]} == {"/etc/docker/daemon.json"}
    u = units(cfg)
    assert [d["name"] for d in u["kubelet.service"]["dropins"]] == ["40-extra.conf"]
    assert u["kubelet.service"]["contents"].startswith("[Unit]")
    assert u["hello.service"]["enabled"] is True and u["docker.service"]["enabled"] is True
    keys = cfg["passwd"]["users"][0]["sshAuthorizedKeys"]
    assert keys[-1] == "ssh-ed25519 AAAAsnippet extra" and len(keys) == len(set(keys))
    infos = [f.message for f in rc.findings if f.severity == "info"]
    assert any("overrides file /etc/kubernetes/kubelet.env from the template" in m for m in infos)
    # other pools unaffected
    assert "/etc/motd.d/lokonb.conf" not in files(r.role("worker-batch").config)


def test_snippet_placeholders_are_literal(model_with, fake_assets) -> None:
    snippet = (
        "storage:\n  files:\n    - path: /etc/x\n      mode: 0644\n      contents:\n"
        "        inline: '{{ssh_keys}}'\n"
    )
    r = _render(model_with, fake_assets, clc_snippets=(snippet,))
    assert text(r.role("worker-web").config, "/etc/x") == "{{ssh_keys}}"


def test_clc_inline_over_gzip_template_file(model_with, fake_assets) -> None:
    """A snippet with plain contents over a gzip-compressed parent file decodes to the snippet text."""
    from lokonb.flatcar.merge import merge_3x
    from lokonb.flatcar.translator import translate

    parent = {
        "ignition": {"version": "3.3.0"},
        "storage": {
            "files": [
                {
                    "path": "/a",
                    "contents": {
                        "compression": "gzip",
                        "source": "data:;base64,H4sIAAAAAAAA/6oCBAAA//8AAAD//w==",
                    },
                }
            ]
        },
    }
    child = translate(
        "storage:\n  files:\n    - path: /a\n      mode: 0644\n      contents:\n        inline: new\n",
        target="3.3.0",
    ).config
    merged = merge_3x(parent, child)
    assert merged["storage"]["files"][0]["contents"] == {"compression": "", "source": "data:,new"}


@pytest.mark.parametrize(
    "snippet, needle, line, column",
    [
        ("storage:\n  files:\n    - path: /a\n      mode 0644\n", "could not find expected ':'", 4, None),
        (
            'storage:\n  files:\n    - path: /a\n      mode: "0644"\n',
            "cannot unmarshal !!str `0644` into int",
            4,
            None,
        ),
        ("storage:\n  files:\n    - path: etc/x\n      mode: 0644\n", "path not absolute", 3, 13),
        (
            "ignition:\n  config:\n    replace:\n      source: http://x/y.ign\n",
            "ignition.config.replace",
            None,
            None,
        ),
        ("variant: fcos\nversion: 1.0.0\n", "fcos", 1, 10),
        # errors of the 2.x → 3.x conversion are positioned on the snippet too (§6.4, §13.15)
        (
            "storage:\n  filesystems:\n    - name: data\n      mount:\n        device: /dev/sdb\n"
            "        format: ext4\n        create: {}\n",
            "must force filesystem creation",
            7,
            17,
        ),
        ("storage:\n  files:\n    - path: /a\n      mode: 0644\n      filesystem: data\n", "has no path", 5, 19),
        ("passwd:\n  users:\n    - name: a\n    - name: a\n", "duplicate entry", 4, 13),
        (  # the docker unit ct generates comes first in the output, before the snippet's own units
            "docker: {}\nsystemd:\n  units:\n    - name: a.service\n      dropins:\n"
            "        - {name: x.conf, contents: x}\n        - {name: x.conf, contents: y}\n",
            "duplicate drop-in",
            6,
            9,
        ),
    ],
)
def test_bad_snippets_name_snippet_and_position(
    model_with, fake_assets, snippet, needle, line, column
) -> None:
    with pytest.raises(RenderError) as exc:
        _render(model_with, fake_assets, clc_snippets=("storage: {}\n", snippet))
    errs = [f for f in exc.value.findings if f.severity == "error"]
    assert errs and all(
        f.source == "worker_pool.web.clc_snippets[1]" and f.role == "worker-web" for f in errs
    )
    assert any(needle in f.message for f in errs)
    if line is not None:
        assert errs[0].line == line
    if column is not None:
        assert errs[0].column == column
    if line is not None:
        assert errs[0].column is not None  # snippet findings always carry a column
    assert "worker_pool.web.clc_snippets[1]" in str(exc.value)


def test_unknown_key_in_strict_mode(model_with, fake_assets) -> None:
    snippet = "storage:\n  files:\n    - path: /a\n      mode: 0644\n      foo: 1\n"
    r = _render(model_with, fake_assets, clc_snippets=(snippet,))
    assert any(
        f.message == "Config has unrecognized key: foo" and f.line == 5 for f in r.role("worker-web").findings
    )
    with pytest.raises(RenderError, match="unrecognized key: foo"):
        render_cluster(model_with(pool_web={"clc_snippets": (snippet,)}), assets=fake_assets, strict=True)


def test_same_path_in_two_snippets_merges_in_order(model_with, fake_assets) -> None:
    # §6.5: snippets are merged in list order, so the second snippet's entry is merged over the first one's
    # (its fields win, the others are kept), with an info finding naming both
    a = "storage:\n  files:\n    - path: /etc/dup\n      mode: 0644\n      contents:\n        inline: first\n"
    # a Butane file entry without contents (a CLC one would always carry contents, empty when not given)
    b = "variant: flatcar\nversion: 1.0.0\nstorage:\n  files:\n    - path: /etc/dup\n      mode: 0600\n"
    r = _render(model_with, fake_assets, clc_snippets=(a, b))
    cfg = r.role("worker-web").config
    assert [f["path"] for f in cfg["storage"]["files"]].count("/etc/dup") == 1
    assert files(cfg)["/etc/dup"]["mode"] == 0o600 and text(cfg, "/etc/dup") == "first"
    infos = [f for f in r.role("worker-web").findings if f.severity == "info" and "/etc/dup" in f.message]
    assert infos and infos[0].source == "worker_pool.web.clc_snippets[1]"
    assert "worker_pool.web.clc_snippets[0]" in infos[0].message


def test_controller_snippets_and_platform_ec2(model_with, fake_assets) -> None:
    snippet = "etcd:\n  name: '{HOSTNAME}'\n"
    r = render_cluster(model_with(controller_clc_snippets=(snippet,)), assets=fake_assets)
    unit = units(r.role("controller-0").config)["etcd-member.service"]
    assert "${COREOS_EC2_HOSTNAME}" in unit["dropins"][0]["contents"]


def test_butane_snippet_rejected_for_23(model_with, fake_assets) -> None:
    with pytest.raises(RenderError, match="Butane snippets need a 3.x target"):
        render_cluster(
            model_with(pool_web={"clc_snippets": (BUTANE,)}), assets=fake_assets, ignition_version="2.3.0"
        )


def test_clc_snippet_with_23_target_appends(model_with, fake_assets) -> None:
    r = render_cluster(
        model_with(pool_web={"clc_snippets": (CLC,)}), assets=fake_assets, ignition_version="2.3.0"
    )
    cfg = r.role("worker-web").config
    assert cfg["storage"]["files"][-1]["path"] == "/etc/motd.d/lokonb.conf"
    assert cfg["ignition"]["version"] == "2.3.0"


LOKOCFG = """
cluster "aws" {
  cluster_name     = "demo"
  dns_zone         = "example.com"
  ssh_pubkeys      = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILm9OVC7oteLOXGJFu5UuvbkqsfIPwFL1OwQmTwFOUsb ops@example"]
  controller_count = 1
  controller_type  = "t3.medium"
  region           = "eu-central-1"
  worker_pool "storage" {
    count         = 1
    instance_type = "t3.small"
    clc_snippets  = [file("./snippets/nf.yaml")]
  }
}
"""


def test_lokocfg_file_snippet_findings_name_the_file(tmp_path, fake_assets) -> None:
    """§6.4: the lokocfg loader keeps the argument of file("…") as the snippet's file name."""
    import pickle

    import yaml

    from lokonb.flatcar.workflow import load_cluster

    (tmp_path / "snippets").mkdir()
    (tmp_path / "snippets" / "nf.yaml").write_text("storage:\n  files:\n    - path: /ok\n      mode: 0644\n"
                                                   "    - path: opt/file1\n      mode: 0644\n")
    (tmp_path / "cluster.lokocfg").write_text(LOKOCFG)
    model = load_cluster(tmp_path / "cluster.lokocfg", None)
    [snippet] = model.pool("storage").clc_snippets
    assert snippet.startswith("storage:") and yaml.safe_dump([snippet]) == yaml.safe_dump([str(snippet)])
    assert pickle.loads(pickle.dumps(snippet)).path == "./snippets/nf.yaml"
    with pytest.raises(RenderError) as exc:
        render_cluster(model, assets=fake_assets)
    [err] = [f for f in exc.value.findings if f.severity == "error"]
    assert err.source == "worker_pool.storage.clc_snippets[0] (./snippets/nf.yaml)"
    assert (err.line, err.column, err.message) == (5, 13, "path not absolute")
