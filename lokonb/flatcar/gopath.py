"""Go's lexical path functions, as Butane and Ignition apply them (no file system access, symlinks not resolved),
and the error text of Go's os.ReadFile, which ct and Butane report for local files."""

from __future__ import annotations

import os
import posixpath


def go_clean(p: str) -> str:
    """path.Clean / filepath.Clean: like normpath, but a leading '//' is one '/' and '' is '.'."""
    cleaned = posixpath.normpath(p) if p else "."
    return "/" + cleaned.lstrip("/") if cleaned.startswith("//") else cleaned


def go_join(*parts: str) -> str:
    """path.Join / filepath.Join: non-empty parts joined by '/' and cleaned; an absolute later part stays below."""
    kept = [p for p in parts if p]
    return go_clean("/".join(kept)) if kept else ""


def go_abs(p: str) -> str:
    """filepath.Abs: a relative path is joined to the working directory; the result is cleaned, links kept."""
    return go_clean(p) if p.startswith("/") else go_join(os.getcwd(), p)


def go_read_file(path: str, shown: str | None = None) -> tuple[bytes | None, str | None]:
    """``os.ReadFile(path)`` as (contents, None) or (None, Go's error text naming ``shown``, default ``path``): a
    directory opens and fails on read ("read <p>: is a directory"), other failures are the open's ("open <p>:
    no such file or directory")."""
    shown = path if shown is None else shown
    if os.path.isdir(path):
        return None, f"read {shown}: is a directory"
    try:
        with open(path, "rb") as f:
            return f.read(), None
    except OSError as exc:
        return None, f"open {shown}: {(exc.strerror or str(exc)).lower()}"
