"""Locating the project root and notebooks (§4.1): the folder holding ``notebooks/`` and ``parameters/``."""

from __future__ import annotations

import os
from pathlib import Path

from lokonb.notebook.exceptions import UsageError


def _is_root(path: Path) -> bool:
    return (path / "notebooks").is_dir() and (path / "parameters").is_dir()


def find_root(explicit: str | Path | None = None, *, required: bool = True) -> Path | None:
    """First of: ``explicit`` (``--root``), ``LOKONB_ROOT``, the nearest ancestor of the cwd holding
    ``notebooks/`` and ``parameters/``, the source tree of an editable install. ``None`` or
    :class:`UsageError` (listing the places searched) when none fits."""
    searched: list[str] = []
    for candidate, label in ((explicit, "--root"), (os.environ.get("LOKONB_ROOT"), "LOKONB_ROOT")):
        if candidate:
            path = Path(candidate).expanduser().resolve()
            if _is_root(path):
                return path
            # an explicit choice is never silently replaced by another project: --root always, LOKONB_ROOT when a
            # root is needed (it was passed over for the cwd's project or the source tree without a word)
            if label == "--root" or required:
                raise UsageError(f"{label} {path} is not a project root: it needs notebooks/ and parameters/ "
                                 "folders")
            searched.append(f"{label}={path}")
    cwd = Path.cwd().resolve()
    for path in (cwd, *cwd.parents):
        if _is_root(path):
            return path
    searched.append(f"{cwd} and its parents")
    source_tree = Path(__file__).resolve().parents[2]
    if _is_root(source_tree):
        return source_tree
    searched.append(f"{source_tree} (package source tree)")
    if required:
        raise UsageError(
            "cannot find the project root (a folder with notebooks/ and parameters/); searched: "
            + "; ".join(searched)
            + ". Use --root or LOKONB_ROOT."
        )
    return None


def resolve_notebook(notebook: str | Path, root: Path | None) -> tuple[str, Path]:
    """``(name, path)`` for a notebook name (``render_flatcar``) or a path to an ``.ipynb``."""
    text = str(notebook)
    if text.endswith(".ipynb") or os.sep in text:
        path = Path(text).expanduser().resolve()
        if path.is_dir():  # a folder or a pipe named *.ipynb exists: "not found" sent users looking for a typo
            raise UsageError(f"notebook {path} is a directory; give the .ipynb file")
        if path.exists() and not path.is_file():
            raise UsageError(f"notebook {path} is not a regular file (a pipe, socket or device); give the .ipynb file")
        if not path.is_file():
            raise UsageError(f"notebook not found: {path}")
        return path.stem, path
    if root is None:
        root = find_root()
    assert root is not None
    path = root / "notebooks" / f"{text}.ipynb"
    if not path.is_file():
        from lokonb.notebook.schemas import REGISTRY

        names = sorted({*REGISTRY, *(p.stem for p in (root / "notebooks").glob("*.ipynb"))})
        import difflib

        close = difflib.get_close_matches(text, names, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f"; known: {', '.join(names)}"
        raise UsageError(f"no notebook {text!r} in {root / 'notebooks'}{hint}")
    return text, path


def relative(path: Path, root: Path | None) -> str:
    """``path`` relative to ``root`` when inside it (absolute paths leak user names, papermill#231)."""
    if root is not None:
        try:
            return str(path.resolve().relative_to(root))
        except ValueError:
            pass
    return path.name
