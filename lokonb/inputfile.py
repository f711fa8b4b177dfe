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


#: Byte order marks of the wide Unicode encodings (UTF-32 first: its LE mark starts with UTF-16 LE's), and
#: where a NUL falls in each unit of ASCII text in that encoding.
_WIDE = ((b"\xff\xfe\x00\x00", "UTF-32 LE", 4, (1, 2, 3)), (b"\x00\x00\xfe\xff", "UTF-32 BE", 4, (0, 1, 2)),
         (b"\xff\xfe", "UTF-16 LE", 2, (1,)), (b"\xfe\xff", "UTF-16 BE", 2, (0,)))


def wide_encoding(data: bytes) -> str | None:
    """The UTF-16/UTF-32 encoding ``data`` is written in, judged by its NUL bytes (mostly ASCII text has a NUL in
    the same places of every unit), with or without a byte order mark; ``None`` for anything else. Windows editors
    and PowerShell redirection save such files: read as UTF-8 they failed at byte 0, or (without a mark) with
    "character U+0000 is not allowed"."""
    for bom, name, size, zeros in _WIDE:
        body = data[len(bom):] if data.startswith(bom) else data
        units = [body[i:i + size] for i in range(0, min(len(body), 64 * size) - size + 1, size)]
        if len(units) < 2:
            continue
        ascii_like = sum(all(u[z] == 0 for z in zeros) and any(u) for u in units)
        if ascii_like * 10 >= len(units) * 9:  # a few non-ASCII characters (a comment's é) are allowed
            return name
    return None


def not_utf8(data: bytes, start: int) -> str:
    """Why ``data`` (which failed to decode at byte ``start``, or holds NULs) is no UTF-8 text, for a message."""
    wide = wide_encoding(data)
    if wide:
        return f"not UTF-8 text: the file is {wide} (allowed: UTF-8; save it as UTF-8, e.g. iconv -t UTF-8)"
    return f"not UTF-8 text (byte {start}: {data[start:start + 1]!r})"
