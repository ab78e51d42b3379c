"""WeasyPrint's C declarations, parsed once per installation: cffi hands pycparser the same text on every run (16 KB
at WeasyPrint's import, a few type names during the first render), so the parse trees are kept in the user's cache
folder, keyed by the SHA-256 of the exact text, in a file named for the versions of Python, cffi and pycparser.

Nothing a brief controls reaches the file: a build records only what WeasyPrint's import parses (WeasyPrint's own
declarations), and the install step also what the render of a fixed page of ours parses; the sizes of arrays that
follow a brief's text (the font subsetter's glyph lists) are never recorded. The file is read only when it is a
regular file of this user's, private to them, in a folder of theirs that no one else may write to; any problem
(missing, foreign, corrupt, an unpicklable tree) falls back to pycparser's own parse.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import stat
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

_MAX_BYTES = 8 * 1024 * 1024

_known: dict[bytes, bytes] | None = None
_recorded: dict[bytes, bytes] = {}
_recording = 0  # how many recording() blocks the process is inside


def cache_file() -> Path | None:
    """Where the parse trees are kept: $XDG_CACHE_HOME/qibrief (else ~/.cache/qibrief), one file per versions."""
    try:
        from importlib.metadata import version

        versions = f"py{sys.version_info[0]}{sys.version_info[1]}-cffi{version('cffi')}-pycparser{version('pycparser')}"
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    except Exception:  # noqa: BLE001 - no versions, no home: no cache
        return None
    if not os.path.isabs(base):
        return None
    return Path(base) / "qibrief" / f"cdefs-{versions}.pickle"


def _private(info: os.stat_result, mask: int) -> bool:
    return info.st_uid == os.geteuid() and not info.st_mode & mask


def _read(path: Path) -> dict[bytes, bytes]:
    # Unpickling runs what the file says: only a file this user alone can have written is read.
    try:
        folder = os.lstat(path.parent)
        if not stat.S_ISDIR(folder.st_mode) or not _private(folder, 0o022):
            return {}
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return {}
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or not _private(info, 0o077) or info.st_size > _MAX_BYTES:
            return {}
        with os.fdopen(fd, "rb", closefd=False) as stream:
            known = pickle.loads(stream.read())
    except Exception:  # noqa: BLE001 - a corrupt or foreign file is no cache
        return {}
    finally:
        os.close(fd)
    if not isinstance(known, dict) or not all(isinstance(k, bytes) and isinstance(v, bytes) for k, v in known.items()):
        return {}
    return known


def _write(path: Path, known: dict[bytes, bytes]) -> None:
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(pickle.dumps(known, protocol=pickle.HIGHEST_PROTOCOL))
            os.chmod(tmp, 0o600)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    except OSError:
        pass  # no cache this time


def _install() -> None:
    # pycparser's CParser.parse, served from the file where it holds the text (a fresh tree each time, as a parse
    # gives), else parsed; what is parsed while recording is kept for the file.
    global _known
    if _known is not None:
        return
    path = cache_file()
    _known = _read(path) if path is not None else {}
    import pycparser.c_parser

    parse = pycparser.c_parser.CParser.parse

    def remembered(self, text, filename="", debug=False):
        if filename or debug or not isinstance(text, str):
            return parse(self, text, filename, debug)
        key = hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()
        blob = _known.get(key)
        if blob is not None:
            try:
                return pickle.loads(blob)
            except Exception:  # noqa: BLE001 - a tree that does not load is parsed again
                pass
        tree = parse(self, text, filename, debug)
        if _recording:
            try:
                _recorded[key] = pickle.dumps(tree, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception:  # noqa: BLE001 - not kept
                pass
        return tree

    pycparser.c_parser.CParser.parse = remembered


@contextmanager
def recording() -> Iterator[None]:
    """Parses served from the cache file from now on in this process; those made inside are added to it."""
    global _recording
    try:
        _install()
    except ImportError:
        yield
        return
    _recording += 1
    try:
        yield
    finally:
        _recording -= 1
        if _recorded and not _recording:
            path = cache_file()
            if path is not None:
                _known.update(_recorded)
                _write(path, dict(_known))
            _recorded.clear()

