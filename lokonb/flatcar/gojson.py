"""JSON output byte-compatible with Go's encoding/json (HTML-safe escaping, MarshalIndent layout)."""

from __future__ import annotations

import json
import re
from typing import Any

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
    if style not in ("ct", "butane"):
        raise ValueError(f"unknown JSON style {style!r}: use 'ct' or 'butane'")
    from lokonb.flatcar.errors import require_flag

    require_flag(pretty, "to_json", "pretty")  # "no" was true: indented bytes where compact ones were asked for
    text = dumps(config, pretty=pretty)
    if pretty or style == "butane":
        text += "\n"
    return text.encode("utf-8")
