"""``lokonb logs``: analyse kube-apiserver logs (the same ``lokonb.logs.analyze`` call the notebook makes).

Commands: ``analyze`` (files, globs, directories, ``-``, ``sample`` or live pods), ``sample`` (write the
deterministic sample log) and ``families`` (print the effective family table).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

FORMATS = ("auto", "klog", "cri", "docker", "json", "kubectl", "syslog", "cloudwatch", "envelope", "csv")
PRIORITIES = ("critical", "high", "medium", "low")
#: Column order of ``--records FILE.csv`` (the first seven are the CLI contract).
RECORD_COLUMNS = (
    "source",
    "line_no",
    "timestamp",
    "severity",
    "family",
    "harmless",
    "reason",
    "priority",
    "why",
    "n_lines",
    "orphan",
    "client_addr",
    "client_port",
    "tls_error",
    "verb",
    "uri",
    "code",
    "webhook",
    "apiservice",
    "err_kind",
    "message",
    "node",
    "pod",
    "container",
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``logs`` command group."""
    p = sub.add_parser(
        "logs",
        help="analyse kube-apiserver logs (noise vs actionable, tables, plots)",
        description="Analyse kube-apiserver logs: formats, message families, load-balancer probe noise.",
    )
    lsub = p.add_subparsers(dest="logs_command", metavar="COMMAND")
    p.set_defaults(func=lambda args: (p.print_help(sys.stderr), 2)[1])

    a = lsub.add_parser(
        "analyze",
        help="classify log lines and print the summary",
        description="Read log files, globs, directories (recursive), '-' for stdin, 'sample', or "
        "live kube-apiserver pods (--pods); print the banner, findings and summary.",
    )
    a.add_argument(
        "paths", nargs="*", metavar="PATH", help="file, glob, directory, NAME=PATH, '-' or 'sample'"
    )
    a.add_argument(
        "--format", choices=FORMATS, default="auto",
        help="log format (default: detected per source); envelope: JSON records of collectors and exports "
        "(journalctl -o json, Fluent Bit, Vector, Cloud Logging); csv: CSV exports with a header row (Kibana, "
        "Grafana, Log Analytics)"
    )
    a.add_argument(
        "--records", metavar="FILE.csv", help="write one row per record (every record) to this CSV"
    )
    a.add_argument("--summary", metavar="FILE.csv", help="write the per-family summary table to this CSV")
    a.add_argument("--json", action="store_true", help="print the result as JSON instead of text tables")
    a.add_argument(
        "--pods", action="store_true", help="also read live kube-apiserver pods through the kubeconfig"
    )
    a.add_argument("--kubeconfig", help="kubeconfig file (default: KUBECONFIG or ~/.kube/config)")
    a.add_argument("--context", help="kubeconfig context")
    a.add_argument("--namespace", default="kube-system", help="namespace of the apiserver pods (kube-system)")
    a.add_argument(
        "--selector", help="label selector (default: k8s-app=kube-apiserver, then component=kube-apiserver)"
    )
    a.add_argument("--previous", action="store_true", help="also read the previous container instance")
    a.add_argument("--all-containers", action="store_true", help="read every container of the pods")
    a.add_argument("--since", help="only records at or after this time: a duration (6h) or ISO 8601")
    a.add_argument("--until", help="only records before this time (ISO 8601 or a duration ago)")
    a.add_argument("--families", metavar="FILE", help="YAML file extending/overriding the family table")
    a.add_argument(
        "--vpc-cidr",
        action="append",
        default=None,
        metavar="CIDR",
        help="VPC CIDR(s) of the load balancer's nodes (repeatable; default: private ranges, with a warning)",
    )
    a.add_argument(
        "--extra-probe-network",
        action="append",
        default=[],
        metavar="CIDR",
        help="other networks whose periodic TLS probes are noise (repeatable)",
    )
    a.add_argument("--klog-tz", default="UTC", help="time zone of klog timestamps (IANA name, default UTC)")
    a.add_argument(
        "--syslog-tz",
        help="time zone of year-less syslog/journald prefix times (IANA name or UTC; default: --klog-tz)",
    )
    a.add_argument(
        "--month-names",
        metavar="LIST",
        help="localized month names of syslog/journald prefixes, 12 comma-separated, January first (English is "
        "always read)",
    )
    a.add_argument("--year", type=int, help="year of the first record (klog lines carry no year)")
    a.add_argument("--bucket", default="1min", help="timeline bucket (1min, 5min, 15min, 1h, ...)")
    a.add_argument("--out", metavar="DIR", help="write every table as CSV and the plots as PNG into DIR")
    a.add_argument(
        "--records-parquet",
        metavar="FILE",
        help="stream every record to a Parquet file (not held in memory; one sequential read per source)",
    )
    a.add_argument(
        "--fail-on", choices=PRIORITIES, help="exit 1 when findings at or above this priority exist"
    )
    a.add_argument(
        "--max-records", type=int, default=100_000, help="cap of the records table (default 100000)"
    )
    a.add_argument(
        "--workers",
        default="auto",
        help="auto or N: large plain klog files are read by N processes over byte ranges (same results)",
    )
    a.add_argument(
        "--include",
        action="append",
        default=None,
        metavar="GLOB",
        help="directory walks keep paths matching these globs (default *kube-apiserver*; '*' = all)",
    )
    a.set_defaults(func=_analyze)

    s = lsub.add_parser(
        "sample",
        help="write the deterministic sample log",
        description="Write a realistic synthetic kube-apiserver log (same seed and size = same bytes).",
    )
    g = s.add_mutually_exclusive_group()
    g.add_argument("--lines", type=int, help="number of physical lines (default 10000)")
    g.add_argument("--size", help="size, e.g. 64MiB")
    s.add_argument("--format", choices=("klog", "cri", "kubectl", "docker"), default="klog")
    s.add_argument("--seed", type=int, default=42)
    s.add_argument("--controllers", type=int, default=1, help="several controllers: PATH is a directory")
    s.add_argument("--truth", metavar="FILE", help="also write the truth counts as JSON")
    s.add_argument("-o", "--output", required=True, metavar="PATH", help="output file ('-' for stdout)")
    s.set_defaults(func=_sample)

    f = lsub.add_parser("families", help="print the effective family table")
    f.add_argument("--families", metavar="FILE", help="YAML file extending/overriding the packaged table")
    f.add_argument("--json", action="store_true", help="print as JSON")
    f.set_defaults(func=_families)


def _csv_rows(rec: Any) -> Any:
    """A slice of the records table (as read back from ``records_path``) in the ``--records`` CSV layout."""
    df = rec.rename(columns={"lineno": "line_no"})
    out = df[[c for c in RECORD_COLUMNS if c in df.columns]].copy()
    ts = out["timestamp"]
    out["timestamp"] = ts.dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ").where(ts.notna(), "")
    out["harmless"] = out["harmless"].map({True: "true", False: "false"})
    out["orphan"] = out["orphan"].map({True: "true", False: "false"})
    out["severity"] = out["severity"].astype("string").fillna("")
    return out


def _write_records_csv(parquet: Any, target: str) -> None:
    """Every record, in file order (sources as read, then physical line), one Parquet row group at a time."""
    import pyarrow.parquet as pq

    from lokonb.logs.csvio import append_csv
    from lokonb.logs.errors import LogParameterError

    try:
        with open(target, "w", encoding="utf-8", newline="") as fh:
            pf = pq.ParquetFile(str(parquet))
            header = True
            for i in range(pf.num_row_groups):
                append_csv(_csv_rows(pf.read_row_group(i).to_pandas()), fh, header=header)
                header = False
            if header:  # no record at all: the header alone
                append_csv(_csv_rows(pf.read().to_pandas()), fh)
    except OSError as exc:
        raise LogParameterError(f"--records: cannot write {target}: {exc.strerror or exc}") from None


def _plain_inputs(paths: list[str]) -> list[str]:
    """The PATH arguments that name one file (NAME=PATH pairs too); globs and directories are left to the
    readers, which never write."""
    out = []
    for item in paths or ():
        path = item.split("=", 1)[1] if "=" in item and not os.path.exists(item) else item
        if os.path.isfile(path):
            out.append(path)
    return out


def _analyze(args: argparse.Namespace) -> int:
    import shutil
    import tempfile
    from pathlib import Path

    from lokonb.cli.outputs import distinct_outputs, output_dir, output_file
    from lokonb.logs.errors import LogParameterError

    if not args.paths and not args.pods:
        raise LogParameterError(
            "give at least one PATH ('-' for stdin, 'sample' for the built-in sample) or --pods"
        )
    if not args.pods:  # these select live pods only: without --pods they were ignored without a word
        given = [option for option, value in (("--kubeconfig", args.kubeconfig), ("--context", args.context),
                                              ("--namespace", args.namespace != "kube-system"),
                                              ("--selector", args.selector), ("--previous", args.previous),
                                              ("--all-containers", args.all_containers)) if value]
        if given:
            raise LogParameterError(f"{', '.join(given)}: only apply to live pods; add --pods (or leave "
                                    f"{'them' if len(given) > 1 else 'it'} out to read PATH only)")
    pods = None
    if args.pods:
        pods = {
            "kubeconfig": args.kubeconfig,
            "context": args.context,
            "namespace": args.namespace,
            "selector": args.selector,
            "previous": args.previous,
            "all_containers": args.all_containers,
            "since": args.since,
        }
    include: Any = ("*kube-apiserver*",)
    if args.include:
        include = None if args.include == ["*"] else tuple(args.include)
    # every record goes to Parquet as the analysis streams (OUT-2 records_path), never held in memory; --records
    # is that file rewritten as CSV, so the in-memory table keeps its default cap either way
    # output files are checked before the analysis starts: a run over gigabytes must not fail at its last step
    for option, target in (("--summary", args.summary), ("--records", args.records),
                           ("--records-parquet", args.records_parquet)):
        if target:
            output_file(option, target)
    distinct_outputs([("--summary", args.summary), ("--records", args.records),
                      ("--records-parquet", args.records_parquet)], _plain_inputs(args.paths))
    if args.out:
        output_dir("--out", args.out)
    parquet, spool_dir = args.records_parquet, None
    if args.records and not parquet:
        try:
            spool_dir = tempfile.mkdtemp(prefix=".lokonb-records-", dir=Path(args.records).resolve().parent)
        except OSError as exc:
            raise LogParameterError(f"--records: cannot write {args.records}: {exc.strerror or exc}") from None
        parquet = str(Path(spool_dir) / "records.parquet")
    try:
        return _analyze_and_print(args, pods, include, parquet)
    finally:
        if spool_dir is not None:
            shutil.rmtree(spool_dir, ignore_errors=True)


def _analyze_and_print(args: argparse.Namespace, pods: Any, include: Any, parquet: str | None) -> int:
    import json

    from lokonb.logs.analysis import analyze, check_fail_on
    from lokonb.logs.csvio import write_csv
    from lokonb.logs.errors import FindingsAtOrAbove, LogParameterError

    result = analyze(
        args.paths,
        pods=pods,
        format=args.format,
        families=args.families,
        klog_tz=args.klog_tz,
        syslog_tz=args.syslog_tz,
        month_names=args.month_names,
        year=args.year,
        vpc_cidrs=args.vpc_cidr if args.vpc_cidr else "auto",
        extra_probe_networks=args.extra_probe_network,
        since=args.since,
        until=args.until,
        bucket=args.bucket,
        max_records=args.max_records,
        records_path=parquet,
        workers=args.workers,
        include=include,
    )
    if args.records:
        _write_records_csv(parquet, args.records)
    if args.summary:
        try:
            write_csv(result.summary, args.summary)
        except OSError as exc:
            raise LogParameterError(f"--summary: cannot write {args.summary}: {exc.strerror or exc}") from None
    if args.out:
        try:
            result.to_dir(args.out)
        except OSError as exc:
            raise LogParameterError(f"--out: cannot write into {args.out}: {exc.strerror or exc}") from None
    if args.json:
        doc = {
            "meta": result.meta,
            "summary": json.loads(result.summary.to_json(orient="records", date_format="iso")),
            "findings": json.loads(result.findings.to_json(orient="records", date_format="iso")),
            "by_severity": json.loads(result.by_severity.to_json(orient="records")),
            "tls_sources": json.loads(result.tls_sources.to_json(orient="records", date_format="iso")),
            "sources": json.loads(result.sources.to_json(orient="records", date_format="iso")),
        }
        print(json.dumps(doc, indent=2, default=str))
    else:
        _print_text(result)
    try:
        check_fail_on(result, args.fail_on)
    except FindingsAtOrAbove as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def _print_text(result: Any) -> None:
    import pandas as pd

    with pd.option_context("display.width", 200, "display.max_colwidth", 70, "display.max_rows", 60):
        print(result.banner())
        print()
        print("== findings (actionable, by priority) ==")
        fd = result.findings
        if fd.empty:
            print("none")
        else:
            cols = ["priority", "family", "severity", "count", "key", "last_seen", "example"]
            print(fd[cols].head(30).to_string(index=False))
        print()
        print("== summary by family ==")
        sm = result.summary[
            ["family", "count", "share", "harmless_count", "actionable_count", "default", "reason"]
        ]
        print(sm.to_string(index=False, formatters={"share": "{:.1%}".format}))


def _sample(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from lokonb.cli.outputs import distinct_outputs, output_dir, output_file, removed_if_unfinished
    from lokonb.errors import ConfigError
    from lokonb.logs.sample import generate
    from lokonb.logs.sources import parse_size

    # 0 or less wrote an empty file, or (--lines 0, --controllers 0) silently the default instead
    for option, value in (("--lines", args.lines), ("--controllers", args.controllers)):
        if value is not None and value < 1:
            raise ConfigError(f"{option} {value}: expected 1 or more")
    size = parse_size(args.size) if args.size is not None else None
    if size is not None and size < 1:
        raise ConfigError(f"--size {args.size!r}: expected 1 byte or more, e.g. 64MiB")
    lines = args.lines if args.lines or size else 10_000
    if args.controllers > 1:
        output_dir("--output", args.output)
    elif args.output != "-":
        output_file("--output", args.output)
    if args.truth:
        output_file("--truth", args.truth)
        distinct_outputs([("--output", args.output if args.controllers <= 1 else None), ("--truth", args.truth)])
    truths = []
    if args.controllers > 1:
        out = Path(args.output)
        with removed_if_unfinished() as open_output:
            for i in range(args.controllers):
                with open_output(out / f"kube-apiserver-{i}.log") as fh:
                    truths.append(
                        generate(
                            fh,
                            size=size,
                            lines=lines,
                            seed=args.seed + i,
                            fmt=args.format,
                            local_addr=f"10.0.{5 + 16 * i}.21",
                        ).to_dict()
                    )
    elif args.output == "-":
        truths.append(
            generate(sys.stdout.buffer, size=size, lines=lines, seed=args.seed, fmt=args.format).to_dict()
        )
    else:
        with removed_if_unfinished() as open_output, open_output(args.output) as fh:
            truths.append(generate(fh, size=size, lines=lines, seed=args.seed, fmt=args.format).to_dict())
    if args.truth:
        try:
            Path(args.truth).write_text(
                json.dumps(truths if len(truths) > 1 else truths[0], indent=2), encoding="utf-8"
            )
        except OSError as exc:
            raise ConfigError(f"--truth: cannot write {args.truth}: {exc.strerror or exc}") from None
    if args.output != "-":
        total = sum(t["bytes"] for t in truths)
        print(
            f"wrote {total:,} bytes, {sum(t['lines'] for t in truths):,} lines to {args.output}",
            file=sys.stderr,
        )
    return 0


def _families(args: argparse.Namespace) -> int:
    import pandas as pd

    from lokonb.logs.families import load_families

    table = load_families(args.families)
    df = table.to_frame()
    if args.json:
        print(df.to_json(orient="records", indent=2))
    else:
        with pd.option_context("display.width", 200, "display.max_colwidth", 60, "display.max_rows", 100):
            print(df.to_string(index=False, max_colwidth=60))
    return 0
