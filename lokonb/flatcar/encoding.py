"""Data-URL and URL encodings shared by the translators (Go semantics)."""

from __future__ import annotations

import base64
import binascii
import gzip
import io
import re
import zlib
from urllib.parse import unquote_to_bytes

# RFC 2396 "unreserved" as vincent-petithory/dataurl escapes: everything else becomes %XX (uppercase).
_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!~*'()")
_ESCAPE_TABLE = [chr(b) if b in _UNRESERVED else f"%{b:02X}" for b in range(256)]


_UNSAFE = re.compile(rb"[^A-Za-z0-9\-_.!~*'()]")


def escape_bytes(data: bytes) -> str:
    """RFC 2396 escaping of every byte outside the unreserved set (``%XX`` uppercase)."""
    return _UNSAFE.sub(lambda m: _ESCAPE_TABLE[m.group(0)[0]].encode("ascii"), data).decode("ascii")


def data_url_percent(data: bytes) -> str:
    return "data:," + escape_bytes(data)


def data_url_base64(data: bytes) -> str:
    return "data:;base64," + base64.b64encode(data).decode("ascii")


def gzip_bytes(data: bytes) -> bytes:
    """Deterministic gzip (mtime 0, best compression)."""
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=9, mtime=0) as fh:
        fh.write(data)
    return buf.getvalue()


class DataUrlError(ValueError):
    pass


_MEDIA_RE = re.compile(r"^[^,]*$")


def decode_data_url(url: str) -> bytes:
    """Decode a ``data:`` URL (percent or base64); raise :class:`DataUrlError`."""
    if not url.startswith("data:"):
        raise DataUrlError("not a data URL")
    rest = url[5:]
    if "," not in rest:
        raise DataUrlError("missing comma")
    meta, _, payload = rest.partition(",")
    params = [p.strip() for p in meta.split(";")]
    is_b64 = bool(params) and params[-1].lower() == "base64"
    if re.search(r"%(?![0-9A-Fa-f]{2})", payload):
        raise DataUrlError("invalid data character")
    raw = unquote_to_bytes(payload)
    if is_b64:
        try:
            cleaned = re.sub(rb"\s", b"", raw)
            return base64.b64decode(cleaned, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise DataUrlError("illegal base64 data") from exc
    return raw


def gunzip(data: bytes) -> bytes:
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as exc:
        raise DataUrlError(f"gzip: {exc}") from exc


# ------------------------------------------------------------------------------------------- Go net/url

_PATH_OK = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~$&+,/:;=@")
_VALID_ENCODED = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~!$&'()*+,;=:@[]/%"
)
_FRAG_OK = _PATH_OK | frozenset(b"!()*?")
_SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class GoUrlError(ValueError):
    pass


def _go_escape(text: str, ok: frozenset[int]) -> str:
    return "".join(chr(b) if b in ok else f"%{b:02X}" for b in text.encode("utf-8"))


def _unescape(text: str, url: str) -> str:
    m = re.search(r"%(?![0-9A-Fa-f]{2})(.{0,2})", text)
    if m:
        raise GoUrlError(f'parse "{url}": invalid URL escape "%{m.group(1)}"')
    return unquote_to_bytes(text).decode("utf-8", "surrogateescape")


def _escaped(raw: str, url: str, ok: frozenset[int]) -> str:
    """Go's EscapedPath/EscapedFragment: keep ``raw`` when it is a valid encoding, else re-escape."""
    decoded = _unescape(raw, url)
    if all(c in _VALID_ENCODED for c in raw):
        return raw
    return _go_escape(decoded, ok)


def go_url(url: str) -> str:
    """``url.Parse(u).String()`` for the URLs configs hold; raise :class:`GoUrlError` like Go would."""
    if _CONTROL.search(url):
        raise GoUrlError(f'parse "{url}": net/url: invalid control character in URL')
    rest, frag_sep, fragment = url.partition("#")
    m = _SCHEME_RE.match(rest)
    if rest.startswith(":"):
        raise GoUrlError(f'parse "{url}": missing protocol scheme')
    scheme = ""
    if m:
        scheme = m.group(1).lower()
        rest = rest[m.end() :]
    body, q_sep, query = rest.partition("?")
    out = scheme + ":" if scheme else ""
    if scheme and not body.startswith("/"):
        out += body  # opaque (data:, mailto:)
    else:
        if body.startswith("//"):
            authority, slash, path = body[2:].partition("/")
            path = slash + path
            if " " in authority:
                raise GoUrlError(f'parse "{url}": invalid character " " in host name')
            out += "//" + authority
        else:
            path = body
        out += _escaped(path, url, _PATH_OK)
    if q_sep:
        out += "?" + query
    if frag_sep and fragment:
        out += "#" + _escaped(fragment, url, _FRAG_OK)
    return out


def url_scheme(url: str) -> str:
    m = _SCHEME_RE.match(url)
    return m.group(1).lower() if m else ""
