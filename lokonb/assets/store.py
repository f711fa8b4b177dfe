"""The on-disk asset tree (``<asset_dir>/cluster-assets/``): every file 0600, directories 0700, atomic
writes."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from lokonb.assets.errors import AssetError

FILE_MODE = 0o600
DIR_MODE = 0o700
#: Held (flock) while a process loads or generates the tree; a dot file, so listings and checks skip it.
LOCK_FILE = ".lock"

log = logging.getLogger("lokonb.assets")


class AssetStore:
    """Read and write files below ``root`` by relative POSIX path."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"AssetStore({str(self.root)!r})"

    def path(self, rel: str) -> Path:
        p = PurePosixPath(rel)
        if p.is_absolute() or ".." in p.parts:
            raise AssetError(f"asset path {rel!r} must be relative and stay inside {self.root}")
        return self.root.joinpath(*p.parts)

    def read(self, rel: str) -> bytes | None:
        path = self.path(rel)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise AssetError(f"cannot read {path}: {exc.strerror}") from None

    def write(self, rel: str, data: bytes) -> bool:
        """Write ``data`` atomically with mode 0600; returns False when the file already held exactly it."""
        path = self.path(rel)
        try:
            if path.exists() and path.read_bytes() == data:
                if (path.stat().st_mode & 0o777) != FILE_MODE:
                    path.chmod(FILE_MODE)
                return False
            self._mkdirs(path.parent)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
            try:
                os.fchmod(fd, FILE_MODE)
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise AssetError(f"cannot write {path}: {exc.strerror}") from None
        return True

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Exclusive use of the tree by this process; another lokonb process waits until it is released. A tree
        that cannot be written (read-only, or its path is a file) is used without the lock: only reads can
        succeed there, and a needed write reports the reason."""
        try:
            self._mkdirs(self.root)
            fd = os.open(self.root / LOCK_FILE, os.O_RDWR | os.O_CREAT, FILE_MODE)
        except (AssetError, OSError):
            yield
            return
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                log.warning("waiting for another lokonb process that is generating the assets in %s", self.root)
                fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the lock

    def remove(self, rel: str) -> None:
        self.path(rel).unlink(missing_ok=True)

    def list(self, under: str) -> list[str]:
        base = self.path(under)
        if not base.is_dir():
            return []
        return sorted(
            p.relative_to(self.root).as_posix()
            for p in base.rglob("*")
            if p.is_file() and not p.name.startswith(".")
        )

    def _mkdirs(self, directory: Path) -> None:
        missing = []
        d = directory
        while not d.exists():
            missing.append(d)
            d = d.parent
        for d in reversed(missing):
            d.mkdir(mode=DIR_MODE)
            d.chmod(DIR_MODE)
