"""Ignition JSON snippets nested deeper than Python's recursion limit: Go's encoding/json reads up to 10000 levels
(scanner.go maxNestingDepth, https://github.com/golang/go/blob/go1.20/src/encoding/json/scanner.go); json.loads
raised RecursionError from detect_format/translate (a traceback)."""

from __future__ import annotations

import pytest

from lokonb.flatcar import gojson
from lokonb.flatcar.translator import FormatError, detect_format, translate


def _nested(levels: int) -> str:
    return '{"ignition":{"version":"3.3.0"},"x":' + "[" * levels + "]" * levels + "}"


def test_depth_limit_counts_the_outer_object() -> None:
    assert gojson.too_deep(_nested(9999)) is None
    assert gojson.too_deep(_nested(10000)) == len('{"ignition":{"version":"3.3.0"},"x":') + 9999
    assert gojson.too_deep('{"s":"' + "[" * 20000 + '"}') is None  # brackets inside a string do not nest


def test_deep_ignition_snippet_is_detected_and_translated() -> None:
    text = _nested(2000)
    assert detect_format(text) == "ignition"
    t = translate(text, target="3.3.0")
    assert t.config is not None and not [e for e in t.report if e.kind == "error"]


def test_too_deep_snippet_is_a_format_error() -> None:
    with pytest.raises(FormatError):
        detect_format(_nested(10000))
