"""The run index (§4.7): ``index.json`` and ``index.html`` rebuilt from every ``*/*/results.json`` under a lock.

The index is derived data, never the source of truth; a corrupt results file is listed as ``unreadable``.
"""

from __future__ import annotations

import fcntl
import html
import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

_COLOURS = {
    "succeeded": "#2e7d32",
    "failed": "#c62828",
    "dead_kernel": "#c62828",
    "timeout": "#ef6c00",
    "cancelled": "#ef6c00",
    "interrupted": "#ef6c00",
    "parameter_error": "#6a1b9a",
    "environment_error": "#6a1b9a",
    "running": "#1565c0",
    "unreadable": "#555",
}


def _short(value: Any) -> str:
    if isinstance(value, dict) and "columns" in value:
        return f"table ({len(value.get('data', []))} rows)"
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def row_of(results_file: Path, base: Path) -> dict[str, Any]:
    """One index row for a ``results.json`` (``unreadable`` when it cannot be parsed)."""
    rel_dir = results_file.parent.relative_to(base).as_posix()
    try:
        data = json.loads(results_file.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not an object")
    except (OSError, ValueError):
        return {
            "run_id": results_file.parent.name,
            "notebook": results_file.parent.parent.name,
            "set": "",
            "status": "unreadable",
            "started_at": "",
            "duration_s": None,
            "summary": {},
            "dir": rel_dir,
            "links": {},
        }
    # fields of the wrong type (a hand-edited or foreign file) fall back like a missing field: one bad run must not
    # break sorting and listing every other run
    def text(key: str, default: str) -> str:
        value = data.get(key)
        return value if isinstance(value, str) and value else default

    duration = data.get("duration_s")
    results = data.get("results") if isinstance(data.get("results"), dict) else {}
    artefacts = data.get("artefacts") if isinstance(data.get("artefacts"), dict) else {}
    declared = _index_results(text("notebook", results_file.parent.parent.name))
    chosen = (
        [n for n in declared if n in results]
        or [n for n, r in results.items() if isinstance(r, dict) and r.get("summary")]
        or list(results)
    )
    summary = {n: _short(results[n].get("value")) for n in chosen[:3] if isinstance(results[n], dict)}
    links = {
        k: f"{rel_dir}/{v}"
        for k, v in artefacts.items()
        if k in ("report", "notebook", "results") and isinstance(v, str)
    }
    status = text("status", "unreadable")
    if status == "running" and _killed(results_file.parent):
        status = "interrupted"
    return {
        "run_id": text("run_id", results_file.parent.name),
        "notebook": text("notebook", results_file.parent.parent.name),
        "set": text("parameter_set", ""),
        "status": status,
        "started_at": text("started_at", ""),
        "duration_s": duration if isinstance(duration, int | float) and not isinstance(duration, bool) else None,
        "exit_code": data.get("exit_code") if isinstance(data.get("exit_code"), int) else None,
        "summary": summary,
        "dir": rel_dir,
        "links": links,
    }


def _index_results(notebook: str) -> tuple[str, ...]:
    """The results a notebook's schema names for the index (``NotebookSchema.index_results``); none for a notebook
    without a schema (a fixture or a path), whose summary items are shown instead."""
    from lokonb.notebook.schemas import REGISTRY

    schema = REGISTRY.get(notebook)
    return schema.index_results if schema is not None else ()


def _killed(run_dir: Path) -> bool:
    """R4.4: a run still ``running`` in its results file whose lock no process holds was killed; it is listed as
    ``interrupted`` (``lokonb runs --finalize`` turns it into artefacts), not as running for ever."""
    from lokonb.notebook.finalize import run_lock_held

    return run_lock_held(run_dir) is False


def scan(base: Path) -> list[dict[str, Any]]:
    """Rows for every run under ``base``, newest first."""
    rows = [row_of(p, base) for p in base.glob("*/*/results.json")]
    return sorted(rows, key=lambda r: (r["started_at"], r["run_id"]), reverse=True)


def render_html(rows: Iterable[dict[str, Any]]) -> str:
    e = html.escape
    body = []
    for r in rows:
        colour = _COLOURS.get(r["status"], "#555")
        links = " ".join(f'<a href="{e(v)}">{e(k)}</a>' for k, v in r["links"].items())
        summary = "<br>".join(f"{e(k)}: {e(v)}" for k, v in r["summary"].items())
        body.append(
            f"<tr><td><code>{e(r['run_id'])}</code></td><td>{e(r['notebook'])}</td><td>{e(r['set'])}</td>"
            f'<td style="color:{colour};font-weight:bold">{e(r["status"])}</td><td>{e(r["started_at"])}</td>'
            f'<td style="text-align:right">{"" if r["duration_s"] is None else r["duration_s"]}</td>'
            f"<td>{summary}</td><td>{links}</td></tr>"
        )
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>lokonb runs</title><style>'
        "body{font-family:Helvetica,Arial,sans-serif} table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:3px 8px;vertical-align:top}</style></head><body>"
        "<h1>lokonb runs</h1><table><thead><tr><th>run id</th><th>notebook</th><th>set</th><th>status</th>"
        "<th>started (UTC)</th><th>duration (s)</th><th>summary</th><th>links</th></tr></thead><tbody>"
        + "".join(body)
        + "</tbody></table></body></html>\n"
    )


def _atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def rebuild_index(base: Path) -> list[dict[str, Any]]:
    """Rescan ``base`` and rewrite ``index.json`` and ``index.html`` atomically under a file lock."""
    base.mkdir(parents=True, exist_ok=True)
    with open(base / ".index.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        rows = scan(base)
        _atomic_write(base / "index.json", json.dumps({"runs": rows}, indent=2) + "\n")
        _atomic_write(base / "index.html", render_html(rows))
    return rows


def format_table(rows: list[dict[str, Any]]) -> str:
    """The ``lokonb runs`` text table: the columns of ``index.html`` (summary results included)."""
    header = ("RUN ID", "NOTEBOOK", "SET", "STATUS", "STARTED (UTC)", "SECONDS", "SUMMARY", "REPORT")
    lines = [header] + [
        (
            r["run_id"],
            r["notebook"],
            r["set"],
            r["status"],
            r["started_at"][:19],
            "" if r["duration_s"] is None else f"{r['duration_s']:.1f}",
            "; ".join(f"{k}: {v}" for k, v in r["summary"].items()),
            r["links"].get("report", ""),
        )
        for r in rows
    ]
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(header))]
    return "\n".join(
        "  ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in lines
    )
