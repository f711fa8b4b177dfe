"""``lokonb results``/``report`` and ``read_results`` on run files damaged by hand or by a bad copy (not UTF-8, not
JSON, not a notebook): a ``RecordError`` naming the file and what is wrong, never an internal error (exit 70)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lokonb.notebook.exceptions import RecordError
from lokonb.notebook.results import read_results, read_run

RESULTS = {"schema_version": 1, "run_id": "20261127T101112Z-default", "notebook": "metadata_access",
           "status": "succeeded", "exit_code": 0, "results": {}, "artefacts": {"notebook": "metadata_access.ipynb"}}


@pytest.mark.parametrize("command", ["results", "report"])
def test_results_file_not_utf8_is_a_clear_error(tmp_path: Path, command: str) -> None:
    # a results.json saved in UTF-16 by an editor (BOM ff fe): UnicodeDecodeError, "internal error", exit 70
    (tmp_path / "results.json").write_bytes(json.dumps(RESULTS).encode("utf-16"))
    with pytest.raises(RecordError, match=r"results\.json is not UTF-8 text \(byte 0\)"):
        read_run(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "lokonb", command, str(tmp_path)], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 1, proc.stderr
    assert "is not UTF-8 text" in proc.stderr and "internal error" not in proc.stderr


@pytest.mark.parametrize("content,why", [
    (b"\xff\xfe\x00{", "not UTF-8 text"),
    (b'{"cells": 5', "not JSON"),
    (b'{"a": 1}', "does not follow the nbformat 4 schema"),
])
def test_read_results_of_an_unreadable_notebook_names_it(tmp_path: Path, content: bytes, why: str) -> None:
    # were UnicodeDecodeError, nbformat's NotJSONError (quoting the file's start) and ValidationError
    nb = tmp_path / "metadata_access.ipynb"
    nb.write_bytes(content)
    with pytest.raises(RecordError, match="is not a readable notebook") as exc:
        read_results(nb)
    assert str(nb) in str(exc.value) and why in str(exc.value)
