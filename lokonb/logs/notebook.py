"""Thin helpers behind the ``apiserver_logs`` notebook: one call per cell, no logic in the notebook."""

from __future__ import annotations

from typing import Any

from lokonb.logs.analysis import analyze, check_fail_on
from lokonb.logs.result import LogAnalysis

__all__ = [
    "analyze_parameters",
    "banner_markdown",
    "record_results",
    "check_fail_on",
    "findings_view",
    "summary_view",
    "tls_view",
]


def analyze_parameters(params: Any) -> LogAnalysis:
    """Run :func:`lokonb.logs.analyze` with the notebook's validated parameters (attribute access)."""
    values = params if isinstance(params, dict) else params.values  # P.sources is a Parameters property
    values = {k: v for k, v in values.items()}

    def get(name: str, default: Any = None) -> Any:
        value = values.get(name, default)
        return default if value is None and default is not None else value

    return analyze(
        list(get("sources") or []),
        pods=get("pods"),
        format=get("format", "auto"),
        families=None if get("families_file") is None else str(get("families_file")),
        klog_tz=get("klog_tz", "UTC"),
        year=get("year"),
        vpc_cidrs=get("vpc_cidrs", "auto"),
        extra_probe_networks=get("extra_probe_networks") or (),
        probe_periods=get("probe_periods") or (10, 30),
        since=get("since"),
        until=get("until"),
        bucket=get("bucket", "1min"),
        max_records=int(get("max_records", 100_000)),
    )


def banner_markdown(result: LogAnalysis) -> str:
    """The banner as Markdown (records, findings by priority, probe share, unparsed, failures, warnings)."""
    lines = result.banner().splitlines()
    return "\n".join(["### kube-apiserver logs", "", *[f"- {ln}" for ln in lines]])


def findings_view(result: LogAnalysis, top: int = 50) -> Any:
    """Findings for display (most important first, examples shortened)."""
    fd = result.findings.head(top).copy()
    fd["example"] = fd["example"].str.slice(0, 160)
    return fd[["priority", "family", "severity", "count", "key", "first_seen", "last_seen", "why", "example"]]


def summary_view(result: LogAnalysis) -> Any:
    """Per-family summary for display."""
    sm = result.summary.copy()
    sm["example"] = sm["example"].str.slice(0, 120)
    return sm


def tls_view(result: LogAnalysis) -> Any:
    """TLS handshake sources (probe groups) for display."""
    return result.tls_sources


def record_results(result: LogAnalysis) -> None:
    """Record the run results (``lines_read``, ``records``, ``actionable``, ``probe_share``, ``probe_period_s``,
    ``top_families``) with :func:`lokonb.notebook.record`."""
    from lokonb.notebook import record

    m = result.meta
    values = {
        "lines_read": int(m["lines_read"]),
        "records": int(m["records_total"]),
        "actionable": int(m["actionable"]),
        "probe_share": round(float(m["probe"]["share"]), 4),
        "probe_period_s": m["probe"]["period_s"],
    }
    labels = {
        "lines_read": "lines read",
        "records": "records",
        "actionable": "actionable records",
        "probe_share": "load-balancer probe share",
        "probe_period_s": "probe period (s)",
    }
    for name, value in values.items():
        record(name, value, summary=True, label=labels[name])
    top = result.summary.head(10)[["family", "count", "harmless_count", "actionable_count"]]
    record("top_families", top)


def png(fig: Any) -> Any:
    """A matplotlib figure as a static PNG for display (whatever the backend), the figure closed afterwards."""
    import io

    import matplotlib.pyplot as plt
    from IPython.display import Image

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    return Image(data=buf.getvalue(), format="png")
