"""``lokonb assets generate|check``: cluster PKI, kubeconfigs and manifests, and their verification."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from lokonb.cli.outputs import output_dir


def _load_config(args: argparse.Namespace) -> Any:
    """The cluster model, or None after printing one line per validation issue."""
    from lokonb.cli.config import print_issues
    from lokonb.config import ConfigValidationError, load, parse_var_override

    overrides = dict(parse_var_override(v) for v in args.var)
    try:
        loaded = load(args.cluster_config, args.vars, overrides)
    except ConfigValidationError as exc:
        print_issues(sorted(exc.issues, key=lambda i: i.severity != "error"))
        return None
    print_issues(loaded.warnings)
    return loaded.config


def _generate(args: argparse.Namespace) -> int:
    from lokonb.assets import load_or_generate

    config = _load_config(args)
    if config is None:
        return 2
    out = Path(args.out) if args.out else None  # None: the model's asset_dir (what `cluster apply` uses)
    if out is not None:
        output_dir("--out", out)
    assets = load_or_generate(config, out, rotate=args.rotate, rotate_cas=args.rotate_cas)
    r = assets.report
    for name in r.generated:
        print(f"generated {name} ({r.reasons.get(name, 'missing')})")
    for w in r.warnings:
        print(f"warning: {w}", file=sys.stderr)
    print(
        f"{config.cluster_name}: {len(r.generated)} generated, {len(r.reused)} reused; "
        f"{len(r.written)} file(s) written under {assets.root}; manifest list {assets.root / 'assets.json'}"
    )
    return 0


def _check(args: argparse.Namespace) -> int:
    from lokonb.assets.check import check_dir

    config = None
    if args.config:
        args.cluster_config = args.config
        config = _load_config(args)
        if config is None:
            return 2
    result = check_dir(Path(args.dir), config=config)
    for w in result.warnings:
        print(f"warning: {w}", file=sys.stderr)
    for p in result.problems:
        print(f"error: {p}", file=sys.stderr)
    if result.problems:
        print(f"{len(result.problems)} problem(s) in {args.dir}", file=sys.stderr)
        return 1
    print(f"ok: {len(result.checked)} files verified (chains, SANs, expiry, key pairs, kubeconfigs, tokens)")
    return 0


def _config_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--vars", metavar="FILE", help="lokocfg vars file (lokocfg input only)")
    p.add_argument(
        "--var", metavar="NAME=VALUE", action="append", default=[], help="set a lokocfg variable (repeatable)"
    )


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register ``lokonb assets``."""
    parser = sub.add_parser("assets", help="generate or check cluster PKI, kubeconfigs and manifests")
    commands = parser.add_subparsers(dest="assets_command", metavar="COMMAND", required=True)
    gen = commands.add_parser(
        "generate", help="write PKI, kubeconfigs and manifests (reuses existing material)"
    )
    gen.add_argument("cluster_config", metavar="CLUSTER_CONFIG", help="YAML parameters or .lokocfg file/dir")
    gen.add_argument(
        "--out",
        metavar="DIR",
        help="asset directory; files go to DIR/cluster-assets/ (0600). Default: the model's asset_dir",
    )
    gen.add_argument("--rotate", action="store_true", help="re-issue every leaf certificate (CAs kept)")
    gen.add_argument(
        "--rotate-cas",
        action="store_true",
        help="also replace the CAs and the service-account key (every node must get new configs)",
    )
    _config_args(gen)
    gen.set_defaults(func=_generate)
    chk = commands.add_parser(
        "check", help="verify chains, SANs, expiry and key/cert pairs; exit 1 on problems"
    )
    chk.add_argument("dir", metavar="DIR", help="asset directory (or its cluster-assets/ subdirectory)")
    chk.add_argument(
        "--config", metavar="CLUSTER_CONFIG", help="also check the certificates fit this cluster definition"
    )
    _config_args(chk)
    chk.set_defaults(func=_check)
