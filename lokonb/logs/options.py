"""``Options``: the validated parameters of one analysis, and the checks of the parameters that need more than a
type (workers, time zones, month names, buckets, since/until)."""

from __future__ import annotations

import datetime as dt
import math
import re
import time
from dataclasses import dataclass
from typing import Any

from lokonb.logs import formats as F
from lokonb.logs.errors import LogParameterError
from lokonb.logs.probe_windows import SEAL_EVENTS

MAX_TLS_GROUPS = 10_000  # §6.3 max_tls_groups: beyond, the rarest addresses are merged (other_addresses)
#: a byte-range worker hands its probe events to the coordinator's file after this many parts (PERF-3: a scanned
#: endpoint brings a part per address and batch)
SPILL_PARTS = 20_000
_UTC_NAMES = (None, "UTC", "utc", "Z")
#: analyze()'s numeric options: (integer only, lowest, highest, what is allowed). NaN passed every `<` check,
#: True counted as 1 and year "2024" reached numpy's date arithmetic (UFuncTypeError).
NUMBERS: dict[str, tuple[bool, float, float, str]] = {
    "year": (True, 1970, 2200, "an integer year from 1970 to 2200, or None"),
    "max_records": (True, 0, math.inf, "a non-negative integer"),
    "probe_periods": (False, 1, 3600, "periods between 1 and 3600 seconds"),
    "probe_tolerance_s": (False, 0, 3600, "seconds from 0 to 3600, or None for the default"),
    "trace_threshold_s": (False, 0, math.inf, "a non-negative number of seconds"),
}


def check_number(name: str, value: Any) -> None:
    """Raise :class:`LogParameterError` naming ``name`` and what is allowed unless ``value`` fits ``NUMBERS``."""
    integer, low, high, allowed = NUMBERS[name]
    kinds = (int,) if integer else (int, float)
    if (isinstance(value, bool) or not isinstance(value, kinds) or math.isnan(value)
            or not low <= value <= high):
        raise LogParameterError(f"{name}: {value!r:.40} is not allowed (allowed: {allowed})")


@dataclass
class Options:
    """Validated parameters of one analysis."""

    format: Any = "auto"
    klog_tz: str = "UTC"
    syslog_tz: str | None = None  # None: as klog_tz (TIME-1)
    month_names: dict[str, int] | None = None  # localized syslog month names (formats.month_map), None: English
    year: int | None = None
    vpc_cidrs: Any = None
    extra_probe_networks: Any = ()
    probe_periods: Any = (10.0, 30.0)
    probe_tolerance_s: float | None = None
    since_ns: int | None = None
    until_ns: int | None = None
    bucket: str = "1min"
    max_records: int = 100_000
    records: str = "auto"
    max_message_bytes: int = 4096
    max_continuation_lines: int = 2000
    max_record_bytes: int = 1 << 20
    max_unparsed_examples: int = 20
    max_findings: int = 500
    trace_threshold_s: float = 1.0
    anchor_skew_ns: int = 86_400 * 10**9
    workers: int = 1
    # internal: "bounded" probe state (§6.3) where allowed, "full" keeps every event (equality tests)
    probe_state: str = "bounded"
    probe_seal_events: int = SEAL_EVENTS
    max_tls_groups: int = MAX_TLS_GROUPS
    probe_spill_parts: int = SPILL_PARTS


def _workers(value: Any) -> int:
    """``workers``: "auto" (2 on a multi-core machine, else 1) or a positive integer.

    With N ≥ 2, a large plain klog file is read by N worker processes over byte ranges (:mod:`lokonb.logs.ranges`);
    other sources run family dispatch of block k+1 in a pipeline thread while block k is aggregated. Results are
    identical to ``workers=1`` either way (PERF-4).
    """
    if value is None or value == "auto":
        import os

        return 2 if (os.cpu_count() or 1) >= 2 else 1
    try:
        n = int(value)
    except (TypeError, ValueError):
        n = 0
    if isinstance(value, bool) or n < 1 or str(n) != str(value).strip():
        raise LogParameterError(f"workers: {value!r} must be 'auto' or a positive integer")
    return n


def _zone(value: Any, what: str) -> str:
    """``klog_tz`` / ``syslog_tz``: UTC, an IANA zone name, a fixed offset (``+01:00``) or ``auto`` (TIME-1),
    checked before any source is read."""
    if value == "auto" or value in _UTC_NAMES:
        return value
    ok = isinstance(value, str) and bool(value.strip())
    if ok:
        import pandas as pd

        try:
            pd.DatetimeIndex([0]).tz_localize(value)
        except Exception:  # noqa: BLE001 - zoneinfo, pytz and pandas raise different types
            ok = False
    if not ok:
        raise LogParameterError(
            f"{what}: {value!r} is not a time zone: use UTC, an IANA name such as Europe/Berlin, a fixed offset "
            "such as +01:00, or auto"
        )
    return value


def _month_names(value: Any) -> dict[str, int] | None:
    try:
        return F.month_map(value)
    except ValueError as exc:
        raise LogParameterError(f"month_names: {exc}") from None


def _bucket_ns(bucket: str) -> int:
    """A timeline bucket in ns: a positive duration with a unit (pandas reads a bare ``60`` as 60 ns and ``0min``
    as a zero-width bucket, which divided by zero; an empty text was NaT, a negative width)."""
    text = str(bucket).strip()
    try:
        import pandas as pd

        ns = int(pd.Timedelta(text).value) if re.search(r"[A-Za-z]", text) else 0
    except (ValueError, TypeError):
        ns = 0
    if ns <= 0:
        raise LogParameterError(f"bucket: {bucket!r} is not a duration like 1min, 5min, 1h (allowed: a positive "
                                "number with a unit: s, min, h, d)") from None
    return ns


def check_window(since_ns: int | None, until_ns: int | None) -> None:
    """``until`` must come after ``since``: an empty window kept no record and looked like a quiet log."""
    if since_ns is not None and until_ns is not None and until_ns <= since_ns:
        import pandas as pd

        raise LogParameterError(f"until: {pd.Timestamp(until_ns, tz='UTC').isoformat()} is not after since "
                                f"{pd.Timestamp(since_ns, tz='UTC').isoformat()}; no record could be kept")


def parse_time(value: Any, what: str, now_ns: int | None = None) -> int | None:
    """``since``/``until``: a duration before now (``"6h"``) or an absolute time (ISO 8601) → UTC ns."""
    import pandas as pd

    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        ts = pd.Timestamp(value)
        return int((ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")).value)
    text = str(value).strip()
    if re.fullmatch(r"\d+(?:\.\d+)?(?:s|m|h|d|w)", text):
        mult = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[text[-1]]
        now = now_ns if now_ns is not None else time.time_ns()
        return now - int(float(text[:-1]) * mult * 10**9)
    try:
        ts = pd.Timestamp(text)
    except (ValueError, TypeError):
        raise LogParameterError(
            f"{what}: {value!r} is neither a duration (6h, 30m, 2d) nor an ISO 8601 time"
        ) from None
    return int((ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")).value)
