"""The notebook side of a run: ``setup`` (cell 3) and ``finish`` (last cell) (§2.2, §3.4, §8).

``setup`` validates what the parameters cell (and papermill's injected cell) defined, shows the summary
placeholder at the top of the outputs and the parameters (a static table, plus a form when interactive), and
configures progress, logging and pandas display. ``finish`` fills the summary placeholder from the results
recorded with ``summary=True``.
"""

from __future__ import annotations

import html
import json
import logging
import os
import types
from collections.abc import Mapping, MutableMapping
from typing import Any

from lokonb.notebook.params import NotebookSchema, Validated, validate

SUMMARY_DISPLAY_ID = "lokonb-summary"
_IGNORED = {"In", "Out", "get_ipython", "exit", "quit", "open", "display"}


def is_headless() -> bool:
    """``LOKONB_HEADLESS=1`` (set by ``lokonb run``, the CronJob and the test conftest) means no widgets."""
    return os.environ.get("LOKONB_HEADLESS") == "1"


class Parameters:
    """Validated parameters of a notebook: ``P.name`` gives the rich value (``Path``, ``datetime`` ...)."""

    def __init__(self, validated: Validated) -> None:
        self._v = validated

    def __getattr__(self, name: str) -> Any:
        try:
            return self._v.values[name]
        except KeyError:
            raise AttributeError(f"{self._v.schema.notebook} has no parameter {name!r}") from None

    def __getitem__(self, name: str) -> Any:
        return self._v.values[name]

    @property
    def schema(self) -> NotebookSchema:
        return self._v.schema

    @property
    def values(self) -> dict[str, Any]:
        return dict(self._v.values)

    @property
    def literals(self) -> dict[str, Any]:
        return dict(self._v.literals)

    @property
    def sources(self) -> dict[str, str]:
        return dict(self._v.sources)

    def __repr__(self) -> str:
        return f"Parameters({self._v.schema.notebook}: {', '.join(self._v.values)})"


#: set in the notebook's namespace by a setup that passed: the names that existed then. A later setup in the same
#: kernel (JupyterLab "Run All" again, or re-running the setup cell) ignores names made after it (``P`` and the work
#: cells' results), which are not parameters; a fresh kernel (papermill, nbval, a first run) checks every name.
_NAMES_AT_SETUP = "_lokonb_names_at_setup"


def _defined_parameters(schema: NotebookSchema, ns: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Schema names found in ``ns``, and other user names defined before setup (likely typos)."""
    raw = {p.name: ns[p.name] for p in schema.params if p.name in ns}
    earlier = ns.get(_NAMES_AT_SETUP)
    extra = []
    for name, value in ns.items():
        if name in raw or name in _IGNORED or name.startswith("_") or name.startswith("PAPERMILL_"):
            continue
        if isinstance(earlier, frozenset) and name not in earlier:
            continue  # made by cells run after an earlier setup in this kernel
        if isinstance(
            value, (types.ModuleType, types.FunctionType, types.BuiltinFunctionType, type)
        ) or callable(value):
            continue
        extra.append(name)
    return raw, extra


#: class attribute of the lokonb objects that hold resources of one notebook execution (the embedded AWS and its
#: account state): ``True`` lets a later execution in the same kernel close them. Opt-in, so that nothing else a
#: user keeps in the kernel (an open log source, their own objects with ``close()``) is closed behind their back.
ENDS_WITH_EXECUTION = "ends_with_execution"


def _end_earlier_execution(ns: MutableMapping[str, Any]) -> None:
    """Close what an earlier execution's work cells left in ``ns`` (names made after its setup) and marked
    :data:`ENDS_WITH_EXECUTION`.

    JupyterLab "Run All" again is a new execution, as in a fresh kernel; the earlier provision run still held the
    embedded AWS with the cluster it applied, so the new run planned against it with new PKI and state (updates,
    a skipped controller config, attributes not as configured) instead of starting on an empty account.
    """
    earlier = ns.get(_NAMES_AT_SETUP)
    if not isinstance(earlier, frozenset):
        return
    for name, value in list(ns.items()):
        close = getattr(value, "close", None)
        if name in earlier or getattr(type(value), ENDS_WITH_EXECUTION, False) is not True or not callable(close):
            continue
        try:
            close()
        except Exception as exc:  # a stale object must not stop the new execution
            logging.getLogger("lokonb.notebook").warning("could not close %s of the earlier run: %s", name, exc)


def _get_schema(notebook: str | NotebookSchema) -> NotebookSchema:
    if isinstance(notebook, NotebookSchema):
        return notebook
    from lokonb.notebook.schemas import get_schema

    return get_schema(notebook)


def setup(notebook: str | NotebookSchema, namespace: Mapping[str, Any]) -> Parameters:
    """Validate the parameters defined in ``namespace`` (the notebook's ``globals()``) and prepare the run.

    Raises :class:`~lokonb.notebook.exceptions.ParameterError` (shown as a short list in Jupyter) on any problem,
    including names defined before setup that the schema does not know.
    """
    from IPython.display import HTML, display

    from lokonb.notebook.exceptions import ParameterError
    from lokonb.notebook.params import _Converter
    from lokonb.notebook.results import start_recording

    schema = _get_schema(notebook)
    if not isinstance(namespace, Mapping):  # "'str' object has no attribute 'get'"
        from lokonb.errors import wrong_kind
        from lokonb.notebook.exceptions import UsageError

        raise UsageError(wrong_kind("setup", "namespace", "the notebook's globals() (a mapping)", namespace))
    raw, extra = _defined_parameters(schema, namespace)
    try:
        validated = validate(schema, raw, {k: "notebook" for k in raw}, route="notebook")
    except ParameterError as exc:
        issues = list(exc.issues)
    else:
        issues = []
    if extra:
        conv = _Converter(lambda _p: "notebook", "notebook")
        for name in extra:
            conv.unknown(name, name, schema.names)
        issues.extend(conv.issues)
    if issues:
        raise ParameterError(schema.notebook, issues)
    params = Parameters(validated)
    if isinstance(namespace, MutableMapping):
        _end_earlier_execution(namespace)
        namespace[_NAMES_AT_SETUP] = frozenset(namespace)
    start_recording()
    _configure(params)
    display(
        HTML('<div class="lokonb-summary"><em>Summary: the run has not finished yet.</em></div>'),
        display_id=SUMMARY_DISPLAY_ID,
    )
    display(HTML(parameter_table_html(params)))
    if not is_headless():
        from lokonb.notebook.project import find_root
        from lokonb.notebook.widgets import parameter_form

        def replace_p(validated: Validated) -> None:  # Apply replaces P for the cells run after it
            new = Parameters(validated)
            start_recording()
            _configure(new)
            if isinstance(namespace, MutableMapping) and isinstance(namespace.get("P"), Parameters):
                namespace["P"] = new

        form = parameter_form(schema, params.literals, on_valid=replace_p, root=find_root(None, required=False))
        if form is not None:
            display(form)
    return params


def _configure(params: Parameters) -> None:
    from lokonb.notebook.redact import default_redactor

    if params.values.get("progress"):
        os.environ["LOKONB_PROGRESS"] = "1"
    redactor = default_redactor()

    class _Scrub(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            record.msg = redactor.text(record.getMessage())
            record.args = ()
            return True

    root = logging.getLogger("lokonb")
    if not any(isinstance(f, _Scrub) for f in root.filters):
        root.addFilter(_Scrub())
    try:
        import pandas as pd

        pd.set_option("display.max_rows", 200)
        pd.set_option("display.max_columns", 50)
    except ImportError:  # pragma: no cover - pandas is a dependency
        pass
    else:
        from lokonb.notebook.tables import register

        register()  # R6.4: numeric columns right, text left, at most 200 rows
    try:
        import matplotlib

        matplotlib.use("Agg") if is_headless() else None
    except ImportError:  # pragma: no cover
        pass
    else:
        _figure_formats()


def _figure_formats() -> None:
    """Make ``display(fig)`` emit a PNG in this kernel whatever the backend (R6.4, R1.2).

    IPython registers the figure formatter only when the inline backend is activated. Headless (above) and in
    library plot helpers the backend is Agg, and a displayed figure would then be saved as its text repr
    ``<Figure size ...>``: no plot in the notebook or the report.
    """
    from IPython import get_ipython
    from IPython.core.pylabtools import select_figure_formats

    shell = get_ipython()
    if shell is not None:
        select_figure_formats(shell, {"png"}, bbox_inches="tight")  # type: ignore[no-untyped-call]


def parameter_table_html(params: Parameters) -> str:
    """The static parameter table: name, value (redacted), source, help."""
    from lokonb.notebook.redact import scrub_value

    e = html.escape
    rows = []
    for p in params.schema.params:
        value = json.dumps(scrub_value(params.literals.get(p.name)), default=str)
        if len(value) > 120:
            value = value[:117] + "..."
        rows.append(
            f"<tr><td>{e(p.name)}</td><td><code>{e(value)}</code></td>"
            f"<td>{e(params.sources.get(p.name, 'default'))}</td><td>{e(p.help)}</td></tr>"
        )
    return (
        '<table class="lokonb-parameters"><thead><tr><th>parameter</th><th>value</th><th>source</th>'
        f"<th>help</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def summary_html(entries: Mapping[str, Mapping[str, Any]]) -> str:
    """The summary table from recorded entries (summary items; all items when none is marked)."""
    from lokonb.notebook.report import _value_html

    chosen = [(n, e) for n, e in entries.items() if e.get("summary")] or list(entries.items())[:10]
    if not chosen:
        return '<div class="lokonb-summary"><strong>Summary</strong>: run complete; nothing recorded.</div>'
    rows = "".join(
        f"<tr><th>{html.escape(str(e.get('label') or n))}</th><td>{_value_html(e.get('value'))}</td></tr>"
        for n, e in chosen
    )
    return f'<div class="lokonb-summary"><strong>Summary</strong><table>{rows}</table></div>'


def finish(params: Parameters | None = None) -> None:
    """Fill the summary placeholder shown by :func:`setup` from the recorded results."""
    from IPython.display import HTML, update_display

    from lokonb.notebook.results import RECORDED

    update_display(HTML(summary_html(RECORDED)), display_id=SUMMARY_DISPLAY_ID)
