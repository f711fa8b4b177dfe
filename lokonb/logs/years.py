"""Years of year-less timestamps (klog's `mmdd`, syslog's `Mmm dd`): whole dates from month, day and time of day,
the candidate year closest to a reference (TIME-3), and shifts by whole calendar years (the TIME-4 end anchor)."""

from __future__ import annotations

from typing import Any

import numpy as np

from lokonb.logs import formats as F

NAT = F.NAT


def years_of(ns: np.ndarray) -> np.ndarray:
    """The calendar years of epoch-ns timestamps."""
    return ns.astype("datetime64[ns]").astype("datetime64[Y]").astype(np.int64) + 1970


def klog_ns(year: np.ndarray, mon: np.ndarray, day: np.ndarray, tod: np.ndarray) -> np.ndarray:
    """Epoch ns of dates and times of day (ns); NAT where the day does not exist in that month and year."""
    year = np.asarray(year, np.int64)
    mdays = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], np.int64)
    lim = mdays[mon] + ((mon == 2) & F.is_leap(year))
    ok = (day >= 1) & (day <= lim)
    days = F.days_from_civil(year, mon, day)
    return np.where(ok, days * F.DAY_NS + tod, NAT)


def closest_year(ref: np.ndarray, mon: np.ndarray, day: np.ndarray, tod: np.ndarray, conv: Any) -> np.ndarray:
    """TIME-3: month-day-times in the year of Y-1, Y, Y+1 (Y = the year of ``ref``) that, converted to UTC by
    ``conv``, fall closest to ``ref`` (UTC epoch ns); NAT where no candidate is a valid date."""
    y = years_of(ref)
    best = np.full(len(ref), NAT, np.int64)
    bestd = np.full(len(ref), np.inf)
    for dy in (-1, 0, 1):
        cand = conv(klog_ns(y + dy, mon, day, tod))
        d = np.where(cand == NAT, np.inf, np.abs((cand - ref).astype(np.float64)))
        better = d < bestd
        best = np.where(better, cand, best)
        bestd = np.where(better, d, bestd)
    return best


def shift_years(ns: np.ndarray, years: int) -> np.ndarray:
    """Shift epoch-ns timestamps by whole calendar years (Feb 29 → NaT when the target year is not leap)."""
    if years == 0 or not len(ns):
        return ns
    d = ns.astype("datetime64[ns]")
    y = d.astype("datetime64[Y]").astype(np.int64) + 1970
    mo = d.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day_start = d.astype("datetime64[D]")
    dd = (day_start - d.astype("datetime64[M]")).astype(np.int64) + 1
    tod = (d - day_start).astype(np.int64)
    out = klog_ns(y + years, mo, dd, tod)
    return np.where(ns == NAT, NAT, out)
