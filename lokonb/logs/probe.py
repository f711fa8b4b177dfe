"""The AWS load-balancer probe rule (spec logs.md §6): network, steady period, on the beat.

Per group (source, client address) the event times are folded modulo a period refined within ±1 % of each
candidate period, in windows aligned to absolute time (``W = max(20·P, 300 s)``); the dominant phases of a window
are histogram clusters of width ``2·tol`` holding ≥ 10 % of its events (at most ``max_probers``). A window is
periodic when those phases hold ≥ 80 % of its events and it has no more than 1.2 × the probe rate; a group is
periodic when ≥ 70 % of its windows with ≥ 4 events are. Sparse groups: periodic when n ≥ 3 and every gap is
within ``tol`` of 1–6 periods. Everything is vectorised per group.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

NS = 1_000_000_000
PRIVATE_ASSUMED = tuple(
    ipaddress.ip_network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")
)
# network classes whose periodic TLS errors may be load-balancer probes (PROBE-1.1); ``private`` (a private address
# outside the known VPC CIDRs) and ``public`` never qualify
PROBE_NETWORKS = frozenset({"loopback", "vpc", "listed", "private-assumed"})
AUTO_PERIODS = (5.0, 10.0, 15.0, 20.0, 30.0, 60.0, 120.0, 300.0)


@dataclass
class GroupResult:
    """Probe-rule outcome for one (source, client address) group."""

    harmless: np.ndarray  # per event
    why: np.ndarray  # per event (object): probe, not-probe-network, no-period, off-beat, few-events
    on_beat: np.ndarray  # per event
    period_s: float
    probers: float
    on_beat_share: float
    periodic: bool


def classify_network(
    addr: str | None,
    vpc_cidrs: Sequence[ipaddress._BaseNetwork] | None,
    extra: Sequence[ipaddress._BaseNetwork],
) -> str:
    """``loopback``, ``vpc``, ``listed``, ``private-assumed`` (a private range, VPC unknown), ``private`` (a private
    range outside the given VPC CIDRs: another VPC, a peered network, a VPN; not a public source) or ``public``."""
    try:
        ip = ipaddress.ip_address((addr or "").strip("[]"))
    except ValueError:
        return "public"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return "loopback"
    if vpc_cidrs is not None and any(ip in n for n in vpc_cidrs if n.version == ip.version):
        return "vpc"
    if any(ip in n for n in extra if n.version == ip.version):
        return "listed"
    if any(ip in n for n in PRIVATE_ASSUMED if n.version == ip.version):
        return "private-assumed" if vpc_cidrs is None else "private"
    return "public"


def actionable_priority(network: str) -> str:
    """The priority of an actionable probe-family record (PROBE-1): ``medium`` from public sources, else ``low``."""
    return "medium" if network == "public" else "low"


def parse_networks(items: Iterable[str] | None, what: str) -> list[ipaddress._BaseNetwork] | None:
    """CIDR strings → networks; raises a clear error naming the bad entry."""
    from lokonb.logs.errors import LogParameterError

    if items is None:
        return None
    out = []
    for i, s in enumerate(items):
        try:
            out.append(ipaddress.ip_network(str(s).strip(), strict=False))
        except ValueError:
            raise LogParameterError(f"{what}[{i}]: {s!r} is not a CIDR like 10.0.0.0/16") from None
    return out


def _tol(period: float, tol: float | None) -> float:
    return tol if tol is not None else max(0.25, 0.025 * period)


def _fold(
    t: np.ndarray, win: np.ndarray, wstart: np.ndarray, p: float, tol: float, max_probers: int, nwin: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """For period ``p``: per window the share of events in the fewest phase bins that reach 80 % (at most
    ``max_probers`` bins of ≥ 10 % each), that bin count, and per event whether it lies in one of those bins."""
    best_share = np.full(nwin, -1.0)
    best_k = np.full(nwin, 99.0)
    best_on = np.zeros(len(t), bool)
    width = 2 * tol
    nb = max(int(np.floor(p / width)), 1)
    wcount = np.bincount(win, minlength=nwin).astype(float)
    kmax = min(max_probers, nb)
    for off in (0.0, 0.5):
        phase = np.mod(t - wstart + off * width, p)
        b = np.minimum((phase / (p / nb)).astype(np.int64), nb - 1)
        cnt = np.bincount(win * nb + b, minlength=nwin * nb).reshape(nwin, nb)
        cs = -np.sort(-cnt, axis=1)[:, :kmax]
        big = cs >= np.maximum(0.1 * wcount[:, None], 1)
        cum = np.cumsum(cs * big, axis=1)
        reach = cum >= 0.8 * wcount[:, None]
        k = np.where(reach.any(axis=1), reach.argmax(axis=1) + 1, kmax)
        share = cum[np.arange(nwin), k - 1] / np.maximum(wcount, 1)
        thr = cs[np.arange(nwin), k - 1]
        dom = (cnt >= np.maximum(thr, 1)[:, None]) & (cnt >= np.maximum(0.1 * wcount, 1)[:, None])
        ok_new = share >= 0.8
        ok_old = best_share >= 0.8
        better = (ok_new & ~ok_old) | (
            (ok_new == ok_old) & ((k < best_k) | ((k == best_k) & (share > best_share)))
        )
        best_share = np.where(better, share, best_share)
        best_k = np.where(better, dom.sum(axis=1), best_k)
        on = dom[win, b]
        best_on = np.where(better[win], on, best_on)
    return best_share, best_k, best_on, wcount


def fold_windows(
    t: np.ndarray,
    win: np.ndarray,
    wstart_ev: np.ndarray,
    counts: np.ndarray,
    period: float,
    tl: float,
    max_probers: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Fold each window's events at ``period`` refined within ±1 %: per window (``win`` numbers them from 0, ``t``
    sorted) the phase share, the prober count and the refined period; per event whether it is on a dominant phase.

    Every window's outcome depends on its own events only, so windows may be folded in any grouping."""
    nwin = len(counts)
    share = np.full(nwin, -1.0)
    on = np.zeros(len(t), bool)
    pbest = np.full(nwin, period)
    k = np.full(nwin, 99.0)
    grid = np.linspace(-0.01, 0.01, 21)
    grid = grid[np.argsort(np.abs(grid), kind="stable")]  # nominal period first, then outwards
    # windows already perfect at the nominal period (every event on one of the phases) need no refinement
    sel_ev = np.ones(len(t), bool)
    for step, rel in enumerate(grid):
        if step == 1:
            todo = share < 1.0
            sel_ev = todo[win]
            if not sel_ev.any():
                break
            wsub, winv = np.unique(win[sel_ev], return_inverse=True)
        p = period * (1 + rel)
        if step == 0:
            s, kk, o, _ = _fold(t, win, wstart_ev, p, tl, max_probers, nwin)
            widx, ev_idx = np.arange(nwin), np.arange(len(t))
        else:
            s, kk, o, _ = _fold(t[sel_ev], winv, wstart_ev[sel_ev], p, tl, max_probers, len(wsub))
            widx, ev_idx = wsub, np.flatnonzero(sel_ev)
        cur_s, cur_k = share[widx], k[widx]
        ok_new, ok_old = s >= 0.8, cur_s >= 0.8
        better = (ok_new & ~ok_old) | (
            (ok_new == ok_old) & ((kk < cur_k) | ((kk == cur_k) & (s > cur_s + 1e-12)))
        )
        share[widx] = np.where(better, s, cur_s)
        k[widx] = np.where(better, kk, cur_k)
        pbest[widx] = np.where(better, p, pbest[widx])
        ev_win = win[ev_idx] if step else win
        bmask = np.zeros(nwin, bool)
        bmask[widx] = better
        on[ev_idx] = np.where(bmask[ev_win], o, on[ev_idx])
    return share, k, pbest, on


def dense_score(
    frac: Any, pbest: np.ndarray, k: np.ndarray, counts: np.ndarray, w: float, period: float
) -> tuple[Any, float, float, tuple[Any, ...]]:
    """A candidate period's verdict from its windows with ≥ 4 events: ``frac`` the share of them that are periodic,
    ``pbest``, ``k`` and ``counts`` the refined period, probers and event count of each periodic one (any order).

    Returns (periodic, median period, median probers, score); the highest score wins."""
    periodic = frac >= 0.7
    per_s = float(np.median(pbest)) if len(pbest) else float("nan")
    probers = float(np.median(k)) if len(k) else float("nan")
    # the event rate should match the probers at this period (a 30 s series is also "periodic" at 10 s
    # with two beats in three missing); then the fewest probers (10 s probes fold at 30 s in 3 phases)
    fill = counts / np.maximum(k * w / period, 1) if len(k) else np.array([0.0])
    fill_err = abs(float(np.log(max(float(np.median(fill)), 1e-6))))
    score = (
        periodic,
        round(frac, 1),
        -round(fill_err, 1),
        -(probers if probers == probers else 1e9),
        -abs(per_s - period) if per_s == per_s else -1e9,
    )
    return periodic, per_s, probers, score


def sparse_score(ok: bool, gaps: np.ndarray, period: float) -> tuple[float, float, tuple[Any, ...]]:
    """A candidate period's verdict for a group without any window of ≥ 4 events: ``ok`` when n ≥ 3 and every gap
    is near 1–6 periods, ``gaps`` those of at most 6 periods (+ tol). Returns (period, probers, score)."""
    per_s = float(np.median(gaps / np.maximum(np.round(gaps / period), 1))) if ok else float("nan")
    probers = 1.0 if ok else float("nan")
    frac = 1.0 if ok else 0.0
    return per_s, probers, (ok, round(frac, 1), 0.0, -1.0, -period)


def analyse_group(
    ts_ns: np.ndarray,
    *,
    network_ok: bool,
    periods: Sequence[float] = (10.0, 30.0),
    tol: float | None = None,
    max_probers: int = 6,
) -> GroupResult:
    """Apply PROBE-1 to the event times of one group (any order; results are per input position)."""
    n = len(ts_ns)
    order = np.argsort(ts_ns, kind="stable")
    t_all = ts_ns[order]
    valid = t_all != np.iinfo(np.int64).min
    t = t_all[valid].astype(np.float64) / NS  # absolute seconds (float64 keeps µs precision)
    periods = tuple(AUTO_PERIODS if periods == "auto" else periods)  # type: ignore[comparison-overlap]
    best = None
    for period in periods:
        tl = _tol(period, tol)
        w = max(20 * period, 300.0)
        if len(t) == 0:
            continue
        win_abs = np.floor(t / w).astype(np.int64)
        win = win_abs - win_abs[0]
        nwin = int(win[-1]) + 1
        wstart_ev = (win_abs * w).astype(np.float64)
        counts = np.bincount(win, minlength=nwin)
        dense = counts >= 4
        if dense.any():
            share, k, pbest, on = fold_windows(t, win, wstart_ev, counts, period, tl, max_probers)
            rate_ok = counts <= 1.2 * np.maximum(k, 1) * w / period + 1
            wper = dense & (share >= 0.8) & rate_ok
            frac = wper[dense].mean()
            # sparse windows of a periodic group: on the beat when a neighbour is a whole number of periods away
            sparse_ev = ~dense[win]
            if sparse_ev.any():
                on = on & ~sparse_ev | (sparse_ev & _gap_ok(t, period, tl))
            on &= wper[win] | sparse_ev
            periodic, per_s, probers, score = dense_score(frac, pbest[wper], k[wper], counts[wper], w, period)
        else:
            gaps = np.diff(t)
            ok = len(t) >= 3 and bool(np.all(_near_multiple(gaps, period, tl)))
            periodic = ok
            on = np.full(len(t), ok)
            per_s, probers, score = sparse_score(ok, gaps[gaps <= 6 * period + tl], period)
        if best is None or score > best[0]:
            best = (score, periodic, on, per_s, probers, dense.any())
    sorted_h = np.zeros(len(t_all), bool)
    sorted_why = np.full(len(t_all), "no-period", dtype=object)
    sorted_on = np.zeros(len(t_all), bool)
    period_s, probers, periodic, share = float("nan"), float("nan"), False, 0.0
    if best is not None:
        _, periodic, on, period_s, probers, dense_any = best
        on_full = np.zeros(len(t_all), bool)
        on_full[valid] = on
        sorted_on = on_full
        share = float(on.mean()) if len(on) else 0.0
        if not periodic:
            period_s, probers = float("nan"), float("nan")
    if not network_ok:
        sorted_why[:] = "not-probe-network"
    elif n < 3:
        sorted_why[:] = "few-events"
    elif periodic:
        sorted_h = sorted_on.copy()
        sorted_why = np.where(sorted_on, "probe", "off-beat").astype(object)
    h = np.empty(n, bool)
    why = np.empty(n, dtype=object)
    onb = np.empty(n, bool)
    h[order], why[order], onb[order] = sorted_h, sorted_why, sorted_on
    return GroupResult(h, why, onb, period_s, probers, share, bool(periodic))


def _near_multiple(gaps: np.ndarray, period: float, tol: float) -> np.ndarray:
    with np.errstate(invalid="ignore"):  # inf gaps (first/last event) are simply not near a multiple
        k = np.round(gaps / period)
        return (k >= 1) & (k <= 6) & (np.abs(gaps - k * period) <= tol)


def _gap_ok(t: np.ndarray, period: float, tol: float) -> np.ndarray:
    prev = np.concatenate([[np.inf], np.diff(t)])
    nxt = np.concatenate([np.diff(t), [np.inf]])
    return _near_multiple(prev, period, tol) | _near_multiple(nxt, period, tol)
