"""Handlers behind ``lokonb flatcar render`` (kept out of ``lokonb.cli`` so the CLI module stays light)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

_COLUMNS = (
    "role",
    "spec",
    "config_size",
    "user_data_size",
    "limit",
    "percent",
    "delivery",
    "secret",
    "instances",
    "errors",
    "warnings",
)


def format_table(rows: list[dict]) -> str:
    widths = {c: max(len(c), *(len(str(r[c])) for r in rows)) for c in _COLUMNS} if rows else {}
    lines = ["  ".join(c.ljust(widths[c]) for c in _COLUMNS)] if rows else []
    for r in rows:
        lines.append("  ".join(str(r[c]).ljust(widths[c]) for c in _COLUMNS))
    return "\n".join(lines) + "\n"


def render_command(args: argparse.Namespace) -> int:
    from lokonb.cli.outputs import output_dir
    from lokonb.flatcar.workflow import render_from_file

    output_dir("--out", args.out)
    run = render_from_file(
        args.cluster_config,
        out_dir=args.out,
        ignition_version=args.ignition_version,
        snippets=not args.no_snippets,
        external_validate=args.external_validate,
        vars_path=args.vars,
    )
    out = Path(args.out)
    findings = [f.to_dict() for f in run.findings]
    if run.render is None:
        for f in run.findings:
            if f.severity in ("error", "warning"):
                print(_finding_line(f), file=sys.stderr)
        print(
            f"error: rendering {run.cluster_name} failed with {len(run.errors)} error(s); nothing written",
            file=sys.stderr,
        )
        return 1
    rows = run.render.summary()
    (out / "summary.json").write_text(
        json.dumps(
            {"cluster": run.cluster_name, "spec": run.render.spec, "roles": rows, "findings": findings},
            indent=2,
        )
        + "\n",
        "utf-8",
    )
    sys.stdout.write(format_table(rows))
    for f in run.findings:
        if f.severity in ("error", "warning"):
            print(_finding_line(f), file=sys.stderr)
    # configs of roles this render does not have (a pool removed or renamed) are left alone, but not silently
    stale = sorted(p.name for p in out.glob("*.ign") if p.stem not in run.render.roles)
    if stale:
        print(f"warning: {out} also holds {', '.join(stale)} from an earlier render, not part of this one "
              "(manifest.json); delete them if those roles are gone", file=sys.stderr)
    print(f"wrote {len(rows)} role config(s), manifest.json and summary.json to {out}")
    return 0


def _finding_line(f) -> str:  # type: ignore[no-untyped-def]
    where = " ".join(x for x in (f.role or "", f.source or "", f.path or "") if x)
    pos = f" line {f.line}, column {f.column}" if f.line is not None else ""
    return f"{f.severity}: {where}{pos}: {f.message} [{f.validator}]"
