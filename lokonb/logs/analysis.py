"""``analyze()``: read sources, parse, join continuations, infer years, classify, apply the probe rule and build
the tables of spec logs.md §7, block by block with bounded memory.
"""

from __future__ import annotations

import itertools
import json
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lokonb.errors import kind_name
from lokonb.logs import formats as F
from lokonb.logs.classify import PRIORITY_ORDER, Classifier
from lokonb.logs.errors import FindingsAtOrAbove, LogParameterError, LogSourceError
from lokonb.logs.families import OTHER, STANDARD_FIELDS, coerce_table
from lokonb.logs.messages import (
    _NUMERIC_FIELDS,
    _PAIR_FIELDS,
    _TRIGGER,
    _TRIGGER_RX,
    _known_regex,
    _norm_key,
    _redact_pair,
    _refresh_redactor,
    normalize_message,
    redact,
    structured_message,
    structured_pairs,
)
from lokonb.logs.options import (
    _UTC_NAMES,
    MAX_TLS_GROUPS,
    SPILL_PARTS,
    Options,
    _bucket_ns,
    _month_names,
    _workers,
    _zone,
    check_number,
    check_window,
    parse_time,
)
from lokonb.logs.other_addresses import LABEL as OTHER_ADDRESSES
from lokonb.logs.other_addresses import WHY as NOT_PROBE_NETWORK
from lokonb.logs.other_addresses import OtherAddresses, add_tls_findings, rarest
from lokonb.logs.probe import PROBE_NETWORKS, actionable_priority, analyse_group, classify_network, parse_networks
from lokonb.logs.probe_windows import SealedCounts, WindowedGroup, sealing_grid
from lokonb.logs.result import LogAnalysis
from lokonb.logs.sources import Source, head_lines, resolve
from lokonb.logs.spool import (
    EVENT,
    OUTER_PROV,
    RecordsWriter,
    SourceSpool,
    to_datetime,
)
from lokonb.logs.years import closest_year, klog_ns, shift_years

NAT = F.NAT
SEV_ORDER = {"F": 0, "E": 1, "W": 2, "I": 3, None: 4}
#: queued row material is cut to the rows the records cap keeps beyond max_records plus this many rows (or half of
#: max_records), or this many parts (a probe group's part may hold a single row, with ~2 KB of arrays)
PRUNE_SLACK_ROWS = 10_000
PENDING_PARTS = 20_000
NETWORK_CACHE = 50_000  # client addresses whose network class is remembered
_STREAM_NAMES = np.array([s or None for s in F.STREAMS], dtype=object)


# ---------------------------------------------------------------------------------------------------------------
#: ``_SourceRun.line_keys`` before the first line of a stream
_NO_WRITER = object()
#: the writers (Unwrapped.key) of one source given continuation groups of their own: beyond, a header-less line of
#: another writer than the line before it is a record of its own (bounded memory)
MAX_WRITER_GROUPS = 4096


def split_embedded(items: list[tuple[F.Unwrapped, int]]) -> list[tuple[F.Unwrapped, int]]:
    """A line whose text has newlines inside (a CSV field or a collector's JSON string holding a stack, journald's
    multi-line MESSAGE) is that many physical lines, at its line number: the first is the line, the others its
    continuations (or records of their own when they have a header), from the same writer and stream (FMT-3)."""
    out: list[tuple[F.Unwrapped, int]] = []
    for u, ln in items:
        if not u.inner or b"\n" not in u.inner:
            out.append((u, ln))
            continue
        first, *rest = u.inner.split(b"\n")
        out.append((F.Unwrapped(first, u.outer_ns, u.stream, u.fmt, syslog_time=u.syslog_time, key=u.key), ln))
        out.extend((F.Unwrapped(part.rstrip(b"\r"), u.outer_ns, u.stream, u.fmt, syslog_time=u.syslog_time,
                                key=u.key), ln) for part in rest)
    return out


class _Grown:
    """Per-line columns of a block some of whose lines became several (:meth:`_SourceRun._inner`): each old line
    ``i`` is the new line ``first[i]``, followed by ``reps[i] - 1`` added lines."""

    def __init__(self, added: list[int]) -> None:
        self.reps = np.asarray(added, np.int64) + 1
        self.first = np.cumsum(self.reps) - self.reps
        self.is_first = np.zeros(int(self.reps.sum()), bool)
        self.is_first[self.first] = True

    def flags(self, a: np.ndarray) -> np.ndarray:
        """A boolean column: the added lines get False (no skip, no forced start)."""
        return np.repeat(a, self.reps) & self.is_first

    def keys(self, d: dict[int, Any]) -> dict[int, Any]:
        return {int(self.first[i]): v for i, v in d.items()}


def _split_at(
    block: bytes, crs: list[int], cut: list[int]
) -> tuple[bytes, Callable[[np.ndarray], np.ndarray], list[int]]:
    """``block`` with the CRs at ``crs`` as line ends (formats.cr_line_ends), a function from the new lines' start
    offsets to their 0-based physical (LF-counted) line in ``block``, and the cut lines' new indexes."""
    b = bytearray(block)
    for p in crs:
        b[p] = 0x0A
    at = np.asarray(crs, np.int64)

    def line_of(starts: np.ndarray) -> np.ndarray:
        return np.arange(len(starts), dtype=np.int64) - np.searchsorted(at, starts)

    if cut:
        # the first new line of each cut physical line: its index plus the CRs before that line's start
        nl = np.flatnonzero(np.frombuffer(block, np.uint8) == 0x0A)
        first = np.concatenate([[0], nl + 1])
        cut = [int(i + np.searchsorted(at, first[i])) for i in cut]
    return bytes(b), line_of, cut


def _drop_lines(block: bytes, cut: list[int], n: int) -> tuple[bytes, list[int], int]:
    """``block`` without its first ``n`` lines (all of them when it has fewer), its cut line indexes shifted, and
    how many lines went."""
    pos, k = 0, 0
    while k < n and pos < len(block):
        pos = block.index(b"\n", pos) + 1
        k += 1
    return block[pos:], [i - k for i in cut if i >= k], k


def leading_continuation(block: bytes, limit: int) -> int:
    """Bytes of the whole lines at the start of ``block`` (at most ``limit``) before its first line with an exact
    klog header (FMT-1): the lines that continue the record of the block before. 0 when the first line starts a
    record or is longer than ``limit``."""
    first = block.find(b"\n", 0, limit)
    if first < 0:
        return 0
    one = np.frombuffer(block, np.uint8, first + 1)
    if F.parse_klog_block(one, *F.line_bounds(one)).hdr[0]:
        return 0  # the usual case, decided on one line
    head = block[:limit]
    nl = head.rfind(b"\n")
    buf = np.frombuffer(head, np.uint8)[: nl + 1]
    starts, ends = F.line_bounds(buf)
    hdr = np.flatnonzero(F.parse_klog_block(buf, starts, ends).hdr)
    return int(starts[hdr[0]]) if len(hdr) else nl + 1


def held_from(items: list[tuple[F.Unwrapped, int]], limit: int) -> int:
    """Index of the first unwrapped line (among the last ``limit`` bytes of ``items``) that may belong to a record
    continued in the next block: each group's (stream and writer, see :meth:`_SourceRun._wrapped_lines`) lines from
    its last exact klog header (FMT-1) on, and no line held without the start of its record (groups interleave).
    ``len(items)`` when nothing is held (no items, or no group's header within the last ``limit`` bytes)."""
    size, j = 0, len(items)
    while j > 0 and size + len(items[j - 1][0].inner or b"") + 1 <= limit:
        j -= 1
        size += len(items[j][0].inner or b"") + 1
    if j == len(items):
        return j
    tail = items[j:]
    block = b"\n".join((u.inner or b"").replace(b"\n", b" ") for u, _ in tail) + b"\n"
    buf = np.frombuffer(block, np.uint8)
    starts, ends = F.line_bounds(buf)
    hdr = F.parse_klog_block(buf, starts, ends).hdr
    # the start of each line's record in its group; a group without a header in the last ``limit`` bytes: its
    # record is longer than that, not held (bounded), unless all of ``items`` is in them (then from its first line)
    big = len(tail)
    cur: dict[tuple[int, bytes | None], int] = {}
    rec = [big] * len(tail)
    for i, (u, _) in enumerate(tail):
        g = (u.stream, u.key)
        if hdr[i]:
            cur[g] = i
        elif g not in cur:
            cur[g] = i if j == 0 else big
        rec[i] = cur[g]
    p = min(cur.values())
    if p == big:
        return len(items)
    # back from the earliest last record start until every line from there on has its record start there or later
    low = min(rec[p:])
    while low < p:
        p -= 1
        low = min(low, rec[p])
    return j + p


class _SourceRun:
    """Streaming state of one source: parse blocks, keep bounded per-source aggregates, finalize."""

    def __init__(self, src: Source, opts: Options, clf: Classifier, agg: _Aggregate) -> None:
        self.held: list[tuple[F.Unwrapped, int]] = []  # unwrapped lines of a record that may go on in the next block
        self.src, self.o, self.clf, self.agg = src, opts, clf, agg
        fmt = opts.format.get(src.name, "auto") if isinstance(opts.format, dict) else opts.format
        self.fmt_param = fmt
        self.fmt: str | None = None if fmt == "auto" else fmt
        self.unwrapper: F.Unwrapper | None = None
        self.lineno = 0
        self.pretty_json = False  # the source is a pretty-printed JSON document (formats.is_pretty_json)
        self.dump_logs = False  # inside a log section of a `kubectl cluster-info dump` (_pretty_json_block)
        self.not_log = F.PRETTY_JSON_REASON  # why the lines of a pretty_json source are not read
        self.star: bool | None = None  # every line has old `minikube logs`' "* " before it (formats.is_star_prefixed)
        self.wrap_width: int | None = None  # a journal copy hard-wrapped at this many columns (formats.hard_wrap_width)
        self.has_record: set[int] = set()
        self.line_keys: dict[int, bytes | None] = {}  # stream -> writer of its last wrapped line (Unwrapped.key)
        #: (stream, writer) -> continuation group (3 on; a line without writer is in its stream's group, 0-2)
        self.groups: dict[tuple[int, bytes], int] = {}
        self.has_header: set[int] = set()  # groups (streams, writers) that had a klog header (no pre-klog text)
        # a record's lines that a later block still holds (moving them was over max_record_bytes): the line number of
        # each group's last record so far, and the lines each such record got late (its row is patched at finalize)
        self.open_record: dict[int, int] = {}
        self.late_lines: dict[int, int] = {}
        self.k = 0
        self.c_prev: int | None = None
        self.c_first: int | None = None  # first TIME-4 day-of-year key (byte-range workers chain their years)
        self.feb29 = 0  # TIME-4 records dated Feb 29 (their year cannot be shifted afterwards)
        self.last_outer: int | None = None
        #: the first outer time in the source's head (:meth:`_first_outer`): the year of the records before it
        self.first_outer: int | None = None
        self.used_time4 = False
        self.used_outer = False
        self.used_syslog = False  # year-less syslog prefix times seen (their ts_outer may be year-shifted)
        self.k_last = 0
        self.last_prov_ns: int | None = None
        self.base_year = opts.year
        self.start_anchored = False  # base_year is the year of the first record (a log file's header)
        if self.base_year is None:
            anchor = src.anchor_ns if src.anchor_ns is not None else time.time_ns()
            self.base_year = F.civil_from_days(anchor // F.DAY_NS)[0]
            self.start_anchored = src.anchor_start and src.anchor_ns is not None
        self.stats = Counter()
        self.mix: Counter = Counter()
        self.unparsed: list[dict[str, Any]] = []
        # per-source aggregates (provisional timestamps until finalize)
        self.fam: dict[int, list[Any]] = {}
        self.sev: Counter = Counter()
        self.timeline = _Timeline()
        self.findings: dict[tuple[int, str], list[Any]] = {}
        self.other_msgs: Counter = Counter()
        self.rows: list[Any] = []
        self.rows_count = 0
        self.pending: deque[tuple[int, Mapping[str, Any]]] = deque()
        self.pending_count = 0  # rows in pending
        self.probe: dict[str, Any] = defaultdict(list)  # client address -> parts, or a WindowedGroup
        self._grid: int | None | bool = False  # sealing grid of windowed groups (False: not decided yet)
        self._touched: list[WindowedGroup] = []  # windowed groups that got events in the current batch
        self.batches = 0  # batches read (a probe part's slot 7: byte ranges replay their parts batch by batch)
        self.other: OtherAddresses | None = None  # groups merged beyond max_tls_groups (§6.3)
        self.merged = 0  # groups merged into it
        self._batch_addrs: set[str] = set()  # addresses with probe events in the current batch (never merged)
        # byte-range worker: (address, part) in the order read, handed on to ``spill`` whenever many are held
        self.probe_log: list[tuple[str, tuple[Any, ...]]] = []
        self.spill: Callable[[list[tuple[str, tuple[Any, ...]]]], None] | None = None
        self._parts_held = 0
        self.startups: list[int] = []
        # RULE-3: (time of a start sequence's first record, the record before it as (time, text) or None when a
        # byte-range worker has not seen it); the last record read, carried from batch to batch
        self.before_start: list[tuple[int, tuple[int, str] | None]] = []
        self.last_rec: tuple[int, str, bool] | None = None  # (time, text, is a startup record)
        self._startup_f = self.clf.names.index("startup") if "startup" in self.clf.names else -1
        self.first_ts: int | None = None
        self.last_ts: int | None = None
        self.tz_note: str | None = None
        self.auto_tried = False  # klog_tz=auto met klog times with outer times (TIME-1)
        self.auto_offset: int | None = None
        self.pipe: Any = None  # ThreadPoolExecutor of the family-dispatch pipeline (workers > 1)
        self._tail: tuple[Any, Any, tuple[Any, ...]] | None = None
        self.chunks: tuple[int, int | None] | None = None  # byte-range worker: the block chunks it reads
        self._networks: dict[str, str] = {}  # client address -> classify_network()
        self._tls_kinds: dict[str | None, str | None] = {}  # tls_error values, interned for the probe events
        self.fast = True  # vectorised fast paths on (False: the general per-row paths, for equality tests)
        # records_path: every record of this source, spooled until its verdicts and years are final (OUT-2)
        self.spool: SourceSpool | None = None if agg.sink is None else SourceSpool(agg.sink.path.parent)
        self.spool_frames: list[Any] = []  # the current block's rows for the spool
        self.events = 0  # probe events numbered in file order: the spool's key to their final verdict
        self.event_rows: dict[str, np.ndarray] = {}  # verdict columns by event number (when the source ends)

    # -- reading -----------------------------------------------------------------------------------------------
    def run(self) -> None:
        size = None
        if self.src.path is not None and self.src.kind == "file":
            try:
                size = self.src.path.stat().st_size
            except OSError:
                size = None
        if self.o.workers > 1:
            from concurrent.futures import ThreadPoolExecutor

            self.pipe = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lokonb-logs")
        try:
            self._read_all(size)
        finally:
            try:
                self._flush_tail()
            finally:
                if self.pipe is not None:
                    self.pipe.shutdown(wait=True)
                    self.pipe = None

    def _read_all(self, size: int | None) -> None:
        # a record's continuation lines at the start of the next block belong to the last record of this one (a
        # stack or a Trace across a block boundary): they are moved to this block before it is parsed
        prev: tuple[bytes, list[int]] | None = None
        pulled = 0
        joined = self.src.joined_head if self.chunks is None else 0
        for block, cut in self.src.blocks(max_line_bytes=self.o.max_record_bytes, chunks=self.chunks):
            self._first_block(block, size)
            if joined:
                # the first lines ended a CRI partial line of the file before (a rotation): joined to its record there
                block, cut, n = _drop_lines(block, cut, joined)
                joined -= n
                self.lineno += n
                if not block:
                    continue
            if prev is not None and self.fmt in ("klog", "json") and not self.pretty_json:
                room = self.o.max_record_bytes - pulled
                k = leading_continuation(block, room) if room > 0 else 0
                if k:
                    pb, pc = prev
                    m, n_prev = block.count(b"\n", 0, k), pb.count(b"\n")
                    prev = (pb + block[:k], pc + [i + n_prev for i in cut if i < m])
                    block, cut = block[k:], [i - m for i in cut if i >= m]
                    pulled += k
                    if not block:
                        continue  # the whole block continues the record: the next one may continue it too
            if prev is not None:
                self._block(*prev)
            prev, pulled = (block, cut), 0
        end_cut = None  # the physical line cut short by the source's producer (Source.cut_at_end)
        if prev is not None:
            block, cut = prev
            if self.src.cut_at_end and self.chunks is None:
                last = block.count(b"\n") - 1
                if last not in cut:
                    cut = [*cut, last]
                    self.stats["truncated_lines"] += 1
                end_cut = self.lineno + last + 1
            self._block(block, cut)
        rest, self.held = self.held, []
        if self.unwrapper is not None:
            rest.extend(self._join_rotated())
            for u, ln in self.unwrapper.flush():
                if u.unparsed:  # the last multi-line entry (a YAML document) could not be read
                    self._unparsed(ln, u.unparsed, u.raw or b"")
                elif u.inner is not None:
                    rest.append((u, ln))
        if rest:
            self._wrapped_lines(rest, [], flushed=True, end_cut=end_cut)
        self.stats["truncated_lines"] += self.src.truncated_lines

    def _join_rotated(self) -> list[tuple[F.Unwrapped, int]]:
        """CRI ``P`` fragments left at the end of this file whose line goes on in the next file of the container
        instance (IN-3, FMT-5: the kubelet rotated the log between two fragments): that file's leading fragments of
        the same streams, up to each one's ``F``, are joined here, at this file's line, and skipped there
        (:attr:`Source.joined_head`, a note says so). Fragments never ended stay a line cut short (truncated)."""
        nxt = self.src.next_part
        pending = {s for s in self.unwrapper.partial if s in (1, 2)} if self.unwrapper is not None else set()
        if nxt is None or self.fmt != "cri" or not pending:
            return []
        out: list[tuple[F.Unwrapped, int]] = []
        taken = 0
        for raw in head_lines(nxt, self.o.max_record_bytes + (64 << 10)):
            res = F._cri(raw)
            if res is None or res.stream not in pending:
                break  # another stream's line or no CRI line: the fragments before it are all that continue
            u, ln = self.unwrapper.unwrap(raw, self.lineno)
            taken += 1
            if u.inner is not None:
                out.append((u, ln))
                pending.discard(res.stream)
                if not pending:
                    break
        if taken:
            nxt.joined_head = taken
            nxt.notes.append(f"its first {taken} line(s) end a CRI partial line begun at the end of {self.src.name} "
                             "(a log rotation): joined to that record")
        return out

    def _first_block(self, block: bytes, size: int | None) -> None:
        """Format, star prefix and header anchor of the source, from its first block."""
        if self.fmt is None:
            self.fmt = F.detect_format(block[:65536], self.o.month_names)
            # log records printed over lines are read (format envelope); other JSON documents are not
            self.pretty_json = F.is_pretty_json(block[:65536]) and self.fmt != "envelope"
            if not self.pretty_json and F.is_manifest(block[:65536]):
                # a manifest in a bundle (pod-manifests/kube-apiserver.yaml) is no log: its lines are counted
                self.pretty_json, self.not_log = True, F.MANIFEST_REASON
            if size is not None and self.o.records == "auto":
                # a large file cannot fit max_records: keep only actionable rows from the start
                head = block[:65536]
                per_line = len(head) / max(head.count(b"\n"), 1)
                if size / per_line > 1.5 * self.o.max_records:
                    self.agg.records_overflow = True
        if self.star is None:
            self.star = F.is_star_prefixed(block[:65536])
            if self.fmt == "syslog":
                self.wrap_width = F.hard_wrap_width(block[:65536], self.o.month_names)
            self._header_anchor(block)
            self._first_outer(block[:65536])

    def _first_outer(self, head: bytes) -> None:
        """TIME-3: records before the first one with an outer time take their year from it (the nearest following
        one), not from the TIME-4 walk: a stern or kubetail copy whose first lines came without a time, a
        ``kubectl logs`` copy after a prompt. Read from the head, as the detection does (the end anchor's year
        shift would move the outer times too)."""
        if self.o.year is not None or self.fmt in (None, "klog", "json"):
            return
        unwrapper = F.Unwrapper(self.fmt, self.o.max_record_bytes, months=self.o.month_names)
        for n, raw in enumerate(head.split(b"\n")[:400]):
            u, _ = unwrapper.unwrap(raw.rstrip(b"\r"), n + 1)
            u = u.events[0] if u.events else u
            if u.outer_ns is not None and u.syslog_time is None:
                self.first_outer = u.outer_ns
                return

    def _header_anchor(self, block: bytes) -> None:
        """A year the source states in its first lines (formats.header_anchor) beats the file's mtime (a copied or
        downloaded file has the copy's mtime): journalctl's span end is the end anchor; a klog log file's creation
        time is the year of the first record."""
        found = F.header_anchor(block) if self.o.year is None and self.chunks is None else None
        if found is None:
            return
        name, ns = found
        self.src.year_source = name
        if name == "journal-header":
            self.src.anchor_ns = ns
            self.start_anchored = False
        else:
            self.base_year = F.civil_from_days(ns // F.DAY_NS)[0]
            self.start_anchored = True

    def _block(self, block: bytes, cut: list[int]) -> None:
        if self.pretty_json:
            self._pretty_json_block(block)
            return
        if self.fmt in ("klog", "json"):
            crs = F.cr_line_ends(block)  # [] at once for a block without CR (memchr): the plain klog path
            if crs:
                block, line_of, cut = _split_at(block, crs, cut)
            buf = np.frombuffer(block, np.uint8)
            starts, ends = F.line_bounds(buf)
            n = len(starts)
            if crs:
                lineno = self.lineno + 1 + line_of(starts)
                self.lineno += n - len(crs)
            else:
                lineno = self.lineno + 1 + np.arange(n, dtype=np.int64)
                self.lineno += n
            self.mix["klog"] += n
            self._inner(buf, starts, ends, lineno, None, None, cut_idx=cut)
            return
        if self.unwrapper is None:
            self.unwrapper = F.Unwrapper(self.fmt or "auto", self.o.max_record_bytes, months=self.o.month_names)
        items = []
        unparsed_rows = []
        cut_at = set(cut)
        raws = block[:-1].split(b"\n") if block else []
        has_cr = b"\r" in block  # one memchr a block: the per-line CR check only runs where a CR is
        # a journal copied from a terminal that hard-wrapped its long lines: the rows of each line are joined again
        rows = F.join_hard_wrapped(raws, self.wrap_width, self.o.month_names) if self.wrap_width else None
        k = -1
        for raw, n_rows in rows or zip(raws, itertools.repeat(1)):
            k += n_rows
            self.lineno += n_rows
            if k in cut_at and F.is_cut_listing(raw):
                unparsed_rows.append((self.lineno, F.CUT_LISTING_REASON, raw))
                continue
            if raw[:1] == b"\x00" and not self.unwrapper.in_binary_value():
                raw = self._nul_hole(raw)
            crs = F.cr_line_ends(raw) if has_cr and not self.unwrapper.in_binary_value() else []
            # lines run together by a lone CR: each is a line of its own at this line number (ROB-1)
            for part in [raw[a + 1 : b] for a, b in zip([-1, *crs], [*crs, len(raw)], strict=True)] if crs else (raw,):
                res, start_line = self.unwrapper.unwrap(part, self.lineno - n_rows + 1)
                for ev in res.events or (res,):  # several events on one line: each a line at that line number
                    if ev.unparsed:
                        # at the line where it started (a multi-line entry is reported at its first line)
                        unparsed_rows.append((start_line, ev.unparsed, ev.raw or part))
                    elif ev.inner is not None:
                        items.append((ev, start_line))
        if self.held:
            items[:0] = self.held
        # the lines after each stream's last klog header may be continued in the next block: held back for it
        cut_at = held_from(items, self.o.max_record_bytes)
        self.held = items[cut_at:]
        self._wrapped_lines(items[:cut_at], unparsed_rows)

    def _pretty_json_block(self, block: bytes) -> None:
        """Every line of a pretty-printed JSON document is counted as unparsed (a record spans lines: reading
        its lines as log lines would only give garbage records); a warning says why (:meth:`_Aggregate.merge`).
        ``kubectl cluster-info dump`` to stdout puts each pod's log between markers after the JSON lists: those
        sections, markers included, are read as log lines (formats.dump_section)."""
        lines = block[:-1].split(b"\n") if block else []
        i = 0
        while i < len(lines):
            if self.dump_logs or F.dump_section(lines[i]) == b"START":
                j = i + (not self.dump_logs)
                self.dump_logs = True
                while j < len(lines) and F.dump_section(lines[j]) is None:
                    j += 1
                if j < len(lines):
                    self.dump_logs = F.dump_section(lines[j]) == b"START"
                    j += 1
                self.pretty_json = False
                try:
                    self._block(b"\n".join(lines[i:j]) + b"\n", [])
                finally:
                    self.pretty_json = True
                i = j
                continue
            self.lineno += 1
            if lines[i].strip():
                self._unparsed(self.lineno, self.not_log, lines[i])
            i += 1

    def _wrapped_lines(
        self,
        items: list[tuple[F.Unwrapped, int]],
        unparsed_rows: list[Any],
        flushed: bool = False,
        end_cut: int | None = None,
    ) -> None:
        """``flushed``: the source's last lines, with the runtime fragments the unwrapper held (Unwrapper.flush);
        ``end_cut``: the number of a physical line among them that its producer cut short."""
        for ln, reason, raw in unparsed_rows:
            self._unparsed(ln, reason, raw)
        if not items:
            return
        for u, _ in items:
            self.mix[u.fmt] += 1
        if any(u.inner and b"\n" in u.inner for u, _ in items):
            items = split_embedded(items)
        texts = [u.inner or b"" for u, _ in items]
        outer = np.array([u.outer_ns if u.outer_ns is not None else NAT for u, _ in items], np.int64)
        stream = np.array([u.stream for u, _ in items], np.int8)
        lineno = np.array([ln for _, ln in items], np.int64)
        sysc = None
        force = None
        group = None
        for j, (u, _) in enumerate(items):
            # a writer's header-less line (syslog host and ident, CloudWatch log stream, `kubectl --prefix` pod and
            # container, collector metadata) continues that writer's last record, even when other writers' lines
            # came between (interleaved containers); a line without writer after one with it, or of a writer beyond
            # MAX_WRITER_GROUPS, cannot continue the record of the line before it: it starts one (FMT-3)
            g = None
            if u.key is not None:
                g = self.groups.get((u.stream, u.key))
                if g is None and len(self.groups) < MAX_WRITER_GROUPS:
                    g = self.groups[u.stream, u.key] = 3 + len(self.groups)
            if g is not None:
                if group is None:
                    group = stream.astype(np.int64)
                group[j] = g
            prev = self.line_keys.get(u.stream, _NO_WRITER)
            if g is None and prev is not _NO_WRITER and prev != u.key:
                if force is None:
                    force = np.zeros(len(items), bool)
                force[j] = True
            self.line_keys[u.stream] = u.key
            if u.syslog_time is not None:
                if sysc is None:
                    sysc = np.full(len(items), NAT, np.int64)
                sysc[j] = F.syslog_key(u.syslog_time)
        block = b"\n".join(texts) + b"\n"
        buf = np.frombuffer(block, np.uint8)
        starts, ends = F.line_bounds(buf)
        # runtime fragments never ended (Unwrapper.flush: the source ends mid-line, a container stopped inside a
        # line, its end not in the next rotated file): the line is cut short (ROB-1)
        cut = [j for j, (u, ln) in enumerate(items) if u.fmt == "partial" or ln == end_cut] if flushed else []
        self._inner(buf, starts, ends, lineno, outer, stream, cut_idx=cut, sysc=sysc, force=force, group=group)

    def _nul_hole(self, raw: bytes) -> bytes:
        """A run of NUL bytes before a line is a hole in the file (logrotate's copytruncate while the writer kept its
        offset, a crash of a pre-allocating writer), not text: dropped and counted, the line after it is read. A
        line of NULs only, or of other control bytes after them (binary data), stays as it is (unparsed, binary)."""
        rest = raw.lstrip(b"\x00")
        if not rest or rest[0] < 0x20 and rest[0] != 0x09 or rest[0] == 0x7F:
            return raw
        self.stats["nul_holes"] += 1
        return rest

    def _unparsed(self, lineno: int, reason: str, raw: bytes) -> None:
        self.stats["unparsed"] += 1
        if len(self.unparsed) < self.o.max_unparsed_examples:
            text = raw[:200].decode("utf-8", "replace")
            text = "".join(
                ch if ch.isprintable() else f"\\x{ord(ch):02x}" if ord(ch) < 256 else ch for ch in text
            )
            self.unparsed.append(
                {"source": self.src.name, "lineno": lineno, "reason": reason, "text": redact(text)}
            )

    # -- inner layer -------------------------------------------------------------------------------------------
    def _inner(
        self,
        buf: np.ndarray,
        starts: np.ndarray,
        ends: np.ndarray,
        lineno: np.ndarray,
        outer: np.ndarray | None,
        stream: np.ndarray | None,
        cut_idx: Sequence[int] = (),
        sysc: np.ndarray | None = None,
        force: np.ndarray | None = None,
        group: np.ndarray | None = None,
    ) -> None:
        """``sysc``: year-less syslog prefix times (:func:`formats.syslog_key`, NAT where none) of wrapped lines;
        ``group``: the continuation group of each line (its stream, or its writer's group), None: its stream."""
        K = F.parse_klog_block(buf, starts, ends)
        n = len(starts)
        skip = np.zeros(n, bool)
        pid_override: dict[int, int] = {}
        sev_forced: dict[int, int] = {}  # severity of header-less records that have a level (INFO[0012] …)
        verbosity: dict[int, int] = {}
        inner_outer: dict[int, int] = {}
        wrap_outer: dict[int, int] = {}  # the wrapper's time of a line whose own record time (JSON `ts`) replaced it
        own_time: dict[int, int] = {}  # a record's own absolute time (JSON logging `ts`, a zoned logrus time)
        inner_sys: dict[int, int] = {}
        fail = np.flatnonzero(~K.hdr)
        cut_at = set(cut_idx)
        replaced: dict[int, bytes] = {}
        fault_line: dict[int, bytes] = {}  # header-less "unexpected fault address" lines (F.continues_fault)
        high = np.flatnonzero(buf >= 0x80)
        if len(high):
            # invalid UTF-8 is decoded with replacement and counted (records are kept)
            for i in np.unique(np.searchsorted(starts, high, side="right") - 1).tolist():
                if K.hdr[i]:
                    try:
                        bytes(buf[starts[i] : ends[i]]).decode("utf-8")
                    except UnicodeDecodeError:
                        self.stats["decode_errors"] += 1
        for i in fail.tolist():
            line = bytes(buf[starts[i] : ends[i]])
            if not line:
                continue
            if line[:1] == b"\x00":
                line = self._nul_hole(line)
                if line[:1] != b"\x00":
                    replaced[i] = line
            if F.is_binary(line):
                skip[i] = True
                self._unparsed(int(lineno[i]), "binary", line)
                continue
            if i in cut_at and F.is_cut_listing(line):
                skip[i] = True
                self._unparsed(int(lineno[i]), F.CUT_LISTING_REASON, line)
                continue
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                self.stats["decode_errors"] += 1
            if self.star and (line[:2] == b"* " or line == b"*"):
                line = replaced[i] = line[2:]
            if b"\x1b" in line:
                # terminal colour codes (stern, logrus or zap console output) are not part of the text
                line = replaced[i] = F.strip_ansi(line)
            if outer is None:
                # a wrapped line inside a plain klog source (mixed files, FMT-9)
                parsers = F.wrappers(self.o.month_names)
                for wname in ("docker", "cri", "kubectl", "syslog"):
                    wres = parsers[wname](line)
                    if wres is not None and wres.inner is not None:
                        self.mix[wname] += 1
                        self.mix["klog"] -= 1
                        line = wres.inner
                        if wres.outer_ns is not None:
                            inner_outer[i] = wres.outer_ns
                        if wres.syslog_time is not None:
                            inner_sys[i] = F.syslog_key(wres.syslog_time)
                        replaced[i] = line
                        break
            sup = F.k0s_supervised(line)
            if sup is not None:
                # a k0s supervisor's logrus record (a file of k0s's own log, not through journald): the apiserver's
                # line inside it is the record's line (a klog line, or a header-less one such as cobra's Error:)
                line = replaced[i] = sup[0].replace(b"\n", b" ")
            if F.is_audit_event(line):
                # an audit log given as input: each event is counted, not glued to the record before it
                skip[i] = True
                self.stats["audit_events"] += 1
                self._unparsed(int(lineno[i]), F.AUDIT_REASON, line)
                continue
            res = F.canonical_inner(line)
            if res is None and line[:24] == b"unexpected fault address":
                fault_line[i] = line  # its throw on the next line continues it
            if res is None:
                if self.fmt == "json" and line.lstrip()[:1] == b"{":
                    self.stats["json_errors"] += 1
                if F.starts_record(line) and not (
                    i - 1 in fault_line and F.continues_fault(fault_line[i - 1], line)
                ):
                    # a marker or a header-less event of its own: never a continuation (FMT-3)
                    force = np.zeros(n, bool) if force is None else force.copy()
                    force[i] = True
                    level = F.start_level(line)
                    if level is not None:
                        sev_forced[i] = F.SEV_CODES[level]
                continue
            replaced[i] = res.text
            if res.pid is not None:
                pid_override[i] = res.pid
            if res.verbosity is not None:
                verbosity[i] = res.verbosity
            if res.outer_ns is not None:
                was = inner_outer.get(i, NAT if outer is None else int(outer[i]))
                if was != NAT:
                    wrap_outer[i] = was  # TIME-2: ts_outer keeps the wrapper's time
                inner_outer[i] = res.outer_ns
                own_time[i] = res.outer_ns
            if res.fmt != "klog":
                self.mix[res.fmt] += 1
                self.mix["klog"] -= 1 if outer is None else 0
        if replaced:
            parts = []
            for i in range(n):
                parts.append(replaced[i] if i in replaced else bytes(buf[starts[i] : ends[i]]))
            block = b"\n".join(parts) + b"\n"
            buf = np.frombuffer(block, np.uint8)
            starts, ends = F.line_bounds(buf)
            K = F.parse_klog_block(buf, starts, ends)
        outer = _with_times(outer, n, inner_outer)
        wrap = _with_times(None, n, wrap_outer) if wrap_outer else None
        own = _with_times(None, n, own_time) if own_time else None
        sysc = _with_times(sysc, n, inner_sys)
        if stream is None:
            stream = np.zeros(n, np.int8)
        if len(starts) != n:
            # a message with newlines inside one line (JSON logging's or logrus's `msg`): its lines are physical
            # lines of the record at that line number, as klog's text format would have written them (FMT-3)
            grown = _Grown([replaced[i].count(b"\n") if i in replaced else 0 for i in range(n)])
            lineno, outer, sysc, stream = (np.repeat(a, grown.reps) for a in (lineno, outer, sysc, stream))
            wrap = None if wrap is None else np.repeat(wrap, grown.reps)
            own = None if own is None else np.repeat(own, grown.reps)
            group = None if group is None else np.repeat(group, grown.reps)
            skip, force = grown.flags(skip), None if force is None else grown.flags(force)
            pid_override, verbosity, sev_forced = (grown.keys(d) for d in (pid_override, verbosity, sev_forced))
            cut_idx = [int(grown.first[i]) for i in cut_idx if i < n]
            n = len(starts)
        for i, code in sev_forced.items():
            K.sev[i] = code
        for i in cut_idx:
            if i < n:
                self.stats["truncated_records"] += 1
        self._records(buf, K, lineno, outer, sysc, stream, skip, pid_override, verbosity, set(cut_idx), force,
                      group, wrap, own)

    # -- records -----------------------------------------------------------------------------------------------
    def _records(
        self,
        buf: np.ndarray,
        K: F.KlogColumns,
        lineno: np.ndarray,
        outer: np.ndarray,
        sysc: np.ndarray,
        stream: np.ndarray,
        skip: np.ndarray,
        pid_override: dict[int, int],
        verbosity: dict[int, int],
        cut: set[int],
        force: np.ndarray | None = None,
        group: np.ndarray | None = None,
        wrap: np.ndarray | None = None,
        own: np.ndarray | None = None,
    ) -> None:
        n = len(K.starts)
        self.stats["lines"] += n
        hdr = K.hdr & ~skip
        start = hdr.copy()
        orphan = np.zeros(n, bool)
        begins = hdr
        if force is not None:
            # header-less lines of another writer: orphan records (see _wrapped_lines)
            forced = force & ~hdr & ~skip
            if forced.any():
                orphan |= forced
                start |= forced
                begins = hdr | forced
        rec_of_line = np.full(n, -1, np.int64)
        if group is None:
            parts: Any = ((s, np.flatnonzero((stream == s) & ~skip)) for s in np.unique(stream).tolist())
        else:
            # a record's lines are those of its writer: the positions of each group in one sort (many writers)
            order = np.argsort(group, kind="stable")
            segs = np.split(order, np.flatnonzero(np.diff(group[order])) + 1)
            parts = ((int(group[seg[0]]), seg[~skip[seg]]) for seg in segs if len(seg))
        for s, pos in parts:
            if not len(pos):
                continue
            h = begins[pos]
            if s not in self.has_header and not h.all():
                # text written before klog starts: each `Flag --<name> has been deprecated` line is an event of
                # its own (an orphan record), not a continuation of the previous one (FMT-3)
                pre = pos[: int(np.argmax(h))] if h.any() else pos
                flag = np.array([bytes(buf[K.starts[i] : K.starts[i] + 7]) == b"Flag --" for i in pre.tolist()], bool)
                if flag.any():
                    orphan[pre[flag]] = True
                    start[pre[flag]] = True
                    h = h.copy()
                    h[: len(pre)] |= flag
            if h.any() and hdr[pos].any():
                self.has_header.add(s)
            if not h[0] and s in self.open_record:
                # lines before the group's first record here continue its last record of an earlier block: they
                # were not moved to that block because the record is over max_record_bytes (FMT-3, ROB-1)
                key = self.open_record[s]
                self.late_lines[key] = self.late_lines.get(key, 0) + (int(np.argmax(h)) if h.any() else len(pos))
            if not h[0] and s not in self.has_record:
                # header-less lines at the start of a stream: an orphan record (FMT-3)
                orphan[pos[0]] = True
                start[pos[0]] = True
                h = h.copy()
                h[0] = True
            last = np.maximum.accumulate(np.where(h, np.arange(len(pos)), -1))
            rec_of_line[pos] = np.where(last >= 0, pos[np.maximum(last, 0)], -1)
            if h.any():
                self.has_record.add(s)
        ri = np.flatnonzero(start)
        R = len(ri)
        if R:
            owner = (stream if group is None else group)[ri]
            if owner[0] == owner[-1] and (owner == owner[0]).all():  # one writer (a plain klog file): no sort
                self.open_record[int(owner[0])] = int(lineno[ri[-1]])
            else:
                groups, first = np.unique(owner[::-1], return_index=True)  # each group's last record here
                for x, j in zip(groups.tolist(), first.tolist(), strict=True):
                    self.open_record[int(x)] = int(lineno[ri[R - 1 - j]])
        cont = (~start) & (~skip)
        self.stats["continuation_lines"] += int(cont.sum())
        self.stats["records"] += R
        if R == 0:
            return
        # n_lines and the last line of each record
        attached = rec_of_line[cont]
        attached = attached[attached >= 0]
        rec_index = np.full(n, -1, np.int64)
        rec_index[ri] = np.arange(R)
        n_lines = 1 + np.bincount(rec_index[attached], minlength=R) if len(attached) else np.ones(R, np.int64)
        last_line = ri.copy()
        if len(attached):
            cl = np.flatnonzero(cont)
            cl = cl[rec_of_line[cl] >= 0]
            np.maximum.at(last_line, rec_index[rec_of_line[cl]], cl)
        # texts (first physical line of each record, '\n' included)
        offsets = np.empty(n + 1, np.int64)
        offsets[:n] = K.starts
        offsets[n] = K.ends[-1] + 1 if n else 0
        lines_arr = pa.Array.from_buffers(
            pa.large_binary(), n, [None, pa.py_buffer(offsets), pa.py_buffer(buf)]
        )
        texts = lines_arr.take(pa.array(ri))
        # structured `key=<` blocks ("Unhandled Error" err=<) and old-style traces (`Trace "<op>" (started …):`,
        # total time only on the `END` step line): the block is the message, classify with it
        multi = np.flatnonzero(n_lines > 1)
        blk = np.array([], np.int64)
        if len(multi):
            mt = texts.take(pa.array(multi))
            hit = pc.match_substring_regex(mt, r'=<(?:"|\s|$)|Trace "[^"]*" \(started ')
            # a trace header cut before its "(total time: …)" (pasted reports): the END step carries the total
            cut_trace = pc.and_(
                pc.match_substring_regex(mt, r'Trace\[\d+\]: "'), pc.invert(pc.match_substring(mt, "(total time:"))
            )
            hit = pc.or_(hit, cut_trace)
            blk = multi[np.asarray(hit.to_numpy(zero_copy_only=False), bool)]
        if len(blk):
            from lokonb.logs.classify import _scatter

            joined = []
            for r in blk.tolist():
                first = bytes(buf[K.starts[ri[r]] : K.ends[ri[r]]])
                rest = bytes(buf[K.ends[ri[r]] + 1 : K.ends[last_line[r]]][:65536]).replace(b"\n", b" ")
                joined.append(first + b" " + rest.replace(b"\t", b"") + b"\n")
            texts = _scatter(texts, R, blk, pa.array(joined, pa.large_binary()))
        sev = K.sev[ri]
        # file names (basename table for the `files` filter and the `file` column)
        fkey = _file_keys(buf, K.file_start[ri], K.file_end[ri])
        uk, first_idx, finv = np.unique(fkey, return_index=True, return_inverse=True)
        file_names: list[str | None] = []
        for fi in first_idx.tolist():
            a, b = int(K.file_start[ri[fi]]), int(K.file_end[ri[fi]])
            file_names.append(bytes(buf[a:b]).decode("utf-8", "replace") if hdr[ri[fi]] and b > a else None)
        args = (texts, K.key[ri], orphan[ri], file_names, finv)
        # family dispatch is pure Arrow/NumPy work (releases the GIL): with a pipeline thread it runs while the
        # previous block is aggregated; tails still run strictly in block order, so results are identical
        fut = self.pipe.submit(self._dispatch, args, sev) if self.pipe is not None else None
        fam = None if fut is not None else self.clf.families_of(*args)
        self._flush_tail()
        self._tail = (fut, fam, (buf, K, lineno, stream, orphan, ri, n_lines, last_line, sev, outer, sysc, hdr,
                                 file_names, finv, pid_override, verbosity, cut, texts, wrap, own))
        if fut is None:
            self._flush_tail()

    def _flush_tail(self) -> None:
        """Run the stateful part of the pending block (timestamps, verdicts, aggregates)."""
        if self._tail is None:
            return
        fut, fam, a = self._tail
        self._tail = None
        if fut is not None:
            fam, pre = fut.result()
        else:
            pre = {}
        self._records_tail(fam, pre, *a)

    def _dispatch(self, args: tuple[Any, ...], sev: np.ndarray) -> tuple[np.ndarray, dict[int, Any]]:
        """Pipeline stage (pure: no per-source state): families, then each family's texts and verdict fields.

        Fields are computed ahead only without since/until (which filter on timestamps known in the tail).
        """
        clf = self.clf
        fam = clf.families_of(*args)
        pre: dict[int, Any] = {}
        if self.o.since_ns is None and self.o.until_ns is None:
            texts = args[0]
            for f in np.unique(fam).tolist():
                if f == clf.other:
                    continue
                idx = np.flatnonzero(fam == f)
                sub = texts.take(pa.array(idx))
                need = clf.needed_fields(f, clf.fams[f].verdict == "probe")
                pre[int(f)] = (idx, sub, clf.extract(f, sub, sev[idx], only=need))
        return fam, pre

    def _records_tail(
        self,
        fam: np.ndarray,
        pre: dict[int, Any],
        buf: np.ndarray,
        K: F.KlogColumns,
        lineno: np.ndarray,
        stream: np.ndarray,
        orphan: np.ndarray,
        ri: np.ndarray,
        n_lines: np.ndarray,
        last_line: np.ndarray,
        sev: np.ndarray,
        outer: np.ndarray,
        sysc: np.ndarray,
        hdr: np.ndarray,
        file_names: list[str | None],
        finv: np.ndarray,
        pid_override: dict[int, int],
        verbosity: dict[int, int],
        cut: set[int],
        texts: pa.Array,
        wrap: np.ndarray | None = None,
        own: np.ndarray | None = None,
    ) -> None:
        R = len(ri)
        ts, ts_outer, outer_prov = self._timestamps(K, ri, outer, hdr, sysc)
        if own is not None:
            # a JSON logging record's `ts` (or a zoned logrus time) is absolute: klog_tz, which its klog form's UTC
            # digits went through, does not apply (TIME-1); microseconds, as a klog header has
            t = own[ri]
            ts = np.where(t != NAT, t - t % 1000, ts)
        if wrap is not None:
            # a JSON logging record's `ts` is its time; the wrapper's time around it stays its ts_outer (TIME-2)
            w = wrap[ri]
            ts_outer = np.where(w != NAT, w, ts_outer)
        # since/until
        keep = np.ones(R, bool)
        if self.o.since_ns is not None:
            keep &= (ts >= self.o.since_ns) | (ts == NAT)
        if self.o.until_ns is not None:
            keep &= (ts < self.o.until_ns) | (ts == NAT)
        if not keep.all():
            self.stats["filtered_out"] += int((~keep).sum())
        valid_ts = ts[(ts != NAT) & keep]
        if len(valid_ts):
            lo, hi = int(valid_ts.min()), int(valid_ts.max())
            self.first_ts = lo if self.first_ts is None else min(self.first_ts, lo)
            self.last_ts = hi if self.last_ts is None else max(self.last_ts, hi)
        ctx = _BatchCtx(
            buf=buf,
            K=K,
            ri=ri,
            lineno=lineno,
            stream=stream,
            n_lines=n_lines,
            last_line=last_line,
            orphan=orphan,
            ts=ts,
            ts_outer=ts_outer,
            outer_prov=outer_prov,
            sev=sev,
            file_names=file_names,
            finv=finv,
            pid_override=pid_override,
            verbosity=verbosity,
            cut=cut,
            texts=texts,
        )
        self._note_starts(fam, keep, ts, ctx)
        for f in np.unique(fam[keep]).tolist():
            idx = np.flatnonzero((fam == f) & keep)
            self._family_batch(int(f), idx, ctx, pre.get(int(f)))
        self.end_probe_batch()
        self.batches += 1
        if self.spool is not None:
            self.spool.add(self.spool_frames)
            self.spool_frames = []

    def _note_starts(self, fam: np.ndarray, keep: np.ndarray, ts: np.ndarray, c: _BatchCtx) -> None:
        """RULE-3: remember the record before each start sequence, i.e. before each ``startup`` record that follows
        a record of another family, or a startup record more than the sequence gap (120 s) earlier."""
        kept = np.flatnonzero(keep)
        if not len(kept):
            return
        is_s = fam[kept] == self._startup_f
        if is_s.any():
            kts = ts[kept]
            carry = self.last_rec
            prev_s = np.concatenate([[carry is not None and carry[2]], is_s[:-1]])
            prev_ts = np.concatenate([[NAT if carry is None else carry[0]], kts[:-1]])
            gap = (kts != NAT) & (prev_ts != NAT) & (kts - prev_ts > START_GAP_NS)
            first = np.flatnonzero(is_s & (~prev_s | gap))
            for j in first[: max(0, _MAX_BEFORE_START - len(self.before_start))].tolist():
                if j:
                    before: tuple[int, str] | None = (int(kts[j - 1]), self._start_text(c, int(kept[j - 1])))
                else:  # None: the first record of the source, or of a byte range (filled when ranges merge)
                    before = None if carry is None else (carry[0], carry[1])
                self.before_start.append((int(kts[j]), before))
        last = int(kept[-1])
        self.last_rec = (int(ts[last]), self._start_text(c, last), bool(is_s[-1]))

    def _start_text(self, c: _BatchCtx, r: int) -> str:
        return redact(self._message(c, r)[:_START_TEXT].strip())

    def _timestamps(
        self, K: F.KlogColumns, ri: np.ndarray, outer: np.ndarray, hdr: np.ndarray, sysc: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``timestamp``, ``ts_outer`` and the provisional-outer flags of the records ``ri`` (TIME-1…TIME-4).

        A year-less syslog prefix (``sysc``) is an outer time without year and zone: it is read in ``syslog_tz``
        and gets its year like a klog time without outer timestamp — from the nearest preceding year-carrying
        outer time (TIME-3), else by the TIME-4 walk, in which it stands for its record — and the klog time it
        wraps then takes the year of Y-1, Y, Y+1 closest to it (TIME-3).
        """
        o = outer[ri]
        h = hdr[ri]
        mon, day, tod = K.mon[ri], K.day[ri], K.tod[ri]
        R = len(ri)
        ts = np.full(R, NAT, np.int64)
        prov = np.zeros(R, bool)
        has_o = o != NAT
        # records with an outer timestamp: the year of Y-1, Y, Y+1 closest to it (TIME-3)
        sel = h & has_o
        if sel.any() and self.o.klog_tz == "auto" and not self.auto_tried:
            # TIME-1 auto: the median of (outer - klog as UTC) rounded to 15 min, when the spread is small; decided
            # once, on the first batch: a retry on a later (maybe one-record) batch gave part of a source an offset
            self.auto_tried = True
            raw = closest_year(o[sel], mon[sel], day[sel], tod[sel], lambda ns: ns)
            diff = (o[sel] - raw)[raw != NAT].astype(np.float64)
            if len(diff):
                q = 15 * 60 * 1e9
                off = float(np.round(np.median(diff) / q) * q)
                spread = np.abs(diff - off)
                if np.median(spread) < 60e9:
                    self.auto_offset = int(off)
                    sign = "+" if off <= 0 else "-"  # klog is UTC+X when the outer (UTC) time is X earlier
                    mins = int(abs(off) // 60e9)
                    self.tz_note = f"{sign}{mins // 60:02d}:{mins % 60:02d} (auto)"
        if sel.any():
            ts[sel] = closest_year(o[sel], mon[sel], day[sel], tod[sel], self._tz)
        ts[~h & has_o] = o[~h & has_o]
        if has_o.any():
            # header-less records with an outer time count as well: the nearest record that has one (TIME-3)
            self.used_outer = True
            self.last_outer = int(o[has_o][-1])
        # records without a year-carrying outer time: a klog header and/or a year-less syslog time
        has_s = (sysc[ri] != NAT) & ~has_o
        sel4 = (h | has_s) & ~has_o
        if not sel4.any():
            return ts, o, prov
        if has_s.any():
            self.used_syslog = True
        m4, d4, t4, h4 = mon[sel4], day[sel4], tod[sel4], h[sel4]
        c_s = sysc[ri][sel4]
        s4 = c_s != NAT
        sm, sd, st = F.syslog_parts(np.where(s4, c_s, 0))
        n4 = int(sel4.sum())
        so = np.full(n4, NAT, np.int64)  # the syslog times in UTC
        t_out = np.full(n4, NAT, np.int64)
        first = self.last_outer if self.last_outer is not None else self.first_outer
        walk = first is None
        if not walk:
            ref = np.full(n4, first, np.int64)
            if s4.any():
                so[s4] = closest_year(ref[s4], sm[s4], sd[s4], st[s4], self._stz)
            ref = np.where(so != NAT, so, ref)
            t_out[h4] = closest_year(ref[h4], m4[h4], d4[h4], t4[h4], self._tz)
        else:
            self.used_time4 = True
            # the walk's time of a record: its syslog time, else its klog time
            c = np.where(s4, c_s, (F.LEAP_CUM[m4] + d4 - 1) * F.DAY_NS + t4)
            if self.c_first is None:
                self.c_first = int(c[0])
            self.feb29 += int(((np.where(s4, sm, m4) == 2) & (np.where(s4, sd, d4) == 29)).sum())
            prev = np.concatenate([[self.c_prev if self.c_prev is not None else c[0]], c[:-1]])
            d = c - prev
            half = 180 * F.DAY_NS
            step = (d < -half).astype(np.int64) - (d > half).astype(np.int64)
            k = self.k + np.cumsum(step)
            self.k = int(k[-1])
            self.c_prev = int(c[-1])
            years = self.base_year + k
            if s4.any():
                so[s4] = self._stz(klog_ns(years[s4], sm[s4], sd[s4], st[s4]))
            # klog times under a syslog time: the year closest to it; the others: the walk's year
            near = h4 & (so != NAT)
            alone = h4 & ~near
            if near.any():
                t_out[near] = closest_year(so[near], m4[near], d4[near], t4[near], self._tz)
            if alone.any():
                t_out[alone] = self._tz(klog_ns(years[alone], m4[alone], d4[alone], t4[alone]))
            prov[np.flatnonzero(sel4)[s4]] = True
        t_out = np.where(h4, t_out, so)  # header-less records: the outer (syslog) time (TIME-2)
        ts[sel4] = t_out
        o = o.copy()
        o[sel4] = so
        if walk:
            bad = t_out == NAT
            self.stats["time_errors"] += int(bad.sum())
            seq = np.where(so != NAT, so, t_out)  # the end anchor compares the walk's time with T
            if (seq != NAT).any():
                self.last_prov_ns = int(seq[seq != NAT][-1])
            self.k_last = self.k
        return ts, o, prov

    def _stz(self, ns: np.ndarray) -> np.ndarray:
        """Year-less syslog times (local wall-clock) to UTC with ``syslog_tz`` (default ``klog_tz``)."""
        return self._tz(ns, self.o.syslog_tz or self.o.klog_tz, "syslog_tz")

    def _tz(self, ns: np.ndarray, tz: str | None = None, what: str = "klog_tz") -> np.ndarray:
        tz = self.o.klog_tz if tz is None else tz
        if tz == "auto":
            # auto_offset = outer (UTC) - klog read as UTC, so UTC = klog + auto_offset
            off = self.auto_offset or 0
            return np.where(ns == NAT, NAT, ns + off) if off else ns
        if tz in _UTC_NAMES or not len(ns):
            return ns
        import pandas as pd

        idx = pd.DatetimeIndex(np.where(ns == NAT, np.datetime64("NaT"), ns.view("datetime64[ns]")))
        try:
            conv = idx.tz_localize(tz, ambiguous="NaT", nonexistent="shift_forward").tz_convert("UTC")
        except Exception as exc:  # noqa: BLE001 - unknown zone names surface as a parameter error
            raise LogParameterError(f"{what}: {tz!r} is not a time zone name ({exc})") from None
        out = np.where(conv.isna(), NAT, conv.asi8)
        amb = np.flatnonzero(conv.isna() & (ns != NAT))
        if len(amb):
            # TIME-1: a local time that occurs twice at a DST change is the first (DST) instant, unless the record
            # before it is already later, then the second (standard time): the sequence stays non-decreasing
            first = idx[amb].tz_localize(tz, ambiguous=np.ones(len(amb), bool), nonexistent="shift_forward")
            second = idx[amb].tz_localize(tz, ambiguous=np.zeros(len(amb), bool), nonexistent="shift_forward")
            a_ns = first.tz_convert("UTC").asi8
            b_ns = second.tz_convert("UTC").asi8
            for j, i in enumerate(amb.tolist()):
                prev = out[i - 1] if i else NAT
                out[i] = b_ns[j] if prev != NAT and prev > a_ns[j] else a_ns[j]
        return out

    # -- per family aggregation --------------------------------------------------------------------------------
    def _family_batch(self, f: int, idx: np.ndarray, c: _BatchCtx, pre: Any = None) -> None:
        clf = self.clf
        o = self.o
        is_other = f == clf.other
        if pre is not None and not np.array_equal(pre[0], idx):
            pre = None  # defensive: the pipeline computed another selection
        sub = c.texts.take(pa.array(idx)) if pre is None else pre[1]
        sev = c.sev[idx]
        n = len(idx)
        fam = None if is_other else clf.fams[f]
        if is_other:
            fields: dict[str, Any] = {}
            self._full = lambda sel: {}
        else:
            # verdict fields for every record (quick patterns); every field only where rows are shown
            fields = (
                clf.extract(f, sub, sev, only=clf.needed_fields(f, clf.fams[f].verdict == "probe"))
                if pre is None
                else pre[2]
            )
            gb = set(clf.fams[f].group_by)
            self._full = lambda sel: clf.extract(f, sub.take(pa.array(sel)), sev[sel], only=gb)
        harmless = np.zeros(n, bool)
        why = np.full(n, "family", dtype=object)
        priority = np.full(n, None, dtype=object)
        probe = False
        if is_other:
            harmless = (sev == 1) | (sev == 0)
            why = np.select(
                [sev == 4, sev == 3, sev == 2],
                ["severity-F", "unknown-error", "unknown-warning"],
                "unknown-info",
            ).astype(object)
            priority = np.select([sev == 4, sev == 3, sev == 2], ["critical", "medium", "low"], None).astype(
                object
            )
        else:
            assert fam is not None
            if fam.name == "trace" and o.trace_threshold_s != 1.0:
                tot = np.asarray(fields.get("total_s", np.full(n, np.nan)), float)
                act = tot >= o.trace_threshold_s
            else:
                act = (
                    clf.conditions(f, fam.actionable_if, fields, sub, sev)
                    if fam.actionable_if
                    else np.zeros(n, bool)
                )
            harm = (
                clf.conditions(f, fam.harmless_if, fields, sub, sev) if fam.harmless_if else np.zeros(n, bool)
            )
            if fam.verdict == "probe":
                probe = True
            elif fam.verdict == "harmless":
                harmless = ~act | harm
                why = np.where(act & ~harm, "condition", "family").astype(object)
            else:
                harmless = harm.copy()
                why = np.where(harm, "condition", "family").astype(object)
            priority[:] = fam.priority
        # RULE-1: F is critical whatever the family
        fsev = sev == 4
        if fsev.any() and not is_other:
            harmless = harmless & ~fsev
            why = np.where(fsev, "severity-F", why).astype(object)
            priority = np.where(fsev, "critical", priority).astype(object)
        if probe:
            self._probe_events(f, idx, c, fields, fsev)
            return
        priority = np.where(harmless, None, priority).astype(object)
        self._aggregate(f, idx, c, fields, harmless, why, priority)

    def _aggregate(
        self,
        f: int,
        idx: np.ndarray,
        c: _BatchCtx,
        fields: dict[str, Any],
        harmless: np.ndarray,
        why: np.ndarray,
        priority: np.ndarray,
    ) -> None:
        sev = c.sev[idx]
        ts = c.ts[idx]
        vt = self._add_batch(f, ts, sev, harmless, lambda j: self._line_text(c, idx[j]))
        if self.clf.names[f] == "startup":
            self.startups.extend(vt.tolist())
        act = np.flatnonzero(~harmless)
        if len(act):
            self._findings(f, idx[act], c, self._full(act), why[act], priority[act])
        if self.clf.names[f] == OTHER:
            for i in idx[:2000].tolist():
                self.other_msgs[normalize_message(redact(self._message(c, i)[:300]))] += 1
        self._keep_rows(f, idx, c, fields, harmless, why, priority)

    def _add_batch(
        self, f: int, ts: np.ndarray, sev: np.ndarray, harmless: np.ndarray, example: Callable[[int], str]
    ) -> np.ndarray:
        """Add a batch of family ``f`` to the family totals, severities and timeline; its valid timestamps.

        ``example(j)`` gives the line text of the batch's record ``j`` (taken only when a totals example is
        still missing: the first record, and the first actionable one)."""
        st = self.fam.get(f)
        if st is None:
            st = self.fam[f] = [0, 0, None, None, None, None]
        st[0] += len(ts)
        st[1] += int(harmless.sum())
        vt = ts[ts != NAT]
        if len(vt):
            st[2] = int(vt.min()) if st[2] is None else min(st[2], int(vt.min()))
            st[3] = int(vt.max()) if st[3] is None else max(st[3], int(vt.max()))
        if st[4] is None:
            st[4] = example(0)
        if st[5] is None and (~harmless).any():
            st[5] = example(int(np.flatnonzero(~harmless)[0]))
        self._count_sev(sev, harmless)
        self._timeline(f, ts, harmless)
        return vt

    def _count_sev(self, sev: np.ndarray, harmless: np.ndarray) -> None:
        cnt = np.bincount(sev.astype(np.int64) * 2 + harmless.astype(np.int64), minlength=10)
        for code in np.flatnonzero(cnt).tolist():
            self.sev[(code // 2, bool(code % 2))] += int(cnt[code])

    def _timeline(self, f: int, ts: np.ndarray, harmless: np.ndarray) -> None:
        ok = ts != NAT
        if ok.any():
            self.timeline.add(ts[ok] // self.agg.bucket_ns, f, harmless[ok])

    def _findings(
        self,
        f: int,
        idx: np.ndarray,
        c: _BatchCtx,
        fields: dict[str, Any],
        why: np.ndarray,
        priority: np.ndarray,
    ) -> None:
        fam = None if f == self.clf.other else self.clf.fams[f]
        gb = fam.group_by if fam is not None else ()
        n = len(idx)
        if gb:
            cols = [_as_str_list(fields.get(g), n) for g in gb]
            if fam is not None and fam.name == "http_access" and "uri" in gb:
                j = gb.index("uri")
                cols[j] = [None if u is None else normalize_message(u.split("?", 1)[0]) for u in cols[j]]
            if fam is not None and fam.name == "trace" and "uri" in gb:
                j = gb.index("uri")
                cols[j] = [None if u is None else normalize_message(u.split("?", 1)[0]) for u in cols[j]]
            keys = [
                redact(" ".join(f"{g}={v}" for g, v in zip(gb, vals, strict=True) if v not in (None, "")))
                for vals in zip(*cols, strict=True)
            ]
        else:
            keys = None
        sev = c.sev[idx]
        ts = c.ts[idx]
        for j in range(n):
            key = keys[j] if keys is not None else None
            if not key:
                key = normalize_message(redact(structured_message(self._message(c, idx[j]))[:300]))
            fk = (f, key)
            st = self.findings.get(fk)
            t = int(ts[j])
            if st is None:
                self.findings[fk] = [
                    1,
                    int(sev[j]),
                    t if t != NAT else None,
                    t if t != NAT else None,
                    self._line_text(c, idx[j]),
                    str(why[j]),
                    priority[j],
                ]
                continue
            st[0] += 1
            st[1] = max(st[1], int(sev[j]))
            if t != NAT:
                st[2] = t if st[2] is None else min(st[2], t)
                st[3] = t if st[3] is None else max(st[3], t)
            if PRIORITY_ORDER.get(priority[j] or "low", 3) < PRIORITY_ORDER.get(st[6] or "low", 3):
                st[6] = priority[j]

    # -- text helpers ------------------------------------------------------------------------------------------
    def _line_text(self, c: _BatchCtx, r: int) -> str:
        i = c.ri[r]
        return bytes(c.buf[c.K.starts[i] : c.K.ends[i]][:1000]).decode("utf-8", "replace")

    def _message(self, c: _BatchCtx, r: int) -> str:
        i = c.ri[r]
        a = int(c.K.msg[i]) if c.K.hdr[i] else int(c.K.starts[i])
        return bytes(c.buf[a : c.K.ends[i]][: self.o.max_message_bytes * 2]).decode("utf-8", "replace")

    def _messages(self, c: _BatchCtx, idx: np.ndarray) -> np.ndarray:
        """Messages of rows ``idx`` as str without per-row Python work, for the common case: ASCII, within
        ``max_message_bytes``, no secret trigger word (and no known secret registered), and for a quoted
        structured message no escape inside its quotes. Other rows are None and take the general path of
        :meth:`_material` (pinned equal by tests/logs/test_fastpath.py)."""
        n = len(idx)
        out = np.full(n, None, dtype=object)
        if n == 0 or _known_regex() is not None:
            return out
        ri = c.ri[idx]
        K = c.K
        a = np.where(K.hdr[ri], K.msg[ri], K.starts[ri]).astype(np.int64)
        e = np.maximum(K.ends[ri].astype(np.int64), a)
        L = e - a
        ok = L <= self.o.max_message_bytes
        off = np.zeros(n + 1, np.int64)
        np.cumsum(np.where(ok, L, 0), out=off[1:])
        total = int(off[-1])
        if total:
            src = np.repeat(a[ok] - off[:-1][ok], L[ok]) + np.arange(total, dtype=np.int64)
            data = c.buf[src]
        else:
            data = np.zeros(0, np.uint8)
        first = np.where(L > 0, data[np.minimum(off[:-1], max(total - 1, 0))] if total else 0, 0)
        quoted = K.hdr[ri] & (L > 0) & (first == 34)  # structured message: go_unquote keeps the quoted part
        arr = pa.Array.from_buffers(pa.large_string(), n, [None, pa.py_buffer(off), pa.py_buffer(data)])
        ok &= np.asarray(pc.string_is_ascii(arr).to_numpy(zero_copy_only=False), bool)
        ok &= ~np.asarray(pc.match_substring_regex(arr, _TRIGGER_RX).to_numpy(zero_copy_only=False), bool)
        plain = np.flatnonzero(ok & ~quoted)
        if len(plain):
            out[plain] = arr.take(pa.array(plain)).to_numpy(zero_copy_only=False)
        q = np.flatnonzero(ok & quoted)
        if len(q):
            # "<text>" k=v ... with no escape inside the quotes: go_unquote returns <text>; escapes, and a quoted word
            # followed by more text (not a structured line, see structured_message), take the general path
            part = pc.extract_regex(arr.take(pa.array(q)), r'^"(?P<v>[^"\\]*)"(?:\s+[A-Za-z_][\w.\-/]*=|\s*$)')
            valid = np.asarray(part.is_valid().to_numpy(zero_copy_only=False), bool)
            out[q[valid]] = part.field("v").filter(pa.array(valid)).to_numpy(zero_copy_only=False)
        return out

    # -- probe families: events kept until the source ends -----------------------------------------------------
    def _probe_events(
        self, f: int, idx: np.ndarray, c: _BatchCtx, fields: dict[str, Any], fsev: np.ndarray
    ) -> None:
        addr = _as_str_list(fields.get("client_addr"), len(idx))
        # a few distinct kinds: one shared str each, so an event costs a pointer, not a string (kept per event
        # until the source ends)
        kinds = self._tls_kinds
        tls = [kinds.setdefault(k, k) for k in _as_str_list(fields.get("tls_error"), len(idx))]
        # rows grouped by address (first-seen order, file order inside), so each group's arrays are one slice:
        # per-address work stays small when a batch holds thousands of addresses (internet scanners)
        gid_of: dict[str, int] = {}
        gid = np.fromiter((gid_of.setdefault(a or "(unknown)", len(gid_of)) for a in addr), np.int64, len(addr))
        order = np.argsort(gid, kind="stable")
        cuts = np.flatnonzero(np.diff(gid[order])) + 1
        starts = np.concatenate([[0], cuts]).tolist() if len(order) else []
        ends = np.concatenate([cuts, [len(order)]]).tolist() if len(order) else []
        keep_rows = self._want_rows(len(idx))
        events = self.events + np.arange(len(idx), dtype=np.int64)
        self.events += len(idx)
        if self.spool is not None:
            n = len(idx)
            mat = self._material(f, idx, c, np.zeros(n, bool), np.full(n, "probe", object), np.full(n, None, object))
            mat[EVENT] = events
            self.spool_frames.append(self._rows_frame(f, mat))
        names = list(gid_of)
        nets = [self._off_network(a) for a in names]
        outside = np.array([n is not None for n in nets], bool)
        if outside.any():
            sel = outside[gid]
            low = np.array([n and actionable_priority(n) for n in nets], object)
            self._outside_rows(f, idx[sel], c, fsev[sel], low[gid[sel]])
        wants = [keep_rows and not p for p in outside.tolist()]  # rows held until the group's verdict
        sidx = idx[order]
        mat_all = None
        if any(wants):
            # one material call for every row that needs one (row-wise, so slices equal per-address calls)
            sel = np.concatenate([np.arange(a, b) for a, b, w in zip(starts, ends, wants, strict=True) if w])
            n = len(sel)
            mat_all = self._material(
                f, sidx[sel], c, np.zeros(n, bool), np.full(n, "probe", object), np.full(n, None, object)
            )
        ts_s, sev_s, fsev_s = c.ts[sidx], c.sev[sidx], fsev[order]
        tls_s = np.array(tls, object)[order]
        ev_s = None if self.spool is None else events[order]
        pos = 0  # where the next wanted address's rows start in mat_all
        for a, s0, e0, want in zip(names, starts, ends, wants, strict=True):
            rows = None
            if want:
                rows = _slice_material(mat_all, pos, pos + e0 - s0)
                pos += e0 - s0
            part = (
                ts_s[s0:e0].copy(),
                np.full(e0 - s0, f, np.int16),
                tls_s[s0:e0].copy(),
                sev_s[s0:e0].copy(),
                self._line_text(c, int(sidx[s0])),
                rows,
                fsev_s[s0:e0].copy(),
                self.batches,
                None if ev_s is None else ev_s[s0:e0].copy(),
            )
            g = self._add_probe_part(a, part)
            if isinstance(g, WindowedGroup):
                self._touched.append(g)

    def _add_probe_part(self, addr: str, part: tuple[Any, ...]) -> Any:
        """Add one batch's events of ``addr`` to its group (a new group is windowed or not as :meth:`_new_group`
        decides); the group (None in a byte-range worker, which logs its parts in the order read: its coordinator
        replays them in that order)."""
        if self.chunks is not None:
            self.probe_log.append((addr, part))
            self._parts_held += 1
            return None
        self._batch_addrs.add(addr)
        g = self.probe.get(addr)
        if g is None:
            g = self.probe[addr] = self._new_group()
        if isinstance(g, WindowedGroup):
            g.add(part)
        else:
            g.append(part)
        return g

    def replay_probe_part(self, addr: str, part: tuple[Any, ...]) -> None:
        """Add a byte range's part (:func:`ranges.merge`: batch by batch, in file order, times final; the caller
        ends each batch with :meth:`end_probe_batch`, as the sequential read does)."""
        g = self._add_probe_part(addr, part)
        if isinstance(g, WindowedGroup):
            self._touched.append(g)

    def end_probe_batch(self) -> None:
        """A batch's probe events are all in: seal old windows, and merge the rarest groups when there are too many
        (or, in a byte-range worker, hand the parts held to the coordinator)."""
        for g in self._touched:
            g.settle()  # every family of the batch is in: old windows can be sealed
        self._touched.clear()
        recent, self._batch_addrs = self._batch_addrs, set()
        if self.chunks is not None:
            # a byte-range worker never merges (its coordinator sees every range, and merges at these batch ends)
            if self.spill is not None and self._parts_held >= self.o.probe_spill_parts:
                self.spill(self.probe_log)
                self.probe_log, self._parts_held = [], 0
            return
        if len(self.probe) > 2 * self.o.max_tls_groups:
            # a batch with more addresses than that is a scan: its groups are ranked like the others
            self._merge_rarest(recent if len(recent) <= self.o.max_tls_groups else None)

    def _merge_rarest(self, recent: set[str] | None = None) -> None:
        """Merge all but the ``max_tls_groups`` largest groups (and the ``recent`` ones) into the other addresses'
        row (§6.3)."""
        merge = rarest(self.probe, self.o.max_tls_groups, _group_size, _is_sealed, recent or ())
        if merge and self.other is None:
            self.other = OtherAddresses()
        self._to_other([part for a in merge for part in _group_parts(self.probe.pop(a))])
        self.merged += len(merge)

    def _to_other(self, parts: list[tuple[Any, ...]]) -> None:
        """Parts of merged addresses (in file order): counted into the other addresses' row, at once (a scan merges
        hundreds of thousands), their rows judged actionable."""
        if not parts:
            return
        assert self.other is not None
        lens = np.fromiter((len(p[0]) for p in parts), np.int64, len(parts))
        ts, fam, tls, sev, fsev = (np.concatenate([p[i] for p in parts]) for i in (0, 1, 2, 3, 6))
        part = np.repeat(np.arange(len(parts)), lens)
        why, prio = self.other.add(fam, ts, sev, tls, fsev, [p[4] for p in parts], part)
        harmless = np.zeros(len(ts), bool)
        self._count_sev(sev, harmless)
        for f in dict.fromkeys(fam.tolist()):
            m = fam == f
            self._timeline(int(f), ts[m], harmless[m])
        ends = np.cumsum(lens).tolist()
        for p, a, b in zip(parts, [0, *ends[:-1]], ends, strict=True):
            if p[5] is not None or p[8] is not None:  # rows held until the verdict, spooled events
                self._probe_part_rows(int(p[1][0]), p[5], p[8], harmless[a:b], why[a:b], prio[a:b], OTHER_ADDRESSES,
                                      float("nan"), "public")  # fmt: skip

    def _new_group(self) -> Any:
        """A new group's state: a :class:`WindowedGroup` (bounded, §6.3) under the default records policy without
        ``records_path`` (rows are built only while the input fits ``max_records``: those events keep per-event
        verdicts, the others become counts), else a list of parts (every event kept until the source ends)."""
        o = self.o
        if self._grid is False:
            ok = o.probe_state == "bounded" and o.records == "auto" and self.agg.bucket_ns >= 10**9
            # byte-range workers keep their events: the coordinator chains them in file order
            self._grid = sealing_grid(o.probe_periods) if ok and self.chunks is None else None
        if self._grid is None or self.spool is not None:
            return []
        return WindowedGroup(
            o.probe_periods,
            self._grid,
            tol=o.probe_tolerance_s,
            bucket_ns=self.agg.bucket_ns,
            seal_events=o.probe_seal_events,
        )

    def _outside_rows(self, f: int, idx: np.ndarray, c: _BatchCtx, fsev: np.ndarray, low: np.ndarray) -> None:
        """Rows of TLS errors from clients outside every probe network (public ones, private ones outside the VPC),
        queued at once: their verdict needs no period (PROBE-1.1: actionable, ``not-probe-network``, priority
        ``low`` per row, as :func:`probe.analyse_group` judges them), so a scan's rows do not wait for the source's
        end (holding every batch's row material) and the records cap cuts them as it reads."""
        n = len(idx)
        reason = self.clf.fams[f].reason

        def col(plain: str, fatal: str) -> np.ndarray:
            out = np.full(n, plain, dtype=object)  # two shared strings, not one per row
            out[fsev] = fatal
            return out

        prio = low.copy()
        prio[fsev] = "critical"
        mat = self._material(f, idx, c, np.zeros(n, bool), col(NOT_PROBE_NETWORK, "severity-F"), prio)
        mat["reason"] = col(f"{NOT_PROBE_NETWORK}: {reason}", f"severity-F: {reason}")
        self._pend(f, mat)

    def _off_network(self, addr: str) -> str | None:
        """The network class of a client outside every probe network (``public``, ``private``), else None: its TLS
        errors are actionable whatever their period (PROBE-1.1), so once the records cap only keeps actionable rows,
        their rows are still built (other probe rows cannot be, their verdict comes last)."""
        if self.o.records != "auto":
            return None
        net = self._networks.get(addr)
        if net is None:
            if len(self._networks) >= NETWORK_CACHE:
                self._networks.clear()  # a scan brings an address per line: the cache must not grow with the input
            net = self._networks[addr] = classify_network(addr, self.o.vpc_cidrs, self.o.extra_probe_networks)
        return None if net in PROBE_NETWORKS else net

    # -- records table ---------------------------------------------------------------------------------------
    def _want_rows(self, n: int) -> bool:
        """Probe-family rows (verdict known only at the end) are built while the input fits ``max_records``."""
        mode = self.o.records
        if mode in ("all", "actionable"):
            return True
        if mode == "none":
            return False
        if self.agg.records_overflow or self.agg.records_seen + self.stats["records"] > self.o.max_records:
            self.agg.records_overflow = True
            return False
        return True

    def _keep_rows(
        self,
        f: int,
        idx: np.ndarray,
        c: _BatchCtx,
        fields: dict[str, Any],
        harmless: np.ndarray,
        why: np.ndarray,
        priority: np.ndarray,
    ) -> None:
        frame = None
        if self.spool is not None:
            frame = self._rows_frame(f, self._material(f, idx, c, harmless, why, priority))
            self.spool_frames.append(frame)
        mode = self.o.records
        if mode == "none":
            return
        total = self.agg.records_seen + self.stats["records"]
        if mode == "actionable" or (
            mode == "auto" and (total > self.o.max_records or self.agg.records_overflow)
        ):
            sel = np.flatnonzero(~harmless)
            if mode == "auto":
                self.agg.records_overflow = True
        elif frame is not None:
            # every row is kept (and within the cap): the spool's rows serve the table too, built once
            self.rows.append(frame)
            self.rows_count += len(frame)
            return
        else:
            sel = np.arange(len(idx))
        if not len(sel):
            return
        if mode != "all" and len(sel) > self.o.max_records:
            sel = sel[-self.o.max_records :]
        self._pend(f, self._material(f, idx[sel], c, harmless[sel], why[sel], priority[sel]))

    def _pend(self, f: int, mat: Mapping[str, Any]) -> None:
        """Queue row material; rows (fields, DataFrame) are built once per family when the source ends.

        Once the records cap overflowed, the queue is cut now and then to what the table can keep: the most recent
        ``max_records`` actionable rows by time (those of part of the queue include all of the queue's), whatever
        order the material came in: the families of one batch one after the other, each spanning the batch's
        time; probe rows judged after later lines were read."""
        self.pending.append((f, mat))
        self.rows_count += len(mat["lineno"])
        self.pending_count += len(mat["lineno"])
        if not (self.o.records == "auto" and self.agg.records_overflow):
            return
        if self.pending_count > self.o.max_records + max(self.o.max_records // 2, PRUNE_SLACK_ROWS) or (
            len(self.pending) > PENDING_PARTS
        ):
            kept = self._most_recent(_by_family(self.pending))
            self.pending = deque((g, m) for g, m in kept if len(m["lineno"]))
            self.pending_count = sum(len(m["lineno"]) for _, m in self.pending)
            self.rows_count = self.pending_count + sum(len(r) for r in self.rows)

    def _material(
        self,
        f: int,
        idx: np.ndarray,
        c: _BatchCtx,
        harmless: np.ndarray,
        why: np.ndarray,
        priority: np.ndarray,
    ) -> dict[str, Any]:
        """What a records row needs, taken from the batch before its buffer goes away (no field extraction)."""
        ri = c.ri[idx]
        K = c.K
        msgs = self._messages(c, idx) if self.fast else np.array([None] * len(idx), dtype=object)
        truncated = np.zeros(len(idx), bool)
        conts = np.full(len(idx), None, dtype=object)
        todo = np.flatnonzero(msgs == None) if self.fast else np.arange(len(idx))  # noqa: E711 - object array
        cut_rows = np.flatnonzero(np.isin(ri, np.fromiter(c.cut, np.int64, len(c.cut)))) if c.cut else []
        for j in np.union1d(todo, cut_rows).astype(np.int64).tolist():
            # general path: quoted structured messages, non-ASCII, long or cut messages, secrets
            r = int(idx[j])
            i = c.ri[r]
            m = self._message(c, r)
            if c.K.hdr[i] and m.startswith('"'):
                m = structured_message(m)
            tr = len(m.encode("utf-8", "replace")) > self.o.max_message_bytes or i in c.cut
            m = m.encode("utf-8", "replace")[: self.o.max_message_bytes].decode("utf-8", "ignore")
            msgs[j] = redact(m)
            truncated[j] = tr
        for j in np.flatnonzero(c.n_lines[idx] > 1).tolist():
            r = int(idx[j])
            i = c.ri[r]
            a, b = int(K.ends[i]) + 1, int(K.ends[c.last_line[r]])
            raw = bytes(c.buf[a:b][: self.o.max_record_bytes])
            lines = raw.split(b"\n")
            if len(lines) > self.o.max_continuation_lines or (b - a) > self.o.max_record_bytes:
                truncated[j] = True
                lines = lines[: self.o.max_continuation_lines]
            elif c.cut and any(i < k <= c.last_line[r] for k in c.cut):
                truncated[j] = True  # a continuation line cut short (max_line_bytes, Source.cut_at_end)
            conts[j] = redact(b"\n".join(lines).decode("utf-8", "replace"))
        if c.verbosity:
            verbosity = np.array([c.verbosity.get(int(i)) for i in ri], dtype=object)
        else:
            verbosity = np.full(len(ri), None, dtype=object)
        if c.pid_override:
            pid = np.array([c.pid_override.get(int(i), int(K.pid[i])) if K.hdr[i] else -1 for i in ri])
        else:
            pid = np.where(K.hdr[ri], K.pid[ri], -1).astype(np.int64)
        files = np.empty(len(c.file_names), dtype=object)
        files[:] = c.file_names
        fam = None if f == self.clf.other else self.clf.fams[f]
        return {
            "texts": c.texts.take(pa.array(idx)),
            "sev": c.sev[idx].copy(),
            "timestamp": c.ts[idx].copy(),
            "ts_outer": c.ts_outer[idx].copy(),
            "outer_prov": c.outer_prov[idx].copy(),
            "verbosity": verbosity,
            "stream": _STREAM_NAMES[c.stream[ri].astype(np.int64)],
            "lineno": c.lineno[ri].copy(),
            "pid": pid,
            "line": np.where(K.hdr[ri], K.srcline[ri], -1),
            "file": files[c.finv[idx]] if len(files) else np.full(len(idx), None, dtype=object),
            "priority": np.asarray(priority, dtype=object).copy(),
            "why": np.asarray(why, dtype=object).copy(),
            "harmless": np.asarray(harmless, bool).copy(),
            "message": msgs,
            "continuation": conts,
            "n_lines": c.n_lines[idx].copy(),
            "truncated": truncated,
            "orphan": c.orphan[ri].copy(),
            "reason": np.full(len(idx), fam.reason if fam else "not in the family table", dtype=object),
        }

    def _capped(self) -> bool:
        """The records table keeps the most recent ``max_records`` actionable rows of this source (OUT-2)."""
        return self.o.records == "auto" and self.agg.records_overflow and not self.rows

    def _build_rows(self) -> None:
        """Turn queued material into DataFrames: one field extraction per family over all its kept rows."""
        cat = _by_family(self.pending)
        self.pending.clear()
        self.pending_count = 0
        if self._capped():
            cat = self._most_recent(cat)
        for f, mat in cat:
            if len(mat["lineno"]):
                self.rows.append(self._rows_frame(f, mat))
        self.rows_count = sum(len(r) for r in self.rows)

    def _most_recent(self, cat: Sequence[tuple[int, Mapping[str, Any]]]) -> Sequence[tuple[int, Mapping[str, Any]]]:
        """Only the rows the capped table can keep (OUT-2: the most recent ``max_records`` actionable ones, in the
        order of :meth:`_Aggregate._cap_rows`), before their fields are extracted: the probe rows queued when the
        source ends (every public client's TLS error, an internet scan's worth) are not all built."""
        if not cat:
            return cat
        harmless = np.concatenate([np.asarray(m["harmless"], bool) for _, m in cat])
        act = np.flatnonzero(~harmless)
        keep = ~harmless
        if len(act) > self.o.max_records:
            ts = np.concatenate([np.asarray(m["timestamp"], np.int64) for _, m in cat])[act]
            line = np.concatenate([np.asarray(m["lineno"], np.int64) for _, m in cat])[act]
            keep[:] = False
            keep[act[np.lexsort((line, ts))[-self.o.max_records :]]] = True
        out, pos = [], 0
        for f, m in cat:
            n = len(m["lineno"])
            out.append((f, _select_material(m, keep[pos : pos + n])))
            pos += n
        return out

    def _rows_frame(self, f: int, mat: Mapping[str, Any]) -> Any:
        """Records rows of family ``f`` from its row material: fields extracted, scrubbed, structured pairs."""
        import pandas as pd

        n = len(mat["lineno"])
        fields = {} if f == self.clf.other else self.clf.extract(f, mat["texts"], mat["sev"])
        fam = None if f == self.clf.other else self.clf.fams[f]
        data: dict[str, Any] = {
            "timestamp": mat["timestamp"],
            "ts_outer": mat["ts_outer"],
            OUTER_PROV: mat["outer_prov"],  # dropped after the year shift (_Aggregate.merge, _drain_spool)
            "severity": F.SEV_NAMES[mat["sev"]],
            "verbosity": mat["verbosity"],
            "source": self.src.name,
            "node": self.src.node,
            "pod": self.src.pod,
            "container": self.src.container,
            "instance": self.src.instance,
            "stream": mat["stream"],
            "lineno": mat["lineno"],
            "pid": mat["pid"],
            "line": mat["line"],
            "file": mat["file"],
            "family": self.clf.names[f],
            "group": fam.group if fam else "misc",
            "priority": mat["priority"],
            "why": mat["why"],
            "harmless": mat["harmless"],
            "message": mat["message"],
            "continuation": mat["continuation"],
            "n_lines": mat["n_lines"],
            "truncated": mat["truncated"],
            "orphan": mat["orphan"],
            "reason": mat["reason"],
        }
        if EVENT in mat:
            data[EVENT] = mat[EVENT]
        extra: list[dict[str, Any]] = [{} for _ in range(n)]
        for k, v in fields.items():
            # extracted fields reach outputs too: scrubbed like messages (OUT-11), with their key
            vals = _as_py_list(v, n)
            if _TRIGGER.search(k) or _known_regex() is not None:
                vals = [_redact_pair(k, x) if isinstance(x, str) else x for x in vals]
            else:
                for j in _trigger_rows(v, vals):
                    vals[j] = redact(vals[j])
            if k in STANDARD_FIELDS:
                data[k] = vals
            else:
                for j, x in enumerate(vals):
                    if x is not None and x == x:
                        extra[j][k] = x
        self._structured_fields(mat["texts"], data, extra, n)
        data["extra"] = [json.dumps(e, ensure_ascii=False, default=str) if e else None for e in extra]
        return pd.DataFrame(data)

    @staticmethod
    def _structured_fields(texts: Any, data: dict[str, Any], extra: list[dict[str, Any]], n: int) -> None:
        """FMT-2/FMT-7: the pairs of structured (and JSON) lines: ``err`` and the declared names fill standard
        columns the family left empty, every other pair goes to ``extra``."""
        hit = pc.match_substring(texts, '] "')
        rows = np.flatnonzero(np.asarray(hit.fill_null(False).to_numpy(zero_copy_only=False), bool))
        if not len(rows):
            return
        from lokonb.logs.classify import go_duration

        raws = texts.take(pa.array(rows)).to_pylist()
        for j, raw in zip(rows.tolist(), raws, strict=True):
            pairs = structured_pairs(raw.decode("utf-8", "replace").rstrip("\n") if raw else "")
            for k, v in pairs.items():
                col, typ = _PAIR_FIELDS.get(k, (None, None))
                if col is None and k in STANDARD_FIELDS and k not in _NUMERIC_FIELDS:
                    col, typ = k, "str"
                if col is None:
                    # not twice under another spelling (a family's `audit_id` is the pair `audit-ID`); the value
                    # is scrubbed with its key (`token=…`), so a secret named by the key is caught too
                    if _norm_key(k) not in {_norm_key(x) for x in extra[j]}:
                        extra[j][k] = _redact_pair(k, v)
                    continue
                vals = data.get(col)
                if vals is None:
                    vals = data[col] = [None] * n
                cur = vals[j]
                if cur is not None and cur == cur:
                    continue
                if typ == "duration":
                    d = go_duration(v)
                    vals[j] = None if d != d else d
                elif typ == "int":
                    vals[j] = int(v) if v.isdigit() else None
                elif typ == "addr":
                    host, sep, port = v.rpartition(":")
                    addr = host if sep and port.isdigit() else v
                    addr = addr.strip("[]")
                    vals[j] = addr[7:] if addr.startswith("::ffff:") and "." in addr else addr
                    if sep and port.isdigit():
                        ports = data.get("client_port")
                        if ports is None:
                            ports = data["client_port"] = [None] * n
                        if ports[j] is None or ports[j] != ports[j]:
                            ports[j] = int(port)
                else:
                    vals[j] = redact(v)

    # -- finalize ----------------------------------------------------------------------------------------------
    def finalize(self) -> None:
        """Resolve probe verdicts and year offsets, then merge into the global aggregate."""
        delta = 0
        if (
            self.used_time4
            and self.o.year is None
            and not self.start_anchored
            and self.src.anchor_ns is not None
            and self.last_prov_ns is not None
        ):
            # end anchor: the last record gets year(T), or year(T)-1 if it would fall after T + skew
            ty = F.civil_from_days(self.src.anchor_ns // F.DAY_NS)[0]
            ly = F.civil_from_days(self.last_prov_ns // F.DAY_NS)[0]
            last_in_ty = shift_years(np.array([self.last_prov_ns]), ty - ly)[0]
            target = ty if last_in_ty <= self.src.anchor_ns + self.o.anchor_skew_ns else ty - 1
            delta = target - ly
        self.delta = delta
        self._resolve_probes()
        self._build_rows()
        self.rows = [self._late_patch(df) for df in self.rows]
        if self.spool is not None:
            self._drain_spool(delta)
        self.agg.merge(self, delta)

    def _late_patch(self, df: Any) -> Any:
        """Rows of records with lines in a later block (``late_lines``): every physical line counted in ``n_lines``
        and ``truncated`` set, as for a record over max_record_bytes within one block."""
        if not self.late_lines or not len(df):
            return df
        extra = df["lineno"].map(self.late_lines)
        hit = extra.notna().to_numpy(bool)
        if hit.any():
            df = df.copy()
            df["n_lines"] = df["n_lines"] + extra.fillna(0).astype(df["n_lines"].dtype)
            df["truncated"] = df["truncated"] | hit
        return df

    def _drain_spool(self, delta: int) -> None:
        """Append this source's spooled rows to ``records_path``: probe verdicts filled in, TIME-4 years final."""
        import pandas as pd

        ev = self.event_rows

        def patch(df: Any) -> Any:
            df = self._late_patch(df)
            e = df.pop(EVENT).to_numpy(np.int64)
            hit = np.flatnonzero(e >= 0)
            if len(hit):
                for k in ("why", "priority", "reason"):
                    col = np.array(df[k].astype(object).to_numpy(), dtype=object)
                    col[hit] = ev[k][e[hit]]
                    df[k] = pd.Series(col, index=df.index).astype(df[k].dtype.name)
                h = df["harmless"].to_numpy(bool).copy()
                h[hit] = ev["harmless"][e[hit]]
                df["harmless"] = h
            t = df["timestamp"].to_numpy(np.int64)
            df["timestamp"] = to_datetime(pd.Series(shift_years(t, delta) if delta else t, index=df.index))
            prov = df.pop(OUTER_PROV).to_numpy(bool)
            if delta and prov.any():
                # year-less syslog times took the same provisional TIME-4 years as the klog times
                tso = df["ts_outer"].to_numpy("datetime64[ns]").view(np.int64).copy()
                tso[prov] = shift_years(tso[prov], delta)
                df["ts_outer"] = to_datetime(pd.Series(tso, index=df.index))
            return df

        assert self.agg.sink is not None
        spool, self.spool = self.spool, None
        for df in spool.drain(patch):
            self.agg.sink.write(df)
        self.event_rows = {}

    def _resolve_probes(self) -> None:
        o = self.o
        self._merge_rarest()
        for addr, parts in self.probe.items():
            network = classify_network(addr, o.vpc_cidrs, o.extra_probe_networks)
            net_ok = network in PROBE_NETWORKS
            if network == "private-assumed":
                self.agg.probe_networks_assumed = True
            if isinstance(parts, WindowedGroup) and parts.sealed:
                self._probe_counts(addr, network, parts.counts(net_ok))
                continue
            parts = _group_parts(parts)
            ts = np.concatenate([p[0] for p in parts])
            tls = np.concatenate([p[2] for p in parts])
            fsev = np.concatenate([p[6] for p in parts])
            res = analyse_group(ts, network_ok=net_ok, periods=o.probe_periods, tol=o.probe_tolerance_s)
            harmless = res.harmless & ~fsev
            why = np.where(fsev, "severity-F", res.why).astype(object)
            prio = np.where(
                harmless, None, np.where(fsev, "critical", actionable_priority(network))
            )
            prio = prio.astype(object)
            self.agg.tls_groups.append(
                {
                    "source": self.src.name,
                    "client_addr": addr,
                    "network": network,
                    "count": len(ts),
                    "kinds": ", ".join(f"{k}:{v}" for k, v in Counter(tls.tolist()).most_common()),
                    "first_seen": int(ts[ts != NAT].min()) if (ts != NAT).any() else None,
                    "last_seen": int(ts[ts != NAT].max()) if (ts != NAT).any() else None,
                    "period_s": res.period_s,
                    "probers": res.probers,
                    "on_beat_share": res.on_beat_share,
                    "harmless": int(harmless.sum()),
                    "why": Counter(why.tolist()).most_common(1)[0][0],
                    "_delta_src": self,
                }
            )
            # aggregate per family
            pos = 0
            for part in parts:
                m = len(part[0])
                sl = slice(pos, pos + m)
                pos += m
                f = int(part[1][0])
                h = harmless[sl]
                self._probe_part_aggregate(f, part, h, why[sl], prio[sl], addr, res.period_s, network)
        if self.other is not None:
            # after the kept groups, as when every group was judged at the end (examples, findings order)
            for f, st in self.other.fam.items():
                _add_family(self.fam, f, st)
            for fk, st in self.other.findings.items():
                _merge_finding(self.findings, fk, st)
            self.agg.tls_groups.append({**self.other.row(self.src.name), "_delta_src": self})
            self.agg.warnings.append(
                f"{self.src.name}: more than {o.max_tls_groups:,} TLS client addresses; the rarest "
                f"({self.merged:,} groups) are merged into {OTHER_ADDRESSES!r}"
            )

    def _probe_counts(self, addr: str, network: str, sc: SealedCounts) -> None:
        """Add a sealed group's count rows (:class:`WindowedGroup`) to the totals, severities, timeline, findings and
        TLS sources: the same result as :meth:`_probe_part_aggregate` over its events in file order."""
        low = actionable_priority(network)
        prio = np.where(sc.harmless, np.full(len(sc.harmless), None, dtype=object), np.where(sc.fsev, "critical", low))
        order = np.argsort(sc.seq, kind="stable")  # rows by their first event, in file order
        act = ~sc.harmless
        for f in dict.fromkeys(sc.f[order].tolist()):
            m = sc.f == f
            st = self.fam.get(f)
            if st is None:
                st = self.fam[f] = [0, 0, None, None, None, None]
            st[0] += int(sc.count[m].sum())
            st[1] += int(sc.count[m & sc.harmless].sum())
            vm = m & sc.valid
            if vm.any():
                lo, hi = int(sc.tmin[vm].min()), int(sc.tmax[vm].max())
                st[2] = lo if st[2] is None else min(st[2], lo)
                st[3] = hi if st[3] is None else max(st[3], hi)
            if st[4] is None:
                st[4] = sc.example[int(order[m[order]][0])]
            if st[5] is None and (m & act).any():
                st[5] = sc.example[int(order[(m & act)[order]][0])]
        for r in range(len(sc.count)):
            self.sev[(int(sc.sev[r]), bool(sc.harmless[r]))] += int(sc.count[r])
        self.timeline.add_counts(sc.tl_bucket, sc.tl_f, sc.tl_harmless, sc.tl_count)
        for r in order[act[order]].tolist():
            fk = (int(sc.f[r]), f"client_addr={addr} tls_error={sc.kind[r]}")
            first = int(sc.tmin[r]) if sc.valid[r] else None
            last = int(sc.tmax[r]) if sc.valid[r] else None
            stf = self.findings.get(fk)
            if stf is None:
                self.findings[fk] = [int(sc.count[r]), int(sc.sev[r]), first, last, sc.example[r], str(sc.why[r]),
                                     prio[r]]  # fmt: skip
                continue
            stf[0] += int(sc.count[r])
            stf[1] = max(stf[1], int(sc.sev[r]))
            if first is not None:
                stf[2] = first if stf[2] is None else min(stf[2], first)
                stf[3] = last if stf[3] is None else max(stf[3], last)
        kinds: Counter[Any] = Counter()
        whys: Counter[str] = Counter()
        for r in order.tolist():  # first occurrence decides the order of equal counts, as for per-event lists
            kinds[sc.kind[r]] += int(sc.count[r])
            whys[str(sc.why[r])] += int(sc.count[r])
        v = sc.valid
        self.agg.tls_groups.append(
            {
                "source": self.src.name,
                "client_addr": addr,
                "network": network,
                "count": sc.n,
                "kinds": ", ".join(f"{k}:{c}" for k, c in kinds.most_common()),
                "first_seen": int(sc.tmin[v].min()) if v.any() else None,
                "last_seen": int(sc.tmax[v].max()) if v.any() else None,
                "period_s": sc.period_s,
                "probers": sc.probers,
                "on_beat_share": sc.on_beat_share,
                "harmless": int(sc.count[sc.harmless].sum()),
                "why": whys.most_common(1)[0][0],
                "_delta_src": self,
            }
        )
        for part, h, why in sc.verdicts:  # parts read with rows, before the input overflowed max_records
            fsev = np.asarray(part[6], bool)
            p = np.where(h, np.full(len(h), None, dtype=object), np.where(fsev, "critical", low))
            self._probe_part_rows(int(part[1][0]), part[5], None, h, why, p, addr, sc.period_s, network)
        if sc.late:
            self.agg.warnings.append(
                f"{self.src.name}: {sc.late:,} TLS handshake records from {addr} came after their probe window "
                "was closed (lines out of time order): judged off the beat"
            )

    def _probe_part_aggregate(
        self,
        f: int,
        part: Any,
        harmless: np.ndarray,
        why: np.ndarray,
        prio: np.ndarray,
        addr: str,
        period: float,
        network: str,
    ) -> None:
        ts, _, tls, sev, example, rows, _fsev, _idx, events = part
        self._add_batch(f, ts, sev, harmless, lambda j: example)
        add_tls_findings(self.findings, f, addr, ts, sev, tls, why, prio, example, np.flatnonzero(~harmless))
        self._probe_part_rows(f, rows, events, harmless, why, prio, addr, period, network)

    def _probe_part_rows(
        self,
        f: int,
        rows: Mapping[str, Any] | None,
        events: np.ndarray | None,
        harmless: np.ndarray,
        why: np.ndarray,
        prio: np.ndarray,
        addr: str,
        period: float,
        network: str,
    ) -> None:
        """Fill one part's per-event verdicts into its rows (records table) and spooled events (records_path)."""
        verdict: dict[str, np.ndarray] = {}
        if rows is not None or events is not None:
            fam = self.clf.fams[f]
            per = "" if period != period else f" every {period:.1f} s"
            verdict = {
                "harmless": np.asarray(harmless, bool),
                "why": np.asarray(why, dtype=object),
                "priority": np.asarray(prio, dtype=object),
                "reason": np.where(
                    harmless,
                    f"load-balancer health check: periodic{per} from {addr} ({network})",
                    np.array([f"{w}: {fam.reason}" for w in why], dtype=object),
                ).astype(object),
            }
        if events is not None:
            for k, v in verdict.items():
                col = self.event_rows.get(k)
                if col is None or len(col) < self.events:
                    # merged addresses are judged while reading, when fewer events are numbered
                    new = np.empty(self.events, bool if k == "harmless" else object)
                    if col is not None:
                        new[: len(col)] = col
                    col = self.event_rows[k] = new
                col[events] = v
        if rows is not None:
            rows = _Overlay(rows, verdict)  # as {**rows, **verdict}, without slicing every column now
            mode = self.o.records
            if mode == "actionable" or (mode == "auto" and self.agg.records_overflow):
                rows = _select_material(rows, ~rows["harmless"])
            if len(rows["lineno"]):
                self._pend(f, rows)


class _Timeline:
    """Record counts per (time bucket, family, verdict) of one source, as compact NumPy arrays.

    A dict of tuples costs ~200 bytes per key, and keys grow with the log's time span (a 1-minute grid over
    months of logs is millions of keys); packed int64 keys with periodic compaction keep it at ~16 bytes (PERF-3).
    """

    _SHIFT = 20  # low bits: family * 2 + harmless

    def __init__(self) -> None:
        self._keys: list[np.ndarray] = []
        self._counts: list[np.ndarray] = []
        self._pending = 0
        self._compacted = 0

    def add(self, bucket: np.ndarray, f: int, harmless: np.ndarray) -> None:
        key = (bucket.astype(np.int64) << self._SHIFT) | (f * 2 + harmless.astype(np.int64))
        u, c = np.unique(key, return_counts=True)
        self._keys.append(u)
        self._counts.append(c.astype(np.int64))
        self._pending += len(u)
        if self._pending > max(1 << 18, 2 * self._compacted):
            self._compact()

    def add_counts(self, bucket: np.ndarray, f: np.ndarray, harmless: np.ndarray, counts: np.ndarray) -> None:
        """Add counts already grouped (another range's :meth:`arrays`)."""
        if not len(bucket):
            return
        key = (bucket.astype(np.int64) << self._SHIFT) | (f.astype(np.int64) * 2 + harmless.astype(np.int64))
        self._keys.append(key)
        self._counts.append(counts.astype(np.int64))
        self._pending += len(key)
        if self._pending > max(1 << 18, 2 * self._compacted):
            self._compact()

    def _compact(self) -> None:
        if len(self._keys) > 1:
            k = np.concatenate(self._keys)
            c = np.concatenate(self._counts)
            u, inv = np.unique(k, return_inverse=True)
            self._keys = [u]
            self._counts = [np.bincount(inv, weights=c, minlength=len(u)).astype(np.int64)]
        self._compacted = len(self._keys[0]) if self._keys else 0
        self._pending = self._compacted

    def __bool__(self) -> bool:
        return bool(self._keys)

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(bucket, family, harmless, count), sorted by bucket, family, verdict."""
        self._compact()
        k = self._keys[0] if self._keys else np.zeros(0, np.int64)
        c = self._counts[0] if self._counts else np.zeros(0, np.int64)
        low = k & ((1 << self._SHIFT) - 1)
        return k >> self._SHIFT, low >> 1, (low & 1).astype(bool), c


#: startup records further apart than this begin separate start sequences (RULE-3)
START_GAP_NS = 120 * 10**9
_MAX_BEFORE_START = 1000  # records kept per source as "the record before a start"
_START_TEXT = 160  # characters of such a record's message


def _records_before(
    starts: np.ndarray, before: list[tuple[int, tuple[int, str] | None]], sh: Callable[[int | None], int | None]
) -> list[tuple[int | None, str]]:
    """RULE-3: the record before each start sequence beginning at ``starts`` (sorted), as (time, text), for the
    starts whose first record has one (the first record of a source has none)."""
    out: list[tuple[int | None, str]] = []
    first = {}
    for at, rec in before:
        first.setdefault(at, rec)  # the first startup record at a sequence's start time, in reading order
    for s in starts.tolist():
        rec = first.get(s)
        if rec is not None:
            out.append((sh(rec[0]) if rec[0] != NAT else None, rec[1]))
    return out


@dataclass
class _BatchCtx:
    buf: np.ndarray
    K: F.KlogColumns
    ri: np.ndarray
    lineno: np.ndarray
    stream: np.ndarray
    n_lines: np.ndarray
    last_line: np.ndarray
    orphan: np.ndarray
    ts: np.ndarray
    ts_outer: np.ndarray
    outer_prov: np.ndarray  # bool: ts_outer is a year-less syslog time with a TIME-4 year (shifted at finalize)
    sev: np.ndarray
    file_names: list[str | None]
    finv: np.ndarray
    pid_override: dict[int, int]
    verbosity: dict[int, int]
    cut: set[int]
    texts: pa.Array


def _group_size(g: Any) -> int:
    """Events of one probe group (a list of parts or a :class:`WindowedGroup`)."""
    return g.n if isinstance(g, WindowedGroup) else sum(len(p[0]) for p in g)


def _by_family(items: Iterable[tuple[int, Mapping[str, Any]]]) -> list[tuple[int, Mapping[str, Any]]]:
    """Row material concatenated per family (families in order of first appearance)."""
    by_f: dict[int, list[Mapping[str, Any]]] = defaultdict(list)
    for f, mat in items:
        by_f[f].append(mat)
    return [
        (f, {k: (pa.concat_arrays([m[k] for m in mats]) if k == "texts" else np.concatenate([m[k] for m in mats]))
             for k in mats[0]})
        for f, mats in by_f.items()
    ]  # fmt: skip


def _is_sealed(g: Any) -> bool:
    """A windowed group already reduced to counts (it cannot join merged events: it keeps its own row)."""
    return isinstance(g, WindowedGroup) and g.sealed


def _merge_finding(findings: dict[tuple[int, str], list[Any]], fk: tuple[int, str], st: list[Any]) -> None:
    """Add a finding's ``[count, severity, first, last, example, why, priority]`` to ``findings``."""
    g = findings.get(fk)
    if g is None:
        findings[fk] = list(st)
        return
    g[0] += st[0]
    g[1] = max(g[1], st[1])
    g[2] = st[2] if g[2] is None else (g[2] if st[2] is None else min(g[2], st[2]))
    g[3] = st[3] if g[3] is None else (g[3] if st[3] is None else max(g[3], st[3]))
    if PRIORITY_ORDER.get(st[6] or "low", 3) < PRIORITY_ORDER.get(g[6] or "low", 3):
        g[6] = st[6]


def _group_parts(g: Any) -> list[Any]:
    """The parts of a probe group that still holds its events."""
    return g.parts if isinstance(g, WindowedGroup) else g


#: memory is given back once this much was read since the last time: a full collection costs ~0.1 s, too much
#: after every small file of a bundle
RELEASE_AFTER_BYTES = 64 << 20


def _release_memory() -> None:
    """Give freed memory back between sources (Arrow's pool and glibc keep it otherwise), so peak RSS does not
    grow with the number of sources (PERF-3)."""
    import gc

    gc.collect()
    try:
        pa.default_memory_pool().release_unused()
    except AttributeError:
        pass
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _compact(df: Any) -> Any:
    """Repeated strings as categoricals: kept rows cost memory per distinct value, not per row."""
    for col in df.columns:
        if df[col].dtype == object and len(df) > 1000:
            try:
                if df[col].nunique(dropna=True) < len(df) // 4:
                    df[col] = df[col].astype("category")
            except TypeError:  # unhashable values
                pass
    return df


class _MaterialSlice(Mapping[str, Any]):
    """Rows ``a:b`` of a batch's records row material, sliced when read: a probe group of a scanner address keeps
    ~60 bytes here instead of twenty array views (~2.5 KB), and every row of the batch's material goes to some
    group, kept until the source ends anyway."""

    __slots__ = ("mat", "a", "b")

    def __init__(self, mat: dict[str, Any], a: int, b: int) -> None:
        self.mat, self.a, self.b = mat, a, b

    def __getitem__(self, key: str) -> Any:
        v = self.mat[key]
        return v.slice(self.a, self.b - self.a) if key == "texts" else v[self.a : self.b]

    def __iter__(self) -> Iterator[str]:
        return iter(self.mat)

    def __len__(self) -> int:
        return len(self.mat)


class _Overlay(Mapping[str, Any]):
    """``{**base, **top}`` read lazily: a probe part's rows with their verdict columns, kept until rows are built."""

    __slots__ = ("base", "top")

    def __init__(self, base: Mapping[str, Any], top: dict[str, Any]) -> None:
        self.base, self.top = base, top

    def __getitem__(self, key: str) -> Any:
        return self.top[key] if key in self.top else self.base[key]

    def __iter__(self) -> Iterator[str]:
        yield from self.base
        yield from (k for k in self.top if k not in self.base)

    def __len__(self) -> int:
        return len(self.base) + sum(k not in self.base for k in self.top)


def _slice_material(mat: Any, a: int, b: int) -> Mapping[str, Any]:
    """Rows ``a:b`` of a records row material (:class:`_MaterialSlice`)."""
    return _MaterialSlice(mat, a, b)


def _select_material(mat: Mapping[str, Any], keep: np.ndarray) -> Mapping[str, Any]:
    """The rows ``keep`` (a boolean mask) of a records row material (:meth:`_SourceRun._material`)."""
    if keep.all():
        return mat
    return {k: (v.filter(pa.array(keep)) if k == "texts" else v[keep]) for k, v in mat.items()}


def _sel(v: Any, sel: np.ndarray) -> Any:
    if isinstance(v, pa.Array):
        return v.take(pa.array(sel))
    return np.asarray(v)[sel]


def _as_py_list(v: Any, n: int) -> list[Any]:
    if v is None:
        return [None] * n
    if isinstance(v, pa.Array):
        out = v.to_pylist()
        return [x.decode("utf-8", "replace") if isinstance(x, bytes) else x for x in out]
    arr = np.asarray(v)
    if arr.dtype.kind == "f":
        return [None if x != x else x for x in arr.tolist()]
    return arr.tolist()


def _trigger_rows(v: Any, vals: list[Any]) -> list[int]:
    """Rows of a field whose text has a secret trigger word (the only ones :func:`redact` can change); one RE2
    pass over an Arrow column instead of a Python regex per row."""
    if not (isinstance(v, pa.Array) and (pa.types.is_string(v.type) or pa.types.is_large_string(v.type)
                                         or pa.types.is_binary(v.type) or pa.types.is_large_binary(v.type))):
        texts = [x if isinstance(x, str) else None for x in vals]
        if not any(texts):
            return []
        v = pa.array(texts, pa.large_string())
    hit = pc.match_substring_regex(v, _TRIGGER_RX).fill_null(False)
    return np.flatnonzero(np.asarray(hit.to_numpy(zero_copy_only=False), bool)).tolist()


def _as_str_list(v: Any, n: int) -> list[str | None]:
    return [None if x is None or (isinstance(x, float) and x != x) else str(x) for x in _as_py_list(v, n)]


def _file_keys(buf: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    L = np.clip(b - a, 0, 48)
    pad = np.concatenate([buf, np.zeros(64, np.uint8)])
    mat = pad[a[:, None] + np.arange(48)[None, :]]
    mat = np.where(np.arange(48)[None, :] < L[:, None], mat, 0).astype(np.uint8)
    words = np.ascontiguousarray(mat).view("<u8")
    key = np.zeros(len(a), np.uint64)
    with np.errstate(over="ignore"):
        for k in range(words.shape[1]):
            key = (key ^ words[:, k]) * np.uint64(0x9E3779B97F4A7C15)
    return key ^ L.astype(np.uint64)




def _with_times(times: np.ndarray | None, n: int, found: dict[int, int]) -> np.ndarray:
    """Per-line times (NAT where none) with the times found on wrapped lines inside a plain source filled in."""
    out = np.full(n, NAT, np.int64) if times is None else times
    if found:
        out = out.copy()
        for i, v in found.items():
            out[i] = v
    return out


def _add_family(table: dict[int, list[Any]], f: int, e: list[Any]) -> None:
    """Add one source's family totals ``[count, harmless, first, last, example, actionable example]``."""
    g = table.get(f)
    if g is None:
        table[f] = list(e)
        return
    g[0] += e[0]
    g[1] += e[1]
    g[2] = e[2] if g[2] is None else (g[2] if e[2] is None else min(g[2], e[2]))
    g[3] = e[3] if g[3] is None else (g[3] if e[3] is None else max(g[3], e[3]))
    g[4] = g[4] if g[4] is not None else e[4]
    g[5] = g[5] if g[5] is not None else e[5]


def _add_finding(table: dict[tuple[int, str], list[Any]], fk: tuple[int, str], e: list[Any]) -> None:
    """Add one source's finding ``[count, severity, first, last, example, why, priority]``; across sources the
    example follows the latest ``last_seen``."""
    g = table.get(fk)
    if g is None:
        table[fk] = list(e)
        return
    g[0] += e[0]
    g[1] = max(g[1], e[1])
    g[2] = e[2] if g[2] is None else (g[2] if e[2] is None else min(g[2], e[2]))
    if e[3] is not None and (g[3] is None or e[3] >= g[3]):
        g[3] = e[3]
        g[4] = e[4]


# ---------------------------------------------------------------------------------------------------------------
class _Aggregate:
    """Totals across sources (timestamps final)."""

    def __init__(self, opts: Options, clf: Classifier) -> None:
        self.o, self.clf = opts, clf
        self.bucket_ns = _bucket_ns(opts.bucket)
        self.fam: dict[int, list[Any]] = {}
        self.fam_sources: dict[int, set[str]] = defaultdict(set)
        self.fam_by_source: dict[tuple[str, int], tuple[int, int]] = {}
        self.sev: Counter = Counter()
        self.tl: list[Any] = []  # DataFrames bucket, f, h, count
        self.tl_src: list[Any] = []  # DataFrames bucket, count, source
        self.findings: dict[tuple[int, str], list[Any]] = {}
        self.find_sources: dict[tuple[int, str], set[str]] = defaultdict(set)
        self.other_msgs: Counter = Counter()
        self.rows: list[Any] = []
        self.records_seen = 0
        self.records_overflow = False
        self.unreleased = 0  # bytes read since memory was last given back (_analyze_source)
        self.tls_groups: list[dict[str, Any]] = []
        self.sources: list[dict[str, Any]] = []
        self.unparsed: list[dict[str, Any]] = []
        self.probe_networks_assumed = False
        self.restart_loops: list[dict[str, Any]] = []
        self.warnings: list[str] = []
        self.defer_rows = False  # a range coordinator's aggregate: the parent caps rows in absorb()
        self.sink: RecordsWriter | None = None  # records_path: every record, streamed (OUT-2)

    def _add_timeline(self, frames: list[Any]) -> None:
        import pandas as pd

        self.tl.extend(frames)
        if len(self.tl) > 1:  # keep one compact frame: its size follows distinct results, not input size
            self.tl = [pd.concat(self.tl).groupby(["bucket", "f", "h"], sort=False)["count"].sum().reset_index()]

    def _cap_rows(self) -> None:
        if self.o.records in ("auto", "actionable") and self.records_overflow:
            import pandas as pd

            # keep memory bounded across sources: only the most recent max_records actionable rows
            both = pd.concat(self.rows, ignore_index=True)
            both = both[~both["harmless"].astype(bool)]
            if len(both) > self.o.max_records:
                # the order of the records table (LogAnalysis): time, then source and line for equal times
                both = (
                    both.assign(_t=both["timestamp"].astype("int64"))
                    .sort_values(["_t", "source", "lineno"], kind="stable")
                    .drop(columns="_t")
                    .tail(self.o.max_records)
                )
            self.rows = [_compact(both)]

    _STATE = (
        "fam", "fam_sources", "fam_by_source", "sev", "tl", "tl_src", "findings", "find_sources", "other_msgs",
        "rows", "records_seen", "records_overflow", "tls_groups", "sources", "unparsed", "probe_networks_assumed",
        "restart_loops", "warnings",
    )  # fmt: skip

    def state(self) -> dict[str, Any]:
        """What :meth:`absorb` needs (picklable): this aggregate after one source was merged into it."""
        return {name: getattr(self, name) for name in self._STATE}

    def absorb(self, st: dict[str, Any]) -> None:
        """Merge the :meth:`state` of an aggregate that started as a copy of this one's counters
        (``records_seen``, ``records_overflow``) and took exactly one source — the same result as :meth:`merge`
        of that source here (used by :mod:`lokonb.logs.ranges`)."""
        for f, g2 in st["fam"].items():
            _add_family(self.fam, f, g2)
        for f, names in st["fam_sources"].items():
            self.fam_sources[f] |= names
        self.fam_by_source.update(st["fam_by_source"])
        self.sev.update(st["sev"])
        self.tl_src.extend(st["tl_src"])
        self._add_timeline(st["tl"])
        for fk, g2 in st["findings"].items():
            _add_finding(self.findings, fk, g2)
        for fk, names in st["find_sources"].items():
            self.find_sources[fk] |= names
        self.other_msgs.update(st["other_msgs"])
        self.tls_groups.extend(st["tls_groups"])
        if st["rows"]:
            self.rows.extend(st["rows"])
            self._cap_rows()
        self.records_seen = st["records_seen"]
        self.records_overflow = self.records_overflow or st["records_overflow"]
        self.restart_loops.extend(st["restart_loops"])
        self.unparsed.extend(st["unparsed"])
        self.sources.extend(st["sources"])
        self.probe_networks_assumed = self.probe_networks_assumed or st["probe_networks_assumed"]
        self.warnings.extend(st["warnings"])

    def merge(self, run: _SourceRun, delta: int) -> None:
        def sh(x: int | None) -> int | None:
            if x is None or delta == 0:
                return x
            return int(shift_years(np.array([x], np.int64), delta)[0])

        name = run.src.name
        for f, st in run.fam.items():
            _add_family(self.fam, f, [st[0], st[1], sh(st[2]), sh(st[3]), st[4], st[5]])
            self.fam_sources[f].add(name)
        self.sev.update(run.sev)
        if run.timeline:
            import pandas as pd

            b, fcol, hcol, cnt = run.timeline.arrays()
            if delta:
                b = shift_years(b * self.bucket_ns, delta) // self.bucket_ns
            df = pd.DataFrame({"bucket": b, "f": fcol, "h": hcol, "count": cnt})
            per_src = df.groupby("bucket", sort=False)["count"].sum().reset_index()
            per_src["source"] = name
            self.tl_src.append(per_src)
            self._add_timeline([df])
        for fk, st in run.findings.items():
            _add_finding(self.findings, fk, [st[0], st[1], sh(st[2]), sh(st[3]), st[4], st[5], st[6]])
            self.find_sources[fk].add(name)
        self.other_msgs.update(run.other_msgs)
        for g in self.tls_groups:
            if g.pop("_delta_src", None) is run:
                g["first_seen"], g["last_seen"] = sh(g["first_seen"]), sh(g["last_seen"])
        if run.rows:
            import pandas as pd

            df = _compact(pd.concat(run.rows, ignore_index=True))
            prov = df.pop(OUTER_PROV).to_numpy(bool)
            if delta:
                df["timestamp"] = shift_years(df["timestamp"].to_numpy(np.int64), delta)
                if prov.any():
                    # year-less syslog times took the same provisional TIME-4 years as the klog times
                    tso = df["ts_outer"].to_numpy(np.int64).copy()
                    tso[prov] = shift_years(tso[prov], delta)
                    df["ts_outer"] = tso
            self.rows.append(df)
            if not self.defer_rows:
                self._cap_rows()
        for f, st in run.fam.items():
            self.fam_by_source[(name, f)] = (st[0], st[1])
        self.records_seen += run.stats["records"] - run.stats["filtered_out"]
        # RULE-3: three or more starts within 60 minutes
        if len(run.startups) >= 3:
            st_ts = np.sort(np.array(run.startups, np.int64))
            starts = st_ts[np.concatenate([[True], np.diff(st_ts) > START_GAP_NS])]
            if len(starts) >= 3:
                w = 60 * 60 * 10**9
                for i in range(len(starts) - 2):
                    if starts[i + 2] - starts[i] <= w:
                        self.restart_loops.append(
                            {
                                "source": name,
                                "starts": len(starts),
                                "first": sh(int(starts[i])),
                                "last": sh(int(starts[-1])),
                                "before": _records_before(starts[i:], run.before_start, sh),
                            }
                        )
                        break
        for u in run.unparsed:
            self.unparsed.append(u)
        first, last = sh(run.first_ts), sh(run.last_ts)
        ys = run.src.year_source
        if run.used_outer and not run.used_time4:
            ys = "outer"
        elif self.o.year is not None:
            ys = "parameter"
        elif not run.used_time4:
            ys = ys if run.stats["records"] else None
        mix = {k: v for k, v in run.mix.items() if v > 0}
        self.sources.append(
            {
                "source": name,
                "kind": run.src.kind,
                "format": run.fmt or "klog",
                "format_mix": ", ".join(f"{k}:{v}" for k, v in sorted(mix.items(), key=lambda kv: -kv[1])),
                "bytes": run.src.bytes_read,
                "lines": run.lineno,
                "records": run.stats["records"],
                "continuation_lines": run.stats["continuation_lines"],
                "unparsed": run.stats["unparsed"],
                "decode_errors": run.stats["decode_errors"],
                "truncated_lines": run.stats["truncated_lines"],
                "time_errors": run.stats["time_errors"],
                "filtered_out": run.stats["filtered_out"],
                "first_ts": first,
                "last_ts": last,
                "year_source": ys,
                "tz": (
                    run.tz_note
                    or (_auto_tz_fallback(run.auto_tried) if self.o.klog_tz == "auto" else self.o.klog_tz)
                )
                + (
                    f"; syslog {self.o.syslog_tz}"
                    if run.used_syslog and self.o.syslog_tz not in (None, self.o.klog_tz)
                    else ""
                ),
                "error": run.src.error,
                "node": run.src.node,
                "pod": run.src.pod,
                "container": run.src.container,
            }
        )
        if run.src.error:
            self.warnings.append(f"{name}: {run.src.error}")
        if self.o.klog_tz == "auto" and run.tz_note is None and run.auto_tried:
            self.warnings.append(
                f"{name}: klog_tz=auto found no steady offset between the klog and the outer times: klog times "
                "were read as UTC (pass klog_tz to set the zone)"
            )
        for note in run.src.notes:
            self.warnings.append(f"{name}: {note}")
        if run.pretty_json and run.stats["records"]:
            self.warnings.append(
                f"{name}: a `kubectl cluster-info dump`: its {run.stats['unparsed']:,} lines of pretty-printed JSON "
                "are counted as unparsed, the pod logs between its `==== START logs` markers are read"
            )
        elif run.pretty_json and run.not_log == F.MANIFEST_REASON:
            self.warnings.append(f"{name}: a Kubernetes manifest, not a log: its {run.stats['unparsed']:,} lines are "
                                 "counted as unparsed")
        elif run.pretty_json:
            self.warnings.append(
                f"{name}: a pretty-printed JSON document without log records (e.g. `kubectl get … -o json`) is not "
                f"read: its {run.stats['unparsed']:,} lines are counted as unparsed; give log records, one JSON "
                "object a line (`jq -c '.[]'`, `journalctl -o json`)"
            )
        if run.stats["nul_holes"]:
            self.warnings.append(
                f"{name}: {run.stats['nul_holes']:,} lines began with a run of NUL bytes (a hole left by logrotate's "
                "copytruncate or a crash): the NULs were dropped, the rest of each line was read"
            )
        if run.stats["audit_events"]:
            self.warnings.append(
                f"{name}: {run.stats['audit_events']:,} lines are Kubernetes audit events (audit.k8s.io), counted "
                "as unparsed: audit logs are not analysed, give the kube-apiserver's own log"
            )
        if run.src.year_source == "assumed-now" and run.used_time4 and self.o.year is None:
            self.warnings.append(
                f"{name}: no year in the log; assumed the current year (pass year= to set it)"
            )


def _auto_tz_fallback(tried: bool) -> str:
    """``sources.tz`` of a source for which ``klog_tz="auto"`` found no offset (TIME-1): klog times read as UTC."""
    if tried:
        return "UTC (auto: no steady offset between the klog and the outer times)"
    return "UTC (auto: no outer timestamps)"


# ---------------------------------------------------------------------------------------------------------------
def _check_kinds(sources: Any, pods: Any, fmt: Any, families: Any, vpc_cidrs: Any) -> None:
    """Arguments of the wrong kind get a :class:`LogParameterError` naming them (``analyze(5)``, ``format=None``,
    ``vpc_cidrs=5``, ``families=5``, ``pods=5`` ended in "'int' object is not iterable")."""
    problems = []
    if sources is not None and not isinstance(sources, str | bytes | Iterable) and not hasattr(sources, "__fspath__"):
        problems.append(f"sources: expected a path or a list of paths, got {kind_name(sources)}")
    if not isinstance(fmt, str | Mapping):
        problems.append(f"format: expected one of {', '.join(F.FORMATS)} (or a mapping of source name to format), "
                        f"got {kind_name(fmt)}")
    if families is not None and not isinstance(families, str | Mapping | list | tuple) and not hasattr(
            families, "families") and not hasattr(families, "__fspath__"):
        problems.append(f"families: expected a YAML path, a mapping or a list of families, got {kind_name(families)}")
    if vpc_cidrs is not None and not isinstance(vpc_cidrs, str | list | tuple | set | frozenset):
        problems.append(f"vpc_cidrs: expected 'auto', a CIDR or a list of CIDRs, got {kind_name(vpc_cidrs)}")
    if pods is not None and not isinstance(pods, Mapping) and not hasattr(pods, "namespace"):
        problems.append(f"pods: expected a PodQuery or a mapping of its fields, got {kind_name(pods)}")
    if problems:
        raise LogParameterError("; ".join(problems))


def analyze(
    sources: Any = (),
    *,
    pods: Any = None,
    format: Any = "auto",  # noqa: A002 - spec name
    families: Any = None,
    klog_tz: str = "UTC",
    syslog_tz: str | None = None,
    month_names: Any = None,
    year: int | None = None,
    vpc_cidrs: Any = "auto",
    extra_probe_networks: Iterable[str] = (),
    probe_periods: Any = (10, 30),
    since: Any = None,
    until: Any = None,
    bucket: str = "1min",
    max_records: int = 100_000,
    records: str = "auto",
    records_path: Any = None,
    workers: Any = "auto",
    include: Iterable[str] | None = ("*kube-apiserver*",),
    probe_tolerance_s: float | None = None,
    trace_threshold_s: float = 1.0,
    stdin: Any = None,
    cluster: Any = None,
) -> LogAnalysis:
    """Analyse kube-apiserver logs (see the module docstring and spec logs.md §7 OUT-1).

    ``sources``: paths, globs, directories, ``-`` (stdin), ``NAME=PATH``, ``(name, path)``, ``"sample"`` or
    :class:`~lokonb.logs.sources.Source` objects; ``pods``: a :class:`lokonb.kube.podlogs.PodQuery` or a dict of
    its fields. Raises :class:`LogSourceError` when no source could be read.

    ``klog_tz``: zone of klog times (UTC, an IANA name, a fixed offset or ``auto``); ``syslog_tz``: zone of
    year-less syslog/journald prefix times (``Dec 31 23:59:59 host ident[pid]:``), default ``klog_tz`` (with
    ``auto``: the offset detected for klog, else UTC). Such a prefix times header-less records and gets its year
    like a klog time (TIME-3/TIME-4); ``short-iso`` prefixes carry their own year and zone. ``month_names``:
    localized month names of such prefixes (FMT-8; ``journalctl`` prints the reader's locale), 12 names January
    first (each a name or a list of spellings), a comma-separated string, or a mapping name → 1..12; English
    abbreviations are always read.
    """
    t0 = time.perf_counter()
    _refresh_redactor()
    if isinstance(sources, (str, bytes)) or hasattr(sources, "__fspath__"):
        sources = [sources]
    _check_kinds(sources, pods, format, families, vpc_cidrs)
    fmt = format
    if isinstance(fmt, str) and fmt not in F.FORMATS:
        raise LogParameterError(f"format: {fmt!r} is not one of {', '.join(F.FORMATS)}")
    if records not in ("auto", "all", "actionable", "none"):
        raise LogParameterError(f"records: {records!r} is not one of auto, all, actionable, none")
    check_number("max_records", max_records)
    if year is not None:
        check_number("year", year)
    if probe_tolerance_s is not None:
        check_number("probe_tolerance_s", probe_tolerance_s)
    check_number("trace_threshold_s", trace_threshold_s)
    if vpc_cidrs == "auto":
        host = getattr(cluster, "host_cidr", None)
        vpc = parse_networks([host], "vpc_cidrs") if host else None
    elif isinstance(vpc_cidrs, str):
        vpc = parse_networks([vpc_cidrs], "vpc_cidrs")
    else:
        vpc = parse_networks(vpc_cidrs, "vpc_cidrs") if vpc_cidrs is not None else None
    if isinstance(extra_probe_networks, str):  # one CIDR, as vpc_cidrs takes (was read a character at a time)
        extra_probe_networks = [extra_probe_networks]
    extra = parse_networks(list(extra_probe_networks or ()), "extra_probe_networks") or []
    if probe_periods == "auto":
        periods: Any = "auto"
    elif isinstance(probe_periods, str | bytes):  # "10" was read digit by digit: "0.0 is not allowed"
        raise LogParameterError(f"probe_periods: {probe_periods!r:.40} must be a list of seconds or 'auto'")
    else:
        try:
            periods = tuple(float(p) for p in probe_periods)
        except (TypeError, ValueError):
            raise LogParameterError(
                f"probe_periods: {probe_periods!r} must be a list of seconds or 'auto'"
            ) from None
        if not periods:
            raise LogParameterError("probe_periods: periods must be between 1 and 3600 seconds")
        for p in periods:
            check_number("probe_periods", p)
    opts = Options(
        format=fmt,
        klog_tz=_zone("UTC" if klog_tz is None else klog_tz, "klog_tz"),  # '' was UTC without a word
        syslog_tz=None if syslog_tz in (None, "") else _zone(syslog_tz, "syslog_tz"),
        month_names=_month_names(month_names),
        year=year,
        vpc_cidrs=vpc,
        extra_probe_networks=extra,
        probe_periods=periods,
        probe_tolerance_s=probe_tolerance_s,
        since_ns=parse_time(since, "since"),
        until_ns=parse_time(until, "until"),
        bucket=bucket,
        max_records=max_records,
        records=records,
        trace_threshold_s=trace_threshold_s,
        workers=_workers(workers),
        # read now: tests lower them, and byte-range processes get them pickled
        max_tls_groups=MAX_TLS_GROUPS,
        probe_spill_parts=SPILL_PARTS,
    )
    check_window(opts.since_ns, opts.until_ns)
    _bucket_ns(bucket)  # before any source is read (the aggregate checked it only after the first block)
    table = coerce_table(families)
    clf = Classifier(table)
    agg = _Aggregate(opts, clf)
    warnings: list[str] = []
    inputs = list(sources or [])
    resolved: list[Source] = []
    plain = []
    for item in inputs:
        if isinstance(item, str) and item == "sample":
            from lokonb.logs.sample import sample_sources

            resolved.extend(sample_sources())
        else:
            plain.append(item)
    resolved.extend(resolve(plain, include=include, warnings=warnings, stdin=stdin))
    if pods is not None:
        from lokonb.kube.podlogs import PodQuery, fetch_pod_sources

        # the analysis window also limits what is fetched (since → sinceSeconds, until client side)
        if isinstance(pods, PodQuery):
            pods.since = pods.since if pods.since is not None else since
            pods.until = pods.until if pods.until is not None else until
        else:
            pods = {**dict(pods)}
            pods.setdefault("since", since)
            pods.setdefault("until", until)
            pods = {k: v for k, v in pods.items() if v is not None or k not in ("since", "until")}

        pod_warnings: list[str] = []
        resolved.extend(fetch_pod_sources(pods, warnings=pod_warnings))
        warnings.extend(pod_warnings)
        if not resolved:  # "no sources given" hid why: no pod matched, or every named pod failed
            raise LogSourceError("no kube-apiserver pod to read: " + "; ".join(pod_warnings))
    if not resolved:
        raise LogParameterError("no sources given: pass paths, globs, directories, '-', 'sample' or pods")
    agg.warnings.extend(warnings)
    if records_path is not None:
        agg.sink = RecordsWriter(records_path)
    try:
        for src in resolved:
            _analyze_source(src, opts, clf, agg)
        errors = {s["source"]: s["error"] for s in agg.sources if s["error"]}
        readable = [s for s in agg.sources if not s["error"] or s["records"] or s["lines"]]
        if not readable:
            raise LogSourceError(
                "no source could be read: " + "; ".join(f"{k}: {v}" for k, v in errors.items()), errors
            )
    except BaseException:
        if agg.sink is not None:
            agg.sink.close(ok=False)  # no half-written records file
        raise
    meta: dict[str, Any] = {
        "version": _version(),
        "parameters": {
            "format": fmt if isinstance(fmt, str) else dict(fmt),
            "klog_tz": klog_tz,
            "syslog_tz": syslog_tz,
            "month_names": month_names,
            "year": year,
            "vpc_cidrs": None if vpc is None else [str(n) for n in vpc],
            "probe_periods": periods,
            "since": None if since is None else str(since),
            "until": None if until is None else str(until),
            "bucket": bucket,
            "max_records": max_records,
            "records": records,
            "families": table.source,
            "workers": opts.workers,
        },
    }
    if agg.sink is not None:
        agg.sink.close()
        meta["records_path"] = {"path": str(agg.sink.path), "rows": agg.sink.rows}
    result = LogAnalysis(agg, table, meta)
    meta["timing_s"] = round(time.perf_counter() - t0, 3)
    return result


def _analyze_source(src: Source, opts: Options, clf: Classifier, agg: _Aggregate) -> None:
    """Read one source (in byte ranges when it pays off), finalize it and merge it into ``agg``."""
    run = _SourceRun(src, opts, clf, agg)
    try:
        if src.error is None:
            try:
                from lokonb.logs.ranges import analyze_in_ranges

                if analyze_in_ranges(run):  # read, finalized and merged by byte-range worker processes
                    return
                run.run()
            except MemoryError:
                src.error = "out of memory while reading"
        run.finalize()
    finally:
        if run.spool is not None:
            run.spool.discard()
        del run
        agg.unreleased += src.bytes_read
        if agg.unreleased >= RELEASE_AFTER_BYTES:
            agg.unreleased = 0
            _release_memory()


def check_fail_on(result: LogAnalysis, fail_on: str | None) -> None:
    """Raise :class:`FindingsAtOrAbove` when findings at or above ``fail_on`` exist (after outputs were shown)."""
    if not fail_on:
        return
    if fail_on not in PRIORITY_ORDER:
        raise LogParameterError(f"fail_on: {fail_on!r} is not one of {', '.join(PRIORITY_ORDER)}")
    lim = PRIORITY_ORDER[fail_on]
    hits = result.findings[result.findings["priority"].map(PRIORITY_ORDER) <= lim]
    if len(hits):
        raise FindingsAtOrAbove(
            f"{len(hits)} finding(s) at or above priority {fail_on}: "
            + "; ".join(f"{r.family} {r.key} ×{r.count}" for r in hits.head(5).itertuples())
        )


def _version() -> str:
    from lokonb import __version__

    return __version__
