"""Write beside, fsync, rename: the one way this project replaces a file.

A reader sees the old file or the new one, never a part of either, and a crash
(even kill -9) leaves at most a hidden temporary file beside the target, named
`.<target name>.<pid>.<random>.tmp` (`.building` for a database). `remove_stale_temps` deletes those whose
process is gone; every writer calls it before it starts.

Used by the database build (etl.load), the returns store (intake.storing) and
the boundary import (geo.boundaries).
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from collections.abc import Iterator
from pathlib import Path

_TEMP = re.compile(r"^\.(?P<name>.+)\.(?P<pid>[0-9]+)\.[0-9a-f]{8}\.(?:tmp|building|link)(?:\.wal)?$")


def temp_beside(target: Path, kind: str = "tmp") -> Path:
    """A fresh hidden path in the target's folder, for a file that will replace the target.

    kind: "tmp" (a file written in one go), "building" (a database being built) or "link"."""
    return target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.{kind}")


def _fsync_dir(folder: Path) -> None:
    """Make a rename in `folder` durable (a no-op where directories cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def fsync_file(path: Path) -> None:
    with open(path, "rb+") as fh:
        os.fsync(fh.fileno())


def commit(tmp: Path, target: Path) -> None:
    """Rename a finished temporary file over the target, durably."""
    os.replace(tmp, target)
    _fsync_dir(target.parent)


def write_beside(target: Path, data: bytes, mode: int | None = None) -> Path:
    """Write `data` to a new temporary file beside `target`, flushed to disk; return its path.

    `mode` sets the file's permissions (default: what the umask allows, as for any new file).
    The caller renames it with `commit` (or removes it)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_beside(target)
    try:
        with open(tmp, "xb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def write_atomic(target: Path, data: bytes, mode: int | None = None) -> Path:
    """Replace (or create) `target` with `data`: written beside, flushed, renamed."""
    tmp = write_beside(target, data, mode)
    try:
        commit(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


@contextlib.contextmanager
def staged(target: Path, before_commit=None) -> Iterator[Path]:
    """A temporary path to build the target in (e.g. a database); renamed over the target on success.

    The code inside writes and closes the file; on an exception the file is removed
    and the target is left as it was. `before_commit()`, if given, runs just before
    the rename (the database build keeps the old file as a backup there)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_beside(target, "building")
    extra = Path(f"{tmp}.wal")
    try:
        yield tmp
        fsync_file(tmp)
        if before_commit is not None:
            before_commit()
        commit(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
        extra.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temps(folder: Path) -> list[Path]:
    """Delete temporary files left in `folder` by writers that no longer run; return what was removed."""
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    for path in folder.iterdir():
        match = _TEMP.fullmatch(path.name)
        if match and not _alive(int(match["pid"])):
            with contextlib.suppress(OSError):
                path.unlink()
                removed.append(path)
    return removed


def link_backup(target: Path, backup: Path) -> None:
    """Make `backup` another name for the current `target` (a hard link, swapped in atomically),
    so there is never a moment without a file at either path."""
    if not target.exists():
        return
    link = temp_beside(backup, "link")
    os.link(target, link)
    try:
        commit(link, backup)
    except BaseException:
        link.unlink(missing_ok=True)
        raise
