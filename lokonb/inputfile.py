"""Bounded reads of input files (cluster definitions, vars and set files, notebooks, dumps, family tables).

Every such file is read whole before it is parsed. A device that never ends (``/dev/zero``, ``/dev/urandom``) or
a file far larger than any configuration would be read until the process ran out of memory (an internal
``MemoryError``, or the machine swapping): each reader goes through :func:`read_bytes`, which stops after
:data:`MAX_INPUT_BYTES` and raises an ``OSError`` naming the file, so the caller's own "cannot read FILE: why"
message applies. Log files are not read here: ``lokonb logs`` streams them.
"""

from __future__ import annotations

import errno
import os

#: The most read from one input file: far above a kubectl dump of a large cluster, far below a machine's memory.
MAX_INPUT_BYTES = 256 << 20
_PIECE = 1 << 20


def read_bytes(path: str | os.PathLike[str], limit: int = MAX_INPUT_BYTES) -> bytes:
    """The content of ``path`` (a file, a pipe such as ``<(sops -d …)``, ``/dev/null``), at most ``limit`` bytes;
    more is an ``OSError`` (``EFBIG``) with the file name, never a partial read taken as the whole file."""
    # fh.read(limit + 1) allocated limit + 1 bytes up front: 256 MiB for every kubeconfig read (a peak that
    # strict overcommit or a ulimit -v refuses); read in pieces instead
    chunks: list[bytes] = []
    size = 0
    with open(path, "rb") as fh:
        while size <= limit:
            chunk = fh.read(min(_PIECE, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    data = b"".join(chunks)
    if len(data) > limit:
        raise OSError(errno.EFBIG, f"larger than {limit >> 20} MiB, the most lokonb reads from an input file "
                      "(an endless device such as /dev/zero?)", os.fspath(path))
    return data


def read_text(path: str | os.PathLike[str], encoding: str = "utf-8", limit: int = MAX_INPUT_BYTES) -> str:
    """:func:`read_bytes` decoded; a ``UnicodeDecodeError`` is left to the caller, which knows how to name it."""
    return read_bytes(path, limit).decode(encoding)
