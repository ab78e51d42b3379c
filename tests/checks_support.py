"""Helpers for the note-check tests: the sample brief rendered once in memory, and ways to break its outputs."""

from __future__ import annotations

import io
import re
import zipfile
from functools import lru_cache
from pathlib import Path

from qibrief.pipeline import Artifacts, BuildConfig, render
from qibrief.problems import BuildError, Problem

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "tests" / "fixtures" / "sample"
NAMES = {"html": "qi-brief-7.html", "docx": "qi-brief-7.docx", "pdf": "qi-brief-7.pdf"}


@lru_cache(maxsize=None)
def sample_artifacts(formats: tuple[str, ...] = ("html", "docx", "pdf")) -> Artifacts:
    """The sample brief rendered in memory (once per test session and set of formats)."""
    return render(BuildConfig(root=SAMPLE, out=SAMPLE / "unused-dist", formats=formats), lambda message: None)


@lru_cache(maxsize=1)
def sample_footnotes_docx() -> bytes:
    """The sample's DOCX with Word footnotes instead of endnotes."""
    from qibrief.writers import render_docx

    artifacts = sample_artifacts()
    return render_docx(artifacts.sources, artifacts.ast_json, artifacts.epoch, "footnotes")


def messages(problems: list[Problem]) -> list[str]:
    """Problems as the CLI prints them."""
    return [str(p) for p in problems]


def without_lines(problems: list[Problem]) -> list[str]:
    """Problems as 'path: message' (HTML line numbers move whenever the template or CSS changes)."""
    return [f"{p.path}: {'warning: ' if not p.is_error else ''}{p.message}" for p in problems]


def errors_of(action) -> list[Problem]:
    """The problems a BuildError carries, or the problems returned, from calling `action`."""
    try:
        return list(action())
    except BuildError as exc:
        return list(exc.problems)


# DOCX surgery: rewrite one part of the package.

def docx_parts(data: bytes) -> dict[str, bytes]:
    """Every member of a DOCX package."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def docx_with(data: bytes, member: str, change) -> bytes:
    """The DOCX with `member` replaced (or added) by change(old text, "" for a new member)."""
    parts = docx_parts(data)
    parts[member] = change(parts[member].decode("utf-8") if member in parts else "").encode("utf-8")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return out.getvalue()


def note_kind(data: bytes) -> str:
    """'endnote' or 'footnote': which kind of Word note a DOCX uses."""
    document = docx_parts(data)["word/document.xml"].decode("utf-8")
    return "endnote" if "w:endnoteReference" in document else "footnote"


def reference_runs(document: str, kind: str) -> list[re.Match]:
    """The runs holding a note reference, in document order."""
    return list(re.finditer(rf"<w:r>(?:(?!</w:r>).)*?<w:{kind}Reference w:id=\"(-?\d+)\"\s*/>(?:(?!</w:r>).)*?</w:r>", document, re.S))


# PDF rendering of a changed HTML document: WeasyPrint's own styles (fast), or the brand's (as built).

def plain_pdf(document: str) -> bytes:
    """The HTML document rendered by WeasyPrint with its default styles (about 0.2 s)."""
    import weasyprint

    return weasyprint.HTML(string=document).write_pdf()
