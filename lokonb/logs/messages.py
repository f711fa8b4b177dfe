"""The message text of a record: Go-unquoted structured messages and their ``key=value`` pairs (FMT-2), the
placeholder form that keys findings, and the secret scrubber every output text goes through (OUT-11)."""

from __future__ import annotations

import re
from typing import Any

_H4 = r"[0-9A-Fa-f]{1,4}"
_V4 = r"\d{1,3}(?:\.\d{1,3}){3}"
#: an IPv6 address: eight groups, or a ``::`` compression (``::1``, ``fe80::1``, ``::ffff:10.0.0.1``)
_V6 = rf"(?:(?:{_H4}:){{7}}{_H4}|(?:{_H4}(?::{_H4})*)?::(?:(?:{_H4}:)*(?:{_V4}|{_H4}))?)"


def _may_hold_ipv6(text: str) -> bool:
    """A bare IPv6 address needs ``::`` or seven colons: the costly scan for one is skipped otherwise."""
    return "::" in text or text.count(":") >= 7


# OUT-7 placeholders, in this order: an address before its numbers, a UUID before its hex runs, a whole Go
# duration (``1m2.5s``, ``3µs``/``3μs``) before its numbers; clock times (``10:15:09``) are numbers, not addresses.
# Each entry: (pattern, placeholder, precondition on the text or None)
_NORM = [
    (re.compile(rf"\[{_V6}\]:\d+|\b{_V4}:\d+\b"), "<ip:port>", None),
    (re.compile(rf"\[{_V6}\]"), "<ip>", None),
    (re.compile(rf"(?<![\w:.]){_V6}(?![\w:])"), "<ip>", _may_hold_ipv6),  # before IPv4: ::ffff:10.0.0.1
    (re.compile(rf"\b{_V4}\b"), "<ip>", None),
    (re.compile(r"(?i)\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"), "<uid>", None),
    (re.compile(r"\b(?:0x)?[0-9A-Fa-f]{8,}\b"), "<hex>", None),
    (re.compile(r"(?<![\w.])(?:\d+(?:\.\d+)?(?:ns|us|µs|μs|ms|s|m|h))+(?!\w)"), "<dur>", None),
    (re.compile(r"\d+"), "<n>", None),
]
_SECRET = [
    (re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]{8,}"), r"\1***REDACTED***"),
    (re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"), "***REDACTED***"),
    (
        # not after a dot: "*core.Secret: unable to transform key" names a Go type, then an error
        re.compile(r"(?i)(?<!\.)((?:token|password|passwd|secret)[\"']?\s*[=:]\s*[\"']?)[^\s\"'&,;]{4,}"),
        r"\1***REDACTED***",
    ),
]


#: every secret pattern of the scrubber needs one of these words; texts without them skip the (slower) scrubber
_TRIGGER_WORDS = (
    "private key",
    "akia",
    "asia",
    "bearer",
    "eyj",
    "token",
    "client-key-data",
    "client_key_data",
    "passw",
    "secret",
    "authorization",  # Authorization: Basic <user:password in base64>
    "signature=",  # a presigned URL's X-Amz-Signature
)
#: a URL with a password (scheme://user:password@host): no trigger word, so a pattern of its own
_USERINFO_RX = r"://[^\s/@]*:[^\s/@]*@"
_USERINFO = re.compile(_USERINFO_RX)
_KNOWN: list[Any] = []
#: the same words as an RE2 pattern (case-insensitive), for the vectorised check of :meth:`_SourceRun._messages`
_TRIGGER_RX = "(?i)" + "|".join(re.escape(w) for w in _TRIGGER_WORDS) + "|" + _USERINFO_RX
_TRIGGER = re.compile(_TRIGGER_RX)


def _known_regex() -> Any:
    """The scrubber's known-secret regex, looked up once per analysis (see :func:`_refresh_redactor`)."""
    if not _KNOWN:
        _refresh_redactor()
    return _KNOWN[0]


def _refresh_redactor() -> None:
    _KNOWN.clear()
    try:
        from lokonb.notebook.redact import default_redactor

        red = default_redactor()
        _KNOWN.append(red._known_regex() if hasattr(red, "_known_regex") else None)
    except ImportError:  # the notebook package is optional for the library
        _KNOWN.append(None)


def redact(text: str | None) -> str | None:
    """Scrub secrets (``lokonb.notebook.redact.scrub`` when available, plus the built-in patterns)."""
    if not text:
        return text
    known = _known_regex()
    low = text.lower()
    if (
        not any(w in low for w in _TRIGGER_WORDS)
        and not ("://" in text and _USERINFO.search(text))
        and (known is None or not known.search(text))
    ):
        return text
    try:
        from lokonb.notebook.redact import scrub

        text = scrub(text)
    except ImportError:
        pass
    for rx, rep in _SECRET:
        text = rx.sub(rep, text)
    return text


def normalize_message(text: str) -> str:
    """Message with addresses, ids, durations and numbers replaced by placeholders (findings key)."""
    for rx, rep, guard in _NORM:
        if guard is None or guard(text):
            text = rx.sub(rep, text)
    return text[:200]


def go_unquote(msg: str) -> str:
    """Unquote a Go-quoted structured klog message (``"..."`` at the start); other text is returned as is."""
    if not msg.startswith('"'):
        return msg
    i, out = 1, []
    while i < len(msg):
        ch = msg[i]
        if ch == "\\" and i + 1 < len(msg):
            nx = msg[i + 1]
            if nx == "u" and i + 5 < len(msg):
                try:
                    cp = int(msg[i + 2 : i + 6], 16)
                    # Go never quotes a surrogate half (it is not a valid rune): U+FFFD, as Go decodes it; a lone
                    # surrogate in a str cannot be encoded and crashed the table build
                    out.append("\ufffd" if 0xD800 <= cp <= 0xDFFF else chr(cp))
                    i += 6
                    continue
                except ValueError:
                    pass
            out.append({"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}.get(nx, "\\" + nx))
            i += 2
            continue
        if ch == '"':
            return "".join(out)
        out.append(ch)
        i += 1
    return msg


_QUOTED_RE = re.compile(r'"(?:[^"\\]|\\.)*"')
#: what follows the quoted message of a structured line: nothing, or ``key=…`` pairs (a line cut by journalctl may
#: end inside one)
_PAIRS_NEXT_RE = re.compile(r"(?:\s+[A-Za-z_][\w.\-/]*=.*|\s*)", re.S)


def structured_message(msg: str) -> str:
    """The message of a structured klog line, unquoted (FMT-2); a message that merely starts with a quoted word
    (``"service" is disabled``, a ``%q`` at the start of a printf format) is kept as written."""
    q = _QUOTED_RE.match(msg)
    if q is None or not _PAIRS_NEXT_RE.fullmatch(msg, q.end()):
        return msg
    return go_unquote(msg)


_PAIR_RE = re.compile(r'\s+([A-Za-z_][\w.\-/]*)=("(?:[^"\\]|\\.)*"|<(?=\s|$)|\S*)')
#: structured keys that fill standard columns (FMT-2): key -> (column, type)
_PAIR_FIELDS = {
    "err": ("err", "str"),
    "verb": ("verb", "str"),
    "URI": ("uri", "str"),
    "latency": ("latency_s", "duration"),
    "userAgent": ("user_agent", "str"),
    "srcIP": ("client_addr", "addr"),
    "resp": ("code", "int"),
}


_NUMERIC_FIELDS = ("client_port", "local_port", "code", "latency_s", "total_s")


def _redact_pair(key: str, value: str) -> str:
    """``value`` scrubbed together with its key, so that a secret named only by its key (``token=…``) is caught."""
    scrubbed = redact(f"{key}={value}") or ""
    return scrubbed[len(key) + 1 :] if scrubbed.startswith(f"{key}=") else scrubbed


def _norm_key(k: str) -> str:
    return re.sub(r"[^a-z0-9]", "", k.lower())


def structured_pairs(line: str) -> dict[str, str]:
    """The ``key=value`` pairs of a structured klog line (``… ] "msg" k=v k2="v 2" k3=<…>``); {} for others.

    Quoted values are Go-unquoted; a ``key=<`` block value is the text up to its closing `` >``."""
    i = line.find('] "')
    if i < 0:
        return {}
    m = _QUOTED_RE.match(line, i + 2)
    if not m:
        return {}
    pos, out = m.end(), {}
    while True:
        pm = _PAIR_RE.match(line, pos)
        if not pm or not pm.group(2) and pm.end() == pos:
            break
        k, v = pm.group(1), pm.group(2)
        pos = pm.end()
        if v == "<":
            end = line.find(" >", pos)
            end = len(line) if end < 0 else end
            v, pos = line[pos:end].strip(), end + 2
        elif v.startswith('"'):
            v = go_unquote(v) if "\\" in v else v[1:-1]
        out[k] = v
    return out
