"""Log sources: resolving paths, globs, directories, stdin and pods into streams of byte blocks (spec logs.md §3).

A :class:`Source` yields blocks of complete lines (``\\n``-terminated, CRLF normalised, over-long lines cut at
``max_line_bytes``); gzip is recognised by its magic bytes; errors (permission denied, corrupt gzip) are recorded
on the source, never raised, so the other sources continue (ROB-1).
"""

from __future__ import annotations

import codecs
import datetime as dt
import fnmatch
import glob
import gzip
import io
import os
import re
import stat
import sys
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from lokonb.logs.errors import LogParameterError

BLOCK_BYTES = 8 << 20
PODS_RE = re.compile(
    r"(?:^|/)(?P<namespace>[^/_]+)_(?P<pod>[^/_]+)_(?P<uid>[^/_]+)/(?P<container>[^/]+)/"
    r"(?P<restart>\d+)\.log(?:\.(?P<rotation>\d{8}-\d{6}))?(?:\.gz)?$"
)
#: the kubelet's layouts before 1.14: ``pods/<uid>/<container>/<n>.log`` (1.10-1.13) and
#: ``pods/<uid>/<container>_<n>.log`` (before 1.10): the container and restart (the namespace and pod are only in the
#: /var/log/containers link's name; the uid groups the files of one pod)
PODS_OLD_RE = re.compile(
    r"(?:^|/)pods/(?P<uid>[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12})/(?P<container>[^/]+?)"
    r"(?:/|_)(?P<restart>\d+)\.log(?:\.(?P<rotation>\d{8}-\d{6}))?(?:\.gz)?$"
)
CONTAINERS_RE = re.compile(
    r"(?:^|/)(?P<pod>[^/_]+)_(?P<namespace>[^/_]+)_(?P<container>.+)-(?P<id>[0-9a-f]{12,64})"
    r"\.log(?:\.gz)?$"
)
#: the trees of support bundles that name the namespace, pod and container of each log (IN-2): a sonobuoy result
#: (``podlogs/<namespace>/<pod>/logs/<container>.txt``) and an OpenShift must-gather or ``oc adm inspect``
#: (``namespaces/<namespace>/pods/<pod>/<container>/<container>/logs/{current,previous}.log``)
BUNDLE_LAYOUTS = (
    re.compile(r"(?:^|/)podlogs/(?P<namespace>[^/]+)/(?P<pod>[^/]+)/logs/(?P<container>[^/]+)\.txt$"),
    re.compile(
        r"(?:^|/)namespaces/(?P<namespace>[^/]+)/pods/(?P<pod>[^/]+)/(?P<container>[^/]+)/(?P=container)/logs/"
        r"(?:current|previous)\.log$"
    ),
)
ROTATION_RE = re.compile(r"(\d{8})-(\d{6})")
#: logrotate's names for a rotated ``/var/log/kube-apiserver.log`` (kubeadm/kops/kube-up hosts): ``.log.1``,
#: ``.log.2.gz`` (the higher the older) or, with ``dateext``, ``.log-20240101[.gz]`` (the day it was rotated)
LOGROTATE_RE = re.compile(r"\.log(?:\.(?P<n>\d{1,4})|-(?P<date>\d{8}))(?:\.gz)?$")
#: the previous container instance saved next to the current one: must-gather's ``logs/previous.log`` beside
#: ``logs/current.log``, collectors' ``<pod>-previous[.log]`` beside ``<pod>[.log]``: read first
PREVIOUS_RE = re.compile(r"(?:^|[-_.])previous(?=(?:\.log|\.txt)?$)")
#: a klog/glog ``--log-dir`` file: ``<program>.<host>.<user>.log.<SEVERITY>.<yyyymmdd-hhmmss>.<pid>``; its time is
#: when the file was created (the first record's time, a start anchor), the ``INFO`` file holds every record and the
#: ``WARNING``/``ERROR``/``FATAL`` files copies of the more severe ones
GLOG_NAME_RE = re.compile(
    r"^(?P<program>[^.]+)\.(?P<host>.+)\.(?P<user>[^.]+)\.log\.(?P<severity>INFO|WARNING|ERROR|FATAL)\."
    r"(?P<time>\d{8}-\d{6})\.(?P<pid>\d+)(?:\.gz)?$"
)


@dataclass
class Source:
    """One input stream."""

    name: str
    kind: str  # file, gz, stdin, pod, sample
    path: Path | None = None
    opener: Callable[[], IO[bytes]] | None = None
    node: str | None = None
    namespace: str | None = None
    pod: str | None = None
    container: str | None = None
    restart: int | None = None
    instance: str | None = None
    anchor_ns: int | None = None  # end anchor for year inference (TIME-4)
    anchor_start: bool = False  # anchor_ns is the first record's time (a klog log file's name), not an end anchor
    year_source: str | None = None
    error: str | None = None
    notes: list[str] = field(default_factory=list)
    bytes_read: int = 0
    truncated_lines: int = 0
    sort_key: tuple[Any, ...] = ()
    #: the file after this one in the same container instance (IN-3: a rotation), read next: a CRI partial line at
    #: this file's end may end in that file's first lines (:func:`link_rotations`)
    next_part: Source | None = None
    #: lines at this file's start that ended a CRI partial line of the file before it and were joined there
    joined_head: int = 0
    #: why the source's last line is cut short by its producer (``limit_bytes`` of a pod-log request), else None
    cut_at_end: str | None = None

    def blocks(
        self,
        block_bytes: int | None = None,
        max_line_bytes: int = 1 << 20,
        chunks: tuple[int, int | None] | None = None,
    ) -> Iterator[tuple[bytes, list[int]]]:
        """Yield (block of complete lines, 0-based indexes of lines cut at ``max_line_bytes`` in it).

        ``chunks=(first, end)`` (plain files only) yields exactly the blocks that a full read yields for the
        ``block_bytes`` chunks ``first`` to ``end - 1`` (``end=None``: to the end) of the file, for byte-range
        workers: the partial line before chunk ``first`` is taken from the previous chunk (which must hold a
        newline) and the partial line after chunk ``end - 1`` is left to the next range.
        """
        if self.opener is None:
            return
        if block_bytes is None:
            block_bytes = BLOCK_BYTES  # looked up at call time: byte-range workers cut at the same size
        try:
            fh = self.opener()
        except OSError as exc:
            self.error = f"cannot open: {exc.strerror or exc}"
            return
        carry = b""
        cr_ends: bool | None = None  # the source's lines end with a CR alone (ROB-1)
        skipping = False
        cut_pending = False
        left = None
        at_start = chunks is None or chunks[0] == 0
        if chunks is not None:
            first, end = chunks
            left = None if end is None else end - first
            if first > 0:
                fh.seek((first - 1) * block_bytes)
                prev = fh.read(block_bytes)
                nl = prev.rfind(b"\n")
                if nl < 0:
                    fh.close()
                    raise ValueError(f"chunk {first - 1} holds no line end")
                carry = prev[nl + 1 :]
        # a log still being written is read to its size at open (a snapshot; lines appended later are not chased,
        # so the read ends and byte-range workers agree); 0 is no size (/proc and similar files)
        size_at_open = None
        if self.kind == "file" and isinstance(fh, io.BufferedReader):
            try:
                size_at_open = os.fstat(fh.fileno()).st_size or None
            except OSError:
                size_at_open = None
        try:
            with fh:
                failed = False
                while not failed:
                    if left is not None:
                        if left == 0:
                            return  # the rest of the last line belongs to the next range
                        left -= 1
                    # gzip is read in small steps so that the data before a corrupt spot is kept
                    step = block_bytes if self.kind != "gz" else min(block_bytes, 1 << 16)
                    reader = fh.read1 if self.kind == "gz" and hasattr(fh, "read1") else fh.read
                    parts, got = [], 0
                    while got < block_bytes:
                        n = step if size_at_open is None else min(step, size_at_open - fh.tell())
                        try:
                            chunk = reader(n) if n > 0 else b""
                        except (EOFError, OSError, zlib.error, gzip.BadGzipFile) as exc:
                            self.bytes_read += got
                            self.error = _gzip_error(self, exc)
                            self.bytes_read -= got
                            failed = True
                            break
                        if not chunk:
                            break
                        parts.append(chunk)
                        got += len(chunk)
                        if self.kind != "gz":
                            break
                    data = b"".join(parts)
                    if not data:
                        break
                    self.bytes_read += len(data)
                    if cr_ends is None:
                        # decided on the first data read (a whole block): CRs and not one LF is an old Mac OS text
                        cr_ends = b"\r" in data and b"\n" not in data and at_start
                        if cr_ends:
                            self.notes.append("line ends are carriage returns (CR, no LF): each CR ends a line")
                    if cr_ends:
                        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
                    if skipping:
                        nl = data.find(b"\n")
                        if nl < 0:
                            continue
                        data = data[nl:]
                        skipping = False
                    last = data.rfind(b"\n")
                    if last < 0:
                        carry += data
                        if len(carry) > max_line_bytes:
                            carry = carry[:max_line_bytes]
                            skipping = True
                            cut_pending = True
                        continue
                    block = carry + data[: last + 1]
                    carry = data[last + 1 :]
                    if at_start:
                        # a UTF-8 byte order mark (Windows editors, PowerShell 7) is not part of the first line
                        block = block[3:] if block[:3] == UTF8_BOM else block
                        at_start = False
                    cut = []
                    if cut_pending:
                        cut = [0]
                        cut_pending = False
                    self.truncated_lines += len(set(cut))
                    yield _crlf(block), sorted(set(cut))
                if size_at_open is not None and (left is None or left > 0):
                    grown = os.fstat(fh.fileno()).st_size - size_at_open
                    if grown > 0:
                        self.notes.append(f"grew by {grown} bytes while read: read up to its size when opened")
        except OSError as exc:
            self.error = f"read error: {exc.strerror or exc}"
        if carry:
            cut = [0] if cut_pending else []
            self.truncated_lines += len(cut)
            if at_start and carry[:3] == UTF8_BOM:
                carry = carry[3:]
            yield _crlf(carry + b"\n"), cut


#: CR CR LF: a CRLF line written again through a Windows text-mode stream; every CR before the LF is the line
#: end's, none is text (one pass: a binary line of many CRs must not cost a pass per CR)
_CRS_LF_RE = re.compile(rb"\r+\n")


def _crlf(block: bytes) -> bytes:
    if b"\r" not in block:
        return block
    block = block.replace(b"\r\n", b"\n")
    if b"\r\n" in block:
        block = _CRS_LF_RE.sub(b"\n", block)
    return block


def _gzip_error(src: Source, exc: BaseException) -> str:
    what = "gzip stream truncated" if isinstance(exc, EOFError) else f"corrupt gzip data ({exc})"
    if src.kind != "gz":
        what = f"read error ({exc})"
    # every place that shows a source's error names the source already (sources table, warnings, exit message)
    return f"{what} after {src.bytes_read} uncompressed bytes"


def _open_file(path: Path) -> IO[bytes]:
    fh = open(path, "rb")  # noqa: SIM115 - returned to the caller, closed by Source.blocks
    head = fh.peek(2)[:2] if hasattr(fh, "peek") else b""
    if head == b"\x1f\x8b":
        gz = gzip.GzipFile(fileobj=fh, mode="rb")
        try:
            utf16 = gz.peek(2)[:2] in UTF16_BOMS
        except (OSError, EOFError, zlib.error):
            return gz  # type: ignore[return-value]  # corrupt: the read reports it (ROB-1), with what came before
        return _Utf16Reader(gz) if utf16 else gz  # type: ignore[return-value]
    if head in UTF16_BOMS:
        return _Utf16Reader(fh)  # type: ignore[return-value]
    return fh


#: byte order marks of UTF-16 text (Windows PowerShell 5 writes `kubectl logs … > file` as UTF-16LE)
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
UTF8_BOM = b"\xef\xbb\xbf"


class _Utf16Reader(io.RawIOBase):
    """A UTF-16 file (with its byte order mark) read as UTF-8 bytes, decoded as it streams."""

    def __init__(self, fh: IO[bytes]) -> None:
        super().__init__()
        self._fh = fh
        self._dec = codecs.getincrementaldecoder("utf-16")("replace")
        self._buf = bytearray()  # appended in place: a block of many MiB is built in linear time

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        want = 1 << 62 if size is None or size < 0 else max(size, 1)
        while len(self._buf) < want:
            raw = self._fh.read(1 << 20)
            self._buf += self._dec.decode(raw, final=not raw).encode("utf-8", "surrogateescape")
            if not raw:
                break
        out = bytes(self._buf[:want])
        del self._buf[:want]
        return out

    def close(self) -> None:
        self._fh.close()
        super().close()


def _head(path: Path, n: int) -> bytes:
    """The first ``n`` bytes of a file, decompressed when it is gzip."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(n)
            if head[:2] == b"\x1f\x8b":
                fh.seek(0)
                with gzip.GzipFile(fileobj=fh, mode="rb") as gz:
                    head = gz.read(n)
            return head
    except (OSError, EOFError, zlib.error):
        return b""


#: archives by their magic bytes (a gzip-compressed one after decompression): (what it is, test on the head)
ARCHIVES = (
    ("a zip archive", lambda h: h[:4] in (b"PK\x03\x04", b"PK\x05\x06")),
    ("a tar archive", lambda h: h[257:262] == b"ustar"),
    ("a 7-Zip archive", lambda h: h[:6] == b"7z\xbc\xaf\x27\x1c"),
)


def archive_kind(head: bytes) -> str | None:
    """What archive the first 262 bytes of a file say it is (``a tar archive``), else None."""
    return next((name for name, test in ARCHIVES if test(head)), None)


def _gzip_mtime(path: Path) -> int | None:
    try:
        with open(path, "rb") as fh:
            head = fh.read(10)
    except OSError:
        return None
    if head[:2] != b"\x1f\x8b" or len(head) < 8:
        return None
    mtime = int.from_bytes(head[4:8], "little")
    return mtime or None


def file_source(path: Path, name: str | None = None, node: str | None = None) -> Source:
    """A :class:`Source` for one file, with path metadata (IN-2) and its year anchor (TIME-4)."""
    text = str(path)
    src = Source(name=name or text, kind="file", path=path, opener=lambda: _open_file(path), node=node)
    try:
        with open(path, "rb") as fh:
            if fh.read(2) == b"\x1f\x8b":
                src.kind = "gz"
    except OSError as exc:
        src.error = f"cannot open: {exc.strerror or exc}"
        src.opener = None
    archive = archive_kind(_head(path, 262)) if src.opener is not None else None
    if archive is not None:
        # a support bundle given whole: its members' lines would be read as one binary log
        src.error = f"{archive}: lokonb reads log files, not archives: unpack it and give the directory"
        src.opener = None
    m = PODS_RE.search(text.replace(os.sep, "/"))
    rotation = uid = None
    if m:
        src.namespace, src.pod, src.container = m.group("namespace"), m.group("pod"), m.group("container")
        src.restart = int(m.group("restart"))
        rotation = m.group("rotation")
    elif m := PODS_OLD_RE.search(text.replace(os.sep, "/")):
        src.container, src.restart = m.group("container"), int(m.group("restart"))
        rotation, uid = m.group("rotation"), m.group("uid")
    else:
        posix = text.replace(os.sep, "/")
        for rx in (CONTAINERS_RE, *BUNDLE_LAYOUTS):
            m2 = rx.search(posix)
            if m2:
                src.namespace, src.pod, src.container = m2.group("namespace"), m2.group("pod"), m2.group("container")
                break
    # year anchor: rotation date in the name, gzip header MTIME, file mtime
    rm = ROTATION_RE.search(path.name)
    glog = GLOG_NAME_RE.match(Path(os.path.realpath(path)).name) or GLOG_NAME_RE.match(path.name)
    if glog:
        rm = ROTATION_RE.search(glog.group("time"))
    if rm:
        try:
            t = dt.datetime.strptime(rm.group(1) + rm.group(2), "%Y%m%d%H%M%S").replace(tzinfo=dt.UTC)
            src.anchor_ns, src.year_source = int(t.timestamp()) * 10**9, "filename"
            src.anchor_start = glog is not None
        except ValueError:
            pass
    lr = LOGROTATE_RE.search(path.name) if not m else None
    if lr and lr.group("date") and src.anchor_ns is None:
        # rotated on that day: its records end by then (a copy's mtime says nothing)
        try:
            t = dt.datetime.strptime(lr.group("date"), "%Y%m%d").replace(tzinfo=dt.UTC) + dt.timedelta(days=1)
            src.anchor_ns, src.year_source = int(t.timestamp()) * 10**9, "filename"
        except ValueError:
            pass
    if lr:
        # oldest first: .log.3.gz, .log.2.gz, .log.1, .log (or the dateext days in order), then by mtime
        rotation = f"n{9999 - int(lr.group('n')):04d}" if lr.group("n") else f"d{lr.group('date')}"
    base = text[: len(text) - len(lr.group(0))] + ".log" if lr else text
    prev = PREVIOUS_RE.search(path.name) if not m else None
    if prev:
        rotation = "p"
        base = text[: len(text) - len(path.name)] + (path.name[: prev.start()] or "current") + path.name[prev.end() :]
    if src.anchor_ns is None and src.kind == "gz":
        gm = _gzip_mtime(path)
        if gm:
            src.anchor_ns, src.year_source = gm * 10**9, "gzip-mtime"
    if _head(path, 2) in UTF16_BOMS:
        src.notes.append("UTF-16 text (a Windows PowerShell redirection?) read as UTF-8")
    st_mtime = None
    try:
        st_mtime = path.stat().st_mtime
    except OSError:
        pass
    if src.anchor_ns is None and st_mtime is not None:
        src.anchor_ns, src.year_source = int(st_mtime * 1e9), "mtime"
    src.sort_key = (
        src.namespace or "",
        src.pod or uid or "",
        src.container or base,
        src.restart or 0,
        0 if rotation else 1,
        rotation or "",
        st_mtime or 0.0,
        text,
    )
    return src


def stdin_source(stream: IO[bytes] | None = None) -> Source:
    """stdin as one streamed source named ``stdin`` (year: collection time, with a warning)."""
    raw = stream if stream is not None else sys.stdin.buffer

    def opener() -> IO[bytes]:
        head = raw.peek(2)[:2] if hasattr(raw, "peek") else b""
        if head == b"\x1f\x8b":
            return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
        return _NoClose(raw)

    now = int(dt.datetime.now(dt.UTC).timestamp() * 1e9)
    return Source(name="stdin", kind="stdin", opener=opener, anchor_ns=now, year_source="assumed-now")


def _is_pipe(path: Path) -> bool:
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISCHR(mode) or stat.S_ISSOCK(mode)


def pipe_source(path: Path, name: str | None = None, node: str | None = None) -> Source:
    """A named pipe or process substitution (``<(kubectl logs …)``): one streamed source, gzip and UTF-16 detected
    from a peek like a file, year as for stdin (collection time, with a warning)."""
    now = int(dt.datetime.now(dt.UTC).timestamp() * 1e9)
    return Source(
        name=name or str(path), kind="pipe", opener=lambda: _open_file(path), node=node, anchor_ns=now,
        year_source="assumed-now",
    )


def bytes_source(
    name: str,
    data: bytes,
    *,
    kind: str = "sample",
    anchor_ns: int | None = None,
    year_source: str = "collection-time",
    **meta: Any,
) -> Source:
    """An in-memory source (samples, pod logs already fetched, tests)."""
    return Source(
        name=name,
        kind=kind,
        opener=lambda: _open_bytes(data),
        anchor_ns=anchor_ns,
        year_source=year_source,
        **meta,
    )


def _open_bytes(data: bytes) -> IO[bytes]:
    if data[:2] == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=io.BytesIO(data), mode="rb")  # type: ignore[return-value]
    return io.BytesIO(data)


class _NoClose(io.RawIOBase):
    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw

    def read(self, n: int = -1) -> bytes:  # type: ignore[override]
        return self.raw.read(n)

    def readable(self) -> bool:
        return True

    def close(self) -> None:  # stdin stays open
        pass


def _walk(root: Path, warnings: list[str]) -> list[Path]:
    """Recursive walk following symlinks, each real file once, loops reported once (IN-2)."""
    out: list[Path] = []
    seen_dirs: set[str] = set()
    seen_files: set[str] = set()
    stack = [root]
    while stack:
        d = stack.pop()
        try:
            real = os.path.realpath(d)
        except OSError:
            continue
        if real in seen_dirs:
            warnings.append(f"{d}: directory already visited (symlink loop or duplicate link), skipped")
            continue
        seen_dirs.add(real)
        try:
            entries = sorted(os.scandir(d), key=lambda e: e.name)
        except OSError as exc:
            warnings.append(f"{d}: cannot list directory: {exc.strerror or exc}")
            continue
        for e in entries:
            p = Path(e.path)
            try:
                if e.is_dir(follow_symlinks=True):
                    stack.append(p)
                elif e.is_file(follow_symlinks=True):
                    rp = os.path.realpath(p)
                    if rp not in seen_files:
                        seen_files.add(rp)
                        out.append(p)
                elif e.is_symlink() and not p.exists():
                    warnings.append(f"{p}: broken symlink, skipped")
                else:
                    # a named pipe, socket or device in a copied tree: never opened (it could block), but said
                    warnings.append(f"{p}: not a regular file, skipped")
            except OSError as exc:
                warnings.append(f"{p}: {exc.strerror or exc}")
    return out


def resolve(
    inputs: Iterable[Any],
    *,
    include: Iterable[str] | None = ("*kube-apiserver*",),
    warnings: list[str] | None = None,
    stdin: IO[bytes] | None = None,
) -> list[Source]:
    """Turn paths, globs, directories, ``-``, ``NAME=PATH`` and ``(name, path)`` into ordered sources (IN-1..3)."""

    warnings = warnings if warnings is not None else []
    sources: list[Source] = []
    seen: set[str] = set()
    for item in inputs:
        node = None
        if isinstance(item, Source):
            sources.append(item)
            continue
        if isinstance(item, tuple):
            node, item = item
        text = str(item)
        if text == "-":
            sources.append(stdin_source(stdin))
            continue
        if isinstance(item, str) and "=" in text and not Path(text).exists():
            node, text = text.split("=", 1)
        p = Path(text)
        if p.is_dir():
            group = [file_source(f, node=node) for f in _included(_walk(p, warnings), text, include, warnings)]
            if not group:
                sources.append(
                    Source(name=text, kind="file", node=node, error="directory holds no readable file")
                )
                continue
        elif any(ch in text for ch in "*?["):
            # a matched directory is walked, as after the shell's expansion (`kube-system_kube-apiserver-*/`)
            matches = sorted(glob.glob(text, recursive=True))
            walked = [f for m in matches if Path(m).is_dir() for f in _walk(Path(m), warnings)]
            files = [Path(m) for m in matches if Path(m).is_file()]
            files += _included(walked, text, include, warnings)  # as one walk: the filter is over all of them
            if not files:
                src = Source(name=text, kind="file", node=node, error="glob matched no file")
                sources.append(src)
                continue
            group = [file_source(f, node=node) for f in files]
        elif _is_pipe(p):
            # a named pipe, `<(zcat …)` (/dev/fd/N) or a terminal: streamed once like stdin (IN-4), never stat-ed
            # for a size or opened twice (the first open would consume the data)
            sources.append(pipe_source(p, name=text, node=node))
            continue
        else:
            src = file_source(p, name=text, node=node)
            real = os.path.realpath(p)
            if p.exists() and real in seen:
                warnings.append(f"{text}: already read through another argument, skipped")
                continue
            seen.add(real)
            if not p.exists():
                src.error, src.opener = "no such file", None
            elif p.is_dir() is False and not p.is_file():
                src.error, src.opener = "not a regular file", None
            sources.append(src)
            continue
        group.sort(key=lambda s: s.sort_key)
        for s in _copies(group, warnings):
            rp = os.path.realpath(s.path) if s.path else s.name
            if rp in seen:
                continue
            seen.add(rp)
            sources.append(s)
    link_rotations(sources)
    return sources


def _included(files: list[Path], text: str, include: Any, warnings: list[str]) -> list[Path]:
    """The files of a directory walk (IN-2) kept by the ``include`` patterns (all of them, with a warning, when
    none matches)."""
    inc = list(include) if include is not None else None
    chosen = files if inc is None else [f for f in files if any(fnmatch.fnmatch(str(f), g) for g in inc)]
    if inc is not None and files and not chosen:
        warnings.append(f"{text}: no file matches {', '.join(inc)}; reading all {len(files)} files")
        chosen = files
    return chosen


def _instance(src: Source) -> tuple[Any, ...] | None:
    """The container instance of a kubelet log file (``…/<ns>_<pod>_<uid>/<container>/<n>.log[.<rotation>][.gz]``
    and the pre-1.14 layouts), None for other sources: files of one instance are one stream (IN-3, IN-6)."""
    if src.path is None or src.restart is None or src.container is None or src.kind not in ("file", "gz"):
        return None
    return (str(src.path.parent), src.node, *src.sort_key[:4])


def link_rotations(sources: list[Source]) -> None:
    """Chain each kubelet log file to the next file of the same container instance when they follow each other in
    reading order (rotated files oldest first, then ``<n>.log``): the kubelet renames ``<n>.log`` and has the
    runtime reopen it between two writes, so containerd's ``P`` fragments of one line can end in the next file."""
    for a, b in zip(sources, sources[1:], strict=False):
        key = _instance(a)
        if key is not None and key == _instance(b) and a.sort_key < b.sort_key:
            a.next_part = b


def head_lines(src: Source, limit: int) -> list[bytes]:
    """The complete lines (without their ``\n`` and a ``\r`` before it) in the first ``limit`` bytes of ``src``, read
    apart from its own read (its counters and error stay untouched); [] when it cannot be read."""
    if src.opener is None:
        return []
    try:
        with src.opener() as fh:
            head = fh.read(limit)
    except (OSError, EOFError, zlib.error):
        return []
    head = head[3:] if head[:3] == UTF8_BOM else head
    return [ln.rstrip(b"\r") for ln in head[: head.rfind(b"\n") + 1].split(b"\n")[:-1]]


def _copies(group: list[Source], warnings: list[str]) -> list[Source]:
    """The files of a walk or glob without the copies of others, each said in ``warnings`` (IN-2: every log read
    once): files with the same content (``kind export logs`` and ``tar -h`` turn the ``/var/log/containers`` links
    into copies of their ``/var/log/pods`` targets; the pods file is kept, it names the restart) and the
    ``WARNING``/``ERROR``/``FATAL`` files of a klog ``--log-dir`` beside their process's ``INFO`` file (which holds
    each of their records)."""
    infos = set()
    for s in group:
        m = GLOG_NAME_RE.match(Path(os.path.realpath(s.path)).name) if s.path else None
        if m and m.group("severity") == "INFO":
            infos.add(m.group("program", "host", "user", "pid"))
    by_size: dict[int, list[Source]] = {}
    for s in group:
        try:
            size = s.path.stat().st_size if s.path is not None and s.opener is not None else 0
        except OSError:
            size = 0
        if size:
            by_size.setdefault(size, []).append(s)
    drop: set[int] = set()
    for same in by_size.values():
        if len(same) < 2:
            continue
        seen: dict[bytes, Source] = {}
        # a pods file (it names the restart) before the containers link copied next to it
        for s in sorted(same, key=lambda s: s.restart is None):
            digest = _digest(s.path)
            if digest is None:
                continue
            if digest in seen:
                drop.add(id(s))
                warnings.append(f"{s.name}: same content as {seen[digest].name}, read once")
            else:
                seen[digest] = s
    out = []
    for s in group:
        m = GLOG_NAME_RE.match(Path(os.path.realpath(s.path)).name) if s.path else None
        if m and m.group("severity") != "INFO" and m.group("program", "host", "user", "pid") in infos:
            warnings.append(f"{s.name}: klog {m.group('severity')} file: its records are in the INFO file of the "
                            f"same process, read there")
            continue
        if id(s) not in drop:
            out.append(s)
    return out


def _digest(path: Path | None) -> bytes | None:
    """A content key of a file: its first and last MiB (the sizes are equal already)."""
    import hashlib

    try:
        with open(path, "rb") as fh:  # type: ignore[arg-type]
            h = hashlib.blake2b(fh.read(1 << 20), digest_size=16)
            size = os.fstat(fh.fileno()).st_size
            if size > 2 << 20:
                fh.seek(size - (1 << 20))
            h.update(fh.read(1 << 20))
            return h.digest()
    except OSError:
        return None


def parse_size(text: str | int) -> int:
    """``"64MiB"``, ``"1GiB"``, ``"500k"``, ``1048576`` → bytes."""
    if isinstance(text, int):
        return text
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmMgGtT]?)(i?)[bB]?\s*", str(text))
    if not m:
        raise LogParameterError(f"size: {text!r} is not a size like 64MiB, 1GiB or 500000")
    mult = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}[m.group(2).lower()]
    if not m.group(3) and m.group(2):
        mult = {"k": 10**3, "m": 10**6, "g": 10**9, "t": 10**12}[m.group(2).lower()]
    return int(float(m.group(1)) * mult)
