"""Across formats: the same number of notes, and note k saying the same thing in the HTML, the PDF and the DOCX."""

from __future__ import annotations

from ..formats import READERS
from ..problems import Problem
from .rendered import RenderedNotes
from .text import same_text, squashed, word_changes

# The reference order (formats.READERS): the HTML is closest to the sources, the PDF is rendered from it, the
# DOCX comes last.
_ORDER = {reader: rank for rank, reader in enumerate(READERS)}


def pdf_text_matches(text: str, pdf_text: str) -> bool:
    """True when a PDF note (lines joined by newlines) says `text`: a line may end inside a word or URL,
    or with a hyphen that hyphenation added."""
    target = squashed(text)
    position = 0
    parts = [squashed(part) for part in pdf_text.split("\n")]
    for index, part in enumerate(parts):
        if index < len(parts) - 1 and part.endswith("-") and not target.startswith(part, position):
            part = part[:-1]
        if not target.startswith(part, position):
            return False
        position += len(part)
    return position == len(target)


def _agree(reference: RenderedNotes, other: RenderedNotes, k: int) -> bool:
    a, b = reference.texts[k], other.texts[k]
    if other.fmt == "pdf":
        return pdf_text_matches(a, b)
    if reference.fmt == "pdf":
        return pdf_text_matches(b, a)
    return same_text(a, b)


def check_across(outputs: list[RenderedNotes]) -> list[Problem]:
    """Compare every output with the first of HTML, PDF, DOCX: note count, then each note's text."""
    if len(outputs) < 2:
        return []
    ordered = sorted(outputs, key=lambda r: _ORDER.get(r.fmt, 9))
    reference = ordered[0]
    problems = []
    for other in ordered[1:]:
        if other.count != reference.count:
            problems.append(Problem(
                other.name, None, f"holds {other.count} notes; {reference.name} holds {reference.count}"
            ))
        for k in sorted(set(reference.texts) & set(other.texts)):
            if not _agree(reference, other, k):
                shown = other.texts[k].replace("\n", " ")
                problems.append(Problem(
                    other.name, None,
                    f"note {k}: text differs from {reference.name}: {word_changes(reference.texts[k].replace(chr(10), ' '), shown)}",
                ))
    return problems
