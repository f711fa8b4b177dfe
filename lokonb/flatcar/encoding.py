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


_UNRESERVED_BYTES = bytes(sorted(_UNRESERVED))


def escape_bytes(data: bytes) -> str:
    """RFC 2396 escaping of every byte outside the unreserved set (``%XX`` uppercase)."""
    if len(data.translate(None, _UNRESERVED_BYTES)) * 16 > len(data):
        # text, PEM, YAML: a table lookup per byte in C beats a Python callback per escaped byte
        return data.decode("latin-1").translate(_ESCAPE_TABLE)
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


# vincent-petithory/dataurl, as Ignition uses it (messages checked against Debian's ignition-validate): token runes of
# RFC 2045 for the media type and parameters, RFC 2396 URL characters (or the base64 alphabet) for the data.
_TSPECIALS = frozenset('()<>@,;:\\"/[]?=')
_URL_DATA_BAD = frozenset(' <>#"{}|\\^[]`')
_B64_DATA = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=\n")
# The payload character sets as bytes for _all_in (the payloads of one render total megabytes).
_B64_OK = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
_URL_DATA_OK = bytes(c for c in range(0x21, 0x7F) if chr(c) not in _URL_DATA_BAD)
_PRINTABLE_ASCII = bytes(range(0x20, 0x7F))
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def _all_in(text: str, allowed: bytes) -> bool:
    """Whether every character of ``text`` is one of the ASCII bytes ``allowed``: one C pass of
    ``bytes.translate``, about 15 times faster than a regex search for a character outside the set."""
    return text.isascii() and not text.encode("ascii").translate(None, allowed)


def _token(c: str) -> bool:
    return c.isascii() and c.isprintable() and not c.isspace() and c not in _TSPECIALS


#: RFC 2045 top-level types as the dataurl lexer checks them: a *prefix* match, case-sensitive ("texts/x" passes,
#: "Text/x" does not); extension types start with "x-" or "X-" and are not checked further.
_MEDIA_TYPE_PREFIXES = ("text", "image", "audio", "video", "application", "message", "multipart")


def _data_url_header(rest: str) -> tuple[bool, str]:
    """Lex ``[type/subtype] *(;attr=value) [;base64] ,``; return (is_base64, data).

    The states and messages are those of the dataurl lexer Ignition uses (checked against ignition-validate):
    notably a lone ``x`` type consumes the character after it, a missing slash before the end is "missing media
    type slash" but before another character "invalid character for media type", and parameter values may be
    quoted strings with backslash escapes.
    """
    n, i = len(rest), 0

    def at(k: int) -> str | None:
        return rest[k] if k < n else None

    c = at(0)
    if c is None:
        raise DataUrlError("missing comma before data")
    if c not in ";,":
        if c in "xX":
            i = 2  # the lexer reads the character after an "x" to look for "x-"
            discrete = at(1) != "-"
        elif _token(c):
            i, discrete = 1, True
        else:
            raise DataUrlError("invalid character after data prefix")
        while True:
            c = at(i)
            if c is None:
                raise DataUrlError("missing media type slash")
            if c == "/":
                break
            if not _token(c):
                raise DataUrlError("invalid character for media type")
            i += 1
        if discrete and not rest[:i].startswith(_MEDIA_TYPE_PREFIXES):
            raise DataUrlError("invalid media type")
        i += 1
        while True:  # the subtype (may be empty)
            c = at(i)
            if c is None:
                raise DataUrlError("incomplete media type")
            if c in ";,":
                break
            if not _token(c):
                raise DataUrlError("invalid character for media subtype")
            i += 1
    is_b64 = False
    while rest[i] == ";":
        i += 1
        c = at(i)
        if c is None or c in "=,":
            raise DataUrlError("unterminated parameter sequence")
        if not _token(c):
            raise DataUrlError("invalid character for parameter attribute")
        j = i
        while True:
            c = at(j)
            if c is None:
                raise DataUrlError("unterminated parameter sequence")
            if c in "=,":
                break
            if not _token(c):
                raise DataUrlError("invalid character for parameter attribute")
            j += 1
        if c == ",":
            if rest[i:j] != "base64":
                raise DataUrlError(f"expected base64, got {rest[i:j]}")
            is_b64, i = True, j
            break
        k = j + 1  # after "="
        c = at(k)
        if c is None:
            raise DataUrlError("missing comma before data")
        if c == '"':
            k += 1
            while True:
                c = at(k)
                if c is None:
                    raise DataUrlError("unclosed quoted string")
                if c == "\\":
                    k += 1
                    if at(k) is None:
                        raise DataUrlError("unclosed quoted string")  # the lexer reads EOF as an ASCII escape
                    if not rest[k].isascii():
                        raise DataUrlError("invalid escaped character")
                elif c == '"':
                    k += 1
                    break
                elif not c.isascii():
                    raise DataUrlError("invalid character for parameter value")
                k += 1
        elif _token(c):
            while True:
                c = at(k)
                if c is None:
                    raise DataUrlError("missing comma before data")
                if c in ";,":
                    break
                if not _token(c):
                    raise DataUrlError("invalid character for parameter value")
                k += 1
        else:
            raise DataUrlError("invalid character for parameter value")
        c = at(k)
        if c is None:
            raise DataUrlError("missing comma before data")
        if c not in ";,":
            raise DataUrlError("expected semicolon or comma")
        i = k
    if rest[i] != ",":
        raise DataUrlError("missing comma before data")
    return is_b64, rest[i + 1 :]


def _go_b64decode(text: str) -> bytes:
    """Go's base64.StdEncoding.DecodeString: padding required, CR/LF skipped, CorruptInputError offsets."""
    out, quantum, si, n = bytearray(), [], 0, len(text)
    while si < n:
        c = text[si]
        si += 1
        if c in "\r\n":
            continue
        if c == "=":
            j = len(quantum)
            if j < 2:
                raise DataUrlError(f"illegal base64 data at input byte {si - 1}")
            while si < n and text[si] in "\r\n":
                si += 1
            if j == 2:
                if si == n:
                    raise DataUrlError(f"illegal base64 data at input byte {n}")
                if text[si] != "=":
                    raise DataUrlError(f"illegal base64 data at input byte {si - 1}")
                si += 1
            while si < n and text[si] in "\r\n":
                si += 1
            if si < n:
                raise DataUrlError(f"illegal base64 data at input byte {si}")
            out += binascii.a2b_base64("".join(quantum) + "=" * (4 - j))
            return bytes(out)
        if c not in _B64_DATA:
            raise DataUrlError(f"illegal base64 data at input byte {si - 1}")
        quantum.append(c)
        if len(quantum) == 4:
            out += binascii.a2b_base64("".join(quantum))
            quantum = []
    if quantum:
        raise DataUrlError(f"illegal base64 data at input byte {si - len(quantum)}")
    return bytes(out)


def decode_data_url(url: str) -> bytes:
    """Decode a ``data:`` URL as Ignition's dataurl package does; raise :class:`DataUrlError` with its message."""
    if not url.startswith("data:"):
        raise DataUrlError("not a data URL")
    is_b64, payload = _data_url_header(url[5:])
    if is_b64:
        if not _all_in(payload, _B64_OK):
            raise DataUrlError("invalid data character")
        body = payload.rstrip("=")
        if len(payload) % 4 == 0 and len(payload) - len(body) <= 2 and "=" not in body:
            return binascii.a2b_base64(payload)  # what _go_b64decode's quantum loop yields here, in one call
        return _go_b64decode(payload)
    if not _all_in(payload, _URL_DATA_OK):  # non-ASCII, controls, DEL or one of _URL_DATA_BAD (space included)
        raise DataUrlError("invalid data character")
    bad = _BAD_ESCAPE.search(payload)  # hex digits are never '%': every '%' starts an escape
    if bad:
        if len(payload) - bad.start() < 3:
            raise DataUrlError("rfc2396: unexpected end of unescape sequence")
        raise DataUrlError("rfc2396: invalid char 0x25 in unescape sequence")
    return unquote_to_bytes(payload)


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
    # the bytes Go keeps: an escape of a non-UTF-8 byte (%DA) came back from _unescape as a lone surrogate
    return "".join(chr(b) if b in ok else f"%{b:02X}" for b in text.encode("utf-8", "surrogateescape"))


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


_HOST_OK = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~!$&'()*+,;=:[]<>\"")
_USERINFO_OK = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._:~!$&'()*+,;=%@")
_PORT = re.compile(r"(:[0-9]*)?")


#: what Go's escape() keeps in userinfo (encodeUserPassword: '@', '/', '?', ':' and the rest are escaped) and hosts
_USERINFO_ESC_OK = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~$&+,;=")
_HOST_ESC_OK = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~!$&'()*+,;=:[]<>\"")


def _authority_string(authority: str, url: str) -> str:
    """The authority as URL.String() writes it back: parseAuthority cuts the userinfo at its first ':' and unescapes
    user, password and host; String() escapes them again (``p@ss`` -> ``p%40ss``, ``%65`` -> ``e``, a non-ASCII
    host byte -> ``%XX``)."""
    userinfo, at, host = authority.rpartition("@")
    out = ""
    if at:
        user, colon, password = userinfo.partition(":")
        out = _go_escape(_unescape(user, url), _USERINFO_ESC_OK)
        if colon:
            out += ":" + _go_escape(_unescape(password, url), _USERINFO_ESC_OK)
        out += "@"
    return out + _go_escape(_unescape(host, url), _HOST_ESC_OK)


def _check_authority(authority: str, url: str) -> None:
    """Go's parseAuthority/parseHost checks (net/url): brackets, port digits, host bytes, host escapes, userinfo."""
    userinfo, at, host = authority.rpartition("@")
    if host.startswith("["):
        end = host.rfind("]")
        if end < 0:
            raise GoUrlError(f'parse "{url}": missing \']\' in host')
        port = host[end + 1 :]
    else:
        colon = host.rfind(":")
        port = host[colon:] if colon >= 0 else ""
    if not _PORT.fullmatch(port):
        raise GoUrlError(f'parse "{url}": invalid port "{port}" after host')
    i = 0
    while i < len(host):
        c = host[i]
        if c == "%":
            esc = host[i : i + 3]
            if not re.fullmatch(r"%[0-9A-Fa-f]{2}", esc) or (int(esc[1], 16) < 8 and esc != "%25"):
                raise GoUrlError(f'parse "{url}": invalid URL escape "{esc}"')
            i += 3
            continue
        if ord(c) < 0x80 and c not in _HOST_OK:
            raise GoUrlError(f'parse "{url}": invalid character "{c}" in host name')
        i += 1
    if at and not all(c in _USERINFO_OK or ord(c) >= 0x80 for c in userinfo):
        raise GoUrlError(f'parse "{url}": net/url: invalid userinfo')


def go_url(url: str) -> str:
    """``url.Parse(u).String()`` for the URLs configs hold; raise :class:`GoUrlError` like Go would."""
    if not _all_in(url, _PRINTABLE_ASCII) and _CONTROL.search(url):
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
            _check_authority(authority, url)
            out += "//" + _authority_string(authority, url)
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
