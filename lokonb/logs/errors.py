"""Errors of the log analysis (``lokonb.logs``)."""

from __future__ import annotations

from lokonb.errors import ConfigError, LokonbError, OperationFailed


class FamilyFileError(ConfigError):
    """A family table (packaged or user YAML) is invalid; the message names the YAML path (``families[3].regex``)."""


class LogParameterError(ConfigError):
    """A bad analysis parameter (format, time, CIDR, size ...)."""


class LogSourceError(LokonbError):
    """No source could be read at all; lists every source with its error. CLI exit code 5."""

    exit_code = 5

    def __init__(self, message: str, errors: dict[str, str] | None = None) -> None:
        self.errors = dict(errors or {})
        super().__init__(message)


class FindingsAtOrAbove(OperationFailed):
    """``fail_on`` was set and findings at or above that priority exist (raised after every output was shown)."""
