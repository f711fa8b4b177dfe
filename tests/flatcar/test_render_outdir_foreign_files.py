"""`lokonb flatcar render --out DIR` next to files lokonb did not write (round 6 of the bad-input sweep): a folder of
the user's named DIR.previous was deleted (rmtree) to keep the earlier render, and a manifest.json of another tool in
DIR was overwritten (the command then failed reading it as the previous render, exit 2, having written DIR). Both are
now refused before anything is written; a render over an earlier render still keeps DIR.previous."""

from __future__ import annotations

import json

import pytest
import yaml

from lokonb.cli import main

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILm9OVC7oteLOXGJFu5UuvbkqsfIPwFL1OwQmTwFOUsb ops@example"


def _definition(tmp_path):
    doc = {"cluster": {"cluster_name": "demo", "dns_zone": "example.com", "ssh_pubkeys": [KEY],
                       "asset_dir": str(tmp_path / "assets"), "worker_pools": [{"name": "web", "count": 1}]}}
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(doc))
    return str(path)


def _previous_folder(out):
    prev = out.with_name(out.name + ".previous")
    prev.mkdir()
    (prev / "notes.txt").write_text("mine")
    return prev / "notes.txt"


def _previous_file(out):
    prev = out.with_name(out.name + ".previous")
    prev.write_text("mine")
    return prev


def _previous_foreign_manifest(out):
    prev = out.with_name(out.name + ".previous")
    prev.mkdir()
    (prev / "manifest.json").write_text('{"roles": {}}')  # no cluster_name: not a render lokonb saved
    return prev / "manifest.json"


CASES = [
    # (name, what the user has (returns the file that must survive), fragment of the error)
    ("previous is a user folder", _previous_folder, "exists and is not an earlier render kept by lokonb"),
    ("previous is a file", _previous_file, "exists and is not an earlier render kept by lokonb"),
    ("previous has another manifest", _previous_foreign_manifest, "exists and is not an earlier render kept"),
]


@pytest.mark.parametrize("name,plant,fragment", CASES, ids=[c[0] for c in CASES])
def test_user_previous_folder_is_not_deleted(tmp_path, capsys, name, plant, fragment):
    out = tmp_path / "render"
    definition = _definition(tmp_path)
    assert main(["flatcar", "render", definition, "--out", str(out)]) == 0
    kept = plant(out)
    before = kept.read_text()
    capsys.readouterr()
    assert main(["flatcar", "render", definition, "--out", str(out)]) == 2
    assert fragment in capsys.readouterr().err
    assert kept.read_text() == before


@pytest.mark.parametrize("manifest", ['{"mine": true}', "not json", "[1, 2]", '{"roles": [], "cluster_name": "x"}'])
def test_foreign_manifest_in_out_is_not_overwritten(tmp_path, capsys, manifest):
    out = tmp_path / "render"
    out.mkdir()
    (out / "manifest.json").write_text(manifest)
    assert main(["flatcar", "render", _definition(tmp_path), "--out", str(out)]) == 2
    assert "holds a manifest.json that lokonb did not write" in capsys.readouterr().err
    assert (out / "manifest.json").read_text() == manifest
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json"]


def test_render_over_an_earlier_render_keeps_previous(tmp_path):
    out = tmp_path / "render"
    definition = _definition(tmp_path)
    for _ in range(3):
        assert main(["flatcar", "render", definition, "--out", str(out)]) == 0
    manifest = json.loads((tmp_path / "render.previous" / "manifest.json").read_text())
    assert manifest["cluster_name"] == "demo" and "controller-0" in manifest["roles"]
