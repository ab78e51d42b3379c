"""The release manifest: what was built (names, sizes, hashes), what it says (pages, notes, words), and from what.

Everything here is a value: the functions take bytes, text or paths and return numbers or dicts; `release.py`
decides where they are written. The manifest is JSON with sorted keys and a trailing newline, so the same
release gives the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import platform
import re
import subprocess
from importlib import metadata as importlib_metadata
from pathlib import Path

import lxml.html
import pypdfium2 as pdfium
from lxml import etree

from . import safexml
from .pandoc import pandoc_version
from .problems import BuildError

MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = 1
_CSL_NS = "{http://purl.org/net/xbiblio/csl}"
_NOTE_ID = re.compile(r"fn\d+")


def file_entry(data: bytes, fmt: str) -> dict:
    """One artifact's entry: its format, size in bytes and SHA-256."""
    return {"format": fmt, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def count_pages(pdf: bytes, display: str) -> int:
    """The number of pages of a PDF, as pdfium (the note checks' PDF reader) counts them."""
    try:
        document = pdfium.PdfDocument(pdf)
    except pdfium.PdfiumError as exc:
        raise BuildError(f"{display}: cannot count the PDF's pages ({exc})") from None
    try:
        return len(document)
    finally:
        document.close()


def _has_class(element, name: str) -> bool:
    return name in (element.get("class") or "").split()


def _endnote_sections(tree) -> list:
    return [el for el in tree.iter("section") if _has_class(el, "footnotes")]


def count_notes(document: str) -> int:
    """The notes in the brief's HTML: the `<li id="fnK">` items inside `section.footnotes`."""
    tree = lxml.html.document_fromstring(document)
    return sum(
        1 for section in _endnote_sections(tree) for item in section.iter("li") if _NOTE_ID.fullmatch(item.get("id") or "")
    )


def count_words(document: str) -> int:
    """The words of the brief's body text in its HTML: `<main>` (or `<body>`) without the notes or note markers.

    A word is a whitespace-separated run holding at least one letter or digit, so dashes and bullets are not
    words and "7-9" is one.
    """
    tree = lxml.html.document_fromstring(document)
    body = next(tree.iter("main"), None)
    if body is None:
        body = tree.find("body")
    if body is None:
        return 0
    dropped = _endnote_sections(body) + [a for a in body.iter("a") if _has_class(a, "footnote-ref")]
    dropped += [el for el in body.iter("script", "style")]
    for element in dropped:
        if element.getparent() is not None:
            element.drop_tree()
    return sum(1 for token in body.text_content().split() if any(ch.isalnum() for ch in token))


def citation_style(csl: Path) -> dict:
    """The citation style as the CSL file names it: its <title>, its <updated> date and the file's SHA-256."""
    data = csl.read_bytes()  # the file citestyle.load_style checked when the sources were read
    try:
        root = safexml.parse(data)
    except etree.XMLSyntaxError as exc:
        raise BuildError(f"{csl}: not a readable CSL file ({exc})") from None
    info = root.find(f"{_CSL_NS}info")

    def text(tag: str) -> str | None:
        found = info.find(f"{_CSL_NS}{tag}") if info is not None else None
        return found.text.strip() if found is not None and found.text else None

    return {"title": text("title"), "updated": text("updated"), "sha256": hashlib.sha256(data).hexdigest()}


def _distribution_version(name: str) -> str | None:
    try:
        return importlib_metadata.version(name)
    except importlib_metadata.PackageNotFoundError:
        return None


def _pango_version() -> str | None:
    # WeasyPrint's layout (and so the PDF's bytes) depends on the system's Pango, not only on WeasyPrint.
    # Imported here, not at the top: `release` imports this module before its build, whose own thread imports
    # WeasyPrint (half a second) while Pandoc runs; and a WeasyPrint that cannot load Pango is recorded as unknown.
    try:
        from weasyprint.text.ffi import pango

        number = int(pango.pango_version())
    except Exception:  # noqa: BLE001 - a version we cannot read is recorded as unknown, not a failed release
        return None
    return f"{number // 10000}.{number // 100 % 100}.{number % 100}"


def tool_versions(csl: Path) -> dict:
    """The versions of what made the artifacts: Python, Pandoc, WeasyPrint (and its pydyf, Pango), citeproc-py, the style."""
    return {
        "python": platform.python_version(),
        "pandoc": pandoc_version(),
        "weasyprint": _distribution_version("weasyprint"),
        "pydyf": _distribution_version("pydyf"),
        "pango": _pango_version(),
        "citeproc_py": _distribution_version("citeproc-py"),
        "citation_style": citation_style(csl),
    }


def source_state(root: Path) -> dict:
    """The commit checked out in the brief's folder and whether its work tree is clean (None, None outside git)."""

    def git(*args: str) -> subprocess.CompletedProcess | None:
        try:
            return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            return None

    head = git("rev-parse", "--verify", "HEAD")
    if head is None or head.returncode != 0:
        return {"commit": None, "clean": None}
    # Untracked files count: an untracked section is built into the brief just like a committed one.
    status = git("status", "--porcelain", "--untracked-files=normal")
    clean = None if status is None or status.returncode != 0 else status.stdout.strip() == ""
    return {"commit": head.stdout.strip(), "clean": clean}


def dumps(manifest: dict) -> str:
    """The manifest as written to disk: indented JSON, sorted keys, UTF-8 text, one trailing newline."""
    return json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def read_manifest(directory: Path) -> dict:
    """Load DIR/manifest.json; raise BuildError naming the file when it is missing or not a manifest."""
    path = directory / MANIFEST_NAME
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BuildError(f"{path}: no manifest here; `python build.py release --out {directory}` writes one") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        where = f":{exc.lineno}:{exc.colno}" if isinstance(exc, json.JSONDecodeError) else ""
        raise BuildError(f"{path}{where}: not valid JSON ({exc.msg if hasattr(exc, 'msg') else exc})") from None
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(files, dict) or not files or not all(
        isinstance(entry, dict) and isinstance(entry.get("sha256"), str) and isinstance(entry.get("format"), str)
        for entry in files.values()
    ):
        raise BuildError(f"{path}: not a release manifest (expected \"files\": {{name: {{format, bytes, sha256}}}})")
    return manifest
