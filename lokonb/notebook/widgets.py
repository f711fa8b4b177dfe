"""Widgets on top of static output (§8): the parameter form and ``filter_table``.

Static first: every cell displays its complete result as an ordinary output; widgets (interactive mode only,
i.e. without ``LOKONB_HEADLESS=1``) only add controls that update that output through its display id.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from lokonb.errors import wrong_kind
from lokonb.notebook.exceptions import TableFilterError
from lokonb.notebook.params import NotebookSchema, Param

_COUNTER = itertools.count(1)


def _headless() -> bool:
    return os.environ.get("LOKONB_HEADLESS") == "1"


def control_for(p: Param, value: Any) -> Any:
    """The ipywidgets control of one parameter (the form column of §3.2)."""
    import ipywidgets as w

    style = {"description_width": "initial"}
    common = {"description": p.name, "tooltip": p.help, "style": style}
    if p.kind == "bool" and not p.optional:
        return w.Checkbox(value=bool(value), **common)
    if p.kind == "choice":
        options = ([None] if p.optional else []) + list(p.choices)
        return w.Dropdown(options=options, value=value, **common)
    if p.kind == "int" and not p.optional:
        return w.IntText(value=int(value), **common)
    if p.kind == "float" and not p.optional:
        return w.FloatText(value=float(value), **common)
    if p.kind == "list" and (p.item is None or p.item.kind in ("str", "path")):
        hint = {"placeholder": "empty: null (the default)"} if p.optional else {}
        return w.Textarea(value="\n".join(map(str, value or [])), **common, **hint)
    if p.kind in ("str", "path", "datetime") and not p.optional:
        return w.Text(value=str(value), **common)
    return w.Textarea(value=json.dumps(value), **common)  # nested, optional and mixed values as YAML/JSON


def _read(p: Param, control: Any) -> Any:
    from lokonb.notebook.params import Text

    value = control.value
    if isinstance(control.__class__.__name__, str) and control.__class__.__name__ == "Textarea":
        if p.kind == "list" and (p.item is None or p.item.kind in ("str", "path")):
            items = [line for line in value.splitlines() if line.strip()]
            # an optional list starts as null, shown as an empty box; reading it back as [] changed its meaning
            # (roles: [] selects no role) and the form refused its own defaults
            return None if p.optional and not items else items
        from lokonb.notebook.paramfiles import parse_text_tree

        return parse_text_tree(value) if value.strip() else Text("")
    return value


def parameter_form(
    schema: NotebookSchema,
    values: Mapping[str, Any],
    *,
    on_valid: Callable[[Any], None] | None = None,
    root: Path | None = None,
) -> Any:
    """A form with one control per parameter (§8.2): **Apply** validates (errors shown inline) and hands the
    validated parameters to ``on_valid`` (setup replaces ``P``); **Save as set** writes
    ``<root>/parameters/<nb>/<name>.yaml`` with the writer of ``lokonb params --format yaml``, never ``default``;
    **Run headless** starts ``lokonb run`` on the form's values as a subprocess."""
    try:
        import ipywidgets as w
    except ImportError:  # pragma: no cover - ipywidgets is a dependency
        return None
    import html

    from lokonb.errors import ConfigError
    from lokonb.notebook.exceptions import ParameterError, ParameterIssue
    from lokonb.notebook.params import validate

    controls = {p.name: control_for(p, values.get(p.name, p.default)) for p in schema.params}
    message = w.HTML()
    apply = w.Button(description="Apply", button_style="primary")
    save_name = w.Text(description="set name", placeholder="my-set")
    save = w.Button(description="Save as set…")
    run_button = w.Button(description="Run headless")
    log = w.Output()
    form = w.VBox([*controls.values(), w.HBox([apply, save_name, save, run_button]), log, message])
    form.controls = controls
    form.validated = None
    form.save_name = save_name

    def check() -> Any:
        raw, unreadable = {}, []
        for p in schema.params:
            try:
                raw[p.name] = _read(p, controls[p.name])
            except ConfigError as exc:  # a box's text is not YAML: say which box; a raise is lost in the callback
                unreadable.append(ParameterIssue(p.name, str(exc).replace("<text>", "box text"), "form"))
        try:
            if unreadable:
                raise ParameterError(schema.notebook, unreadable)
            form.validated = validate(schema, raw, {k: "form" for k in raw}, route="form")
        except ParameterError as exc:
            message.value = "<pre style='color:#c62828'>" + html.escape(str(exc)) + "</pre>"
            form.validated = None
        return form.validated

    def on_apply(_btn: Any = None) -> None:
        validated = check()
        if validated is None:
            return
        if on_valid is not None:
            on_valid(validated)
        message.value = "<span style='color:#2e7d32'>parameters valid and applied; re-run the cells below</span>"

    def on_save(_btn: Any = None) -> Path | None:
        from lokonb.errors import ConfigError
        from lokonb.notebook.paramfiles import check_set_name, commented_set

        name = save_name.value.strip()
        try:
            check_set_name(name)
        except ConfigError as exc:
            message.value = f"<span style='color:#c62828'>{html.escape(str(exc))}</span>"
            return None
        if name == "default" or root is None:
            why = "default.yaml is never overwritten" if root else "no project root (parameters/) found"
            message.value = f"<span style='color:#c62828'>not saved: {why}</span>"
            return None
        validated = check()
        if validated is None:
            return None
        path = root / "parameters" / schema.notebook / f"{name}.yaml"
        # a set the user wrote by hand (live-audit.yaml, with its comments) was replaced silently; one this form or
        # `lokonb params --format yaml` wrote (its first line is commented_set's header) is saved over
        if path.is_file() and not _written_by_form(path, schema.notebook):
            message.value = (f"<span style='color:#c62828'>not saved: {html.escape(str(path))} exists and was not "
                             "written by this form (its comments and layout would be lost): give another name, or "
                             "remove that file first</span>")
            return None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(commented_set(schema, validated.literals), encoding="utf-8")
        except OSError as exc:  # raised in a button callback it would be lost in the widget log
            message.value = (f"<span style='color:#c62828'>not saved: cannot write {html.escape(str(path))}: "
                             f"{html.escape(exc.strerror or str(exc))}</span>")
            return None
        message.value = f"<span style='color:#2e7d32'>saved {html.escape(str(path))}</span>"
        return path

    def on_run(_btn: Any = None, *, notebook: str | Path | None = None, extra_args: Sequence[str] = ()) -> Any:
        """Start ``lokonb run`` on the form's values in a subprocess (never papermill in a thread, R4.7); its
        output (run directory and report, or ``cell N: ename: evalue``) streams into the form. Returns the
        thread that follows it."""
        import subprocess
        import sys
        import tempfile
        import threading

        from lokonb.notebook.paramfiles import dump_literals

        validated = check()
        if validated is None:
            return None
        folder = Path(tempfile.mkdtemp(prefix="lokonb-form-"))
        params = folder / "form.yaml"
        params.write_text(dump_literals(validated.literals), encoding="utf-8")
        cmd = [sys.executable, "-m", "lokonb", "run", str(notebook or schema.notebook), "-f", str(params)]
        cmd += ["--root", str(root)] if root is not None else []
        proc = subprocess.Popen(  # noqa: S603 - our own CLI, arguments are not shell-parsed
            [*cmd, *extra_args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        message.value = "<span>running headless…</span>"

        def follow() -> None:
            assert proc.stdout is not None
            for line in proc.stdout:
                log.append_stdout(line)
            code = proc.wait()
            params.unlink(missing_ok=True)
            folder.rmdir()
            colour = "#2e7d32" if code == 0 else "#c62828"
            message.value = f"<span style='color:{colour}'>lokonb run exited with {code}</span>"

        thread = threading.Thread(target=follow, daemon=True)
        thread.start()
        return thread

    apply.on_click(on_apply)
    save.on_click(on_save)
    run_button.on_click(on_run)
    form.apply = on_apply
    form.save = on_save
    form.run_headless = on_run
    form.message = message
    form.run_output = log
    return form


#: Frames longer than this get ``continuous_update=False`` sliders: the table is filtered when the handle is
#: released, not at every step of a drag.
LARGE_FRAME = 10_000
#: The filter kinds of ``filter_table`` and their controls.
FILTER_CONTROLS = {"dropdown": "Dropdown", "multiple": "SelectMultiple", "slider": "IntSlider"}


def _filter_kinds(df: Any, filters: Sequence[str] | Mapping[str, str], default: Mapping[str, Any]) -> dict[str, str]:
    """The kind of every filtered column: as given by a mapping ``filters``, otherwise ``multiple`` when its default
    is a list, tuple or set and ``dropdown`` when not. Columns with a default but no control filter the same way."""
    import pandas as pd

    given = dict(filters) if isinstance(filters, Mapping) else dict.fromkeys(filters)
    kinds: dict[str, str] = {}
    for column in [*given, *(c for c in default if c not in given)]:
        if column not in df.columns:
            raise TableFilterError(f"filter_table: no column {column!r} (columns: {', '.join(map(str, df.columns))})")
        value = default.get(column)
        kind = given.get(column) or ("multiple" if isinstance(value, list | tuple | set | frozenset) else "dropdown")
        if kind not in FILTER_CONTROLS:
            known = ", ".join(FILTER_CONTROLS)
            raise TableFilterError(f"filter_table: {column}: unknown filter kind {kind!r} (one of {known})")
        if kind == "dropdown" and isinstance(value, list | tuple | set | frozenset):
            raise TableFilterError(f"filter_table: {column}: a dropdown takes one default value, not {value!r}")
        if kind == "slider":
            dtype = df[column].dtype
            if not pd.api.types.is_integer_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
                raise TableFilterError(f"filter_table: {column}: a slider needs an integer column, not {dtype}")
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise TableFilterError(f"filter_table: {column}: a slider's default is an int (the minimum), "
                                       f"not {value!r}")
        kinds[column] = kind
    return kinds


def _mask(series: Any, kind: str, value: Any) -> Any:
    """The rows of ``series`` that pass one filter (None when it filters nothing); missing values never pass."""
    if value is None or (kind == "multiple" and not value):
        return None
    if kind == "multiple":
        keep = series.isin(list(value))
    elif kind == "slider":
        keep = series.ge(value)
    else:
        keep = series == value
    return keep.to_numpy(dtype=bool, na_value=False)


def _options(series: Any, wanted: Sequence[Any]) -> list[tuple[str, Any]]:
    """(label, value) pairs of a column's distinct values, plus defaults absent from the data (so that the control
    shows what the static table shows)."""
    values = sorted(series.dropna().unique(), key=str)
    values += [v for v in wanted if v is not None and v not in values]
    return [(str(v), v) for v in values]


def _written_by_form(path: Path, notebook: str) -> bool:
    """Whether the set file at ``path`` starts with the header :func:`commented_set` writes."""
    try:
        with path.open(encoding="utf-8") as fh:
            first = fh.readline()
    except (OSError, UnicodeDecodeError):
        return False
    return first.startswith(f"# Parameter set for {notebook}: save as parameters/{notebook}/")


def _check_table_args(df: Any, filters: Any, default: Any) -> None:
    """The frame, the filters and the defaults of the kinds filter_table takes: a str df ended in "'str' object has
    no attribute 'head'", filters=None or 5 and default=[1] in a bare TypeError."""
    if not (hasattr(df, "columns") and hasattr(df, "head")):
        raise TableFilterError(wrong_kind("filter_table", "df", "a pandas DataFrame", df))
    if not isinstance(filters, list | tuple | Mapping):
        raise TableFilterError(wrong_kind("filter_table", "filters", "a list of column names or a mapping of column "
                                          f"to filter kind ({', '.join(FILTER_CONTROLS)})", filters))
    if default is not None and not isinstance(default, Mapping):
        raise TableFilterError(wrong_kind("filter_table", "default", "a mapping of column to initial value, or None",
                                          default))


def filter_table(
    df: Any,
    *,
    filters: Sequence[str] | Mapping[str, str] = (),
    default: Mapping[str, Any] | None = None,
    max_rows: int = 200,
) -> Any:
    """Show ``df`` filtered by ``default`` as a static table; interactively add one control per filter column.

    ``filters`` names the columns to filter, or maps each to its kind:

    - ``dropdown`` (Dropdown; the kind when the default is one value or missing): rows equal to the value,
      "all" (``None``) keeps every row;
    - ``multiple`` (SelectMultiple; the kind when the default is a list, tuple or set): rows equal to any selected
      value, an empty selection keeps every row;
    - ``slider`` (IntSlider over the column's range; integer columns only): rows with a value at least the
      slider's, the slider at its minimum keeps every row. ``continuous_update=False`` above
      :data:`LARGE_FRAME` rows.

    ``default`` gives the initial value per column (a column with a default but no control is filtered the same way
    without a control). An active filter drops rows with a missing value. Returns the display handle, with the
    controls by column as ``handle.controls`` (empty when headless); a control's change re-renders that display.
    The static table is always complete (headless reports, nbval).
    """
    from IPython.display import HTML, display

    # one column as a plain string is one column (it was read letter by letter: "no column '='"); max_rows -1 cut
    # the last row off silently (df.head(-1)) and "5" raised a TypeError from pandas
    if isinstance(filters, str):
        filters = [filters]
    _check_table_args(df, filters, default)
    if isinstance(max_rows, bool) or not isinstance(max_rows, int) or max_rows < 1:
        raise TableFilterError(f"filter_table: max_rows must be a whole number of rows, 1 or more (default 200), "
                         f"got {max_rows!r:.40}")
    display_id = f"lokonb-table-{next(_COUNTER)}"
    chosen: dict[str, Any] = dict(default or {})
    kinds = _filter_kinds(df, filters, chosen)
    for column in [c for c, kind in kinds.items() if kind == "slider" and chosen.get(c) is not None]:
        present = df[column].dropna()  # a slider at (or below) the column's minimum keeps every row
        if not len(present) or chosen[column] <= present.min():
            chosen[column] = None

    def view() -> Any:
        out = df
        for column, value in chosen.items():
            keep = _mask(out[column], kinds[column], value)
            if keep is not None:
                out = out[keep]
        return out

    def render() -> Any:
        from lokonb.notebook.tables import dataframe_html

        return HTML(dataframe_html(view(), max_rows))

    handle = display(render(), display_id=display_id)
    controls: dict[str, Any] = {}
    if handle is not None:
        handle.controls = controls
    if _headless():
        return handle
    import ipywidgets as w

    for column in filters:
        kind, value = kinds[column], chosen.get(column)
        if kind == "multiple":
            selected = tuple(value or ())
            options = _options(df[column], selected)
            control = w.SelectMultiple(options=options, value=selected, rows=min(max(len(options), 1), 6),
                                       description=column)
        elif kind == "slider":
            present = df[column].dropna()
            low, high = (int(present.min()), int(present.max())) if len(present) else (0, 0)
            high = high if value is None else max(high, value)  # a value at or below ``low`` is None by now
            control = w.IntSlider(value=low if value is None else value, min=low, max=high, description=column,
                                  continuous_update=len(df) <= LARGE_FRAME, disabled=low == high)
        else:
            control = w.Dropdown(options=[("all", None), *_options(df[column], [value])], value=value,
                                 description=column)

        def on_change(change: Any, column: str = column, kind: str = kind) -> None:
            new = change["new"]
            if kind == "slider" and new <= change["owner"].min:
                new = None
            chosen[column] = new
            handle.update(render())

        control.observe(on_change, names="value")
        controls[column] = control
    if controls:
        display(w.HBox(list(controls.values())))
    return handle
