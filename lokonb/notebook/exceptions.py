"""Errors of the notebook workflow; each carries the exit code the CLI uses (``notebooks.md`` §4.5)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lokonb.errors import LokonbError

if TYPE_CHECKING:  # pragma: no cover
    from lokonb.notebook.outcome import RunResult


#: ``ParameterIssue.line()`` without an origin: the caller names the issue's file (the line alone is shown)
_NAMED_ELSEWHERE: Any = object()
#: routes whose values are one command-line word (a flow sequence in ``-p`` is still "line 1")
_ONE_LINE_ROUTES = ("-p", "-r")


@dataclass(frozen=True)
class ParameterIssue:
    """One problem with one parameter: dotted ``path``, ``message``, where the value came from, a hint."""

    path: str
    message: str
    source: str = "default"
    suggestion: str | None = None

    def line(self, origin: str | None = _NAMED_ELSEWHERE) -> str:
        """One human-readable line, e.g. ``worker_cuont (line 4): unknown parameter; did you mean ...``.

        ``origin`` is the file the error's heading names: a value from that file shows its line only, one from
        another file (an earlier ``-f``) or from ``-y``/``-p`` names where it came from, since a bare line number
        would point into the wrong file. Without ``origin`` the caller names the file itself.
        """
        where = ""
        label, _, number = self.source.rpartition(":")
        if label and number.isdigit():
            if origin is _NAMED_ELSEWHERE or label == origin:
                where = f" (line {number})"
            elif label in _ONE_LINE_ROUTES:  # the flow text of one -p/-r value: its line number says nothing
                where = f" ({label})"
            else:
                where = f" ({label}, line {number})"
        elif self.source not in ("default", ""):
            where = f" ({self.source})"
        text = f"{self.path}{where}: {self.message}"
        if self.suggestion:
            text += f"; {self.suggestion}"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "message": self.message,
            "source": self.source,
            "suggestion": self.suggestion,
        }


class ParameterError(LokonbError):
    """Invalid parameters: every issue at once; nothing was executed (exit 2)."""

    exit_code = 2

    def __init__(
        self,
        notebook: str,
        issues: tuple[ParameterIssue, ...] | list[ParameterIssue],
        origin: str | None = None,
    ) -> None:
        self.notebook = notebook
        self.issues = tuple(issues)
        self.origin = origin
        super().__init__(self._format())

    def _format(self) -> str:
        head = f"invalid parameters for {self.notebook}"
        if self.origin:
            head += f" ({self.origin})"
        return head + ":\n" + "\n".join(f"  - {issue.line(self.origin)}" for issue in self.issues)

    def _render_traceback_(self) -> list[str]:  # IPython shows this instead of a long traceback
        return [str(self)]


class RunFailed(LokonbError):
    """A run did not succeed; ``result`` holds status, run directory and error (artefacts already written)."""

    def __init__(self, result: RunResult) -> None:
        self.result = result
        self.exit_code = int(result.exit_code)
        err = result.error or {}
        detail = ""
        if err.get("ename"):
            where = f" in cell {err.get('cell_index')}" if err.get("cell_index") is not None else ""
            detail = f"{where}: {err.get('ename')}: {err.get('evalue', '')}"
        elif err.get("message"):
            detail = f": {err['message']}"
        super().__init__(f"{result.notebook} {result.status}{detail} (run directory: {result.run_dir})")


class RecordError(LokonbError):
    """A value cannot be recorded as a result (type or size); the hint names ``record_file``."""

    exit_code = 1


class ReportError(LokonbError):
    """The HTML report could not be produced."""

    exit_code = 5


class ScheduleError(LokonbError):
    """Bad scheduling input (cron expression, options)."""

    exit_code = 2


class UsageError(LokonbError):
    """Bad command-line usage or an unknown notebook / project root (exit 2)."""

    exit_code = 2


class TableFilterError(UsageError, ValueError):
    """A ``filter_table`` argument that does not fit the table (a ValueError too: callers caught that before)."""


class EnvironmentFailure(LokonbError):
    """The environment failed: the output could not be written or uploaded (exit 5)."""

    exit_code = 5
