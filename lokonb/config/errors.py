"""Validation issues and the errors that carry them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from lokonb.errors import ConfigError


@dataclass(frozen=True)
class Issue:
    """One finding about a cluster definition.

    ``path`` names the attribute as the user wrote it (``worker_pool["web"].lb_https_port``, ``tags["Owner"]``,
    ``ssh_pubkeys[1]``), ``value`` is the offending value as text, ``message`` says what is wrong and ``allowed``
    what would be accepted; ``source`` is ``file:line`` when known; ``rule`` the rule id (V1-V22, ``type``,
    ``unknown``...).
    """

    path: str
    message: str
    severity: str = "error"
    value: str | None = None
    allowed: str | None = None
    source: str | None = None
    rule: str = ""

    def __str__(self) -> str:
        text = f"{self.path}: {self.message}" if self.path else self.message
        if self.allowed and self.allowed not in self.message:
            text += f" (allowed: {self.allowed})"
        if self.source:
            text += f" [{self.source}]"
        return text


class ConfigValidationError(ConfigError):
    """The cluster definition has one or more errors; ``issues`` lists every error and warning found."""

    def __init__(self, issues: Iterable[Issue], *, file: str | None = None) -> None:
        self.issues: tuple[Issue, ...] = tuple(issues)
        errors = [i for i in self.issues if i.severity == "error"]
        where = f" in {file}" if file else ""
        head = f"{len(errors)} error{'s' if len(errors) != 1 else ''}{where}:"
        super().__init__("\n".join([head, *(f"  {i}" for i in errors)]))
        # ``file``/``line`` as on any ConfigError (set after formatting: the message names them per issue): the
        # definition, or the one error's own ``file:line`` when there is exactly one error with a known line.
        self.file = file
        if len(errors) == 1 and errors[0].source:
            where, _sep, line = errors[0].source.rpartition(":")
            if where and line.isdigit():
                self.file, self.line = where, int(line)

    @property
    def errors(self) -> tuple[Issue, ...]:
        """Only the issues of severity ``error``."""
        return tuple(i for i in self.issues if i.severity == "error")
