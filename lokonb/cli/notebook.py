"""``lokonb params | run | run-all | runs | report | results | schedule | lint-notebooks | sync-notebooks``.

A thin layer over :mod:`lokonb.notebook`; heavy imports happen inside the handlers.
"""

from __future__ import annotations

import argparse
import functools
import json
import re
import shlex
import signal
import sys
from collections.abc import Callable
from typing import Any

_HELP = {
    "notebook": "notebook name (e.g. render_flatcar) or path to an .ipynb",
    "set": "parameter set parameters/<notebook>/NAME.yaml",
    "file": "parameter set file (local or s3://); repeatable, applied in order",
    "yaml": "YAML mapping of parameters (applied after set files); repeatable, applied in order",
    "p": "set parameter NAME (dotted for nested: a.b) converted by its declared type; None is None",
    "r": "set parameter NAME to VALUE as a raw string (what papermill -r injects)",
    "output": "run output directory or s3://BUCKET/PREFIX (default: <project>/runs)",
    "cell_timeout": "seconds a single cell may run (default: per notebook schema)",
    "run_timeout": "seconds the whole run may take (enforced by the parent process)",
    "kernel": "kernel name (default python3)",
    "root": "project root (folder with notebooks/ and parameters/)",
}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("params", help="show or check a notebook's typed parameters")
    p.add_argument("notebook", help=_HELP["notebook"])
    p.add_argument("--format", choices=("table", "yaml", "json-schema", "markdown"), default="table")
    p.add_argument("--check", nargs="+", metavar="FILE", help="validate set files without running anything")
    p.set_defaults(func=cmd_params)

    r = sub.add_parser("run", help="run a notebook headlessly (run directory, report, results, exit codes)")
    r.__class__ = _RunParser  # add_parser builds the subparsers' class; this one only adds papermill's -p/-r reading
    r.add_argument("notebook", help=_HELP["notebook"])
    _run_options(r)
    r.set_defaults(func=cmd_run)

    a = sub.add_parser("run-all", help="run every notebook on a parameter set (default: default)")
    a.add_argument("--set", dest="parameter_set", default="default", help=_HELP["set"])
    a.add_argument("--jobs", type=int, default=None, help="runs at a time (default min(cpus, 4))")
    a.add_argument("--only", default=None, help="comma-separated notebook names")
    a.add_argument("--output", default=None, help=_HELP["output"])
    a.add_argument("--root", default=None, help=_HELP["root"])
    a.set_defaults(func=cmd_run_all)

    i = sub.add_parser("runs", help="list runs (the run index)")
    i.add_argument("--notebook", default=None)
    i.add_argument("--status", default=None)
    i.add_argument("--limit", type=int, default=50)
    i.add_argument("--json", action="store_true")
    i.add_argument("--finalize", metavar="RUN_DIR", default=None,
                   help="scrub a killed run's .partial/ notebook into normal artefacts with status interrupted")
    i.add_argument("--output", default=None, help="runs directory (default: <project>/runs)")
    i.add_argument("--root", default=None, help=_HELP["root"])
    i.set_defaults(func=cmd_runs)

    rep = sub.add_parser("report", help="re-render a run's report.html")
    rep.add_argument("run_dir")
    rep.add_argument("--show-input", action="store_true")
    rep.set_defaults(func=cmd_report)

    res = sub.add_parser("results", help="print a run's recorded results")
    res.add_argument("run_dir")
    res.add_argument("name", nargs="?")
    res.set_defaults(func=cmd_results)

    s = sub.add_parser("schedule", help="print a crontab line and/or a Kubernetes CronJob for a notebook")
    s.add_argument("notebook", help=_HELP["notebook"])
    grp = s.add_mutually_exclusive_group(required=True)
    grp.add_argument("--set", dest="parameter_set", help=_HELP["set"])
    grp.add_argument("-f", "--file", help="parameter set file")
    s.add_argument("--cron", required=True, help='"MIN HOUR DOM MON DOW"')
    s.add_argument("--format", choices=("crontab", "kubernetes", "both"), default="both")
    s.add_argument("--image", default=None, help="container image with lokonb (required for kubernetes)")
    s.add_argument("--namespace", default=None, help="namespace of the manifests (default lokonb)")
    s.add_argument("--output", default=None, help="s3://BUCKET/PREFIX (required for kubernetes)")
    s.add_argument("--time-zone", default="Etc/UTC")
    s.add_argument(
        "--credentials", default=None, help="instance-role (default) | irsa:ROLE_ARN | secret:NAME"
    )
    s.add_argument("--cell-timeout", type=float, default=None)
    s.add_argument("--run-timeout", type=float, default=None)
    s.add_argument("--root", default=None, help=_HELP["root"])
    s.set_defaults(func=cmd_schedule)

    lint = sub.add_parser("lint-notebooks", help="check notebook conventions (outputs, cells, parameters)")
    lint.add_argument("paths", nargs="*", help="notebooks or folders (default: notebooks/)")
    lint.add_argument("--fix", action="store_true", help="strip outputs and forbidden metadata")
    lint.add_argument("--root", default=None, help=_HELP["root"])
    lint.set_defaults(func=cmd_lint)

    sync = sub.add_parser("sync-notebooks", help="rewrite every parameters cell from its schema")
    sync.add_argument("--root", default=None, help=_HELP["root"])
    sync.set_defaults(func=cmd_sync)


#: ``NAME=VALUE`` given to ``-p``/``-r`` as one word (NAME a parameter name or a dotted path).
_NAME_EQUALS = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_-]+)*=")


class _RunParser(argparse.ArgumentParser):
    """The ``run`` parser: the two words after ``-p``/``-r`` are taken verbatim, as papermill's click options take
    them, so ``-r since -6h`` works (argparse alone reads ``-6h`` as an unknown option and ``-r`` as incomplete)."""

    PAIRS = {"-p": "p", "--parameters": "p", "-r": "r", "--parameters_raw": "r"}

    def parse_known_args(  # type: ignore[override]
        self, args: list[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        words = list(sys.argv[1:] if args is None else args)
        takes_value = {o for a in self._actions if a.nargs != 0 for o in a.option_strings} - set(self.PAIRS)
        pairs: dict[str, list[list[str]]] = {"p": [], "r": []}
        rest: list[str] = []
        i = 0
        while i < len(words):
            word = words[i]
            if word == "--":
                rest += words[i:]
                break
            if word in self.PAIRS and i + 1 < len(words) and _NAME_EQUALS.match(words[i + 1]):
                # `-p count=3` took the next word as its VALUE: `--output DIR` was swallowed, DIR "unrecognized"
                name, _, value = words[i + 1].partition("=")
                self.error(f"{word} {words[i + 1]!r}: NAME and VALUE are two words, as in papermill (allowed: "
                           f"{word} {name} {shlex.quote(value)}; a mapping key holding '=' goes in -y)")
            if word in self.PAIRS and i + 2 < len(words):
                pairs[self.PAIRS[word]].append(words[i + 1 : i + 3])
                i += 3
            elif word in takes_value:  # its value is never read as -p or -r (e.g. --output -p)
                rest += words[i : i + 2]
                i += 2
            else:
                rest.append(word)
                i += 1
        ns, extras = super().parse_known_args(rest, namespace)
        ns.p, ns.r = [*ns.p, *pairs["p"]], [*ns.r, *pairs["r"]]
        return ns, extras


def _run_options(r: argparse.ArgumentParser) -> None:
    # papermill's spellings are accepted too (--parameters, --parameters_raw, --parameters_file, --parameters_yaml,
    # -k), and -f, -y, -p, -r repeat as in papermill; precedence is by kind, not by position on the command line.
    g = r.add_mutually_exclusive_group()
    g.add_argument("--set", dest="parameter_set", default=None, help=_HELP["set"])
    g.add_argument("-f", "--file", "--parameters_file", dest="files", action="append", default=[],
                   help=_HELP["file"])
    r.add_argument("-y", "--yaml", "--parameters_yaml", dest="yaml_text", action="append", default=[],
                   help=_HELP["yaml"])
    pair: dict[str, Any] = {"nargs": 2, "action": "append", "default": [], "metavar": ("NAME", "VALUE")}
    r.add_argument("-p", "--parameters", dest="p", help=_HELP["p"], **pair)
    r.add_argument("-r", "--parameters_raw", dest="r", help=_HELP["r"], **pair)
    r.add_argument("--output", default=None, help=_HELP["output"])
    r.add_argument("--cell-timeout", type=float, default=None, help=_HELP["cell_timeout"])
    r.add_argument("--run-timeout", type=float, default=None, help=_HELP["run_timeout"])
    r.add_argument("-k", "--kernel", default=None, help=_HELP["kernel"])
    r.add_argument("--no-report", action="store_true", help="skip report.html")
    r.add_argument("--show-input", action="store_true", help="show code in the report")
    r.add_argument("--log-output", action="store_true", help="echo the kernel's output on stderr")
    r.add_argument("--progress", action="store_true", help="text progress bars in the kernel (every 10 s)")
    r.add_argument("--root", default=None, help=_HELP["root"])


def _forwarding_signals(cmd: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Run ``cmd`` with SIGTERM/SIGINT forwarded to the runs (cancel_all), the earlier handlers restored after it:
    they stayed installed, so in a process that called ``main(["run", ...])`` (a test, an embedding tool) a later
    Ctrl-C went to a run long finished and was lost."""
    from lokonb.notebook.execute import cancel_all

    def handler(signum: int, _frame: Any) -> None:
        cancel_all(signal.Signals(signum).name)

    @functools.wraps(cmd)
    def wrapped(args: argparse.Namespace) -> int:
        old = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            return cmd(args)
        finally:
            for sig, previous in old.items():
                signal.signal(sig, previous)

    return wrapped


def cmd_params(args: argparse.Namespace) -> int:
    from lokonb.notebook.schemas import get_schema

    schema = get_schema(args.notebook)
    if args.check:
        return _check_sets(schema, args.check)
    if args.format == "yaml":
        from lokonb.notebook.paramfiles import commented_set

        sys.stdout.write(commented_set(schema))
    elif args.format == "json-schema":
        from lokonb.notebook.jsonschema_export import to_json_schema

        print(json.dumps(to_json_schema(schema), indent=2))
    elif args.format == "markdown":
        print(params_markdown(schema))
    else:
        print(params_table(schema))
    return 0


def _allowed(p: Any) -> str:
    """Allowed values of a parameter (or of its list items) as text: choices or a range."""
    target = p if p.choices or p.minimum is not None or p.maximum is not None else (p.item or p)
    if target.choices:
        return ", ".join(map(str, target.choices))
    if target.minimum is not None or target.maximum is not None:
        low = target.minimum if target.minimum is not None else ""
        high = target.maximum if target.maximum is not None else ""
        return f"{low}..{high}"
    return ""


def params_markdown(schema: Any) -> str:
    """The schema as the README's Markdown table (the README section is generated from this)."""
    lines = [f"**`{schema.notebook}`** — {schema.title} (`lokonb params {schema.notebook}`):", "",
             "| parameter | type | default | allowed | help |", "|---|---|---|---|---|"]
    for p in schema.params:
        default = json.dumps(p.default)
        default = "see `default.yaml`" if len(default) > 40 else f"`{default}`"
        lines.append(f"| `{p.name}` | `{p.type_name}` | {default} | {_allowed(p)} | {p.help} |")
    return "\n".join(lines)


def params_table(schema: Any) -> str:
    rows = [("NAME", "TYPE", "DEFAULT", "ALLOWED", "HELP")]
    for p in schema.params:
        default = json.dumps(p.default)
        if len(default) > 40:
            default = default[:37] + "..."
        allowed = ", ".join(map(str, p.choices))
        if p.minimum is not None or p.maximum is not None:
            allowed = (
                f"{p.minimum if p.minimum is not None else ''}..{p.maximum if p.maximum is not None else ''}"
            )
        rows.append((p.name, p.type_name, default, allowed, p.help))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = [f"{schema.notebook}: {schema.title}"]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r[:4], widths, strict=True)) + "  " + r[4] for r in rows]
    return "\n".join(lines)


def _check_sets(schema: Any, files: list[str]) -> int:
    from lokonb.cli import shown
    from lokonb.errors import ConfigError
    from lokonb.notebook.exceptions import ParameterError
    from lokonb.notebook.paramfiles import parse_set, read_set_text, yaml11_key_traps, yaml11_traps
    from lokonb.notebook.params import validate

    failed = False
    for name in files:
        try:
            text, label = read_set_text(name)
            tree, sources = parse_set(text, label)
            validate(schema, tree, sources, route="file", origin=label)
        except (ParameterError, ConfigError) as exc:
            print(f"lokonb: {shown(str(exc))}", file=sys.stderr)
            failed = True
            continue
        traps = yaml11_key_traps(text, label) + yaml11_traps(tree, schema)
        for source, message in traps:
            print(f"{source}: {message}", file=sys.stderr)
        failed = failed or bool(traps)
        if not traps:
            print(f"{label}: ok")
    return 2 if failed else 0


def _summary_line(result: Any) -> str:
    report = result.artefacts.get("report")
    where = result.output_url or result.run_dir
    line = f"{result.notebook}: {result.status} (exit {result.exit_code}) in {result.duration_s} s  {where}"
    if report:
        line += f"/{report}"
    err = result.error or {}
    if err.get("ename") and result.status != "parameter_error":
        line += f"\n  cell {err.get('cell_index')}: {err.get('ename')}: {str(err.get('evalue', ''))[:200]}"
    return line


@_forwarding_signals
def cmd_run(args: argparse.Namespace) -> int:
    from lokonb.cli.outputs import not_stdout
    from lokonb.notebook.exceptions import EnvironmentFailure
    from lokonb.notebook.execute import RunRequest, execute_request

    not_stdout("--output", args.output, "run directories")
    req = RunRequest(
        args.notebook,
        parameter_set=args.parameter_set,
        files=args.files,
        yaml_text=args.yaml_text,
        p=[tuple(x) for x in args.p],
        r=[tuple(x) for x in args.r],
        output=args.output,
        cell_timeout=args.cell_timeout,
        run_timeout=args.run_timeout,
        kernel=args.kernel,
        report=not args.no_report,
        show_input=args.show_input,
        log_output=args.log_output,
        root=args.root,
        extra_env={"LOKONB_PROGRESS": "1"} if args.progress else {},
    )
    try:
        result = execute_request(req)
    except EnvironmentFailure as exc:
        print(f"lokonb: {exc}", file=sys.stderr)
        return 5
    if result.status == "parameter_error":
        print(f"lokonb: {(result.error or {}).get('message')}", file=sys.stderr)
        print(f"results: {result.run_dir}/results.json", file=sys.stderr)
        return result.exit_code
    print(_summary_line(result), file=sys.stderr if result.exit_code else sys.stdout)
    return result.exit_code


@_forwarding_signals
def cmd_run_all(args: argparse.Namespace) -> int:
    from lokonb.cli.outputs import not_stdout
    from lokonb.notebook.execute import run_all
    from lokonb.notebook.project import find_root
    from lokonb.notebook.runoptions import parse_only

    not_stdout("--output", args.output, "run directories")
    only = parse_only(args.only)
    root = find_root(args.root)
    results = run_all(
        parameter_set=args.parameter_set, jobs=args.jobs, only=only, output=args.output, root=root
    )
    if not results:
        print(
            "lokonb run-all: no notebook with a parameter set "
            f"{args.parameter_set!r} exists yet under {root}/notebooks",
            file=sys.stderr,
        )
        return 0
    for result in results:
        print(_summary_line(result))
    if only is None:  # notebooks without the set are not run: say so, a partial run-all must not look complete
        ran = {r.notebook for r in results}
        for name in _notebooks_without_set(root, args.parameter_set, ran):
            print(f"lokonb run-all: skipped {name}: no parameters/{name}/{args.parameter_set}.yaml", file=sys.stderr)
    base = args.output or f"{root}/runs"
    print(f"index: {base}/index.html")
    cancelled = [r.exit_code for r in results if r.status == "cancelled"]
    if cancelled:  # Ctrl-C is 130 (143 for SIGTERM) as for `lokonb run`, not 6 "a run did not succeed"
        return cancelled[0]
    return 0 if all(r.succeeded for r in results) else 6


def _notebooks_without_set(root: Any, parameter_set: str, ran: set[str]) -> list[str]:
    """Registered notebooks present under ``root`` that run-all did not run (they lack the parameter set)."""
    from pathlib import Path

    from lokonb.notebook.schemas import REGISTRY

    return [n for n in REGISTRY if n not in ran and (Path(root) / "notebooks" / f"{n}.ipynb").is_file()]


def cmd_runs(args: argparse.Namespace) -> int:
    from pathlib import Path

    from lokonb.notebook.exceptions import UsageError
    from lokonb.notebook.index import format_table, scan
    from lokonb.notebook.outcome import RunStatus
    from lokonb.notebook.project import find_root
    from lokonb.notebook.runoptions import check_runs_filters
    from lokonb.notebook.schemas import REGISTRY

    check_runs_filters(args.status, args.limit, [s.value for s in RunStatus])
    if args.finalize:
        from lokonb.notebook.finalize import finalize_interrupted

        result = finalize_interrupted(args.finalize)
        print(_summary_line(result))
        return 0
    base = Path(args.output) if args.output else find_root(args.root) / "runs"  # type: ignore[operator]
    if base.exists() and not base.is_dir():
        raise UsageError(f"--output {base} is a file, not a runs directory (give the folder `lokonb run --output` "
                         "wrote to)")
    if not base.is_dir():
        print(f"no runs: {base} does not exist (runs are written by `lokonb run` and `lokonb run-all`)",
              file=sys.stderr)
        if args.json:
            print("[]")
        return 0
    rows = scan(base)
    known = sorted({*REGISTRY, *(r["notebook"] for r in rows)})
    if args.notebook is not None and args.notebook not in known:
        raise UsageError(f"--notebook {args.notebook!r}: no such notebook and no runs of it "
                         f"(known: {', '.join(known)})")
    rows = [
        r
        for r in rows
        if (args.notebook is None or r["notebook"] == args.notebook)
        and (args.status is None or r["status"] == args.status)
    ][: args.limit]
    print(json.dumps(rows, indent=2) if args.json else format_table(rows))
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from pathlib import Path

    from lokonb.notebook.exceptions import RecordError
    from lokonb.notebook.lint import read_notebook
    from lokonb.notebook.redact import from_environment
    from lokonb.notebook.report import write_report
    from lokonb.notebook.results import read_run
    from lokonb.notebook.schemas import REGISTRY

    result = read_run(args.run_dir)
    nb_path = Path(args.run_dir) / result.artefacts.get("notebook", f"{result.notebook}.ipynb")
    if not nb_path.exists() and not nb_path.is_symlink():
        # runs refused before a kernel (parameter_error) or killed at start keep only results.json and run.log
        raise RecordError(
            f"{args.run_dir}: no report to render: the run (status {result.status}) left no notebook "
            f"({nb_path.name}); see its run.log and `lokonb results {args.run_dir}`, then run the notebook again"
        )
    nb, problem = read_notebook(nb_path)
    if nb is None:
        raise RecordError(f"{nb_path}: the run's notebook is not readable: {problem}")
    write_report(
        nb,
        result,
        Path(args.run_dir) / "report.html",
        show_input=args.show_input,
        schema=REGISTRY.get(result.notebook),
        redactor=from_environment(),
    )
    print(Path(args.run_dir) / "report.html")
    return 0


def cmd_results(args: argparse.Namespace) -> int:
    from lokonb.notebook.results import read_run

    result = read_run(args.run_dir)
    if args.name:
        if args.name not in result.results:
            from lokonb.notebook.exceptions import UsageError

            raise UsageError(f"no result {args.name!r}; recorded: {', '.join(result.results) or 'none'}")
        print(json.dumps(result.results[args.name]["value"], indent=2))
    else:
        print(json.dumps({k: v["value"] for k, v in result.results.items()}, indent=2))
    return 0


def cmd_schedule(args: argparse.Namespace) -> int:
    from lokonb.errors import ConfigError
    from lokonb.notebook.schedule import ScheduleRequest, schedule

    # options of the Kubernetes manifests only: with --format crontab they were dropped without a word
    ignored = [option for option, value in (("--image", args.image), ("--namespace", args.namespace),
                                            ("--credentials", args.credentials)) if value is not None]
    if args.format == "crontab" and ignored:
        raise ConfigError(f"{', '.join(ignored)}: only apply to the Kubernetes manifests; use --format kubernetes "
                          f"or both (or leave {'them' if len(ignored) > 1 else 'it'} out for a crontab line)")
    defaults = ScheduleRequest(notebook="", cron="")
    req = ScheduleRequest(
        notebook=args.notebook,
        parameter_set=args.parameter_set,
        file=args.file,
        cron=args.cron,
        fmt=args.format,
        image=args.image,
        namespace=defaults.namespace if args.namespace is None else args.namespace,
        output=args.output,
        time_zone=args.time_zone,
        credentials=defaults.credentials if args.credentials is None else args.credentials,
        cell_timeout=args.cell_timeout,
        run_timeout=args.run_timeout,
        root=args.root,
    )
    text, notes = schedule(req)
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    sys.stdout.write(text)
    return 0


def cmd_lint(args: argparse.Namespace) -> int:
    from lokonb.notebook.lint import lint_paths

    problems = lint_paths(args.paths, fix=args.fix, root=args.root)
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print("lint-notebooks: ok")
    return 1 if problems else 0


def cmd_sync(args: argparse.Namespace) -> int:
    from lokonb.notebook.lint import sync_notebooks

    lines = sync_notebooks(args.root)
    for line in lines:
        print(line)
    # a notebook that could not be synced (unreadable, not one parameters cell) is a failure, not a note
    return 1 if any(line.endswith("; not changed") for line in lines) else 0
