"""Lint rules on planted violations, record/read round trips, import lightness, widgets."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from lokonb.notebook.lint import lint_notebook

GOOD_INTRO = ("# Demo\nRuns in JupyterLab; `lokonb run demo --set default`; "
              "`papermill notebooks/demo.ipynb out.ipynb -f parameters/demo/default.yaml`. "
              "`lokonb params demo` lists every parameter.")


def make(tmp_path: Path, *cells: nbformat.NotebookNode, kernel: str = "python3") -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": kernel, "display_name": "Python 3", "language": "python"}
    p = nbformat.v4.new_code_cell("x: int = 1  # a number")
    p.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell(GOOD_INTRO), p, *cells]
    path = tmp_path / "demo.ipynb"
    nbformat.write(nb, path)
    return path


def code(src: str, **extra: object) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(src)
    cell.update(extra)
    return cell


def test_clean_notebook_passes(tmp_path: Path) -> None:
    assert lint_notebook(make(tmp_path, code("from lokonb.notebook import record\nrecord('x', x)"))) == []


def test_intro_names_the_parameter_list(tmp_path: Path) -> None:
    """§2.2: the first cell points to ``lokonb params <nb>`` for the full parameter list."""
    path = make(tmp_path, code("x"))
    nb = nbformat.read(path, as_version=4)
    nb.cells[0].source = GOOD_INTRO.replace(" `lokonb params demo` lists every parameter.", "")
    nbformat.write(nb, path)
    assert lint_notebook(path) == [f"{path}: cell 0: R2.2 the first cell does not mention 'lokonb params'"]


def _second_params() -> nbformat.NotebookNode:
    cell = code("y = 2")
    cell.metadata["tags"] = ["parameters"]
    return cell


def _with_output() -> nbformat.NotebookNode:
    return code("x", outputs=[nbformat.v4.new_output("stream", text="1")], execution_count=1)


@pytest.mark.parametrize(("cell", "rule", "kernel"), [
    (_with_output(), "R2.6 has outputs", "python3"),
    (_second_params(), "2 cells tagged parameters", "python3"),
    (code("\n".join(f"a{i} = {i}" for i in range(13))), "R2.3 13 code lines", "python3"),
    (code("def f():\n    return 1"), "R2.3 definition of 'f'", "python3"),
    (code("!ls"), "R2.4 shell escape", "python3"),
    (code("from lokonb import sys_tools as sys\nsys.exit()"), "R2.4 sys.exit()", "python3"),
    (code("from lokonb.notebook import interact\ninteract(print, x=1)"), "R2.4 interact()", "python3"),
    (code("# NBVAL_CHECK_OUTPUT\nx"), "nbval marker NBVAL_CHECK_OUTPUT", "python3"),
    (code("x"), "R2.2 kernelspec 'lokonb-venv'", "lokonb-venv"),
    (code("x", metadata={"papermill": {"status": "completed"}}), "R2.6 cell metadata papermill", "python3"),
])
def test_planted_violations(tmp_path: Path, cell: nbformat.NotebookNode, rule: str, kernel: str) -> None:
    path = make(tmp_path, cell, kernel=kernel)
    problems = lint_notebook(path)
    assert any(rule in p and str(path) in p for p in problems), problems
    assert all(": cell " in p or "kernelspec" in p or "parameters" in p for p in problems)


def test_notebook_papermill_metadata_and_fix(tmp_path: Path) -> None:
    path = make(tmp_path, _with_output())
    nb = nbformat.read(path, as_version=4)
    nb.metadata["papermill"] = {"parameters": {"x": 1}}
    nbformat.write(nb, path)
    assert any("metadata.papermill" in p for p in lint_notebook(path))
    assert lint_notebook(path, fix=True) == []
    assert lint_notebook(path) == []


def test_record_round_trip_in_a_kernel(tmp_path: Path) -> None:
    from lokonb.notebook import run

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [code(
        "import pandas as pd\nfrom lokonb.notebook import record\n"
        "df = pd.DataFrame({'t': pd.to_datetime(['2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z']),"
        " 'c': pd.Categorical(['a', 'b']), 'f': [1.5, None]})\n"
        "for name, v in dict(i=1, f=2.5, b=True, n=None, s='x', d={'a': [1, {'b': 2}]}, df=df).items():\n"
        "    record(name, v)\nrecord('i', 7)\n"
        "try:\n    record('big', pd.DataFrame({'a': range(1001)}))\nexcept Exception as e:\n"
        "    record('err', type(e).__name__)")]
    path = tmp_path / "rt.ipynb"
    nbformat.write(nb, path)
    result = run(path, output=tmp_path / "runs")
    objs = result.result_objects()
    assert {k: objs[k].value for k in ("i", "f", "b", "n", "s", "d", "err")} == {
        "i": 7, "f": 2.5, "b": True, "n": None, "s": "x", "d": {"a": [1, {"b": 2}]}, "err": "RecordError"}
    import pandas as pd

    from lokonb.notebook import read_results

    saved = Path(result.run_dir) / "rt.ipynb"
    for frame in (objs["df"].value, read_results(saved)["df"].value):
        assert list(frame.dtypes.astype(str)) == ["datetime64[us, UTC]", "category", "float64"] or \
            str(frame["c"].dtype) == "category"
        assert frame["t"].iloc[1] == pd.Timestamp("2026-01-02T00:00:00Z")
    assert len(nbformat.read(saved, as_version=4).metadata["lokonb"]["results"]) == 8  # i re-recorded: one entry


def test_record_errors() -> None:
    from lokonb.notebook.exceptions import RecordError
    from lokonb.notebook.results import encode

    with pytest.raises(RecordError):
        encode("x", object())
    with pytest.raises(RecordError):
        encode("x", "a" * 70_000)
    with pytest.raises(RecordError):
        encode("not an id", 1)


def test_import_is_light() -> None:
    code_ = ("import sys, lokonb, lokonb.notebook\n"
             "heavy = ['papermill', 'nbconvert', 'boto3', 'moto', 'pandas', 'matplotlib', 'ipywidgets', "
             "'kubernetes']\nprint([m for m in heavy if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code_], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_no_chdir_in_library() -> None:
    root = Path(__file__).resolve().parents[2] / "lokonb" / "notebook"
    assert not [p for p in root.rglob("*.py") if "os.chdir(" in p.read_text()]


def test_widgets_headless_and_interactive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from lokonb.notebook import run

    fixture = Path(__file__).parent / "fixtures" / "widgets.ipynb"
    headless = run(fixture, output=tmp_path / "h", parameters={"kind": "b"})
    nb = nbformat.read(Path(headless.run_dir) / "widgets.ipynb", as_version=4)
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    assert "widgets" not in nb.metadata
    assert not any("application/vnd.jupyter.widget-view+json" in (o.get("data") or {}) for o in outputs)
    assert not any("%|" in str(o) for o in outputs)
    html = (Path(headless.run_dir) / "report.html").read_text()
    assert "<td>b</td>" in html and "rows" in html
    # R6.4/R1.2: a figure displayed after setup is a PNG in the notebook and the report, never "<Figure size ...>"
    assert any("image/png" in (o.get("data") or {}) for o in outputs)
    assert not any(str((o.get("data") or {}).get("text/plain", "")).startswith("<Figure") for o in outputs
                   if "image/png" not in (o.get("data") or {}))
    assert re.search(r'<img [^>]*src="data:image/png', html)
    monkeypatch.delenv("LOKONB_HEADLESS")
    interactive = run(fixture, output=tmp_path / "i", parameters={"kind": "b"},
                      extra_env={"LOKONB_HEADLESS": "0"})
    nb2 = nbformat.read(Path(interactive.run_dir) / "widgets.ipynb", as_version=4)
    outs2 = [o for c in nb2.cells for o in c.get("outputs", [])]
    assert any("application/vnd.jupyter.widget-view+json" in (o.get("data") or {}) for o in outs2)
    assert any("image/png" in (o.get("data") or {}) for o in outs2)
    tables = [o["data"]["text/html"] for o in outputs if "dataframe" in str((o.get("data") or {}).get(
        "text/html", ""))]
    tables2 = [o["data"]["text/html"] for o in outs2 if "dataframe" in str((o.get("data") or {}).get(
        "text/html", ""))]
    assert tables and tables == tables2


def test_form_for_every_schema() -> None:
    import ipywidgets as w

    from lokonb.notebook.schemas import REGISTRY
    from lokonb.notebook.widgets import parameter_form

    for schema in REGISTRY.values():
        form = parameter_form(schema, schema.defaults())
        assert list(form.controls) == schema.names
        for p in schema.params:
            control = form.controls[p.name]
            if p.kind == "bool" and not p.optional:
                assert isinstance(control, w.Checkbox)
            if p.kind == "choice":
                assert isinstance(control, w.Dropdown)
        form.apply()
        assert form.validated is not None
    schema = REGISTRY["apiserver_logs"]
    form = parameter_form(schema, schema.defaults())
    form.controls["max_records"].value = -5
    form.apply()
    assert form.validated is None and "out of range" in form.children[-1].value


def test_corrupt_dataframe_entry_is_a_record_error():
    from lokonb.notebook.exceptions import RecordError
    from lokonb.notebook.results import decode_entry

    with pytest.raises(RecordError, match="'t': a dataframe entry needs an object value"):
        decode_entry({"name": "t", "kind": "dataframe", "value": [1, 2]})


def test_form_apply_replaces_p_and_save_as_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """§8.2: Apply validates and replaces ``P``; Save as set writes parameters/<nb>/<name>.yaml with the
    ``lokonb params --format yaml`` writer (it validates back to the form's values) and refuses ``default``."""
    import lokonb.notebook.widgets as widgets
    from lokonb.notebook.paramfiles import read_set
    from lokonb.notebook.params import validate
    from lokonb.notebook.schemas import REGISTRY
    from lokonb.notebook.session import Parameters, setup

    schema = REGISTRY["render_flatcar"]
    forms = []
    real = widgets.parameter_form
    monkeypatch.setattr(widgets, "parameter_form", lambda *a, **k: forms.append(real(*a, **k)) or forms[-1])
    monkeypatch.delenv("LOKONB_HEADLESS")
    ns = dict(schema.defaults())
    ns["P"] = setup("render_flatcar", ns)
    (form,) = forms
    form.controls["snippets"].value = False
    form.apply()
    assert isinstance(ns["P"], Parameters) and ns["P"].snippets is False
    own = real(schema, ns["P"].literals, root=tmp_path)
    own.controls["ignition_version"].value = "3.4.0"
    own.save_name.value = "default"
    assert own.save() is None and not (tmp_path / "parameters").exists()
    own.save_name.value = "mine"
    saved = own.save()
    assert saved == tmp_path / "parameters" / "render_flatcar" / "mine.yaml"
    tree, sources, label = read_set(saved)
    literals = validate(schema, tree, sources, origin=label).literals
    assert literals["ignition_version"] == "3.4.0" and literals["snippets"] is False


def test_form_run_headless_starts_lokonb_run(tmp_path: Path) -> None:
    """§8.2: Run headless runs ``lokonb run`` as a subprocess on the form's values and shows its outcome."""
    from lokonb.notebook.params import NotebookSchema, Param
    from lokonb.notebook.widgets import parameter_form

    schema = NotebookSchema("ok", "ok fixture", (Param("x", "int", 2, "a number"),
                                                 Param("label", "str", "demo", "a label")))
    form = parameter_form(schema, {"x": 2, "label": "demo"})
    form.controls["x"].value = 5
    fixture = Path(__file__).parent / "fixtures" / "ok.ipynb"
    thread = form.run_headless(notebook=fixture, extra_args=["--output", str(tmp_path)])
    thread.join(timeout=120)
    text = "".join(o.get("text", "") for o in form.run_output.outputs)
    assert "ok: succeeded (exit 0)" in text and "report.html" in text, text
    assert "exited with 0" in form.message.value
    (results,) = tmp_path.glob("ok/*-form/results.json")
    assert json.loads(results.read_text())["results"]["doubled"]["value"] == 10


SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


@pytest.mark.parametrize("where,value,why", [
    ("tags", None, ".cells[2].metadata.tags: expected array, got null"),
    ("tags", "parameters", ".cells[2].metadata.tags: expected array, got a string"),
    ("tags", {"parameters": 1}, ".cells[2].metadata.tags: expected array, got an object"),
    ("tags", SECRET, ".cells[2].metadata.tags: expected array, got a string"),
    ("source", None, ".cells[2].source: null is not an allowed form"),
])
def test_schema_errors_are_findings_not_crashes(tmp_path: Path, where: str, value: object, why: str) -> None:
    # nbformat.read only warns about these; the rules then crashed (TypeError/AttributeError, exit 70)
    # or, for tags "parameters", passed a notebook JupyterLab and papermill misread
    path = make(tmp_path, code("from lokonb.notebook import record\nrecord('x', x)"))
    raw = json.loads(path.read_text())
    cell = raw["cells"][2]
    (cell["metadata"] if where == "tags" else cell)[where] = value
    path.write_text(json.dumps(raw))
    proc = subprocess.run([sys.executable, "-m", "lokonb", "lint-notebooks", str(path)], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 1, proc.stderr
    out = proc.stdout + proc.stderr
    assert f"{path}: not a readable notebook: does not follow the nbformat 4 schema at {why}" in out
    assert SECRET not in out and "Warning" not in out


@pytest.mark.parametrize("optional,text,expected", [
    (True, "", None), (True, "  \n\n", None), (True, "worker-web\n", ["worker-web"]),
    (False, "", []), (False, "a\nb", ["a", "b"]),
])
def test_form_list_box_reads_null_for_an_empty_optional_list(optional: bool, text: str, expected: object) -> None:
    # render_flatcar roles: null is every role, [] is none (refused); an empty box is the null the form showed
    from lokonb.notebook.params import Param
    from lokonb.notebook.widgets import _read, control_for

    param = Param("roles", "list", None if optional else [], "roles", optional=optional,
                  item=Param("item", "str", None, ""))
    control = control_for(param, None if optional else [])
    assert control.value == ""
    control.value = text
    assert _read(param, control) == expected


@pytest.mark.parametrize("box,text,why", [
    ("cluster", "{unclosed", "cluster (form): box text:1: not valid YAML"),
    ("progress", "&a [*a]", "progress (form): box text:1:1: recursive YAML alias"),
    ("cluster", "a: [1\nb: 2", "cluster (form): box text:"),
])
def test_form_box_that_is_not_yaml_is_shown_in_the_form(box: str, text: str, why: str) -> None:
    # the ConfigError escaped the button callback (lost in the widget log); the form kept the old P
    from lokonb.notebook.schemas import REGISTRY
    from lokonb.notebook.widgets import parameter_form

    schema = REGISTRY["render_flatcar"]
    applied = []
    form = parameter_form(schema, schema.defaults(), on_valid=applied.append)
    form.controls[box].value = text
    form.apply()
    assert form.validated is None and applied == []
    assert why in form.children[-1].value.replace("&#x27;", "'")
