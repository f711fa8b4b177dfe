"""Run outcomes: :class:`RunStatus`, :class:`ExitCode`, :class:`RunResult` and the ``results.json`` model
(§4.5, §4.6)."""

from __future__ import annotations

import enum
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1


class RunStatus(str, enum.Enum):
    """The status of a run as written to ``results.json``."""

    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    TIMEOUT = "timeout"
    DEAD_KERNEL = "dead_kernel"
    PARAMETER_ERROR = "parameter_error"
    ENVIRONMENT_ERROR = "environment_error"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"


class ExitCode(enum.IntEnum):
    """Exit codes of ``lokonb run`` and friends (one table, §4.5)."""

    SUCCEEDED = 0
    EXECUTION_ERROR = 1
    USAGE = 2
    TIMEOUT = 3
    ENVIRONMENT = 5
    SOME_RUNS_FAILED = 6
    SIGINT = 130
    SIGTERM = 143
    DEAD_KERNEL = 138


STATUS_EXIT: dict[RunStatus, ExitCode] = {
    RunStatus.SUCCEEDED: ExitCode.SUCCEEDED,
    RunStatus.FAILED: ExitCode.EXECUTION_ERROR,
    RunStatus.TIMEOUT: ExitCode.TIMEOUT,
    RunStatus.DEAD_KERNEL: ExitCode.DEAD_KERNEL,
    RunStatus.PARAMETER_ERROR: ExitCode.USAGE,
    RunStatus.ENVIRONMENT_ERROR: ExitCode.ENVIRONMENT,
    RunStatus.CANCELLED: ExitCode.SIGTERM,
    RunStatus.INTERRUPTED: ExitCode.SIGTERM,
    RunStatus.RUNNING: ExitCode.ENVIRONMENT,
}


@dataclass(frozen=True)
class Result:
    """One recorded result: ``kind`` is ``json`` or ``dataframe`` or ``file``; ``value`` decoded."""

    name: str
    kind: str
    value: Any
    label: str | None = None
    summary: bool = False


@dataclass
class RunResult:
    """Everything known about one run; serialised as ``results.json``."""

    run_id: str
    notebook: str
    run_dir: str
    status: str = RunStatus.RUNNING.value
    exit_code: int = 0
    notebook_path: str = ""
    parameter_set: str = "adhoc"
    started_at: str | None = None
    finished_at: str | None = None
    duration_s: float | None = None
    cells: list[dict[str, Any]] = field(default_factory=list)
    parameters: dict[str, Any] = field(default_factory=dict)
    parameter_sources: dict[str, str] = field(default_factory=dict)
    results: dict[str, Any] = field(default_factory=dict)
    error: dict[str, Any] | None = None
    artefacts: dict[str, str] = field(default_factory=dict)
    environment: dict[str, Any] = field(default_factory=dict)
    redactions: int = 0
    output_url: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status == RunStatus.SUCCEEDED.value

    def result_objects(self) -> dict[str, Result]:
        """Recorded results decoded (DataFrames rebuilt)."""
        from lokonb.notebook.results import decode_entry

        return {name: decode_entry(entry) for name, entry in self.results.items()}

    def to_json(self) -> dict[str, Any]:
        data = {"schema_version": SCHEMA_VERSION, **self.__dict__}
        data.pop("run_dir")
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any], run_dir: str) -> RunResult:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__ and k != "run_dir"}
        return cls(run_dir=run_dir, **known)


def write_json_atomic(path: Path, data: Any) -> None:
    """Write JSON to a temporary file in the same folder and rename it over ``path`` (R4.4)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2, sort_keys=False, default=str)
        fh.write("\n")
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def results_schema() -> dict[str, Any]:
    """The packaged JSON Schema of ``results.json``."""
    from importlib import resources

    text = resources.files("lokonb.notebook").joinpath("data/results.schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema
