"""The records table: its columns and dtypes, and streaming every record to Parquet (spec logs.md OUT-2).

``records_path`` gets **all** records, batch by batch, without holding them. Two things are only known when a
source ends: the probe rule's verdict of TLS handshake records (§6) and the year of TIME-4 timestamps (the end
anchor may shift every year of the source). So each source's rows go first to a :class:`SourceSpool` (a temporary
Parquet file next to the target, one row group per block, provisional timestamps, probe rows marked by their event
number); when the source ends, the spool is read back one row group at a time, patched and appended to the
:class:`RecordsWriter`. Memory stays at one row group; the file ends up in source order, then physical line.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from lokonb.logs import formats as F
from lokonb.logs.errors import LogParameterError
from lokonb.logs.families import STANDARD_FIELDS

NAT = F.NAT

#: OUT-2 columns, in order.
RECORD_COLUMNS: tuple[str, ...] = (
    "timestamp", "ts_outer", "severity", "verbosity", "source", "node", "pod", "container", "instance", "stream",
    "lineno", "pid", "line", "file", "family", "group", "priority", "why", "harmless", "reason", "message",
    "continuation", "n_lines", "truncated", "orphan", *STANDARD_FIELDS, "extra",
)  # fmt: skip
_CATEGORIES = (
    "severity", "source", "node", "pod", "container", "instance", "stream", "file", "family", "group", "priority",
    "why",
)  # fmt: skip
_INT32 = ("pid", "line", "n_lines", "client_port", "local_port", "code")
_FLOATS = ("latency_s", "total_s")
_BOOLS = ("harmless", "truncated", "orphan")
_STRINGS = (
    "message", "continuation", "extra", "reason", *[k for k, t in STANDARD_FIELDS.items() if t in ("str", "addr")],
)  # fmt: skip
#: the spool's own columns: the probe event number of a TLS record (-1 for every other record), and whether
#: ``ts_outer`` is a year-less syslog time whose year is provisional like the klog times' (TIME-4)
EVENT = "_ev"
OUTER_PROV = "_outer_prov"


def to_datetime(s: Any) -> Any:
    """int64 epoch ns (NaT = int64 min) or None → datetime64[ns, UTC]."""
    import pandas as pd

    if s.dtype == np.int64:
        arr = s.to_numpy()
    else:
        arr = pd.to_numeric(s, errors="coerce").astype("Int64").fillna(NAT).to_numpy(np.int64)
    return pd.Series(pd.to_datetime(arr.view("datetime64[ns]"), utc=True), index=s.index)


def typed_records(rec: Any, *, raw_timestamp: bool = False) -> Any:
    """Row frames as built per family (int64 ns timestamps, object columns) → the OUT-2 columns and dtypes.

    ``raw_timestamp`` keeps ``timestamp`` as int64 ns (the spool's provisional times, shifted when the source
    ends)."""
    import pandas as pd

    rec = rec.copy()
    for c in RECORD_COLUMNS:
        if c not in rec.columns:
            rec[c] = None
    if raw_timestamp:
        # the spool: provisional int64 times, and the probe event number of TLS rows (-1 for the others)
        for c in (EVENT, OUTER_PROV):
            if c not in rec.columns:
                rec[c] = None
        rec = rec[[*RECORD_COLUMNS, EVENT, OUTER_PROV]]
        rec[EVENT] = pd.to_numeric(rec[EVENT]).fillna(-1).astype(np.int64)
        rec[OUTER_PROV] = rec[OUTER_PROV].fillna(False).astype(bool)
        rec["timestamp"] = pd.to_numeric(rec["timestamp"]).astype(np.int64)
    else:
        rec = rec[list(RECORD_COLUMNS)]
        rec["timestamp"] = to_datetime(rec["timestamp"])
    rec["ts_outer"] = to_datetime(rec["ts_outer"])
    for c in _CATEGORIES:
        rec[c] = rec[c].astype("category")
    rec["lineno"] = rec["lineno"].astype("Int64")
    for c in _INT32:
        rec[c] = pd.to_numeric(rec[c], errors="coerce").astype("Int32")
    rec["pid"] = rec["pid"].mask(rec["pid"] < 0)
    rec["line"] = rec["line"].mask(rec["line"] < 0)
    rec["verbosity"] = pd.to_numeric(rec["verbosity"], errors="coerce").astype("Int8")
    for c in _FLOATS:
        rec[c] = pd.to_numeric(rec[c], errors="coerce").astype("float64")
    for c in _BOOLS:
        rec[c] = rec[c].astype(bool)
    for c in _STRINGS:
        rec[c] = rec[c].astype("string")
    return rec


def _arrow_type(col: str) -> pa.DataType:
    if col in ("timestamp", "ts_outer"):
        return pa.timestamp("ns", tz="UTC")
    if col in _CATEGORIES:
        return pa.dictionary(pa.int32(), pa.string())
    if col in _INT32:
        return pa.int32()
    if col in _FLOATS:
        return pa.float64()
    if col in _BOOLS or col == OUTER_PROV:
        return pa.bool_()
    if col == "verbosity":
        return pa.int8()
    if col in ("lineno", EVENT):
        return pa.int64()
    return pa.string()


def _schema(spool: bool) -> pa.Schema:
    """The Parquet schema, with pandas metadata so that ``pandas.read_parquet`` gives back the OUT-2 dtypes."""
    cols = list(RECORD_COLUMNS) + ([EVENT, OUTER_PROV] if spool else [])
    fields = [pa.field(c, pa.int64() if (spool and c == "timestamp") else _arrow_type(c)) for c in cols]
    empty = typed_records(_empty_frame(spool), raw_timestamp=spool)
    return pa.Table.from_pandas(empty, schema=pa.schema(fields), preserve_index=False).schema


def _empty_frame(spool: bool) -> Any:
    import pandas as pd

    cols = {c: [] for c in RECORD_COLUMNS}
    if spool:
        cols[EVENT] = cols[OUTER_PROV] = []
    return pd.DataFrame(cols)


def _table(df: Any, schema: pa.Schema) -> pa.Table:
    return pa.Table.from_pandas(df, schema=schema, preserve_index=False)


class RecordsWriter:
    """Every record of the analysis, appended source by source to one Parquet file (``records_path``).

    Written to ``<path>.partial`` and renamed when the analysis ends, so a failed run leaves no half file that
    looks complete. A device (``/dev/null``) is written in place: renaming a file over it replaced ``/dev/null``
    itself with a regular file when run as root; a pipe cannot take a Parquet file (written with seeks)."""

    def __init__(self, path: Any) -> None:
        import pyarrow.parquet as pq

        self.path = Path(os.fspath(path))
        self.in_place = self.path.exists() and not self.path.is_file()
        self.partial = self.path if self.in_place else self.path.with_name(self.path.name + ".partial")
        self.schema = _schema(spool=False)
        self.rows = 0
        if not self.path.parent.is_dir():
            raise LogParameterError(f"records_path: cannot write {self.path}: no such directory {self.path.parent}")
        if self.path.is_fifo():
            raise LogParameterError(f"records_path: cannot write {self.path}: a pipe (a Parquet file is written with "
                                    "seeks; give a file name)")
        try:
            self._w: Any = pq.ParquetWriter(str(self.partial), self.schema)
        except OSError as exc:
            raise LogParameterError(f"records_path: cannot write {self.path}: {exc.strerror or exc}") from None

    def write(self, df: Any) -> None:
        """Append a typed records frame (see :func:`typed_records`)."""
        if len(df):
            self._w.write_table(_table(df, self.schema))
            self.rows += len(df)

    def close(self, ok: bool = True) -> None:
        """Finish the file (``ok``) or remove the partial one."""
        if self._w is None:
            return
        self._w.close()
        self._w = None
        if self.in_place:
            return
        if ok:
            os.replace(self.partial, self.path)
        else:
            self.partial.unlink(missing_ok=True)


class SourceSpool:
    """One source's rows with provisional timestamps and probe verdicts, in a temporary Parquet file."""

    def __init__(self, directory: Path) -> None:
        import pyarrow.parquet as pq

        self.schema = _schema(spool=True)
        fd, name = tempfile.mkstemp(prefix=".lokonb-records-", suffix=".parquet", dir=directory)
        os.close(fd)
        self.path = Path(name)
        self._w: Any = pq.ParquetWriter(name, self.schema)
        self.rows = 0

    def add(self, frames: list[Any]) -> None:
        """One block's row frames (built per family) as one row group, in physical line order."""
        import pandas as pd

        frames = [f for f in frames if len(f)]
        if not frames:
            return
        df = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        df = typed_records(df, raw_timestamp=True).sort_values("lineno", kind="stable")
        self._w.write_table(_table(df, self.schema))
        self.rows += len(df)

    def drain(self, patch: Callable[[Any], Any]) -> Iterator[Any]:
        """The spooled row groups in order, each passed through ``patch`` (verdicts, years); then the spool is gone."""
        import pyarrow.parquet as pq

        self._w.close()
        self._w = None
        try:
            if self.rows:
                pf = pq.ParquetFile(str(self.path))
                for i in range(pf.num_row_groups):
                    yield patch(pf.read_row_group(i).to_pandas())
        finally:
            self.discard()

    def discard(self) -> None:
        if self._w is not None:
            try:
                self._w.close()
            except Exception:  # noqa: BLE001,S110 - already closed or broken: only the file matters here
                pass
            self._w = None
        self.path.unlink(missing_ok=True)
