"""JSON output byte-compatible with Go's encoding/json (HTML-safe escaping, MarshalIndent layout), and its nesting
limit when reading."""

from __future__ import annotations

import json
import re
import sys
from typing import Any

from lokonb.errors import kind_name

# Python writes \b and \f; Go writes \u0008 and \u000c. Escape pairs are consumed left to right.
_ESCAPE_PAIR = re.compile(r"\\(.)")
_GO_SHORT = {"b": "\\u0008", "f": "\\u000c"}

_GO_ESCAPES = (
    ("<", "\\u003c"),
    (">", "\\u003e"),
    ("&", "\\u0026"),
    ("\u2028", "\\u2028"),
    ("\u2029", "\\u2029"),
)


def _go_escape(text: str) -> str:
    if "\\b" in text or "\\f" in text:
        text = _ESCAPE_PAIR.sub(lambda m: _GO_SHORT.get(m.group(1), m.group(0)), text)
    for raw, esc in _GO_ESCAPES if not text.isascii() else _GO_ESCAPES[:3]:  # isascii: O(1), skips 2 scans
        if raw in text:
            text = text.replace(raw, esc)
    return text


def dumps(config: Any, *, pretty: bool = False) -> str:
    """Serialise like Go: dict order kept, ``<>&`` and U+2028/9 escaped, other non-ASCII raw."""
    if pretty:
        text = json.dumps(config, indent=2, ensure_ascii=False)
    else:
        text = json.dumps(config, separators=(",", ":"), ensure_ascii=False)
    return _go_escape(text)


def to_json(config: Any, *, style: str = "ct", pretty: bool = False) -> bytes:
    """Go-compatible bytes. ``style="ct"`` adds a trailing newline only when pretty; ``"butane"`` always."""
    from lokonb.flatcar.errors import InputTypeError, InputValueError, require_flag, require_kind

    if style not in ("ct", "butane"):  # a list/dict style raised "unhashable type" (the in-test of a tuple does not)
        require_kind(style, str, "to_json", "style", "'ct' or 'butane'")
        raise InputValueError(f"to_json(): unknown JSON style {style!r}: use 'ct' or 'butane'")
    require_flag(pretty, "to_json", "pretty")  # "no" was true: indented bytes where compact ones were asked for
    try:
        text = dumps(config, pretty=pretty)
    except TypeError as exc:  # bytes or a Path in it: json's "Object of type bytes is not JSON serializable"
        raise InputTypeError(f"to_json(): config must be an Ignition config of JSON values (dict, list, str, number, "
                             f"bool, None), got {kind_name(config)} ({exc})") from None
    if pretty or style == "butane":
        text += "\n"
    return text.encode("utf-8")


#: encoding/json's scanner refuses a value nested deeper than this ("exceeded max depth"); the outermost counts
MAX_DEPTH = 10000
_NESTING = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


class DepthError(ValueError):
    """JSON nested deeper than Go's MAX_DEPTH; ``pos`` is the offset of the opening bracket past the limit."""

    def __init__(self, pos: int) -> None:
        super().__init__(f"exceeded max depth at offset {pos}")
        self.pos = pos


def too_deep(text: str) -> int | None:
    """Offset of the first ``[``/``{`` nested deeper than MAX_DEPTH (string contents skipped), else None."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return None
    depth = 0
    for m in _NESTING.finditer(text):
        ch = m.group()
        if ch in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return m.start()
        elif ch in "]}":
            depth -= 1
    return None


def loads(text: str, **kwargs: Any) -> Any:
    """``json.loads`` for JSON Go would read: deeper than MAX_DEPTH is a DepthError; nesting beyond Python's recursion
    limit (about 1000) is parsed with the limit raised for the call (RecursionError was a traceback)."""
    pos = too_deep(text)
    if pos is not None:
        raise DepthError(pos)
    if text.count("[") + text.count("{") < 500:
        return json.loads(text, **kwargs)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 3 * MAX_DEPTH))
    try:
        return json.loads(text, **kwargs)
    finally:
        sys.setrecursionlimit(limit)
