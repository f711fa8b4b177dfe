"""``flatcar diff`` / ``ClusterRender.load`` on saved renders edited by hand (crashed with exit 70 or read outside)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from lokonb.errors import ConfigError
from lokonb.flatcar.diff import diff_renders
from lokonb.flatcar.render import ClusterRender

IGN: dict[str, Any] = {"ignition": {"version": "3.3.0"},
                       "storage": {"files": [{"path": "/etc/x", "contents": {"source": "data:,a"}}]},
                       "systemd": {"units": [{"name": "a.service", "enabled": True}]}}


def _render(d: Path, ign: dict[str, Any] | None = None, role: str = "worker-web", meta: Any = None) -> Path:
    d.mkdir()
    (d / f"{Path(role).name}.ign").write_text(json.dumps(ign or IGN))
    manifest = {"cluster_name": "demo", "spec": "3.3.0",
                "roles": {role: meta if meta is not None else {"spec": "3.3.0", "secret_paths": []}}}
    (d / "manifest.json").write_text(json.dumps(manifest))
    return d


def _with(section: str, key: str, value: Any) -> dict[str, Any]:
    ign = json.loads(json.dumps(IGN))
    ign.setdefault(section, {})[key] = value
    return ign


@pytest.mark.parametrize("ign,problem", [
    (_with("storage", "files", "x"), "$.storage.files a string, expected a list of objects"),
    (_with("storage", "files", [5]), "$.storage.files.0 a number, expected an object"),
    (_with("storage", "links", {"path": "/x"}), "$.storage.links a map, expected a list of objects"),
    (_with("systemd", "units", [{"name": "a"}, "y"]), "$.systemd.units.1 a string, expected an object"),
    (_with("systemd", "units", [{"name": "a", "dropins": [1]}]), "$.systemd.units.0.dropins an entry"),
    (_with("passwd", "users", [None]), "$.passwd.users.0 null, expected an object"),
    ({**IGN, "storage": []}, "$.storage a list, expected an object"),
])
def test_damaged_saved_config_is_named(tmp_path: Path, ign: dict[str, Any], problem: str) -> None:
    old = _render(tmp_path / "old")
    new = _render(tmp_path / "new", ign)
    with pytest.raises(ConfigError, match="the saved config has") as exc:
        diff_renders(old, new)
    assert f"worker-web.ign: the saved config has {problem}" in str(exc.value)


@pytest.mark.parametrize("role,meta,problem", [
    ("../../etc/passwd", None, "role '../../etc/passwd' is not a role name"),
    ("worker-web", {"spec": "3.3.0", "secret_paths": "/etc/kubernetes/kubeconfig"},
     "secret_paths must be a list of paths"),
    ("worker-web", {"spec": "3.3.0", "secret_paths": [5]}, "secret_paths must be a list of paths"),
])
def test_damaged_manifest_is_named(tmp_path: Path, role: str, meta: Any, problem: str) -> None:
    # a string secret_paths was searched by substring: the kubeconfig's content would be shown unredacted
    with pytest.raises(ConfigError, match="not a saved render") as exc:
        ClusterRender.load(_render(tmp_path / "r", role=role, meta=meta))
    assert problem in str(exc.value)


def test_good_saved_renders_still_diff(tmp_path: Path) -> None:
    new = _with("storage", "files", [{"path": "/etc/x", "contents": {"source": "data:,b"}}])
    assert "/etc/x" in diff_renders(_render(tmp_path / "old"), _render(tmp_path / "new", new)).to_text()
