"""TLS client addresses beyond ``max_tls_groups`` (logs.md §6.3): merged, while reading, into one actionable row.

An API endpoint open to the internet is scanned from hundreds of thousands of addresses, a few TLS errors each. A
probe group holds its events until its verdict is known (the period needs them all), so the number of groups must
stay bounded (PERF-3). Whenever a batch ends with more than twice ``max_tls_groups`` groups, all but the
``max_tls_groups`` largest groups (and those that had events in that batch, unless it brought more addresses than
that) are merged into :class:`OtherAddresses`; when the source ends, all but the largest (a group already sealed
into counts always keeps its own row). So at most twice ``max_tls_groups`` plus one batch's addresses are held:
bounded by the block size, not the input size. The merged row needs no period: it is judged like a public address,
actionable (``not-probe-network``), so its events become counts at once. A merged address that comes back starts a
new group. Groups of the batch just read stay: a load balancer's prober that started at the batch's end has a few
events only, as many as a scanner, and should not lose its first events to the merged row.

Byte-range workers do not merge: their coordinator replays their events batch by batch and merges at the same batch
ends as the sequential read, so the result does not depend on them (PERF-4).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Container, Mapping, Sequence
from typing import Any

import numpy as np

NAT = np.iinfo(np.int64).min
LABEL = "(other addresses)"
WHY = "not-probe-network"  # the merged addresses are judged as public ones (PROBE-1.1)
PRIORITY = "medium"  # an actionable TLS error from a public address


def rarest(
    groups: Mapping[str, Any],
    keep: int,
    size: Callable[[Any], int],
    sealed: Callable[[Any], bool],
    recent: Container[str] = (),
) -> list[str]:
    """The addresses to merge, in the groups' order: all but the ``keep`` largest groups (equal sizes: the greater
    address stays, so the choice never depends on string hashing), the sealed ones and the ``recent`` ones."""
    if len(groups) <= keep:
        return []
    ranked = sorted(((size(g), a) for a, g in groups.items()), reverse=True)
    stay = {a for _, a in ranked[:keep]}
    return [a for a, g in groups.items() if a not in stay and a not in recent and not sealed(g)]


def add_tls_findings(
    findings: dict[tuple[int, str], list[Any]],
    f: int,
    addr: str,
    ts: np.ndarray,
    sev: np.ndarray,
    tls: np.ndarray,
    why: np.ndarray,
    prio: np.ndarray,
    example: str,
    act: np.ndarray,
) -> None:
    """Count the actionable TLS events ``act`` (positions) into ``findings``, one key per address and TLS error:
    ``[count, severity, first, last, example, why, priority]``."""
    for j in act.tolist():
        fk = (f, f"client_addr={addr} tls_error={tls[j]}")
        t = int(ts[j])
        st = findings.get(fk)
        if st is None:
            findings[fk] = [1, int(sev[j]), None if t == NAT else t, None if t == NAT else t, example, str(why[j]),
                            prio[j]]  # fmt: skip
            continue
        st[0] += 1
        st[1] = max(st[1], int(sev[j]))
        if t != NAT:
            st[2] = t if st[2] is None else min(st[2], t)
            st[3] = t if st[3] is None else max(st[3], t)


class OtherAddresses:
    """The merged row: family totals, findings and the TLS-sources row of every merged address, as counts."""

    __slots__ = ("fam", "findings", "count", "kinds", "whys", "first", "last")

    def __init__(self) -> None:
        self.fam: dict[int, list[Any]] = {}  # family -> [count, harmless, first, last, example, actionable example]
        self.findings: dict[tuple[int, str], list[Any]] = {}
        self.count = 0
        self.kinds: Counter[Any] = Counter()
        self.whys: Counter[str] = Counter()
        self.first: int | None = None
        self.last: int | None = None

    def add(
        self,
        fam: np.ndarray,
        ts: np.ndarray,
        sev: np.ndarray,
        tls: np.ndarray,
        fsev: np.ndarray,
        examples: Sequence[str],
        part: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Add the events of merged groups' parts, in file order (``fam``, ``ts``, ``sev``, ``tls``, ``fsev`` per
        event, ``part`` its part's position in ``examples``); their ``why`` and ``priority`` (all are actionable).
        Totals, examples and findings come out as event by event: firsts are the first event's."""
        n = len(ts)
        fsev = np.asarray(fsev, bool)
        why = np.full(n, WHY, dtype=object)
        why[fsev] = "severity-F"
        prio = np.full(n, PRIORITY, dtype=object)
        prio[fsev] = "critical"
        if not n:
            return why, prio
        valid = ts != NAT
        kinds: dict[Any, int] = {}
        code = np.fromiter((kinds.setdefault(k, len(kinds)) for k in tls.tolist()), np.int64, n)
        key = fam.astype(np.int64) * len(kinds) + code
        uniq, first = np.unique(key, return_index=True)
        for k, i in sorted(zip(uniq.tolist(), first.tolist(), strict=True), key=lambda kv: kv[1]):
            m = key == k
            f, kind = int(fam[i]), tls[i]
            vm = m & valid
            lo, hi = (int(ts[vm].min()), int(ts[vm].max())) if vm.any() else (None, None)
            example = examples[int(part[i])]
            st = self.fam.get(f)
            if st is None:
                st = self.fam[f] = [0, 0, None, None, example, example]
            st[0] += int(m.sum())
            fk = (f, f"client_addr={LABEL} tls_error={kind}")
            g = self.findings.get(fk)
            if g is None:
                g = self.findings[fk] = [0, int(sev[m].max()), None, None, example, str(why[i]), prio[i]]
            g[0] += int(m.sum())
            g[1] = max(g[1], int(sev[m].max()))
            for row in (st, g):
                if lo is not None:
                    row[2] = lo if row[2] is None else min(row[2], lo)
                    row[3] = hi if row[3] is None else max(row[3], hi)
        vt = ts[valid]
        if len(vt):
            lo, hi = int(vt.min()), int(vt.max())
            self.first = lo if self.first is None else min(self.first, lo)
            self.last = hi if self.last is None else max(self.last, hi)
        self.count += n
        counts = np.bincount(code, minlength=len(kinds))
        for k, c in zip(kinds, counts.tolist(), strict=True):  # first seen first, as a Counter fed event by event
            self.kinds[k] += c
        nf = int(fsev.sum())
        for w, c, _ in sorted(((WHY, n - nf, int(np.argmin(fsev))), ("severity-F", nf, int(np.argmax(fsev)))),
                              key=lambda x: x[2]):  # fmt: skip
            if c:
                self.whys[w] += c
        return why, prio

    def row(self, source: str) -> dict[str, Any]:
        """The TLS-sources row (no period: the merged addresses are many clients)."""
        nan = float("nan")
        return {
            "source": source,
            "client_addr": LABEL,
            "network": "public",
            "count": self.count,
            "kinds": ", ".join(f"{k}:{v}" for k, v in self.kinds.most_common()),
            "first_seen": self.first,
            "last_seen": self.last,
            "period_s": nan,
            "probers": nan,
            "on_beat_share": nan,
            "harmless": 0,
            "why": self.whys.most_common(1)[0][0],
        }
