"""Type checks and conversions of raw attribute values (from YAML or evaluated HCL) by attribute kind.

Each kind is a small function returning the converted value or raising :class:`BadValue` with the "expected ..."
text that ends up in the user's message. Conversions are the lossless ones Terraform would also make (a number
where a string is expected); anything lossy is refused with a hint rather than silently changed.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from lokonb.config.yamlsrc import YamlInt, YamlWord
from lokonb.errors import kind_name


class BadValue(Exception):
    """A value of the wrong type; ``str()`` is the "expected ..., got ..." text. ``item`` locates list/map items."""

    def __init__(self, message: str, item: str | int | None = None) -> None:
        super().__init__(message)
        self.item = item


def show(value: Any) -> str:
    """A value as the user would write it: strings quoted, ``null``/``true``/``false`` as in YAML/HCL."""
    if isinstance(value, Path):
        value = str(value)
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _got(value: Any) -> str:
    return f"got {show(value)}" if isinstance(value, str | int | float | bool) or value is None \
        else f"got {kind_name(value, document=True)}"


def to_str(value: Any) -> str:
    if isinstance(value, str):
        # a plain str for YamlWord ("no" kept as text: YAML dumpers refuse the subclass); other subclasses (a
        # snippet read with file(), which knows its path) are kept
        return str(value) if isinstance(value, YamlWord) else value
    if isinstance(value, YamlInt):  # 0123 kept as '83': the text is lost
        raise BadValue(f"expected a string, got {value.text}, which YAML reads as the number {int(value)} (quote "
                       "it to keep the exact text)")
    if isinstance(value, _dt.date):
        raise BadValue(f"expected a string, got the date {value.isoformat()} (YAML reads an unquoted date as one; "
                       "quote it to keep the exact text)")
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        raise BadValue(f"expected a string, got the number {value!r} (quote it to keep the exact text)")
    raise BadValue(f"expected a string, {_got(value)}")


def to_int(value: Any) -> int:
    if isinstance(value, YamlInt) and (value.text.lstrip("+-")[:1] == "0" and value.text.lstrip("+-")[1:2].isdigit()
                                       or ":" in value.text):
        # YAML 1.1's octal (010 is 8) and base 60 (1:20 is 80) are not what the text looks like
        raise BadValue(f"expected an integer, got {value.text}, which YAML 1.1 reads as {int(value)} (write "
                       f"{int(value)}{'' if ':' in value.text else ', or the number without a leading zero'})")
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value) if isinstance(value, YamlInt) else value
    if isinstance(value, float) and value.is_integer():
        # YAML `count: 2.0` is a float; a whole number is meant, but write it as one (HCL's 2.0 is converted
        # before this, as cty numbers have no float/int split).
        raise BadValue(f"expected an integer, got the number {value!r} (write {int(value)})")
    raise BadValue(f"expected an integer, {_got(value)}")


def to_number(value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value  # ints stay ints, so `10` prints as 10 and round-trips unchanged
    raise BadValue(f"expected a number, {_got(value)}")


#: YAML 1.1's boolean words, which cluster YAML keeps as text (:mod:`lokonb.config.yamlsrc`): the word each means.
_YAML11_BOOLS = {"yes": "true", "on": "true", "no": "false", "off": "false"}


def to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, YamlWord) and value.lower() in _YAML11_BOOLS:
        word = _YAML11_BOOLS[value.lower()]
        raise BadValue(f"expected true or false, got {show(value)} (YAML 1.1 reads unquoted {value} as {word}; "
                       f"write {word})")
    raise BadValue(f"expected true or false, {_got(value)}")


def to_list(value: Any) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise BadValue(f"expected a list of strings, {_got(value)}")
    out = []
    for i, item in enumerate(value):
        try:
            out.append(to_str(item))
        except BadValue as exc:
            raise BadValue(str(exc), item=i) from None
    return tuple(out)


def to_map(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise BadValue(f"expected a map of strings, {_got(value)}")
    out: dict[str, str] = {}
    for key, item in value.items():
        if not isinstance(key, str):
            raise BadValue(f"expected string keys, got {show(key)} (quote it)", item=str(key))
        try:
            out[str(key)] = to_str(item)
        except BadValue as exc:
            raise BadValue(str(exc), item=key) from None
    return out


def to_path(value: Any) -> Path:
    text = to_str(value)
    if not text:
        raise BadValue("expected a path, got an empty string")
    return Path(os.path.expanduser(text))


def to_endpoint(value: Any) -> str | None:
    if value is None:
        return None
    text = to_str(value)
    if text == "embedded":
        return text
    parsed = urlparse(text)
    if "@" in text.partition("://")[2]:  # a password holding "/" ends urlparse's netloc early
        # botocore signs requests with the profile's keys and ignores URL credentials; kept, they would be
        # printed by `config show`, plans and errors. The value is not echoed: it holds a password.
        raise BadValue("an endpoint URL must not carry credentials (USER:PASSWORD@ before the host); give "
                       f"{parsed.scheme or 'https'}://HOST[:PORT] and the credentials through a profile or the "
                       "environment")
    try:
        parsed.port  # noqa: B018 - raises ValueError for a port that is not a number from 0 to 65535
    except ValueError:
        raise BadValue(f"the port of {show(value)} is not a number from 0 to 65535") from None
    if parsed.scheme in ("http", "https") and parsed.hostname:
        return text.rstrip("/")
    raise BadValue(f"expected null, \"embedded\" or an http(s) URL, got {show(value)}")


CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "str": to_str,
    "int": to_int,
    "number": to_number,
    "bool": to_bool,
    "list": to_list,
    "map": to_map,
    "path": to_path,
    "cidr": to_str,
    "ip": to_str,
    "endpoint": to_endpoint,
}


def convert(kind: str, value: Any, *, nullable: bool) -> Any:
    """Convert ``value`` to the attribute ``kind``; ``None`` passes only for attributes whose default is null."""
    if value is None and (nullable or kind == "endpoint"):
        return None
    return CONVERTERS[kind](value)
