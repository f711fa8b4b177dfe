"""Data URLs as Ignition parses them (the dataurl lexer behind ignition-validate): valid or the exact message.

The expected messages were taken from Debian's ``ignition-validate`` run on a file with each URL as a file's
``contents.source``; ``test_table_agrees_with_ignition_validate`` re-checks the table against the binary itself.
"""

from __future__ import annotations

import json

import pytest

from lokonb.flatcar.checks import url_error
from lokonb.flatcar.validate import run_ignition_validate

SCHEMES = ("http", "https", "s3", "tftp", "data", "gs", "arn")

# (url, Ignition's message or None when it is valid)
CASES = [
    ('data:;base64,eA==', None),
    ('data:text/plain;a="b\\"c",x', None),
    ('data:text/plain;a="b,x', 'unclosed quoted string'),
    ('data:text/plain;a="b"x,x', 'expected semicolon or comma'),
    ('data:text/plain;a=,x', 'invalid character for parameter value'),
    ('data:text/plain;=b,x', 'unterminated parameter sequence'),
    ('data:text/plain;base64;a=b,eA==', 'invalid character for parameter attribute'),
    ('data:text/plain;a=b;base64,eA==', None),
    ('data:x/y,x', 'invalid character for media type'),
    ('data:text,x', 'invalid character for media type'),
    ('data:x-,x', 'invalid character for media type'),
    ('data:text/plain;a=b', 'missing comma before data'),
    ('data:text/plain;a', 'unterminated parameter sequence'),
    ('data:text/plain;a="b"', 'missing comma before data'),
    ('data:foo/bar,x', 'invalid media type'),
    ('data:texts/plain,x', None),
    ('data:Text/plain,x', 'invalid media type'),
    ('data:X-foo/bar,x', None),
    ('data:x,x', 'missing media type slash'),
    ('data:x', 'missing media type slash'),
    ('data:x/,x', 'invalid character for media type'),
    ('data:xy/z,x', 'invalid media type'),
    ('data:,', None),
    ('data:', 'missing comma before data'),
    ('data:text/plain;a="b\\', 'unclosed quoted string'),
    ('data:text/plain;a="b";c=d,x', None),
    ('data:text/plain;charset=utf-8;base64,aGVsbG8=', None),
    ('data:text/plain;base64,aGVsbG8', 'illegal base64 data at input byte 4'),
    ('data:,a%2', 'rfc2396: unexpected end of unescape sequence'),
    ('data:,a%zz', 'rfc2396: invalid char 0x25 in unescape sequence'),
    ('data:,hello%20world', None),
    ('data:;charset=x,y', None),
    ('data:/plain,x', 'invalid character after data prefix'),
    ('data:text/pl@in,x', 'invalid character for media subtype'),
    ('data:text/;base64,eA==', None),
    ('data:multipartx/y,z', None),
    ('data:application/json;a="ä",x', 'invalid character for parameter value'),
    ('data:;,x', 'unterminated parameter sequence'),
    ('data:;a=b=c,x', 'invalid character for parameter value'),
    # payload scans (one regex each since the render-speed change): escapes after a valid one, padding, charset
    ('data:,a%41%', 'rfc2396: unexpected end of unescape sequence'),
    ('data:,a%41%4', 'rfc2396: unexpected end of unescape sequence'),
    ('data:,%41%4g', 'rfc2396: invalid char 0x25 in unescape sequence'),
    ('data:,%%41', 'rfc2396: invalid char 0x25 in unescape sequence'),
    ('data:,é', 'invalid data character'),
    ('data:,a{b', 'invalid data character'),
    ("data:,!$&'()*+-./:;=?@_~", None),
    ('data:;base64,eA=', 'illegal base64 data at input byte 3'),
    ('data:;base64,eA===', 'illegal base64 data at input byte 4'),
    ('data:;base64,eHk', 'illegal base64 data at input byte 0'),
    ('data:;base64,eA==eA==', 'illegal base64 data at input byte 4'),
    ('data:;base64,eHk=', None),
    ('data:;base64,eB==', None),
    ('data:;base64,+/+/', None),
]


@pytest.mark.parametrize(("url", "message"), CASES)
def test_data_url_message(url: str, message: str | None) -> None:
    assert url_error(url, SCHEMES, spec2=False) == message
    # ct (spec 2.x) wraps the same message
    if message is not None:
        assert url_error(url, SCHEMES, spec2=True).endswith(f": {message}")


def _config(url: str) -> str:
    return json.dumps({"ignition": {"version": "3.3.0"}, "storage": {"files": [{"path": "/a", "contents": {
        "source": url}}]}})


def test_table_agrees_with_ignition_validate() -> None:
    # §8.3: ignition-validate tests MUST NOT be skipped; without the binary, required=True fails the test
    got = []
    for url, _message in CASES:
        errors = [f.message for f in run_ignition_validate(_config(url), required=True) if f.severity == "error"]
        got.append((url, errors[0] if errors else None))
    assert got == CASES


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"xyzzy",
        b"x" * 5000 + b"\n",  # few bytes to escape (regex branch)
        b"hello world\n#%?/\xc3\xa9",  # many (table branch)
        bytes(range(256)),
        b"-----BEGIN CERTIFICATE-----\nMIIBkTCB+wIJAK/x=\n" * 20,
    ],
)
def test_escape_bytes_is_rfc2396_percent_encoding(data: bytes) -> None:
    from lokonb.flatcar.encoding import escape_bytes

    unreserved = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!~*'()"
    assert escape_bytes(data) == "".join(chr(b) if b in unreserved else f"%{b:02X}" for b in data)
