"""`sync-notebooks` and `lint-notebooks --fix` rewrite a notebook (round 6 of the bad-input sweep): nbformat truncated
the file and then wrote it, so a `lokonb run` reading it meanwhile found an empty notebook (a reader beside a writer
loop: 51,228 of 52,791 reads unreadable) and a Ctrl-C mid-write left the user's notebook half-written. The rewrite now
goes through a temporary file and a rename; the file's mode and a symlink are kept."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import nbformat
import pytest

from lokonb.notebook.lint import lint_paths, sync_notebooks

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / "notebooks").mkdir(parents=True)
    (root / "parameters").mkdir()
    shutil.copy(REPO / "notebooks" / "metadata_access.ipynb", root / "notebooks")
    return root


def _stale_parameters(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    cell.source = "source = 'sample'\n"
    nbformat.write(nb, path)


def _with_outputs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    code = next(c for c in nb.cells if c.cell_type == "code")
    code.execution_count = 3
    nbformat.write(nb, path)


def _sync(root: Path) -> None:
    sync_notebooks(str(root))


def _lint_fix(root: Path) -> None:
    lint_paths([str(root / "notebooks")], fix=True, root=str(root))


REWRITES = [("sync-notebooks", _stale_parameters, _sync), ("lint-notebooks --fix", _with_outputs, _lint_fix)]


def _interrupted_write(nb: object, fp: object, *args: object, **kwargs: object) -> None:
    """nbformat.write as Ctrl-C finds it halfway: the destination opened for writing, half the text in it."""
    text = nbformat.writes(nb)
    fh = open(fp, "w", encoding="utf-8") if isinstance(fp, str | os.PathLike) else fp  # noqa: SIM115
    fh.write(text[: len(text) // 2])
    fh.flush()
    raise KeyboardInterrupt


@pytest.mark.parametrize("name,prepare,rewrite", REWRITES, ids=[r[0] for r in REWRITES])
def test_interrupted_rewrite_leaves_the_notebook_whole(project: Path, monkeypatch: pytest.MonkeyPatch, name: str,
                                                       prepare: object, rewrite: object) -> None:
    path = project / "notebooks" / "metadata_access.ipynb"
    prepare(path)  # type: ignore[operator]
    before = path.read_bytes()
    monkeypatch.setattr(nbformat, "write", _interrupted_write)
    with pytest.raises(KeyboardInterrupt):
        rewrite(project)  # type: ignore[operator]
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["metadata_access.ipynb"]  # no temporary file left


@pytest.mark.parametrize("name,prepare,rewrite", REWRITES, ids=[r[0] for r in REWRITES])
def test_rewrite_keeps_mode_and_symlink(project: Path, tmp_path: Path, name: str, prepare: object,
                                        rewrite: object) -> None:
    real = tmp_path / "elsewhere" / "metadata_access.ipynb"
    real.parent.mkdir()
    shutil.move(project / "notebooks" / "metadata_access.ipynb", real)
    link = project / "notebooks" / "metadata_access.ipynb"
    link.symlink_to(real)
    prepare(real)  # type: ignore[operator]
    os.chmod(real, 0o664)
    before = real.read_bytes()
    rewrite(project)  # type: ignore[operator]
    assert link.is_symlink() and real.read_bytes() != before
    assert stat.S_IMODE(real.stat().st_mode) == 0o664
    nbformat.read(link, as_version=4)
