"""Atomic file writes: a reader (or a process restarted after a crash) sees the old file or the new one,
never half of one.

The bytes go to a temporary file beside the target, are flushed to disk (fsync), and the temporary file
is renamed over the target; the folder is then fsync'd so the rename itself survives a power cut. A
symlink at the target is replaced as a link, never written through.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

TEMP_PREFIX, TEMP_SUFFIX = ".dd-", ".tmp"


def stage(path: Path, data: bytes) -> str:
    """A temporary file next to `path` holding `data`, flushed to disk, with the usual file mode (umask
    applied). The caller renames it over `path` (or removes it). Raises OSError; nothing is left behind."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temp, 0o666 & ~_umask())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    return temp


def write_atomic(path: Path, data: bytes) -> None:
    """Replace `path` with a file holding `data` (its folder must exist): stage, rename, fsync the folder.
    Raises OSError; on failure the old file is untouched and no temporary file is left."""
    temp = stage(path, data)
    try:
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    fsync_dir(path.parent)


def remove_durably(path: Path) -> None:
    """Remove `path` if it is there, and make the removal durable (fsync the folder)."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
        fsync_dir(path.parent)


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entries (renames, removals) to disk."""
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def is_temp_name(name: str) -> bool:
    """True for the name of a temporary file `stage` makes (left behind only by a crash)."""
    return name.startswith(TEMP_PREFIX) and name.endswith(TEMP_SUFFIX)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
