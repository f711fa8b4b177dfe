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
from collections.abc import Callable, Container, Mapping
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
        self, f: int, ts: np.ndarray, sev: np.ndarray, tls: np.ndarray, fsev: np.ndarray, example: str
    ) -> tuple[np.ndarray, np.ndarray]:
        """Add one part's events (family ``f``); their ``why`` and ``priority`` (every event is actionable)."""
        fsev = np.asarray(fsev, bool)
        why = np.where(fsev, "severity-F", WHY).astype(object)
        prio = np.where(fsev, "critical", PRIORITY).astype(object)
        n = len(ts)
        vt = ts[ts != NAT]
        st = self.fam.get(f)
        if st is None:
            st = self.fam[f] = [0, 0, None, None, example, example]
        st[0] += n
        if len(vt):
            lo, hi = int(vt.min()), int(vt.max())
            st[2] = lo if st[2] is None else min(st[2], lo)
            st[3] = hi if st[3] is None else max(st[3], hi)
            self.first = lo if self.first is None else min(self.first, lo)
            self.last = hi if self.last is None else max(self.last, hi)
        add_tls_findings(self.findings, f, LABEL, ts, sev, tls, why, prio, example, np.arange(n))
        self.count += n
        self.kinds.update(tls.tolist())
        self.whys.update(why.tolist())
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
