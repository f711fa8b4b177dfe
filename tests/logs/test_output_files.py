"""The files a log analysis writes. Its CSV files (``to_dir``, ``--summary``, ``--records``) keep a message holding a
bare carriage return in one row: RFC 4180 rows ending in CRLF, so the writer quotes the field. The ``--out`` folder is
created (with its parents) before the analysis starts; a folder that cannot be made is a parameter error."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from lokonb.cli import main
from lokonb.logs import parse_lines

LINES = [
    "E0302 10:15:07.118203       1 x.go:1] progress 10%\rprogress 20%\rdone with errors",
    "I0302 10:15:08.118203       1 x.go:1] an ordinary line",
]


def _rows(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def test_to_dir_tables_keep_carriage_returns_in_one_row(tmp_path, recwarn):
    res = parse_lines(LINES, year=2024)
    assert "\r" in res.records["message"].iloc[0]
    res.to_dir(tmp_path / "out")
    # the findings plot shows the key with spaces for control characters (no missing-glyph warning)
    assert not [w for w in recwarn if "Glyph" in str(w.message)]
    for name in ("records", "findings", "summary", "sources"):
        df = getattr(res, name)
        rows = _rows(tmp_path / "out" / f"{name}.csv")
        assert len(rows) == len(df) + 1, name
        assert (tmp_path / "out" / f"{name}.csv").read_bytes().endswith(b"\r\n")
    rec = _rows(tmp_path / "out" / "records.csv")
    col = rec[0].index("message")
    assert rec[1][col] == res.records["message"].iloc[0]
    tl = _rows(tmp_path / "out" / "timeline.csv")
    assert len(tl) == len(res.timeline()) + 1


def test_cli_summary_and_records_rows(tmp_path):
    log = tmp_path / "a.log"
    log.write_bytes(("\n".join(LINES) + "\n").encode())
    rc = main(["logs", "analyze", str(log), "--summary", str(tmp_path / "s.csv"), "--records", str(tmp_path / "r.csv")])
    assert rc == 0
    rec = _rows(tmp_path / "r.csv")
    assert len(rec) == 3 and "\r" in rec[1][rec[0].index("message")]
    assert (tmp_path / "s.csv").read_bytes().endswith(b"\r\n")
    assert [r[0] for r in _rows(tmp_path / "s.csv")][0] == "family"


def test_cli_out_folder_is_made_with_parents(tmp_path):
    log = tmp_path / "a.log"
    log.write_bytes(("\n".join(LINES) + "\n").encode())
    out = tmp_path / "new" / "deep" / "out"
    assert main(["logs", "analyze", str(log), "--out", str(out)]) == 0
    assert (out / "findings.csv").is_file() and (out / "timeline.png").is_file()


@pytest.mark.parametrize(
    "target, message",
    [
        ("{tmp}/a.log", "--out: {tmp}/a.log exists and is not a directory"),
        ("{tmp}/a.log/sub", "--out: cannot create the folder {tmp}/a.log/sub: Not a directory"),
        ("/proc/lokonb-out", "--out: cannot create the folder /proc/lokonb-out: No such file or directory"),
    ],
)
def test_cli_out_folder_errors(tmp_path, capsys, target, message):
    log = tmp_path / "a.log"
    log.write_bytes(("\n".join(LINES) + "\n").encode())
    target = target.format(tmp=tmp_path)
    assert main(["logs", "analyze", str(log), "--out", target]) == 2
    err = capsys.readouterr().err
    assert message.format(tmp=tmp_path) in err and "Traceback" not in err and "internal error" not in err
