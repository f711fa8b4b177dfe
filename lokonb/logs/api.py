"""Small-input helpers on top of :func:`lokonb.logs.analysis.analyze`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from lokonb.errors import kind_name
from lokonb.logs.analysis import analyze
from lokonb.logs.errors import LogParameterError
from lokonb.logs.result import LogAnalysis
from lokonb.logs.sources import bytes_source


def parse_lines(
    lines: Iterable[str | bytes] | str | bytes,
    *,
    format: str = "auto",  # noqa: A002 - spec name
    name: str = "lines",
    anchor_ns: int | None = None,
    **kwargs: Any,
) -> LogAnalysis:
    """Analyse a few lines given in memory (every record kept); ``anchor_ns`` is the year anchor (default now)."""
    if isinstance(lines, (str, bytes)):
        data = lines.encode("utf-8") if isinstance(lines, str) else lines
    else:
        # None, 5 or [5] ended in a bare TypeError; a dict gave its keys as lines
        listed = isinstance(lines, Iterable) and not isinstance(lines, Mapping)
        items = list(lines) if listed else [lines]
        bad = [x for x in items if not isinstance(x, (str, bytes))]
        if bad:
            raise LogParameterError(f"parse_lines(): lines must be text (str or bytes) or a list of lines, got "
                                    f"{kind_name(bad[0])}{' in the list' if listed else ''}")
        data = b"\n".join(x.encode("utf-8") if isinstance(x, str) else x for x in items)
    if data and not data.endswith(b"\n"):
        data += b"\n"
    import time

    src = bytes_source(
        name,
        data,
        kind="file",
        anchor_ns=anchor_ns if anchor_ns is not None else time.time_ns(),
        year_source="collection-time",
    )
    kwargs.setdefault("records", "all")
    return analyze([src], format=format, **kwargs)


def iter_records(
    sources: Any, *, include: Any = ("*kube-apiserver*",), **kwargs: Any
) -> Iterator[tuple[str, Any]]:
    """Yield ``(source name, records DataFrame)`` one source at a time (every record of that source).

    Each source is analysed on its own (the probe rule and year inference are per source anyway), so memory
    holds one source's records at a time; ``kwargs`` are those of :func:`~lokonb.logs.analysis.analyze`.
    """
    from lokonb.logs.sources import resolve

    items = [sources] if isinstance(sources, (str, bytes)) else list(sources)
    for src in resolve(items, include=include):
        result = analyze([src], records="all", **kwargs)
        yield src.name, result.records
