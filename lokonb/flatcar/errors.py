"""Errors of the Flatcar node-config area."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lokonb.errors import ConfigError, LokonbError

if TYPE_CHECKING:
    from lokonb.flatcar.report import ReportEntry
    from lokonb.flatcar.validate import Finding


class TranslationError(ConfigError):
    """A CLC/Butane/Ignition document could not be translated; ``entries`` holds every report entry."""

    def __init__(self, message: str, entries: list[ReportEntry] | None = None) -> None:
        self.entries = list(entries or [])
        super().__init__(message)


class TemplateError(LokonbError):
    """A node template could not be filled (unknown variable, multi-line value inside a string...)."""

    exit_code = 1


class RenderError(LokonbError):
    """Rendering a cluster's node configs failed; ``findings`` holds every finding (errors first)."""

    exit_code = 1

    def __init__(self, message: str, findings: list[Finding] | None = None) -> None:
        self.findings = list(findings or [])
        super().__init__(message)


class DeliveryError(LokonbError):
    """A config cannot be delivered as asked (too large for user data, secrets with ``inline``...)."""

    exit_code = 1
