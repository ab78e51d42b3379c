"""One build at a time per output folder: an flock on the folder itself, which the kernel drops when the build ends.

Locking the folder (not a lock file in it) leaves nothing behind in dist/. The kernel releases an flock
when the last descriptor of it closes, so a build killed with SIGKILL frees the folder at once (the side
process the pipeline forks holds a copy, and it dies with its parent); nothing stale is ever left to clear
by hand. Two builds in one process exclude each other too, since each opens its own descriptor.
"""

from __future__ import annotations

import fcntl
import os
import re
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .problems import BuildError

# What a build killed while publishing can leave: staging files (`.NAME.XXXXXXXX.tmp`, as tempfile.mkstemp
# names them) and the build cache's temporary record.
_STAGING = re.compile(r"^\..+\.(pdf|docx|html)\.[A-Za-z0-9_]{8}\.tmp$|^\.qibrief-cache\.json\.\d+\.tmp$")


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
    if not os.access(out, os.W_OK | os.X_OK):
        raise BuildError(f"{out}: the output folder is not writable; previous files left in place")
    try:
        fd = os.open(out, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as exc:
        raise BuildError(f"{out}: cannot open the output folder ({exc.strerror or exc})") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockedError(
                f"{out}: another build is writing to this folder; wait for it to finish, "
                "or build into another folder with --out"
            ) from None
        except OSError as exc:
            raise BuildError(f"{out}: cannot lock the output folder ({exc.strerror or exc})") from None
        yield
    finally:
        os.close(fd)  # the last close drops the lock


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
