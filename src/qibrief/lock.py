"""What a build holds while it runs: its output folder's lock, and a private temporary folder.

One build at a time per output folder: an flock on the folder itself, which the kernel drops when the build ends.

Locking the folder (not a lock file in it) leaves nothing behind in dist/. The kernel releases an flock
when the last descriptor of it closes, so a build killed with SIGKILL frees the folder at once (the side
process the pipeline forks holds a copy, and it dies with its parent); nothing stale is ever left to clear
by hand. Two builds in one process exclude each other too, since each opens its own descriptor.

Temporary files: the pipeline's own are in memory, but tools write theirs to TMPDIR (WeasyPrint a folder
of font files, ctypes the linker's probes when WeasyPrint is imported). A build process points TMPDIR at
a private folder, removed when the process exits; the folder of a process that was killed is removed by
the next build.
"""

from __future__ import annotations

import atexit
import fcntl
import os
import re
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .formats import FORMATS
from .problems import BuildError

# What a build killed while publishing can leave: staging files (`.NAME.XXXXXXXX.tmp`, as tempfile.mkstemp
# names them, NAME ending in a format's extension) and the build cache's temporary record
# (`.qibrief-cache.json.XXXXXXXX.tmp`, mkstemp's too; `.qibrief-cache.json.PID.tmp` from builds before the
# record was written with mkstemp).
_EXTENSIONS = "|".join(sorted({re.escape(f.suffix[1:]) for f in FORMATS.values()}))
_STAGING = re.compile(rf"^\..+\.({_EXTENSIONS})\.[A-Za-z0-9_]{{8}}\.tmp$|^\.qibrief-cache\.json\.(\d+|[A-Za-z0-9_]{{8}})\.tmp$")


class LockedError(BuildError):
    """Another build holds the output folder (exit code 3)."""

    exit_code = 3


@contextmanager
def output_lock(out: Path) -> Iterator[None]:
    """Hold the output folder for one build; raise LockedError at once if another build holds it."""
    if out.is_symlink():
        raise BuildError(f"{out}: the output folder is a symbolic link; refused (nothing was written). "
                         "Remove the link, or build elsewhere with --out")
    try:
        created = _create_folders(out)
    except OSError as exc:
        raise BuildError(f"{out}: cannot create the output folder ({exc.strerror or exc})") from None
    if not os.access(out, os.W_OK | os.X_OK):
        _remove_empty(created)
        raise BuildError(f"{out}: the output folder is not writable; previous files left in place")
    try:
        # O_NOFOLLOW: a link put in place of the folder since the check above is not followed either.
        fd = os.open(out, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as exc:
        _remove_empty(created)
        raise BuildError(f"{out}: cannot open the output folder ({exc.strerror or exc})") from None
    locked = False
    try:
        check_output_folder(out)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockedError(
                f"{out}: another build is writing to this folder; wait for it to finish, "
                "or build into another folder with --out"
            ) from None
        except OSError as exc:
            raise BuildError(f"{out}: cannot lock the output folder ({exc.strerror or exc})") from None
        locked = True
        yield
    finally:
        # A failed build (or a clean with nothing to clean) leaves no empty dist/ or --out folder behind; removed
        # while the lock is still held, so no other build has started writing into it.
        if locked:
            _remove_empty(created)
        os.close(fd)  # the last close drops the lock


def _create_folders(out: Path) -> list[Path]:
    """Create `out` and any missing parents; return the folders this call created, deepest first (a folder
    another process created meanwhile is not ours to remove)."""
    missing = []
    folder = Path(os.path.abspath(out))
    while not os.path.lexists(folder) and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    created: list[Path] = []
    try:
        for folder in reversed(missing):
            try:
                os.mkdir(folder)
            except FileExistsError:
                continue
            created.insert(0, folder)
    except OSError:
        _remove_empty(created)
        raise
    if not created and not out.is_dir():
        out.mkdir(parents=True, exist_ok=True)  # raises the OSError that says why (a file in the way)
    return created


def _remove_empty(folders: list[Path]) -> None:
    for folder in folders:  # deepest first; rmdir refuses a folder that is not empty, which is then kept
        try:
            os.rmdir(folder)
        except OSError:
            return


def check_output_folder(out: Path) -> None:
    """Refuse an output folder holding symbolic links (a shipped dist/ could point an artifact's name, or a
    staging or cache file's, at a file outside it): BuildError naming the first, before anything is written."""
    try:
        links = sorted(entry.name for entry in os.scandir(out) if entry.is_symlink())
    except OSError as exc:
        raise BuildError(f"{out}: cannot list the output folder ({exc.strerror or exc})") from None
    if links:
        more = f" (and {len(links) - 1} more)" if len(links) > 1 else ""
        raise BuildError(f"{out / links[0]}: a symbolic link in the output folder{more}; refused (nothing was "
                         "written). Remove it, or build elsewhere with --out")


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


_PRIVATE_PREFIX = "qibrief-build-"
_private: Path | None = None


def use_private_tmpdir() -> Path:
    """Point TMPDIR (for this process and the tools it starts) at a private folder removed when it exits.

    Called once per process; later calls return the same folder (a watching build keeps WeasyPrint's fonts
    there between renders). Folders left by build processes that no longer exist are removed first.
    """
    global _private
    if _private is not None and _private.is_dir():
        return _private
    base = Path(tempfile.gettempdir())
    _remove_orphans(base)
    _private = Path(tempfile.mkdtemp(prefix=f"{_PRIVATE_PREFIX}{os.getpid()}-", dir=base))
    os.environ["TMPDIR"] = str(_private)
    tempfile.tempdir = str(_private)
    atexit.register(_remove_private, _private, os.getpid())
    return _private


def remove_private_tmpdir() -> None:
    """Remove this process's private temporary folder now (a process leaving by os._exit runs no atexit)."""
    if _private is not None and _private.name.startswith(f"{_PRIVATE_PREFIX}{os.getpid()}-"):
        _remove_private(_private, os.getpid())


def _remove_private(folder: Path, owner: int) -> None:
    if os.getpid() == owner:  # not in a forked child that happens to run atexit
        shutil.rmtree(folder, ignore_errors=True)


def _remove_orphans(base: Path) -> None:
    for folder in base.glob(f"{_PRIVATE_PREFIX}*-*"):
        pid = folder.name[len(_PRIVATE_PREFIX):].split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)) and folder.is_dir() and not folder.is_symlink():
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def die_with_parent() -> None:
    """Ask Linux to send this process SIGKILL when its parent dies: a process a build forks (the side process,
    a brief of several) holds the output folder's lock too, and must not outlive the build that took it."""
    # Only forked processes need these: `--help` and a build with nothing to do import neither.
    import ctypes
    import signal

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        pass
