"""§4.7: the index's summary column shows the results a notebook's schema declares for it (``index_results``);
notebooks without a schema show their first three summary items."""

from __future__ import annotations

import json
from pathlib import Path

from lokonb.notebook.index import rebuild_index
from lokonb.notebook.schemas import REGISTRY


def write_run(base: Path, notebook: str, results: dict) -> None:
    run_dir = base / notebook / "20260301T100000Z-default"
    run_dir.mkdir(parents=True)
    entries = {n: {"name": n, "kind": "json", "value": v, "label": None, "summary": s}
               for n, (v, s) in results.items()}
    (run_dir / "results.json").write_text(json.dumps({
        "schema_version": 1, "run_id": run_dir.name, "notebook": notebook, "parameter_set": "default",
        "status": "succeeded", "started_at": "2026-03-01T10:00:00Z", "results": entries, "artefacts": {},
    }), encoding="utf-8")


def test_declared_results_first_then_summary_items(tmp_path: Path) -> None:
    declared = REGISTRY["metadata_access"].index_results
    assert declared  # the schema names what its index rows show
    # the summary items come first in the notebook and are more than three: without the declaration they win
    results = {f"extra_{i}": (i, True) for i in range(4)}
    results.update({name: (f"value of {name}", False) for name in declared})
    write_run(tmp_path, "metadata_access", results)
    write_run(tmp_path, "fixture_nb", {"a": (1, False), "b": (2, True), "c": (3, True)})
    rows = {r["notebook"]: r["summary"] for r in rebuild_index(tmp_path)}
    assert rows["metadata_access"] == {name: f"value of {name}" for name in declared}
    assert rows["fixture_nb"] == {"b": "2", "c": "3"}
