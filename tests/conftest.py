"""Shared pytest configuration: paths to the repository and to the read-only shared reference data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ["LOKONB_HEADLESS"] = "1"  # R9.1: before any kernel starts (nbval's and the run wrapper's)

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository root."""
    return REPO


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` (read-only test fixtures; the library never reads it)."""
    path = SHARED / "data"
    if not path.is_dir():
        pytest.fail(f"shared reference data not found at {path}")
    return path


@pytest.fixture(autouse=True)
def _fresh_process_scrubber(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with a process scrubber built from the environment only: secrets one test registers
    (``register_secret``, a credentials file named in a config) turned off the logs' vectorised message path in
    every later test of the run, so results depended on test order."""
    from lokonb.notebook import redact

    monkeypatch.setattr(redact, "_PROCESS_REDACTOR", [])


def pytest_collectstart(collector: pytest.Collector) -> None:
    """nbval (golden notebooks): never compare stderr (nbval#88), where kernels print machine-dependent warnings."""
    path = getattr(collector, "path", None)
    if path is not None and path.suffix == ".ipynb" and hasattr(collector, "skip_compare"):
        collector.skip_compare += ("stderr",)
