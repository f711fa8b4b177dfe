"""The child process of one run: calls papermill, tracks the running cell, classifies the outcome (§4.3, §4.4).

Started by :mod:`lokonb.notebook.execute` as ``python -m lokonb.notebook.child REQUEST.json``. papermill is not
thread-safe (``os.chdir``, shared registries), so each run gets its own process. The child writes the staging
notebook into ``.partial/`` and ``.partial/outcome.json``; the parent repairs, scrubs and publishes.
"""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import sys
import time
import traceback
from pathlib import Path
from typing import Any

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")

#: State shared by the hooks and the signal handler of this (single-run) process.
STATE: dict[str, Any] = {"running": None, "started": {}, "cancel": None, "client": None}


class Cancelled(Exception):  # noqa: N818 - a control signal, not an error of the user's code
    """Raised from a hook when a SIGTERM/SIGINT arrived between cells."""


class RedactingWriter:
    """A file-like writer that scrubs secrets and ANSI codes and prefixes UTC timestamps per line."""

    def __init__(self, path: Path, prefix: str, echo: bool = False) -> None:
        from lokonb.notebook.redact import default_redactor

        self._fh = open(path, "a", encoding="utf-8")  # noqa: SIM115 - closed by close()
        self._prefix = prefix
        self._echo = echo
        self._redactor = default_redactor()
        self._buf = ""

    def write(self, text: str) -> int:
        self._buf += text
        while "\n" in self._buf:
            line, self._buf = self._buf.split("\n", 1)
            self._line(line)
        return len(text)

    def _line(self, line: str) -> None:
        clean = self._redactor.text(_ANSI.sub("", line)).replace("\r", "")
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        self._fh.write(f"{stamp} {self._prefix} {clean}\n")
        if self._echo:
            print(f"[{self._prefix}] {clean}", file=sys.stderr)

    def flush(self) -> None:
        self._fh.flush()

    def close(self) -> None:
        if self._buf:
            self._line(self._buf)
            self._buf = ""
        self._fh.close()


#: Optional dependencies papermill imports for handlers this process never uses: boto3 (``s3://``) and pyarrow
#: (``hdfs://``, with numpy). The child only reads and writes local files (the parent does S3), so they are kept out
#: while papermill is imported, which saves about half of papermill's import time; papermill's own fallback
#: (a handler that says which package is missing) takes their place. The kernel is another process: unaffected.
UNUSED_BY_PAPERMILL = ("boto3", "pyarrow")


def _import_papermill() -> Any:
    """``import papermill`` without :data:`UNUSED_BY_PAPERMILL` (importable again afterwards)."""
    if "papermill" in sys.modules:
        return sys.modules["papermill"]
    blocked = [name for name in UNUSED_BY_PAPERMILL if name not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # type: ignore[assignment] - makes ``import name`` raise ImportError
    try:
        import papermill
    finally:
        for name in blocked:
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]
    return papermill


def _engine() -> Any:
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.utils import merge_kwargs, remove_args

    class LokonbEngine(NBClientEngine):
        """papermill's nbclient engine, keeping a handle on the client so a signal can interrupt its kernel."""

        @classmethod
        def execute_managed_notebook(
            cls,
            nb_man: Any,
            kernel_name: str,
            log_output: bool = False,
            stdout_file: Any = None,
            stderr_file: Any = None,
            start_timeout: int = 60,
            execution_timeout: Any = None,
            **kwargs: Any,
        ) -> Any:
            kwargs = remove_args(["input_path"], **kwargs)
            final = merge_kwargs(
                remove_args(["timeout", "startup_timeout"], **kwargs),
                timeout=execution_timeout,
                startup_timeout=start_timeout,
                kernel_name=kernel_name,
                log=logging.getLogger("papermill"),
                log_output=log_output,
                stdout_file=stdout_file,
                stderr_file=stderr_file,
            )
            client = PapermillNotebookClient(nb_man, **final)
            STATE["client"] = client
            return client.execute()

    papermill_engines.register("lokonb", LokonbEngine)
    return LokonbEngine


def _on_cell_start(cell: Any, cell_index: int, **_: Any) -> None:
    if STATE["cancel"]:
        raise Cancelled(STATE["cancel"])
    if cell.get("cell_type") == "code":
        STATE["running"] = cell_index
        STATE["started"][cell_index] = time.monotonic()


def _on_cell_executed(cell: Any, cell_index: int, **_: Any) -> None:
    if STATE["running"] == cell_index:
        STATE["running"] = None


def _on_signal(signum: int, _frame: Any) -> None:
    """Interrupt the kernel (the running cell raises KeyboardInterrupt) and stop before the next cell."""
    STATE["cancel"] = signal.Signals(signum).name
    client = STATE.get("client")
    km = getattr(client, "km", None)
    pid = getattr(getattr(km, "provisioner", None), "pid", None)
    if pid:
        try:
            os.killpg(os.getpgid(pid), signal.SIGINT)
        except (ProcessLookupError, PermissionError, OSError):
            pass


def _error_of(exc: BaseException) -> dict[str, Any]:
    return {
        "ename": getattr(exc, "ename", type(exc).__name__),
        "evalue": str(getattr(exc, "evalue", exc)),
        "traceback": "\n".join(
            getattr(exc, "traceback", None) or traceback.format_exception_only(type(exc), exc)
        ),
        "execution_count": getattr(exc, "exec_count", None),
        "cell_index": getattr(exc, "cell_index", None),
    }


def classify(exc: BaseException | None) -> tuple[str, dict[str, Any] | None]:
    """Map what papermill/nbclient raised to a run status (the table of §4.4)."""
    if exc is None:
        return "succeeded", None
    name = type(exc).__name__
    # a cancel during the kernel's start ends in "Kernel died before replying to kernel_info" (a RuntimeError):
    # still the cancel, named by its signal
    if STATE["cancel"] and (not STATE["started"] or name in (
        "PapermillExecutionError",
        "Cancelled",
        "KeyboardInterrupt",
        "DeadKernelError",
        "CellControlSignal",
    )):
        return "cancelled", {
            **_error_of(exc),
            "kind": "cancelled",
            "ename": "KeyboardInterrupt",
            "evalue": f"run cancelled by {STATE['cancel']}",
        }
    if name == "PapermillExecutionError":
        return "failed", {**_error_of(exc), "kind": "cell_error"}
    if name == "CellTimeoutError":
        return "timeout", {**_error_of(exc), "kind": "cell_timeout", "ename": "CellTimeoutError"}
    if name == "DeadKernelError":
        return "dead_kernel", {**_error_of(exc), "kind": "dead_kernel", "ename": "DeadKernelError"}
    if (
        name in ("NoSuchKernel", "TimeoutError")
        or "Kernel didn't respond" in str(exc)
        or name in ("ZMQError", "FileNotFoundError", "PermissionError")
        or not STATE["started"]  # no code cell started: the kernel could not start ("Kernel died before replying")
    ):
        return "environment_error", {**_error_of(exc), "kind": "environment"}
    return "failed", {**_error_of(exc), "kind": "internal"}


def _retry_start(exc: BaseException | None, status: str) -> bool:
    """Retry once when the kernel failed to start for a transient reason (port race, startup timeout, early death;
    papermill#511, #239) and no cell ran; a missing kernelspec or a cancel is final (R4.15)."""
    return (
        exc is not None
        and status == "environment_error"
        and not STATE["started"]
        and not STATE["cancel"]
        and type(exc).__name__ != "NoSuchKernel"
    )


def main(request_path: str) -> int:
    request = json.loads(Path(request_path).read_text(encoding="utf-8"))
    partial = Path(request["partial"])
    run_log = Path(request["log"])
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, _on_signal)
    log_writer = RedactingWriter(run_log, "wrapper", echo=False)
    handler = logging.StreamHandler(log_writer)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    for name in ("papermill", "nbclient", "traitlets"):
        lg = logging.getLogger(name)
        lg.addHandler(handler)
        lg.setLevel(logging.INFO)
        lg.propagate = False
    stdout = RedactingWriter(run_log, "stdout", echo=request.get("log_output", False))
    stderr = RedactingWriter(run_log, "stderr", echo=request.get("log_output", False))
    exc: BaseException | None = None
    for attempt in (1, 2):
        exc = _execute(request, stdout, stderr)
        status, error = classify(exc)
        if attempt == 1 and _retry_start(exc, status):
            logging.getLogger("papermill").warning("the kernel did not start (%s: %s); retrying once",
                                                   type(exc).__name__, exc)
            STATE.update({"running": None, "started": {}, "client": None})
            continue
        break
    if exc is not None and error is not None and error.get("cell_index") is None:
        error["cell_index"] = STATE["running"]
    outcome = {"status": status, "error": error, "running_cell": STATE["running"], "cancel": STATE["cancel"]}
    (partial / "outcome.json").write_text(json.dumps(outcome, default=str), encoding="utf-8")
    for writer in (stdout, stderr, log_writer):
        writer.close()
    return 0


def _execute(request: dict[str, Any], stdout: RedactingWriter, stderr: RedactingWriter) -> BaseException | None:
    """One papermill execution into the staging notebook; what it raised, or ``None``."""
    try:
        papermill = _import_papermill()
        _engine()
        papermill.execute_notebook(
            request["input"],
            request["staging"],
            parameters=request["parameters"],
            engine_name="lokonb",
            kernel_name=request["kernel"],
            progress_bar=False,
            log_output=False,
            stdout_file=stdout,
            stderr_file=stderr,
            cwd=request["cwd"],
            execution_timeout=request["cell_timeout"],
            start_timeout=request.get("start_timeout", 60),
            coalesce_streams=True,
            store_widget_state=False,
            on_cell_start=_on_cell_start,
            on_cell_executed=_on_cell_executed,
        )
    except BaseException as caught:  # noqa: BLE001 - every outcome is classified and recorded
        return caught
    return None


if __name__ == "__main__":  # pragma: no cover - exercised through execute.run
    sys.exit(main(sys.argv[1]))
