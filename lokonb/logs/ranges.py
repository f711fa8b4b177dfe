"""Byte-range workers for large plain klog files (spec logs.md §8.4; PERF-4: results never depend on them).

A file is cut at the reader's own block boundaries (multiples of ``BLOCK_BYTES``, moved back to the previous line
end by :meth:`Source.blocks`), so each worker process parses exactly the blocks that one sequential read would
parse. Three kinds of process take part, all fresh ``python`` interpreters started at once:

- **workers** (one per range) parse their range and write their per-range state to a temporary file;
- the **coordinator** chains the ranges in file order — line numbers and the relative years of TIME-4 (a range
  starts at year offset 0; the offset of range *r* follows from the last record of range *r-1*) — into one source
  run, finalizes it (probe rule, rows) into a fresh aggregate and returns that aggregate's state;
- the **parent** (the caller of ``analyze``) absorbs it, exactly as if it had merged the source itself.

Whatever the chaining could not reproduce exactly makes the parent fall back to the sequential read: outer
timestamps (wrapped lines, TIME-3, also year-less syslog prefixes), time filters, local klog time zones, a Feb 29
or an invalid date that a year offset would move, a first range without any record, or a failing process.
"""

from __future__ import annotations

import dataclasses
import mmap
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from lokonb.logs import formats as F
from lokonb.logs import sources as S

if TYPE_CHECKING:
    from lokonb.logs.analysis import _SourceRun

MIN_BYTES = 48 << 20  # below this, process start and state transfer cost more than they save
MIN_CHUNKS_PER_WORKER = 3
#: a range's state (its TLS probe events above all) grows with its bytes: a larger file is cut into more ranges than
#: workers, run at most ``workers`` at a time, so memory stays bounded whatever the file size (PERF-3)
MAX_RANGE_BYTES = 1 << 30
_UTC_ZONES = (None, "UTC", "utc", "Z", "auto")


def plan(run: _SourceRun) -> tuple[str, list[tuple[int, int | None]]] | None:
    """Chunk ranges for the workers of ``run``'s source, or None when it is read sequentially."""
    src, o = run.src, run.o
    if o.workers < 2 or src.kind != "file" or src.path is None or src.opener is None:
        return None
    if run.spool is not None:
        return None  # records_path spools every row in file order: one sequential read
    if src.anchor_start and o.year is None:
        return None  # a start anchor (a klog log file's name) gives the first record's year: the walk is sequential
    if o.since_ns is not None or o.until_ns is not None or o.klog_tz not in _UTC_ZONES:
        return None
    if run.fmt_param not in ("auto", "klog"):
        return None
    try:
        size = src.path.stat().st_size
    except OSError:
        return None
    if size < MIN_BYTES:
        return None
    nchunks = -(-size // S.BLOCK_BYTES)
    n = min(o.workers, nchunks // MIN_CHUNKS_PER_WORKER)
    if n < 2:
        return None
    n = min(max(n, -(-size // MAX_RANGE_BYTES)), nchunks // MIN_CHUNKS_PER_WORKER)
    bounds = [round(i * nchunks / n) for i in range(n)]
    B = S.BLOCK_BYTES
    from lokonb.logs.analysis import leading_continuation

    try:
        # searched in place (no 8 MiB copies that would stay in the parent's heap)
        with open(src.path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
            def clean(k: int) -> bool:
                # the chunk before a boundary must end a line, or the boundary state is not a plain carry
                nl = mm.rfind(b"\n", (k - 1) * B, k * B)
                if nl < 0:
                    return False
                # and the next line must start a record: a sequential read moves the continuation lines at a
                # block's start to the block before (analysis.leading_continuation), which a range cannot see
                end = mm.find(b"\n", nl + 1)
                return end >= 0 and not leading_continuation(mm[nl + 1 : end + 1], end - nl)

            for i in range(1, n):
                # the nearest clean boundary within a few chunks, keeping every range at least one chunk long
                hi = bounds[i + 1] - 1 if i + 1 < n else nchunks - 1
                near = sorted(range(bounds[i - 1] + 1, hi + 1), key=lambda k, k0=bounds[i]: (abs(k - k0), k))
                found = next((k for k in near[:8] if clean(k)), None)
                if found is None:
                    return None
                bounds[i] = found
            last = mm.rfind(b"\n", 0, min(B, size))
            if last < 0:
                return None
            # the first block's first 64 KiB after CRLF folding (\r\n -> \n at most halves the bytes)
            head = S._crlf(mm[: min(last + 1, 1 << 17)])[:65536]
    except (OSError, ValueError):
        return None
    fmt = F.detect_format(head, o.month_names) if run.fmt_param == "auto" else run.fmt_param
    if fmt != "klog" or F.is_pretty_json(head) or F.is_manifest(head) or head[:2] in S.UTF16_BOMS:
        return None
    if F.header_anchor(head) is not None:
        return None
    if o.records == "auto":
        # the same decision the sequential read takes on its first block
        per_line = len(head) / max(head.count(b"\n"), 1)
        if size / per_line > 1.5 * o.max_records:
            run.agg.records_overflow = True
    ranges: list[tuple[int, int | None]] = [(bounds[i], bounds[i + 1]) for i in range(n - 1)]
    ranges.append((bounds[-1], None))
    return fmt, ranges


def analyze_in_ranges(run: _SourceRun) -> bool:
    """Read, finalize and merge ``run``'s source into ``run.agg`` with byte-range worker processes.

    Workers parse their ranges; a coordinator process chains their states into one source run, finalizes it (probe
    rule, rows) into a fresh aggregate and hands that back, which :meth:`_Aggregate.absorb` merges here. The big
    per-range states never enter this process, so its heap does not grow with every large source (PERF-3).
    Returns False (nothing changed) when the source is not split or the chaining would not be exact; the caller
    then reads it sequentially.
    """
    import os
    import tempfile

    planned = plan(run)
    if planned is None:
        return False
    fmt, ranges = planned
    from lokonb.logs import analysis as A

    src = run.src
    fields = {f.name: getattr(src, f.name) for f in dataclasses.fields(src) if f.name in _SOURCE_FIELDS}
    known = A._known_regex()
    with tempfile.TemporaryDirectory(prefix="lokonb-ranges-") as tmp:
        jobs = [
            _Job(fields, run.o, run.clf.table, fmt, chunks, i == 0, run.agg.records_overflow, run.agg.records_seen,
                 S.BLOCK_BYTES, known, os.path.join(tmp, f"range-{i}.pickle"))
            for i, chunks in enumerate(ranges)
        ]  # fmt: skip
        final = _Final(fields, run.o, run.clf.table, fmt, [j.out for j in jobs], run.agg.records_seen,
                       run.agg.records_overflow, known)  # fmt: skip
        state = _run_processes(jobs, final, run.o.workers)
    if state is None:
        return False
    run.agg.absorb(state)
    # what the workers read: the caller gives memory back after enough bytes (the absorbed state's unpickling
    # leaves the parent's heap fragmented otherwise, and it grew with every large source)
    run.src.bytes_read = int(state["sources"][-1]["bytes"])
    return True


_SOURCE_FIELDS = (
    "name", "kind", "path", "node", "namespace", "pod", "container", "restart", "instance", "anchor_ns",
    "anchor_start", "year_source", "sort_key", "notes",
)  # fmt: skip


@dataclasses.dataclass
class _Job:
    """One worker's byte range."""

    source: dict[str, Any]
    opts: Any
    table: Any
    fmt: str
    chunks: tuple[int, int | None]
    first: bool
    records_overflow: bool
    records_seen: int
    block_bytes: int
    known_secrets: Any
    out: str


@dataclasses.dataclass
class _Final:
    """The coordinator's job: chain the ranges' states and finalize the source."""

    source: dict[str, Any]
    opts: Any
    table: Any
    fmt: str
    inputs: list[str]
    records_seen: int
    records_overflow: bool
    known_secrets: Any


def _python(entry: str, env: dict[str, str], stdout: Any) -> Any:
    import subprocess
    import sys

    return subprocess.Popen(
        [sys.executable, "-c", f"from lokonb.logs.ranges import {entry}; {entry}()"],
        stdin=subprocess.PIPE,
        stdout=stdout,
        stderr=subprocess.DEVNULL,
        env=env,
    )


def _run_processes(jobs: list[_Job], final: _Final, parallel: int) -> dict[str, Any] | None:
    """Run the workers, at most ``parallel`` at a time and in range order, and the coordinator (started with the
    first ones, so their imports overlap); the coordinator's aggregate state, or None when any of them fails or the
    chaining is refused.

    Fresh ``python`` processes rather than forks (a fork copies the parent's heap into every worker) or
    ``multiprocessing``'s spawn (which re-imports the caller's ``__main__`` and hangs scripts without a main guard).
    """
    import os
    import pickle
    import subprocess

    import lokonb

    env = dict(os.environ)
    root = os.path.dirname(os.path.dirname(os.path.abspath(lokonb.__file__)))
    env["PYTHONPATH"] = os.pathsep.join(x for x in (root, env.get("PYTHONPATH")) if x)
    procs: list[Any] = []
    try:
        coord = _python("_coordinate", env, subprocess.PIPE)
        procs.append(coord)
        running: list[Any] = []
        for job in jobs:
            if len(running) >= max(parallel, 1) and running.pop(0).wait() != 0:
                return None
            p = _python("_serve", env, subprocess.DEVNULL)
            procs.append(p)
            running.append(p)
            p.stdin.write(pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL))
            p.stdin.close()
        if any(p.wait() != 0 for p in running):
            return None
        coord.stdin.write(pickle.dumps(final, protocol=pickle.HIGHEST_PROTOCOL))
        coord.stdin.close()
        data = coord.stdout.read()
        if coord.wait() != 0:
            return None
        state: dict[str, Any] | None = pickle.loads(data)  # noqa: S301 - our own coordinator, over a pipe
        return state
    except (OSError, pickle.PickleError, EOFError):
        return None
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()


def _serve() -> None:
    """Worker process entry: a pickled :class:`_Job` on stdin; its range state pickled into ``job.out``, its probe
    events into ``job.out + ".probe"``, in chunks written while it reads (the coordinator loads one at a time)."""
    import pickle
    import sys

    job = pickle.load(sys.stdin.buffer)  # noqa: S301 - written by the parent analysis
    with open(job.out + ".probe", "wb") as probe:
        state = _work(job, lambda chunk: pickle.dump(_pack(chunk), probe, protocol=pickle.HIGHEST_PROTOCOL))
        pickle.dump(_pack(state.pop("probe")), probe, protocol=pickle.HIGHEST_PROTOCOL)
    with open(job.out, "wb") as fh:
        pickle.dump(state, fh, protocol=pickle.HIGHEST_PROTOCOL)


def _coordinate() -> None:
    """Coordinator entry: a pickled :class:`_Final` on stdin; the finalized aggregate state (or None) on stdout."""
    import pickle
    import sys

    from lokonb.logs import analysis as A
    from lokonb.logs import messages as M

    job = pickle.load(sys.stdin.buffer)  # noqa: S301 - written by the parent analysis
    results = []
    for path in job.inputs:
        with open(path, "rb") as fh:
            results.append(pickle.load(fh))  # noqa: S301 - written by our own workers
        results[-1]["probe_at"] = path + ".probe"
    M._KNOWN[:] = [job.known_secrets]
    clf = _classifier(job.table)
    agg = A._Aggregate(job.opts, clf)
    agg.records_seen, agg.records_overflow, agg.defer_rows = job.records_seen, job.records_overflow, True
    src = S.Source(**job.source)
    run = A._SourceRun(src, job.opts, clf, agg)
    state = None
    if merge(run, job.fmt, results):
        del results
        run.finalize()
        state = agg.state()
    sys.stdout.buffer.write(pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL))
    sys.stdout.buffer.flush()


_CLASSIFIERS: dict[str, Any] = {}


def _classifier(table: Any) -> Any:
    import hashlib
    import pickle

    from lokonb.logs.classify import Classifier

    key = hashlib.sha256(pickle.dumps(table)).hexdigest()
    if key not in _CLASSIFIERS:
        _CLASSIFIERS[key] = Classifier(table)
    return _CLASSIFIERS[key]


def _work(job: _Job, spill: Callable[[list[tuple[str, tuple[Any, ...]]]], None] | None = None) -> dict[str, Any]:
    """Parse one byte range; its state (``spill`` receives its probe parts whenever many are held)."""
    from functools import partial

    from lokonb.logs import analysis as A
    from lokonb.logs import messages as M

    S.BLOCK_BYTES = job.block_bytes
    M._KNOWN[:] = [job.known_secrets]  # the parent's scrubber, secrets registered at run time included
    clf = _classifier(job.table)
    src = S.Source(**job.source)
    assert src.path is not None
    src.opener = partial(S._open_file, src.path)
    opts = dataclasses.replace(job.opts, workers=1)
    agg = A._Aggregate(opts, clf)
    agg.records_overflow, agg.records_seen = job.records_overflow, job.records_seen
    run = A._SourceRun(src, opts, clf, agg)
    run.fmt = job.fmt
    run.chunks = job.chunks
    run.spill = spill
    if not job.first:
        run.has_record.add(0)  # checked by the coordinator: the first range holds a record
        run.has_header.add(0)  # and a klog header: no pre-klog text after it
    run.run()
    return export(run)


_STATE = (
    "lineno", "stats", "mix", "unparsed", "fam", "sev", "findings", "other_msgs", "probe", "startups", "before_start",
    "last_rec", "first_ts", "last_ts", "tz_note", "k", "c_prev", "c_first", "feb29", "used_time4", "used_outer",
    "auto_offset", "last_prov_ns", "last_outer", "used_syslog",
)  # fmt: skip


def export(run: _SourceRun) -> dict[str, Any]:
    """The per-range state the coordinator merges (no rows yet: those are built once, at finalize)."""
    out = {name: getattr(run, name) for name in _STATE}
    out["probe"] = run.probe_log
    out["timeline"] = run.timeline.arrays() if run.timeline else None
    out["pending"] = list(run.pending)
    out["late_lines"] = run.late_lines  # a range starts a record (plan), so a late line is never in the next one
    out["bytes_read"] = run.src.bytes_read
    out["truncated_lines"] = run.src.truncated_lines
    out["error"] = run.src.error
    return out


def merge(run: _SourceRun, fmt: str, results: list[dict[str, Any]]) -> bool:
    """Chain the ranges' line numbers and year offsets and merge them into ``run`` (False: not exact; ``run``
    is then untouched)."""
    from lokonb.logs.analysis import START_GAP_NS, _add_family, _merge_finding
    from lokonb.logs.years import shift_years

    if any(r["error"] for r in results[:-1]) or results[0]["stats"]["records"] == 0:
        return False
    if any(
        r["used_outer"] or r["used_syslog"] or r["auto_offset"] is not None or r["last_outer"] is not None
        for r in results
    ):
        return False  # outer times (also year-less syslog ones, whose ts_outer the chaining does not shift)
    half = 180 * F.DAY_NS
    plan_: list[tuple[int, int]] = []
    kacc, c_prev, line0 = 0, None, 0
    for r in results:
        k_off = kacc
        if r["c_first"] is not None:
            if c_prev is not None:
                d = r["c_first"] - c_prev
                k_off = kacc + int(d < -half) - int(d > half)
            kacc, c_prev = k_off + r["k"], r["c_prev"]
        if k_off and (r["feb29"] or r["stats"]["time_errors"]):
            return False  # a year offset would move these dates differently from the sequential read
        plan_.append((k_off, line0))
        line0 += r["lineno"]

    run.fmt = fmt
    o = run.o
    prev_last: tuple[int, str, bool] | None = None  # the last record of the ranges merged so far (RULE-3)
    for ri, (r, (years, line0)) in enumerate(zip(results, plan_, strict=True)):

        def sh(x: int | None, years: int = years) -> int | None:
            return x if x is None or not years else int(shift_years(np.array([x], np.int64), years)[0])

        def shv(a: np.ndarray, years: int = years) -> np.ndarray:
            return shift_years(a, years) if years else a

        run.lineno += r["lineno"]
        run.late_lines.update({k + line0: v for k, v in r["late_lines"].items()})
        run.stats.update(r["stats"])
        run.mix.update(r["mix"])
        for u in r["unparsed"]:
            if len(run.unparsed) < o.max_unparsed_examples:
                run.unparsed.append({**u, "lineno": u["lineno"] + line0})
        for f, st in r["fam"].items():
            _add_family(run.fam, f, [st[0], st[1], sh(st[2]), sh(st[3]), st[4], st[5]])
        run.sev.update(r["sev"])
        if r["timeline"] is not None:
            b, fam, harmless, cnt = r["timeline"]
            if years:
                b = shift_years(b * run.agg.bucket_ns, years) // run.agg.bucket_ns
            run.timeline.add_counts(b, fam, harmless, cnt)
        for fk, st in r["findings"].items():
            _merge_finding(run.findings, fk, [st[0], st[1], sh(st[2]), sh(st[3]), *st[4:]])
        run.other_msgs.update(r["other_msgs"])
        for f, mat in r["pending"]:
            run._pend(f, _shift_material(mat, line0, shv))
        for chunk in _probe_chunks(r):
            # in the order the worker read them (a chunk holds whole batches), ending each batch as the sequential
            # read does: windows seal and the rarest groups merge at the same points
            for i, (addr, p) in enumerate(chunk):
                rows = None if p[5] is None else _shift_material(p[5], line0, shv)
                run.replay_probe_part(addr, (shv(p[0]), p[1], p[2], p[3], p[4], rows, p[6], (ri, p[7]), p[8]))
                if i + 1 == len(chunk) or chunk[i + 1][1][7] != p[7]:
                    run.end_probe_batch()
                chunk[i] = None  # type: ignore[call-overload]  # the replayed part lives in run.probe now
        r["probe"] = []
        run.startups.extend(shv(np.array(r["startups"], np.int64)).tolist())
        for at, rec in r["before_start"]:
            at = F.NAT if at == F.NAT else sh(at)
            if rec is None and prev_last is not None:
                # the range's first record: the record before it is the previous range's last (RULE-3); a
                # startup record just before it continues the same start sequence (no entry, as read in one)
                if prev_last[2] and not (at != F.NAT and prev_last[0] != F.NAT and at - prev_last[0] > START_GAP_NS):
                    continue
                rec = (prev_last[0], prev_last[1])
            elif rec is not None:
                rec = (F.NAT if rec[0] == F.NAT else sh(rec[0]), rec[1])
            run.before_start.append((at, rec))
        if r["last_rec"] is not None:
            t, text, is_start = r["last_rec"]
            prev_last = (F.NAT if t == F.NAT else sh(t), text, is_start)
        for name, pick in (("first_ts", min), ("last_ts", max)):
            v = sh(r[name])
            cur = getattr(run, name)
            setattr(run, name, v if cur is None else (cur if v is None else pick(cur, v)))
        run.tz_note = run.tz_note or r["tz_note"]
        if r["used_time4"]:
            run.used_time4 = True
        if r["last_prov_ns"] is not None:
            run.last_prov_ns = sh(r["last_prov_ns"])
        if r["c_first"] is not None and run.c_first is None:
            run.c_first = r["c_first"]
        run.feb29 += r["feb29"]
        run.src.bytes_read += r["bytes_read"]
        run.src.truncated_lines += r["truncated_lines"]
        run.src.error = run.src.error or r["error"]
    run.k = run.k_last = kacc
    run.c_prev = c_prev
    if results[0]["stats"]["records"]:
        run.has_record.add(0)
    return True


def _probe_chunks(r: dict[str, Any]) -> Iterator[list[tuple[str, tuple[Any, ...]]]]:
    """A range's probe parts ((address, part) in the order read): in its state, or in the chunks its worker wrote
    to its probe file (loaded one at a time, when they are replayed)."""
    import pickle

    if "probe" in r:
        yield r["probe"]
        return
    with open(r["probe_at"], "rb") as fh:
        while True:
            try:
                chunk = pickle.load(fh)  # noqa: S301 - written by our own workers
            except EOFError:
                return
            yield _unpack(chunk)


#: the NumPy members of a probe part (``_SourceRun._probe_events``): times, family, TLS kind, severity, F flag
_PART_ARRAYS = (0, 1, 2, 3, 6)


def _pack(log: list[tuple[str, tuple[Any, ...]]]) -> dict[str, Any]:
    """A worker's probe parts as columns: pickling a small NumPy array costs ~10 µs each way, and a scanned endpoint
    brings a part per client address and batch (a 60 MB scan: a minute per process)."""
    lens = np.fromiter((len(p[0]) for _, p in log), np.int64, len(log))
    return {
        "addr": [a for a, _ in log],
        "len": lens,
        "cols": [np.concatenate([p[i] for _, p in log]) if log else None for i in _PART_ARRAYS],
        "example": [p[4] for _, p in log],
        "rows": [p[5] for _, p in log],
        "batch": [p[7] for _, p in log],
        "events": [p[8] for _, p in log],
    }


def _unpack(chunk: dict[str, Any]) -> list[tuple[str, tuple[Any, ...]]]:
    """:func:`_pack`'s parts again (their arrays are views of the chunk's columns)."""
    ends = np.cumsum(chunk["len"]).tolist()
    ts, fam, tls, sev, fsev = chunk["cols"]
    out, a = [], 0
    for j, (addr, b) in enumerate(zip(chunk["addr"], ends, strict=True)):
        part = (ts[a:b], fam[a:b], tls[a:b], sev[a:b], chunk["example"][j], chunk["rows"][j], fsev[a:b],
                chunk["batch"][j], chunk["events"][j])  # fmt: skip
        out.append((addr, part))
        a = b
    return out


def _shift_material(mat: dict[str, Any], line0: int, shv: Any) -> dict[str, Any]:
    out = dict(mat)
    out["lineno"] = mat["lineno"] + line0
    out["timestamp"] = shv(mat["timestamp"])
    return out
