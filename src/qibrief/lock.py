"""One build at a time per output folder: a lock on OUT/.qibrief.lock that the kernel drops when the build ends.

The lock is a POSIX record lock (fcntl.lockf) rather than flock: a record lock belongs to the process
that took it, so the side process the pipeline forks does not inherit it, and a build killed with SIGKILL
frees the folder at once; nothing stale is ever left to clear by hand. The file itself stays (it holds
the pid of the last build that locked it) and is harmless.
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .problems import BuildError

LOCK_NAME = ".qibrief.lock"
# What a build killed while publishing can leave: staging files (`.NAME.XXXXXXXX.tmp`, as tempfile.mkstemp
# names them) and the build cache's temporary record.
_STAGING = re.compile(r"^\..+\.(pdf|docx|html)\.[A-Za-z0-9_]{8}\.tmp$|^\.qibrief-cache\.json\.\d+\.tmp$")

# Record locks do not exclude threads of one process from each other; this set does.
_HELD: set[Path] = set()
_HELD_GUARD = threading.Lock()


class LockedError(BuildError):
    """Another build holds the output folder (exit code 3)."""

    exit_code = 3


@contextmanager
def output_lock(out: Path) -> Iterator[None]:
    """Hold the output folder for one build; raise LockedError at once if another build holds it."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BuildError(f"{out}: cannot create the output folder ({exc.strerror or exc})") from None
    path = out / LOCK_NAME
    key = path.resolve()
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise BuildError(
            f"{out}: the output folder is not writable ({exc.strerror or exc}); previous files left in place"
        ) from None
    try:
        with _HELD_GUARD:
            busy = key in _HELD
            if not busy:
                try:
                    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError as exc:
                    if exc.errno not in (errno.EACCES, errno.EAGAIN):
                        raise BuildError(f"{out}: cannot lock the output folder ({exc.strerror or exc})") from None
                    busy = True
            if busy:
                raise LockedError(
                    f"{out}: another build{_holder(fd)} is writing to this folder; "
                    "wait for it to finish, or build into another folder with --out"
                )
            _HELD.add(key)
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        except OSError:
            pass  # the pid is only for the message another build prints
        try:
            yield
        finally:
            with _HELD_GUARD:
                _HELD.discard(key)
    finally:
        os.close(fd)  # closing drops the record lock


def _holder(fd: int) -> str:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return ""
    return f" (process {text})" if text.isdigit() else ""


def remove_stale_staging(out: Path) -> list[Path]:
    """Delete staging files a killed build left in out; call it only while holding out's lock."""
    removed = []
    try:
        entries = list(out.iterdir())
    except OSError:
        return removed
    for path in entries:
        if _STAGING.match(path.name) and path.is_file() and not path.is_symlink():
            try:
                path.unlink()
                removed.append(path)
            except OSError:
                pass
    return removed
