"""Output paths given on the command line, checked before the work starts.

A run that renders, analyses or executes for minutes must not fail at its last step because ``--out`` points into a
folder that does not exist or cannot be written: each command checks its output options first, and a bad one is a
:class:`~lokonb.errors.ConfigError` (exit 2) that names the option, the path and the reason.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO

from lokonb.errors import ConfigError


def not_stdout(option: str, target: str | os.PathLike[str] | None, what: str = "a file") -> None:
    """Refuse ``-`` for an option that cannot write to stdout: everywhere else in lokonb ``-`` is stdin/stdout,
    and here it silently became a file or folder named ``-`` in the working directory."""
    if target is not None and os.fspath(target) == "-":
        raise ConfigError(f"{option} -: this option writes {what}, not stdout; give a path "
                          "(./- for one named '-')")


def output_file(option: str, target: str | os.PathLike[str]) -> None:
    """Check that the file ``target`` can be written: its folder exists and is writable, and it is no folder."""
    not_stdout(option, target)
    path = Path(target)
    if path.is_dir():
        raise ConfigError(f"{option}: {target} is a directory; give a file name")
    if path.is_socket() or path.is_block_device():  # a Parquet writer replaced a socket without a word
        raise ConfigError(f"{option}: cannot write {target}: it is a socket or block device; give a file name")
    try:
        folder = path.resolve().parent
    except RuntimeError:  # Path.resolve() on a symlink loop before Python 3.13 (python/cpython#109187)
        raise ConfigError(f"{option}: cannot write {target}: Too many levels of symbolic links") from None
    if not folder.is_dir():
        raise ConfigError(f"{option}: cannot write {target}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise ConfigError(f"{option}: cannot write {target}: the folder {folder} is not writable")


def output_dir(option: str, target: str | os.PathLike[str]) -> None:
    """Create the folder ``target`` with its parents (kept when it exists) and check that it can be written."""
    not_stdout(option, target, "a folder")
    path = Path(target)
    if path.exists() and not path.is_dir():
        raise ConfigError(f"{option}: {target} exists and is not a directory")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"{option}: cannot create the folder {target}: {exc.strerror or exc}") from None
    if not os.access(path, os.W_OK):
        raise ConfigError(f"{option}: cannot write into {target}: the folder is not writable")


@contextlib.contextmanager
def removed_if_unfinished() -> Iterator[Callable[[str | os.PathLike[str]], IO[bytes]]]:
    """Yield an ``open(path, "wb")`` for output files; when the block ends in an error or Ctrl-C, the regular files
    it opened are removed: a 12 MB file left from a 300 MiB `logs sample` looked complete. Pipes and devices
    (``/dev/null``, ``>(gzip …)``) are only written, never removed."""
    opened: list[Path] = []

    def open_output(target: str | os.PathLike[str]) -> IO[bytes]:
        fh = open(target, "wb")  # noqa: SIM115 - the caller closes it; this only records what to remove
        if stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            opened.append(Path(target))
        return fh

    try:
        yield open_output
    except BaseException:
        for path in opened:
            with contextlib.suppress(OSError):
                path.unlink()
        raise


def _same_file(a: Path, b: Path) -> bool:
    if a.resolve() == b.resolve():
        return True
    try:  # hard links, bind mounts, /dev/fd/N: the same file under another name
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def distinct_outputs(outputs: Sequence[tuple[str, str | os.PathLike[str] | None]],
                     inputs: Sequence[str | os.PathLike[str]] = ()) -> None:
    """Refuse (exit 2, nothing written) two output options naming one file, or an output naming an input file:
    the second write would replace the first, or the input would be overwritten by the command's own output."""
    given = [(option, Path(target)) for option, target in outputs if target and str(target) != "-"]
    for i, (option, path) in enumerate(given):
        for other, earlier in given[:i]:
            if _same_file(path, earlier):
                raise ConfigError(f"{option}: {path} is also the {other} file; give each output its own file")
        for source in inputs:
            if source and str(source) != "-" and _same_file(path, Path(source)):
                raise ConfigError(f"{option}: {path} is an input of this command and would be overwritten; "
                                  "give another file name")
