"""Writing imported sections: never over work the DOCX does not hold (uncommitted changes, or a change made
since the DOCX was built), only the files that changed, each replaced whole."""

from __future__ import annotations

import io
import os
import subprocess
import tempfile
import zipfile
from pathlib import Path

from lxml import etree

from .. import safexml
from ..problems import Problem
from .sent import PROPERTY, digest

CUSTOM = "docProps/custom.xml"


def sent_digests(docx: bytes) -> dict[str, str]:
    """The digest of each section file the DOCX was built from (its custom properties), by file name."""
    try:
        with zipfile.ZipFile(io.BytesIO(docx)) as archive:
            if CUSTOM not in archive.namelist():
                return {}
            root = safexml.parse(archive.read(CUSTOM))
    except (zipfile.BadZipFile, etree.XMLSyntaxError, KeyError):
        return {}
    out = {}
    for prop in root:
        name = prop.get("name") or ""
        if name.startswith(PROPERTY) and len(prop):
            out[name[len(PROPERTY):]] = (prop[0].text or "").strip()
    return out


def uncommitted(paths: list[Path], root: Path) -> set[Path]:
    """The files among paths that git reports as changed and not committed (none outside a git work tree)."""
    if not paths:
        return set()
    try:
        done = subprocess.run(["git", "status", "--porcelain", "-z", "--", *[str(p) for p in paths]], cwd=root,
                              capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return set()
    if done.returncode != 0:
        return set()
    top = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=root, capture_output=True, text=True, timeout=30)
    base = Path(top.stdout.strip()) if top.returncode == 0 else root
    out = set()
    for entry in done.stdout.decode("utf-8", "replace").split("\0"):
        if len(entry) > 3:
            out.add((base / entry[3:]).resolve())
    return out


def refusals(targets: dict[str, Path], sent: dict[str, str], root: Path, display) -> list[Problem]:
    """Why each section file may not be overwritten: uncommitted changes, or changed since the DOCX was built."""
    problems = []
    dirty = uncommitted([p for p in targets.values() if p.exists()], root)
    for name, path in sorted(targets.items()):
        shown = display(path)
        if path.resolve() in dirty:
            problems.append(Problem(shown, None, "has uncommitted changes; commit or stash them first, or import "
                                                 "with --out DIR; nothing was written"))
            continue
        current = digest(path.read_text(encoding="utf-8")) if path.is_file() else None
        if name not in sent:
            problems.append(Problem(shown, None, "the DOCX does not record this file as sent; import with --out DIR; "
                                                 "nothing was written"))
        elif current != sent[name]:
            what = "was deleted" if current is None else "changed"
            problems.append(Problem(shown, None, f"{what} since the DOCX was built; the import would overwrite that "
                                                 "work: import with --out DIR and merge by hand; nothing was written"))
    return problems


def write_text(path: Path, text: str) -> None:
    """Replace a file's text whole: a temporary file beside it, renamed over it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        if path.exists():
            os.chmod(temporary, path.stat().st_mode & 0o7777)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
