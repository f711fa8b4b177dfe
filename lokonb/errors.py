"""The error hierarchy shared by every lokonb package.

Every failure a user can cause or meet is a :class:`LokonbError` subclass whose ``str()`` is the message shown
to the user (CLI stderr line, notebook error banner). Each class carries the process exit code the CLI uses, so
the mapping lives in one place (``notebooks.md`` §4.5): 1 = the operation failed, 2 = bad input / not confirmed.
Domain packages subclass these (``lokonb.aws.errors``, ``lokonb.flatcar.errors``, ...).
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Mapping
from typing import Any


class LokonbError(Exception):
    """Base of every error lokonb reports to a user; ``str(err)`` is the user message."""

    exit_code: int = 1

    def _render_traceback_(self) -> list[str]:
        """IPython shows this instead of a traceback: a notebook's error banner is the user message only."""
        return [f"{type(self).__name__}: {self}"]


class ConfigError(LokonbError):
    """Unreadable or invalid input: a file, a parameter, a syntax error. Names the file/line when known."""

    exit_code = 2

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 column: int | None = None) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        super().__init__(self._format())

    def _format(self) -> str:
        where = ""
        if self.file:
            where = self.file
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        return f"{where}{self.message}"


class NotConfirmed(LokonbError):
    """A destructive or costly operation was asked for without explicit confirmation."""

    exit_code = 2


class OperationFailed(LokonbError):
    """An operation against an external system failed; the message says what and how to proceed."""

    exit_code = 1


#: How a document value's kind is named to someone who wrote YAML, HCL or JSON (first match wins: bool before int).
_DOCUMENT_KINDS: tuple[tuple[type | tuple[type, ...], str], ...] = (
    (bool, "a boolean"),
    (_dt.date, "a date"),  # YAML 1.1 timestamps (2026-11-27) from a SafeLoader; datetime is a date too
    ((int, float), "a number"),
    (str, "a string"),
    ((list, tuple), "a list"),
    (Mapping, "a map"),
)


def kind_name(value: Any, *, document: bool = False) -> str:
    """The kind of ``value`` as an error message names it after "got": the one place this wording lives.

    Python API arguments (default) are named by their Python type (``None``, ``int``, ``dict``; a path to a
    directory is ``a directory path``, since a ``PosixPath`` where text was expected is usually a folder given
    by mistake). ``document=True`` names values read from YAML/HCL/JSON as their writer knows them
    (``null``, ``a number``, ``a map``).
    """
    if document:
        if value is None:
            return "null"
        for kinds, name in _DOCUMENT_KINDS:
            if isinstance(value, kinds):
                return name
        return type(value).__name__
    if value is None:
        return "None"
    if isinstance(value, os.PathLike) and os.path.isdir(value):
        return "a directory path"
    return type(value).__name__


def wrong_kind(function: str, argument: str, allowed: str, value: Any) -> str:
    """The message for an argument of the wrong kind: ``f(): arg must be ALLOWED, got KIND`` (a :class:`ConfigError`
    subclass of the caller's package carries it; the value itself is not quoted, as it may be a secret)."""
    return f"{function}(): {argument} must be {allowed}, got {kind_name(value)}"
