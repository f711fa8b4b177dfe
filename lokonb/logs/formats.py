"""Log formats: wrapper layers (CRI, kubectl --timestamps, Docker json-file, syslog/journald) and inner layers
(klog text/structured, JSON logging, zap JSON), with detection (spec logs.md §4).

Two paths produce the same per-line columns:

* :func:`parse_klog_block` — vectorised (NumPy) parsing of the fixed klog header layout over a whole block;
* :class:`Unwrapper` / :func:`canonical_inner` — per-line Python for wrapped or unusual lines, which rewrites each
  inner line into the canonical klog layout so the vectorised parser can take it from there.
"""

from __future__ import annotations

import calendar
import contextlib
import csv
import functools
import json
import math
import re
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

import numpy as np

FORMATS = ("auto", "klog", "kubectl", "cri", "docker", "json", "syslog", "cloudwatch", "envelope", "csv")
SEV_CODES = {"I": 1, "W": 2, "E": 3, "F": 4}
SEV_NAMES = np.array([None, "I", "W", "E", "F"], dtype=object)
STREAMS = ("", "stdout", "stderr")
NAT = np.iinfo(np.int64).min

# RFC 3339 with 0-9 fractional digits, Z or numeric offset (CRI, kubectl --timestamps, docker).
_TS = r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:[.,](\d{1,9}))?(Z|[+-]\d\d:?\d\d)"
CRI_RE = re.compile(rb"^" + _TS.encode() + rb" (stdout|stderr) ([PF])(?::\S*)?(?: (.*))?$", re.S)
KUBECTL_RE = re.compile(rb"^" + _TS.encode() + rb" (.*)$", re.S)
TS_RE = re.compile("^" + _TS + "$")
#: RFC 3164 / ``journalctl -o short[-precise]``: ``Mmm dd hh:mm:ss[.ffffff] host ident[pid]: text`` (FMT-8); the
#: day is space-padded, ``[pid]`` optional; no year and no zone (TIME-3/TIME-4 give the year, ``syslog_tz`` the zone).
#: The English month is read in any case: locales such as nl/sv print ``feb``, ``dec`` in lower case. The host is
#: absent in ``journalctl --no-hostname`` output (``May 06 07:08:09 kube-apiserver[1187]: …``): a host name never
#: ends in ``:`` or ``]``, so such a word is the identifier.
_SYSLOG_HOST = rb"(?:(\S*[^\s:\]]) )?"
SYSLOG_RE = re.compile(
    rb"^([A-Za-z]{3}) ([ \d]\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))? " + _SYSLOG_HOST
    + rb"([^\s:\[]+)(?:\[(\d+)\])?: ?(.*)$",
    re.S,
)
#: The same with any month token, for localized month names (``month_names``; ``journalctl`` prints ``%b`` in the
#: reader's locale: ``Mär``, ``déc.``).
SYSLOG_ANY_RE = re.compile(
    rb"^(\S{1,24}) ([ \d]\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))? " + _SYSLOG_HOST
    + rb"([^\s:\[]+)(?:\[(\d+)\])?: ?(.*)$",
    re.S,
)
#: ``journalctl -o short-iso[-precise]`` and rsyslog's high-precision form: a year and a zone.
SHORT_ISO_RE = re.compile(
    rb"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:[.,](\d{1,9}))?(Z|[+-]\d\d:?\d\d) (\S+) ([^\s:\[]+)"
    rb"(?:\[(\d+)\])?: ?(.*)$",
    re.S,
)
#: the other one-line forms of ``journalctl -o``: ``short-monotonic`` (``[  512.003121] host ident[pid]: …``, seconds
#: since boot: no time; ``short-delta`` adds the gap to the entry before: ``[  512.003121 <    0.000340>]``),
#: ``short-unix`` (``1700000000.123456 host …``, epoch seconds) and ``short-full``
#: (``Tue 2023-11-14 22:13:20[.ffffff] UTC host …``, the zone as the reader's TZ abbreviates it: see
#: :func:`zone_abbr_offset`)
_JOURNAL_TAIL = rb" (\S+) ([^\s:\[]+)(?:\[(\d+)\])?: ?(.*)$"
SHORT_MONO_RE = re.compile(rb"^\[ *\d+\.\d+(?: <[ \d.]+>)?\]" + _JOURNAL_TAIL, re.S)
SHORT_UNIX_RE = re.compile(rb"^(\d{9,11}(?:\.\d{1,9})?)" + _JOURNAL_TAIL, re.S)
_ZONE_ABBR = rb"([A-Za-z][\w+\-]{1,5}|[+-]\d\d(?:\d\d)?)"
SHORT_FULL_RE = re.compile(
    rb"^[A-Z][a-z]{2} (\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))? " + _ZONE_ABBR + _JOURNAL_TAIL,
    re.S,
)
#: the head of a ``journalctl -o verbose`` entry: ``Tue 2023-11-14 22:13:20.401998 UTC [s=…;i=…;…]``
VERBOSE_HEAD_RE = re.compile(
    rb"^[A-Z][a-z]{2} (\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))? " + _ZONE_ABBR + rb" \[s="
)
#: zone abbreviations (tzdata's, as ``strftime("%Z")`` prints them) that mean one UTC offset (minutes) wherever
#: current tzdata uses them; others are ambiguous (CST: China or US Central; IST: India, Israel or Ireland; BST,
#: AST, and PST, which Asia/Manila uses too) and are read in ``syslog_tz``
ZONE_ABBR_OFFSETS = {
    "UTC": 0, "GMT": 0, "WET": 0, "WEST": 60, "CET": 60, "CEST": 120, "EET": 120, "EEST": 180, "MSK": 180,
    "SAST": 120, "HKT": 480, "AWST": 480, "JST": 540, "KST": 540, "ACST": 570, "ACDT": 630, "AEST": 600,
    "AEDT": 660, "NZST": 720, "NZDT": 780, "HST": -600, "AKST": -540, "AKDT": -480, "PDT": -420, "MST": -420,
    "MDT": -360, "EST": -300, "EDT": -240,
}  # fmt: skip
_NUMERIC_ZONE_RE = re.compile(rb"^([+-])(\d\d)(\d\d)?$")


def zone_abbr_offset(abbr: bytes) -> int | None:
    """The UTC offset in minutes of a zone abbreviation that has one (:data:`ZONE_ABBR_OFFSETS`, or tzdata's numeric
    ones: ``+08``, ``-03``, ``+0530``), else None."""
    m = _NUMERIC_ZONE_RE.match(abbr)
    if m is not None:
        minutes = int(m.group(2)) * 60 + int(m.group(3) or 0)
        return -minutes if m.group(1) == b"-" else minutes
    return ZONE_ABBR_OFFSETS.get(abbr.decode("ascii", "replace"))


_JOURNAL_FIELD_RE = re.compile(rb"^ *([A-Z0-9_]{1,64})=(.*)$", re.S)
#: a field name alone on its line in ``journalctl -o export``: its value is binary (it holds a newline or a control
#: byte): a little-endian 64-bit length, the bytes, then a newline; the bytes may span lines
_JOURNAL_BINARY_FIELD_RE = re.compile(rb"^[A-Z0-9_]{1,64}$")
#: a binary value longer than this is no journal field (a damaged or other file): its bytes read so far are kept
JOURNAL_BINARY_MAX = 1 << 24


def is_journal_entry_start(raw: bytes) -> bool:
    """The first line of a ``journalctl -o verbose`` (its head) or ``-o export`` (``__CURSOR=``) entry."""
    return raw[:9] == b"__CURSOR=" or VERBOSE_HEAD_RE.match(raw) is not None


@dataclass
class JournalEntry:
    """The fields of one ``journalctl -o verbose/export`` entry read so far."""

    start: int
    head: bytes | None = None
    fields: dict[bytes, bytes] = field(default_factory=dict)
    last: bytes | None = None
    binary: bytearray | None = None  # the binary value being read (export format), its length first

    def add(self, raw: bytes) -> None:
        if self.head is None and _JOURNAL_BINARY_FIELD_RE.match(raw) is not None:
            self.last, self.binary = raw, bytearray()
            return
        m = VERBOSE_HEAD_RE.match(raw)
        if m is not None:
            self.head = raw
            return
        f = _JOURNAL_FIELD_RE.match(raw)
        if f is not None and (raw[:1] != b" " or raw[:4] == b"    ") and f.group(1) not in self.fields:
            self.last = f.group(1)
            self.fields[self.last] = f.group(2)
        elif self.last is not None:
            # a message of several lines goes on, indented
            self.fields[self.last] += b"\n" + raw.strip()

    def take_binary(self, raw: bytes) -> bool:
        """One line of a binary value: the line ends inside it are its newlines; done when its length is read.
        False when the value ended short before this line (a CR before a line end was normalised away): the line
        is the entry's next field, not the value's."""
        b = self.binary
        assert b is not None
        had = len(b)
        if b:
            b += b"\n"
        b += raw
        if len(b) < 8:
            return True
        n = int.from_bytes(b[:8], "little")
        if len(b) < 8 + n and n <= JOURNAL_BINARY_MAX:
            return True
        short = 8 <= had < 8 + n < len(b)
        if self.last not in self.fields:
            self.fields[self.last] = bytes(b[8:had] if short else b[8 : 8 + n])  # type: ignore[index]
        self.binary = None
        return not short

    def result(self) -> tuple[Unwrapped, int]:
        f = self.fields
        if self.binary is not None and self.last not in f and len(self.binary) > 8:
            f[self.last] = bytes(self.binary[8:])  # type: ignore[index]  # cut short: what was read
        text = f.get(b"MESSAGE", self.head or b"")
        if b"\x1b" in text:
            text = strip_ansi(text)  # a binary value is read as it is written: its colour codes go now
        key = b" ".join(f[k] for k in (b"_HOSTNAME", b"SYSLOG_IDENTIFIER") if k in f) or None
        for k in (b"_SOURCE_REALTIME_TIMESTAMP", b"__REALTIME_TIMESTAMP"):
            ns = _epoch_ns(int(f[k])) if f.get(k, b"").isdigit() and len(f[k]) < 20 else None
            if ns is not None:
                return Unwrapped(text, ns, 0, "syslog", key=key), self.start
        res = _journal_other(self.head + b" x: -") if self.head is not None else None
        return Unwrapped(text, res.outer_ns if res else None, 0, "syslog",
                         syslog_time=res.syslog_time if res else None, key=key), self.start


#: the catalog text ``journalctl -x`` prints after an entry that has one (``systemd[1]: kube-apiserver.service:
#: Failed with result 'exit-code'.``): each line behind ``░░`` (systemd 246 on) or ``--`` (before; its own markers
#: ``-- Logs begin at … --``, ``-- Boot … --``, ``-- cursor: …`` are other lines)
JOURNAL_CATALOG_RE = re.compile(rb"^(?:\xe2\x96\x91\xe2\x96\x91(?: |$)|--$|-- (?!cursor: )(?!.* --$))")


#: ``snap logs`` (MicroK8s, the k8s snap): ``<RFC 3339> ident[pid]: text``, no host
SNAP_LOGS_RE = re.compile(
    rb"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:[.,](\d{1,9}))?(Z|[+-]\d\d:?\d\d) ([^\s:\[]+)\[(\d+)\]: ?(.*)$",
    re.S,
)
#: The host field of a ``short-iso`` match that is really the start of a ``kubectl --timestamps`` line: a klog
#: header (``I0806 08:38:13.341625:`` reads as host ``I0806``, ident ``08``) or a JSON object.
_NOT_SYSLOG_HOST_RE = re.compile(rb"^(?:[IWEF]\d{4}|[{\[\"].*)$", re.S)
#: klog header anywhere in the first 160 bytes (wrapper prefixes, wide PIDs, extra padding).
KLOG_RE = re.compile(
    rb"^(.{0,160}?)([IWEF])(\d\d)(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))? +(\d+) ([^\s\]]+?):(\d+)\] ?",
    re.S,
)
MONTHS = {m: i for i, m in enumerate(calendar.month_abbr) if m}
# Cumulative day at the start of each month in a leap year (the 366-day circle of TIME-4).
LEAP_CUM = np.array([0, 0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335], dtype=np.int64)
DAY_NS = 86_400 * 10**9


def parse_ts_ns(text: str) -> int | None:
    """Parse an RFC 3339 timestamp with 0–9 fractional digits and a zone into UTC epoch nanoseconds."""
    m = TS_RE.match(text)
    if not m:
        return None
    return _ts_groups_ns(m.groups())


def _ts_groups_ns(g: tuple[Any, ...]) -> int | None:
    def s(x: Any) -> str:
        return x.decode() if isinstance(x, bytes) else x

    try:
        y, mo, d, hh, mm, ss = (int(s(x)) for x in g[:6])
        frac = s(g[6]) or ""
        zone = s(g[7])
        days = days_from_civil(y, mo, d)
        if not (1 <= mo <= 12 and 1 <= d <= calendar.monthrange(y, mo)[1]) or hh > 23 or mm > 59 or ss > 60:
            return None
    except (ValueError, TypeError):
        return None
    ns = ((days * 86400 + hh * 3600 + mm * 60 + ss) * 10**9) + int((frac + "000000000")[:9] or 0)
    if zone not in ("Z", "z"):
        sign = 1 if zone[0] == "+" else -1
        z = zone[1:].replace(":", "")
        ns -= sign * (int(z[:2]) * 3600 + int(z[2:4]) * 60) * 10**9
    return ns if NS_RANGE[0] <= ns < NS_RANGE[1] else None


def days_from_civil(y: Any, m: Any, d: Any) -> Any:
    """Days since 1970-01-01 for a proleptic Gregorian date (scalars or NumPy arrays; H. Hinnant's algorithm)."""
    y = y - (m <= 2)
    era = y if not isinstance(y, np.ndarray) else y.copy()
    era = np.floor_divide(era, 400) if isinstance(era, np.ndarray) else era // 400
    yoe = y - era * 400
    mp = (m + 9) % 12
    doy = (153 * mp + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def is_leap(y: Any) -> Any:
    """Leap-year test for scalars or arrays."""
    return ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)


# ---------------------------------------------------------------------------------------------------------------
@dataclass
class KlogColumns:
    """Per physical line columns of one block (NumPy arrays of equal length)."""

    starts: np.ndarray  # int64 offsets of line starts in the buffer
    ends: np.ndarray  # int64 offsets of the '\n' (or buffer end)
    hdr: np.ndarray  # bool: a klog header was parsed
    sev: np.ndarray  # uint8 0 none, 1 I, 2 W, 3 E, 4 F
    mon: np.ndarray  # int64 month (0 when no header)
    day: np.ndarray  # int64 day
    tod: np.ndarray  # int64 ns since midnight
    pid: np.ndarray  # int64
    srcline: np.ndarray  # int64 klog source line
    file_start: np.ndarray  # int64 offset of file:line
    file_end: np.ndarray  # int64 end of the file name (the ':' before the line number)
    msg: np.ndarray  # int64 offset of the message
    key: np.ndarray  # uint64 cache key (call site + message prefix)


_DIGIT_POS = (1, 2, 3, 4, 6, 7, 9, 10, 12, 13, 15, 16, 17, 18, 19, 20)


def line_bounds(buf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Starts and ends (position of each '\\n') of the complete lines in ``buf`` (which ends with '\\n')."""
    ends = np.flatnonzero(buf == 10).astype(np.int64)
    starts = np.empty_like(ends)
    if len(ends):
        starts[0] = 0
        starts[1:] = ends[:-1] + 1
    return starts, ends


def parse_klog_block(buf: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> KlogColumns:
    """Vectorised klog header parse for every line of ``buf`` (the fixed layout of FMT-1).

    Lines that do not have the exact layout get ``hdr=False``; callers send them through :data:`KLOG_RE`.
    """
    n = len(starts)
    pad = np.zeros(72, np.uint8)
    b = np.concatenate([buf, pad])
    length = ends - starts
    s = starts
    H = b[s[:, None] + np.arange(30)[None, :]]  # the fixed 30-byte header of every line at once
    b0 = H[:, 0]
    ok = length >= 33
    ok &= (b0 == 73) | (b0 == 87) | (b0 == 69) | (b0 == 70)
    ok &= (H[:, 5] == 32) & (H[:, 8] == 58) & (H[:, 11] == 58) & (H[:, 14] == 46) & (H[:, 21] == 32)
    ok &= H[:, 29] == 32
    D = H[:, list(_DIGIT_POS)].astype(np.int64) - 48
    ok &= ((D >= 0) & (D <= 9)).all(axis=1)
    dig = {k: D[:, j] for j, k in enumerate(_DIGIT_POS)}
    P = H[:, 22:29]
    isd = (P >= 48) & (P <= 57)
    # right-aligned PID: spaces only before the first digit
    seen = np.maximum.accumulate(isd, axis=1)
    ok &= ((P == 32) & ~seen | isd).all(axis=1) & isd[:, 6]
    pv = np.where(isd, P.astype(np.int64) - 48, 0)
    pid = pv @ (10 ** np.arange(6, -1, -1, dtype=np.int64))
    mon = dig[1] * 10 + dig[2]
    day = dig[3] * 10 + dig[4]
    ok &= (mon >= 1) & (mon <= 12) & (day >= 1) & (day <= 31)
    hh = dig[6] * 10 + dig[7]
    mi = dig[9] * 10 + dig[10]
    ss = dig[12] * 10 + dig[13]
    us = ((((dig[15] * 10 + dig[16]) * 10 + dig[17]) * 10 + dig[18]) * 10 + dig[19]) * 10 + dig[20]
    ok &= (hh <= 23) & (mi <= 59) & (ss <= 60)
    tod = ((hh * 3600 + mi * 60 + ss) * 1_000_000 + us) * 1000
    # "] " closing the file:line; the first one after the header start
    br = np.flatnonzero((buf[:-1] == 93) & (buf[1:] == 32)).astype(np.int64)
    j = np.searchsorted(br, s + 30)
    jc = np.minimum(j, max(len(br) - 1, 0))
    p = br[jc] if len(br) else np.full(n, -1, np.int64)
    ok &= (j < len(br)) & (p < ends) & (p > s + 31)
    # line number: digits right before "]"
    T = b[np.maximum(p, 8)[:, None] - np.arange(1, 9)[None, :]]  # 8 bytes before "]", nearest first
    tdig = (T >= 48) & (T <= 57)
    run = np.cumprod(tdig, axis=1).astype(bool)[:, :7]
    nd = run.sum(axis=1)
    tv = np.where(run, T[:, :7].astype(np.int64) - 48, 0)
    srcline = tv @ (10 ** np.arange(7, dtype=np.int64))
    colon = b[np.maximum(p - nd - 1, 0)]
    ok &= (nd >= 1) & (colon == 58) & (p - nd - 1 > s + 30)
    file_end = p - nd - 1
    msg = p + 2
    # cache key: 24 bytes from the file name start + 8 bytes of the message (collisions only cost speed)
    W = np.ascontiguousarray(b[(s + 30)[:, None] + np.arange(24)[None, :]]).view("<u8")
    M = np.ascontiguousarray(b[np.minimum(msg, len(b) - 8)[:, None] + np.arange(8)[None, :]]).view("<u8")
    with np.errstate(over="ignore"):
        key = np.zeros(n, np.uint64)
        for col in (W[:, 0], W[:, 1], W[:, 2], M[:, 0]):
            key = (key ^ col) * np.uint64(0x9E3779B97F4A7C15)
    z = np.zeros(n, np.int64)
    return KlogColumns(
        starts=starts,
        ends=ends,
        hdr=ok,
        sev=np.where(ok, np.select([b0 == 73, b0 == 87, b0 == 69, b0 == 70], [1, 2, 3, 4], 0), 0).astype(
            np.uint8
        ),
        mon=np.where(ok, mon, 0),
        day=np.where(ok, day, 0),
        tod=np.where(ok, tod, 0),
        pid=np.where(ok, pid, 0),
        srcline=np.where(ok, srcline, 0),
        file_start=np.where(ok, s + 30, z),
        file_end=np.where(ok, file_end, z),
        msg=np.where(ok, msg, s),
        key=key,
    )


# ---------------------------------------------------------------------------------------------------------------
def canonical_klog(
    sev: str, mon: int, day: int, tod_us: int, pid: int, file: str, line: int, msg: bytes
) -> bytes:
    """A klog line in the exact fixed layout (PIDs wider than 7 digits are kept by the caller separately)."""
    hh, rem = divmod(tod_us // 1_000_000, 3600)
    mi, ss = divmod(rem, 60)
    us = tod_us % 1_000_000
    pid_txt = str(pid if pid < 10_000_000 else pid % 10_000_000).rjust(7)
    return (
        f"{sev}{mon:02d}{day:02d} {hh:02d}:{mi:02d}:{ss:02d}.{us:06d} {pid_txt} {file}:{line}] ".encode()
        + msg
    )


def go_quote(value: Any) -> str:
    """Quote a value the way klog's structured logging does (Go %q for strings)."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@dataclass
class InnerResult:
    """How one inner line was understood by the slow path."""

    text: bytes  # canonical text (klog layout when a header/time is known)
    outer_ns: int | None = None  # full timestamp carried by the inner format (JSON logging, zap)
    pid: int | None = None  # true PID when wider than the canonical 7 columns
    verbosity: int | None = None
    fmt: str = "klog"


_ZAP_LEVEL = {
    "debug": "I",
    "info": "I",
    "warn": "W",
    "warning": "W",
    "error": "E",
    "dpanic": "E",
    "panic": "F",
    "fatal": "F",
}


def canonical_inner(line: bytes) -> InnerResult | None:
    """Recognise a klog header that the fixed-width parser missed, or a JSON logging / zap line.

    Returns None when the line has no header (a continuation or an orphan).
    """
    if b"\x1b" in line:
        line = strip_ansi(line)
    stripped = line.lstrip()
    if stripped[:1] == b"{" and b'"msg"' in stripped:
        res = _json_inner(stripped)
        if res is not None:
            return res
    if stripped[:5] == b'time=' or stripped[4:5] == b"[":
        res = _logrus_inner(stripped)
        if res is not None:
            return res
    m = KLOG_RE.match(line)
    if m is None:
        return None
    (_prefix, sev, mo, dd, hh, mi, ss, frac, pid, file, srcline) = m.groups()
    us = int(((frac or b"") + b"000000")[:6])
    tod_us = ((int(hh) * 60 + int(mi)) * 60 + int(ss)) * 1_000_000 + us
    if not (1 <= int(mo) <= 12 and 1 <= int(dd) <= 31 and int(hh) <= 23 and int(mi) <= 59):
        return None
    pid_i = int(pid)
    text = canonical_klog(
        sev.decode(),
        int(mo),
        int(dd),
        tod_us,
        pid_i,
        file.decode("utf-8", "replace"),
        int(srcline),
        line[m.end() :],
    )
    return InnerResult(text, pid=pid_i if pid_i >= 10_000_000 else None)


#: terminal control sequences: ANSI SGR colour codes (``stern``, ``kubectl`` plugins, logrus and zap console
#: output on a terminal) and, in a terminal session's copy (``script`` typescripts, ``tee`` of an interactive
#: shell), the other CSI sequences (``\x1b[?2004h`` bracketed paste, ``\x1b[K`` erase) and OSC ones (the window
#: title ``\x1b]0;…\x07``)
ANSI_RE = re.compile(rb"\x1b\[[0-9;?<=>]*[ -/]*[@-~]|\x1b\][^\x07\x1b]{0,512}(?:\x07|\x1b\\)")


#: a lone CR (after text, not after another CR) where a log line starts (a klog header, an RFC 3339 time of a CRI,
#: kubectl or journald line, a syslog time, a JSON record): a line end (lines appended with old Mac OS CR ends, a
#: capture that lost its LFs), so the record after it is not hidden in the line before (ROB-1); the line number
#: stays the LF-counted one. Any other CR is text: progress output written over itself, a CR inside a message
#: (the pattern starts with the CR so that re's literal-prefix scan finds candidates; a lookbehind first made it try
#: every position: 0.6 s per 8 MiB block of a CRLF file. The character before is checked in :func:`cr_line_ends`.)
CR_LINE_END_RE = re.compile(
    rb"\r(?=[IWEF]\d{4} \d\d:\d\d:\d\d\.\d{6} |\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d"
    rb"|[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d |\{\")"
)


def cr_line_ends(text: bytes) -> list[int]:
    """Offsets of the CRs in ``text`` (lines ``\n``-separated) that end a line (:data:`CR_LINE_END_RE`), except in a
    line with terminal escape codes before the CR (a terminal's CR moves the cursor: :func:`strip_ansi`)."""
    if b"\r" not in text:
        return []
    out = []
    for m in CR_LINE_END_RE.finditer(text):
        p = m.start()
        if p == 0 or text[p - 1] in (0x0A, 0x0D):  # a line's own end (CRLF, CRCRLF) or an empty line: no lone CR
            continue
        if b"\x1b" not in text[text.rfind(b"\n", 0, p) + 1 : p]:
            out.append(p)
    return out


def strip_ansi(line: bytes) -> bytes:
    line = ANSI_RE.sub(b"", line)
    if b"\r" in line.rstrip(b"\r"):
        # a carriage return inside a terminal line: what follows it was written over the start of the line
        out = b""
        for part in line.rstrip(b"\r").split(b"\r"):
            out = part + out[len(part) :]
        line = out
    return line


#: logrus's text format (k3s, RKE2, k0s, containerd and Docker write it): ``time="<RFC 3339>" level=info
#: msg="<Go-quoted>" key=value…``; on a terminal ``INFO[<RFC 3339>] msg   key=value…``
#: (a message cut before its closing quote, by a line limit or the poster, is the rest of the line)
LOGRUS_RE_TEXT = re.compile(rb'^time="([^"]*)" level=(\w+) msg=("(?:[^"\\]|\\.)*(?:"|\\?$)|\S*) ?(.*)$', re.S)
_LOGRUS_CUT_RE = re.compile(rb'"(?:[^"\\]|\\.)*\\?', re.S)
LOGRUS_TTY_RE = re.compile(rb"^(TRAC|DEBU|INFO|WARN|ERRO|FATA|PANI)\[(\d{4}-[^\]]*)\] ?(.*)$", re.S)
_LOGRUS_LEVEL = {**_ZAP_LEVEL, "trace": "I", "trac": "I", "debu": "I", "erro": "E", "fata": "F", "pani": "F"}
#: a logrus time without a zone (k0s: ``2025-02-27 12:15:41``): local time, read like a klog time
_LOCAL_TS_RE = re.compile(r"^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:[.,](\d{1,9}))?$")


def _logrus_inner(line: bytes) -> InnerResult | None:
    """A logrus record as a klog line of its own: severity from the level, the time (with its zone as the outer
    time), the message unquoted, ``error=`` as ``err``; the caller is ``logrus.go:0`` (logrus logs none)."""
    m = LOGRUS_RE_TEXT.match(line)
    if m is not None:
        ts, level, msg, rest = m.groups()
        if msg[:1] == b'"':
            # closed: the quotes go; cut (no closing quote, nothing after it): only the opening one
            body = msg[1:] if rest == b"" and _LOGRUS_CUT_RE.fullmatch(msg) else msg[1:-1]
            msg = _GO_ESCAPE_RE.sub(lambda e: _GO_ESCAPES.get(e.group(1), e.group(0)), body).rstrip(b"\r\n")
    else:
        m = LOGRUS_TTY_RE.match(line)
        if m is None:
            return None
        level, ts, body = m.groups()
        msg, rest = _logrus_tty_split(body)
    sev = _LOGRUS_LEVEL.get(level.decode().lower())
    when = _logrus_time(ts.decode("utf-8", "replace"))
    if sev is None or when is None:
        return None
    outer, (mo, d, tod_us) = when
    pairs = re.sub(rb"(^| )error=", rb"\1err=", rest.strip())
    text_msg = go_quote(msg.decode("utf-8", "replace")).encode() + b" " + pairs if pairs else msg
    return InnerResult(canonical_klog(sev, mo, d, tod_us, 0, "logrus.go", 0, text_msg), outer_ns=outer, fmt="logrus")


#: logrus's text fields after the message: ` key=value`, a value quoted when it needs it
_LOGRUS_PAIRS_RE = re.compile(rb'[^\s="]+=(?:"(?:[^"\\]|\\.)*"|[^\s"]*)(?: [^\s="]+=(?:"(?:[^"\\]|\\.)*"|[^\s"]*))*')


def _logrus_tty_split(body: bytes) -> tuple[bytes, bytes]:
    """(message, fields) of a terminal logrus line: logrus writes ``%-44s `` and then `` key=value`` per field, so
    two spaces always come before the first field; the message may hold two spaces itself (the PID padding of a
    klog line k0s wraps), so the split is the last two spaces followed by nothing but fields. A line ending in a
    space has no fields (the padding of ``%-44s `` is the last thing written)."""
    text = body.rstrip()
    if body.endswith(b" "):
        return text, b""
    at = text.rfind(b"  ")
    while at > 0:
        if _LOGRUS_PAIRS_RE.fullmatch(text[at:].lstrip(b" ")):
            return text[:at].rstrip(), text[at:].lstrip(b" ")
        at = text.rfind(b"  ", 0, at)
    return text, b""


def _logrus_time(ts: str) -> tuple[int | None, tuple[int, int, int]] | None:
    """(UTC ns or None without a zone, (month, day, µs of the day) as the canonical klog time)."""
    ns = parse_ts_ns(ts)
    if ns is not None:
        days, rem = divmod(ns // 1000, 86_400_000_000)
        _, mo, d = civil_from_days(days)
        return ns, (mo, d, rem)
    m = _LOCAL_TS_RE.match(ts)
    if m is None:
        return None
    _, mo, d, hh, mi, ss = (int(x) for x in m.groups()[:6])
    if not (1 <= mo <= 12 and 1 <= d <= 31 and hh <= 23 and mi <= 59 and ss <= 60):
        return None
    us = int(((m.group(7) or "") + "000000")[:6])
    return None, (mo, d, ((hh * 60 + mi) * 60 + ss) * 1_000_000 + us)


#: one complete ``"key": value`` member of a JSON object (string, number or literal), then its separator or the end
_JSON_MEMBER_RE = re.compile(
    rb'\s*"((?:[^"\\]|\\.)*)"\s*:\s*("(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null)\s*(?:,|(?=\}))'
)


def _json_cut(line: bytes) -> dict[str, Any] | None:
    """The members of a JSON logging / zap line cut short (``journalctl`` without ``-l`` ends it with ``>``, a
    terminal or a report cuts it mid-value): the complete members in order, the unfinished rest as ``cut`` (kept, not
    dropped), or None when the line is no cut object or its ``msg`` did not survive the cut."""
    if line[:1] != b"{" or line.rstrip().endswith(b"}"):
        return None
    obj: dict[str, Any] = {}
    pos = 1
    while (m := _JSON_MEMBER_RE.match(line, pos)) is not None:
        try:
            obj[json.loads(b'"' + m.group(1) + b'"')] = json.loads(m.group(2))
        except ValueError:
            return None
        pos = m.end()
    rest = line[pos:].strip()
    if "msg" not in obj or not rest:
        return None
    obj["cut"] = rest.decode("utf-8", "replace")
    return obj


def _json_inner(line: bytes) -> InnerResult | None:
    try:
        obj = json.loads(line)
    except ValueError:
        obj = _json_cut(line)
        if obj is None:
            return None
    if not isinstance(obj, dict) or "msg" not in obj:
        return None
    ts = obj.get("ts")
    outer = None
    if isinstance(ts, (int, float)) and not isinstance(ts, bool) and math.isfinite(ts) and abs(ts) < 1e15:
        # current klog writes epoch milliseconds; old documentation showed seconds
        outer = int(round(ts * 1000)) * 1000 if ts > 1e11 else int(round(ts * 1_000_000)) * 1000
        outer = outer if NS_RANGE[0] <= outer < NS_RANGE[1] else None
    elif isinstance(ts, str):
        outer = parse_ts_ns(ts.replace(" ", "T"))
    level = obj.get("level")
    if isinstance(level, str):
        sev = _ZAP_LEVEL.get(level.lower(), "I")
        err_key = "error"
    else:
        sev = "E" if "err" in obj else "I"
        err_key = "err"
    caller = str(obj.get("caller") or "json.go:0")
    file, _, ln = caller.rpartition(":")
    if not ln.isdigit():
        file, ln = caller, "0"
    file = file.rsplit("/", 1)[-1] or "json.go"
    pairs = []
    for k, v in obj.items():
        if k in ("ts", "caller", "msg", "level", "v", "logger"):
            continue
        pairs.append(f"{'err' if k == err_key else k}={go_quote(v)}")
    text_msg = str(obj.get("msg")).rstrip("\r\n")
    # rendered as klog's text format would: quoted when key/value pairs follow, plain otherwise
    msg = go_quote(text_msg) + " " + " ".join(pairs) if pairs else text_msg
    if outer is None:
        return None
    days, rem = divmod(outer // 1000, 86_400_000_000)
    y, mo, d = civil_from_days(days)
    text = canonical_klog(sev, mo, d, rem, 0, file, int(ln), msg.encode("utf-8", "replace"))
    v = obj.get("v")
    return InnerResult(
        text,
        outer_ns=outer,
        verbosity=v if isinstance(v, int) else None,
        fmt="zap" if isinstance(level, str) else "json",
    )


def civil_from_days(z: int) -> tuple[int, int, int]:
    """(year, month, day) of a day number since 1970-01-01."""
    z += 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    return y + (m <= 2), m, d


# ---------------------------------------------------------------------------------------------------------------
@dataclass
class Unwrapped:
    """Result of unwrapping one physical line."""

    inner: bytes | None  # None when the line is a fragment kept for joining
    outer_ns: int | None = None
    stream: int = 0
    fmt: str = "klog"
    unparsed: str | None = None  # reason when the wrapper is broken
    syslog_time: tuple[int, int, int] | None = None  # (month, day, ns of the day) of a year-less syslog prefix
    #: who wrote the line, when the wrapper says (syslog ``host ident``, CloudWatch log stream): a header-less line
    #: from another writer than the line before it starts a record of its own, it cannot continue that one
    key: bytes | None = None
    raw: bytes | None = None  # the text shown for an unparsed entry of several lines (its own lines)
    #: several log events on one physical line (a CloudWatch subscription record, an API response printed without
    #: newlines, the AWS CLI's text output of a list of messages): each is a line of its own at this line number
    events: list[Unwrapped] | None = None


#: the OpenTelemetry Collector's ``debug`` exporter (``logging`` before v0.86) with ``verbosity: detailed`` dumps
#: each batch into the collector's own log, one zap record over many lines: ``ResourceLog #0`` (after the record's
#: ``<time>\t<level>\t``), the resource's attributes (``     -> k8s.pod.name: Str(…)``), ``ScopeLogs #0``, then per
#: log record ``LogRecord #0``, ``ObservedTimestamp:``/``Timestamp: <Go time: 2006-01-02 15:04:05.999999999 -0700
#: MST>``, ``SeverityText:``, ``SeverityNumber:``, ``Body: Str(<line>)``, ``Attributes:`` and ``Trace ID:``,
#: ``Span ID:``, ``Flags:``; the zap record's fields (``\t{"kind": "exporter", …}``) end it
OTEL_DUMP_START_RE = re.compile(rb"^(?:\S+\t\w+\t)?(?:ResourceLog|ScopeLogs|LogRecord) #\d+$")
_OTEL_DUMP_LINE_RE = re.compile(
    rb"^(?:(?:Resource|ScopeLogs) SchemaURL: |Resource attributes:|InstrumentationScope |(?:Observed)?Timestamp: "
    rb"|Severity(?:Text|Number): |Body: |Attributes:| {5}-> |Trace ID: |Span ID: |Flags: |EventName: |\t\{\"kind\": )"
)
_OTEL_TIME_RE = re.compile(rb"^(?:Observed)?Timestamp: (\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d(?:\.\d{1,9})?) ([+-]\d{4}) ")
_OTEL_POD_RE = re.compile(rb"^ {5}-> k8s\.pod\.name: Str\((.*)\)$")


def otel_time(raw: bytes) -> int | None:
    """The time of a ``Timestamp:`` line of the debug exporter; None for the zero time (no time set: 1970)."""
    m = _OTEL_TIME_RE.match(raw)
    ns = None if m is None else parse_ts_ns("{}T{}{}".format(*(g.decode() for g in m.groups())))
    return ns or None


#: the header ``tail`` prints before the lines of each file when it follows several (GNU and BusyBox tail)
TAIL_HEADER_RE = re.compile(rb"^==> (.+) <==\r?$")


@dataclass
class Unwrapper:
    """Stateful per-source wrapper stripping; joins CRI ``P`` and Docker fragments per stream."""

    fmt: str
    max_record_bytes: int = 1 << 20
    partial: dict[int, list[Any]] = field(
        default_factory=dict
    )  # stream -> [first ts, parts, first lineno, size]
    mix: dict[str, int] = field(default_factory=dict)
    months: dict[str, int] | None = None  # localized syslog month names (month_map), None: English
    #: (syslog key, k0s writer) -> [first chunk, parts, first lineno, size, last chunk number] (_k0s_join)
    k0s_chunks: dict[Any, list[Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._wrappers = wrappers(self.months)

    csv_columns: CsvColumns | None = None  # the header of a CSV export (format "csv"), once read
    entry: JournalEntry | None = None  # the `journalctl -o verbose/export` entry being read
    ydoc: list[Any] | None = None  # [first line number, size, lines] of the YAML document being read (_yaml)
    jdoc: PrettyJson | None = None  # the objects of a pretty-printed JSON document being read (_pretty)
    #: the ``<pod> <container>`` prefixes of ``stern`` lines without a time seen so far: a line of the same prefix
    #: that is no klog line (a stack frame, a continuation) is that writer's line too
    stern_keys: set[bytes] = field(default_factory=set)
    #: the ``<pod> <container>`` prefixes seen after a line's time (k9s's saved logs: ``<time> <pod> <container>
    #: <line>``): a timed line whose text starts with one of them is that writer's line (a stack frame)
    time_keys: set[bytes] = field(default_factory=set)
    #: a line of moreutils' ``ts`` was seen (a syslog time, then a klog header): the source's other lines behind
    #: such a time (stack frames, continuations) are its lines too, not syslog lines without a host
    ts_seen: bool = False
    #: ``aws logs tail --format json``: [head, its line number, the lines so far, their size] of an event whose
    #: message, all JSON, is printed with ``json.dumps(indent=4)`` on the lines after its ``<time> <log stream>`` head
    cw_doc: list[Any] | None = None
    #: the writer (host and identifier) of the last journal line: ``journalctl -x`` prints its catalog text for an
    #: entry on the lines after it (:data:`JOURNAL_CATALOG_RE`), lines of that entry
    journal_key: bytes | None = None
    #: the file of the last ``==> <file> <==`` header (``tail`` of several files, :meth:`unwrap`)
    tail_key: bytes | None = None
    #: in a YAML response listing events (:meth:`_yaml`): the top-level key being read (``events:`` or another)
    ylist: bytes | None = None
    #: a debug exporter dump being read (:meth:`_otel`): [its resource's pod, the LogRecord's line, its time]
    otel: list[Any] | None = None

    def in_binary_value(self) -> bool:
        """The next line is bytes of a binary journal field (its length may start with NUL, it may hold ESC)."""
        return self.entry is not None and self.entry.binary is not None

    def unwrap(self, raw: bytes, lineno: int) -> tuple[Unwrapped, int]:
        """Strip the wrapper of one physical line; returns the result and the line number where it started.

        After a ``==> <file> <==`` header of ``tail`` (several files, ``tail -F /var/log/pods/…/*.log``) the lines
        without a writer of their own are that file's (a stack frame continues the record of its file, not the one
        of the file printed last), and ``tail``'s own messages (``tail: '<file>' has been replaced;  following new
        file``) are records of tail's."""
        head = TAIL_HEADER_RE.match(raw) if raw[:4] == b"==> " else None
        if head is not None:
            self.tail_key = head.group(1)
        res, start = self._unwrap_line(raw, lineno)
        if self.tail_key is not None and res.inner is not None and res.key is None:
            # tail's own lines (its headers, the blank line before each, its messages) are no file's lines
            own = head is not None or not res.inner.strip() or res.inner[:6] == b"tail: "
            res.key = b"tail" if own else self.tail_key
        return res, start

    def _unwrap_line(self, raw: bytes, lineno: int) -> tuple[Unwrapped, int]:
        if b"\x1b" in raw and not self.in_binary_value():
            raw = strip_ansi(raw)  # terminal colour codes (stern, logrus and zap console output)
        if self.fmt == "csv":
            return self._csv(raw, lineno)
        if self.cw_doc is not None:
            return self._cw_json(raw, lineno)
        if self.fmt == "syslog" and (self.entry is not None or is_journal_entry_start(raw)):
            return self._journal(raw, lineno)
        if self.fmt == "envelope" and (self.ydoc is not None or self.ylist is not None or raw == b"---"
                                       or raw in YAML_LISTS):
            return self._yaml(raw, lineno)
        if self.fmt == "envelope" and (self.jdoc is not None and self.jdoc.stack or raw.strip() in (b"{", b"[", b"]")):
            return self._pretty(raw, lineno)
        if self.otel is not None or raw[-1:].isdigit() and OTEL_DUMP_START_RE.match(raw):
            res = self._otel(raw, lineno)
            if res is not None:
                return res
        if self.stern_keys and self.fmt == "kubectl":
            words = raw.split(b" ", 3)
            for n in (1, 2, 3):  # kubetail's `[<pod>]`, stern's `[<namespace>] <pod> <container>`
                key = b" ".join(words[:n])
                if len(words) > n and key in self.stern_keys:
                    rest = raw[len(key) + 1 :]
                    if KUBECTL_RE.match(rest):
                        break  # a line with its time: read as such
                    self.mix["kubectl"] = self.mix.get("kubectl", 0) + 1
                    return self._join(Unwrapped(rest, None, 0, "kubectl", key=key), lineno)
        order = _TRY_ORDER.get(self.fmt, _TRY_ORDER["auto"])
        for name in order:
            if name == "kubectl" and self.fmt == "cri" and CRI_BROKEN_RE.match(raw):
                # not a CRI line (tried first) but shaped like one: broken, not a kubectl line (FMT-10)
                return Unwrapped(None, unparsed="CRI line with a bad stream or tag"), lineno
            res = self._wrappers[name](raw)
            if res is None:
                continue
            if name == "syslog":
                self.ts_seen = self.ts_seen or res.key == b"ts"
                self.journal_key = res.key
                res = _nested(res)
            elif res.key is not None and res.fmt == "kubectl":
                if res.key == b"ts":
                    self.ts_seen = True
                elif getattr(res, "_every_line", False):
                    pass  # a prefix on every line (docker compose): no stern prefix to remember
                elif res.outer_ns is None and len(self.stern_keys) < 4096 and raw.startswith(res.key + b" "):
                    self.stern_keys.add(res.key)
                elif getattr(res, "_after_time", False) and len(self.time_keys) < 4096:
                    self.time_keys.add(res.key)
            elif self.time_keys and res.fmt == "kubectl" and res.inner:
                words = res.inner.split(b" ", 3)
                for n in (2, 3):
                    key = b" ".join(words[:n])
                    if len(words) > n and key in self.time_keys:
                        res.inner, res.key = res.inner[len(key) + 1 :], key
                        break
            self.mix[res.fmt] = self.mix.get(res.fmt, 0) + 1
            if res.inner == b"" and res.fmt == "cloudwatch" and res.outer_ns is not None:
                self.cw_doc = [res, lineno, [], 0]  # the message may follow, pretty-printed (aws logs tail)
                return Unwrapped(None, fmt="cloudwatch"), lineno
            return self._join(res, lineno)
        if self.ts_seen and (res := _ts_line(raw)) is not None:
            self.mix[res.fmt] = self.mix.get(res.fmt, 0) + 1
            return self._join(res, lineno)
        if self.journal_key is not None and JOURNAL_CATALOG_RE.match(raw):
            self.mix["syslog"] = self.mix.get("syslog", 0) + 1
            return Unwrapped(raw, None, 0, "syslog", key=self.journal_key), lineno
        if self.fmt in ("docker", "envelope") and raw.lstrip()[:1] == b"{":
            return Unwrapped(None, unparsed="invalid Docker JSON entry"), lineno
        if self.fmt == "envelope" and not raw.strip():
            # a blank line between JSON records (server-sent events end each `data:` with one): framing
            return Unwrapped(None, fmt="envelope"), lineno
        if self.fmt == "cri" and CRI_PREFIX_RE.match(raw):
            return Unwrapped(None, unparsed="CRI line with a bad stream or tag"), lineno
        self.mix["klog"] = self.mix.get("klog", 0) + 1
        return Unwrapped(raw), lineno

    def _journal(self, raw: bytes, lineno: int) -> tuple[Unwrapped, int]:
        """An entry of ``journalctl -o verbose`` or ``-o export`` spans lines (a head, then ``KEY=value`` fields):
        it is one line of its MESSAGE, at the line where the entry starts; its other lines are its fragments."""
        out: tuple[Unwrapped, int] = (Unwrapped(None, fmt="syslog"), lineno)
        if (is_journal_entry_start(raw) and (self.entry is None or self.entry.fields)
                and (self.entry is None or self.entry.binary is None)):
            if self.entry is not None:
                out = self.entry.result()
            self.entry = JournalEntry(lineno)
        if self.entry is None:  # a line between export entries
            return Unwrapped(raw, fmt="syslog"), lineno
        if self.entry.binary is not None and self.entry.take_binary(raw):
            # inside a binary value: its bytes, whatever they look like
            self.mix["syslog"] = self.mix.get("syslog", 0) + 1
            return out
        if not raw.strip():
            # the blank line ending an export entry
            out, self.entry = self.entry.result(), None
            return out
        self.entry.add(raw)
        self.mix["syslog"] = self.mix.get("syslog", 0) + 1
        return out

    def _cw_json(self, raw: bytes, lineno: int) -> tuple[Unwrapped, int]:
        """A line after an ``aws logs tail`` head without a message: the event's JSON message, ``{`` or ``[`` to
        the closer at column 0, is one line (compact JSON) at the head's line, its lines fragments of it; any other
        line ends the empty event (the head stays a fragment) and is read as it is."""
        start, lines = self.cw_doc[1], self.cw_doc[2]  # type: ignore[index]
        s = raw.rstrip()
        if not lines and s not in (b"{", b"["):
            self.cw_doc = None
            return self.unwrap(raw, lineno)
        if self.cw_doc[3] < self.max_record_bytes:  # type: ignore[index]
            lines.append(s)
            self.cw_doc[3] += len(s) + 1  # type: ignore[index]
        self.mix["cloudwatch"] = self.mix.get("cloudwatch", 0) + 1
        if len(lines) == 1 or s not in (b"}", b"]"):
            return Unwrapped(None, fmt="cloudwatch"), lineno
        return self._cw_event(), start

    def _cw_event(self) -> Unwrapped:
        head, _, lines, _ = self.cw_doc  # type: ignore[misc]
        self.cw_doc = None
        text = b"\n".join(lines)
        try:
            text = json.dumps(json.loads(text), separators=(",", ":"), ensure_ascii=False).encode()
        except ValueError:  # cut short or too long: its lines as one text line
            text = b" ".join(ln.strip() for ln in lines)
        return Unwrapped(text, head.outer_ns, 0, "cloudwatch", key=head.key)

    def _yaml(self, raw: bytes, lineno: int) -> tuple[Unwrapped, int]:
        """``gcloud logging read`` (its default YAML output): one LogEntry a document, each after a ``---`` line,
        its text folded over lines: the document is one line (its textPayload or jsonPayload.message, with its
        timestamp and resource labels) at its ``---`` line; its other lines are its fragments."""
        out: tuple[Unwrapped, int] = (Unwrapped(None, fmt="envelope"), lineno)
        # a YAML response listing events (`aws logs … --output yaml`): each `- ` item under `events:` is one line
        # at its first line; the response's other keys, their values and lists (searchedLogStreams) are fragments
        if raw == b"---" or raw in YAML_LISTS or self.ylist is not None and raw[:2] != b"  ":
            if self.ydoc is not None:
                out = self._yaml_entry()
            if raw[:2] != b"- ":
                self.ylist = None if raw == b"---" else raw  # the top-level key read now
            listed = self.ylist in YAML_LISTS and raw[:2] == b"- "
            self.ydoc = [lineno, 0, []] if raw == b"---" else [lineno, len(raw) + 1, [raw]] if listed else None
        elif self.ydoc is None:
            pass  # in a listing, the value of a key that lists no events
        elif self.ydoc[1] < self.max_record_bytes:
            self.ydoc[1] += len(raw) + 1
            self.ydoc[2].append(raw)
        self.mix["envelope"] = self.mix.get("envelope", 0) + 1
        return out

    def _pretty(self, raw: bytes, lineno: int) -> tuple[Unwrapped, int]:
        """Log records printed over lines as JSON (:class:`PrettyJson`): one line at the line where its object
        starts; the document's other lines are its fragments."""
        self.mix["envelope"] = self.mix.get("envelope", 0) + 1
        if self.jdoc is None:
            self.jdoc = PrettyJson(self.max_record_bytes)
        if b'" => ' in raw or raw[:1] == b" " and _RUBY_ELEMENT_RE.match(raw):
            raw = rubydebug_json(raw, len(self.jdoc.stack))
        res, start = self.jdoc.feed(raw, lineno)
        if res is not None and res.inner is not None:
            return self._join(res, start)  # a runtime fragment (journald's CONTAINER_PARTIAL_MESSAGE) joins the next
        return (res if res is not None else Unwrapped(None, fmt="envelope")), start

    def _otel(self, raw: bytes, lineno: int) -> tuple[Unwrapped, int] | None:
        """A line of a debug exporter dump (:data:`OTEL_DUMP_START_RE`): a LogRecord's ``Body: Str(…)`` is its line
        at the ``LogRecord #n`` line, with the record's time (``Timestamp``, else ``ObservedTimestamp``) and its
        resource's pod as the writer; the dump's other lines are fragments. None for a line after the dump."""
        start = OTEL_DUMP_START_RE.match(raw)
        if start is None and _OTEL_DUMP_LINE_RE.match(raw) is None:
            self.otel = None
            return None
        state = self.otel = self.otel or [None, lineno, None]
        out: tuple[Unwrapped, int] = (Unwrapped(None, fmt="envelope"), lineno)
        if start is not None:
            if b"ResourceLog #" in raw:
                state[0] = None  # another resource: its pod comes with its attributes
            state[1:] = [lineno, None]
        elif raw[:1] == b" " and (pod := _OTEL_POD_RE.match(raw)) is not None:
            state[0] = pod.group(1)
        elif raw[:10] == b"Timestamp:" or raw[:18] == b"ObservedTimestamp:" and state[2] is None:
            state[2] = otel_time(raw) or state[2]
        elif raw[:6] == b"Body: ":
            if raw[6:10] == b"Str(" and raw[-1:] == b")":
                out = Unwrapped(raw[10:-1], state[2], 0, "envelope", key=state[0]), state[1]
            else:
                out = Unwrapped(None, fmt="envelope", unparsed=OTLP_RECORD_REASON, raw=raw), state[1]
        elif raw[:9] == b'\t{"kind":':
            self.otel = None  # the zap record's fields: the dump ends
        self.mix["envelope"] = self.mix.get("envelope", 0) + 1
        return out

    def _yaml_entry(self) -> tuple[Unwrapped, int]:
        start, _, lines = self.ydoc  # type: ignore[misc]
        self.ydoc = None
        res = log_entry_yaml(b"\n".join(lines))
        if res.unparsed:
            res.raw = b" ".join(ln.strip() for ln in lines[:4])
        return res, start

    def _csv(self, raw: bytes, lineno: int) -> tuple[Unwrapped, int]:
        if self.csv_columns is None:
            if is_ps_type_line(raw):
                return Unwrapped(None, fmt="csv", unparsed=CSV_HEADER_REASON), lineno
            self.csv_columns = csv_header(raw) or (csv_header(raw, ruled=True) if b"  " in raw else None)
            if self.csv_columns is not None:
                return Unwrapped(None, fmt="csv", unparsed=CSV_HEADER_REASON), lineno
            return Unwrapped(raw, fmt="csv"), lineno
        if self.csv_columns.starts is None:
            # the rule under a header of padded columns says where the columns start; no rule: no such table
            if RULE_RE.match(raw.rstrip()) is None:
                self.csv_columns = None
                return self._csv(raw, lineno)
            self.csv_columns.starts = tuple(m.start() for m in _RULE_RUN_RE.finditer(raw))
            return Unwrapped(None, fmt="csv", unparsed=CSV_HEADER_REASON), lineno
        if self.csv_columns.markdown:
            if MD_SEP_RE.match(raw.rstrip()):
                return Unwrapped(None, fmt="csv", unparsed=CSV_HEADER_REASON), lineno
            res = csv_row(raw, self.csv_columns)
            self.mix["csv"] = self.mix.get("csv", 0) + 1
            return (res if res is not None else Unwrapped(raw, fmt="csv")), lineno
        pend = self.partial.get(-1)
        if pend is not None:
            # a quoted field spanning lines (a multi-line message): the row goes on
            raw = pend[1] + b"\n" + raw
            lineno = pend[0]
        if raw.count(b'"') % 2 and len(raw) < self.max_record_bytes:
            self.partial[-1] = [lineno, raw]
            return Unwrapped(None, fmt="csv"), lineno
        self.partial.pop(-1, None)
        res = csv_row(raw, self.csv_columns)
        self.mix["csv"] = self.mix.get("csv", 0) + 1
        # not a row of the header's shape: the line as it is (header-less text)
        return (res if res is not None else Unwrapped(raw, fmt="csv")), lineno

    def _join(self, res: Unwrapped, lineno: int) -> tuple[Unwrapped, int]:
        k0s = getattr(res, "_k0s", None)
        if k0s is not None:
            return self._k0s_join(res, lineno, k0s[:2], k0s[2])
        partial = getattr(res, "_partial", False)
        pend = self.partial.get(res.stream)
        if partial:
            if pend is None:
                self.partial[res.stream] = [res.outer_ns, [res.inner], lineno, len(res.inner or b"")]
            else:
                if pend[3] < self.max_record_bytes:
                    pend[1].append(res.inner)
                    pend[3] += len(res.inner or b"")
            return Unwrapped(None, fmt=res.fmt), lineno
        if pend is not None:
            del self.partial[res.stream]
            if pend[3] < self.max_record_bytes:
                pend[1].append(res.inner)
            text = b"".join(p for p in pend[1] if p)
            return Unwrapped(text, pend[0], res.stream, res.fmt, key=res.key), pend[2]
        return res, lineno

    def _k0s_join(self, res: Unwrapped, lineno: int, writer: Any, chunk: int | None) -> tuple[Unwrapped, int]:
        """A line relayed by the k0s supervisor (:func:`k0s_relayed`): its ``chunk=N`` records are joined per writer
        (component and stream), whatever other writers' lines come between; a full chunk waits for the next one,
        a shorter one ends the line. A writer's line after a full chunk but no next chunk means the line ended at
        the chunk boundary: the held line is given out first, with the entry (two events at this line number)."""
        pend = self.k0s_chunks.get(writer)
        text = res.inner or b""
        if pend is not None and chunk == pend[4] + 1:
            if pend[3] < self.max_record_bytes:
                pend[1].append(text)
                pend[3] += len(text)
            pend[4] = chunk
            if len(text) >= K0S_CHUNK_BYTES:
                return Unwrapped(None, fmt=res.fmt), lineno
            del self.k0s_chunks[writer]
            return self._k0s_line(pend), pend[2]
        if pend is not None:
            del self.k0s_chunks[writer]
        if chunk is not None and len(text) >= K0S_CHUNK_BYTES:
            self.k0s_chunks[writer] = [res, [text], lineno, len(text), chunk]
            return (self._k0s_line(pend), pend[2]) if pend is not None else (Unwrapped(None, fmt=res.fmt), lineno)
        if pend is None:
            return res, lineno
        return Unwrapped(None, fmt=res.fmt, events=[self._k0s_line(pend), res]), lineno

    @staticmethod
    def _k0s_line(pend: list[Any], fmt: str | None = None) -> Unwrapped:
        """The line of a writer's held k0s chunks, with the first chunk's times, stream and key."""
        return replace(pend[0], inner=b"".join(pend[1]), fmt=fmt or pend[0].fmt)

    def flush(self) -> list[tuple[Unwrapped, int]]:
        """Fragments never ended by a final entry (source ended mid-line) become lines of their own."""
        out = []
        for pend in self.k0s_chunks.values():
            out.append((self._k0s_line(pend, "partial"), pend[2]))  # the source ends after a full chunk: cut short
        self.k0s_chunks.clear()
        if self.cw_doc is not None and self.cw_doc[2]:
            start = self.cw_doc[1]
            out.append((self._cw_event(), start))
        self.cw_doc = None
        if self.entry is not None:
            out.append(self.entry.result())
            self.entry = None
        if self.ydoc is not None:
            out.append(self._yaml_entry())
        if self.jdoc is not None and self.jdoc.stack:
            out.append(self.jdoc.cut_short())  # the document ends inside an object: counted as unparsed
        csv_pend = self.partial.pop(-1, None)
        if csv_pend is not None:
            # a CSV row whose quoted field never closed: its lines as they are
            out.append((Unwrapped(csv_pend[1], fmt="csv"), csv_pend[0]))
        for stream, pend in sorted(self.partial.items()):
            out.append((Unwrapped(b"".join(p for p in pend[1] if p), pend[0], stream, "partial"), pend[2]))
        self.partial.clear()
        return out


CRI_PREFIX_RE = re.compile(rb"^\d{4}-\d\d-\d\dT\S+ \S+ \S")
#: A CRI line whose stream or tag is broken (a known stream with an unknown tag, or an unknown stream with a
#: known tag); it parses as a kubectl line, which must not hide it in a CRI source (FMT-10).
CRI_BROKEN_RE = re.compile(
    rb"^\d{4}-\d\d-\d\dT\S+ (?:(?:stdout|stderr) (?![PF](?::\S*)?(?: |$))\S+|\S+ [PF](?::\S*)?(?: |$))"
)


def _cri(raw: bytes) -> Unwrapped | None:
    m = CRI_RE.match(raw)
    if not m:
        return None
    ns = _ts_groups_ns(m.groups()[:8])
    if ns is None:
        return None
    res = Unwrapped(m.group(11) or b"", ns, 1 if m.group(9) == b"stdout" else 2, "cri")
    res._partial = m.group(10) == b"P"  # type: ignore[attr-defined]
    return res


#: k0s runs the control plane under its supervisor, which logs every line of it again through logrus:
#: ``time="2025-01-28 09:45:35" level=info msg="<the line, Go-quoted>" component=kube-apiserver stream=stderr``
#: (at level info; k0s's own components log with ``component=`` too but no ``stream=``: ``level=error msg="error
#: sending POST request for job kube-scheduler: …" component=metrics``, an event of its own with its level)
LOGRUS_RE = re.compile(rb'^time="[^"]*" level=(\w+) msg="((?:[^"\\]|\\.)*)"(.*)$', re.S)
_GO_ESCAPES = {b"n": b"\n", b"t": b"\t", b'"': b'"', b"\\": b"\\", b"r": b"\r"}
_GO_ESCAPE_RE = re.compile(rb"\\(.)", re.S)


#: the k0s supervisor's own info records about its child (pkg/supervisor/supervisor.go, every version: ``Starting to
#: supervise``, ``Started successfully, go nuts[ pid <n>]``, ``Restarted[ (<n>)]``, ``respawning in <d>``, ``Shutting
#: down pid <n>`` in older versions, ``Requesting graceful shutdown`` in newer ones): logged with ``component=`` but
#: without ``stream=`` like the lines older k0s relayed, they are k0s's events, never the child's (a continuation of
#: its last record); matched on the whole message
K0S_SUPERVISOR_INFO = re.compile(
    rb"Starting to supervise|Started successfully, go nuts(?: pid \d+)?|Restarted(?: \(\d+\))?"
    rb"|respawning in \S+|Shutting down pid \d+|Requesting graceful shutdown"
)


#: the k0s supervisor's line buffer: a longer line is relayed in records ``chunk=1``, ``chunk=2``, … of this many
#: bytes (less up to 3 to end on a UTF-8 character), the last one holding the rest (pkg/supervisor/supervisor.go
#: ``maxLogChunkLen``, logwriter.go); a chunk this long may be followed by the next one
K0S_CHUNK_BYTES = 16 * 1024 - 3
_K0S_CHUNK_RE = re.compile(rb"(?:^| )chunk=(\d+)(?: |$)")
_K0S_COMPONENT_RE = re.compile(rb"(?:^| )component=(\S*)")


def k0s_relayed(line: bytes) -> tuple[bytes, int, bytes, int | None] | None:
    """:func:`k0s_supervised`, plus the writer (component and stream) and the chunk number (None: a whole line)."""
    if line[:6] == b'time="':
        m = LOGRUS_RE.match(line)
        if m is None:
            return None
        level, quoted, fields = m.groups()
        text = _GO_ESCAPE_RE.sub(lambda e: _GO_ESCAPES.get(e.group(1), e.group(0)), quoted)
    elif line[4:5] == b"[" and (t := LOGRUS_TTY_RE.match(line)) is not None:
        # k0s in a terminal (`k0s controller` run by hand): INFO[<time>] <the line, as is>  component=… stream=…
        text, fields = _logrus_tty_split(t.group(3))
        level = {b"INFO": b"info"}.get(t.group(1), t.group(1).lower())
    else:
        return None
    cm = _K0S_COMPONENT_RE.search(fields)
    if cm is None:
        return None
    sm = re.search(rb"(?:^| )stream=(stdout|stderr)(?: |$)", fields)
    if sm is None and (level != b"info" or K0S_SUPERVISOR_INFO.fullmatch(text)):
        # k0s's own warning, error or info record about its child (older k0s relayed its children's lines without
        # stream=, at info, through logrus's Writer(); newer k0s relays each line with stream=)
        return None
    stream = 0 if sm is None else 1 if sm.group(1) == b"stdout" else 2
    chunk = _K0S_CHUNK_RE.search(fields) if b"chunk=" in fields else None
    return text, stream, cm.group(1) + b" " + bytes([48 + stream]), None if chunk is None else int(chunk.group(1))


def k0s_supervised(line: bytes) -> tuple[bytes, int] | None:
    """(the line, its stream: 0 unknown, 1 stdout, 2 stderr) inside a k0s supervisor's logrus record
    (:data:`LOGRUS_RE` with a ``component=`` key, or its terminal form), unquoted; None for any other line (k3s's
    and RKE2's own logrus records have no ``component=``: they are events of their own; so are the supervisor's
    own records, :data:`K0S_SUPERVISOR_INFO`)."""
    rel = k0s_relayed(line)
    return None if rel is None else rel[:2]


def _nested(res: Unwrapped) -> Unwrapped:
    """A container log line forwarded by syslog (rsyslog ``imfile`` on ``/var/log/pods/*/*/*.log`` or
    ``/var/log/containers``): the CRI or Docker line inside the syslog prefix is unwrapped too, so its stream,
    ``P``/``F`` tag or fragment and its nanosecond timestamp (with year) are used as if the file were read; the
    line inside a k0s supervisor's logrus record (:data:`LOGRUS_RE`) is unquoted, with its stream."""
    inner = res.inner
    if not inner:
        return res
    if inner[:6] == b'time="' or inner[4:5] == b"[":
        sup = k0s_relayed(inner)
        if sup is None:
            # k3s's and RKE2's own logrus records are events of their own (canonical_inner reads them)
            return res
        text, stream, writer, chunk = sup
        out = Unwrapped(text, res.outer_ns, stream, res.fmt, syslog_time=res.syslog_time, key=res.key)
        out._k0s = (res.key, writer, chunk)  # type: ignore[attr-defined]  # chunks join per writer (Unwrapper)
        return out
    sub = None
    if inner[:1].isdigit():
        sub = _cri(inner)
        if sub is None and inner[4:5] == b"-" and (m := KUBECTL_RE.match(inner)) is not None:
            # the kubelet's time before the line (`stern -o extjson --timestamps`, a collector reading `kubectl logs
            # --timestamps` output): the line behind it, that time with its year
            ns = _ts_groups_ns(m.groups()[:8])
            sub = None if ns is None else Unwrapped(m.group(9), ns, res.stream, res.fmt)
    elif inner[:1] == b"{" and b'"log"' in inner:
        sub = _docker(inner)
    if sub is None:
        return res
    sub.fmt = res.fmt
    sub.key = res.key
    return sub


#: ``kubectl logs --prefix --timestamps`` (several pods or containers at once): ``[pod/<name>/<container>] <ts> …``
KUBECTL_PREFIX_RE = re.compile(rb"^\[([a-z]+/[^\]\s/]+/[^\]\s/]+)\] ")
#: ``kubetail`` (johanhaleby/kubetail) puts the pod in brackets before every line: ``[<pod>] <line>`` (``-t``: the
#: kubelet time after it); recognised where a time or a klog header follows, the pod's other lines (stack frames)
#: by their prefix then (:attr:`Unwrapper.stern_keys`), as stern's; a pod of several containers (OpenShift's
#: kube-apiserver pod and its sidecars) gets ``[<pod> <container>]``
KUBETAIL_RE = re.compile(
    rb"^(\[[a-z0-9][a-z0-9.\-]{0,252}(?: [a-z0-9][a-z0-9\-]{0,62})?\]) "
    rb"(?=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d|[IWEF]\d{4} \d\d:\d\d:\d\d|\{\")"
)
#: the stream labels ``logcli query`` prints between the time and the line: ``<time> {app="…", pod="…"} <line>``
LOKI_LABELS_RE = re.compile(rb'^\{[\w.]+="(?:[^"\\]|\\.)*"(?:, [\w.]+="(?:[^"\\]|\\.)*")*\} ')


#: ``kail`` (boz/kail) puts ``<namespace>/<pod>[<container>]: `` before every line
KAIL_RE = re.compile(rb"^([a-z0-9][a-z0-9\-]{0,62}/[a-z0-9][a-z0-9.\-]{0,252}\[[a-z0-9][a-z0-9\-]{0,62}\]): ")
#: ``saw watch``/``saw get --pretty`` (TylerBrock/saw, CloudWatch Logs): ``[<RFC 3339, local zone>] (<log stream>)
#: <message>``: the event time (whole seconds) and the writer
SAW_RE = re.compile(rb"^\[" + _TS.encode() + rb"\] \(([^()\s]{1,512})\) ")


#: ``talosctl logs`` puts the node before every line: ``172.20.0.2: <line>``
TALOS_NODE_RE = re.compile(rb"^(\d{1,3}(?:\.\d{1,3}){3}): (?=\S)")
#: ``oc adm node-logs`` (several nodes: ``--role=master``, or a node's ``--path`` file) puts the node name before every
#: line: ``ip-10-0-1-5.ec2.internal <the line>``; read where a CRI time or a syslog time follows the name
NODE_LOGS_RE = re.compile(
    rb"^([a-z0-9][a-z0-9.\-]{0,252}) "
    rb"(?=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\S* (?:stdout|stderr) |[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d )"
)


def _node_line(node: bytes, rest: bytes) -> Unwrapped | None:
    """A node's CRI or syslog line after ``oc adm node-logs``'s node name: the node is (part of) the writer."""
    sub = _cri(rest) or _syslog(rest)
    if sub is None:
        return None
    sub = _nested(sub) if sub.fmt == "syslog" else sub
    sub.key = node + b" " + sub.key if sub.key else node
    sub.fmt = "kubectl"
    return sub


#: ``stern --timestamps``: ``[<namespace>] <pod> <container> <RFC 3339> <line>`` (the namespace with
#: ``--all-namespaces`` or several ``-n``; colour codes dropped before); without ``--timestamps`` ``[<namespace>]
#: <pod> <container> <line>``, recognised where a klog header follows (the other lines of the same pod and
#: container then by their prefix, :attr:`Unwrapper.stern_keys`)
STERN_RE = re.compile(
    rb"^((?:[a-z0-9][\w.\-]{0,62} )?[a-z0-9][\w.\-]{0,252} [a-z0-9][\w.\-]{0,62}) "
    rb"(?=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d|[IWEF]\d{4} \d\d:\d\d:\d\d|\{\")"
)


#: ``podman logs -t`` of several containers (``podman pod logs -t <pod>``, ``podman logs -t <c1> <c2>``): the
#: container's short ID (12 hex digits) before the time, which podman writes with all nine fractional digits and
#: the log file's offset (``2006-01-02T15:04:05.000000000Z07:00``), or with ``--names`` the container's name; a
#: CRI line after a word is ``oc adm node-logs``' (:data:`NODE_LOGS_RE`)
PODMAN_RE = re.compile(
    rb"^([a-zA-Z0-9][\w.\-]{0,252}) (?=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}(?:Z|[+-]\d\d:\d\d) "
    rb"(?!(?:stdout|stderr) [PF]\b))"
)


#: ``docker compose logs`` (``docker-compose logs``; kube-apiserver and etcd run as compose services, k3s in a
#: compose file) puts the container before every line, padded to the longest name: ``<service>_1  | <line>``
#: (compose v2: ``<service>-1``; ``-t``: the runtime's RFC 3339 time after the bar); every line has it; the replica
#: number is required, so that a text line such as ``kube-system  | Running`` is no prefix
COMPOSE_RE = re.compile(rb"^([a-z0-9][\w.\-]{0,250}[_\-]\d{1,4}) {2,}\| ")


#: Tab-separated lines with a time first (:func:`_grafana_txt`): Grafana's "Download logs" text file (Explore, logs
#: panels): ``<epoch ms>\t<ISO 8601 UTC>\t<line>``; before Grafana 10
#: ``<YYYY-MM-DD hh:mm:ss.SSS>\t<line>`` in the browser's zone (no zone: read as UTC, only its year matters to a klog
#: line, TIME-3), after ``<label>: <JSON>`` meta lines and two blank lines
GRAFANA_TXT_RE = re.compile(
    rb"^(?:(\d{12,14})\t)?(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:[.,](\d{1,9}))?(Z|[+-]\d\d:?\d\d)?\t(.*)$",
    re.S,
)


#: Fluentd's ``out_file`` format: ``<time>\t<tag>\t<the record as JSON>``
FLUENTD_FILE_RE = re.compile(rb"^([\w.\-]{1,512})\t(?=\{)")
#: Fluentd's ``out_stdout`` (and ``filter_stdout``) format: ``<time with ns> <offset> <tag>: <the record as JSON>``
#: (``2024-12-31 23:59:58.870429103 +0000 kubernetes.var.log.containers….log: {"log": …}``), spaces, not tabs
FLUENTD_STDOUT_RE = re.compile(
    rb"^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))? ([+-]\d\d:?\d\d) ([\w.\-]{1,512}): (?=\{\")"
)


def _fluentd_stdout(raw: bytes) -> Unwrapped | None:
    """A Fluentd ``out_stdout`` line (:data:`FLUENTD_STDOUT_RE`): the record's line, its time (else the output time),
    the tag and the record's writer; the tag alone keeps a record that is no log record (its JSON is the text)."""
    m = FLUENTD_STDOUT_RE.match(raw)
    if m is None or (ns := _ts_groups_ns(m.groups()[:8])) is None:
        return None
    tag, record = m.group(9), raw[m.end() :]
    return _prefixed_record(tag, record, ns) or Unwrapped(record, ns, 0, "kubectl", key=tag)


def _time_row(regex: re.Pattern[bytes], raw: bytes) -> tuple[tuple[Any, ...], int] | None:
    """The groups of a row whose groups 2-9 are an ISO time (zone group 9 optional: UTC) and that time in ns."""
    m = regex.match(raw)
    if m is None:
        return None
    g = m.groups()
    ns = _ts_groups_ns((*g[1:8], g[8] or "Z"))
    return None if ns is None else (g, ns)


def _grafana_txt(raw: bytes) -> Unwrapped | None:
    row = _time_row(GRAFANA_TXT_RE, raw)
    if row is None:
        return None
    g, ns = row
    if g[0] is not None:
        ns = int(g[0]) * 10**6  # the exact instant (the ISO text is the same one, in UTC)
    text = g[9]
    if text[-14:] == b"\tPrimaryResult":
        text = az_tsv_line(text)[0]
    tag = FLUENTD_FILE_RE.match(text) if g[0] is None else None
    if tag is not None:
        # Fluentd's out_file: the record's JSON after the tag; the runtime's time in it is the more exact one
        res = _docker(text[tag.end() :])
        if res is not None and res.inner is not None and not res.events:
            out = Unwrapped(res.inner, res.outer_ns or ns, res.stream, "kubectl", key=tag.group(1))
            out._partial = getattr(res, "_partial", False)  # type: ignore[attr-defined]
            return out
    return Unwrapped(text, ns, 0, "kubectl")


#: ``awslogs get <group> <streams> [--timestamp] [--ingestion-time]`` (jorgebastida/awslogs, common for EKS control
#: plane logs): ``<group> <stream> [<time>] [<ingestion time>] <message>``, group and stream padded with spaces; with
#: ``-G`` the group is left out (then the stream must be an EKS log stream, ``<component>-<32 hex digits>``)
AWSLOGS_RE = re.compile(rb"^(?:(/[^\s]+) +([^\s]+)|([a-z][a-z\-]*-[0-9a-f]{32})) +")
_ISO_MS_Z_RE = re.compile(rb"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z ")


#: Papertrail's archives (``<yyyy-mm-dd>.tsv.gz``): ``<id>\t<generated_at>\t<received_at>\t<source_id>\t<source_name>
#: \t<source_ip>\t<facility>\t<severity>\t<program>\t<message>``, times as ``2011-02-10 00:19:36 -0800``; the sender
#: and program are the writer (the syslog ``host ident``)
PAPERTRAIL_TSV_RE = re.compile(
    rb"^\d{1,20}\t(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:[.,](\d{1,9}))? ?(Z|[+-]\d\d:?\d\d)?\t[^\t]*\t[^\t]*"
    rb"\t([^\t]*)\t[^\t]*\t[^\t]*\t[^\t]*\t([^\t]*)\t(.*)$",
    re.S,
)


def _papertrail_tsv(raw: bytes) -> Unwrapped | None:
    m = PAPERTRAIL_TSV_RE.match(raw)
    if m is None:
        return None
    g = m.groups()
    ns = _ts_groups_ns((*g[:7], g[7] or "Z"))
    return None if ns is None else Unwrapped(g[10], ns, 0, "kubectl", key=g[8] + b" " + g[9])


#: the Datadog Agent's ``agent stream-logs`` (what the Agent ships, printed for debugging): ``Integration Name: <source
#: name> | Type: <file|docker|…> | Status: <status> | Timestamp: <Go time.Time: 2006-01-02 15:04:05.999999999 -0700
#: MST> | Hostname: <host> | Service: … | Source: … | Tags: … | Message: <line>`` (hostname, service, source and tags
#: since Agent 7.27); the time is the event's, the integration and host are the writer, the status is the Agent's
#: guess (``error`` for stderr), not the line's severity
DD_STREAM_RE = re.compile(
    rb"^Integration Name: (.*?) \| Type: [^|]* \| Status: [^|]* \| Timestamp: (\d{4}-\d\d-\d\d) "
    rb"(\d\d:\d\d:\d\d(?:\.\d{1,9})?) ([+-]\d{4}) \S+(?: m=[+-][\d.]+)?(?: \| Hostname: ([^|]*))?.*? \| Message: ",
    re.S,
)


def _dd_stream(raw: bytes) -> Unwrapped | None:
    m = DD_STREAM_RE.match(raw)
    if m is None:
        return None
    name, day, clock, zone, host = m.groups()
    ns = parse_ts_ns(f"{day.decode()}T{clock.decode()}{zone.decode()}")
    key = b" ".join(k.strip() for k in (host, name) if k and k.strip()) or None
    return Unwrapped(raw[m.end() :], ns, 0, "kubectl", key=key)


#: the header row of a table output (``gcloud logging read --format="table(timestamp,textPayload)"``: the keys in
#: capitals, columns padded with spaces): counted, no log line
TABLE_HEADER_RE = re.compile(rb"^[A-Z][A-Z0-9_.]*(?: {2,}[A-Z][A-Z0-9_.]*)+ *$")
TABLE_HEADER_REASON = "table header (column names)"


#: moreutils' ``ts '%Y-%m-%d %H:%M:%.S'`` (``%F %T``), ``aws logs tail --format short`` (``%Y-%m-%dT%H:%M:%S``,
#: UTC): a zone-less time (read as UTC, as Grafana's: only its year matters to a klog line, TIME-3) and the line;
#: known by the klog header after it, the source's other lines then by their time alone (:func:`_ts_line`)
TS_ISO_RE = re.compile(
    rb"^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:[.,](\d{1,9}))? (?=[IWEF]\d{4} \d\d:|\{\")"
)


def _ts_iso(raw: bytes, m: re.Match[bytes] | None) -> Unwrapped | None:
    ns = _ts_groups_ns((*m.groups()[:7], "Z")) if m is not None else None
    return None if ns is None else Unwrapped(raw[m.end() :], ns, 0, "kubectl", key=b"ts")  # type: ignore[union-attr]


#: ``az monitor log-analytics query ... -o tsv``: a row's values tab-separated in the query's column order, the
#: ``TableName`` column (``PrimaryResult``) last; other columns (a time, a pod name) have no spaces
_AZ_TABLE = b"\tPrimaryResult"


def az_tsv_line(row: bytes) -> tuple[bytes, int | None]:
    """The line of an ``az -o tsv`` row that starts with it (and its time, from an ISO time column after it): the
    columns after it are cut off from the right while they hold no space (a message's own tab-separated tail with
    spaces stays)."""
    parts, ns = row[: -len(_AZ_TABLE)].split(b"\t"), None
    while len(parts) > 1 and b" " not in parts[-1] and len(parts[-1]) <= 256:
        col = parts.pop()
        if col[4:5] == b"-" and (m := TS_RE.match(col.decode("ascii", "replace"))) is not None:
            ns = _ts_groups_ns(m.groups())
    return b"\t".join(parts), ns


def _kubectl(raw: bytes) -> Unwrapped | None:
    if raw[:18] == b"Integration Name: ":
        return _dd_stream(raw)
    if raw[-14:] == _AZ_TABLE and raw[:1] in b"IWEF":
        text, ns = az_tsv_line(raw)  # the line first, its time after it: ``project LogMessage, TimeGenerated``
        return Unwrapped(text, ns, 0, "kubectl")
    if raw[:1].isupper() and b"  " in raw[:64] and TABLE_HEADER_RE.match(raw):
        return Unwrapped(None, fmt="kubectl", unparsed=TABLE_HEADER_REASON)
    if raw[10:11] == b" " and raw[4:5] == b"-":
        res = _ts_iso(raw, TS_ISO_RE.match(raw)) or _fluentd_stdout(raw)
        if res is not None:
            return res
    if b"\t" in raw[:40]:
        return _grafana_txt(raw) or _papertrail_tsv(raw)
    key = None
    if raw[:1] == b"/" or raw[32:64].count(b"-") and CW_STREAM_RE.match(raw):
        p = AWSLOGS_RE.match(raw)
        if p is None:
            return None
        key, raw = b" ".join(g for g in p.groups() if g), raw[p.end() :]
        m = KUBECTL_RE.match(raw) if _ISO_MS_Z_RE.match(raw) else None
        if m is None:
            return Unwrapped(raw, None, 0, "kubectl", key=key)  # without --timestamp: the writer, no time
        text = m.group(9)
        ns = _ts_groups_ns(m.groups()[:8])
        return Unwrapped(text[24:] if _ISO_MS_Z_RE.match(text) else text, ns, 0, "kubectl", key=key)
    loose = False  # a stern or kubetail prefix: known by what follows it (a time, a klog header, a JSON record)
    if raw[:1] == b"[":
        p = KUBECTL_PREFIX_RE.match(raw)
        if p is None and raw[1:2].isdigit() and (s := SAW_RE.match(raw)) is not None:
            ns = _ts_groups_ns(s.groups()[:8])
            return None if ns is None else Unwrapped(raw[s.end() :], ns, 0, "kubectl", key=s.group(9))
        if p is None:
            p, loose = KUBETAIL_RE.match(raw), True
        if p is None:
            return None
        key, raw = p.group(1), raw[p.end() :]
    elif raw[:1].isdigit() and raw[1:4].count(b".") == 1:
        p = TALOS_NODE_RE.match(raw)
        if p is not None:
            key, raw = p.group(1), raw[p.end() :]
            # `talosctl logs -k <pod>:<container>`: the container's CRI line behind the node, stream and P/F kept
            if raw[4:5] == b"-" and raw[10:11] == b"T" and (sub := _node_line(key, raw)) is not None:
                return sub
    elif raw[:1].isalnum() and b" " in raw[:254] and (p := PODMAN_RE.match(raw)) is not None:
        key, raw = p.group(1), raw[p.end() :]
    elif b" " in raw[:300]:
        if b"  | " in raw[:260] and (p := COMPOSE_RE.match(raw)) is not None:
            key, raw = p.group(1), raw[p.end() :]
            m = KUBECTL_RE.match(raw)
            ns = _ts_groups_ns(m.groups()[:8]) if m else None
            if ns is not None:
                raw = m.group(9)  # type: ignore[union-attr]
            res = _prefixed_record(key, raw, ns) if raw[:2] == b'{"' else None
            res = res or Unwrapped(raw, ns, 0, "kubectl", key=key)
            res._every_line = True  # type: ignore[attr-defined]
            return res
        p = STERN_RE.match(raw)
        if p is None and b"]: " in raw[:340]:
            p = KAIL_RE.match(raw)
        if p is not None:
            key, raw, loose = p.group(1), raw[p.end() :], True
        elif (p := NODE_LOGS_RE.match(raw)) is not None:
            return _node_line(p.group(1), raw[p.end() :])
    m = KUBECTL_RE.match(raw)
    if not m and key is None and raw[10:11] == b"T" and raw[4:5] == b"-":
        return _ts_iso(raw, TS_ISO_RE.match(raw))  # a zone-less time (tried after the zoned one: no cost to it)
    if not m:
        if key is not None and raw[:2] == b'{"':
            # a collector's JSON record behind the prefix (`kubectl logs --prefix` or stern of a Vector sidecar)
            res = _prefixed_record(key, raw, None)
            if res is not None or loose:
                return res
        # `--prefix` without `--timestamps`, `talosctl logs`: the writer without a time
        return None if key is None else Unwrapped(raw, None, 0, "kubectl", key=key)
    ns = _ts_groups_ns(m.groups()[:8])
    if ns is None:
        return None
    text = m.group(9)
    if key is None and (text[:1].islower() or text[:1].isdigit()) and (p := STERN_RE.match(text)) is not None:
        # k9s's saved logs put the pod and container after the time: `<time> <pod> <container> <line>`
        res = Unwrapped(text[p.end() :], ns, 0, "kubectl", key=p.group(1))
        res._after_time = True  # type: ignore[attr-defined]
        return res
    if text[:1] == b"{":
        labels = LOKI_LABELS_RE.match(text)
        if labels is not None:
            key, text = text[: labels.end() - 1], text[labels.end() :]
        elif text[:2] == b'{"':
            res = _prefixed_record(key, text, ns)
            if res is not None:
                return res
    # the pod/container of a --prefix line (the labels of a Loki stream) is its writer: lines of several interleave
    return Unwrapped(text, ns, 0, "kubectl", key=key)


def _prefixed_record(key: bytes | None, text: bytes, ns: int | None) -> Unwrapped | None:
    """A collector's JSON record (:func:`_envelope`) after a writer prefix and maybe a time: its line, its time (else
    the prefix's), the prefix and the record's writer; None when the JSON is no such record (a stern or kubetail
    prefix is then no prefix either)."""
    res = _docker(text)
    if res is None or res.inner is None or res.events or getattr(res, "_partial", False):
        return None
    key = b" ".join(k for k in (key, res.key) if k) or None
    return Unwrapped(res.inner, res.outer_ns if res.outer_ns is not None else ns, res.stream, "kubectl", key=key)


#: JSON records of log collectors and exports, one object a line (``envelope``): the line is under ``log``
#: (Fluent Bit, Fluentd), ``message`` (Vector, OpenShift logging, Elasticsearch/OpenSearch NDJSON exports, also
#: inside a hit's ``_source``), ``MESSAGE`` (``journalctl -o json``), ``textPayload`` (Google Cloud Logging) or
#: ``line`` (``logcli query -o jsonl``) or ``_raw`` (Splunk) or ``@message`` (a CloudWatch Logs Insights result
#: row, :class:`PrettyJson`) or ``short_message`` (GELF: Docker's gelf log driver) or ``LogMessage`` (an Azure Log
#: Analytics ContainerLogV2 row, ``az monitor log-analytics query``) or, last, ``event`` (a Splunk HTTP Event
#: Collector payload) or ``content`` (a Dynatrace log record) or ``@rawstring`` (a Falcon LogScale/Humio event, its
#: search API's NDJSON or JSON output, ``@timestamp`` in epoch ms; last: a parsed event's ``log`` field is the line)
#: or ``_msg`` (a VictoriaLogs query answer, JSON lines with ``_time`` and the ``_stream`` labels) or ``_line`` (a
#: LogDNA/Mezmo export, JSON lines newest first, ``_ts`` in epoch ms, ``_host`` and ``_app``) or ``MESSAGE`` of
#: syslog-ng's ``$(format-json …)`` template (``ISODATE`` the time, ``HOST`` and ``PROGRAM`` the writer); a text
#: key whose value is a JSON logging or zap record (an object with ``msg``: ``kail --output json``, a collector that
#: parsed the JSON line) is that record as a line of JSON; the first time key found is the outer time (RFC 3339 text, a
#: zone-less one read as UTC, ``__REALTIME_TIMESTAMP`` µs, or epoch s/ms/µs/ns numbers; Papertrail's search API:
#: ``generated_at``, ``received_at``)
_ENV_TEXT_KEYS = ("log", "MESSAGE", "textPayload", "message", "line", "_raw", "@message", "short_message",
                  "LogMessage", "event", "content", "@rawstring", "_msg", "_line")
_ENV_TEXT_BYTES = tuple(f'"{k}"'.encode() for k in _ENV_TEXT_KEYS)
_ENV_TIME_KEYS = (
    "time", "timestamp", "@timestamp", "_SOURCE_REALTIME_TIMESTAMP", "__REALTIME_TIMESTAMP", "date", "_time",
    "TimeGenerated", "generated_at", "received_at", "_ts", "ISODATE",
)  # fmt: skip
#: who wrote the line (the writer key of :class:`Unwrapped`): journald fields, then Kubernetes metadata
_ENV_WRITER_KEYS = ("_HOSTNAME", "SYSLOG_IDENTIFIER", "_COMM", "host", "hostname", "pod", "@logStream",
                    "logStreamName", "_container_name", "PodName", "_stream", "program", "_host", "_app", "HOST",
                    "PROGRAM")
_ENV_K8S_KEYS = ("namespace_name", "pod_name", "container_name")
#: the marks of a fragment of a line over the runtime's limit, joined with the next record of the stream: (key,
#: value, the key whose "true" marks the last part anyway): ``logtag``/``_p`` ``P`` of Fluent Bit's CRI parser,
#: Docker's fluentd and journald log drivers' ``partial_message``/``CONTAINER_PARTIAL_MESSAGE`` (with the part's
#: ordinal and ``partial_last``: some Docker versions mark the last part partial too)
_ENV_PARTIAL = (
    ("logtag", "P", ""), ("_p", "P", ""), ("partial_message", "true", "partial_last"),
    ("CONTAINER_PARTIAL_MESSAGE", "true", "CONTAINER_PARTIAL_LAST"),
)  # fmt: skip


#: a CloudWatch Logs subscription record (Kinesis, Firehose to S3, Lambda; gunzipped): ``{"messageType":
#: "DATA_MESSAGE", "logGroup": …, "logStream": …, "logEvents": [{"id": …, "timestamp": <ms>, "message": …}, …]}``;
#: Firehose writes them one after another, without a newline unless told to
CW_SUBSCRIPTION_REASON = (
    "CloudWatch Logs subscription records run together on one line (not read: give one record a line, "
    "e.g. jq -c '.logEvents[]')"
)
CW_CONTROL_REASON = "CloudWatch Logs subscription control message"
CW_EVENT_REASON = "log event without a message"


def _cw_subscription(obj: dict[str, Any] | None) -> Unwrapped:
    """A subscription record: each log event is a line (its time, its log stream the writer; several events are
    :attr:`Unwrapped.events`); records run together (no newline between them) are counted with a reason that says
    how to read them."""
    events = obj.get("logEvents") if obj is not None else None
    if obj is not None and obj.get("messageType") == "CONTROL_MESSAGE":
        return Unwrapped(None, fmt="envelope", unparsed=CW_CONTROL_REASON)
    if not (isinstance(events, list) and events):
        return Unwrapped(None, fmt="envelope", unparsed=CW_SUBSCRIPTION_REASON)
    stream = obj.get("logStream") if obj is not None else None
    key = json_utf8(stream) if isinstance(stream, str) else None
    return _several([_cw_event(e, key) for e in events])


def _cw_event(event: Any, key: bytes | None) -> Unwrapped:
    msg = event.get("message") if isinstance(event, dict) else None
    text = _env_text(msg) if isinstance(msg, (str, list)) else None
    if text is None:
        return Unwrapped(None, fmt="envelope", unparsed=CW_EVENT_REASON)
    when = event.get("timestamp")
    # epoch ms as an int stays exact (a float of 1.7e12 ms has no room for the nanoseconds)
    ns = _epoch_ns(when) if isinstance(when, (int, float)) and not isinstance(when, bool) else None
    res = _nested(Unwrapped(text, ns, 0, "envelope", key=key))
    res.fmt = "envelope"
    return res


def _several(events: list[Unwrapped]) -> Unwrapped:
    """One event as it is, several as :attr:`Unwrapped.events` of one line."""
    if len(events) == 1:
        return events[0]
    return Unwrapped(None, fmt="envelope", events=events)


#: the OpenTelemetry Collector's ``file`` exporter (OTLP JSON, one export request a line): ``{"resourceLogs":
#: [{"resource": {"attributes": [...]}, "scopeLogs": [{"logRecords": [{"timeUnixNano": "<ns>", "body":
#: {"stringValue": <line>}, ...}, ...]}]}]}``; the resource's ``k8s.pod.name``/``k8s.container.name``/``host.name``
#: are the writer
OTLP_REASON = "OpenTelemetry OTLP JSON export without log records"
OTLP_RECORD_REASON = "OpenTelemetry log record without a string body"
_OTLP_WRITER_KEYS = ("host.name", "k8s.pod.name", "k8s.container.name")


def _otlp_attrs(attrs: Any) -> dict[str, Any]:
    if not isinstance(attrs, list):
        return {}
    return {a.get("key"): next(iter(a["value"].values()), None) for a in attrs
            if isinstance(a, dict) and isinstance(a.get("value"), dict) and a["value"]}


def _otlp_logs(obj: dict[str, Any]) -> Unwrapped:
    """Each log record of an export request is a line (its time, its resource the writer; several records are
    :attr:`Unwrapped.events`)."""
    found = [(rl, rec) for rl in obj["resourceLogs"] if isinstance(rl, dict)
             for sl in rl.get("scopeLogs") or () if isinstance(sl, dict)
             for rec in sl.get("logRecords") or ()] if isinstance(obj["resourceLogs"], list) else []
    if not found:
        return Unwrapped(None, fmt="envelope", unparsed=OTLP_REASON)
    return _several([_otlp_record(rl, rec) for rl, rec in found])


def _otlp_record(rl: dict[str, Any], rec: Any) -> Unwrapped:
    body = rec.get("body") if isinstance(rec, dict) else None
    line = body.get("stringValue") if isinstance(body, dict) else None
    text = _env_text(line) if isinstance(line, str) else None
    if text is None:
        return Unwrapped(None, fmt="envelope", unparsed=OTLP_RECORD_REASON)
    when = rec.get("timeUnixNano") or rec.get("observedTimeUnixNano")
    ns = int(when) if isinstance(when, (int, str)) and str(when).isdigit() and int(when) > 0 else None
    ns = ns if ns is None or NS_RANGE[0] <= ns < NS_RANGE[1] else None
    attrs = _otlp_attrs(rl.get("resource", {}).get("attributes") if isinstance(rl.get("resource"), dict) else None)
    writer = " ".join(str(attrs[k]) for k in _OTLP_WRITER_KEYS if attrs.get(k)) or None
    stream = {"stdout": 1, "stderr": 2}.get(_otlp_attrs(rec.get("attributes")).get("log.iostream"), 0)
    res = _nested(Unwrapped(text, ns, stream, "envelope", key=json_utf8(writer) if writer else None))
    res.fmt = "envelope"
    return res


#: Grafana Loki's answer to a log query saved by ``curl`` (``/loki/api/v1/query_range`` or ``/query``: ``{"status":
#: "success", "data": {"resultType": "streams", "result": [{"stream": {<labels>}, "values": [["<epoch ns>",
#: <line>], …]}, …], "stats": …}}``), and the same ``streams`` list of its push body and tail messages: each value is
#: a line, its epoch ns (a string) the outer time, the stream's labels the writer; the values keep the answer's order
#: (newest first by default: ``direction=backward``)
LOKI_REASON = "Grafana Loki answer without log lines"
LOKI_VALUE_REASON = "Grafana Loki stream value that is no [<epoch ns>, <line>] pair"
_LOKI_STREAM_KEYS = frozenset(("streams", "dropped_entries"))
_LOKI_RE = re.compile(rb'"resultType":\s*"streams"|^\{\s*"streams":\s*\[')


def _loki_streams(streams: Any) -> Unwrapped:
    """The values of a Loki answer's streams, each a line (:attr:`Unwrapped.events`)."""
    events = []
    for st in streams if isinstance(streams, list) else ():
        labels = st.get("stream") if isinstance(st, dict) else None
        key = None
        if isinstance(labels, dict) and labels:
            key = " ".join(str(v) for _, v in sorted(labels.items())).encode("utf-8", "replace")
        values = st.get("values") if isinstance(st, dict) else None
        for v in values if isinstance(values, list) else ():
            # [ns, line] or, with structured metadata (Loki 3), [ns, line, {metadata}]
            ok = isinstance(v, list) and len(v) in (2, 3) and isinstance(v[0], str) and v[0].isdigit()
            text = _env_text(v[1]) if ok and isinstance(v[1], str) else None
            if text is None:
                events.append(Unwrapped(None, fmt="envelope", unparsed=LOKI_VALUE_REASON))
                continue
            res = _nested(Unwrapped(text, _epoch_ns(int(v[0])), 0, "envelope", key=key))
            res.fmt = "envelope"
            events.append(res)
    return _several(events) if events else Unwrapped(None, fmt="envelope", unparsed=LOKI_REASON)


def _envelope(obj: dict[str, Any]) -> Unwrapped | None:
    """A collector's or an export's JSON record (see :data:`_ENV_TEXT_KEYS`); None for other JSON objects (JSON
    logging and zap lines have ``msg``; audit events no text key)."""
    if "logEvents" in obj and "messageType" in obj:
        return _cw_subscription(obj)
    if "resourceLogs" in obj:
        return _otlp_logs(obj)
    data = obj.get("data")
    if isinstance(data, dict) and data.get("resultType") == "streams":
        return _loki_streams(data.get("result"))
    if isinstance(obj.get("streams"), list) and obj.keys() <= _LOKI_STREAM_KEYS:
        return _loki_streams(obj["streams"])
    listed = _env_listed(obj)
    if listed is not None:
        return listed
    if isinstance(obj.get("_source"), dict):
        obj = obj["_source"]  # an Elasticsearch/OpenSearch hit (elasticdump, _search output)
    if "msg" in obj:
        return None
    body = _env_body(obj)
    if body is None:
        return None
    key = next(k for k in _ENV_TEXT_KEYS if _is_text(body.get(k)))
    text = _env_text(body[key])
    if text is None:
        return None
    stream = {"stdout": 1, "stderr": 2}.get(body.get("stream", obj.get("stream")), 0)
    when = _env_time(obj)
    writers = [_env_writer(obj)]
    if body is not obj:
        when = _env_time(body) if when is None else when
        writers.append(_env_writer(body))
    writer = b" ".join(w for w in writers if w) or None
    res = Unwrapped(text, when, stream, "envelope", key=writer)
    res._partial = any(  # type: ignore[attr-defined]
        obj.get(k) == v and obj.get(last) != "true" for k, v, last in _ENV_PARTIAL if k in obj
    )
    if not res._partial:  # type: ignore[attr-defined]
        res = _nested(res)
        res.fmt = "envelope"
    return res


#: API responses that list log records, printed on one line (``curl`` of the API, a compact ``jq -c .``, a copy
#: without newlines): ``aws logs get-log-events``/``filter-log-events`` ``{"events": [...]}``, Elasticsearch's
#: ``_search`` ``{"hits": {"hits": [...]}}``, Datadog's Logs API ``{"data": [{"attributes": {...}}]}``, Dynatrace's
#: Logs API ``{"results": [...], "nextSliceKey": …}``, New Relic's NerdGraph NRQL answer
#: ``{"data": {"actor": {"account": {"nrql": {"results": [...]}}}}}``, the Kubernetes Dashboard's log API
#: (``/api/v1/log/<namespace>/<pod>/<container>``: ``{…, "logs": [{"timestamp": <kubelet time>, "content": <line>}]}``)
_ENV_LIST_PATHS = (("events",), ("hits", "hits"), ("data",), ("results",),
                   ("data", "actor", "account", "nrql", "results"), ("logs",))


#: the start of such a response (or of a subscription or OTLP record): one longer than the detection's sample is read
#: as ``envelope`` all the same; one cut by the reader (longer than a block) cannot be read and is counted with a
#: reason that says how to read it, never a record of JSON text
_LISTING_STARTS = (b'"events":[', b'"hits":{', b'"data":[{', b'"logEvents":[', b'"resourceLogs":[', b'"results":[{',
                   b'"nrql":{"results":[', b'"logs":[{')
CUT_LISTING_REASON = (
    "JSON response of log records on one line, too long to read whole (not read: give one record a line, "
    "e.g. jq -c '.events[]', '.hits.hits[]', '.data[]', '.results[]' or '.logEvents[]')"
)


def is_cut_listing(line: bytes) -> bool:
    """A line that starts a JSON response listing log records (:data:`_ENV_LIST_PATHS`)."""
    head = line[:512]
    return head.lstrip()[:2] == b'{"' and any(k in head for k in _LISTING_STARTS)


def _env_listed(obj: dict[str, Any]) -> Unwrapped | None:
    """The records listed in a response (:data:`_ENV_LIST_PATHS`), each a line; None when the object lists none."""
    for path in _ENV_LIST_PATHS:
        items: Any = obj
        for k in path:
            items = items.get(k) if isinstance(items, dict) else None
        if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
            continue
        found = [_envelope(i) for i in items]
        if all(r is not None and not getattr(r, "_partial", False) for r in found):
            for r in found:
                r.fmt = "envelope"  # type: ignore[union-attr]
            return _several(found)  # type: ignore[arg-type]
    return None


#: objects that hold the record inside the envelope: Azure resource logs (AKS diagnostic settings to a storage
#: account or Event Hubs: ``{"time": …, "category": "kube-apiserver", "properties": {"log": …, "pod": …}}``) and
#: Google Cloud Logging's ``jsonPayload``, and Splunk's search export (``search/jobs/export?output_mode=json``:
#: ``{"preview": false, "offset": 0, "result": {"_raw": …, "_time": …, "host": …}}``), and a Datadog Logs API
#: item's ``attributes`` (``{"attributes": {"message": …, "timestamp": …, "host": …}, "type": "log", "id": …}``),
#: and Vector's ``native_json`` codec (a ``console`` or ``file`` sink: ``{"log": {"message": …, "timestamp": …,
#: "kubernetes": {…}}}``, the event under ``log``; a Docker or Fluent Bit ``log`` is a string, the line itself)
_ENV_BODY_KEYS = ("properties", "jsonPayload", "result", "attributes", "log")


def _env_body(obj: dict[str, Any]) -> dict[str, Any] | None:
    """The object that has the line: the record itself, or one of :data:`_ENV_BODY_KEYS`; None without a line."""
    for body in (obj, *(obj.get(k) for k in _ENV_BODY_KEYS)):
        if isinstance(body, dict) and any(_is_text(body.get(k)) for k in _ENV_TEXT_KEYS):
            return body
    return None


def _is_text(value: Any) -> bool:
    """A record's line: a string, journald's byte array, or a JSON logging/zap record parsed into an object."""
    return isinstance(value, (str, list)) or isinstance(value, dict) and isinstance(value.get("msg"), str)


def json_utf8(value: str) -> bytes:
    """A JSON string value as bytes. ``\\ud800`` escapes (and encoded surrogates, which ``json.loads`` passes) give
    lone surrogates that strict UTF-8 cannot encode: they are kept as their bytes, so the line is decoded with
    replacement and counted like any invalid UTF-8 (ROB-1) instead of raising."""
    try:
        return value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return value.encode("utf-8", "surrogatepass")


def _env_text(value: Any) -> bytes | None:
    """The line of a record: a string, journald's byte array for a message that is not UTF-8, or a parsed JSON
    logging record (written back as one line of JSON, read by the inner layer)."""
    if isinstance(value, str):
        text = json_utf8(value)
    elif isinstance(value, dict):
        return json_utf8(json.dumps(value, ensure_ascii=False, separators=(",", ":")))
    elif all(isinstance(b, int) and 0 <= b < 256 for b in value):
        text = bytes(value)
    else:
        return None
    return text.rstrip(b"\r\n")


def _env_time(obj: dict[str, Any]) -> int | None:
    for k in _ENV_TIME_KEYS:
        v = obj.get(k)
        if isinstance(v, str) and v.strip().isdigit() and len(v.strip()) < 20:
            v = int(v)  # journald's microseconds as a decimal string
        if isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0:
            ns = _epoch_ns(v)
            if ns is not None:
                return ns
        if isinstance(v, str):
            ns = parse_ts_ns(v.strip()) or parse_ts_ns(v.strip().replace(" ", "T", 1))
            if ns is None and _LOCAL_TS_RE.match(v.strip()):
                ns = parse_ts_ns(v.strip().replace(" ", "T", 1) + "Z")  # Logs Insights' @timestamp: UTC, no zone
            if ns is not None:
                return ns
    return None


#: the instants a timestamp may have (1970 to 2200 in epoch ns): others are garbage, not times
NS_RANGE = (0, 7_258_118_400 * 10**9)


def _epoch_ns(v: float | Decimal) -> int | None:
    """Epoch seconds, milliseconds, microseconds or nanoseconds (by magnitude) as nanoseconds; None when not a
    time (infinite, NaN, out of :data:`NS_RANGE`)."""
    if not math.isfinite(v):
        return None
    if isinstance(v, float):
        v = Decimal(repr(v))  # the digits as written: 1716185703.118 s is .118 s, not .118000128 s
    ns = int(v)
    for limit, scale in ((1e11, 10**9), (1e14, 10**6), (1e17, 10**3)):
        if v < limit:
            ns = int(round(v * scale))
            break
    return ns if NS_RANGE[0] <= ns < NS_RANGE[1] else None


def _env_writer(obj: dict[str, Any]) -> bytes | None:
    parts = [str(obj[k]) for k in _ENV_WRITER_KEYS if isinstance(obj.get(k), (str, int))]
    k8s = obj.get("kubernetes")
    if isinstance(k8s, dict):
        parts += [str(k8s[k]) for k in _ENV_K8S_KEYS if isinstance(k8s.get(k), str)]
    resource = obj.get("resource")
    for labels in (resource.get("labels") if isinstance(resource, dict) else None, obj.get("labels")):
        if isinstance(labels, dict):
            parts += [str(v) for _, v in sorted(labels.items()) if isinstance(v, str)]
    return " ".join(parts).encode("utf-8", "replace") if parts else None


#: the keys of a Docker json-file entry: any other key makes the object a collector's record (:func:`_envelope`)
_DOCKER_KEYS = frozenset(("log", "stream", "time", "attrs"))


#: Vector's ``logfmt`` codec (a ``console`` or ``file`` sink with ``encoding.codec = "logfmt"``): the event's
#: fields flattened with dots and sorted by name, ``key=value`` separated by spaces, a value in double quotes when
#: it holds a space or a quote (``\"``, ``\\`` inside), ``true`` booleans as the key alone
_LOGFMT_PAIR_RE = re.compile(rb'([\w.@/\-]{1,256})(?:=("(?:[^"\\]|\\.)*"|[^\s"]*))?(?: |$)')
_LOGFMT_ESCAPE_RE = re.compile(rb"\\(.)", re.S)


#: Grafana Alloy's ``loki.echo`` prints each entry it receives as a log line of Alloy itself (logfmt, its default):
#: ``ts=<when Alloy printed it> level=info … receiver=<component> entry="<line>" labels="{…}"``: (field of the line,
#: field of its time, field of its writer) read as the ``message``/``timestamp``/``_stream`` of :func:`_envelope`
_LOKI_ECHO_FIELDS = ("entry", "ts", "labels")


def _logfmt(s: bytes) -> Unwrapped | None:
    """A logfmt event with a ``message`` field (Vector's ``logfmt`` codec) as the collector's record it encodes
    (:func:`_envelope`: ``message`` the line, ``timestamp`` the outer time, ``kubernetes.*`` the writer), or an
    ``entry`` that Alloy's ``loki.echo`` printed (:data:`_LOKI_ECHO_FIELDS`); None for other lines (logrus'
    ``time=… level=… msg=…`` has no ``message``)."""
    obj: dict[str, Any] = {}
    pos = 0
    while pos < len(s):
        m = _LOGFMT_PAIR_RE.match(s, pos)
        if m is None or m.end() == pos or (pos == 0 and m.group(2) is None):
            return None
        value = m.group(2)
        if value is not None and value[:1] == b'"':
            value = _LOGFMT_ESCAPE_RE.sub(rb"\1", value[1:-1])
        obj[m.group(1).decode("ascii")] = True if value is None else value.decode("utf-8", "surrogateescape")
        pos = m.end()
    line, when, writer = _LOKI_ECHO_FIELDS
    if isinstance(obj.get(line), str) and "receiver" in obj and "message" not in obj:
        obj = {"message": obj[line], "timestamp": obj.get(when), "_stream": obj.get(writer)}
    if not isinstance(obj.get("message"), str) or "msg" in obj:
        return None
    k8s = {k[11:]: v for k, v in obj.items() if k.startswith("kubernetes.")}
    if k8s:
        obj["kubernetes"] = k8s  # flattened by the codec: nested again for the writer (:func:`_env_writer`)
    return _envelope(obj)


#: Fluent Bit's ``file`` output (its default ``out_file`` format) and ``stdout`` output: ``<tag>: [<epoch s.ns>,
#: {record}]``, on stdout after ``[<n>] `` and since Fluent Bit 2.1 with ``[[<time>, {metadata}], {record}]``
FLUENT_BIT_RE = re.compile(
    rb"^(?:\[\d+\] )?([^\s\[\]{}]{1,512}): \[\[?(\d{9,11}(?:\.\d{1,9})?)(?:, \{[^{}]*\}\])?, (\{.*\})\]$", re.S
)


#: a token of msgpack-c's ``msgpack_object_print`` (Fluent Bit's ``stdout`` output before 2.1 and with ``Format
#: msgpack``: ``{"log"=>"…", "stream"=>"stderr"}``): a string (``"`` printed as ``\"``, an unprintable byte as
#: ``\xNN``, a backslash as it is), the ``=>`` of a pair, ``nil``
_MSGPACK_TOKEN_RE = re.compile(rb'"((?:\\"|[^"])*)"|=>|\bnil\b')
_MSGPACK_ESCAPE_RE = re.compile(rb'\\"|\\x([0-9a-f]{2})')


def _msgpack_token(m: re.Match[bytes]) -> bytes:
    if m.group(1) is None:
        return b":" if m.group(0) == b"=>" else b"null"
    text = _MSGPACK_ESCAPE_RE.sub(lambda e: bytes((int(e.group(1), 16),)) if e.group(1) else b'"', m.group(1))
    return json.dumps(text.decode("utf-8", "replace"), ensure_ascii=False).encode()


def msgpack_json(record: bytes) -> bytes:
    """A map as msgpack-c prints it as JSON text (one pass over the tokens)."""
    return _MSGPACK_TOKEN_RE.sub(_msgpack_token, record)


def _fluent_bit(s: bytes) -> Unwrapped | None:
    m = FLUENT_BIT_RE.match(s)
    if m is None:
        return None
    record = m.group(3)
    res = _docker(msgpack_json(record) if b'"=>' in record[:600] else record)
    if res is None:
        return None
    if res.outer_ns is None:
        sec, _, frac = m.group(2).partition(b".")
        res.outer_ns = int(sec) * 10**9 + int((frac + b"000000000")[:9])
    res.fmt, res.key = "envelope", res.key or m.group(1)
    return res


#: Fluent Bit's ``file`` output with ``Format csv`` (no ``csv_column_names``): ``<epoch s.ns>,<value>,…``, each value
#: as msgpack-c prints it (:func:`msgpack_json`; some versions leave ``"`` inside a string as it is)
FLUENT_BIT_CSV_RE = re.compile(rb'^(\d{9,11})\.(\d{9}),(?=")')
_FLUENT_BIT_TAGS = ("stdout", "stderr", "P", "F")


def _fluent_bit_csv(s: bytes) -> Unwrapped | None:
    """A record's values without their names: the longest string is the line; a ``stdout``/``stderr`` value is the
    stream, a ``P`` value (the CRI parser's ``logtag``) marks a fragment of a longer line."""
    m = FLUENT_BIT_CSV_RE.match(s)
    if m is None:
        return None
    rest = s[m.end() :]
    try:
        values = [v for v in json.loads(b"[" + msgpack_json(rest) + b"]") if isinstance(v, str)]
    except ValueError:
        # quotes left as they are: the CRI parser's stream and tag first, the line is the rest
        values = rest[1:-1].decode("utf-8", "surrogateescape").split('","') if rest[-1:] == b'"' else []
        n = next((i for i, v in enumerate(values) if v not in _FLUENT_BIT_TAGS), len(values))
        values = [*values[:n], '","'.join(values[n:])] if n < len(values) else values
    if not values:
        return None
    line = max(values, key=len)
    stream = 2 if "stderr" in values else 1 if "stdout" in values else 0
    res = Unwrapped(json_utf8(line).rstrip(b"\r\n"), int(m.group(1)) * 10**9 + int(m.group(2)), stream, "envelope")
    res._partial = "P" in values and line != "P"  # type: ignore[attr-defined]
    return res if res._partial else _nested(res)  # type: ignore[attr-defined]


def _run_together(s: bytes) -> Unwrapped | None:
    """JSON records one after another on one line (``{…}{…}``: Kinesis Data Firehose's S3 objects without a newline
    delimiter): each record's events, as :attr:`Unwrapped.events`; None unless every object is a log record."""
    text, dec, pos, events = s.decode("utf-8", "surrogateescape"), json.JSONDecoder(), 0, []
    while pos < len(text):
        try:
            obj, pos = dec.raw_decode(text, pos)
        except ValueError:
            return None
        res = _envelope(obj) if isinstance(obj, dict) else None
        if res is None or getattr(res, "_partial", False):
            return None
        events.extend(res.events or (res,))
    return _several(events)


def _env_array(s: bytes) -> Unwrapped | None:
    """A JSON array of log records on one line (a search API's JSON answer: LogScale's ``application/json``, a
    ``jq -c`` of a list): each record's line, as :attr:`Unwrapped.events`; None unless every item is a record."""
    try:
        items = json.loads(s)
    except ValueError:
        return None
    found = [_envelope(i) if isinstance(i, dict) else None for i in items]
    if not found or any(r is None or r.events or getattr(r, "_partial", False) for r in found):
        return None
    return _several(found)  # type: ignore[arg-type]


def _docker(raw: bytes) -> Unwrapped | None:
    s = raw.strip()
    if s[:1] == b"\x1e":
        s = s[1:]  # `journalctl -o json-seq` (RFC 7464 JSON text sequences): a record separator before each object
    elif s[:7] == b"data: {":
        s = s[6:]  # `journalctl -o json-sse`, journal-gatewayd's text/event-stream: an SSE `data:` field each object
    if s[:2] == b"[{" and s[-2:] == b"}]" and any(k in s for k in _ENV_TEXT_BYTES):
        return _env_array(s)
    if s[:1] != b"{":
        if s[:1].isdigit() and b',"' in s[9:22]:
            return _fluent_bit_csv(s)
        if (b"message=" in s or b" entry=" in s) and (res := _logfmt(s)) is not None:
            return res
        return _fluent_bit(s) if b": [" in s[:530] else None
    if not any(k in s for k in _ENV_TEXT_BYTES) and b'"resourceLogs"' not in s[:64] and not _LOKI_RE.search(s[:256]):
        return None
    if b"}\x00" in s:
        # GELF over TCP (Docker's gelf driver, `nc -l 12201 > gelf.log`): each message ends in a NUL byte, not a
        # newline: the messages are read as records run together
        s = s.replace(b"}\x00", b"}").rstrip()
    try:
        obj = json.loads(s)
    except ValueError:
        if b"}{" in s:
            # Firehose's records run together (no newline between them, its default): each object is read
            res = _run_together(s)
            if res is not None:
                return res
        return _cw_subscription(None) if b'"messageType":"' in s[:512] and b'"logEvents":[' in s else None
    if not isinstance(obj, dict):
        return None
    if not (isinstance(obj.get("log"), str) and obj.keys() <= _DOCKER_KEYS):
        return _envelope(obj)
    log = obj["log"]
    ns = parse_ts_ns(str(obj.get("time", "")))
    stream = {"stdout": 1, "stderr": 2}.get(obj.get("stream"), 0)
    text = json_utf8(log)
    partial = not text.endswith(b"\n")
    if text.endswith(b"\n"):
        text = text[:-1]
    if text.endswith(b"\r"):
        text = text[:-1]
    res = Unwrapped(text, ns, stream, "docker")
    res._partial = partial  # type: ignore[attr-defined]
    return res


#: RFC 5424 (rsyslog ``RSYSLOG_SyslogProtocol23Format``, syslog-ng ``syslog()``):
#: ``<PRI>1 TIMESTAMP HOST APP PROCID MSGID STRUCTURED-DATA [MSG]``, the timestamp RFC 3339 or ``-``
RFC5424_RE = re.compile(
    rb"^<\d{1,3}>1 (?:" + _TS.encode() + rb"|-) (\S+) (\S+) \S+ \S+ (?:-|(?:\[(?:[^\]\\]|\\.)*\])+)"
    rb"(?: (?:\xef\xbb\xbf)?(.*))?$",
    re.S,
)
#: the ``<PRI>`` of an RFC 3164 line as a network receiver stores it (``<30>Dec 31 23:59:59 host ident: …``)
_PRI_RE = re.compile(rb"^<\d{1,3}>(?=[A-Z\d])")


#: RFC 6587 octet counting (syslog over TCP; a receiver's raw capture, ``nc -l 6514 > file``): ``<length> <message>``
#: frames one after another without a newline; the length (in bytes) says where each message ends
_OCTET_RE = re.compile(rb"(\d{1,7}) (?=<\d{1,3}>)")


def _octet_counted(raw: bytes, months: dict[str, int] | None) -> Unwrapped | None:
    """The messages of octet-counted frames, each a line (:attr:`Unwrapped.events` when several); when the counts do
    not tile the line (a cut capture, a miscounting sender) the first message with the rest of the line."""
    events, pos = [], 0
    while pos < len(raw):
        m = _OCTET_RE.match(raw, pos)
        end = m.end() + int(m.group(1)) if m is not None else -1
        res = _syslog(raw[m.end() : end].rstrip(b"\r\n"), months) if m is not None and end <= len(raw) else None
        if res is None or res.events or res.inner is None:
            break
        events.append(res)
        pos = end
    if not events or raw[pos:].strip():
        return _syslog(raw[_OCTET_RE.match(raw).end() :], months)  # type: ignore[union-attr]
    return _several(events)


def _syslog(raw: bytes, months: dict[str, int] | None = None) -> Unwrapped | None:
    if raw[:1].isdigit() and _OCTET_RE.match(raw):
        res = _octet_counted(raw, months)
        if res is not None:
            res.fmt = "syslog"
        return res
    if raw[:1] == b"<":
        m = RFC5424_RE.match(raw)
        if m is not None:
            g = m.groups()
            ns = None if g[0] is None else _ts_groups_ns(g[:8])
            if ns is None and g[0] is not None:
                return None
            return Unwrapped(g[10] or b"", ns, 0, "syslog", key=g[8] + b" " + g[9])
        m = _PRI_RE.match(raw)
        if m is None:
            return None
        raw = raw[m.end() :]
    if raw[:1] == b"[" or raw[:1].isdigit() or raw[3:4] == b" ":
        res = _journal_other(raw)
        if res is not None:
            return res
    m = SNAP_LOGS_RE.match(raw)
    if m:
        g = m.groups()
        ns = _ts_groups_ns(g[:8])
        if ns is not None:
            return Unwrapped(g[10], ns, 0, "syslog", key=g[8])
    m = SHORT_ISO_RE.match(raw)
    if m and not _NOT_SYSLOG_HOST_RE.match(m.group(9)):
        g = m.groups()
        ns = _ts_groups_ns(g[:8])
        if ns is not None:
            return Unwrapped(g[11], ns, 0, "syslog", key=g[8] + b" " + g[9])
    if months is None:
        m = SYSLOG_RE.match(raw)
        mon = MONTHS.get(m.group(1).decode().capitalize()) if m else None
    else:
        m = SYSLOG_ANY_RE.match(raw)
        mon = months.get(m.group(1).decode("utf-8", "replace").casefold()) if m else None
    if m is None or mon is None:
        return None
    day = int(m.group(2))
    hh, mi, ss = int(m.group(3)), int(m.group(4)), int(m.group(5))
    if not 1 <= day <= 31 or hh > 23 or mi > 59 or ss > 60:
        return None
    tod = ((hh * 60 + mi) * 60 + ss) * 10**9 + int(((m.group(6) or b"") + b"000000000")[:9])
    host = m.group(7)
    if host is not None and host[:1] in b"IWEF" and _NOT_SYSLOG_HOST_RE.match(host):
        # moreutils' `ts` (`kubectl logs -f | ts`, default `%b %d %H:%M:%S`, `%.S` adds a fraction): the time and
        # then the line itself, no host or ident; a klog header read as host `I0305` and ident `10` says so
        return Unwrapped(raw[m.start(7) :], None, 0, "syslog", syslog_time=(mon, day, tod), key=b"ts")
    key = (host or b"") + b" " + m.group(8)
    return Unwrapped(m.group(10), None, 0, "syslog", syslog_time=(mon, day, tod), key=key)


#: moreutils' ``ts`` default time (``%b %d %H:%M:%S``, ``%.S`` with a fraction) before any text
TS_LINE_RE = re.compile(rb"^([A-Za-z]{3}) ([ \d]\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))? (.*)$", re.S)
#: the same for the ``%Y-%m-%d %H:%M:%.S`` form (:data:`TS_ISO_RE`) and for epoch seconds (``%.s``, Fluent Bit's
#: ``{time}``)
TS_ISO_LINE_RE = re.compile(rb"^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:[.,](\d{1,9}))? ")
TS_EPOCH_LINE_RE = re.compile(rb"^(\d{9,11})(?:\.(\d{1,9}))? ")


def _ts_line(raw: bytes) -> Unwrapped | None:
    """A line of a ``ts`` source that is no klog line (a stack frame): its text behind the time."""
    if raw[:1].isdigit() and raw[4:5] == b"-":
        return _ts_iso(raw, TS_ISO_LINE_RE.match(raw))
    if raw[:1].isdigit():
        e = TS_EPOCH_LINE_RE.match(raw)
        ns = int(e.group(1)) * 10**9 + int(((e.group(2) or b"") + b"000000000")[:9]) if e else None
        return None if ns is None else Unwrapped(raw[e.end() :], ns, 0, "syslog", key=b"ts")  # type: ignore[union-attr]
    m = TS_LINE_RE.match(raw)
    mon = MONTHS.get(m.group(1).decode().capitalize()) if m else None
    if m is None or mon is None:
        return None
    day, hh, mi, ss = (int(g) for g in m.groups()[1:5])
    if not 1 <= day <= 31 or hh > 23 or mi > 59 or ss > 60:
        return None
    tod = ((hh * 60 + mi) * 60 + ss) * 10**9 + int(((m.group(6) or b"") + b"000000000")[:9])
    return Unwrapped(m.group(7), None, 0, "syslog", syslog_time=(mon, day, tod), key=b"ts")


def _journal_other(raw: bytes) -> Unwrapped | None:
    """``journalctl -o short-monotonic``, ``short-unix`` or ``short-full`` (:data:`SHORT_FULL_RE`)."""
    m = SHORT_MONO_RE.match(raw)
    if m is not None:
        return Unwrapped(m.group(4), None, 0, "syslog", key=m.group(1) + b" " + m.group(2))
    m = SHORT_UNIX_RE.match(raw)
    if m is not None:
        sec, _, frac = m.group(1).partition(b".")
        ns = int(sec) * 10**9 + int((frac + b"000000000")[:9])
        ns = ns if NS_RANGE[0] <= ns < NS_RANGE[1] else None
        if m.group(2)[:1] in b"IWEF" and _NOT_SYSLOG_HOST_RE.match(m.group(2)):
            # an epoch time and then the line (Fluent Bit's file output `Format template`, `{time} {log}`; `ts
            # '%.s'`): a klog header read as host and ident says so, as for `ts` (:func:`_syslog`)
            return Unwrapped(raw[m.start(2) :], ns, 0, "syslog", key=b"ts")
        return Unwrapped(m.group(5), ns, 0, "syslog", key=m.group(2) + b" " + m.group(3))
    m = SHORT_FULL_RE.match(raw)
    if m is None:
        return None
    g = m.groups()
    key = g[8] + b" " + g[9]
    offset = zone_abbr_offset(g[7])
    if offset is not None:
        # a zone that says its offset: an outer time with its year (TIME-3), not a year-less wall-clock time
        ns = _ts_groups_ns((*g[:7], "Z"))
        return None if ns is None else Unwrapped(g[11], ns - offset * 60 * 10**9, 0, "syslog", key=key)
    mon, day, hh, mi, ss = (int(x) for x in g[1:6])
    if not (1 <= mon <= 12 and 1 <= day <= 31 and hh <= 23 and mi <= 59 and ss <= 60):
        return None
    tod = ((hh * 60 + mi) * 60 + ss) * 10**9 + int(((g[6] or b"") + b"000000000")[:9])
    return Unwrapped(g[11], None, 0, "syslog", syslog_time=(mon, day, tod), key=key)


def syslog_key(t: tuple[int, int, int] | None) -> int:
    """A year-less syslog time ``(month, day, ns of the day)`` as its position on the 366-day circle of TIME-4
    (epoch-ns scale), NAT when there is none."""
    if t is None:
        return NAT
    return int((LEAP_CUM[t[0]] + t[1] - 1) * DAY_NS + t[2])


def syslog_parts(c: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Month, day and ns of the day of :func:`syslog_key` values (not NAT)."""
    doy = c // DAY_NS
    mon = np.searchsorted(LEAP_CUM[1:], doy, side="right").astype(np.int64)
    return mon, doy - LEAP_CUM[mon] + 1, c % DAY_NS


#: CloudWatch Logs Insights CSV export of EKS control-plane logs (``/aws/eks/<cluster>/cluster``), one event a row:
#: ``[<log stream>,]<YYYY-MM-DD hh:mm:ss.fff>,<message, CSV-quoted when needed>``; the time is UTC (its fraction
#: is required: Python logging's ``2024-01-01 10:00:00,123 INFO …`` is not a CloudWatch row). (``aws logs
#: tail`` output, :data:`CW_TAIL_RE`, is the other export read as ``cloudwatch``.)
CW_CSV_RE = re.compile(
    rb"^(?:([\w.\-]{1,256}),)?(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)\.(\d{3,9})(Z|[+-]\d\d:?\d\d)?,(.*)$",
    re.S,
)
#: the header row of a Logs Insights CSV export (``@logStream,@timestamp,@message``)
CW_HEADER_RE = re.compile(rb"^@?[\w.]+(?:,@?[\w.]+)*,@message(?:,@?[\w.]+)*$|^@timestamp,")
CW_HEADER_REASON = "CloudWatch Logs Insights export header"
#: ``aws logs tail /aws/eks/<cluster>/cluster``: ``<RFC 3339> <log stream> <message>``, the EKS log streams being
#: ``<component>-<32 hex digits>`` (``kube-apiserver-…``, ``kube-apiserver-audit-…``, ``authenticator-…``)
CW_TAIL_RE = re.compile(rb"^" + _TS.encode() + rb" ([a-z][a-z\-]*-[0-9a-f]{32})(?: (.*))?$", re.S)
#: a line that starts with an EKS log stream name (``awslogs -G``, :data:`AWSLOGS_RE`)
CW_STREAM_RE = re.compile(rb"^[a-z][a-z\-]*-[0-9a-f]{32} +\d{4}-")


#: ``aws logs get-log-events`` / ``filter-log-events`` with ``--output text`` (the AWS CLI prints a list of objects
#: one row each, the name in capitals, then the scalar members sorted by name, tab-separated): ``EVENTS
#: <ingestionTime> <message> <timestamp>``, or ``EVENTS <eventId> <ingestionTime> <logStreamName> <message>
#: <timestamp>``; the times are epoch ms, the event's own time last
AWS_TEXT_EVENT_RE = re.compile(
    rb"^EVENTS\t(?:\d{20,}\t\d{12,14}\t([^\t]+)\t|\d{12,14}\t)(.*)\t(\d{12,14})$", re.S
)
#: the response's other rows: the tokens (``b/… f/…`` or ``NEXTTOKEN …``), ``SEARCHEDLOGSTREAMS <name> <bool>``
AWS_TEXT_OTHER_RE = re.compile(rb"^(?:b/\d+\tf/\d+|(?:NEXTTOKEN|SEARCHEDLOGSTREAMS)\t\S.*)$", re.S)
AWS_TEXT_REASON = "AWS CLI text output row that is no log event"


#: the AWS CLI's text output of a list of strings is one line, tab-separated: ``aws logs filter-log-events --query
#: 'events[].message' --output text`` puts every message on one line; a tab before a klog header splits them
_KLOG_HEAD = rb"[IWEF]\d{4} \d\d:\d\d:\d\d\.\d{6} +\d+ [^\s\]]+:\d+\] "
_TAB_KLOG_RE = re.compile(rb"\t(?=" + _KLOG_HEAD + rb")")
_KLOG_HEAD_RE = re.compile(_KLOG_HEAD)


def _tab_joined(raw: bytes) -> Unwrapped | None:
    parts = _TAB_KLOG_RE.split(raw) if _KLOG_HEAD_RE.match(raw) else ()
    if len(parts) < 2:
        return None
    return Unwrapped(None, fmt="cloudwatch", events=[Unwrapped(t, None, 0, "cloudwatch") for t in parts])


def _cloudwatch(raw: bytes) -> Unwrapped | None:
    if b"\t" in raw and raw[:1] in b"IWEF":
        res = _tab_joined(raw)
        if res is not None:
            return res
    if raw[:7] == b"EVENTS\t":
        m = AWS_TEXT_EVENT_RE.match(raw)
        if m is not None:
            return Unwrapped(m.group(2), _epoch_ns(int(m.group(3))), 0, "cloudwatch", key=m.group(1))
    if raw[:2] in (b"b/", b"NE", b"SE") and AWS_TEXT_OTHER_RE.match(raw):
        return Unwrapped(None, fmt="cloudwatch", unparsed=AWS_TEXT_REASON)
    if raw[:1] == b"@":
        if CW_HEADER_RE.match(raw):
            return Unwrapped(None, fmt="cloudwatch", unparsed=CW_HEADER_REASON)
        return None
    m = CW_TAIL_RE.match(raw)
    if m is not None:
        ns = _ts_groups_ns(m.groups()[:8])
        return None if ns is None else Unwrapped(m.group(10) or b"", ns, 0, "cloudwatch", key=m.group(9))
    row = _time_row(CW_CSV_RE, raw)
    if row is None:
        return None
    g, ns = row
    text = g[9]
    if len(text) >= 2 and text[:1] == b'"' and text[-1:] == b'"':
        text = text[1:-1].replace(b'""', b'"')
    return Unwrapped(text, ns, 0, "cloudwatch", key=g[0])


#: CSV exports of log stores (Kibana and OpenSearch Dashboards' Discover, Grafana, Azure Log Analytics, Splunk): a
#: header row naming the columns, one of them the line (:data:`CSV_TEXT_COLUMNS`), maybe a time and a writer
#: (pod, host); names are matched case-folded, whole or by their last dotted part (``_source.log``)
#: Azure Monitor's container tables: ``LogMessage`` (ContainerLogV2), ``LogEntry`` (ContainerLog)
CSV_TEXT_COLUMNS = ("message", "log", "line", "textpayload", "_raw", "log_s", "msg_s", "logmessage", "logentry")
#: Kibana's CSV of a search without selected fields: the whole document as JSON in ``_source`` (read as a
#: collector's record, its line under ``log`` or ``message``); a line column named as well is taken first
CSV_DOCUMENT_COLUMNS = ("_source",)
#: Sumo Logic's data forwarding to S3 (``messageId,sourceName,sourceHost,…,messageTime,receiptTime,…,message``,
#: the times in epoch ms) and its search export (``_messagetime``, ``_sourcehost``, ``_raw``)
CSV_TIME_COLUMNS = ("@timestamp", "timestamp", "time", "_time", "timegenerated", "timegenerated [utc]", "date",
                    "messagetime", "_messagetime")
CSV_WRITER_COLUMNS = ("pod_name", "pod", "podname", "container_name", "host", "hostname", "computer", "@logstream",
                      "logstream", "sourcehost", "_sourcehost")
CSV_HEADER_REASON = "CSV export header"
_CSV_NAME_RE = re.compile(r"^@?[\w.\-]{1,64}(?: \[\w+\])?$")
#: Kibana's default date formats, read as UTC: ``MMM D, YYYY @ HH:mm:ss.SSS`` (7.0 on, ``Nov 14, 2023 @
#: 22:13:21.123``) and ``MMMM Do YYYY, HH:mm:ss.SSS`` (up to 6.x, ``November 14th 2023, 22:13:21.123``); groups:
#: month name, day, year, hh, mm, ss, fraction
_KIBANA_TIME_RES = (
    re.compile(r"^([A-Z][a-z]{2}) (\d{1,2}), (\d{4}) @ (\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?$"),
    re.compile(r"^([A-Z][a-z]{2,8}) (\d{1,2})(?:st|nd|rd|th) (\d{4}), (\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?$"),
)
_FULL_MONTHS = {m: i for i, m in enumerate(calendar.month_name) if m}


@dataclass
class CsvColumns:
    """Where the line, its time and its writer are in the rows of a CSV export."""

    n: int
    text: int
    time: int | None
    writer: tuple[int, ...]
    markdown: bool = False  # a Markdown table: `| a | b |` rows after a `| --- | --- |` line
    delimiter: str = ","  # a tab in TSV exports (gcloud's `csv[separator='\t']`, a spreadsheet's "tab-separated")
    #: a table of padded columns under a rule of dashes (:data:`RULE_RE`): where each column starts, from the rule
    #: (None until it is read); empty for other tables
    starts: tuple[int, ...] | None = ()


#: the rule under the header of a table of padded columns, a run of dashes a column, two spaces between: the
#: Azure CLI's ``--output table`` (``az monitor log-analytics query … -o table``: ``LogMessage  PodName …``, then
#: ``----------  -------``, then the rows, each value padded to its column's width)
RULE_RE = re.compile(rb"^-{2,}(?:  -{2,})+ *$")
_RULE_RUN_RE = re.compile(rb"-+")


def is_ruled_table(lines: list[bytes]) -> bool:
    """A table of padded columns under a rule of dashes whose header names a line column (:func:`csv_header`)."""
    if len(lines) < 2 or RULE_RE.match(lines[1].rstrip()) is None:
        return False
    return csv_header(lines[0], ruled=True) is not None


#: a Markdown table (CloudWatch Logs Insights' and Kibana Discover's "copy as Markdown", pasted into reports):
#: ``| @timestamp | @message |``, ``| --- | --- |``, then ``| <time> | <line> |`` rows (``|`` in a cell as ``\|``)
MD_ROW_RE = re.compile(rb"^\| .*\|$", re.S)
MD_SEP_RE = re.compile(rb"^\|(?: *:?-{3,}:? *\|)+$")
_MD_CELL_RE = re.compile(rb"(?<!\\)\|")


def md_cells(raw: bytes) -> list[str] | None:
    """The cells of a Markdown table row, unescaped, else None."""
    raw = raw.rstrip()
    if MD_ROW_RE.match(raw) is None:
        return None
    return [c.strip().replace(b"\\|", b"|").decode("utf-8", "surrogateescape") for c in _MD_CELL_RE.split(raw[1:-1])]


def is_markdown_table(lines: list[bytes]) -> bool:
    """A Markdown table of log rows in the head of a source (after a preamble such as Logs Insights' query)."""
    return any(
        MD_SEP_RE.match(lines[i + 1].rstrip()) and csv_header(lines[i]) is not None
        for i in range(min(len(lines), 40) - 1)
        if lines[i][:2] == b"| "
    )


#: Windows PowerShell 5.1's ``Export-Csv``/``ConvertTo-Csv`` write ``#TYPE <.NET type>`` above the header (without
#: ``-NoTypeInformation``): part of the header, no log line
_PS_TYPE_RE = re.compile(rb"^(?:\xef\xbb\xbf)?#TYPE [\w.`+\[\], ]{1,256}$")


def is_ps_type_line(raw: bytes) -> bool:
    return raw[:1] in (b"#", b"\xef") and _PS_TYPE_RE.match(raw.rstrip(b"\r")) is not None


def csv_header(raw: bytes, ruled: bool = False) -> CsvColumns | None:
    """The header row of a CSV export (every field a column name, one of them a line column), or of a Markdown
    table, or (``ruled``) of a table of padded columns (:data:`RULE_RE`), else None."""
    markdown = raw[:2] == b"| "
    # a tab between the names and no comma: tab-separated values (a column name has neither)
    delimiter = "\t" if not markdown and b"\t" in raw and b"," not in raw else ","
    try:
        head = raw.decode("utf-8", "replace").lstrip("\ufeff")
        if ruled:
            names = re.split(r" {2,}", head.strip())
        else:
            names = md_cells(raw) if markdown else next(csv.reader([head], delimiter=delimiter))
    except (csv.Error, StopIteration):
        return None
    if names is None or len(names) < 2 or not all(_CSV_NAME_RE.match(n.strip()) for n in names):
        return None
    # snake_case and camelCase names are the same column (gcloud's csv format writes `textPayload` as
    # `text_payload`): names are compared without their underscores
    keys = [n.strip().casefold().replace("_", "") for n in names]

    def find(wanted: tuple[str, ...]) -> list[int]:
        want = {w.replace("_", "") for w in wanted}
        return [i for i, k in enumerate(keys) if k in want or k.rsplit(".", 1)[-1].lstrip("@") in want]

    text = find(CSV_TEXT_COLUMNS) or [i for i, n in enumerate(names) if n.strip() in CSV_DOCUMENT_COLUMNS]
    if not text:
        return None
    time = find(CSV_TIME_COLUMNS)
    writer = tuple(find(CSV_WRITER_COLUMNS))
    return CsvColumns(len(names), text[0], time[0] if time else None, writer, markdown, delimiter,
                      None if ruled else ())


def csv_row(raw: bytes, cols: CsvColumns) -> Unwrapped | None:
    """One row of a CSV export as its line, with the row's time (UTC when it has no zone) and writer."""
    try:
        text = raw.decode("utf-8", "surrogateescape")
        if cols.starts:
            # padded columns: each value from its column's start to the next one's, the padding dropped
            ends = (*cols.starts[1:], len(text))
            row = [text[a:b].strip() if b > a else "" for a, b in zip(cols.starts, ends, strict=True)]
            if row[-1] == "" or any(text[b - 2 : b].strip() for b in cols.starts[1:] if b <= len(text)):
                return None  # not a row of this table (a value across a column gap)
        else:
            row = md_cells(raw) if cols.markdown else next(csv.reader([text], delimiter=cols.delimiter))
    except (csv.Error, StopIteration):
        return None
    if row is None or len(row) != cols.n:
        return None
    ns = None if cols.time is None else _csv_time(row[cols.time].strip())
    key = " ".join(row[i] for i in cols.writer).encode("utf-8", "surrogateescape") if cols.writer else None
    text = row[cols.text].encode("utf-8", "surrogateescape").rstrip(b"\r\n")
    return _nested(Unwrapped(text, ns, 0, "csv", key=key))


#: Azure Log Analytics' export (``11/14/2023, 10:13:21.123 PM``), read as UTC
_US_TIME_RE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4}),?\s+(\d{1,2}):(\d\d):(\d\d)(?:\.(\d{1,9}))? ?([AP]M)$")


def _csv_time(value: str) -> int | None:
    if value.replace(".", "", 1).isdigit():
        # epoch s/ms/µs/ns as text (Sumo Logic's messageTime, Splunk's _time): read exactly, a float of 1.7e18 ns
        # has no room for the last digits
        return _epoch_ns(int(value) if value.isdigit() else Decimal(value)) if len(value) < 24 else None
    m = _US_TIME_RE.match(value)
    if m is not None:
        hh = int(m.group(4)) % 12 + (12 if m.group(8) == "PM" else 0)
        return _ts_groups_ns((m.group(3), m.group(1), m.group(2), str(hh), *m.group(5, 6), m.group(7) or "", "Z"))
    if value[:1].isalpha():
        for regex in _KIBANA_TIME_RES:
            m = regex.match(value)
            month = None if m is None else MONTHS.get(m.group(1)) or _FULL_MONTHS.get(m.group(1))
            if month is not None:
                return _ts_groups_ns((m.group(3), str(month), m.group(2), *m.group(4, 5, 6), m.group(7) or "", "Z"))
    if value[-4:] in (" UTC", " GMT"):
        value = value[:-4] + "Z"  # BigQuery's TIMESTAMP as text (a Cloud Logging sink's table saved as CSV)
    value = value.replace(" ", "T", 1)
    return parse_ts_ns(value) or parse_ts_ns(value + "Z")


#: the top-level keys of a Cloud Logging LogEntry that ``gcloud logging read`` prints first (sorted by name)
_LOG_ENTRY_KEYS_RE = re.compile(rb"^(?:insertId|httpRequest|jsonPayload|labels|logName|protoPayload|textPayload): ?")
YAML_ENTRY_REASON = "Cloud Logging entry without a textPayload or jsonPayload message"


#: the keys of the AWS CLI's responses that list log events, as its ``--output yaml`` (v2) prints them at column 0:
#: ``aws logs get-log-events``/``filter-log-events`` (``events:``, then ``- ingestionTime: …`` items, their
#: ``message`` folded over lines when long; the tokens and ``filter-log-events``' ``searchedLogStreams:`` follow)
YAML_LISTS = (b"events:",)


def is_log_entry_yaml(lines: list[bytes]) -> bool:
    """The head of ``gcloud logging read`` output: a ``---`` line, then a LogEntry's top-level keys; or a YAML
    response listing log events (:data:`YAML_LISTS`)."""
    if lines[0] in YAML_LISTS and len(lines) > 1 and lines[1][:2] == b"- ":
        return True
    return lines[0] == b"---" and any(_LOG_ENTRY_KEYS_RE.match(ln) for ln in lines[1:6])


#: a line of gcloud's ``flattened`` format (``gcloud logging read … --format=flattened``): ``<key path>:<padding>
#: <value>``, the key path dotted (``resource.labels.pod_name``, ``labels.k8s-pod/app``, ``jsonPayload.items[0]``),
#: the value as text, in double quotes with ``\``-escapes when it has a newline or starts or ends with a space
_FLAT_LINE_RE = re.compile(rb"^([\w.@/\-\[\]]+):(?: +(.*))?$", re.S)


def _flattened_entry(doc: bytes) -> dict[str, Any] | None:
    """A ``flattened`` LogEntry (every line a key path and its value, some path dotted) nested again; None for YAML."""
    rows = [_FLAT_LINE_RE.match(ln) for ln in doc.split(b"\n") if ln.strip()]
    if not rows or None in rows or not any(b"." in m.group(1) for m in rows):  # type: ignore[union-attr]
        return None
    obj: dict[str, Any] = {}
    for m in rows:
        value = (m.group(2) or b"").decode("utf-8", "surrogateescape")  # type: ignore[union-attr]
        if value[:1] == '"' and value[-1:] == '"' and len(value) > 1:
            with contextlib.suppress(ValueError):
                value = json.loads(value)  # gcloud's quoting: \\, \", \n, \r, \t, \f as in JSON
        *path, leaf = m.group(1).decode("utf-8", "surrogateescape").split(".")  # type: ignore[union-attr]
        node = obj
        for part in path:
            below = node.setdefault(part, {})
            node = below if isinstance(below, dict) else {}  # a value at a shorter path: the longer one is dropped
        node[leaf] = value
    return obj


def log_entry_yaml(doc: bytes) -> Unwrapped:
    """One LogEntry document of ``gcloud logging read`` as its line (:func:`_envelope`), or unparsed with why; the
    ``flattened`` format's documents too (:func:`_flattened_entry`: not YAML, a value may hold ``: ``)."""
    import yaml

    obj = _flattened_entry(doc)
    if obj is None:
        try:
            obj = yaml.safe_load(doc)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" (line {mark.line + 2} of the entry)" if mark is not None else ""
            return Unwrapped(None, fmt="envelope", unparsed=f"invalid YAML document{where}")
    if isinstance(obj, list) and len(obj) == 1:
        obj = obj[0]  # an item of a listing (`- message: …`)
    res = _envelope(_yaml_plain(obj)) if isinstance(obj, dict) else None
    if res is None or getattr(res, "_partial", False):
        return Unwrapped(None, fmt="envelope", unparsed=YAML_ENTRY_REASON)
    return res


def _yaml_plain(value: Any) -> Any:
    """YAML timestamps (unquoted dates) as the RFC 3339 text JSON would have."""
    import datetime as dt

    if isinstance(value, dict):
        return {str(k): _yaml_plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_yaml_plain(v) for v in value]
    if isinstance(value, dt.datetime):
        return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).isoformat()
    return value


_WRAPPERS = {"docker": _docker, "cri": _cri, "kubectl": _kubectl, "syslog": _syslog, "cloudwatch": _cloudwatch}


def month_map(value: Any) -> dict[str, int] | None:
    """``month_names`` (FMT-8) as a lookup of case-folded names → 1..12, English abbreviations included; None for
    English only. Accepts 12 names January first (each a string or a list of spellings), a comma-separated string
    of 12 names, or a mapping name → month number. Raises ValueError with what is allowed."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    allowed = (
        "12 month names, January first (each a name or a list of names), a comma-separated string of 12 names, "
        "or a mapping of name to month number 1..12"
    )
    out = {m.casefold(): i for m, i in MONTHS.items()}
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",")]
    if isinstance(value, dict):
        items = list(value.items())
    elif isinstance(value, (list, tuple)) and len(value) == 12:
        items = [(n, i + 1) for i, names in enumerate(value) for n in ([names] if isinstance(names, str) else names)]
    else:
        raise ValueError(f"expected {allowed}; got {value!r}")
    given: dict[str, int] = {}
    for name, mon in items:
        if not isinstance(name, str) or not name.strip() or len(name.encode()) > 24 or any(c.isspace() for c in name):
            raise ValueError(f"{name!r} is not a month name (a word of at most 24 bytes); expected {allowed}")
        if isinstance(mon, bool) or not isinstance(mon, int) or not 1 <= mon <= 12:
            raise ValueError(f"{name!r}: month {mon!r} is not 1..12; expected {allowed}")
        # one name for two months: the later silently won, so every record of the other month got a wrong date
        if given.get(name.casefold(), mon) != mon:
            raise ValueError(f"{name!r} is given for months {given[name.casefold()]} and {mon}; each name may "
                             "stand for one month only")
        given[name.casefold()] = out[name.casefold()] = mon
    return out


def wrappers(months: dict[str, int] | None = None) -> dict[str, Any]:
    """The wrapper parsers by name; the syslog one reads the month names of :func:`month_map` when given."""
    if months is None:
        return _WRAPPERS
    return {**_WRAPPERS, "syslog": functools.partial(_syslog, months=months)}

_TRY_ORDER = {
    "auto": ("docker", "cri", "kubectl", "syslog"),
    "docker": ("docker", "cri", "kubectl", "syslog"),
    "cri": ("cri", "docker", "kubectl", "syslog"),
    "kubectl": ("kubectl", "cri", "docker", "syslog"),
    "syslog": ("syslog", "cri", "kubectl", "docker"),
    "json": ("docker", "cri", "kubectl", "syslog"),
    "klog": ("docker", "cri", "kubectl", "syslog"),
    "cloudwatch": ("cloudwatch", "docker", "cri", "kubectl", "syslog"),
    "envelope": ("docker", "cri", "kubectl", "syslog"),
}
_SPECIFICITY = ("docker", "envelope", "cloudwatch", "cri", "kubectl", "syslog", "json", "klog")


def detect_format(sample: bytes, months: dict[str, int] | None = None) -> str:
    """Pick the wrapper/inner format of a source from its first 200 non-empty lines (FMT-9)."""
    # a run of NULs before a line is a hole in the file (copytruncate, a crash), not part of the line
    lines = [ln.rstrip(b"\r").lstrip(b"\x00") for ln in sample.split(b"\n")[:400] if ln.strip(b"\x00").strip()][:200]
    lines = [strip_ansi(ln) if b"\x1b" in ln else ln for ln in lines]
    if not lines:
        return "klog"
    first = lines[1] if is_ps_type_line(lines[0]) and len(lines) > 1 else lines[0]
    if not CW_HEADER_RE.match(first.lstrip(b"\xef\xbb\xbf")) and csv_header(first) is not None:
        return "csv"
    if is_markdown_table(lines) or is_ruled_table(lines):
        return "csv"
    if is_journal_entry_start(lines[0]):
        return "syslog"  # journalctl -o verbose / export (Unwrapper._journal)
    if is_log_entry_yaml(lines):
        return "envelope"  # gcloud logging read (Unwrapper._yaml)
    if lines[0].strip() in (b"[", b"{") and is_pretty_log_entries(sample):
        return "envelope"  # gcloud logging read --format=json, journalctl -o json-pretty (Unwrapper._pretty)
    if is_cut_listing(lines[0]) and _docker(lines[0]) is None:
        return "envelope"  # an API response on one line, longer than the sample: its records are read line by line
    scores = {}
    parsers = wrappers(months)
    for name in ("docker", "cri", "kubectl", "syslog", "cloudwatch"):
        fn = parsers[name]
        scores[name] = sum(1 for ln in lines if (r := fn(ln)) is not None and r.fmt == name)
    scores["envelope"] = sum(1 for ln in lines if (r := _docker(ln)) is not None and r.fmt == "envelope")
    # every CRI line (and every broken one) also parses as a kubectl line, so kubectl's share would never be
    # below CRI's: kubectl scores only the lines that neither are nor look like CRI lines
    # the same holds for rsyslog's RFC 3339 / ``journalctl -o short-iso`` lines (``<ts> host ident[pid]: …``):
    # they are syslog lines, not kubectl ones
    scores["kubectl"] = sum(
        1
        for ln in lines
        if _kubectl(ln) is not None
        and _cri(ln) is None
        and not CRI_BROKEN_RE.match(ln)
        and not ((r := parsers["syslog"](ln)) is not None and r.outer_ns is not None)
        and not CW_TAIL_RE.match(ln)
    )
    scores["json"] = sum(
        1 for ln in lines if ln.lstrip()[:1] == b"{" and b'"msg"' in ln and b'"log"' not in ln
    )
    scores["klog"] = sum(1 for ln in lines if KLOG_RE.match(ln))
    # CRI lines also parse as kubectl lines: prefer the more specific one on ties
    best = max(_SPECIFICITY, key=lambda k: (scores[k], -_SPECIFICITY.index(k)))
    if scores[best] == 0:
        return "klog"
    return best


#: header-less lines that never continue the record before them (each starts a record of its own, FMT-3):
#: journalctl's markers (``-- Reboot --``, ``-- Boot <id> --``, ``-- No entries --``, ``-- Logs begin at … --``),
#: section headers of ``tail`` and ``minikube logs`` (``==> kube-apiserver [id] <==``) and GNU tail's own messages
#: (``tail: '<file>' has been replaced;  following new file``, ``tail: <file>: file truncated``, ``tail: cannot open
#: …``, ``tail: inotify …``), the header klog writes at
#: the top of a ``--log-file`` (``Log file created at: …``), pflag's ``Flag --x has been deprecated, …`` (also after
#: the first klog line: k3s and RKE2 start the apiserver after their own log lines), cobra's ``Error: …`` (the
#: command failed and the apiserver exits: its usage text follows) and logrus terminal records with a relative time
#: (``INFO[0012] …``), and the section markers of ``kubectl cluster-info dump`` (``==== START logs for container
#: <c> of pod <ns>/<pod> ====``, ``==== END logs …``): the end marker is no line of the last record of a section.
#: The same for what a collecting tool or terminal writes between the log's lines: journalctl's ``--show-cursor``
#: line (``-- cursor: s=…``), kubectl's own errors (``Error from server (NotFound): …``, in a ``2>&1`` copy),
#: stern's ``+ <pod> › <container>`` / ``- <pod> › <container>`` lines (a container tailed, gone), the shell
#: prompts of a ``tee``'d or copied terminal (``$ kubectl logs …``, ``root@cp-1:~# …``, ``core@cp-1 ~ $ …``,
#: ``[root@cp-1 ~]# …``) and
#: the ``Script started on …`` / ``Script done on …`` lines of a ``script`` typescript, and systemd's own lines
#: about the unit in a ``journalctl -o cat`` copy (no writer to tell them apart): ``kube-apiserver.service: Main
#: process exited, …``, ``Started Kubernetes API Server.``, ``Stopping kube-apiserver.service - Kubernetes API
#: Server...``. Also the Go runtime's own crash report, written to stderr between klog lines: ``panic: …`` (an
#: unrecovered panic: the process dies), ``fatal error: …`` (an unrecoverable throw: concurrent map writes, out of
#: memory) and ``runtime/cgo: …`` (a thread that cannot be created); their stack follows as continuation lines (a
#: nested ``\tpanic: `` is indented). A memory fault (SIGSEGV/SIGBUS outside Go's nil checks) starts with
#: ``unexpected fault address 0x…`` and its throw ``fatal error: fault`` is the next line of the same crash
#: (:func:`continues_fault`).
#: kubeadm's output copied with the logs (an upgrade or join run on the node): its ``[<phase>] …`` steps,
#: ``Static pod: <pod> hash: <hash>`` while it waits for the kubelet, ``error execution phase <phase>: …``.
#: And a klog header cut short (``I0506 07:24:``: the file ends mid-line, a truncated ``.gz`` rotation, a crash):
#: another record's start, never text of the record before it
RECORD_START_RE = re.compile(
    rb"^(?:-- .* --$|==> .* <==$|Log file created at: |Flag --\S+ has been deprecated|Error: "
    rb"|panic: |fatal error: |runtime/cgo: |unexpected fault address 0x"
    rb"|(?:TRAC|DEBU|INFO|WARN|ERRO|FATA|PANI)\[\d+\] |==== (?:START|END) logs for container \S+ of pod \S+ ====$"
    rb"|-- cursor: |Error from server \(|[+-] (?:\S+ )?\S+ \xe2\x80\xba \S+$"
    rb"|error: |At (?:line:\d+|.+:\d+) char:\d+$|tail: (?:'|/|cannot open |inotify )"
    rb"|\$(?: |$)|[\w.\-]+@[\w.\-]+(?::[^\s$#]{0,80}| [^\s$#]{1,80} )[$#](?: |$)"
    rb"|[\w@:.\-]{1,200}\.(?:service|socket|scope|timer|mount|slice): "
    rb"|(?:Started|Stopped|Starting|Stopping|Reloading|Reloaded|Finished|Failed to start) [^\n]{1,200}\.$"
    rb"|\[[\w.\-]+@[\w.\-]+ [^\]\s]{1,80}\][$#](?: |$)|Script (?:started|done) on "
    rb"|\[(?:upgrade(?:/[a-z-]+)?|preflight|apiclient|control-plane|wait-control-plane|kubelet-start|kubelet-check"
    rb"|certs|kubeconfig|etcd|mark-control-plane|bootstrap-token|addons|upload-config|upload-certs|reset)\] "
    rb"|Static pod: \S+ hash: [0-9a-f]+$|error execution phase [\w/-]+: "
    rb"|[IWEF]\d{4} \d\d:[\d:.]*(?: +\d+(?: [^\]\s]*)?)?$)"
)


_LOGRUS_RELATIVE_RE = re.compile(rb"^(TRAC|DEBU|INFO|WARN|ERRO|FATA|PANI)\[\d+\] ")
#: a klog header cut short (:data:`RECORD_START_RE`): its first byte is the severity all the same
_CUT_KLOG_RE = re.compile(rb"^([IWEF])\d{4} \d\d:")


def start_level(line: bytes) -> str | None:
    """The severity letter of a header-less line that starts a record and still has a level: a logrus terminal
    record with a relative time (``ERRO[0012] …``: no time, but a level) or a klog header cut short (``E0506
    07:24:``), else None."""
    line = strip_ansi(line) if b"\x1b" in line else line
    m = _CUT_KLOG_RE.match(line)
    if m is not None:
        return m.group(1).decode()
    m = _LOGRUS_RELATIVE_RE.match(line)
    return None if m is None else _LOGRUS_LEVEL[m.group(1).decode().lower()]


#: the year of a source in its own header lines: journalctl's ``-- Logs begin at Tue 2023-11-14 08:00:01 UTC, end at
#: Tue 2023-11-14 22:30:00 UTC. --`` (newer: ``-- Journal begins at …, ends at …. --``), whose end is an end anchor
#: (TIME-4), and the ``Log file created at: 2023/11/14 22:13:20`` header of a klog ``--log-file``, the start
_JOURNAL_SPAN_RE = re.compile(
    rb"^(?:\* )?-- (?:Logs begin|Journal begins) at .*?, ends? at [A-Z][a-z]{2} (\d{4})-(\d\d)-(\d\d) "
    rb"(\d\d):(\d\d):(\d\d)",
    re.M,
)
_LOG_FILE_CREATED_RE = re.compile(rb"^Log file created at: (\d{4})/(\d\d)/(\d\d) (\d\d):(\d\d):(\d\d)", re.M)
#: util-linux ``script`` (2.35+) starts its typescript with ``Script started on 2023-11-14 22:13:19+00:00 […]``:
#: the session's start, a start anchor as the klog header is
_SCRIPT_STARTED_RE = re.compile(rb"^Script started on (\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)", re.M)


def header_anchor(head: bytes) -> tuple[str, int] | None:
    """``("journal-header", end ns)``, ``("log-file-header", start ns)`` or ``("script-header", start ns)`` from the
    first lines of a source (times read as UTC: only their year is used), else None."""
    for name, rx in (("journal-header", _JOURNAL_SPAN_RE), ("log-file-header", _LOG_FILE_CREATED_RE),
                     ("script-header", _SCRIPT_STARTED_RE)):
        m = rx.search(head[:4096])
        if m is not None:
            ns = _ts_groups_ns((*m.groups(), "", "Z"))
            if ns is not None:
                return name, ns
    return None


#: the two lines the Go runtime writes for a memory fault (runtime/signal_unix.go ``sigpanic``): the address, then
#: the throw
_FAULT_ADDRESS_RE = re.compile(rb"^unexpected fault address 0x[0-9a-fA-F]+\s*$")
_FAULT_THROW_RE = re.compile(rb"^fatal error: fault\s*$")


def continues_fault(prev: bytes, line: bytes) -> bool:
    """``line`` is the runtime's ``fatal error: fault`` right after its ``unexpected fault address 0x…`` (``prev``):
    the second line of one crash report, not a record of its own."""
    return _FAULT_THROW_RE.match(line) is not None and _FAULT_ADDRESS_RE.match(prev) is not None


def starts_record(line: bytes) -> bool:
    """A header-less line that starts a record (:data:`RECORD_START_RE`), colour codes ignored."""
    if b"\x1b" in line:
        line = strip_ansi(line)
    return RECORD_START_RE.match(line.rstrip(b"\r ")) is not None


def is_star_prefixed(sample: bytes) -> bool:
    """``minikube logs`` before v1.10 put ``* `` before every line (``* ==> kube-apiserver [id] <==``, ``* I0101 …``):
    at least 80 % of the head's non-empty lines start so."""
    # a run of NULs before a line is a hole in the file (copytruncate, a crash), not part of the line
    lines = [ln.rstrip(b"\r").lstrip(b"\x00") for ln in sample.split(b"\n")[:400] if ln.strip(b"\x00").strip()][:200]
    return len(lines) >= 2 and sum(1 for ln in lines if ln[:2] == b"* " or ln == b"*") >= 0.8 * len(lines)


def _columns(line: bytes) -> int:
    return len(line.decode("utf-8", "replace"))


def hard_wrap_width(sample: bytes, months: dict[str, int] | None = None) -> int | None:
    """The terminal width at which a journal (syslog-format) copy was hard-wrapped (``journalctl --no-pager`` output
    copied from an 80- or 120-column terminal: each long line cut into rows, the rows after the first without the
    journal prefix), else None: the one width (40 columns or more) of at least two of the head's lines that are
    followed by a line without a prefix, and of most of them (otherwise such lines are text of their own)."""
    lines = [ln.rstrip(b"\r") for ln in sample.split(b"\n")[:400]]
    widths: dict[int, int] = {}
    for a, b in zip(lines, lines[1:-1], strict=False):
        if b.strip() and _syslog(b, months) is None and _columns(a) >= 40:
            widths[_columns(a)] = widths.get(_columns(a), 0) + 1
    if not widths:
        return None
    width, n = max(widths.items(), key=lambda kv: (kv[1], kv[0]))
    return width if n >= 2 and 2 * n > sum(widths.values()) else None


def join_hard_wrapped(lines: list[bytes], width: int, months: dict[str, int] | None = None) -> list[tuple[bytes, int]]:
    """``lines`` with the rows of each hard-wrapped line (:func:`hard_wrap_width`) joined back into it: (line, how many
    physical lines it was). A row without a journal prefix after a row of exactly ``width`` columns is the next piece
    of that row's line; any other row is a line of its own."""
    out: list[tuple[bytes, int]] = []
    for ln in lines:
        if out and _columns(out[-1][0]) % width == 0 and _columns(out[-1][0]) and ln.strip() \
                and _syslog(ln, months) is None:
            out[-1] = (out[-1][0] + ln, out[-1][1] + 1)
        else:
            out.append((ln, 1))
    return out


#: ``kubectl cluster-info dump`` to stdout: pretty-printed JSON object lists with each pod's log between markers
DUMP_LOGS_RE = re.compile(rb"^==== (START|END) logs for container \S+ of pod \S+ ====\r?$")


def dump_section(line: bytes) -> bytes | None:
    """``b"START"`` or ``b"END"`` for a ``kubectl cluster-info dump`` log section marker, else None."""
    if line[:5] != b"==== ":
        return None
    m = DUMP_LOGS_RE.match(line)
    return None if m is None else m.group(1)


#: reason of the lines of a pretty-printed JSON document (``gcloud logging read --format=json``, ``journalctl -o
#: json-pretty``, ``jq .``): a record spans lines, so none is read
PRETTY_JSON_REASON = "pretty-printed JSON (one object spans lines; give one JSON object a line)"
#: a member line: JSON's ``"key": value``, or Logstash's ``rubydebug`` codec's ``"key" => value`` (awesome_print)
_PRETTY_KEY_RE = re.compile(rb'^"[^"]{1,128}"\s*(?::| =>)\s')
#: a member of Logstash's ``rubydebug`` codec: ``"key" => value``, keys right-aligned, strings as Ruby's inspect
#: writes them, times (``LogStash::Timestamp``) and other objects bare, ``nil``; list elements as ``[<i>] value``
_RUBY_MEMBER_RE = re.compile(rb'^(\s*"[^"]{0,127}[^"\\]") => (.*?)(,?)$', re.S)
_RUBY_ELEMENT_RE = re.compile(rb"^(\s*)\[\d+\] (.*?)(,?)$", re.S)  # group 1: no name
_RUBY_JSON_RE = re.compile(rb'^(?:".*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|\{|\[|\{\}|\[\])$', re.S)


def rubydebug_json(raw: bytes, depth: int) -> bytes:
    """One line of a ``rubydebug`` dump, at ``depth`` open objects, as the JSON line it stands for (a bare value
    quoted, ``nil`` as null), so :class:`PrettyJson` reads the events; a Ruby escape JSON does not know makes the
    event an unparsed one. The keys are right-aligned but a nested object's closing brace is indented by its depth
    (4 spaces a level): the member line gets that indentation, so the braces pair."""
    m = _RUBY_MEMBER_RE.match(raw) or _RUBY_ELEMENT_RE.match(raw)
    if m is None:
        return raw
    name = m.group(1).lstrip()
    head = b" " * (4 * depth) + (name + b": " if name[:1] == b'"' else b"")
    value = m.group(2)
    if value == b"nil":
        value = b"null"
    elif not _RUBY_JSON_RE.match(value):
        value = json.dumps(value.decode("utf-8", "surrogateescape")).encode("utf-8", "surrogateescape")
    return head + value + m.group(3)


def is_pretty_json(sample: bytes) -> bool:
    """The head of a source is a JSON document printed over lines: ``[`` or ``{`` alone on the first line, then
    indented ``"key": value`` lines."""
    lines = [ln.strip() for ln in sample.split(b"\n")[:60] if ln.strip()]
    if not lines or lines[0] not in (b"[", b"{"):
        return False
    return sum(1 for ln in lines[1:30] if _PRETTY_KEY_RE.match(ln)) >= 2


#: a member line of a pretty-printed object (``"key": value``, journalctl's ``"KEY" : value``)
_PRETTY_MEMBER_RE = re.compile(rb'^(\s*)"([^"]{1,128})"\s*(?::| =>)')
#: the members that hold the line of a log record (:data:`_ENV_TEXT_KEYS`, Cloud Logging's ``jsonPayload``) and
#: its time (:data:`_ENV_TIME_KEYS`)
_PRETTY_TEXT_KEYS = frozenset([b"log", b"MESSAGE", b"textPayload", b"jsonPayload", b"message", b"line", b"_raw",
                               b"short_message", b"LogMessage", b"msg"])
_PRETTY_TIME_KEYS = frozenset([b"time", b"timestamp", b"@timestamp", b"_SOURCE_REALTIME_TIMESTAMP",
                               b"__REALTIME_TIMESTAMP", b"date", b"_time", b"TimeGenerated", b"ts"])
PRETTY_ENTRY_REASON = "JSON object without a log line"
#: ``aws logs get-query-results``: each result row is a list of ``{"field": "@timestamp", "value": "…"}`` objects
_PRETTY_ROW_MESSAGE_RE = re.compile(rb'^\s*"field"\s*:\s*"@message"', re.M)
#: the OpenTelemetry Collector's file exporter output pretty-printed: ``"resourceLogs": [`` as the first member
_PRETTY_OTLP_RE = re.compile(rb'\A\s*\{\s*"resourceLogs"\s*:\s*\[')
#: Grafana Loki's answer to a log query through ``jq .`` (:func:`_loki_streams`): its values are lists, not objects
_PRETTY_LOKI_RE = re.compile(rb'\A\s*\{\s*(?:"status"\s*:\s*"success"\s*,\s*"data"\s*:\s*\{\s*)?'
                             rb'(?:"resultType"\s*:\s*"streams"|"streams"\s*:\s*\[)')


def is_pretty_log_entries(sample: bytes) -> bool:
    """A pretty-printed JSON document of log records: an object of the top level with a line member
    (``gcloud logging read --format=json``, a Logs Explorer or Grafana download, ``journalctl -o json-pretty``),
    or a nested one with a line and a time member (``aws logs filter-log-events``' events, Elasticsearch hits'
    ``_source``). Kubernetes objects (``kubectl get -o json``, ``cluster-info dump`` lists) have neither: their
    ``message`` members come without such a time."""
    if not is_pretty_json(sample):
        return False
    if _PRETTY_ROW_MESSAGE_RE.search(sample[:65536]):
        return True  # CloudWatch Logs Insights result rows (PrettyJson: rows of field/value pairs)
    if _PRETTY_OTLP_RE.search(sample[:4096]) or _PRETTY_LOKI_RE.search(sample[:4096]):
        return True  # an OTLP or Loki answer through `jq .` (PrettyJson reads the document, _docker its records)
    stack: list[list[Any]] = []  # per open object: [indentation of its members, has a line, has a time]
    for ln in sample.split(b"\n")[:400]:
        ln = ln.rstrip(b"\r")
        s = ln.strip()
        if not s:
            continue
        indent = len(ln) - len(ln.lstrip())
        if stack and stack[-1][0] is None:
            stack[-1][0] = indent
        m = _PRETTY_MEMBER_RE.match(ln) if stack and indent == stack[-1][0] else None
        if m is not None:
            stack[-1][1] |= m.group(2) in _PRETTY_TEXT_KEYS
            stack[-1][2] |= m.group(2) in _PRETTY_TIME_KEYS
        if s.endswith(b"{"):
            stack.append([None, False, False])
        elif s in (b"}", b"},") and stack:
            _, text, when = stack.pop()
            if text and (when or not stack):
                return True
    return False


def _pretty_json_logging(doc: bytes) -> Unwrapped | None:
    """A JSON logging or zap record printed over lines (``kubectl logs … | jq .`` of ``--logging-format=json``):
    the record as one line of compact JSON (FMT-7 reads it); None for other objects."""
    try:
        obj = json.loads(doc)
    except ValueError:
        return None
    if not isinstance(obj, dict) or not isinstance(obj.get("msg"), str):
        return None
    line = json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()
    return Unwrapped(line, None, 0, "envelope") if canonical_inner(line) is not None else None


@dataclass
class _JsonObject:
    at: int  # index of its first line in PrettyJson.buf
    indent: int  # indentation of that line (its closing brace has the same)
    lineno: int
    child: bool = False  # a record was read from an object inside it: it is not one itself


@dataclass
class PrettyJson:
    """The log records of a pretty-printed JSON document, read object by object as their closing brace comes:
    an object with a line member (and a time member, or at the top level) is one line at the line where it
    opens; objects around it are then not (AWS CLI ``{"events": [...]}``, Elasticsearch ``hits``); a top-level
    object without a line is counted as unparsed. Memory is bounded by ``max_bytes`` (the buffer is emptied once
    every open object holds a record). A list of ``{"field": name, "value": value}`` objects (the rows of ``aws logs
    get-query-results``, a CloudWatch Logs Insights query) is one record of those members, at its ``[`` line."""

    max_bytes: int
    buf: list[bytes] = field(default_factory=list)
    size: int = 0
    stack: list[_JsonObject] = field(default_factory=list)
    over: bool = False  # an object grew beyond max_bytes: it is not read
    row: list[Any] | None = None  # [line number, indentation, {field: value}] of a result row being read

    def feed(self, raw: bytes, lineno: int) -> tuple[Unwrapped | None, int]:
        s = raw.strip()
        if not self.stack and not s.endswith(b"{"):
            return None, lineno  # the brackets of an array of records
        if self.size + len(raw) < self.max_bytes:
            self.buf.append(raw)
            self.size += len(raw) + 1
        else:
            self.over = True
        indent = len(raw) - len(raw.lstrip())
        if s == b"[":
            self.row = [lineno, indent, {}]  # maybe a result row: a list of field/value objects
            return None, lineno
        if self.row is not None and s in (b"]", b"],") and indent == self.row[1]:
            return self._row()
        if s.endswith(b"{"):
            self.stack.append(_JsonObject(len(self.buf) - 1, indent, lineno))
            return None, lineno
        if s not in (b"}", b"},") or indent != self.stack[-1].indent:
            return None, lineno
        obj = self.stack.pop()
        top = not self.stack
        res = None if obj.child or self.over else self._read(obj, top)
        if res is None and not top and self.row is not None and self._row_member(obj):
            return None, obj.lineno
        if res is not None:
            for o in self.stack:
                o.child = True
            if all(o.child for o in self.stack):
                self.buf, self.size = [], 0  # no open object needs its text any more
        elif top and not obj.child:
            res = self._unparsed(obj)
        if top:
            self.buf, self.size, self.over = [], 0, False
        return res, obj.lineno

    def _read(self, obj: _JsonObject, top: bool) -> Unwrapped | None:
        first = self.buf[obj.at]
        doc = b"\n".join([first[first.rfind(b"{") :], *self.buf[obj.at + 1 :]]).rstrip().rstrip(b",")
        res = _docker(doc)  # a Docker entry's missing "\n" marks no fragment here: the object is the whole record
        if res is None and top and b'"msg"' in doc:
            return _pretty_json_logging(doc)
        if res is None or res.inner is None and not (top and res.events):
            return None  # (an OTLP export's records are the events of its top-level object)
        if not top and res.outer_ns is None:
            return None  # a nested object without a time (jsonPayload): the object around it is the record
        res.fmt = "envelope"
        return res

    def _row_member(self, obj: _JsonObject) -> bool:
        """Keep a ``{"field": name, "value": value}`` object of the row being read; False for other objects."""
        first = self.buf[obj.at] if obj.at < len(self.buf) else b""
        doc = b"\n".join([first[first.rfind(b"{") :], *self.buf[obj.at + 1 :]]).rstrip().rstrip(b",")
        try:
            pair = json.loads(doc)
        except ValueError:
            return False
        if not isinstance(pair, dict) or not isinstance(pair.get("field"), str) or set(pair) - {"field", "value"}:
            return False
        self.row[2][pair["field"]] = pair.get("value")  # type: ignore[index]
        return True

    def _row(self) -> tuple[Unwrapped | None, int]:
        """The end of a list: a result row when it held field/value objects."""
        start, _, members = self.row  # type: ignore[misc]
        self.row = None
        if not members:
            return None, start
        res = _envelope(members)
        if res is None:
            raw = json.dumps(members)[:200].encode()
            return Unwrapped(None, fmt="envelope", unparsed=PRETTY_ENTRY_REASON, raw=raw), start
        res.fmt = "envelope"
        for o in self.stack:
            o.child = True
        self.buf, self.size = [], 0
        return res, start

    def _unparsed(self, obj: _JsonObject) -> Unwrapped:
        lines = self.buf[obj.at : obj.at + 4] if obj.at < len(self.buf) else []
        reason = PRETTY_ENTRY_REASON if not self.over else f"JSON object longer than {self.max_bytes} bytes"
        return Unwrapped(None, fmt="envelope", unparsed=reason, raw=b" ".join(ln.strip() for ln in lines))

    def cut_short(self) -> tuple[Unwrapped, int]:
        """The document ended inside an object."""
        obj = self.stack[0]
        self.stack = []
        if obj.child:
            return Unwrapped(None, fmt="envelope"), obj.lineno
        return self._unparsed(obj), obj.lineno


#: reason of the lines of a Kubernetes manifest (a static pod's YAML beside the logs in a support bundle)
MANIFEST_REASON = "Kubernetes manifest (YAML), not a log"
_MANIFEST_KEY_RE = re.compile(rb"^(apiVersion|kind|metadata|spec|data|items|status):(?: |$)")


def is_manifest(sample: bytes) -> bool:
    """The head of a source is a Kubernetes object in YAML (``apiVersion:``/``kind:`` top-level keys first, after
    comments and ``---``), as support bundles keep next to the logs (``pod-manifests/kube-apiserver.yaml``)."""
    lines = [ln.rstrip(b"\r") for ln in sample.split(b"\n")[:80] if ln.strip() and ln[:1] != b"#"]
    if lines[:1] == [b"---"]:
        lines = lines[1:]
    top = [m.group(1) for ln in lines[:60] if (m := _MANIFEST_KEY_RE.match(ln))]
    first = _MANIFEST_KEY_RE.match(lines[0]) if lines else None
    return first is not None and first.group(1) in (b"apiVersion", b"kind") and {b"apiVersion", b"kind"} <= set(top)


#: reason of an audit event line (``--audit-log-path`` JSON, or the legacy ``AUDIT: id=…`` text) in the input
AUDIT_REASON = "Kubernetes audit event (audit logs are not analysed)"
_AUDIT_RE = re.compile(rb'^\s*(?:[\w.\-]{1,128} )?(?:\{.{0,64}"apiVersion":\s*"audit\.k8s\.io/|AUDIT: id=")')


def is_audit_event(line: bytes) -> bool:
    """A kube-apiserver audit event (``{"kind":"Event","apiVersion":"audit.k8s.io/v1",…}``, or the legacy text
    format ``AUDIT: id="…" ip=…``), also after one log-stream name (``aws logs tail`` prints
    ``<time> kube-apiserver-audit-<id> {…}``): not a log line, and never a continuation of one."""
    return _AUDIT_RE.match(line) is not None


def is_binary(line: bytes) -> bool:
    """NUL bytes, or more than 30 % of the decoded characters replaced (FMT-10)."""
    if b"\x00" in line:
        return True
    try:
        line.decode("utf-8")
        return False
    except UnicodeDecodeError:
        text = line.decode("utf-8", "replace")
        return text.count("\ufffd") > 0.3 * max(len(text), 1)
