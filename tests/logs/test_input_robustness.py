"""ROB-1 and FMT-3 on composed inputs: a record's continuation lines are kept when they cross a read block boundary
(klog, CRI, Docker JSON; any block size, sequential or byte-range workers), and a table of odd inputs (CRLF, NUL,
gzip members, truncated gzip, UTF-16, Windows-1252, ...) keeps every physical line counted with its line number."""

from __future__ import annotations

import csv
import gzip
import json
import os
import threading

import pandas as pd
import pytest

import lokonb.logs.ranges as R
import lokonb.logs.sources as S
from lokonb.logs import analyze


def _klog(i: int, msg: str = "boom") -> bytes:
    return f"E0101 00:{(i // 60) % 60:02d}:{i % 60:02d}.000000       1 x.go:1] {msg} {i}".encode()


def _stacked(n: int = 400) -> tuple[list[bytes], list[int], list[int]]:
    """Lines of ``n`` records, every 50th with a 61-line goroutine stack; header line numbers and n_lines."""
    lines: list[bytes] = []
    heads, sizes = [], []
    for i in range(n):
        heads.append(len(lines) + 1)
        lines.append(_klog(i))
        if i % 50 == 7:
            lines += [b"goroutine %d [running]:" % i] + [b"\tmain.f%d()" % j for j in range(60)]
        sizes.append(len(lines) + 1 - heads[-1])
    return lines, heads, sizes


def _cri(lines: list[bytes]) -> bytes:
    return b"".join(b"2024-01-01T00:00:00.%09dZ stderr F " % i + x + b"\n" for i, x in enumerate(lines))


def _docker(lines: list[bytes]) -> bytes:
    return b"".join(
        json.dumps({"log": x.decode() + "\n", "stream": "stderr", "time": "2024-01-01T00:00:00Z"}).encode() + b"\n"
        for x in lines
    )


WRAPS = {"klog": lambda lines: b"\n".join(lines) + b"\n", "cri": _cri, "docker": _docker}


def _rows(a):
    r = a.records.sort_values("lineno")
    return list(zip(r["lineno"].tolist(), r["n_lines"].tolist(), strict=True))


@pytest.mark.parametrize("block", [1000, 4096, 64 << 10, 8 << 20])
@pytest.mark.parametrize("wrap", sorted(WRAPS))
def test_continuations_across_block_boundaries_are_kept(tmp_path, monkeypatch, wrap, block):
    # before: the lines of a stack after a block boundary were counted as continuation lines but left out of the
    # record (n_lines and continuation short, truncated=False): 888 lines gave n_lines 881 (4 KiB), 675 (1000 B)
    monkeypatch.setattr(S, "BLOCK_BYTES", block)
    lines, heads, sizes = _stacked()
    path = tmp_path / "kube-apiserver.log"
    path.write_bytes(WRAPS[wrap](lines))
    a = analyze([str(path)], workers=1, include=None, records="all")
    assert a.sources["format"].iloc[0] == wrap
    assert _rows(a) == list(zip(heads, sizes, strict=True))
    assert a.records["continuation"].fillna("").str.count("\n").sum() == sum(s - 1 for s in sizes) - 8
    assert not a.records["truncated"].any()


@pytest.mark.parametrize("block", [1000, 4096, 64 << 10])
def test_a_file_of_continuation_lines_is_one_orphan_record_at_any_block_size(tmp_path, monkeypatch, block):
    monkeypatch.setattr(S, "BLOCK_BYTES", block)
    path = tmp_path / "kube-apiserver.log"
    path.write_bytes(b"".join(b"  continuation %d\n" % i for i in range(20_000)))
    a = analyze([str(path)], workers=1, include=None)
    assert _rows(a) == [(1, 20_000)]
    assert bool(a.records["orphan"].iloc[0]) and bool(a.records["truncated"].iloc[0])  # 2000 lines kept


def _sequential_and_ranges(tmp_path, monkeypatch, lines: list[bytes]):
    """``lines`` analysed with workers=1 and with workers=2, checked to be a sequential read and a merge of byte
    ranges (no fallback)."""
    path = tmp_path / "kube-apiserver.log"
    path.write_bytes(b"\n".join(lines) + b"\n")
    used: list[bool] = []
    orig = R.analyze_in_ranges
    monkeypatch.setattr(R, "analyze_in_ranges", lambda run: used.append(orig(run)) or used[-1])
    a = analyze([str(path)], workers=1, include=None, records="all")
    b = analyze([str(path)], workers=2, include=None, records="all")
    assert used == [False, True]
    return a, b


def test_byte_range_workers_move_a_boundary_off_a_continuation_line(tmp_path, monkeypatch):
    # chunk boundaries that fall inside a stack: the ranges start at the nearest record start instead
    monkeypatch.setattr(S, "BLOCK_BYTES", 16 << 10)
    monkeypatch.setattr(R, "MIN_BYTES", 0)
    lines: list[bytes] = []
    for i in range(6000):
        lines.append(_klog(i))
        if i % 7 == 3:
            lines += [b"\tstack line %d" % j for j in range(40)]
    a, b = _sequential_and_ranges(tmp_path, monkeypatch, lines)
    assert _rows(a) == _rows(b)
    assert sum(n for _, n in _rows(a)) == len(lines)


def _over_limit(kind: str) -> tuple[list[bytes], int]:
    """Lines of a record (at line 2) whose continuation lines are over max_record_bytes (1 MiB) and cross a read
    block, between records; its number of physical lines."""
    if kind == "one_long_line":  # a continuation line longer than the block and max_record_bytes
        stack = [b"goroutine 1 [running]:", b"x" * 1_300_000, b"\tmain.f()", b"\tmain.g()"]
    else:  # many continuation lines, more than max_record_bytes in all
        stack = [b"\tstack line %06d" % j for j in range(80_000)]
    return [_klog(0), _klog(1), *stack, _klog(2)], 1 + len(stack)


@pytest.mark.parametrize("kind", ["one_long_line", "many_lines"])
def test_a_record_over_the_limit_across_blocks_counts_all_its_lines(tmp_path, monkeypatch, kind):
    # before: the lines a later block still held were counted as continuation lines of no record: the record's row
    # said n_lines 1 (one long line) or 58633 (of 80001), truncated=False
    monkeypatch.setattr(S, "BLOCK_BYTES", 64 << 10)
    lines, size = _over_limit(kind)
    path = tmp_path / "kube-apiserver.log"
    path.write_bytes(b"\n".join(lines) + b"\n")
    a = analyze([str(path)], workers=1, include=None, records="all", records_path=tmp_path / "all.parquet")
    assert _rows(a) == [(1, 1), (2, size), (len(lines), 1)]
    assert a.records.sort_values("lineno")["truncated"].tolist() == [False, True, False]
    spooled = pd.read_parquet(tmp_path / "all.parquet").sort_values("lineno")  # the spool's rows, patched too
    assert spooled["n_lines"].tolist() == [1, size, 1] and spooled["truncated"].tolist() == [False, True, False]
    assert a.sources["continuation_lines"].iloc[0] == size - 1


def test_byte_range_workers_count_the_late_lines_of_their_range(tmp_path, monkeypatch):
    monkeypatch.setattr(S, "BLOCK_BYTES", 64 << 10)
    monkeypatch.setattr(R, "MIN_BYTES", 0)
    late, size = _over_limit("many_lines")
    lines = [_klog(i) for i in range(3, 40_000)] + late  # the long record is in the last range
    a, b = _sequential_and_ranges(tmp_path, monkeypatch, lines)
    assert _rows(a) == _rows(b)
    assert (len(lines) - size, size) in _rows(b)
    assert b.records["truncated"].sum() == 1


def _gz_members() -> bytes:
    return gzip.compress(b"\n".join(_klog(i) for i in range(100)) + b"\n") + gzip.compress(
        b"\n".join(_klog(i) for i in range(100, 200)) + b"\n"
    )


def _gz_truncated() -> bytes:
    data = gzip.compress(b"\n".join(_klog(i) for i in range(20_000)) + b"\n")
    return data[: len(data) // 2]


CASES = {
    # name: (bytes, lines, records, unparsed, error substring or None)
    "crlf_and_lf_mixed": (b"".join(_klog(i) + (b"\r\n" if i % 2 else b"\n") for i in range(50)), 50, 50, 0, None),
    "nul_mid_line": (_klog(0) + b"\n" + _klog(1)[:10] + b"\x00" + _klog(1)[10:] + b"\n" + _klog(2) + b"\n", 3, 2, 1,
                     None),
    "last_line_without_newline": (b"\n".join(_klog(i) for i in range(5)), 5, 5, 0, None),
    "gzip_two_members": (_gz_members(), 200, 200, 0, None),
    "gzip_zero_length": (b"", 0, 0, 0, None),
    "utf16_bom": ("\ufeff".encode("utf-16-le") + (b"\n".join(_klog(i) for i in range(5)) + b"\n").decode()
                  .encode("utf-16-le"), 5, 5, 0, None),
    "utf8_bom": (b"\xef\xbb\xbf" + b"\n".join(_klog(i) for i in range(5)) + b"\n", 5, 5, 0, None),
    "windows_1252": (_klog(0) + b" caf\xe9 \x93quoted\x94\n" + _klog(1) + b"\n", 2, 2, 0, None),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_odd_inputs_keep_every_line(tmp_path, name):
    data, lines, records, unparsed, error = CASES[name]
    path = tmp_path / ("kube-apiserver.log.gz" if name == "gzip_zero_length" else "kube-apiserver.log")
    path.write_bytes(data)
    a = analyze([str(path)], workers=1, include=None)
    s = a.sources.iloc[0]
    assert (s["lines"], s["records"], s["unparsed"]) == (lines, records, unparsed)
    assert s["error"] is None if error is None else error in s["error"]
    heads = sorted(a.records["lineno"].tolist())
    assert heads == [i + 1 for i in range(lines) if i + 1 in heads]  # 1-based physical lines


def test_truncated_gzip_keeps_the_records_before_the_cut(tmp_path):
    path = tmp_path / "kube-apiserver.log"
    path.write_bytes(_gz_truncated())
    a = analyze([str(path)], workers=1, include=None)
    s = a.sources.iloc[0]
    assert "truncated" in s["error"] and "uncompressed bytes" in s["error"]
    assert s["records"] > 1000
    assert sorted(a.records["lineno"])[:3] == [1, 2, 3]
    assert any("truncated" in w for w in a.meta["warnings"])


def test_records_csv_keeps_one_row_per_record_with_a_bare_carriage_return(tmp_path):
    # before: the message field holding a bare \r was written unquoted; CSV readers ended the row there (an extra
    # row with an empty line_no)
    from lokonb.cli import main

    path = tmp_path / "kube-apiserver.log"
    lines = [_klog(0), _klog(1, "progress 10%\rprogress 20%"), b"\tcontinued\r", _klog(2), _klog(3)]
    path.write_bytes(b"\r\n".join(lines[:3]) + b"\n" + b"\n".join(lines[3:]) + b"\n")
    out = tmp_path / "records.csv"
    assert main(["logs", "analyze", str(path), "--records", str(out)]) == 0
    with open(out, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [int(r["line_no"]) for r in rows] == [1, 2, 4, 5]
    assert "\r" in rows[1]["message"] and rows[1]["n_lines"] == "2"
    a = analyze([str(path)], workers=1)
    assert sorted(a.records["lineno"].tolist()) == [1, 2, 4, 5]


@pytest.mark.parametrize("compress", [False, True])
def test_a_named_pipe_is_streamed_like_stdin(tmp_path, compress):
    # before: opened twice (the first open for the gzip magic consumed its head) and reported "not a regular
    # file"; a named pipe without a writer blocked in that first open. `<(zcat …)` gives such a path (/dev/fd/N)
    lines, heads, sizes = _stacked(60)
    data = b"\n".join(lines) + b"\n"
    fifo = tmp_path / "kube-apiserver.fifo"
    os.mkfifo(fifo)

    def write() -> None:
        with open(fifo, "wb") as fh:
            fh.write(gzip.compress(data) if compress else data)

    t = threading.Thread(target=write, daemon=True)
    t.start()
    a = analyze([str(fifo)], workers=1, include=None, records="all", year=2024)
    t.join(5)
    s = a.sources.iloc[0]
    assert (s["kind"], s["error"], s["lines"]) == ("pipe", None, len(lines))
    assert _rows(a) == list(zip(heads, sizes, strict=True))


def test_a_named_pipe_in_a_directory_is_skipped_with_a_warning(tmp_path):
    # before: skipped without a word (a walk must not open it: it could block)
    (tmp_path / "kube-apiserver.log").write_bytes(_klog(0) + b"\n")
    os.mkfifo(tmp_path / "kube-apiserver-pipe.log")
    a = analyze([str(tmp_path)], workers=1)
    assert a.sources["source"].tolist() == [str(tmp_path / "kube-apiserver.log")]
    assert any("kube-apiserver-pipe.log: not a regular file, skipped" in w for w in a.meta["warnings"])


def test_a_log_appended_while_read_is_read_to_its_size_at_open(tmp_path, monkeypatch):
    # before: lines written after the open were read too (a busy log could keep the read going); now a snapshot
    # at the size when opened, with a note
    monkeypatch.setattr(S, "BLOCK_BYTES", 4096)
    path = tmp_path / "kube-apiserver.log"
    path.write_bytes(b"\n".join(_klog(i) for i in range(500)) + b"\n")
    orig, appended = S._crlf, []

    def crlf(block: bytes) -> bytes:
        if not appended:  # the first block is read: the writer goes on
            with open(path, "ab") as fh:
                fh.write(b"\n".join(_klog(i) for i in range(500, 900)) + b"\n")
            appended.append(True)
        return orig(block)

    monkeypatch.setattr(S, "_crlf", crlf)
    a = analyze([str(path)], workers=1, records="all")
    assert a.sources["lines"].iloc[0] == 500 and _rows(a)[-1] == (500, 1)
    assert any("grew by" in w and "size when opened" in w for w in a.meta["warnings"])


def _tar(name: str, data: bytes) -> bytes:
    import io
    import tarfile

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _zip(name: str, data: bytes) -> bytes:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(name, data)
    return buf.getvalue()


# support bundles given whole (`microk8s inspect`'s inspection-report tarball, canonical/microk8s#2421; sonobuoy's
# and must-gather's tar.gz, a zip from a ticket): a clear per-source error, never their members' bytes read as one
# binary log
ARCHIVE_CASES = {
    "inspection-report.tar": (lambda d: _tar("kube-apiserver/journal.log", d), "a tar archive"),
    "inspection-report.tar.gz": (lambda d: gzip.compress(_tar("kube-apiserver/journal.log", d)), "a tar archive"),
    "bundle.tgz-without-extension": (lambda d: gzip.compress(_tar("0.log", d)), "a tar archive"),
    "apiserver-logs.zip": (lambda d: _zip("kube-apiserver.log", d), "a zip archive"),
    "apiserver-logs.7z": (lambda d: b"7z\xbc\xaf\x27\x1c\x00\x04" + bytes(32), "a 7-Zip archive"),
}


@pytest.mark.parametrize("name", sorted(ARCHIVE_CASES))
def test_archives_are_a_clear_source_error(tmp_path, name):
    make, kind = ARCHIVE_CASES[name]
    (tmp_path / name).write_bytes(make(_klog(1) + b"\n"))
    (tmp_path / "kube-apiserver.log").write_bytes(_klog(2) + b"\n")
    res = analyze([str(tmp_path / name), str(tmp_path / "kube-apiserver.log")], include=None, records="all")
    by_name = res.sources.set_index("source")
    err = by_name.loc[str(tmp_path / name), "error"]
    assert err.startswith(kind) and "unpack it" in err
    assert any(name in w and kind in w for w in res.meta["warnings"])
    assert by_name.loc[str(tmp_path / "kube-apiserver.log"), "lines"] == 1  # the other source is read
    assert list(res.records["message"]) == ["boom 2"]


def test_an_archive_alone_fails_the_analysis(tmp_path):
    from lokonb.logs.errors import LogSourceError

    path = tmp_path / "must-gather.tar.gz"
    path.write_bytes(gzip.compress(_tar("kube-apiserver.log", _klog(1) + b"\n")))
    with pytest.raises(LogSourceError, match="a tar archive"):
        analyze([str(path)], include=None)


def test_a_log_that_mentions_ustar_is_no_archive(tmp_path):
    path = tmp_path / "kube-apiserver.log"
    path.write_bytes(_klog(1, "PK\x03\x04 ustar 7z") + b"\n")
    res = analyze([str(path)], include=None, records="all")
    assert res.sources.iloc[0]["error"] is None and len(res.records) == 1


def _records(path, **kw):
    a = analyze([str(path)], workers=1, include=None, records="all", **kw)
    rec = a.records.sort_values(["lineno", "timestamp"]).reset_index(drop=True)
    return a, rec[["lineno", "n_lines", "severity", "message", "continuation", "orphan", "truncated"]]


@pytest.mark.parametrize("block", [None, 4096])
@pytest.mark.parametrize("gz", [False, True])
def test_cr_line_ends_read_like_lf(tmp_path, monkeypatch, block, gz):
    # ROB-1: an old Mac OS text (every line ended by a CR alone) gives the records of its LF copy, continuation
    # lines (goroutine stacks) included, whatever the read block size; before, it was one 1 MiB line cut short
    if block:
        monkeypatch.setattr(S, "BLOCK_BYTES", block)
    lines, heads, sizes = _stacked(120)
    pack = gzip.compress if gz else bytes
    (tmp_path / "lf").mkdir()
    (tmp_path / "cr").mkdir()
    (tmp_path / "lf" / "kube-apiserver.log").write_bytes(pack(b"\n".join(lines) + b"\n"))
    (tmp_path / "cr" / "kube-apiserver.log").write_bytes(pack(b"\r".join(lines) + b"\r"))
    _, lf = _records(tmp_path / "lf" / "kube-apiserver.log")
    a, cr = _records(tmp_path / "cr" / "kube-apiserver.log")
    pd.testing.assert_frame_equal(lf, cr)
    assert cr["lineno"].tolist() == heads and cr["n_lines"].tolist() == sizes
    assert a.sources.iloc[0]["lines"] == len(lines) and a.sources.iloc[0]["truncated_lines"] == 0
    assert any("line ends are carriage returns" in w for w in a.meta["warnings"])


LONE_CR = {
    # lines appended with CR ends to an LF log (or a capture that lost its LFs): each record after a lone CR is a
    # record of its own at that (LF-counted) line, not text hidden in the message before it
    "klog": (_klog(0) + b"\n" + _klog(1) + b"\r" + _klog(2) + b"\r" + _klog(3) + b"\n" + _klog(4) + b"\n",
             [(1, "boom 0"), (2, "boom 1"), (2, "boom 2"), (2, "boom 3"), (3, "boom 4")], 3),
    "cri": (_cri([_klog(0)]) + _cri([_klog(1)])[:-1] + b"\r" + _cri([_klog(2)]) + _cri([_klog(3)]),
            [(1, "boom 0"), (2, "boom 1"), (2, "boom 2"), (3, "boom 3")], 3),
    # a CR that starts no line (progress written over itself) stays text of the record
    "progress": (_klog(0, "progress 10%\rprogress 20%") + b"\n" + _klog(1) + b"\n",
                 [(1, "progress 10%\rprogress 20% 0"), (2, "boom 1")], 2),
}


@pytest.mark.parametrize("name", sorted(LONE_CR))
def test_lone_cr_before_a_line_ends_that_line(tmp_path, name):
    data, want, lines = LONE_CR[name]
    path = tmp_path / "kube-apiserver.log"
    path.write_bytes(data)
    a, rec = _records(path)
    assert list(zip(rec["lineno"], rec["message"], strict=True)) == want
    assert (rec["n_lines"] == 1).all() and not rec["orphan"].any()
    assert a.sources.iloc[0]["lines"] == lines and a.sources.iloc[0]["unparsed"] == 0
