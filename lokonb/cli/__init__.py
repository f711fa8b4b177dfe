"""The ``lokonb`` command: a thin layer over the same library calls the notebooks make.

Each command group lives in its own module of this package (``config``, ``notebook``, ``flatcar``, ``cluster``,
``logs``, ``metadata``, ``assets``) exposing ``register(subparsers)``; handlers import the heavy library code
lazily so that ``lokonb --help`` stays fast. Errors are mapped to exit codes here, in one place:
a :class:`~lokonb.errors.LokonbError` prints its message and exits with its ``exit_code``; an ``OSError`` about a
file prints the file and the reason (exit 1); anything else is an "internal error" whose traceback is saved to a
file (shown directly only with ``--debug``).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import tempfile
import traceback
from collections.abc import Sequence

from lokonb import __version__

#: Command-group modules, in the order they appear in ``lokonb --help``.
COMMAND_MODULES: tuple[str, ...] = ("config", "notebook", "flatcar", "cluster", "logs", "metadata", "assets")


def build_parser() -> argparse.ArgumentParser:
    """Return the top-level parser with every available command group registered."""
    parser = argparse.ArgumentParser(
        prog="lokonb",
        description="Lokomotive-style Kubernetes clusters on AWS with Flatcar Container Linux.",
    )
    parser.add_argument("--version", action="version", version=f"lokonb {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of unexpected errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        module_name = f"{__name__}.{name}"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:  # a command group not built yet is simply absent
            if exc.name != module_name:
                raise
            continue
        module.register(sub)
    return parser


def _save_traceback(exc: BaseException) -> str:
    fd, path = tempfile.mkstemp(prefix="lokonb-crash-", suffix=".txt")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("".join(traceback.format_exception(exc)))
    return path


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``lokonb`` command; returns the process exit code."""
    from lokonb.errors import LokonbError

    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(func(args) or 0)
    except LokonbError as exc:
        if args.debug:
            traceback.print_exc()
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt as exc:  # SIGINT; lokonb.aws turns SIGTERM into a subclass with exit_code 143
        code = int(getattr(exc, "exit_code", 130))
        print("terminated" if code == 143 else "interrupted", file=sys.stderr)
        return code
    except BrokenPipeError:
        return 0
    except OSError as exc:
        if exc.filename is None:  # not about a file: an internal error like any other
            return _unexpected(args, exc)
        # a file the command had to read or write (disk full, permissions): its name and the reason, exit 1
        if args.debug:
            traceback.print_exc()
        print(f"error: {exc.filename}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - the one place unexpected errors become a message
        return _unexpected(args, exc)


def _unexpected(args: argparse.Namespace, exc: BaseException) -> int:
    """An internal error: its type and message, the traceback saved to a file (printed with ``--debug``)."""
    if args.debug:
        traceback.print_exception(exc)
        return 70
    path = _save_traceback(exc)
    print(f"internal error: {type(exc).__name__}: {exc} (traceback saved to {path}; "
          "re-run with --debug to show it)", file=sys.stderr)
    return 70


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
