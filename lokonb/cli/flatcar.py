"""``lokonb flatcar``: translate one CLC/Butane document, render a cluster's node configs, diff two
renders."""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "flatcar",
        help="Flatcar node configs: CLC/Butane to Ignition, render, diff",
        description="Flatcar node configs (Container Linux Config and Butane to Ignition).",
    )
    fsub = parser.add_subparsers(dest="flatcar_command", metavar="SUBCOMMAND")
    def usage(_args: argparse.Namespace) -> int:
        parser.print_help(sys.stderr)
        return 2

    parser.set_defaults(func=usage)

    tr = fsub.add_parser(
        "translate",
        help="translate a CLC or Butane document to Ignition JSON (like ct / butane)",
        description="Translate one Container Linux Config (output like `ct -pretty`) or Butane "
        "`variant: flatcar` document (output like `butane --pretty`) to Ignition "
        "JSON on stdout. Reports go to stderr as `error at line L, column C` + "
        "message; exit 1 on any error (or warning with --strict).",
    )
    tr.add_argument("input", nargs="?", metavar="FILE", help="input document (default: stdin)")
    tr.add_argument(
        "--format",
        choices=("clc", "butane", "auto"),
        default="auto",
        help="input format (default: detected; `variant:` means Butane)",
    )
    tr.add_argument(
        "--platform",
        metavar="NAME",
        default=None,
        help="ct platform for dynamic data (ec2, azure, gce, ...; CLC only)",
    )
    tr.add_argument(
        "--files-dir", "-d", metavar="DIR", default=None, help="directory that `local:` paths are relative to"
    )
    tr.add_argument("--strict", action="store_true", help="fail (exit 1) on warnings")
    tr.add_argument("--pretty", "-p", action="store_true", help="indent the JSON output")
    tr.add_argument(
        "--raw-errors",
        action="store_true",
        help="report CLC errors as `error at $.path, line L col C: msg` too (Butane inputs always are)",
    )
    tr.add_argument(
        "-o", "--output", metavar="OUT", default=None, help="write the JSON here instead of stdout"
    )
    tr.set_defaults(func=_translate)

    rd = fsub.add_parser(
        "render",
        help="render every node role's Ignition config of a cluster",
        description="Render the Ignition config of every node role (controller-<i>, "
        "worker-<pool>) of a cluster, validate them and write one <role>.ign per "
        "role plus manifest.json and a size/validation summary.",
    )
    rd.add_argument("cluster_config", metavar="CLUSTER_CONFIG", help="cluster parameters (YAML) or .lokocfg")
    rd.add_argument("--out", required=True, metavar="DIR", help="output directory")
    rd.add_argument(
        "--ignition-version",
        choices=("3.3.0", "3.4.0", "2.3.0"),
        default=None,
        help="Ignition spec of the output (default: the model's ignition_spec, else 3.3.0)",
    )
    rd.add_argument("--no-snippets", action="store_true", help="leave the user's CLC/Butane snippets out")
    rd.add_argument(
        "--external-validate", action="store_true", help="also run ignition-validate on each config (3.x)"
    )
    rd.add_argument("--vars", metavar="FILE", default=None, help="lokocfg.vars for a .lokocfg cluster config")
    rd.set_defaults(func=_render)

    df = fsub.add_parser("diff", help="readable diff of two saved renders (by role, file and unit)")
    df.add_argument("old", metavar="OLD", help="directory of a saved render")
    df.add_argument("new", metavar="NEW", help="directory of a saved render")
    df.set_defaults(func=_diff)


def _translate(args: argparse.Namespace) -> int:
    from lokonb.cli.outputs import distinct_outputs
    from lokonb.flatcar.gojson import to_json
    from lokonb.flatcar.translator import detect_format, translate

    distinct_outputs([("--output", args.output)], [args.input] if args.input else [])
    if args.input in (None, "-"):
        data = sys.stdin.buffer.read()
    else:
        try:
            from lokonb.inputfile import read_bytes

            data = read_bytes(args.input)
        except OSError as exc:
            # an input that cannot be read is an error like any other (exit 1, as ct), not a usage error (2)
            print(f"error: cannot read {args.input}: {exc.strerror}", file=sys.stderr)
            return 1
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        print(f"error: {args.input or 'stdin'} is not UTF-8 text", file=sys.stderr)
        return 1
    from lokonb.flatcar.translator import FormatError

    fmt = args.format
    if fmt == "auto":
        try:
            fmt = detect_format(text)
        except FormatError as exc:
            print(exc.entry.format_raw() if args.raw_errors else exc.entry.format_ct(), file=sys.stderr)
            return 1
    if fmt == "butane" and args.platform:
        print("warning: --platform applies to CLC only; ignored for Butane", file=sys.stderr)
    if fmt == "clc":
        from lokonb.flatcar.clc import translate_clc

        t = translate_clc(text, platform=args.platform, files_dir=args.files_dir, strict=args.strict)
        style = "ct"
    elif fmt == "butane":
        from lokonb.flatcar.butane import translate_butane

        t = translate_butane(text, files_dir=args.files_dir, strict=args.strict)
        style = "butane"
    else:
        t = translate(text, source="ignition", target=_ign_version(text))
        style = "butane"
    # as the reference tools print them: ct's two-line form for CLC, Butane's one-line raw form for Butane/Ignition
    sys.stderr.write(t.format_report("raw" if args.raw_errors or style == "butane" else "ct"))
    if t.config is None:
        if t.note:
            print(t.note, file=sys.stderr)
        return 1
    out = to_json(t.config, style=style, pretty=args.pretty)
    if args.output and args.output != "-":  # -o - is stdout, as the input - is stdin (it wrote a file named -)
        try:
            with open(args.output, "wb") as fh:
                fh.write(out)
        except OSError as exc:
            # like an unreadable input: exit 1, as ct
            print(f"error: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
            return 1
    else:
        sys.stdout.buffer.write(out)
        sys.stdout.flush()
    return 0


def _ign_version(text: str) -> str:
    import json

    version = str(((json.loads(text) or {}).get("ignition") or {}).get("version", "3.3.0"))
    return version if version in ("2.3.0", "3.3.0", "3.4.0") else "3.3.0"


def _render(args: argparse.Namespace) -> int:
    from lokonb.flatcar.cli_support import render_command

    return render_command(args)


def _diff(args: argparse.Namespace) -> int:
    from lokonb.flatcar.diff import diff_renders

    diff = diff_renders(args.old, args.new)
    sys.stdout.write(diff.to_text())
    return 0
