"""Bounded state of the probe rule (spec logs.md §6.3: "event times only for open windows, counts for closed ones").

A :class:`WindowedGroup` takes one (source, client address) group's TLS probe-family events in file order. While it
has fewer than ``seal_events`` events it keeps them as they came (the parts of ``_SourceRun.probe``) and the group
is resolved by :func:`probe.analyse_group` as before. Beyond that it *seals* old time: windows are aligned to
absolute time and every candidate period's window length divides the sealing grid (their least common multiple),
so every window below a multiple ``S`` of the grid is complete once the newest event is two grids past ``S``.
Sealing folds those windows (:func:`probe.fold_windows`), judges their sparse events by their neighbours (the last
sealed event and the first held one) and reduces the events to counts keyed by what the tables need — family, TLS
kind, severity, F flag, whether the event took part in the windows, its on-beat bit under each candidate period —
with first/last times and the example of the first event, plus a timeline by bucket. Per period it keeps what the
choice of the period needs: the number of windows with ≥ 4 events, how many of them are periodic and the (refined
period, probers, count) of those, and for groups without such windows whether every gap so far is near 1–6
periods. At the end the period is chosen exactly as :func:`probe.analyse_group` chooses it and the counts become
verdicts; the results are the same as from the events themselves. Parts that carry rows (built while the input fits
``max_records``, or a public client's) keep their on-beat bits per event, for the rows' verdicts: per-event state
only where rows are held anyway.

Late events: an event that arrives after its window was sealed (out-of-order lines: older than the last seal, or
older than every held event and within 6 periods of the newest sealed one, whose next neighbour was already judged)
cannot join its window any more. It is judged off the beat under every period (actionable unless the group is not
probe noise anyway: ``off-beat`` in a periodic group), takes no part in windows, gaps or the period choice, and is
counted in ``late``. Sealing happens only between batches (every family of a batch is in), two sealing grids behind
the newest event, so lines out of order by less than that are never late.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from lokonb.logs.probe import AUTO_PERIODS, NS, _near_multiple, _tol, dense_score, fold_windows, sparse_score

NAT = np.iinfo(np.int64).min
SEAL_EVENTS = 4096  # events a group holds before it seals old windows (smaller groups keep every event)
MAX_PERIODS = 9  # on-beat bits per count row
DAY_S = 86_400
_ON_BITS = 9
_ROW_LOW = 1 + 1 + 1 + _ON_BITS  # fsev, valid, grid, on-beat bits
_TL_LOW = 15 + 1 + 1 + _ON_BITS  # family, fsev, grid, on-beat bits


def sealing_grid(periods: Any, *, day_aligned: bool = False) -> int | None:
    """The sealing grid in seconds: the least common multiple of the candidate periods' window lengths
    (``max(20·P, 300 s)``), or None when windows are not whole seconds, the grid exceeds a day or there are more
    than :data:`MAX_PERIODS` periods (the group then keeps its events). ``day_aligned``: the grid must also divide a
    day, so that windows stay aligned when a byte range's times are shifted by whole years (TIME-4)."""
    ps = tuple(AUTO_PERIODS if periods == "auto" else periods)
    if not ps or len(ps) > MAX_PERIODS:
        return None
    grid = 1
    for p in ps:
        w = max(20 * float(p), 300.0)
        if w != math.floor(w):
            return None
        grid = math.lcm(grid, int(w))
        if grid > DAY_S:
            return None
    if day_aligned and DAY_S % grid:
        return None
    return grid


@dataclass
class SealedCounts:
    """A sealed group's outcome: count rows (one per family, kind, severity, F flag and verdict) and a timeline."""

    f: np.ndarray
    kind: list[Any]
    sev: np.ndarray
    fsev: np.ndarray
    valid: np.ndarray
    count: np.ndarray
    tmin: np.ndarray  # valid rows only
    tmax: np.ndarray
    seq: np.ndarray  # the first event's number in the group (file order)
    example: list[str]  # the line text of the first event's batch
    harmless: np.ndarray
    why: np.ndarray
    verdicts: list[tuple[Any, np.ndarray, np.ndarray]]  # parts with rows: (part, harmless, why) per event
    tl_bucket: np.ndarray
    tl_f: np.ndarray
    tl_harmless: np.ndarray
    tl_count: np.ndarray
    n: int
    period_s: float
    probers: float
    on_beat_share: float
    late: int


@functools.lru_cache(maxsize=64)
def _period_config(
    periods: tuple[float, ...], tol: float | None
) -> tuple[tuple[float, ...], tuple[float, ...], tuple[float, ...], int]:
    """Per candidate period: tolerance and window length; and the horizon beyond which the newest sealed event's
    next neighbour cannot matter (never near 1-6 periods)."""
    tols = tuple(_tol(p, tol) for p in periods)
    wins = tuple(max(20 * p, 300.0) for p in periods)
    return periods, tols, wins, int((6 * max(periods) + max(tols)) * NS) + 1


class WindowedGroup:
    """One (source, client address) group of probe-family events, held with bounded state (see the module)."""

    # slots: an internet-facing API server logs TLS errors from tens of thousands of scanner addresses, a group each
    __slots__ = (
        "_buf", "_examples", "_held", "_kinds", "_next_ex", "_tl", "_tl_compacted", "_tl_pending", "_verdict",
        "bucket_ns", "grid_ns", "hi", "horizon_ns", "late", "late_before", "max_probers", "n", "n_dense",
        "n_grid", "n_wper", "parts", "periods", "prev_ns", "prev_t", "rows", "seal_events", "seal_ns", "sealed",
        "sp_gaps", "sp_ok", "tols", "wins", "wper",
    )  # fmt: skip

    def __init__(
        self,
        periods: Any,
        grid_s: int,
        *,
        tol: float | None = None,
        max_probers: int = 6,
        bucket_ns: int = 60 * NS,
        seal_events: int = SEAL_EVENTS,
    ) -> None:
        # one shared copy per parameters: an unsealed group is small (scanner addresses bring a group each)
        self.periods, self.tols, self.wins, self.horizon_ns = _period_config(
            tuple(float(p) for p in (AUTO_PERIODS if periods == "auto" else periods)), tol
        )
        self.grid_ns = int(grid_s) * NS
        self.max_probers, self.bucket_ns, self.seal_events = max_probers, bucket_ns, seal_events
        self.parts: list[tuple[Any, ...]] = []  # events as they came, until the first seal
        self.n = 0
        self.sealed = False
        self.late = 0
        self.hi = NAT  # newest valid time seen
        self.seal_ns = NAT  # events below are counts
        self.late_before = NAT  # an event older than this arrived after its window was sealed
        self.prev_t: float | None = None  # the newest sealed event (seconds), the next one's neighbour
        self.prev_ns = NAT
        self._held = 0

    def _start_sealing(self) -> None:
        """The state of sealed time, made at the first seal (most groups never seal: see ``__init__``)."""
        self.n_grid = 0  # sealed events that took part in windows
        self._buf: list[dict[str, np.ndarray]] = []
        self._examples: dict[int, str] = {}
        self._next_ex = 0
        self._kinds: dict[Any, int] = {}
        k = len(self.periods)
        self.n_dense, self.n_wper = [0] * k, [0] * k
        # per period: (refined period, probers, count) of its periodic windows -> how many
        # (plain dicts: a Counter costs ~25 µs to make, and a scan brings tens of thousands of groups)
        self.wper: list[dict[tuple[float, float, int], int]] = [{} for _ in range(k)]
        self.sp_ok = [True] * k  # every gap so far near 1-6 periods (groups without dense windows)
        self.sp_gaps: list[list[np.ndarray] | None] = [[] for _ in range(k)]
        self.rows: dict[int, list[Any]] = {}  # packed key -> [count, tmin, tmax, first seq, example]
        # parts that carry rows (read before the input overflowed max_records): [first seq, part, on-beat bits,
        # took part in windows] per event, for their per-event verdicts
        self._verdict: list[list[Any]] = []
        self._tl: list[tuple[np.ndarray, np.ndarray]] = []
        self._tl_pending = self._tl_compacted = 0

    # -- intake ----------------------------------------------------------------------------------------------
    def add(self, part: tuple[Any, ...]) -> None:
        """Add one family's events of this group from a batch (the part layout of ``_SourceRun.probe``, without
        rows). Call :meth:`settle` when the batch is complete."""
        ts = part[0]
        v = ts[ts != NAT]
        if len(v):
            self.hi = max(self.hi, int(v.max()))
        if self.sealed:
            self._hold(part, self.n)
        else:
            self.parts.append(part)
        self.n += len(ts)

    def settle(self) -> None:
        """Seal old windows once enough events are held. Called between batches only: a batch brings its families
        one after the other, each spanning the batch's time, so sealing within a batch would make the next family's
        events late."""
        if (self._held if self.sealed else self.n) < self.seal_events:
            return
        s = self._seal_point()
        if s is None:
            return
        if not self.sealed:
            self.sealed = True
            self._start_sealing()
            parts, self.parts, n0 = self.parts, [], 0
            for p in parts:
                self._hold(p, n0)
                n0 += len(p[0])
        self._seal(s)

    def _seal_point(self) -> int | None:
        """The next seal: the newest grid multiple at least two grids older than the newest event."""
        if self.hi == NAT:
            return None
        s = (self.hi - 2 * self.grid_ns) // self.grid_ns * self.grid_ns
        return s if s > self.seal_ns else None

    def _hold(self, part: tuple[Any, ...], seq0: int) -> None:
        import pandas as pd

        ts, f, tls, sev, example = part[:5]
        fsev = part[6]
        n = len(ts)
        if part[5] is not None:
            self._verdict.append([seq0, part, np.zeros(n, np.int64), np.zeros(n, bool)])
        ex = self._next_ex
        self._next_ex += 1
        self._examples[ex] = example
        codes, uniq = pd.factorize(np.asarray(tls, dtype=object), use_na_sentinel=False)
        lut = np.array([self._kinds.setdefault(u, len(self._kinds)) for u in uniq.tolist()], np.int64)
        chunk = {
            "t": np.asarray(ts, np.int64),
            "f": np.asarray(f, np.int64),
            "tls": lut[codes] if n else np.zeros(0, np.int64),
            "sev": np.asarray(sev, np.int64),
            "fsev": np.asarray(fsev, bool),
            "seq": seq0 + np.arange(n, dtype=np.int64),
            "ex": np.full(n, ex, np.int64),
        }
        t = chunk["t"]
        valid = t != NAT
        # late: inside a sealed window, or before the oldest held event and near enough to the newest sealed one
        # to become its next neighbour (whose gap is already judged)
        near = t - self.prev_ns <= self.horizon_ns if self.prev_ns != NAT else np.zeros(n, bool)
        late = valid & ((t < self.seal_ns) | ((t < self.late_before) & near))
        odd = ~valid | late
        if odd.any():
            # no time, or its window is already sealed: counted now, off the beat, outside windows and gaps
            self.late += int(late.sum())
            sub = {k: a[odd] for k, a in chunk.items()}
            self._count(sub, valid[odd], np.zeros(int(odd.sum()), bool), np.zeros(int(odd.sum()), np.int64))
            chunk = {k: a[~odd] for k, a in chunk.items()}
        if len(chunk["t"]):
            self._buf.append(chunk)
            self._held += len(chunk["t"])

    # -- sealing ---------------------------------------------------------------------------------------------
    def _seal(self, s: int | None) -> None:
        """Fold and count every held event older than ``s`` (None: all of them, at the end)."""
        if not self._buf:
            if s is not None:
                self.seal_ns = s
            return
        buf = {k: np.concatenate([c[k] for c in self._buf]) for k in self._buf[0]}
        t = buf["t"]
        sel = np.ones(len(t), bool) if s is None else t < s
        rest = ~sel
        idx = np.flatnonzero(sel)
        if len(idx):
            order = idx[np.argsort(t[idx], kind="stable")]  # time order, file order among equal times
            ev = {k: a[order] for k, a in buf.items()}
            tf = ev["t"].astype(np.float64) / NS  # the seconds analyse_group computes
            next_t = None
            if rest.any():
                next_t = float((np.array([t[rest].min()], np.int64).astype(np.float64) / NS)[0])
            onmask = np.zeros(len(tf), np.int64)
            for i in range(len(self.periods)):
                onmask |= self._fold_period(i, tf, next_t).astype(np.int64) << i
            self.prev_t, self.prev_ns = float(tf[-1]), int(ev["t"][-1])
            if self._verdict:
                self._keep_verdicts(ev["seq"], onmask)
            self.n_grid += len(tf)
            self._count(ev, np.ones(len(tf), bool), np.ones(len(tf), bool), onmask)
        kept = {k: a[rest] for k, a in buf.items()}
        self._buf = [kept] if len(kept["t"]) else []
        self._held = len(kept["t"])
        self._examples = {e: self._examples[e] for e in np.unique(kept["ex"]).tolist()}
        if s is not None:
            self.seal_ns = s
            self.late_before = int(kept["t"].min()) if len(kept["t"]) else s

    def _keep_verdicts(self, seq: np.ndarray, onmask: np.ndarray) -> None:
        """Record the on-beat bits of sealed events that belong to parts with rows."""
        starts = np.array([v[0] for v in self._verdict], np.int64)
        which = np.searchsorted(starts, seq, side="right") - 1
        for w in np.unique(which[which >= 0]).tolist():
            v = self._verdict[w]
            m = (which == w) & (seq < v[0] + len(v[2]))
            v[2][seq[m] - v[0]] = onmask[m]
            v[3][seq[m] - v[0]] = True

    def _fold_period(self, i: int, tf: np.ndarray, next_t: float | None) -> np.ndarray:
        """Fold complete windows (sorted times ``tf``) at period ``i``: update its window numbers, return on-beat."""
        p, w, tl = self.periods[i], self.wins[i], self.tols[i]
        win_abs = np.floor(tf / w).astype(np.int64)
        win = win_abs - win_abs[0]
        counts = np.bincount(win)
        wstart = (win_abs * w).astype(np.float64)
        dense = counts >= 4
        if dense.any():
            share, k, pbest, on = fold_windows(tf, win, wstart, counts, p, tl, self.max_probers)
        else:
            share, k, pbest = np.full(len(counts), -1.0), np.full(len(counts), 99.0), np.full(len(counts), p)
            on = np.zeros(len(tf), bool)
        rate_ok = counts <= 1.2 * np.maximum(k, 1) * w / p + 1
        wper = dense & (share >= 0.8) & rate_ok
        self.n_dense[i] += int(dense.sum())
        self.n_wper[i] += int(wper.sum())
        seen = self.wper[i]
        for key in zip(pbest[wper].tolist(), k[wper].tolist(), counts[wper].tolist(), strict=True):
            seen[key] = seen.get(key, 0) + 1
        # gaps to the neighbours in the whole time order: the last sealed event and the first held one
        first = tf[0] - self.prev_t if self.prev_t is not None else np.inf
        last = next_t - tf[-1] if next_t is not None else np.inf
        prev = np.concatenate([[first], np.diff(tf)])
        nxt = np.concatenate([np.diff(tf), [last]])
        sparse_ev = ~dense[win]
        if sparse_ev.any():
            gap_ok = _near_multiple(prev, p, tl) | _near_multiple(nxt, p, tl)
            on = on & ~sparse_ev | (sparse_ev & gap_ok)
        on &= wper[win] | sparse_ev
        # a group without dense windows is periodic when every gap is near 1-6 periods
        gaps = prev if self.prev_t is not None else prev[1:]
        if self.n_dense[i] or not self.sp_ok[i]:
            self.sp_gaps[i] = None
        else:
            self.sp_ok[i] = bool(np.all(_near_multiple(gaps, p, tl)))
            held = self.sp_gaps[i]
            if self.sp_ok[i] and held is not None:
                held.append(gaps[gaps <= 6 * p + tl])
            else:
                self.sp_gaps[i] = None
        return on

    def _count(self, ev: dict[str, np.ndarray], valid: np.ndarray, grid: np.ndarray, onmask: np.ndarray) -> None:
        """Reduce events to count rows and timeline counts."""
        low = (ev["fsev"].astype(np.int64) << 2 | valid.astype(np.int64) << 1 | grid.astype(np.int64)) << _ON_BITS
        key = ((ev["f"] << 20 | ev["tls"]) << 3 | ev["sev"]) << _ROW_LOW | low | onmask
        order = np.lexsort((ev["seq"], key))
        ks = key[order]
        starts = np.flatnonzero(np.concatenate([[True], ks[1:] != ks[:-1]]))
        cnt = np.diff(np.append(starts, len(ks)))
        ts = ev["t"][order]
        tmin, tmax = np.minimum.reduceat(ts, starts), np.maximum.reduceat(ts, starts)
        first = order[starts]
        for j, k in enumerate(ks[starts].tolist()):
            row = self.rows.get(k)
            s = int(ev["seq"][first[j]])
            if row is None:
                ex = self._examples[int(ev["ex"][first[j]])]
                self.rows[k] = [int(cnt[j]), int(tmin[j]), int(tmax[j]), s, ex]
                continue
            row[0] += int(cnt[j])
            row[1], row[2] = min(row[1], int(tmin[j])), max(row[2], int(tmax[j]))
            if s < row[3]:
                row[3], row[4] = s, self._examples[int(ev["ex"][first[j]])]
        if valid.any():
            tl_low = (ev["f"] << 2 | ev["fsev"].astype(np.int64) << 1 | grid.astype(np.int64)) << _ON_BITS | onmask
            tk = (ev["t"][valid] // self.bucket_ns) << _TL_LOW | tl_low[valid]
            u, c = np.unique(tk, return_counts=True)
            self._tl.append((u, c.astype(np.int64)))
            self._tl_pending += len(u)
            if self._tl_pending > max(1 << 16, 2 * self._tl_compacted):  # amortised: size doubles between merges
                self._tl = [self._timeline()]
                self._tl_pending = self._tl_compacted = len(self._tl[0][0])

    def _timeline(self) -> tuple[np.ndarray, np.ndarray]:
        if not self._tl:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        k = np.concatenate([a for a, _ in self._tl])
        c = np.concatenate([b for _, b in self._tl])
        u, inv = np.unique(k, return_inverse=True)
        return u, np.bincount(inv, weights=c, minlength=len(u)).astype(np.int64)

    def held_events(self) -> int:
        """Event times held (not yet counts): the group's per-event state."""
        return self._held if self.sealed else self.n

    # -- verdicts --------------------------------------------------------------------------------------------
    def _choose(self) -> tuple[Any, ...] | None:
        """The winning period as :func:`probe.analyse_group` picks it: (periodic, index, dense, period, probers)."""
        best = None
        for i, p in enumerate(self.periods):
            if self.n_grid == 0:
                continue
            if self.n_dense[i]:
                items = list(self.wper[i].items())
                reps = np.array([c for _, c in items], np.int64)
                pb = np.repeat(np.array([key[0] for key, _ in items], np.float64), reps)
                kk = np.repeat(np.array([key[1] for key, _ in items], np.float64), reps)
                cc = np.repeat(np.array([key[2] for key, _ in items], np.int64), reps)
                frac = np.float64(self.n_wper[i]) / np.float64(self.n_dense[i])
                periodic, per_s, probers, score = dense_score(frac, pb, kk, cc, self.wins[i], p)
                dense = True
            else:
                ok = self.n_grid >= 3 and self.sp_ok[i]
                gaps = np.concatenate(self.sp_gaps[i] or [np.zeros(0)]) if ok else np.zeros(0)
                per_s, probers, score = sparse_score(ok, gaps, p)
                periodic, dense = ok, False
            if best is None or score > best[0]:
                best = (score, periodic, i, dense, per_s, probers)
        return None if best is None else best[1:]

    def counts(self, network_ok: bool) -> SealedCounts:
        """Seal what is still held and turn the counts into verdicts (PROBE-1), as ``analyse_group`` would."""
        assert self.sealed, "an unsealed group is resolved from its parts"
        self._seal(None)
        best = self._choose()
        keys = np.array(list(self.rows), np.int64)
        vals = list(self.rows.values())
        onmask = keys & ((1 << _ON_BITS) - 1)
        grid = (keys >> _ON_BITS & 1).astype(bool)
        valid = (keys >> (_ON_BITS + 1) & 1).astype(bool)
        fsev = (keys >> (_ON_BITS + 2) & 1).astype(bool)
        sev = keys >> _ROW_LOW & 7
        tls = keys >> (_ROW_LOW + 3) & ((1 << 20) - 1)
        f = keys >> (_ROW_LOW + 23)
        count = np.array([v[0] for v in vals], np.int64)
        period_s = probers = float("nan")
        periodic, share = False, 0.0
        on = np.zeros(len(keys), bool)
        tl_k, tl_c = self._timeline()
        tl_on = np.zeros(len(tl_k), bool)
        if best is not None:
            periodic, i, dense, period_s, probers = best
            on = grid & ((onmask >> i & 1).astype(bool) if dense else bool(periodic))
            tl_grid = (tl_k >> _ON_BITS & 1).astype(bool)
            tl_on = tl_grid & ((tl_k >> i & 1).astype(bool) if dense else bool(periodic))
            n_valid = int(count[valid].sum())
            share = float(int(count[on].sum()) / n_valid) if n_valid else 0.0
            if not periodic:
                period_s, probers = float("nan"), float("nan")
        ok = network_ok and self.n >= 3 and bool(periodic)
        # one verdict for the whole group, or on/off the beat per row
        why_all = "not-probe-network" if not network_ok else "few-events" if self.n < 3 else None
        why_all = why_all or (None if periodic else "no-period")
        why = np.full(len(keys), why_all, dtype=object) if why_all else np.where(on, "probe", "off-beat")
        why = np.where(fsev, "severity-F", why).astype(object)
        tl_fsev = (tl_k >> (_ON_BITS + 1) & 1).astype(bool)
        verdicts = []
        for _, part, bits, in_grid in self._verdict:
            v_on = np.zeros(len(bits), bool)
            if best is not None:
                v_on = in_grid & ((bits >> i & 1).astype(bool) if dense else bool(periodic))
            v_fsev = np.asarray(part[6], bool)
            v_why = np.full(len(bits), why_all, dtype=object) if why_all else np.where(v_on, "probe", "off-beat")
            v_why = np.where(v_fsev, "severity-F", v_why).astype(object)
            verdicts.append((part, (v_on & ~v_fsev) if ok else np.zeros(len(bits), bool), v_why))
        kinds = {c: k for k, c in self._kinds.items()}
        return SealedCounts(
            f=f,
            kind=[kinds[int(c)] for c in tls.tolist()],
            sev=sev,
            fsev=fsev,
            valid=valid,
            count=count,
            tmin=np.array([v[1] for v in vals], np.int64),
            tmax=np.array([v[2] for v in vals], np.int64),
            seq=np.array([v[3] for v in vals], np.int64),
            example=[v[4] for v in vals],
            harmless=(on & ~fsev) if ok else np.zeros(len(keys), bool),
            why=why,
            verdicts=verdicts,
            tl_bucket=tl_k >> _TL_LOW,
            tl_f=tl_k >> (_ON_BITS + 2) & ((1 << 15) - 1),
            tl_harmless=(tl_on & ~tl_fsev) if ok else np.zeros(len(tl_k), bool),
            tl_count=tl_c,
            n=self.n,
            period_s=period_s,
            probers=probers,
            on_beat_share=share,
            late=self.late,
        )
