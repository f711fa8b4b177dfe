"""R3.5/§13.5: a parameter error names where each bad value came from, not a line of the file the heading names."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def issue_lines(tmp_path: Path, *args: str) -> tuple[str, list[str]]:
    proc = subprocess.run(
        [sys.executable, "-m", "lokonb", "run", "apiserver_logs", "--output", str(tmp_path / "runs"), *args],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.splitlines()
    return lines[0], [line for line in lines if line.startswith("  - ")]


def test_each_issue_names_its_file_or_route(tmp_path: Path) -> None:
    first, second = tmp_path / "first.yaml", tmp_path / "second.yaml"
    first.write_text("# the bad value is on line 3 of the FIRST file\n\nmax_records: many\n", encoding="utf-8")
    second.write_text("year: 1999\nklog_tz: UTC\n", encoding="utf-8")
    head, issues = issue_lines(
        tmp_path, "-f", str(first), "-f", str(second), "-y", "until: 5\nyear: soon", "-p", "probe_periods", "[1, b]"
    )
    assert head.endswith(f"({second}):")  # the heading names the last file read
    assert issues == [
        f"  - max_records ({first}, line 3): expected an integer, got 'many'",
        "  - year (-y, line 2): expected an integer, got 'soon'",
        "  - probe_periods[1] (-p): expected a number, got 'b'",
    ]


def test_values_from_the_named_file_keep_the_short_form(tmp_path: Path) -> None:
    only = tmp_path / "only.yaml"
    only.write_text("year: 1999\n\nmax_records: 0\n", encoding="utf-8")
    head, issues = issue_lines(tmp_path, "-f", str(only))
    assert head.endswith(f"({only}):")
    assert issues == ["  - max_records (line 3): 0 is out of range; allowed: 1 to inf"]
