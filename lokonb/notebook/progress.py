"""Progress bars that suit the mode (§8.4): a widget bar in JupyterLab, nothing in a headless kernel unless asked
(then a coalesced text bar on stderr at most every 10 s), a text bar on a terminal."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from typing import Any


def _in_kernel() -> bool:
    return "ipykernel" in sys.modules


def progress(
    iterable: Iterable[Any] | None = None,
    *,
    total: int | None = None,
    desc: str | None = None,
    **options: Any,
) -> Any:
    """A tqdm bar for ``iterable`` (or a manual bar with ``total``); descriptions are scrubbed of secrets."""
    from lokonb.notebook.redact import scrub

    if desc is not None and not isinstance(desc, str):  # scrub() of a Path failed inside re
        from lokonb.errors import wrong_kind
        from lokonb.notebook.exceptions import UsageError

        raise UsageError(wrong_kind("progress", "desc", "the bar's text (a string) or None", desc))
    if desc:
        desc = scrub(desc)
    headless = os.environ.get("LOKONB_HEADLESS") == "1"
    if headless or not _in_kernel():
        from tqdm.std import tqdm

        wanted = os.environ.get("LOKONB_PROGRESS") == "1"
        if headless and not wanted:
            return tqdm(iterable, total=total, desc=desc, disable=True, **options)
        interval = (
            max(10.0, float(options.pop("mininterval", 10.0)))
            if headless
            else options.pop("mininterval", 0.1)
        )
        return tqdm(
            iterable,
            total=total,
            desc=desc,
            file=sys.stderr,
            mininterval=interval,
            disable=None if not headless else False,
            **options,
        )
    from tqdm.auto import tqdm as auto_tqdm

    return auto_tqdm(iterable, total=total, desc=desc, **options)


def callback(total: int | None = None, desc: str | None = None) -> Any:
    """A ``progress(n=1)`` callable for library functions that take a ``progress`` callback."""
    bar = progress(total=total, desc=desc)

    def step(n: int = 1, **_: Any) -> None:
        bar.update(n)

    step.close = bar.close  # type: ignore[attr-defined]
    return step
