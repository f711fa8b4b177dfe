"""Static HTML reports (§6): nbconvert's HTMLExporter with the ``lokonb`` template (nothing from the network).

Order on the page: title, status badge, run id, UTC times, duration, version; the error box; the summary; the
parameter table; then the notebook body with inputs hidden (``show_input`` shows them).
"""

from __future__ import annotations

import copy
import html
import json
import re
import threading
from pathlib import Path
from typing import Any

from lokonb import __version__
from lokonb.notebook.exceptions import ReportError
from lokonb.notebook.outcome import RunResult
from lokonb.notebook.params import NotebookSchema
from lokonb.notebook.redact import Redactor
from lokonb.notebook.results import RESULT_MIME

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
_DROP_CELL_TAGS = {"injected-parameters", "lokonb-setup"}


def _strip_ansi(value: Any) -> Any:
    if isinstance(value, list):
        return [_ANSI.sub("", v) if isinstance(v, str) else v for v in value]
    return _ANSI.sub("", value) if isinstance(value, str) else value


def prepare(nb: Any) -> Any:
    """The report's copy of a notebook: setup/injected cells, widget views and raw records removed (R6.2)."""
    out = copy.deepcopy(nb)
    out.metadata.pop("widgets", None)
    kept = []
    for cell in out.cells:
        if set(cell.metadata.get("tags", [])) & _DROP_CELL_TAGS:
            continue
        if cell.cell_type == "code":
            outputs = []
            for o in cell.get("outputs", []):
                data = o.get("data") or {}
                if RESULT_MIME in data:
                    continue
                if data and set(data) <= {WIDGET_MIME, "text/plain"} and WIDGET_MIME in data:
                    continue
                data.pop(WIDGET_MIME, None)
                if "text" in o:
                    o["text"] = _strip_ansi(o["text"])
                if "traceback" in o:
                    o["traceback"] = _strip_ansi(o["traceback"])
                if "text/plain" in data:
                    data["text/plain"] = _strip_ansi(data["text/plain"])
                outputs.append(o)
            cell.outputs = outputs
        kept.append(cell)
    out.cells = kept
    return out


def _value_html(value: Any) -> str:
    if isinstance(value, dict) and {"columns", "data"} <= set(value):
        head = "".join(f"<th>{html.escape(str(c))}</th>" for c in value["columns"])
        rows = "".join(
            "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
            for row in value["data"][:20]
        )
        more = len(value["data"]) - 20
        tail = f"<p>{more} more rows in results.json</p>" if more > 0 else ""
        return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>{tail}"
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    if len(text) > 300:
        text = text[:297] + "..."
    return html.escape(text)


def header_html(result: RunResult, schema: NotebookSchema | None, redactor: Redactor) -> str:
    """The run header: identity and status, error box, summary, parameters (all escaped and scrubbed)."""
    e = html.escape
    title = schema.title if schema else result.notebook
    parts = [
        f'<header class="lokonb-header"><h1>{e(title)}</h1>',
        f'<p><span class="lokonb-badge lokonb-status-{e(result.status)}">{e(result.status)}</span> '
        f'<span class="lokonb-meta">run <code>{e(result.run_id)}</code> · notebook {e(result.notebook)} · '
        f"set {e(result.parameter_set)} · started {e(str(result.started_at))} · finished "
        f"{e(str(result.finished_at))} · {result.duration_s} s · lokonb {e(__version__)}</span></p>",
    ]
    err = result.error
    if err:
        where = f"cell {err.get('cell_index')}" if err.get("cell_index") is not None else "before execution"
        parts.append(
            f'<div class="lokonb-error"><strong>Run {e(result.status)}</strong> in '
            f'<a href="#papermill-error-cell">{e(where)}</a>: '
            f"<code>{e(str(err.get('ename') or ''))}: {e(str(err.get('evalue') or err.get('message') or ''))}"
            "</code></div>"
        )
    summary = [(n, r) for n, r in result.results.items() if r.get("summary")]
    if summary:
        rows = "".join(
            f"<tr><th>{e(r.get('label') or n)}</th><td>{_value_html(r.get('value'))}</td></tr>"
            for n, r in summary
        )
        parts.append(f'<section id="lokonb-summary"><h2>Summary</h2><table>{rows}</table></section>')
    elif result.results:
        rows = "".join(
            f"<tr><th>{e(r.get('label') or n)}</th><td>{_value_html(r.get('value'))}</td></tr>"
            for n, r in list(result.results.items())[:10]
        )
        parts.append(f'<section id="lokonb-summary"><h2>Summary</h2><table>{rows}</table></section>')
    prow = "".join(
        f"<tr><td>{e(k)}</td><td><code>{_value_html(v)}</code></td>"
        f"<td>{e(result.parameter_sources.get(k, ''))}</td></tr>"
        for k, v in result.parameters.items()
    )
    parts.append(
        '<section id="lokonb-parameters"><h2>Parameters</h2><table><thead><tr><th>name</th>'
        f"<th>value</th><th>source</th></tr></thead><tbody>{prow}</tbody></table></section></header>"
    )
    return redactor.text("\n".join(parts))


def render_report(
    nb: Any,
    result: RunResult,
    *,
    show_input: bool = False,
    schema: NotebookSchema | None = None,
    redactor: Redactor | None = None,
) -> str:
    """The report HTML for an executed notebook and its run result."""
    red = redactor or Redactor()
    try:
        with _EXPORTER_LOCK:  # filters and resources are set on the shared exporter for each call
            body, _ = _exporter(show_input).from_notebook_node(
                prepare(nb),
                resources={
                    "lokonb_header": header_html(result, schema, red),
                    "metadata": {"name": result.notebook},
                },
            )
    except Exception as exc:  # noqa: BLE001 - nbconvert failures of any kind become one error type
        raise ReportError(f"cannot render the report: {type(exc).__name__}: {exc}") from None
    return red.text(body)


#: One HTMLExporter per ``show_input`` and process (building one compiles the template: ~0.2 s), used under the lock.
_EXPORTERS: dict[bool, Any] = {}
_EXPORTER_LOCK = threading.Lock()
_WARM: dict[bool, threading.Thread] = {}
_WARM_LOCK = threading.Lock()


def _exporter(show_input: bool) -> Any:
    exporter = _EXPORTERS.get(show_input)
    if exporter is None:
        from nbconvert import HTMLExporter

        exporter = _EXPORTERS[show_input] = HTMLExporter(
            template_name="lokonb",
            exclude_input=not show_input,
            exclude_input_prompt=True,
            exclude_output_prompt=True,
            extra_template_basedirs=[str(Path(__file__).with_name("templates"))],
        )
    return exporter


def _warm(show_input: bool) -> None:
    import nbformat

    try:
        with _EXPORTER_LOCK:
            _exporter(show_input).from_notebook_node(nbformat.v4.new_notebook(), resources={
                "lokonb_header": "", "metadata": {"name": "warm-up"}})
    except Exception:  # noqa: BLE001, S110 - only a head start: the real render reports its own errors
        pass


def warm_up(show_input: bool = False) -> threading.Thread:
    """Prepare the report renderer in a background thread: import nbconvert (~0.6 s), build the exporter and render
    an empty notebook once (template compilation, CSS selectors). The run wrapper starts this while the child
    process runs, which leaves the parent idle, and joins it before finalizing. Started once per process and
    ``show_input``; later calls return the same thread."""
    with _WARM_LOCK:
        thread = _WARM.get(show_input)
        if thread is None:
            thread = threading.Thread(target=_warm, args=(show_input,), name="lokonb-report-warm-up", daemon=True)
            _WARM[show_input] = thread
            thread.start()
    return thread


def write_report(nb: Any, result: RunResult, path: Path, **options: Any) -> None:
    path.write_text(render_report(nb, result, **options), encoding="utf-8")
