"""``LogAnalysis``: what :func:`lokonb.logs.analyze` returns. The tables of spec logs.md §7 as pandas DataFrames
(records, summary, by severity, TLS sources, findings, unparsed lines, sources), the timeline at any bucket, the
plots, and ``to_dir()`` for a shareable copy."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import numpy as np

from lokonb.logs import formats as F
from lokonb.logs.classify import PRIORITY_ORDER
from lokonb.logs.csvio import write_csv
from lokonb.logs.families import FamilyTable
from lokonb.logs.messages import redact
from lokonb.logs.options import _bucket_ns
from lokonb.logs.spool import RECORD_COLUMNS, typed_records

if TYPE_CHECKING:
    from lokonb.logs.analysis import _Aggregate

#: the timeline's buckets, finest first: a timeline wider than its plot takes the next one
BUCKETS = ("1min", "5min", "15min", "1h", "6h", "1d")


def _family_columns(fam: Any) -> dict[str, str]:
    """The summary columns that come from the family table (``fam`` None: ``other``, judged by severity)."""
    if fam is None:
        return {
            "group": "misc",
            "default": "by severity",
            "reason": "not in the family table: see the top messages in meta",
        }
    return {"group": fam.group, "default": fam.verdict, "reason": fam.reason}


class LogAnalysis:
    """Result of :func:`analyze`: DataFrames ``records``, ``summary``, ``by_severity``, ``tls_sources``,
    ``findings``, ``unparsed``, ``sources``; ``meta``; ``timeline()``, plots and ``to_dir()``."""

    def __init__(self, agg: _Aggregate, table: FamilyTable, meta: dict[str, Any]) -> None:
        import pandas as pd

        self._agg = agg
        self.table = table
        self.meta = meta
        clf = agg.clf
        names = clf.names
        utc = "datetime64[ns, UTC]"

        def ts(x: Any) -> Any:
            return pd.NaT if x is None else pd.Timestamp(int(x), tz="UTC")

        # records
        if agg.rows:
            rec = pd.concat(agg.rows, ignore_index=True)
        else:
            rec = pd.DataFrame({c: [] for c in RECORD_COLUMNS})
        for c in RECORD_COLUMNS:
            if c not in rec.columns:
                rec[c] = None
        rec = rec[list(RECORD_COLUMNS)]
        policy = agg.o.records
        truncated = False
        if policy == "auto" and agg.records_overflow:
            rec = rec[~rec["harmless"].astype(bool)]
            truncated = True
        rec = (
            rec.assign(_t=rec["timestamp"].astype("int64"))
            .sort_values(["_t", "source", "lineno"], kind="stable")
            .drop(columns="_t")
        )
        if policy in ("auto", "actionable") and len(rec) > agg.o.max_records:
            rec = rec.tail(agg.o.max_records)
            truncated = True
        rec = typed_records(rec.reset_index(drop=True))
        self.records = rec
        meta["records_truncated"] = truncated
        # summary
        total = sum(st[0] for st in agg.fam.values())
        rows = []
        for f, st in agg.fam.items():
            fam = None if f == clf.other else clf.fams[f]
            example = st[5] if st[5] is not None else st[4]
            rows.append(
                {
                    "family": names[f],
                    "count": st[0],
                    "share": st[0] / total if total else 0.0,
                    "harmless_count": st[1],
                    "actionable_count": st[0] - st[1],
                    "first_seen": ts(st[2]),
                    "last_seen": ts(st[3]),
                    "sources": len(agg.fam_sources[f]),
                    "example": (redact(example) or "")[:300],
                    **_family_columns(fam),
                }
            )
        summary = pd.DataFrame(
            rows,
            columns=[
                "family",
                "group",
                "count",
                "share",
                "harmless_count",
                "actionable_count",
                "default",
                "first_seen",
                "last_seen",
                "sources",
                "example",
                "reason",
            ],
        )
        summary = summary.sort_values(
            ["count", "family"], ascending=[False, True], kind="stable"
        ).reset_index(drop=True)
        for c in ("first_seen", "last_seen"):
            summary[c] = pd.to_datetime(summary[c], utc=True).astype(utc)
        self.summary = summary
        # by severity
        srows = []
        tot_sev = sum(agg.sev.values())
        for s, label in ((1, "I"), (2, "W"), (3, "E"), (4, "F"), (0, "none")):
            h = agg.sev.get((s, True), 0)
            a = agg.sev.get((s, False), 0)
            srows.append(
                {
                    "severity": label,
                    "count": h + a,
                    "share": (h + a) / tot_sev if tot_sev else 0.0,
                    "harmless_count": h,
                    "actionable_count": a,
                }
            )
        self.by_severity = pd.DataFrame(srows)
        # tls sources
        tls = pd.DataFrame(
            agg.tls_groups,
            columns=[
                "source",
                "client_addr",
                "network",
                "count",
                "kinds",
                "first_seen",
                "last_seen",
                "period_s",
                "probers",
                "on_beat_share",
                "harmless",
                "why",
            ],
        )
        if len(tls):
            tls["verdict"] = np.where(
                tls["harmless"] == tls["count"],
                "probe",
                np.where(tls["harmless"] == 0, "actionable", "mixed"),
            )
            tls["first_seen"] = pd.to_datetime(tls["first_seen"], utc=True)
            tls["last_seen"] = pd.to_datetime(tls["last_seen"], utc=True)
            # equal counts: first seen first, then by name (so the order never depends on how the input was cut
            # into blocks or ranges)
            tls = tls.sort_values(
                ["count", "first_seen", "source", "client_addr"], ascending=[False, True, True, True], kind="stable",
                na_position="last",
            )
        else:
            tls["verdict"] = []
        self.tls_sources = tls.drop(columns=["harmless"]).reset_index(drop=True)
        # findings
        frows = []
        for (f, key), st in agg.findings.items():
            fam = None if f == clf.other else clf.fams[f]
            srcs = sorted(agg.find_sources[(f, key)])
            frows.append(
                {
                    "priority": st[6] or "low",
                    "family": names[f],
                    "severity": F.SEV_NAMES[st[1]] or "none",
                    "key": key,
                    "count": st[0],
                    "sources": f"{len(srcs)}: " + ", ".join(srcs[:5]),
                    "first_seen": ts(st[2]),
                    "last_seen": ts(st[3]),
                    "example": (redact(st[4]) or "")[:500],
                    "reason": fam.reason if fam else "unknown message at this severity",
                    "why": st[5],
                }
            )
        for loop in agg.restart_loops:
            frows.append(
                {
                    "priority": "high",
                    "family": "restart_loop",
                    "severity": "none",
                    "key": f"source={loop['source']}",
                    "count": loop["starts"],
                    "sources": f"1: {loop['source']}",
                    "first_seen": ts(loop["first"]),
                    "last_seen": ts(loop["last"]),
                    "example": _restart_example(loop, ts),
                    "reason": "the apiserver restarted three or more times within an hour",
                    "why": "family",
                }
            )
        fcols = [
            "priority",
            "family",
            "severity",
            "key",
            "count",
            "sources",
            "first_seen",
            "last_seen",
            "example",
            "reason",
            "why",
        ]
        fd = pd.DataFrame(frows, columns=fcols)
        if len(fd):
            fd["_p"] = fd["priority"].map(PRIORITY_ORDER).fillna(4)
            fd["_s"] = fd["severity"].map({"F": 0, "E": 1, "W": 2, "I": 3}).fillna(4)
            fd["_l"] = pd.to_datetime(fd["last_seen"], utc=True).astype("int64")
            fd = (
                fd.sort_values(
                    ["_p", "_s", "_l", "count"], ascending=[True, True, False, False], kind="stable"
                )
                .drop(columns=["_p", "_s", "_l"])
                .head(agg.o.max_findings)
            )
            for c in ("first_seen", "last_seen"):
                fd[c] = pd.to_datetime(fd[c], utc=True)
        self.findings = fd.reset_index(drop=True)
        self.unparsed = pd.DataFrame(agg.unparsed, columns=["source", "lineno", "reason", "text"])
        sc = [
            "source",
            "kind",
            "format",
            "format_mix",
            "bytes",
            "lines",
            "records",
            "continuation_lines",
            "unparsed",
            "decode_errors",
            "truncated_lines",
            "time_errors",
            "filtered_out",
            "first_ts",
            "last_ts",
            "year_source",
            "tz",
            "error",
            "node",
            "pod",
            "container",
        ]
        sdf = pd.DataFrame(agg.sources, columns=sc)
        for c in ("first_ts", "last_ts"):
            sdf[c] = pd.to_datetime(sdf[c], utc=True)
        self.sources = sdf
        # meta
        probe_recs = sum(g["harmless"] for g in agg.tls_groups)
        harmless_groups = [g for g in agg.tls_groups if g["harmless"]]
        periods = sorted({round(g["period_s"], 1) for g in harmless_groups if g["period_s"] == g["period_s"]})
        meta["probe"] = {
            "records": int(probe_recs),
            "share": probe_recs / total if total else 0.0,
            "addresses": sorted({g["client_addr"] for g in harmless_groups}),
            "periods_s": periods,
            "sources": sorted({g["source"] for g in harmless_groups}),
            "period_s": float(np.median([g["period_s"] for g in harmless_groups]))
            if harmless_groups
            else None,
        }
        meta["probe_networks_assumed"] = agg.probe_networks_assumed
        if agg.probe_networks_assumed:
            agg.warnings.append(
                "VPC CIDRs unknown: TLS probes from private addresses were accepted as load-balancer "
                "probes (pass vpc_cidrs to be exact)"
            )
        meta["records_total"] = int(total)
        meta["lines_read"] = int(sdf["lines"].sum()) if len(sdf) else 0
        meta["actionable"] = int(sum(st[0] - st[1] for st in agg.fam.values()))
        meta["harmless"] = int(sum(st[1] for st in agg.fam.values()))
        meta["unparsed"] = int(sdf["unparsed"].sum()) if len(sdf) else 0
        meta["failed_sources"] = [r["source"] for r in agg.sources if r["error"]]
        meta["warnings"] = list(dict.fromkeys(agg.warnings))
        meta["other_top_messages"] = agg.other_msgs.most_common(10)
        meta["findings_by_priority"] = {
            p: int((self.findings["priority"] == p).sum()) for p in PRIORITY_ORDER
        }
        firsts = [r["first_ts"] for r in agg.sources if r["first_ts"] is not None]
        lasts = [r["last_ts"] for r in agg.sources if r["last_ts"] is not None]
        meta["time_range"] = [
            str(ts(min(firsts))) if firsts else None,
            str(ts(max(lasts))) if lasts else None,
        ]
        if agg.o.klog_tz == "auto":
            # TIME-1: the offset found per source (also in sources.tz)
            meta["klog_tz_auto"] = {r["source"]: r["tz"] for r in agg.sources}

    # -- derived views --------------------------------------------------------------------------------------
    def summary_table(self, include_empty: bool = False) -> Any:
        """The ``summary`` (OUT-3); with ``include_empty=True`` also a row for every family of the table not seen
        (count 0, after the seen ones in table order), so that runs can be compared family by family."""
        import pandas as pd

        if not include_empty:
            return self.summary.copy()
        clf = self._agg.clf
        seen = set(self.summary["family"])
        empty = [
            {
                "family": name,
                "count": 0,
                "share": 0.0,
                "harmless_count": 0,
                "actionable_count": 0,
                "first_seen": pd.NaT,
                "last_seen": pd.NaT,
                "sources": 0,
                "example": "",
                **_family_columns(None if f == clf.other else clf.fams[f]),
            }
            for f, name in enumerate(clf.names)
            if name not in seen
        ]
        if not empty:
            return self.summary.copy()
        extra = pd.DataFrame(empty, columns=self.summary.columns)
        for c in ("first_seen", "last_seen"):
            extra[c] = pd.to_datetime(extra[c], utc=True)
        extra = extra.astype(self.summary.dtypes.to_dict())
        return pd.concat([self.summary, extra], ignore_index=True)

    def summary_by_source(self) -> Any:
        """Counts per (source, family): ``count``, ``harmless_count``, ``actionable_count`` (source first index)."""
        import pandas as pd

        rows = [
            {
                "source": src,
                "family": self._agg.clf.names[f],
                "count": c,
                "harmless_count": h,
                "actionable_count": c - h,
            }
            for (src, f), (c, h) in self._agg.fam_by_source.items()
        ]
        df = pd.DataFrame(rows, columns=["source", "family", "count", "harmless_count", "actionable_count"])
        return df.sort_values(["source", "count"], ascending=[True, False]).set_index(["source", "family"])

    def timeline(self, bucket: str | None = None, by: str = "family", top: int = 8) -> Any:
        """Counts per time bucket (UTC) and family (``top`` families + ``other families``), verdict or source."""
        import pandas as pd

        agg = self._agg
        bns = agg.bucket_ns
        want = _bucket_ns(bucket) if bucket else bns
        if by == "source":
            if not agg.tl_src:
                return pd.DataFrame()
            df = pd.concat(agg.tl_src, ignore_index=True).rename(columns={"source": "col"})
        else:
            if not agg.tl:
                return pd.DataFrame()
            df = pd.concat(agg.tl, ignore_index=True)
            names = np.array(agg.clf.names, dtype=object)
            df["col"] = np.where(df["h"], "harmless", "actionable") if by == "verdict" else names[df["f"]]
            df = df[["bucket", "col", "count"]]
        df["bucket"] = (df["bucket"] * bns // want) * want
        # keep the grid under 5000 rows
        span = df["bucket"].max() - df["bucket"].min()
        if span // want > 5000:
            for cand in BUCKETS:
                w2 = _bucket_ns(cand)
                if w2 > want and span // w2 <= 5000:
                    want = w2
                    break
            else:
                want = _bucket_ns("1d")
            df["bucket"] = (df["bucket"] // want) * want
            self.meta["timeline_bucket"] = pd.Timedelta(want).isoformat()
        if by == "family":
            totals = df.groupby("col")["count"].sum().sort_values(ascending=False)
            keep = set(totals.index[:top])
            df["col"] = np.where(df["col"].isin(keep), df["col"], "other families")
        tab = df.pivot_table(index="bucket", columns="col", values="count", aggfunc="sum", fill_value=0)
        tab.index = pd.to_datetime(tab.index, utc=True)
        tab.columns.name = None
        if by == "family":
            order = [c for c in totals.index[:top] if c in tab.columns] + (
                ["other families"] if "other families" in tab.columns else []
            )
            tab = tab[order]
        return tab.astype("int64")

    def plot_timeline(self, bucket: str | None = None, top: int = 8) -> Any:
        """Stacked timeline plot (matplotlib Figure, Agg-friendly)."""
        from lokonb.logs.plots import plot_timeline

        return plot_timeline(self, bucket=bucket, top=top)

    def plot_findings(self, top: int = 10) -> Any:
        """Horizontal bars of the top findings by count (matplotlib Figure)."""
        from lokonb.logs.plots import plot_findings

        return plot_findings(self, top=top)

    def banner(self) -> str:
        """A short text summary (records, findings by priority, probe share, unparsed, failures, warnings)."""
        m = self.meta
        fp = ", ".join(f"{k} {v}" for k, v in m["findings_by_priority"].items() if v) or "none"
        pr = m["probe"]
        per = "" if not pr["periods_s"] else f" every {'/'.join(f'{p:g}' for p in pr['periods_s'])} s"
        addrs = ", ".join(pr["addresses"][:6]) + ("…" if len(pr["addresses"]) > 6 else "")
        lines = [
            f"{m['records_total']:,} records from {m['lines_read']:,} lines in {len(self.sources)} source(s); "
            f"{m['actionable']:,} actionable, {m['harmless']:,} harmless",
            f"findings by priority: {fp}",
            f"load-balancer probe noise: {pr['records']:,} records ({pr['share']:.1%}){per}"
            + (f" from {addrs}" if addrs else ""),
            f"unparsed lines: {m['unparsed']:,}",
        ]
        if m["failed_sources"]:
            lines.append("failed sources: " + ", ".join(m["failed_sources"]))
        for w in m["warnings"]:
            lines.append(f"warning: {w}")
        return "\n".join(lines)

    def to_dir(self, path: Any) -> list[str]:
        """Write every table as CSV and every plot as PNG into ``path``; returns the file names."""
        from pathlib import Path

        out = Path(path)
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for name in ("records", "summary", "by_severity", "tls_sources", "findings", "unparsed", "sources"):
            df = getattr(self, name)
            write_csv(df, out / f"{name}.csv")
            written.append(f"{name}.csv")
        tl = self.timeline()
        write_csv(tl, out / "timeline.csv", index=True)
        written.append("timeline.csv")
        (out / "meta.json").write_text(json.dumps(self.meta, indent=2, default=str), encoding="utf-8")
        written.append("meta.json")
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        for name, fig in (("timeline.png", self.plot_timeline()), ("findings.png", self.plot_findings())):
            fig.savefig(out / name, dpi=100)
            plt.close(fig)
            written.append(name)
        return written


def _restart_example(loop: dict[str, Any], ts: Any) -> str:
    """RULE-3: the start count and the last record before each start (from the loop's first), as far as the
    example column's 500 characters go."""
    head = f"{loop['starts']} start sequences"
    before = loop.get("before") or []
    if not before:
        return head
    parts = [f"{'?' if t is None else ts(t)} {text}" for t, text in before]
    return (f"{head}; last record before each start: " + " | ".join(parts))[:500]
