"""One writer at a time: the lock every writer holds (builds, return imports, published rounds,
demand imports), in the returns folder of the data directory.

The lock lives here, below every package that writes, so a writer at any layer takes the
same lock: `etl.pipeline.writer_lock` takes it and then finishes or undoes what a killed
writer left (its journal of returns); `demand.store` takes it to store an import of the
official demand figures beside the database.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import filelock

from core import paths
from core.problems import InputError, Problem, display_path

LOCK_FILE = ".import.lock"


def returns_dir(data_dir: Path) -> Path:
    """Where accepted returns are stored: `returns/` in the data directory, or, for the
    repository's own data/, paths.RETURNS_DIR (which STALKING_RETURNS_DIR may move)."""
    data_dir = Path(data_dir)
    return paths.RETURNS_DIR if data_dir.resolve() == (paths.REPO_ROOT / "data").resolve() else data_dir / "returns"


@contextmanager
def held(data_dir: Path, timeout: float = 300) -> Iterator[Path]:
    """Hold the writer lock of `data_dir` (its file in the returns folder, created if missing);
    yields the returns folder. Raises InputError with one line when it cannot be had."""
    folder = returns_dir(data_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError(
            [
                Problem(
                    display_path(folder),
                    0,
                    "",
                    f"cannot be created ({err.strerror}); expected a writable folder for accepted returns",
                )
            ]
        ) from None
    lock = filelock.FileLock(str(folder / LOCK_FILE), timeout=timeout)
    try:
        lock.acquire()
    except filelock.Timeout:
        raise InputError(
            [
                Problem(
                    display_path(folder / LOCK_FILE),
                    0,
                    "",
                    f"another import or build held the lock for {timeout:g} s; expected it to finish: try again",
                )
            ]
        ) from None
    except OSError as err:
        raise InputError(
            [
                Problem(
                    display_path(folder / LOCK_FILE),
                    0,
                    "",
                    f"cannot be written ({err.strerror}); expected a writable returns folder",
                )
            ]
        ) from None
    try:
        yield folder
    finally:
        lock.release()
