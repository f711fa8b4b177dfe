"""Repeated cell ids (round 4 of the bad-input sweep): nbformat renumbers them silently when it reads a notebook, so
lint-notebooks said "ok" about a file that breaks the nbformat 4.5 rule (ids unique) that R2.2 requires."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_lint_results import code, make

from lokonb.notebook.lint import lint_notebook


def _with_ids(path: Path, ids: list[str | None]) -> Path:
    data = json.loads(path.read_text())
    for cell, cid in zip(data["cells"], ids, strict=True):
        if cid is not None:
            cell["id"] = cid
    path.write_text(json.dumps(data, indent=1))
    return path


# ids of the 4 cells (intro, parameters, two work cells; None keeps nbformat's) -> (cell, id, first cell) reported
CASES = [
    (["a1", "a1", None, None], [(1, "a1", 0)]),
    (["a1", "b2", "a1", "a1"], [(2, "a1", 0), (3, "a1", 0)]),
    (["a1", "b2", "c3", "b2"], [(3, "b2", 1)]),
    (["a1", "b2", "c3", "d4"], []),
]


@pytest.mark.parametrize("ids,expected", CASES)
def test_repeated_cell_ids_are_findings_and_fix_renumbers(tmp_path: Path, ids: list, expected: list) -> None:
    path = _with_ids(make(tmp_path, code("x"), code("x")), ids)
    problems = lint_notebook(path)
    assert problems == [f"{path}: cell {i}: R2.2 cell id {cid!r} repeats cell {first}'s (ids must be unique; run "
                        "lint-notebooks --fix)" for i, cid, first in expected]
    assert lint_notebook(path, fix=True) == []
    written = [c["id"] for c in json.loads(path.read_text())["cells"]]
    assert len(set(written)) == 4 and lint_notebook(path) == []
