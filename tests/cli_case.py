"""Test helper: run one row of a CLI bad-input table (argv, exit code, fragments of what is shown) in-process."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lokonb.cli import main

#: inputs every bad-input workdir holds; no command of a table may change them
INPUTS = ("api.log", "in.clc")


def run_case(workdir: Path, capsys: Any, argv: list[str], code: int, fragments: list[str]) -> tuple[str, str]:
    """Run ``lokonb argv`` (``{tmp}`` = ``workdir``) and check its exit code, that ``fragments`` are shown (stdout on
    success, stderr on failure), that no traceback or internal error is printed and that the inputs are unchanged.
    Returns (stdout, stderr) for the table's own checks."""
    before = [(workdir / name).read_bytes() for name in INPUTS]
    capsys.readouterr()
    assert main([a.format(tmp=workdir) for a in argv]) == code
    out, err = capsys.readouterr()
    shown = out if code == 0 else err
    for fragment in fragments:
        assert fragment.format(tmp=workdir) in shown, shown
    assert "Traceback" not in err and "internal error" not in err and "object has no attribute" not in err
    assert [(workdir / name).read_bytes() for name in INPUTS] == before  # inputs untouched
    return out, err
