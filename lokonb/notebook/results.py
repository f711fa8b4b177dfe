"""Recording results from inside a notebook (instead of the unmaintained scrapbook), and reading them back (§5).

``record`` emits a ``display_data`` output with MIME type :data:`RESULT_MIME`; the run wrapper collects those into
``metadata.lokonb.results`` and ``results.json``; :func:`read_results` works on any executed notebook.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lokonb.errors import kind_name
from lokonb.notebook.exceptions import RecordError
from lokonb.notebook.runoptions import check_path

if TYPE_CHECKING:  # pragma: no cover
    from lokonb.notebook.outcome import Result, RunResult

#: MIME type under which a recorded result travels in a display_data output.
RESULT_MIME = "application/vnd.lokonb.result+json"

MAX_JSON_BYTES = 64 * 1024
MAX_ROWS = 1000
MAX_COLUMNS = 50
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

#: Results recorded in this kernel since the last ``setup`` or form Apply, by name (re-recording replaces;
#: ``finish`` reads the summary items).
RECORDED: dict[str, dict[str, Any]] = {}


def start_recording() -> None:
    """Forget what an earlier execution in this kernel recorded: ``setup`` (JupyterLab "Run All" again) and the
    form's Apply start a new one, and ``finish`` showed a name the new parameters no longer record (the plan counts
    of an apply after switching to ``action: validate``) as if this run had computed it."""
    RECORDED.clear()


def _is_frame(value: Any) -> bool:
    return type(value).__name__ == "DataFrame" and type(value).__module__.startswith("pandas")


def encode_frame(df: Any) -> dict[str, Any]:
    """A DataFrame as ``{columns, dtypes, data}`` with datetimes in ISO UTC (R5.1)."""
    rows, cols = df.shape
    if rows > MAX_ROWS or cols > MAX_COLUMNS:
        raise RecordError(
            f"a DataFrame of {rows} rows x {cols} columns is too large to record (limit "
            f"{MAX_ROWS} x {MAX_COLUMNS}); use record_file(name, path) for large data"
        )
    import pandas as pd

    data: list[list[Any]] = []
    columns = [str(c) for c in df.columns]
    dtypes = [str(t) for t in df.dtypes]
    converted = []
    for col, dtype in zip(df.columns, df.dtypes, strict=True):
        series = df[col]
        if pd.api.types.is_datetime64_any_dtype(dtype):
            s = series.dt.tz_convert("UTC") if getattr(series.dt, "tz", None) is not None else series
            converted.append([None if pd.isna(v) else v.isoformat() for v in s])
        elif isinstance(dtype, pd.CategoricalDtype):
            converted.append([None if pd.isna(v) else _plain(v) for v in series])
        else:
            converted.append([_plain(v) for v in series])
    data = [list(row) for row in zip(*converted, strict=True)] if converted else [[] for _ in range(rows)]
    return {"columns": columns, "dtypes": dtypes, "data": data}


def _plain(v: Any) -> Any:
    item = getattr(v, "item", None)
    if callable(item) and type(v).__module__ == "numpy":
        v = item()
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return None
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return str(v)


def decode_frame(payload: dict[str, Any]) -> Any:
    """The inverse of :func:`encode_frame` (same dtypes)."""
    import pandas as pd

    df = pd.DataFrame(payload["data"], columns=payload["columns"])
    for col, dtype in zip(payload["columns"], payload["dtypes"], strict=True):
        if dtype.startswith("datetime64"):
            if ", " in dtype:  # tz-aware: stored as ISO UTC, converted back to the original zone
                zone = dtype.split(", ", 1)[1].rstrip("]")
                df[col] = pd.to_datetime(df[col], utc=True).dt.tz_convert(zone).astype(dtype)
            else:
                df[col] = pd.to_datetime(df[col]).astype(dtype)
        elif dtype == "category":
            df[col] = df[col].astype("category")
        elif dtype != "object":
            try:
                df[col] = df[col].astype(dtype)
            except (TypeError, ValueError):
                pass
    return df


def encode(name: str, value: Any, *, summary: bool = False, label: str | None = None) -> dict[str, Any]:
    """The JSON entry for one result (validates name, type and size)."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise RecordError(f"result name {name!r} is not an identifier")
    # results.json's schema: summary="no" (true in Python) or label=5 made the run's own results file unreadable to
    # `lokonb results`/`report` ("edited by hand?")
    if not isinstance(summary, bool):
        raise RecordError(f"record({name!r}): summary must be True or False, got {summary!r:.40}")
    if label is not None and not isinstance(label, str):
        raise RecordError(f"record({name!r}): label must be text or None, got {label!r:.40}")
    if _is_frame(value):
        return {
            "name": name,
            "kind": "dataframe",
            "value": encode_frame(value),
            "label": label,
            "summary": summary,
        }
    try:
        text = json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise RecordError(
            f"cannot record {name!r}: {type(value).__name__} is not JSON ({exc}); record JSON "
            "scalars, lists, dicts or a DataFrame, or use record_file(name, path)"
        ) from None
    if len(text.encode()) > MAX_JSON_BYTES:
        raise RecordError(
            f"cannot record {name!r}: {len(text.encode())} bytes is over the 64 KiB limit; "
            "use record_file(name, path)"
        )
    return {"name": name, "kind": "json", "value": value, "label": label, "summary": summary}


def decode_entry(entry: dict[str, Any]) -> Result:
    from lokonb.notebook.outcome import Result

    value = entry.get("value")
    if entry.get("kind") == "dataframe":
        if not isinstance(value, dict):
            raise RecordError(f"recorded result {entry.get('name')!r}: a dataframe entry needs an object value")
        value = decode_frame(value)
    return Result(
        entry["name"], entry.get("kind", "json"), value, entry.get("label"), bool(entry.get("summary"))
    )


def record(name: str, value: Any, *, summary: bool = False, label: str | None = None) -> None:
    """Record ``value`` under ``name`` from inside a notebook (JSON value ≤ 64 KiB or a DataFrame ≤ 1000×50).

    ``summary=True`` shows it in the summary at the top of the outputs (filled by ``finish``). Recording a name
    again replaces it. Values are scrubbed of secrets before they are emitted.
    """
    from IPython.display import display

    from lokonb.notebook.redact import scrub, scrub_value

    entry = encode(name, value, summary=summary, label=label)
    entry["value"] = scrub_value(entry["value"])
    RECORDED[name] = entry
    shown = label or name
    if entry["kind"] == "dataframe":
        text = f"recorded {shown}: table of {len(entry['value']['data'])} rows"
    else:
        text = f"recorded {shown}: {scrub(json.dumps(entry['value']))[:200]}"
    display({RESULT_MIME: entry, "text/plain": text}, raw=True)


def record_file(name: str, path: str | Path) -> Path:
    """Copy ``path`` into ``<run dir>/files/`` (headless runs) and record its path under ``name``."""
    if not isinstance(name, str) or not _NAME.match(name):  # before anything is copied
        raise RecordError(f"result name {name!r} is not an identifier")
    check_path("record_file", "path", path, "the path of a file to record (str or Path)")
    source = Path(path)
    if not source.is_file():
        raise RecordError(f"record_file({name!r}): {source} is not a file")
    run_dir = os.environ.get("LOKONB_RUN_DIR")
    target = source
    rel = str(source)
    if run_dir:
        files = Path(run_dir) / "files"
        files.mkdir(parents=True, exist_ok=True)
        file_name = source.name
        # two files of one name (render/a/manifest.json, render/b/manifest.json): the second overwrote the first,
        # so the first result showed the second's content; it now gets a name of its own
        taken = {e["value"] for n, e in RECORDED.items() if e.get("kind") == "file" and n != name}
        if f"files/{file_name}" in taken:
            file_name = f"{name}-{source.name}"
        target = files / file_name
        shutil.copyfile(source, target)
        rel = f"files/{file_name}"
    from IPython.display import display

    entry = {"name": name, "kind": "file", "value": rel, "label": None, "summary": False}
    RECORDED[name] = entry
    display({RESULT_MIME: entry, "text/plain": f"recorded file {name}: {rel}"}, raw=True)
    return target


def collect(nb: Any) -> dict[str, dict[str, Any]]:
    """Recorded entries in an executed notebook's outputs, in order; the last recording of a name wins."""
    found: dict[str, dict[str, Any]] = {}
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []) or []:
            entry = (output.get("data") or {}).get(RESULT_MIME)
            if isinstance(entry, dict) and "name" in entry:
                found[entry["name"]] = dict(entry)
    return found


def read_results(notebook: str | Path) -> dict[str, Result]:
    """Results recorded in an executed notebook (local path or ``s3://``), lokonb-run or not."""
    check_path("read_results", "notebook", notebook, "the path or s3:// URL of an executed .ipynb (str or Path)")
    loc = str(notebook)
    if not loc.startswith("s3://") and not Path(loc).is_file():  # "" or a folder: a bare OSError from nbformat
        what = "is a directory" if Path(loc).is_dir() else "does not exist"
        raise RecordError(f"read_results(): {loc or repr(loc)} {what} (give an executed notebook, such as "
                          "runs/NOTEBOOK/RUN_ID/NOTEBOOK.ipynb)")
    from lokonb.notebook.lint import _parse_notebook, read_notebook

    if loc.startswith("s3://"):
        from lokonb.notebook.s3 import read_text

        nb, problem = _parse_notebook(read_text(loc))
    else:  # a file that is not UTF-8 nbformat JSON ended in nbformat's or the codec's own exception
        nb, problem = read_notebook(Path(loc))
    if nb is None:
        raise RecordError(f"read_results(): {loc} is not a readable notebook: {problem}")
    entries = (nb.metadata.get("lokonb") or {}).get("results") or collect(nb)
    return {name: decode_entry(entry) for name, entry in entries.items()}


def read_run(run_dir: str | Path) -> RunResult:
    """The :class:`RunResult` of a run directory (from its ``results.json``)."""
    from lokonb.notebook.outcome import RunResult

    check_path("read_run", "run_dir", run_dir, "a run directory such as runs/NOTEBOOK/RUN_ID (str or Path)")
    if Path(run_dir).is_file():  # "README.md/results.json: Not a directory" named a path that cannot exist
        raise RecordError(f"{run_dir} is a file, not a run directory (give a folder such as "
                          "runs/NOTEBOOK/RUN_ID, listed by `lokonb runs`)")
    path = Path(run_dir) / "results.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RecordError(f"no results.json in {run_dir}") from None
    except json.JSONDecodeError as exc:
        raise RecordError(f"{path} is not valid JSON: {exc}") from None
    except UnicodeDecodeError as exc:  # an internal error (exit 70) in `lokonb results`/`report` before
        raise RecordError(f"{path} is not UTF-8 text (byte {exc.start}); restore it, or re-run the notebook") from None
    missing = [k for k in ("run_id", "notebook") if not isinstance(data, dict) or not isinstance(data.get(k), str)]
    if missing:  # a truncated or hand-edited file, or another tool's results.json
        got = "an object" if isinstance(data, dict) else kind_name(data, document=True)
        raise RecordError(f"{path} is not a lokonb results file: {got} without {' and '.join(missing)} "
                          "(written by `lokonb run`; a killed run is repaired with `lokonb runs --finalize`)")
    problems = _shape_problems(data)
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise RecordError(f"{path} is not a readable lokonb results file: {'; '.join(problems[:3])}{more} "
                          "(was it edited by hand? restore it, or re-run the notebook)")
    return RunResult.from_json(data, str(run_dir))


def _shape_problems(data: dict[str, Any]) -> list[str]:
    """Fields of ``results.json`` whose type the schema refuses (results, artefacts, error, parameters ... are
    read as objects later); a missing field is fine, older lokonb versions wrote fewer."""
    import jsonschema

    from lokonb.notebook.outcome import results_schema

    schema = {k: v for k, v in results_schema().items() if k != "required"}
    out = []
    for err in sorted(jsonschema.Draft202012Validator(schema).iter_errors(data), key=lambda e: list(e.path)):
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err.path).lstrip(".") or "top"
        line = f"{where}: {_schema_expected(err)}"
        if line not in out:
            out.append(line)
    artefacts = data.get("artefacts")
    for name, rel in (artefacts.items() if isinstance(artefacts, dict) else ()):
        if isinstance(rel, str) and (Path(rel).is_absolute() or ".." in Path(rel).parts):
            out.append(f"artefacts.{name}: {rel!r} leaves the run directory (allowed: a path inside it)")
    return out


def _schema_expected(err: Any) -> str:
    """What the schema wants at one place, without quoting the value found (it may be anything)."""
    if err.validator == "type":
        want = err.validator_value
        return f"expected {' or '.join(want) if isinstance(want, list) else want}"
    if err.validator in ("enum", "const"):
        allowed = err.validator_value if err.validator == "enum" else [err.validator_value]
        return "expected one of " + ", ".join(json.dumps(v) for v in allowed)
    if err.validator == "required":
        return f"needs {err.message.split(chr(39))[1] if chr(39) in err.message else err.validator_value}"
    if err.validator in ("oneOf", "anyOf"):
        return "not one of the allowed forms"
    return f"fails the schema's {err.validator} rule ({json.dumps(err.validator_value)[:60]})"
