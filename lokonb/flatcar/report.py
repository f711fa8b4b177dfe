"""Report entries of translations and their two text formats (ct's and Butane ``--raw-errors``)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

ERROR = "error"
WARNING = "warning"
INFO = "info"
DEPRECATED = "deprecated"


@dataclass(frozen=True)
class ReportEntry:
    """One diagnostic: ``line``/``column`` are 1-based in the source text (leading blank lines counted)."""

    kind: str
    message: str
    line: int | None = None
    column: int | None = None
    path: str | None = None
    source: str | None = None
    #: column of a YAML error the tools print without one (kept for snippet findings, never formatted)
    hint_column: int | None = None

    def format_ct(self) -> str:
        """``<kind> at line L, column C`` + newline + message (ct's form), or ``<kind>: <message>``."""
        prefix = f"{self.source}: " if self.source else ""
        if self.line is not None and self.column is not None:
            return f"{prefix}{self.kind} at line {self.line}, column {self.column}\n{self.message}"
        return f"{prefix}{self.kind}: {self.message}"

    def format_raw(self) -> str:
        """``<kind> at $.path, line L col C: <message>`` (Butane ``--raw-errors`` / ignition-validate
        form)."""
        prefix = f"{self.source}: " if self.source else ""
        if self.line is not None and self.column is not None:
            where = f"{self.path}, " if self.path else ""
            return f"{prefix}{self.kind} at {where}line {self.line} col {self.column}: {self.message}"
        if self.path:
            return f"{prefix}{self.kind} at {self.path}: {self.message}"
        return f"{prefix}{self.kind}: {self.message}"

    def with_source(self, source: str | None) -> ReportEntry:
        return replace(self, source=source)

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None and k != "hint_column"}


@dataclass
class Report:
    """An ordered list of entries with helpers."""

    entries: list[ReportEntry] = field(default_factory=list)

    def add(
        self, kind: str, message: str, pos: tuple[int, int] | None = None, path: str | None = None
    ) -> None:
        line, col = pos if pos else (None, None)
        self.entries.append(ReportEntry(kind, message, line, col, path))

    def error(self, message: str, pos: tuple[int, int] | None = None, path: str | None = None) -> None:
        self.add(ERROR, message, pos, path)

    def warning(self, message: str, pos: tuple[int, int] | None = None, path: str | None = None) -> None:
        self.add(WARNING, message, pos, path)

    def info(self, message: str, pos: tuple[int, int] | None = None, path: str | None = None) -> None:
        self.add(INFO, message, pos, path)

    def extend(self, other: Report | list[ReportEntry]) -> None:
        self.entries.extend(other.entries if isinstance(other, Report) else other)

    @property
    def has_errors(self) -> bool:
        return any(e.kind == ERROR for e in self.entries)


@dataclass
class Translation:
    """Result of translating one document: ``config`` is ``None`` when any error was reported."""

    config: dict[str, Any] | None
    report: list[ReportEntry]
    spec: str
    source_kind: str  # clc | butane | ignition
    note: str | None = None  # the tool's closing stderr line on failure ("Failed to parse config", ...)

    @property
    def ok(self) -> bool:
        return self.config is not None and not any(e.kind == ERROR for e in self.report)

    @property
    def errors(self) -> list[ReportEntry]:
        return [e for e in self.report if e.kind == ERROR]

    @property
    def warnings(self) -> list[ReportEntry]:
        return [e for e in self.report if e.kind == WARNING]

    def format_report(self, style: str = "ct") -> str:
        """All entries, one formatted entry per line(s), ``style`` ``ct`` or ``raw``."""
        fmt = ReportEntry.format_ct if style == "ct" else ReportEntry.format_raw
        return "".join(fmt(e) + "\n" for e in self.report)
