"""Checks of the run options shared by ``run``, ``run-all`` and ``schedule`` (and their Python API): bad values
are usage errors (exit 2) before anything is created, not a kernel error (exit 5), a 0 s deadline (exit 3) or a
crontab line that can never run."""

from __future__ import annotations

import math
from pathlib import Path

from lokonb.notebook.exceptions import UsageError


def check_timeout(option: str, value: float | None) -> None:
    """``value`` seconds must be a finite positive number (None: the schema's default)."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
        raise UsageError(f"{option} {value!r}: expected a positive number of seconds (allowed: > 0, finite; "
                         "leave it out for the notebook's default)")


def check_output(value: str | Path | None) -> None:
    """An output is a local folder or ``s3://BUCKET/PREFIX``; another URL would become a local folder named
    ``ftp:``."""
    text = str(value) if value is not None else ""
    if "://" in text and not text.startswith("s3://"):
        raise UsageError(f"--output {text!r}: unsupported URL scheme {text.split('://', 1)[0]!r} "
                         "(allowed: a local folder or s3://BUCKET/PREFIX)")


def check_jobs(value: int | None) -> None:
    """``--jobs``: runs at a time, 1 or more (None: the default)."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise UsageError(f"--jobs {value!r}: expected 1 or more runs at a time (leave it out for min(cpus, 4))")


def parse_only(text: str | None) -> list[str] | None:
    """``--only a,b``: the names, or None for every notebook; an option with no name in it is an error, not 'all'."""
    if text is None:
        return None
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise UsageError(f"--only {text!r}: no notebook name (allowed: comma-separated names such as "
                         "render_flatcar,metadata_access)")
    return names


def check_runs_filters(status: str | None, limit: int | None, known_statuses: list[str]) -> None:
    """``lokonb runs`` filters: a status that no run can have would print an empty table that looks like 'no runs'."""
    if status is not None and status not in known_statuses:
        raise UsageError(f"--status {status!r} is not a run status (allowed: {', '.join(known_statuses)})")
    if limit is not None and limit < 1:
        raise UsageError(f"--limit {limit}: expected 1 or more rows (leave it out for all runs)")
