"""``lokonb config show|validate``: the resolved cluster model and its validation, from YAML or ``.lokocfg``."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from lokonb.errors import ConfigError


def add_config_source_args(parser: argparse.ArgumentParser) -> None:
    """The options every command taking a cluster definition shares (also used by ``lokonb cluster``)."""
    parser.add_argument("path", metavar="PATH", help="YAML parameters file, .lokocfg file, or a directory of "
                        ".lokocfg files")
    parser.add_argument("--vars", metavar="FILE", help="lokocfg vars file (default: ./lokocfg.vars, else "
                        "lokocfg.vars beside the config, when present)")
    parser.add_argument("--var", metavar="NAME=VALUE", action="append", default=[],
                        help="set a lokocfg variable (repeatable; VALUE is an HCL literal or plain text)")


def load_from_args(args: argparse.Namespace, *, extra_keys: tuple[str, ...] = ()) -> Any:
    """Load the cluster definition named by ``args`` (see :func:`add_config_source_args`); returns ``Loaded``."""
    from lokonb.config import load, parse_var_override

    overrides = dict(parse_var_override(v) for v in args.var)
    return load(args.path, args.vars, overrides, extra_keys=extra_keys)


def _issue_line(issue: Any) -> str:
    if issue.severity == "error":
        return str(issue)
    text = f"{issue.path}: warning: {issue.message}" if issue.path else f"warning: {issue.message}"
    return text + (f" [{issue.source}]" if issue.source else "")


def print_issues(issues: Any) -> None:
    """One stderr line per issue, each starting with the attribute path."""
    from lokonb.cli import shown

    for issue in issues:
        print(shown(_issue_line(issue)), file=sys.stderr)


def _load_or_report(args: argparse.Namespace) -> Any:
    from lokonb.config import ConfigValidationError

    try:
        return load_from_args(args)
    except ConfigValidationError as exc:
        print_issues(sorted(exc.issues, key=lambda i: i.severity != "error"))
        return None
    except ConfigError as exc:
        from lokonb.cli import shown

        print(shown(str(exc)), file=sys.stderr)
        return None


def _show(args: argparse.Namespace) -> int:
    loaded = _load_or_report(args)
    if loaded is None:
        return 2
    print_issues(loaded.warnings)
    data = loaded.config.to_dict()
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        import yaml

        print(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False), end="")
    return 0


def _validate(args: argparse.Namespace) -> int:
    loaded = _load_or_report(args)
    if loaded is None:
        return 2
    print_issues(loaded.warnings)
    c = loaded.config
    pools = ", ".join(f"{p.name}={p.count}" for p in c.worker_pools)
    print(f"{c.cluster_name}: valid ({c.controller_count} controller(s), worker pools {pools}; "
          f"API at {c.api_endpoint}:6443)")
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register ``lokonb config``."""
    parser = sub.add_parser("config", help="show or validate a cluster definition (YAML or .lokocfg)")
    commands = parser.add_subparsers(dest="config_command", metavar="COMMAND", required=True)
    show = commands.add_parser("show", help="print the resolved model with every default applied")
    add_config_source_args(show)
    show.add_argument("--json", action="store_true", help="print JSON instead of YAML")
    show.set_defaults(func=_show)
    validate = commands.add_parser("validate", help="validate; exit 0 when valid, 2 with one line per error")
    add_config_source_args(validate)
    validate.set_defaults(func=_validate)
