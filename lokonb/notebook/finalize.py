"""Turning a child's staging notebook into a run's artefacts: repair, results, scrub, report (§4.4, §5, §7)."""

from __future__ import annotations

import datetime as _dt
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from lokonb.notebook.outcome import STATUS_EXIT, RunResult, RunStatus, write_json_atomic
from lokonb.notebook.params import NotebookSchema
from lokonb.notebook.redact import Redactor
from lokonb.notebook.results import collect

BANNER_TAG = "papermill-error-cell-tag"
_WHY = {
    "timeout": ("CellTimeoutError", "the cell ran longer than the cell timeout"),
    "dead_kernel": ("DeadKernelError", "the kernel died (crash, os._exit or out of memory)"),
    "cancelled": ("KeyboardInterrupt", "the run was cancelled by a signal"),
    "interrupted": ("Interrupted", "the run's process was killed before it finished"),
}


def _code_indices(nb: Any) -> list[int]:
    return [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]


def _banner(text: str) -> Any:
    import nbformat

    cell = nbformat.v4.new_markdown_cell(f'<span style="color:red; font-size:1.6em;">{text}</span>')
    cell.metadata["tags"] = [BANNER_TAG]
    return cell


def _error_anchor(ename: str) -> Any:
    """The markdown cell put before the failed cell: the target of the banner's and the report's error-box links
    (``#papermill-error-cell``, as papermill's own anchor cell); tagged so papermill's re-run cleanup removes it."""
    import nbformat

    anchor = nbformat.v4.new_markdown_cell(
        f'<span id="papermill-error-cell" style="color:red; font-size:1.4em;">{ename} in this cell</span>'
    )
    anchor.metadata["tags"] = [BANNER_TAG]
    return anchor


def repair(nb: Any, status: str, running: int | None, error: dict[str, Any]) -> int | None:
    """Mark the cell that was running when a timeout, dead kernel or cancel struck (R4.10); returns its index
    in the executed notebook (before the banner)."""
    import nbformat

    if nb.cells and BANNER_TAG in nb.cells[0].metadata.get("tags", []):
        nb.cells.pop(0)  # papermill's own banner (an interrupt raised a cell error); replaced by ours
        nb.cells = [
            c
            for c in nb.cells
            if "papermill-error-cell" not in "".join(c.source) or c.cell_type != "markdown"
        ]
    if running is None or running >= len(nb.cells) or nb.cells[running].cell_type != "code":
        executed = [i for i in _code_indices(nb) if nb.cells[i].get("execution_count") is not None]
        running = executed[-1] if executed else next(iter(_code_indices(nb)), None)
    if running is None:
        return None
    ename, why = _WHY.get(status, (error.get("ename") or "Error", error.get("evalue") or status))
    cell = nb.cells[running]
    cell.metadata.setdefault("papermill", {}).update({"status": "failed", "exception": True})
    evalue = error.get("evalue") or why
    cell.outputs = [o for o in cell.get("outputs", []) if o.get("output_type") != "error"]
    cell.outputs.append(
        nbformat.v4.new_output("error", ename=ename, evalue=str(evalue), traceback=[f"{ename}: {evalue}"])
    )
    for later in nb.cells[running + 1 :]:
        if later.cell_type == "code":
            later.metadata.setdefault("papermill", {})["status"] = "pending"
    nb.metadata.setdefault("papermill", {})["exception"] = True
    count = cell.get("execution_count")
    nb.cells.insert(running, _error_anchor(ename))
    nb.cells.insert(
        0,
        _banner(
            f"lokonb: run {status} in cell {running} (In [{count}]): {ename}: {why}. "
            '<a href="#papermill-error-cell">Go to the cell</a>.'
        ),
    )
    return running


def _ensure_failure_marked(nb: Any, error: dict[str, Any] | None) -> dict[str, Any] | None:
    """Detect runs papermill calls successful though a cell failed (``sys.exit(0)``; §4.4)."""
    failed = [
        i
        for i in _code_indices(nb)
        if nb.cells[i].metadata.get("papermill", {}).get("status") == "failed"
        or any(o.get("output_type") == "error" for o in nb.cells[i].get("outputs", []))
    ]
    if not failed:
        return error
    i = failed[0]
    err: dict[str, Any] = next((o for o in nb.cells[i].outputs if o.get("output_type") == "error"), {})
    has_banner = bool(nb.cells) and BANNER_TAG in nb.cells[0].metadata.get("tags", [])
    if not has_banner:
        nb.metadata.setdefault("papermill", {})["exception"] = True
        for later in nb.cells[i + 1 :]:
            if later.cell_type == "code" and later.get("execution_count") is None:
                later.metadata.setdefault("papermill", {})["status"] = "pending"
        nb.cells.insert(i, _error_anchor(str(err.get("ename", "error"))))
        nb.cells.insert(
            0,
            _banner(
                f"lokonb: run failed in cell {i}: stopped early "
                f"({err.get('ename', 'error')}: {err.get('evalue', '')}). "
                '<a href="#papermill-error-cell">Go to the cell</a>.'
            ),
        )
    return error or {
        "kind": "stopped_early",
        "cell_index": i,
        "execution_count": nb.cells[i + (0 if has_banner else 2)].get("execution_count"),
        "ename": err.get("ename", "SystemExit"),
        "evalue": f"stopped early: {err.get('evalue', '')}",
        "traceback": None,
    }


def _cells(nb: Any) -> list[dict[str, Any]]:
    """Code cells by index in the executed notebook, banners not counted (the numbering of ``error.cell_index``)."""
    out = []
    executed = [c for c in nb.cells if BANNER_TAG not in c.metadata.get("tags", [])]
    for i, cell in enumerate(executed):
        if cell.cell_type != "code":
            continue
        pm = cell.metadata.get("papermill", {})
        status = pm.get("status") or ("completed" if cell.get("execution_count") else "pending")
        if status not in ("pending", "running", "completed", "failed"):
            status = "completed"
        out.append({"index": i, "status": status, "duration_s": pm.get("duration")})
    return out


def _utc(ts: float) -> str:
    return _dt.datetime.fromtimestamp(ts, _dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def finalize(
    result: RunResult,
    outcome: dict[str, Any],
    run_dir: Path,
    root: Path | None,
    redactor: Redactor,
    started: float,
    *,
    report: bool,
    show_input: bool,
    schema: NotebookSchema | None,
) -> None:
    """Write every artefact of a finished (or failed) run; ``result`` is updated in place."""
    import nbformat

    status = outcome["status"]
    error = outcome.get("error")
    staging = Path(outcome["staging"])
    nb = nbformat.read(staging, as_version=4) if staging.is_file() else None
    if nb is not None:
        if status in _WHY:
            idx = repair(nb, status, outcome.get("running_cell"), error or {})
            if error is not None:
                error["cell_index"] = idx
                error.setdefault("execution_count", None)
        else:
            error = _ensure_failure_marked(nb, error)
            if error is not None and status == "succeeded":
                status = "failed"
        entries = {name: redactor.value(e) for name, e in collect(nb).items()}
        nb.metadata["lokonb"] = {
            "run_id": result.run_id,
            "status": status,
            "results": entries,
            "parameters": result.parameters,
        }
        redactor.notebook(nb, root)
        result.results = entries
        result.cells = _cells(nb)
        if error is not None and error.get("cell_index") is not None and error.get("source") is None:
            cells = [c for c in nb.cells if BANNER_TAG not in c.metadata.get("tags", [])]
            if error["cell_index"] < len(cells):
                error["source"] = "".join(cells[error["cell_index"]].source)
    result.status = status
    result.exit_code = int(STATUS_EXIT[RunStatus(status)])
    if status == "cancelled" and outcome.get("cancel") == "SIGINT":
        result.exit_code = 130
    if error is not None:
        error = redactor.value({k: v for k, v in error.items()})
        if isinstance(error.get("traceback"), str):
            from lokonb.notebook.child import _ANSI

            error["traceback"] = _ANSI.sub("", error["traceback"])
    result.error = error
    finished = time.time()
    result.finished_at = _utc(finished)
    result.duration_s = round(finished - started, 3)
    artefacts = {"results": "results.json", "log": "run.log", "parameters": "parameters.yaml"}
    if nb is not None:
        nb_name = f"{result.notebook}.ipynb"
        nbformat.write(nb, run_dir / nb_name)
        artefacts["notebook"] = nb_name
        if report:
            from lokonb.notebook.report import write_report

            write_report(
                nb, result, run_dir / "report.html", show_input=show_input, schema=schema, redactor=redactor
            )
            artefacts["report"] = "report.html"
    if (run_dir / "files").is_dir():
        artefacts.update({f"files/{p.name}": f"files/{p.name}" for p in (run_dir / "files").iterdir()})
    result.artefacts = artefacts
    _scrub_log(run_dir / "run.log", redactor, result, run_dir / ".partial" / "process.log")
    result.redactions = redactor.count
    write_json_atomic(run_dir / "results.json", result.to_json())
    shutil.rmtree(run_dir / ".partial", ignore_errors=True)


def _scrub_log(path: Path, redactor: Redactor, result: RunResult, process_log: Path) -> None:
    from lokonb.notebook.child import _ANSI

    text = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""
    if process_log.is_file():
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        for raw in process_log.read_text(encoding="utf-8", errors="replace").splitlines():
            if raw.strip():
                text += f"{stamp} process {_ANSI.sub('', raw)}\n"
    line = f"{result.finished_at} wrapper run {result.run_id}: {result.status} (exit {result.exit_code})"
    if result.error and result.error.get("ename"):
        line += f": {result.error['ename']}: {result.error.get('evalue', '')}"
    path.write_text(redactor.text(text + line + "\n"), encoding="utf-8")


#: Held (flock) by the lokonb process of a run from the child's start to the end of finalize; the OS releases it
#: when that process dies, however it dies.
WRAPPER_LOCK = ".running.lock"


@contextmanager
def wrapper_lock(run_dir: Path) -> Iterator[int]:
    """Hold the run's lock; yields its descriptor, which the child inherits (a flock lives while any process holds
    a descriptor of it)."""
    import fcntl

    path = run_dir / WRAPPER_LOCK
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield fd
        path.unlink(missing_ok=True)
    finally:
        os.close(fd)


def run_lock_held(run_dir: Path) -> bool | None:
    """Whether a process of the run in ``run_dir`` still holds its lock; ``None`` when there is no lock file (the
    run has not reached its child yet, was killed before that, or was written by a lokonb without the lock)."""
    import fcntl

    try:
        fd = os.open(run_dir / WRAPPER_LOCK, os.O_RDWR)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing our descriptor releases the probe's lock
    return False


def _refuse_live_run(path: Path) -> None:
    """``runs --finalize`` of a run whose process is alive marked it interrupted and broke it (the live run then
    ended as an environment error): finalize only when no process holds the run's lock."""
    from lokonb.notebook.exceptions import UsageError

    if run_lock_held(path):
        raise UsageError(f"{path} is still running (a lokonb process of the run holds {WRAPPER_LOCK}); --finalize "
                         "is for a run whose processes were killed: wait for it, or stop it first")


def finalize_interrupted(run_dir: str | Path) -> RunResult:
    """``lokonb runs --finalize RUN`` (R7.4, R4.4): turn a killed run's leftovers into normal artefacts.

    A run whose wrapper was killed keeps ``status: running`` and its unscrubbed staging notebook in ``.partial/``
    (mode 0700). This repairs and scrubs that notebook exactly as a finished run's, writes the notebook, report,
    log and ``results.json`` with status ``interrupted``, removes ``.partial/`` and rebuilds the index.
    """
    from lokonb.notebook.exceptions import UsageError
    from lokonb.notebook.index import rebuild_index
    from lokonb.notebook.project import find_root
    from lokonb.notebook.redact import from_environment
    from lokonb.notebook.results import read_run
    from lokonb.notebook.schemas import REGISTRY

    path = Path(run_dir).resolve()
    result = read_run(path)
    if result.status != RunStatus.RUNNING.value:
        raise UsageError(f"{path} is not a killed run: its status is {result.status!r}, not 'running'")
    _refuse_live_run(path)
    started = time.time()
    if result.started_at:
        started = _dt.datetime.fromisoformat(result.started_at.replace("Z", "+00:00")).timestamp()
    outcome = {
        "status": RunStatus.INTERRUPTED.value,
        "running_cell": None,
        "error": {
            "kind": "interrupted",
            "ename": "Interrupted",
            "evalue": "the run's process was killed; finalized by lokonb runs --finalize",
            "traceback": None,
        },
        "staging": str(path / ".partial" / f"{result.notebook}.ipynb"),
    }
    root = find_root(None, required=False)
    finalize(
        result,
        outcome,
        path,
        root,
        from_environment(),
        started,
        report=True,
        show_input=False,
        schema=REGISTRY.get(result.notebook),
    )
    (path / WRAPPER_LOCK).unlink(missing_ok=True)
    rebuild_index(path.parent.parent)
    return result
