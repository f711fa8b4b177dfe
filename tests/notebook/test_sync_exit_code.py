"""`lokonb sync-notebooks` exits 1 when a registered notebook could not be synced (not JSON, not exactly one
parameters cell); it printed "not changed" and exited 0, so a CI step passed with a stale parameters cell."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from lokonb.cli import main

REPO = Path(__file__).resolve().parents[2]


def _no_parameters_cell(path: Path) -> None:
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        cell.get("metadata", {}).pop("tags", None)
    path.write_text(json.dumps(nb))


CASES = [
    # (name, damage to notebooks/metadata_access.ipynb, exit code, fragment)
    ("intact", lambda p: None, 0, "metadata_access: unchanged"),
    ("not JSON", lambda p: p.write_text("garbage"), 1, "metadata_access: not a readable notebook"),
    ("no parameters cell", _no_parameters_cell, 1, "metadata_access: 0 parameters cells; not changed"),
    ("missing", lambda p: p.unlink(), 0, "metadata_access: no notebook yet"),
]


@pytest.mark.parametrize("name,damage,code,fragment", CASES, ids=[c[0] for c in CASES])
def test_sync_exit_code(tmp_path, capsys, name, damage, code, fragment):
    for part in ("notebooks", "parameters"):
        shutil.copytree(REPO / part, tmp_path / part)
    damage(tmp_path / "notebooks" / "metadata_access.ipynb")
    assert main(["sync-notebooks", "--root", str(tmp_path)]) == code
    assert fragment in capsys.readouterr().out
