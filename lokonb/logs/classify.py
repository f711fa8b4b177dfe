"""Columnar first-match family classification, field extraction and default verdicts (spec logs.md §5).

One engine for every path (PERF-4): texts are Arrow binary arrays, literals and regexes run as vectorised RE2
kernels of ``pyarrow.compute`` (a Python ``re`` fallback per line only for patterns RE2 cannot compile).

Speed comes from a verified cache: each record has a key (its call site and message prefix); the families seen
for that key are tried first, and a candidate family F is accepted for a line only when (a) F matches and (b) no
*necessary condition* ("signature") of any family before F matches — which proves F is the first match. Lines
that fail go through the exact ordered scan over all families, whose results feed the cache.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lokonb.logs.families import OTHER, STANDARD_FIELDS, Family, FamilyTable
from lokonb.logs.formats import SEV_NAMES

_NAMED = re.compile(r"\(\?P<[A-Za-z_][A-Za-z0-9_]*>")
_DUR_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_UNIT_NAMES = pa.array(list(_DUR_UNITS), pa.string())
_UNIT_MULT = np.array(list(_DUR_UNITS.values()), float)
_DUR_RE = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
PRIORITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3}


def go_duration(text: str | None) -> float:
    """Seconds of a Go duration string (``850ms``, ``1m2.5s``, ``3µs``); NaN when it is not one."""
    if not text:
        return float("nan")
    pos, total = 0, 0.0
    for m in _DUR_RE.finditer(text):
        if m.start() != pos:
            return float("nan")
        total += float(m.group(1)) * _DUR_UNITS[m.group(2)]
        pos = m.end()
    return total if pos == len(text) and pos else float("nan")


@lru_cache(maxsize=1024)  # asked once per family regex and Classifier; a trial match costs ~0.1 ms
def _re2_ok(pattern: str) -> bool:
    try:
        pc.match_substring_regex(pa.array([b""], pa.binary()), pattern)
        return True
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return False


def _lit_alt(lits: tuple[str, ...], ignore_case: bool) -> str:
    body = "|".join(re.escape(x) for x in lits)
    return ("(?i)" if ignore_case else "") + body


@dataclass
class _Compiled:
    fam: Family
    any_pat: str | None
    sig: str | None  # necessary condition (RE2); None = cannot be excluded cheaply
    regexes: list[tuple[str, re.Pattern[bytes], bool]]  # (pattern for RE2, python regex, re2 usable)
    flags: int


class Classifier:
    """Classifies batches of record texts against a :class:`FamilyTable`."""

    def __init__(self, table: FamilyTable, *, use_cache: bool = True) -> None:
        self.table = table
        self.fams = list(table)
        self.other = len(self.fams)
        self.names = [f.name for f in self.fams] + [OTHER]
        self.use_cache = use_cache
        self.cache: dict[int, list[int]] = {}
        self._earlier: dict[int, str | None] = {}
        self.comp: list[_Compiled] = []
        for f in self.fams:
            flags = re.IGNORECASE if f.ignore_case else 0
            ci = "(?i)" if f.ignore_case else ""
            regexes = []
            for r in f.regex:
                pat = "(?m)" + ci + r
                regexes.append((pat, re.compile(pat.encode(), flags), _re2_ok(pat)))
            any_pat = _lit_alt(f.any, f.ignore_case) if f.any else None
            if f.all:
                sig: str | None = _lit_alt(f.all[:1], f.ignore_case)
            elif f.any:
                sig = any_pat
            elif f.regex and not f.fields_only and all(ok for _, _, ok in regexes):
                sig = "|".join(f"(?:{_NAMED.sub('(?:', p)})" for p, _, _ in regexes)
            else:
                sig = None
            self.comp.append(_Compiled(f, any_pat, sig, regexes, flags))
        # every field any family can produce, with its type
        types: dict[str, str] = dict(STANDARD_FIELDS)
        for f in self.fams:
            for k, t in f.fields.items():
                types.setdefault(k, t)
            for k in (*f.set, *f.derive):
                types.setdefault(k, "str")
        self.field_types = types

    # -- matching --------------------------------------------------------------------------------------------
    def _earlier_pattern(self, idx: int) -> str | None:
        """Alternation of the signatures of every family before ``idx`` ('' when there is none)."""
        if idx not in self._earlier:
            sigs = [c.sig for c in self.comp[:idx]]
            if any(s is None for s in sigs):
                self._earlier[idx] = None
            else:
                self._earlier[idx] = "|".join(f"(?:{s})" for s in sigs)
        return self._earlier[idx]

    def _regex_match(self, c: _Compiled, sub: pa.Array) -> np.ndarray:
        ok = np.zeros(len(sub), bool)
        for pat, py, re2 in c.regexes:
            if re2:
                m = pc.match_substring_regex(sub, pat).to_numpy(zero_copy_only=False)
                ok |= np.asarray(m, dtype=bool)
            else:
                ok |= np.array([v is not None and py.search(v) is not None for v in sub.to_pylist()], bool)
        return ok

    def _match(self, i: int, texts: pa.Array, idx: np.ndarray, ctx: dict[str, Any]) -> np.ndarray:
        """Exact match of family ``i`` on ``texts[idx]``."""
        c = self.comp[i]
        f = c.fam
        ok = np.ones(len(idx), bool)
        if f.continuation:
            ok &= ctx["headerless"][idx]
        if f.files:
            ok &= ctx["file_ok"](i)[idx]
        if not ok.any():
            return ok
        sel = idx[ok]
        sub = texts.take(pa.array(sel))
        m = np.ones(len(sel), bool)
        if c.any_pat is not None:
            hit = None if f.ignore_case else contains_any(sub, f.any)
            if hit is not None:
                m &= hit
            elif len(f.any) == 1 and not f.ignore_case:
                m &= np.asarray(pc.match_substring(sub, f.any[0]).to_numpy(zero_copy_only=False), bool)
            else:
                m &= np.asarray(pc.match_substring_regex(sub, c.any_pat).to_numpy(zero_copy_only=False), bool)
        for lit in f.all:
            if not m.any():
                break
            hit = None if f.ignore_case else contains_any(sub, (lit,))
            if hit is None:
                hit = np.asarray(
                    pc.match_substring(sub, lit, ignore_case=f.ignore_case).to_numpy(zero_copy_only=False), bool
                )
            m &= hit
        if f.regex and not f.fields_only and m.any():
            mi = np.flatnonzero(m)
            m[mi] = self._regex_match(c, sub.take(pa.array(mi)))
        ok[np.flatnonzero(ok)] = m
        return ok

    def _verify(self, i: int, texts: pa.Array, idx: np.ndarray, ctx: dict[str, Any]) -> np.ndarray:
        ok = np.ones(len(idx), bool)
        if i > 0:
            pat = self._earlier_pattern(i)
            if pat is None:
                return np.zeros(len(idx), bool)
            sub = texts.take(pa.array(idx))
            ok &= ~np.asarray(pc.match_substring_regex(sub, pat).to_numpy(zero_copy_only=False), bool)
        if i < self.other and ok.any():
            sel = np.flatnonzero(ok)
            ok[sel] = self._match(i, texts, idx[sel], ctx)
        return ok

    def families_of(
        self,
        texts: pa.Array,
        keys: np.ndarray,
        headerless: np.ndarray,
        file_names: list[str | None],
        file_ids: np.ndarray,
    ) -> np.ndarray:
        """Family index (``len(table)`` = other) of every text."""
        n = len(texts)
        fam = np.full(n, -1, np.int16)
        file_cache: dict[int, np.ndarray] = {}

        def file_ok(i: int) -> np.ndarray:
            if i not in file_cache:
                f = self.fams[i]
                per = np.array(
                    [f.file_matches(nm.rsplit("/", 1)[-1] if nm else None) for nm in file_names] or [False],
                    bool,
                )
                file_cache[i] = per[file_ids]
            return file_cache[i]

        ctx = {"headerless": headerless, "file_ok": file_ok}
        if n == 0:
            return fam
        uniq, inv = np.unique(keys, return_inverse=True)
        if self.use_cache and self.cache:
            cands = [self.cache.get(int(k), []) for k in uniq]
            depth = max((len(c) for c in cands), default=0)
            for r in range(depth):
                cu = np.array([c[r] if len(c) > r else -1 for c in cands], np.int32)
                cf = cu[inv]
                sel = (fam < 0) & (cf >= 0)
                if not sel.any():
                    continue
                for i in np.unique(cf[sel]):
                    idx = np.flatnonzero(sel & (cf == i))
                    ok = self._verify(int(i), texts, idx, ctx)
                    fam[idx[ok]] = i
        rem = np.flatnonzero(fam < 0)
        if len(rem):
            for i in range(self.other):
                if not len(rem):
                    break
                m = self._match(i, texts, rem, ctx)
                fam[rem[m]] = i
                rem = rem[~m]
            fam[rem] = self.other
            if self.use_cache:
                self._learn(keys, fam, np.flatnonzero(fam >= 0))
        return fam

    def _learn(self, keys: np.ndarray, fam: np.ndarray, idx: np.ndarray) -> None:
        if len(self.cache) > 200_000:
            self.cache.clear()
        with np.errstate(over="ignore"):
            combo = keys[idx].astype(np.uint64) * np.uint64(1031) + fam[idx].astype(np.uint64)
        _, first = np.unique(combo, return_index=True)
        for k, f in zip(keys[idx][first].tolist(), fam[idx][first].tolist(), strict=True):
            lst = self.cache.setdefault(int(k), [])
            if f not in lst and len(lst) < 8:
                lst.append(int(f))
                lst.sort()

    # -- fields ----------------------------------------------------------------------------------------------
    def needed_fields(self, i: int, probe: bool) -> set[str]:
        """Fields every record of family ``i`` needs for its verdict (conditions, derive sources, probe keys)."""
        f = self.fams[i]
        need = {k for cond in (*f.harmless_if, *f.actionable_if) for k in cond} - {"line", "severity"}
        if probe:
            need |= {"client_addr", "tls_error"}
        for name in list(need):
            d = f.derive.get(name)
            if d is not None and d.source not in ("line", "severity"):
                need.add(d.source)
        return need

    def extract(
        self, i: int, sub: pa.Array, severity: np.ndarray, only: set[str] | None = None
    ) -> dict[str, Any]:
        """Typed fields of family ``i`` for ``sub`` (all of which belong to it): name -> array.

        With ``only``, fields covered by the family's ``quick`` patterns (one RE2 group each) are taken from
        them; rows where a quick pattern finds nothing, or fields without one, use the full regex.
        """
        c = self.comp[i]
        f = c.fam
        n = len(sub)
        if only is not None:
            want = {k for k in only if k in f.fields}
            if want and want <= set(f.quick):
                out: dict[str, Any] = {}
                ok = np.ones(n, bool)
                for name in sorted(want):
                    st = pc.extract_regex(sub, _quick_pattern(f.quick[name], f.ignore_case))
                    valid = np.asarray(st.is_valid().to_numpy(zero_copy_only=False), bool)
                    ok &= valid
                    out[name] = _typed(st.field("v"), f.fields[name])
                rest = np.flatnonzero(~ok)
                if len(rest):
                    full = self.extract(i, sub.take(pa.array(rest)), severity[rest])
                    for name in want:
                        if name in full:
                            out[name] = _overlay(out[name], rest, full[name])
                for name, value in f.set.items():
                    out[name] = np.full(n, value, dtype=object)
                self._derive(f, sub, out, n)
                return out
            if not want and not (set(only) & set(f.derive)):
                out = {name: np.full(n, value, dtype=object) for name, value in f.set.items()}
                return out
        raw: dict[str, pa.Array] = {}
        if c.regexes:
            pending = np.arange(n)
            for pat, py, re2 in c.regexes:
                if not len(pending):
                    break
                part = sub.take(pa.array(pending))
                if (
                    re2 and py.groups <= 3
                ):  # RE2 capture extraction gets slow with many groups; re is faster then
                    st = pc.extract_regex(part, pat)
                    valid = np.asarray(st.is_valid().to_numpy(zero_copy_only=False), bool)
                    cols = {name: st.field(name) for name in (t.name for t in st.type)}
                else:
                    search = py.search
                    vals = [search(v) for v in part.to_pylist()]
                    valid = np.fromiter((m is not None for m in vals), bool, len(vals))
                    names = list(py.groupindex)
                    tuples = [m.groups(b"") if m is not None else None for m in vals]
                    order = [py.groupindex[nm] - 1 for nm in names]
                    cols = {}
                    for nm, gi in zip(names, order, strict=True):
                        cols[nm] = pa.array([t[gi] if t is not None else None for t in tuples], pa.binary())
                for name, col in cols.items():
                    full = raw.get(name)
                    sel = pa.array(np.flatnonzero(valid))
                    vals = col.take(sel)
                    raw[name] = _scatter(full, n, pending[valid], vals)
                pending = pending[~valid]
        out: dict[str, Any] = {}
        for name, col in raw.items():
            out[name] = _typed(col, f.fields.get(name, "str"))
        for name, value in f.set.items():
            out[name] = np.full(n, value, dtype=object)
        self._derive(f, sub, out, n)
        return out

    @staticmethod
    def _derive(f: Family, sub: pa.Array, out: dict[str, Any], n: int) -> None:
        for name, d in f.derive.items():
            src = sub if d.source == "line" else out.get(d.source)
            res = np.full(n, d.default, dtype=object)
            if src is not None:
                arr = (
                    src
                    if isinstance(src, pa.Array)
                    else pa.array([None if v is None else str(v) for v in src], pa.string())
                )
                done = np.zeros(n, bool)
                for pat, value in d.cases:
                    mm = pc.match_substring_regex(arr, pat).to_numpy(zero_copy_only=False)
                    mm = np.asarray(pd_fill(mm), bool) & ~done
                    res[mm] = value
                    done |= mm
            out[name] = res

    def conditions(
        self, i: int, conds: tuple[Any, ...], fields: dict[str, Any], sub: pa.Array, severity: np.ndarray
    ) -> np.ndarray:
        """True where any condition map matches (all conditions inside a map must hold)."""
        n = len(sub)
        anyc = np.zeros(n, bool)
        for cond in conds:
            m = np.ones(n, bool)
            for name, test in cond.items():
                if name == "line":
                    vals: Any = sub
                elif name == "severity":
                    # records carry severity codes (0 none, 1-4 I W E F); a condition names the letter
                    vals = SEV_NAMES[np.asarray(severity, np.intp)]
                else:
                    vals = fields.get(name)
                m &= _test(vals, test, n)
            anyc |= m
        return anyc


def contains_any(arr: pa.Array, literals: tuple[str, ...]) -> np.ndarray | None:
    """Rows of a binary array containing any of ``literals`` (byte-exact), or None when the fast scan does not
    apply (nulls, a literal with a newline, rows not ending in a newline).

    Equal to ``pc.match_substring`` OR-ed over the literals, but scans the contiguous data buffer once per
    literal with ``bytes.split`` (C speed) and maps hit offsets to rows with ``searchsorted``: since no literal
    contains a newline and every row ends with one, no hit can straddle two rows.
    """
    n = len(arr)
    if n == 0:
        return np.zeros(0, bool)
    if arr.null_count or not pa.types.is_large_binary(arr.type):
        return None
    lits = [lit.encode() for lit in literals]
    if any(not lit or b"\n" in lit for lit in lits):
        return None
    bufs = arr.buffers()
    off = np.frombuffer(bufs[1], np.int64)[arr.offset : arr.offset + n + 1]
    data = np.frombuffer(bufs[2], np.uint8) if bufs[2] is not None else np.zeros(0, np.uint8)
    lens = np.diff(off)
    nonempty = lens > 0
    if not (data[off[1:][nonempty] - 1] == 10).all():
        return None
    base = int(off[0])
    seg = data[base : int(off[-1])].tobytes()
    out = np.zeros(n, bool)
    for k, lit in enumerate(lits):
        if k and out.all():
            break
        rest = np.flatnonzero(~out)
        if k and len(rest) * 4 < n:
            # most rows already matched: scan only the others
            sub = contains_any(arr.take(pa.array(rest)), (literals[k],))
            assert sub is not None  # a take of valid rows keeps every precondition
            out[rest[sub]] = True
            continue
        pieces = seg.split(lit)
        if len(pieces) < 2:
            continue
        plen = np.fromiter(map(len, pieces), np.int64, len(pieces))[:-1]
        pos = np.cumsum(plen) + np.arange(len(plen), dtype=np.int64) * len(lit) + base
        out[np.searchsorted(off, pos, side="right") - 1] = True
    return out


def _quick_pattern(rx: str, ignore_case: bool) -> str:
    body = re.sub(r"(?<!\\)\((?!\?)", "(?P<v>", rx, count=1)
    return ("(?i)" if ignore_case else "") + body


def _overlay(base: Any, positions: np.ndarray, values: Any) -> Any:
    """``base`` with ``values`` put at ``positions`` (NumPy or Arrow arrays)."""
    if isinstance(base, pa.Array) or isinstance(values, pa.Array):
        b = base if isinstance(base, pa.Array) else pa.array(list(base))
        v = values if isinstance(values, pa.Array) else pa.array(list(values), b.type)
        return _scatter(b, len(b), positions, v.cast(b.type))
    out = np.array(base, copy=True)
    out[positions] = values
    return out


def pd_fill(a: Any) -> np.ndarray:
    """Nulls (None/NaN) to False."""
    arr = np.asarray(a, dtype=object)
    return (
        np.array([bool(x) if x is not None and x == x else False for x in arr], bool)
        if arr.dtype == object
        else np.asarray(a, bool)
    )


def _scatter(full: pa.Array | None, n: int, positions: np.ndarray, vals: pa.Array) -> pa.Array:
    """``full`` with ``vals`` placed at ``positions`` (nulls elsewhere when ``full`` is None)."""
    if full is None:
        full = pa.nulls(n, vals.type)
    combined = pa.concat_arrays([full, vals])
    take = np.arange(n)
    take[positions] = n + np.arange(len(positions))
    return combined.take(pa.array(take))


def _typed(col: pa.Array, ftype: str) -> Any:
    """Convert a binary column of regex captures (empty = absent) into its declared type."""
    col = pc.cast(col, pa.binary()) if col.type != pa.binary() else col
    empty = pc.equal(pc.binary_length(col), 0)
    col = pc.if_else(empty, pa.scalar(None, pa.binary()), col)
    if ftype == "int":
        digits = pc.match_substring_regex(col, r"^\d{1,15}$")
        col = pc.if_else(digits, col, pa.scalar(None, pa.binary()))
        return pc.cast(pc.cast(col, pa.string()), pa.int64()).to_numpy(zero_copy_only=False)
    try:
        text = pc.cast(col, pa.string())  # validates UTF-8 (vectorized); an unchecked cast crashed on invalid bytes
    except pa.ArrowInvalid:
        # a capture with invalid UTF-8 (the line's decode error is counted): replacement characters, as messages get
        text = pa.array([None if v is None else v.decode("utf-8", "replace") for v in col.to_pylist()], pa.string())
    if ftype == "float":
        vals = text.to_pylist()
        return np.array([_float(v) for v in vals], float)
    if ftype == "duration":
        st = pc.extract_regex(text, r"^(?P<num>\d+(?:\.\d*)?)(?P<unit>ns|us|µs|μs|ms|s|m|h)$")
        num = pc.cast(st.field("num"), pa.string())
        ok = np.asarray(st.is_valid().to_numpy(zero_copy_only=False), bool)
        out = np.full(len(text), np.nan)
        if ok.any():
            sel = pa.array(np.flatnonzero(ok))
            nums = pc.cast(num.take(sel), pa.float64()).to_numpy(zero_copy_only=False)
            units = pc.cast(st.field("unit").take(sel), pa.string())
            k = pc.index_in(units, value_set=_UNIT_NAMES).to_numpy(zero_copy_only=False)
            out[ok] = nums * _UNIT_MULT[np.asarray(k, np.int64)]
        rest = np.flatnonzero(~ok)
        if len(rest):
            vals = text.take(pa.array(rest)).to_pylist()
            out[rest] = [go_duration(v) for v in vals]
        return out
    if ftype == "str":
        # structured klog values arrive quoted: "..." with Go escapes
        quoted = pc.match_substring_regex(text, r'^"(?:[^"\\]|\\.)*"$')
        unq = pc.replace_substring(pc.replace_substring_regex(text, r'^"(.*)"$', r"\1"), '\\"', '"')
        text = pc.if_else(quoted, unq, text)
    if ftype == "addr":
        text = pc.replace_substring_regex(text, r"^::ffff:(\d+\.\d+\.\d+\.\d+)$", r"\1")
        text = pc.utf8_trim(text, "[]")
    return to_objects(text)


def to_objects(text: pa.Array) -> np.ndarray:
    """Object array of str/None, equal to ``text.to_numpy()``; repeated values become one Python str each
    (dictionary encoding) instead of one per row."""
    if len(text) < 256:
        return np.asarray(text.to_numpy(zero_copy_only=False), dtype=object)
    d = pc.dictionary_encode(text)
    uniq = d.dictionary
    if len(uniq) * 2 > len(text):
        return np.asarray(text.to_numpy(zero_copy_only=False), dtype=object)
    lut = np.empty(len(uniq) + 1, dtype=object)
    lut[: len(uniq)] = uniq.to_numpy(zero_copy_only=False)
    lut[len(uniq)] = None
    return lut[d.indices.fill_null(len(uniq)).to_numpy(zero_copy_only=False).astype(np.int64)]


def _float(v: str | None) -> float:
    try:
        return float(v) if v is not None else float("nan")
    except ValueError:
        return float("nan")


def _test(vals: Any, test: Any, n: int) -> np.ndarray:
    if vals is None:
        return np.zeros(n, bool)
    if isinstance(test, str):
        arr = (
            vals
            if isinstance(vals, pa.Array)
            else pa.array(
                [None if v is None or (isinstance(v, float) and v != v) else str(v) for v in vals],
                pa.string(),
            )
        )
        try:
            return pd_fill(pc.match_substring_regex(arr, test).to_numpy(zero_copy_only=False))
        except pa.ArrowInvalid:
            rx = re.compile(test)
            return np.array(
                [
                    v is not None
                    and rx.search(v if isinstance(v, str) else v.decode("utf-8", "replace")) is not None
                    for v in arr.to_pylist()
                ],
                bool,
            )
    if not isinstance(test, dict):
        test = {"eq": test}
    v = np.asarray(vals)
    out = np.ones(n, bool)
    for op, ref in test.items():
        if op in ("in", "notin"):
            refs = {str(r) for r in ref}
            hit = np.array([x is not None and str(x) in refs for x in v], bool)
            out &= hit if op == "in" else np.array([x is not None for x in v], bool) & ~hit
            continue
        num = (
            np.array([np.nan if x is None else x for x in v], float) if v.dtype == object else v.astype(float)
        )
        with np.errstate(invalid="ignore"):
            out &= {
                "ge": num >= ref,
                "gt": num > ref,
                "le": num <= ref,
                "lt": num < ref,
                "eq": num == ref,
                "ne": num != ref,
            }[op]
    return out
