"""`lokonb run`/`run-all` forward Ctrl-C to their runs only while they run: a process that calls ``main()`` keeps
its own SIGINT/SIGTERM handlers afterwards (an in-process run left its forwarder installed, and a later Ctrl-C in
that process, e.g. the AWS day-2 interrupt test on the same pytest worker, went to a finished run and was lost)."""

from __future__ import annotations

import signal

import pytest

from lokonb.cli import main


@pytest.mark.parametrize("argv", [["run", "no_such_notebook"], ["run-all", "--only", "no_such_notebook"]])
def test_run_commands_restore_the_signal_handlers(argv: list[str], tmp_path) -> None:
    before = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    assert main([*argv, "--output", str(tmp_path / "runs")]) != 0
    assert {sig: signal.getsignal(sig) for sig in before} == before
