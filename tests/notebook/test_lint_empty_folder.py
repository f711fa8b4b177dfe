"""``lint-notebooks FOLDER`` reads ``*.ipynb`` directly in FOLDER; a folder with none (empty, a typo'd docs folder,
or notebooks only in subfolders) printed "lint-notebooks: ok", exit 0, so a CI step passed having linted nothing
(round 5 of the bad-input sweep). It is now a finding naming the folder (and the nested notebooks it skips)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lokonb.cli import main

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = REPO / "notebooks" / "metadata_access.ipynb"

CASES = [
    # (notebook files to create under the folder, exit code, fragment of the output)
    ([], 1, "{d}: no notebook (*.ipynb) in this folder"),
    (["a/x.ipynb", "b/c/y.ipynb"], 1,
     "{d}: no notebook (*.ipynb) in this folder; 2 in its subfolders, which are not searched: name those folders"),
    (["x.ipynb"], 0, "lint-notebooks: ok"),
    (["x.ipynb", "a/y.ipynb"], 0, "lint-notebooks: ok"),
]


@pytest.mark.parametrize("files,code,fragment", CASES, ids=["empty", "nested-only", "one", "one-and-nested"])
def test_folder_without_notebooks(tmp_path: Path, capsys, files: list[str], code: int, fragment: str) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "docs"
    folder.mkdir()
    for rel in files:
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(NOTEBOOK, folder / rel)
    assert main(["lint-notebooks", str(folder), "--root", str(REPO)]) == code
    out, err = capsys.readouterr()
    assert fragment.format(d=folder) in out + err
