"""Files: open only regular files for reading; write atomically through a named temp file.

A save writes ``.{name}.stag-tmp-{host}-{pid}-{random}`` beside the target, fsyncs
it, renames it over the target and fsyncs the directory.  A writer killed before
the rename leaves its temp file behind; the next save to the same target removes
the ones whose writer (on this host) no longer runs.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import stat
from collections.abc import Callable, Iterator
from typing import BinaryIO

from stag.io._manifest import CheckpointError

TEMP_MARK = ".stag-tmp-"
_KINDS = {
    stat.S_ISDIR: "a directory",
    stat.S_ISCHR: "a character device",
    stat.S_ISBLK: "a block device",
    stat.S_ISFIFO: "a FIFO",
    stat.S_ISSOCK: "a socket",
}


@contextlib.contextmanager
def open_regular(path: str) -> Iterator[tuple[BinaryIO, int]]:
    """``path`` open for reading, and its size; ``CheckpointError`` unless a regular file."""
    _check_regular(os.stat(path).st_mode)
    # O_NONBLOCK: had the path become a FIFO since the stat, open must not wait for a writer
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as f:
        status = os.fstat(fd)
        _check_regular(status.st_mode)
        yield f, status.st_size


def _check_regular(mode: int) -> None:
    if not stat.S_ISREG(mode):
        kind = next((name for test, name in _KINDS.items() if test(mode)), "not a file")
        raise CheckpointError(
            f"it is not a regular file ({kind}); a checkpoint is the file stag.save writes"
        )


def write_atomically(path: str, write: Callable[[BinaryIO], None]) -> None:
    """Write ``path`` with ``write`` so that it is either the old file or the whole new one."""
    directory, name = os.path.split(os.path.abspath(path))
    remove_stale_temp_files(directory, name)
    tmp = os.path.join(
        directory, f".{name}{TEMP_MARK}{_host()}-{os.getpid()}-{secrets.token_hex(4)}"
    )
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, _mode_for(path))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_directory(directory)


def _mode_for(path: str) -> int:
    """The permissions the file gets: the old file's, else rw-r--r-- (not the temp's 0600)."""
    try:
        return os.stat(path).st_mode & 0o777
    except FileNotFoundError:
        return 0o644


def _fsync_directory(directory: str) -> None:
    """Make the rename durable; a no-op where directories cannot be opened (Windows)."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def remove_stale_temp_files(directory: str, name: str) -> None:
    """Remove ``name``'s temp files left by writers on this host that no longer run."""
    prefix = f".{name}{TEMP_MARK}"
    with contextlib.suppress(OSError):
        for entry in os.scandir(directory):
            stale = entry.name.startswith(prefix) and _is_stale(entry.name[len(prefix) :])
            if stale and entry.is_file(follow_symlinks=False):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)


def _is_stale(tail: str) -> bool:
    """Whether ``{host}-{pid}-{random}`` names a writer on this host that has exited."""
    parts = tail.rsplit("-", 2)
    if len(parts) != 3 or parts[0] != _host() or not (parts[1].isascii() and parts[1].isdigit()):
        return False
    pid = int(parts[1])
    if os.name != "posix" or not 0 < pid < 2**31 or pid == os.getpid():
        return False  # (os.kill on Windows would end the process, not probe it)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False  # it exists (PermissionError: another user's)
    return False


def _host() -> str:
    return socket.gethostname().replace(os.sep, "_") or "localhost"
