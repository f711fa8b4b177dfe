"""Static matplotlib plots of a :class:`~lokonb.logs.analysis.LogAnalysis` (Agg-friendly, ≤ 12 × 5 in)."""

from __future__ import annotations

import re
from typing import Any

GREYS = ("#d9d9d9", "#bdbdbd", "#969696", "#737373", "#525252")
COLOURS = ("#d62728", "#ff7f0e", "#1f77b4", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#2ca02c")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def plot_timeline(result: Any, bucket: str | None = None, top: int = 8) -> Any:
    """Stacked areas (bars under 60 buckets) of records per family over time; probe noise lowest and lightest."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    top = min(top, 10)
    tab = result.timeline(bucket=bucket, by="family", top=top)
    fig, ax = plt.subplots(figsize=(12, 5), dpi=100)
    if tab.empty:
        ax.text(0.5, 0.5, "no records with a timestamp", ha="center", va="center", transform=ax.transAxes)
        return fig
    summary = result.summary.set_index("family")
    harmless = {f for f in tab.columns if f in summary.index and summary.loc[f, "actionable_count"] == 0}
    probe = [c for c in tab.columns if str(c).startswith("tls_handshake") and c in harmless]
    rest_h = [c for c in tab.columns if c in harmless and c not in probe]
    act = [c for c in tab.columns if c not in harmless and c != "other families"]
    order = probe + rest_h + (["other families"] if "other families" in tab.columns else []) + act
    tab = tab[order]
    colours = []
    gi = ci = 0
    for c in order:
        if c in harmless or c == "other families":
            colours.append(GREYS[min(gi, len(GREYS) - 1)] if c not in probe else "#efefef")
            gi += c not in probe
        else:
            colours.append(COLOURS[ci % len(COLOURS)])
            ci += 1
    if len(tab) < 60:
        bottom = None
        width = (tab.index[1] - tab.index[0]) * 0.8 if len(tab) > 1 else 0.0005
        for c, col in zip(order, colours, strict=True):
            ax.bar(tab.index, tab[c], bottom=bottom, label=str(c), color=col, width=width, edgecolor="none")
            bottom = tab[c] if bottom is None else bottom + tab[c]
    else:
        ax.stackplot(
            tab.index, *[tab[c].to_numpy() for c in order], labels=[str(c) for c in order], colors=colours
        )
    ax.set_ylabel("records per bucket")
    ax.set_title("kube-apiserver log records over time (UTC)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig


def plot_findings(result: Any, top: int = 10) -> Any:
    """Horizontal bars of the top actionable findings by count, coloured by priority."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    colours = {"critical": "#b2182b", "high": "#ef8a62", "medium": "#fddbc7", "low": "#d1e5f0"}
    fd = result.findings.head(top)
    fig, ax = plt.subplots(figsize=(12, 5), dpi=100)
    if fd.empty:
        ax.text(0.5, 0.5, "no actionable findings", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    # control characters (a carriage return in a message key) have no glyph: shown as spaces
    labels = [_CONTROL.sub(" ", f"{r.family}: {str(r.key)[:60]}") for r in fd.itertuples()]
    ax.barh(range(len(fd))[::-1], fd["count"], color=[colours.get(p, "#cccccc") for p in fd["priority"]])
    ax.set_yticks(range(len(fd))[::-1], labels, fontsize=8)
    ax.set_xlabel("records")
    ax.set_title("actionable findings (colour = priority)")
    fig.tight_layout()
    return fig
