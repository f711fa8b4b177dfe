"""``lokonb cluster plan|apply|destroy CONFIG`` and ``lokonb state unlock|init-backend CONFIG`` (CLI contract).

``plan --json`` prints a JSON list of actions (``action``, ``type``, ``name``, ``reason``, ...); ``apply`` without
``--confirm`` prints the plan and changes nothing; ``destroy`` requires ``--confirm`` (or ``yes`` typed at an
interactive prompt).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from typing import Any

DESCRIPTION = """\
Plan, apply or destroy a cluster on AWS (or the embedded AWS) from a YAML parameters file or .lokocfg.

  lokonb cluster plan|apply|destroy CONFIG [--vars FILE] [--var NAME=VALUE ...] [--endpoint embedded|URL]
                                           [--region R] [--profile P] [--state PATH] [--confirm] [--json]

plan --json prints a JSON list of actions (action, type, name, reason, ...); apply without --confirm prints the
plan and changes nothing; destroy needs --confirm (or 'yes' typed at an interactive prompt). With --endpoint
embedded the embedded AWS lives only for the command: to apply and then plan with separate commands, start one
with 'python -m lokonb.aws.embedded serve --port N' and pass --endpoint http://127.0.0.1:N.
"""

#: notebook-level keys a provision_cluster parameters file may carry beside cluster/aws/state
NOTEBOOK_KEYS = ("action", "confirm", "destroy_at_end", "node_configs", "allow_replace")


def _common(p: argparse.ArgumentParser) -> None:
    from lokonb.cli.config import add_config_source_args

    add_config_source_args(p)
    p.add_argument("--endpoint", metavar="embedded|URL",
                   help="'embedded' = a seeded moto server for this command; URL = an AWS-compatible endpoint "
                        "(e.g. from `python -m lokonb.aws.embedded serve`); default: the config's aws.endpoint")
    p.add_argument("--region", metavar="R", help="AWS region (overrides region / aws.region)")
    p.add_argument("--profile", metavar="P", help="AWS named profile (overrides aws.profile)")
    p.add_argument("--state", metavar="PATH", help="local state record path (overrides state.*)")
    p.add_argument("--confirm", action="store_true", help="really apply / destroy")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.add_argument("--node-configs", choices=("render", "minimal"), default="render",
                   help="'render' (default): Ignition from lokonb.flatcar + lokonb.assets; 'minimal': SSH-key-only "
                        "placeholders (no Kubernetes), for trying the AWS side alone")
    p.add_argument("-v", "--verbose", action="store_true", help="log every completed AWS action")


def register(sub: Any) -> None:
    cluster = sub.add_parser("cluster", help="plan, apply or destroy a cluster on AWS (or the embedded AWS)",
                             description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    csub = cluster.add_subparsers(dest="cluster_cmd", metavar="ACTION", required=True)
    for name, helptext in (("plan", "show what apply would change (read-only)"),
                           ("apply", "create or update the cluster (needs --confirm; without it: plan only)"),
                           ("destroy", "delete everything the cluster owns (needs --confirm)")):
        p = csub.add_parser(name, help=helptext)
        _common(p)
        if name == "plan":
            p.add_argument("--upgrade-os", action="store_true",
                           help="show the move of pools to a newer Flatcar AMI (os_version current)")
        if name == "apply":
            p.add_argument("--allow-replace", action="store_true",
                           help="allow changes that replace or disrupt resources (e.g. controller_type)")
            p.add_argument("--replace", action="append", default=[], metavar="KEY",
                           help="replace this resource (e.g. controller/1; repeatable; needs --allow-replace)")
            p.add_argument("--upgrade-os", action="store_true",
                           help="move pools to a newer Flatcar AMI found with os_version current")
            p.add_argument("--roll-pool", action="append", default=[], metavar="POOL",
                           help="start an instance refresh of this pool after apply (repeatable)")
            p.add_argument("--wait", action="store_true",
                           help="then wait until every node is Ready, as lokoctl does (needs the API reachable)")
        p.set_defaults(func=_handler(name))
    state = sub.add_parser("state", help="cluster state record and lock")
    ssub = state.add_subparsers(dest="state_cmd", metavar="ACTION", required=True)
    u = ssub.add_parser("unlock", help="break a stale lock (only if --lock-id matches); PATH may also be a "
                                       "cluster name (local state under ./lokonb-assets/<name>/ or --state)")
    _common(u)
    u.add_argument("--lock-id", required=True, help="the lock id printed by the refused run")
    u.set_defaults(func=_unlock)
    ib = ssub.add_parser("init-backend", help="create the S3 state bucket and DynamoDB lock table (idempotent)")
    _common(ib)
    ib.set_defaults(func=_init_backend)


def _load(args: argparse.Namespace) -> Any:
    from lokonb.cli.config import load_from_args
    from lokonb.config import ConfigValidationError, load_yaml
    from lokonb.errors import ConfigError

    try:
        loaded = load_from_args(args, extra_keys=NOTEBOOK_KEYS)
    except ConfigValidationError as exc:
        from lokonb.cli.config import print_issues

        print_issues(sorted(exc.issues, key=lambda i: i.severity != "error"))
        raise ConfigError(f"{args.path}: {sum(1 for i in exc.issues if i.severity == 'error')} validation "
                          "error(s); see above") from None
    config = loaded.config
    for option, value in (("--endpoint", args.endpoint), ("--region", args.region), ("--profile", args.profile),
                          ("--state", args.state)):
        if value is not None and not value.strip():  # '' fell back to the config's value without a word
            raise ConfigError(f"{option} {value!r} is empty (allowed: leave the option out to use the config's "
                              f"value{', or embedded or an http(s) URL' if option == '--endpoint' else ''})")
    if args.endpoint or args.region or args.profile:
        data = config.to_dict()
        aws = dict(data.get("aws") or {})
        if args.endpoint:
            aws["endpoint"] = None if args.endpoint in ("aws", "none", "real") else args.endpoint
            if aws["endpoint"] == "embedded":
                aws.pop("waiter_scale", None)
        if args.region:
            aws["region"] = args.region
            data["region"] = args.region
        if args.profile:
            aws["profile"] = args.profile
        data["aws"] = aws
        config = load_yaml(data)
    if config.aws.endpoint == "embedded" and (config.aws.profile or config.aws.shared_credentials_file):
        # the embedded AWS takes its own test keys: a profile given here would otherwise be dropped without a word
        what = (f"profile {config.aws.profile!r}" if config.aws.profile
                else f"credentials file {config.aws.shared_credentials_file}")
        print(f"note: the embedded AWS uses its own test credentials; {what} is not used (it is for real AWS or "
              "an endpoint URL)", file=sys.stderr)
    return config


def _no_traceback(record: logging.LogRecord) -> bool:
    """botocore logs failed credential refreshes (SSO, credential_process) with a traceback; the translated error
    follows anyway, so stderr keeps the one line (tracebacks only with --debug, aws.md §10)."""
    record.exc_info = record.exc_text = None
    return True


def _setup_logging(args: argparse.Namespace) -> None:
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")
    if not getattr(args, "debug", False):
        for handler in logging.getLogger().handlers:
            handler.addFilter(_no_traceback)


def _node_configs(args: argparse.Namespace) -> Any:
    return None if args.node_configs == "render" else "minimal"


def _handler(name: str):
    def run(args: argparse.Namespace) -> int:
        _setup_logging(args)
        config = _load(args)
        return {"plan": _plan, "apply": _apply, "destroy": _destroy}[name](args, config)

    return run


def _print_plan(args: argparse.Namespace, plan: Any, extra: dict | None = None) -> None:
    if args.json:
        out: Any = plan.to_json()
        if extra is not None:
            out = {"plan": out, **extra}
        print(json.dumps(out, indent=1, default=str))
    else:
        print(plan.text())


def _plan(args: argparse.Namespace, config: Any) -> int:
    from lokonb.aws import api

    if args.confirm:  # accepted (the contract gives every action the same options) but never silently
        print("note: plan only reads; --confirm has no effect here (it is for apply and destroy)", file=sys.stderr)
    p = api.plan(config, node_configs=_node_configs(args), state_path=args.state, upgrade_os=args.upgrade_os)
    _print_plan(args, p)
    return 0


def _apply(args: argparse.Namespace, config: Any) -> int:
    from lokonb.aws import api

    if not args.confirm:
        # the preview takes apply's options: --replace shows its replacements, unknown pools and keys are errors
        if args.roll_pool:
            from lokonb.aws.roll import check_pools

            check_pools(config, args.roll_pool)
        p = api.plan(config, node_configs=_node_configs(args), state_path=args.state, upgrade_os=args.upgrade_os,
                     replace=args.replace)
        _print_plan(args, p)
        then = [f"an instance refresh of worker_pool[{pool!r}]" for pool in args.roll_pool]
        then += ["a wait until every node is Ready"] if args.wait else []
        if not p.is_empty:
            print("nothing applied: re-run with --confirm to make these changes"
                  + (f", then {' and '.join(then)}" if then else ""), file=sys.stderr)
        elif then:
            print(f"nothing to change; re-run with --confirm for {' and '.join(then)}", file=sys.stderr)
        return 0
    progress = not args.json and sys.stderr.isatty()
    res = api.apply(config, node_configs=_node_configs(args), state_path=args.state, progress=progress,
                    allow_replace=args.allow_replace, config_path=args.path, replace=args.replace,
                    upgrade_os=args.upgrade_os, roll_pools=args.roll_pool)
    if args.json:
        print(json.dumps({"plan": res.plan.to_json(), "result": json.loads(res.result_df.to_json(orient="records")),
                          "endpoint": res.endpoint, "kubeconfig": res.kubeconfig_path, "notes": res.notes,
                          "timings": res.timings}, indent=1, default=str))
    else:
        print(res.plan.text())
        print(res.summary)
        for n in res.notes:
            print(f"note: {n}")
    if args.wait:
        from lokonb.aws.nodes import wait_for_nodes

        st = wait_for_nodes(res)
        print(st.message)
        if len(st.df) and not args.json:
            print(st.df.to_string(index=False))
    return 0


def _destroy(args: argparse.Namespace, config: Any) -> int:
    from lokonb.aws import api

    confirm = args.confirm
    if not confirm and sys.stdin.isatty() and not args.json:
        p = api.destroy_plan(config)
        print(p.text())
        if not p.actions:
            confirm = True  # nothing to delete: report "does not exist" below
        else:
            answer = input(f"Type yes to destroy cluster {config.cluster_name}: ")
            confirm = answer.strip() == "yes"
    progress = not args.json and sys.stderr.isatty()
    res = api.destroy(config, confirm=confirm, state_path=args.state, progress=progress, config_path=args.path)
    if args.json:
        print(json.dumps({"message": res.message, "result": json.loads(res.result_df.to_json(orient="records")),
                          "left_in_place": res.left_in_place, "timings": res.timings}, indent=1, default=str))
    else:
        print(res.message)
        for x in res.left_in_place:
            print(f"left in place: {x['type']} {x['id']}: {x['why']}")
    return 0


def _unlock(args: argparse.Namespace) -> int:
    import re
    from pathlib import Path

    from lokonb.aws import api, state

    _setup_logging(args)
    if not Path(args.path).exists() and re.fullmatch(r"[a-z]([-a-z0-9]*[a-z0-9])?", args.path):
        # a cluster name (as printed by a refused run without a config file): local state by Lokomotive's layout
        path = Path(args.state) if args.state else Path("lokonb-assets") / args.path / "lokonb-state.json"
        held = state.LocalState(args.path, path).break_lock(args.lock_id)
        name = args.path
    else:
        config = _load(args)
        held = api.break_lock(config, args.lock_id, state_path=args.state)
        name = config.cluster_name
    if held.get("unreadable"):
        print(f"broke the unreadable lock of cluster {name} ({held['unreadable']})")
    else:
        print(f"broke the lock of cluster {name}: {held.get('operation')} by {held.get('who')} "
              f"(pid {held.get('pid')}) since {held.get('created_at')}, lock id {held.get('lock_id')}")
    return 0


def _init_backend(args: argparse.Namespace) -> int:
    from lokonb.aws import state
    from lokonb.aws.session import open_aws

    _setup_logging(args)
    config = _load(args)
    with open_aws(config) as aws:
        done = state.init_backend(config, aws)
    print("; ".join(done) if done else "state backend already in place (or local backend: nothing to create)")
    return 0
