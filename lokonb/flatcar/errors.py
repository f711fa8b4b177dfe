"""Errors of the Flatcar node-config area."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lokonb.errors import ConfigError, LokonbError, kind_name, wrong_kind

if TYPE_CHECKING:
    from lokonb.flatcar.report import ReportEntry
    from lokonb.flatcar.validate import Finding


class TranslationError(ConfigError):
    """A CLC/Butane/Ignition document could not be translated; ``entries`` holds every report entry."""

    def __init__(self, message: str, entries: list[ReportEntry] | None = None) -> None:
        self.entries = list(entries or [])
        super().__init__(message)


class UnsupportedSpec(ConfigError, ValueError):
    """An Ignition spec version lokonb has no schema or translator for (a ValueError too, for older callers)."""


class InputTypeError(ConfigError, TypeError):
    """A public function got a value of the wrong kind (a parsed dict where text is expected, ...)."""


class InputValueError(ConfigError, ValueError):
    """A public function got a value of the right kind outside the allowed ones (a ValueError too, for callers
    that caught the plain ValueError raised before)."""


def require_text(value: object, what: str) -> str:
    """``value`` as text: str as is, bytes decoded as UTF-8; anything else is an :class:`InputTypeError`."""
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ConfigError(f"{what}: not UTF-8 text (byte {exc.start})") from None
    if not isinstance(value, str):
        raise InputTypeError(f"{what}: expected the document text (str or bytes), got {kind_name(value)}; "
                             "pass the file's content, or yaml.safe_dump() of a parsed document")
    return value


def require_flag(value: object, function: str, name: str) -> bool:
    """``value`` of a True/False option; any other value is an :class:`InputTypeError` (a string such as "no"
    would otherwise act as True)."""
    if not isinstance(value, bool):
        raise InputTypeError(f"{function}(): {name} must be True or False, got {value!r:.40}")
    return value


def require_files_dir(value: object, function: str, name: str = "files_dir") -> None:
    """``files_dir``: a directory path or None (5 raised a bare TypeError from os.path when a snippet named a
    ``local:`` file)."""
    import os

    if value is not None and not isinstance(value, str | os.PathLike):
        raise InputTypeError(wrong_kind(function, name, "a directory path (str or Path)", value))


def require_kind(value: object, kinds: type | tuple[type, ...], function: str, name: str, allowed: str, *,
                 optional: bool = False) -> None:
    """An argument of one of ``kinds`` (or None with ``optional``); else an :class:`InputTypeError` naming the
    function, the argument and what is allowed (it failed deep inside as a bare TypeError/AttributeError)."""
    if (optional and value is None) or isinstance(value, kinds):
        return
    raise InputTypeError(wrong_kind(function, name, allowed, value))


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
