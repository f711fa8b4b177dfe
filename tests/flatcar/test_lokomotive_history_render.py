"""Node configs of an early-lokoctl cluster config (composed fixture ``tests/fixtures/lokocfg_history/early-lokoctl``)
once its old attributes are written as lokonb's messages say: its ``["${file("./custom.yaml")}"]`` CLC snippets
reach the controller and the pool, and ignition-validate accepts every rendered config."""

from __future__ import annotations

import json
from pathlib import Path

from lokonb.flatcar.validate import run_ignition_validate
from lokonb.flatcar.workflow import render_from_file

HISTORY = Path(__file__).parents[1] / "fixtures" / "lokocfg_history" / "early-lokoctl"
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILm9OVC7oteLOXGJFu5UuvbkqsfIPwFL1OwQmTwFOUsb ops@example"

#: The fixes the loader's messages name (os_image -> os_channel, ssh_pubkey -> ssh_pubkeys, worker_clc_snippets ->
#: a worker_pool's clc_snippets); tests/config/test_lokomotive_history.py checks the messages themselves.
EDITS = [
    ('os_image = "flatcar-edge"', 'os_channel = "edge"'),
    ('ssh_pubkey = "${pathexpand(var.ssh_pubkey)}"', f'ssh_pubkeys = ["{KEY}"]'),
    ("\tworker_clc_snippets = [", '\tworker_pool "edge" {\n\t\tcount = 2\n\t\tclc_snippets = ['),
    ('custom.yaml")}"]\n\tcontroller', 'custom.yaml")}"]\n\t}\n\tcontroller'),
]


def _dropin(ign: dict, unit: str, name: str) -> str | None:
    for entry in ign.get("systemd", {}).get("units", []):
        if entry["name"] == unit:
            for dropin in entry.get("dropins", []):
                if dropin["name"] == name:
                    return dropin.get("contents")
    return None


def test_early_lokoctl_snippets_render_and_validate(tmp_path, fake_assets):
    text = (HISTORY / "cluster.lokocfg").read_text()
    for old, new in EDITS:
        assert old in text, old
        text = text.replace(old, new)
    cfg = tmp_path / "cluster.lokocfg"
    cfg.write_text(text)
    (tmp_path / "custom.yaml").write_text((HISTORY / "custom.yaml").read_text())
    run = render_from_file(cfg, out_dir=tmp_path / "out", asset_dir=tmp_path / "assets", external_validate=True,
                           vars_path=HISTORY / "lokocfg.vars", assets=fake_assets)
    assert run.ok and run.external, [f.message for f in run.findings if f.severity == "error"]
    roles = sorted(p.stem for p in (tmp_path / "out").glob("*.ign"))
    assert roles == ["controller-0", "worker-edge"]
    for role in roles:
        raw = (tmp_path / "out" / f"{role}.ign").read_bytes()
        dropin = _dropin(json.loads(raw), "kubelet.service", "50-edge-cluster.conf")
        assert dropin is not None and 'KUBELET_EXTRA_ARGS=--cgroup-driver=systemd' in dropin, role
        # required=True: without the binary this fails instead of passing unchecked
        assert [f.message for f in run_ignition_validate(raw, role=role, required=True)
                if f.severity == "error"] == []
