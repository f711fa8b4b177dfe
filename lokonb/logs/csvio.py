"""The CSV files a log analysis writes (``--records``, ``--summary``, ``to_dir``): RFC 4180 rows ending in CRLF.

Python's csv writer quotes a field holding a bare ``\\r`` only when ``\\r`` is part of the line terminator, and CSV
readers end a row at a bare ``\\r``: with ``\\n`` row ends a message holding a carriage return would split its row.
"""

from __future__ import annotations

from typing import IO, Any

CRLF = "\r\n"


def write_csv(df: Any, target: str | Any, *, index: bool = False, header: bool = True) -> None:
    """Write the DataFrame ``df`` to the path ``target`` as UTF-8 CSV with CRLF row ends (``OSError`` passes)."""
    with open(target, "w", encoding="utf-8", newline="") as fh:
        append_csv(df, fh, index=index, header=header)


def append_csv(df: Any, fh: IO[str], *, index: bool = False, header: bool = True) -> None:
    """Append ``df``'s rows to ``fh`` (opened with ``newline=""``), with CRLF row ends."""
    df.to_csv(fh, index=index, header=header, lineterminator=CRLF)
