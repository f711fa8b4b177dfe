"""``lokonb metadata``: render, audit and apply the EC2 metadata-access policies.

Contract (other checks rely on it):
  lokonb metadata render [--blocked-cidr CIDR ...] [--allow-namespace NS --allow-selector KEY=VALUE ...
                         --mode open|metadata-only [--include dns [--node-local-dns IP ...]]]
                         [--cluster-config CLUSTER_CONFIG [--vars FILE] [--var NAME=VALUE ...]]
  lokonb metadata audit (--dump PATH | --kubeconfig FILE [--context NAME]) [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``metadata`` command group."""
    group = sub.add_parser(
        "metadata",
        help="EC2 metadata endpoint: render/apply block and allow policies, audit",
        description="Block pod access to the EC2 metadata endpoint (169.254.169.254), allow "
        "it for chosen pods, and audit which pods can reach it and why.",
    )
    cmds = group.add_subparsers(dest="metadata_command", metavar="SUBCOMMAND")

    render = cmds.add_parser("render", help="print the policies as YAML documents")
    _policy_args(render)
    render.set_defaults(func=_render)

    audit = cmds.add_parser("audit", help="which pods can reach 169.254.169.254, and why")
    src = audit.add_mutually_exclusive_group(required=True)
    src.add_argument(
        "--dump",
        metavar="PATH",
        action="append",
        help="manifest dump: YAML/JSON file or directory (kubectl get pods,networkpolicies -A -o "
        "yaml, plus globalnetworkpolicies); repeatable",
    )
    src.add_argument("--kubeconfig", metavar="FILE", help="audit a live cluster through this kubeconfig")
    src.add_argument("--sample", action="store_true", help="audit the sample dump bundled with lokonb")
    audit.add_argument("--context", metavar="NAME", help="kubeconfig context (default: current context)")
    audit.add_argument("--json", action="store_true", help="print a JSON list of pod verdicts")
    _imds_args(audit)
    audit.add_argument(
        "--fail-on-reachable",
        action="store_true",
        help="exit 3 when a pod-network pod can reach the endpoint",
    )
    audit.set_defaults(func=_audit)

    apply = cmds.add_parser("apply", help="create or replace the policies in a cluster (needs --confirm)")
    _policy_args(apply)
    apply.add_argument(
        "--kubeconfig", metavar="FILE", help="kubeconfig (default: $KUBECONFIG, ~/.kube/config)"
    )
    apply.add_argument("--context", metavar="NAME", help="kubeconfig context (default: current context)")
    apply.add_argument(
        "--dry-run", action="store_true", help="server-side dry run (dryRun=All); writes nothing"
    )
    apply.add_argument("--confirm", action="store_true", help="really apply (required unless --dry-run)")
    apply.add_argument(
        "--live-check",
        action="store_true",
        help="after applying, run a short-lived pod in a temporary namespace that tries to reach "
        "the endpoint (needs --confirm; the namespace is always deleted)",
    )
    apply.set_defaults(func=_apply)

    sample = cmds.add_parser("sample-dump", help="write the sample manifest dump lokonb bundles")
    sample.add_argument("path", help="output file (.yaml)")
    sample.set_defaults(func=_sample)

    group.set_defaults(func=lambda args: _usage(group))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _policy_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--blocked-cidr",
        metavar="CIDR",
        action="extend",
        nargs="+",
        dest="blocked_cidrs",
        help="CIDR(s) the block policy denies (repeatable; default 169.254.169.254/32; add "
        "fd00:ec2::254/128 for IPv6 IMDS)",
    )
    p.add_argument("--no-block", action="store_true", help="leave out the block-metadata-access policy")
    p.add_argument("--allow-namespace", metavar="NS", help="namespace of the pods to allow")
    p.add_argument(
        "--allow-selector",
        metavar="KEY=VALUE",
        action="extend",
        nargs="+",
        default=[],
        help="label selector of the pods to allow (repeatable; also 'KEY in (A,B)', 'KEY notin (A)', "
        "KEY, !KEY, or joined by commas as for kubectl -l)",
    )
    p.add_argument(
        "--allow-all-pods",
        action="store_true",
        help="allow every pod of --allow-namespace (an empty podSelector)",
    )
    p.add_argument(
        "--mode",
        choices=("metadata-only", "open"),
        default=None,
        help="metadata-only (default): TCP 80 to 169.254.169.254 only; open: all egress (very open)",
    )
    p.add_argument(
        "--include",
        action="append",
        choices=("dns", "all-but-metadata"),
        default=[],
        help="metadata-only: add the DNS and/or everything-but-metadata egress rules",
    )
    p.add_argument("--name", help="allow policy name (default allow-metadata-<selector>)")
    p.add_argument(
        "--node-local-dns",
        metavar="IP",
        action="extend",
        nargs="+",
        dest="node_local_dns",
        help="with --include dns: NodeLocal DNSCache address(es) the DNS rule also allows (repeatable or "
        "comma-separated, e.g. 169.254.20.10; default: none, or the cluster's node_local_dns_ip when "
        "--cluster-config enables NodeLocal DNS)",
    )
    p.add_argument(
        "--cluster-config",
        metavar="CLUSTER_CONFIG",
        help="cluster definition (YAML parameters or .lokocfg); with enable_node_local_dns its node_local_dns_ip "
        "is the --node-local-dns default",
    )
    p.add_argument("--vars", metavar="FILE", help="lokocfg vars file of a .lokocfg --cluster-config")
    p.add_argument("--var", metavar="NAME=VALUE", action="append", default=[],
                   help="set a lokocfg variable of --cluster-config (repeatable)")


def _imds_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--imds-tokens", choices=("required", "optional"), help="known IMDS HttpTokens setting of every node"
    )
    p.add_argument("--imds-hop-limit", type=int, metavar="N", help="known IMDS hop limit of every node")


def _warn(messages: Any) -> None:
    for message in messages:
        print(f"warning: {message}", file=sys.stderr)


def _node_local_dns(args: argparse.Namespace) -> list[str]:
    """The NodeLocal DNSCache addresses of the allow policy's ``dns`` rule: ``--node-local-dns``, else the
    cluster definition's when it enables NodeLocal DNS, else none (metadata.md §2's rule). A cluster definition
    given is always read, so a broken one is an error rather than silently no default."""
    from lokonb.kube.errors import PolicyInputError
    from lokonb.kube.metadata import dns_cache_addresses, node_local_dns_from_config

    if (args.vars or args.var) and not args.cluster_config:
        raise PolicyInputError("--vars/--var", "only apply to a .lokocfg --cluster-config")
    config = _cluster_config(args) if args.cluster_config else None
    if args.node_local_dns is not None:
        texts = [part.strip() for item in args.node_local_dns for part in item.split(",")]
        addresses = dns_cache_addresses(texts, field_name="--node-local-dns")
        if "dns" not in args.include:
            raise PolicyInputError("--node-local-dns", "only applies with --include dns (the DNS rule it adds "
                                   "the cache addresses to)")
        return addresses
    addresses = list(node_local_dns_from_config(config))
    if addresses and "dns" in args.include:
        print(f"note: the dns rule also allows the NodeLocal DNSCache at {', '.join(addresses)} "
              f"(enable_node_local_dns in {args.cluster_config}; --node-local-dns overrides it)", file=sys.stderr)
    return addresses


def _cluster_config(args: argparse.Namespace) -> Any:
    """The model of ``--cluster-config`` (a provision_cluster parameters file is taken as it is)."""
    from lokonb.cli.cluster import NOTEBOOK_KEYS
    from lokonb.cli.config import load_from_args, print_issues

    source = argparse.Namespace(path=args.cluster_config, vars=args.vars, var=args.var)
    loaded = load_from_args(source, extra_keys=NOTEBOOK_KEYS)
    print_issues(loaded.warnings)
    return loaded.config


def _build(args: argparse.Namespace) -> list[dict[str, Any]]:
    import warnings

    from lokonb.kube.errors import PolicyInputError
    from lokonb.kube.labels import LabelSelector
    from lokonb.kube.metadata import DEFAULT_BLOCKED_CIDRS, allow_metadata_policy, render_block_policy

    objects: list[dict[str, Any]] = []
    wants_allow = bool(args.allow_selector or args.allow_all_pods or args.allow_namespace is not None)
    if not wants_allow and (args.mode or args.include or args.name):
        raise PolicyInputError(
            "--mode/--include/--name",
            "only apply to an allow policy: add --allow-namespace NS and --allow-selector KEY=VALUE",
        )
    if args.no_block and args.blocked_cidrs:
        raise PolicyInputError("--no-block", "cannot be combined with --blocked-cidr")
    node_local_dns = _node_local_dns(args)
    if not args.no_block:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            objects.append(render_block_policy(args.blocked_cidrs or DEFAULT_BLOCKED_CIDRS))
        _warn(str(w.message) for w in caught)
    if wants_allow:
        if not args.allow_selector and not args.allow_all_pods:
            raise PolicyInputError(
                "--allow-selector",
                "give the pods to allow as KEY=VALUE (or --allow-all-pods for every pod of the namespace)",
            )
        if args.allow_selector and args.allow_all_pods:
            raise PolicyInputError("--allow-all-pods", "cannot be combined with --allow-selector")
        selector = LabelSelector.from_strings(args.allow_selector, "--allow-selector")
        if args.allow_namespace is None:
            _warn(
                [
                    "no --allow-namespace: metadata.namespace is left out "
                    "(kubectl applies it to the context's "
                    "namespace)"
                ]
            )
        allow = allow_metadata_policy(
            args.allow_namespace,
            selector,
            mode=args.mode or "metadata-only",
            name=args.name,
            include=args.include,
            node_local_dns=node_local_dns,
        )
        _warn(allow.warnings)
        objects.append(allow.policy)
    if not objects:
        raise PolicyInputError("--no-block", "nothing to render: add --allow-namespace/--allow-selector")
    return objects


def _render(args: argparse.Namespace) -> int:
    from lokonb.kube.metadata import to_yaml

    sys.stdout.write(to_yaml(_build(args)))
    return 0


def _node_imds(args: argparse.Namespace) -> dict[str, Any] | None:
    if args.imds_tokens is None and args.imds_hop_limit is None:
        return None
    hop_limit = 1 if args.imds_hop_limit is None else args.imds_hop_limit  # 0 is a value to check, not unset
    return {"*": {"http_tokens": args.imds_tokens or "required", "hop_limit": hop_limit}}


def _audit(args: argparse.Namespace) -> int:
    from lokonb.kube.audit import audit_metadata_access
    from lokonb.kube.sample import sample_dump_path

    source: Any = sample_dump_path() if args.sample else args.dump
    if args.context and not args.kubeconfig:
        from lokonb.kube.errors import PolicyInputError

        raise PolicyInputError("--context", "only applies with --kubeconfig")
    result = audit_metadata_access(
        source, kubeconfig=args.kubeconfig, context=args.context, node_imds=_node_imds(args)
    )
    summary = result.summary()
    if args.json:
        json.dump(result.records(), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print(
            f"{summary['pods']} pods in {summary['source']}: {summary['reachable']} can reach "
            "169.254.169.254 "
            f"({summary['reachable_pod_network']} pod-network, {summary['reachable_host_network']} "
            f"host-network), {summary['blocked']} blocked; block policy: {summary['block_policy'] or 'none'}"
        )
        print(_text_table(result.records(), ("namespace", "pod", "node", "reachable", "policy", "reason")))
    _warn(summary["notes"])
    if args.fail_on_reachable and summary["reachable_pod_network"]:
        return 3
    return 0


def _text_table(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> str:
    """Left-aligned columns; the last column (the reason) is not padded."""
    cells = [[str(r.get(c, "")) for c in columns] for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    return "\n".join(lines)


def _apply(args: argparse.Namespace) -> int:
    from lokonb.kube.apply import apply_policies, live_check
    from lokonb.kube.client import load_api_client

    if (args.allow_selector or args.allow_all_pods) and not args.allow_namespace:
        from lokonb.kube.errors import PolicyInputError

        raise PolicyInputError("--allow-namespace", "required to apply an allow policy (which namespace?)")
    objects = _build(args)  # bad input fails here, before any connection
    if args.live_check and not args.confirm:
        from lokonb.errors import NotConfirmed

        raise NotConfirmed("--live-check creates a namespace and a pod: add --confirm")
    api = load_api_client(args.kubeconfig, args.context)
    for r in apply_policies(objects, api_client=api, confirm=args.confirm, dry_run=args.dry_run):
        print(f"{r.ref}: {r.action}{' (server-side dry run)' if r.dry_run else ''}")
    if args.live_check and not args.dry_run:
        check = live_check(api, confirm=True)
        print(
            f"live check in {check.namespace}: {check.detail}; namespace "
            f"{'deleted' if check.cleaned_up else 'NOT deleted: delete it by hand'}"
        )
    return 0


def _sample(args: argparse.Namespace) -> int:
    from lokonb.cli.outputs import not_stdout
    from lokonb.kube.sample import write_sample_dump

    not_stdout("PATH", args.path, "the dump to a file (`lokonb metadata audit --sample` reads it directly)")
    path = write_sample_dump(args.path)
    print(f"wrote {path}")
    return 0
