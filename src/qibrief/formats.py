"""The formats a build makes: one table, in the spirit of WeasyPrint's VARIANTS, that everything else reads.

Each format has a name (what --format and the cache call it), a file name pattern, the files in styles/ it reads
(stylesheets, and folders such as fonts/ and icc/), whether it reads the HTML template, whether `build` makes it
by default or only on request (the print PDF: `build --print`), and its kind: which writer makes it and which
note reader (checks) reads it back. The table's order is the order artifacts are listed and written in.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath
from typing import Iterable


@dataclass(frozen=True)
class Format:
    """One output of a build."""

    name: str
    # The file name in the output folder, from the brief's slug: "{slug}.pdf".
    file_name: str
    # How the stage that makes it is named in the build's report ("Rendering print PDF").
    title: str
    # pdf (WeasyPrint), docx (Pandoc's writer, then finished) or html (the web page): the writer that makes
    # it, and the note reader that reads it back (checks.read_notes).
    reader: str
    # Files in styles/ it reads besides brand.yaml, and folders of styles/ whose every file it reads.
    stylesheets: tuple[str, ...] = ()
    asset_dirs: tuple[str, ...] = ()
    # Whether it is written from the HTML (templates/brief.html), or from the AST alone (the DOCX).
    template: bool = True
    # Built by `build` without --format; the others only on request.
    default: bool = True

    def file_for(self, slug: str) -> str:
        """This format's file name for a brief's slug, e.g. 'qi-brief-50-print.pdf'."""
        return self.file_name.format(slug=slug)

    @property
    def suffix(self) -> str:
        """The file name's extension: '.pdf'."""
        return PurePath(self.file_name).suffix


FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("pdf", "{slug}.pdf", "PDF", "pdf", stylesheets=("print.css",), asset_dirs=("fonts",)),
    Format("docx", "{slug}.docx", "DOCX", "docx", asset_dirs=("fonts",), template=False),
    Format("html", "{slug}.html", "HTML", "html", stylesheets=("web.css",), asset_dirs=("fonts",)),
    Format("print", "{slug}-print.pdf", "print PDF", "pdf", stylesheets=("print.css", "press.css"),
           asset_dirs=("fonts", "icc"), default=False),
)}

# What `build` makes without --format, and every format (what `release` makes without --format).
DEFAULT: tuple[str, ...] = tuple(name for name, f in FORMATS.items() if f.default)
ALL: tuple[str, ...] = tuple(FORMATS)
# The formats WeasyPrint renders, and the note readers in the order check_across takes its reference from:
# the HTML is closest to the sources, the PDF is rendered from it, the DOCX comes last.
PDFS: tuple[str, ...] = tuple(name for name, f in FORMATS.items() if f.reader == "pdf")
READERS: tuple[str, ...] = ("html", "pdf", "docx")
# How the DOCX carries the brief's notes (build --docx-notes): Word endnotes, or footnotes.
NOTE_KINDS: tuple[str, ...] = ("endnotes", "footnotes")
# The note reader for a file's extension (`check FILE`): each format's, and .htm for HTML too.
READER_BY_SUFFIX: dict[str, str] = {**{f.suffix: f.reader for f in FORMATS.values()}, ".htm": "html"}


def file_names(slug: str, formats: Iterable[str] = ALL) -> dict[str, str]:
    """File name per format for a brief's slug, in the order given: {'pdf': 'qi-brief-50.pdf', ...}."""
    return {name: FORMATS[name].file_for(slug) for name in formats}


def in_order(formats: Iterable[str]) -> tuple[str, ...]:
    """The given format names in the table's order."""
    wanted = set(formats)
    return tuple(name for name in FORMATS if name in wanted)
