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
from typing import Any

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


class _Stdout:
    """The command's stdout: an error writing it (``> /dev/full``, a full disk, a quota) names ``<stdout>``, so it is
    reported like any file that cannot be written (exit 1) instead of as an internal error."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: Any) -> int:
        try:
            return int(self._stream.write(text))
        except OSError as exc:
            raise self._named(exc) from None

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as exc:
            raise self._named(exc) from None

    @property
    def buffer(self) -> _Stdout:  # binary output (Ignition JSON) goes through the same check
        return _Stdout(self._stream.buffer)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)

    def _named(self, exc: OSError) -> OSError:
        if exc.filename is not None or exc.errno is None:
            return exc
        try:  # what is still buffered cannot be written either: let the interpreter's flush at exit succeed
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())
            os.close(devnull)
        except (OSError, ValueError, AttributeError):
            pass
        return OSError(exc.errno, exc.strerror, "<stdout>")  # EPIPE gives BrokenPipeError again


class _Stderr:
    """The command's stderr, scrubbed: warnings, per-item errors and progress are printed by each command group
    (not only the one error line of :func:`main`), and any of them may quote a value back (an API error body with
    the kubeconfig token, a webhook URL with a password), so every write passes :func:`shown`."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: Any) -> int:
        self._stream.write(shown(text) if isinstance(text, str) else text)
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def shown(message: str) -> str:
    """An error message as printed: a value it quotes back may be a secret given in the wrong place (an access key
    as --credentials, a private key as an SSH key), so it goes through the run scrubber (notebooks.md §7.2)."""
    from lokonb.notebook.redact import default_redactor

    return default_redactor().text(message)  # built once per process (it read the credential files per line)


def _print_traceback(exc: BaseException) -> None:
    """``--debug``: the traceback on stderr (scrubbed there like every other line)."""
    sys.stderr.write("".join(traceback.format_exception(exc)))


def _save_traceback(exc: BaseException) -> str:
    """The traceback in a file; its messages may quote the same values as the error line (a token echoed by an API
    error), so it is scrubbed like stderr."""
    fd, path = tempfile.mkstemp(prefix="lokonb-crash-", suffix=".txt")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(shown("".join(traceback.format_exception(exc))))
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
    real_stdout, real_stderr = sys.stdout, sys.stderr
    sys.stdout = _Stdout(real_stdout)  # type: ignore[assignment]
    sys.stderr = _Stderr(real_stderr)  # type: ignore[assignment]
    try:
        code = int(func(args) or 0)
        sys.stdout.flush()  # a full disk behind `> file` shows here, not as an ignored error at exit (status 120)
        return code
    except LokonbError as exc:
        if args.debug:
            _print_traceback(exc)
        print(f"error: {shown(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt as exc:  # SIGINT; lokonb.aws turns SIGTERM into a subclass with exit_code 143
        code = int(getattr(exc, "exit_code", 130))
        print("terminated" if code == 143 else "interrupted", file=sys.stderr)
        return code
    except BrokenPipeError:
        return 0
    except RuntimeError as exc:
        loop = _symlink_loop(exc)
        if loop is None:
            return _unexpected(args, exc)
        print(f"error: {loop}: Too many levels of symbolic links", file=sys.stderr)  # as open() says it, exit 1
        return 1
    except OSError as exc:
        if exc.filename is None:  # not about a file: an internal error like any other
            return _unexpected(args, exc)
        # a file the command had to read or write (disk full, permissions): its name and the reason, exit 1
        if args.debug:
            _print_traceback(exc)
        print(f"error: {exc.filename}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - the one place unexpected errors become a message
        return _unexpected(args, exc)
    finally:
        if isinstance(sys.stdout, _Stdout):
            sys.stdout = real_stdout
        if isinstance(sys.stderr, _Stderr):
            sys.stderr = real_stderr


def _symlink_loop(exc: RuntimeError) -> str | None:
    """The path of Python 3.11's ``Path.resolve()`` error for a symlink loop (``a -> b -> a``), a RuntimeError
    before 3.13 (python/cpython#109187), or None for any other RuntimeError."""
    import ast

    text = str(exc)
    if not text.startswith(_LOOP):
        return None
    try:
        return str(ast.literal_eval(text[len(_LOOP):]))
    except (ValueError, SyntaxError):
        return text[len(_LOOP):]


_LOOP = "Symlink loop from "


def _unexpected(args: argparse.Namespace, exc: BaseException) -> int:
    """An internal error: its type and message, the traceback saved to a file (printed with ``--debug``)."""
    if args.debug:
        _print_traceback(exc)
        return 70
    path = _save_traceback(exc)
    print(f"internal error: {type(exc).__name__}: {exc} (traceback saved to {path}; "
          "re-run with --debug to show it)", file=sys.stderr)
    return 70


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
