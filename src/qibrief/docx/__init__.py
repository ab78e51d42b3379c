"""The DOCX for editors: the reference document Pandoc styles it with, and the finishing of Pandoc's package.

- `reference_docx` writes the brand (styles/brand.yaml) into Pandoc's default reference document.
- `finish_docx` turns Pandoc's footnotes into Word endnotes under the notes heading (metadata `notes-heading:`,
  "Citations" unless the brief names another) or keeps footnotes,
  adds the title block, embeds the brand fonts (docx/fonts.py), sets the document properties, and writes a
  byte-reproducible package.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Mapping

from ..brand import Brand
from ..formats import NOTE_KINDS
from ..metadata import Metadata
from ..problems import BuildError
from . import finish, fonts as fontsmod, notes as notesmod, statistics, styles
from .reference import build_reference
from .wordml import Package

__all__ = ["NOTE_KINDS", "finish_docx", "font_files", "reference_docx"]


def _midnight(date: dt.date) -> dt.datetime:
    return dt.datetime.combine(date, dt.time(), tzinfo=dt.timezone.utc)


def _dates(meta: Metadata, epoch: int | None) -> tuple[dt.datetime, dt.datetime]:
    """Created: the brief's date; modified: the build date (SOURCE_DATE_EPOCH). Never the clock."""
    built = dt.datetime.fromtimestamp(epoch, dt.timezone.utc) if epoch is not None else None
    created = _midnight(meta.date) if meta.date else built or _midnight(dt.date(1980, 1, 1))
    modified = max(created, built) if built else created
    return created, modified


def reference_docx(brand: Brand, meta: Metadata) -> bytes:
    """The reference document for Pandoc's DOCX writer, generated from the brand."""
    created, _ = _dates(meta, None)
    return build_reference(brand, meta, created)


def font_files(brand: Brand) -> list[Path]:
    """The brand's font files the DOCX embeds (the caller reads them and passes their bytes to finish_docx)."""
    return list(dict.fromkeys(face.path for *_, face in fontsmod.faces_to_embed(brand)))


def finish_docx(package: bytes, brand: Brand, meta: Metadata, *, notes: str = "endnotes",
                epoch: int | None = None, fonts: Mapping[Path, bytes] | None = None) -> bytes:
    """Finish Pandoc's DOCX package for editors: notes, title block, brand fonts, properties, reproducible zip."""
    if notes not in NOTE_KINDS:
        raise BuildError(f"docx: notes must be one of {', '.join(NOTE_KINDS)}, not {notes!r}")
    docx = Package(package, f"{meta.slug}.docx")
    finish.title_block(docx, meta)
    finish.summary_lists(docx)
    finish.brand_bullets(docx, brand.font("sans").family)
    styles.brand_paragraphs(docx)
    if notes == "endnotes":
        if notesmod.footnotes_to_endnotes(docx):
            finish.notes_heading(docx, meta.notes_heading)
        notesmod.prune_hyperlinks(docx, notesmod.ENDNOTES)
    else:
        notesmod.prune_hyperlinks(docx, notesmod.FOOTNOTES)
    notesmod.prune_hyperlinks(docx, notesmod.DOCUMENT)
    notesmod.number_notes(docx, notes)
    styles.tidy_styles(docx)
    finish.word_settings(docx)
    embedded = fontsmod.embedded_fonts(brand, fonts or {})
    fontsmod.embed_fonts(docx, embedded)
    finish.drop_empty_comments(docx)
    created, modified = _dates(meta, epoch)
    finish.core_properties(docx, meta, created, modified)
    finish.custom_properties(docx, meta)
    paragraphs = statistics.text_paragraphs(docx)
    text = Counter("".join(t for _, t in paragraphs))  # counted once for every font that measures it
    metrics = {f.family: fontsmod.text_metrics(f.data, text) for f in embedded if not (f.bold or f.italic)}
    finish.app_properties(docx, statistics.count_statistics(docx, metrics, paragraphs))
    return docx.to_bytes(modified)
