"""The document's statistics for docProps/app.xml: words, characters, paragraphs, lines and pages.

Word shows these in File > Info and recomputes them when it saves; Pandoc writes its template's figures (1 page,
83 words) whatever the document. Here they are counted from the finished package, as Word's Word Count does with
"include textboxes, footnotes and endnotes": the body and the notes, not the running heads.

Words, characters and paragraphs are counts. Lines and pages need a layout, which only Word has, so they are
estimated from the same package: each paragraph's style (its size, line spacing, space before and after and
indents, through its basedOn chain in styles.xml) and the width of its text in the embedded brand font's average
advance per character, broken into lines of the text width and stacked into pages of the text height, with a new
page where a paragraph says pageBreakBefore (the title page, the notes' heading). On brief 50 this gives 22 pages
where LibreOffice lays out 24, one of them the notes' heading alone (see the README).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping

from lxml import etree

from . import wordml as X

# Without a font's metrics: half an em a character, and single spacing 1.2 em (Word's "auto" line spacing is a
# multiple of the font's line height, which is more than its size).
_DEFAULT_METRICS = (0.5, 1.2)
_NOTE_TYPES = (None, "normal")


@dataclass(frozen=True)
class Statistics:
    """What docProps/app.xml reports: counts of the text, and the estimated lines and pages."""

    pages: int
    words: int
    characters: int
    characters_with_spaces: int
    paragraphs: int
    lines: int


@dataclass(frozen=True)
class _Look:
    size: float  # points
    line: float  # multiple of single spacing
    before: float  # points
    after: float  # points
    indent: float  # points taken from the text width
    family: str | None
    page_break: bool


def paragraph_text(paragraph: etree._Element) -> str:
    """A paragraph's text as Word counts it: its runs' text, tabs and breaks as spaces; no field codes."""
    parts = []
    for node in paragraph.iter(X.qn("w:t"), X.qn("w:tab"), X.qn("w:br"), X.qn("w:noBreakHyphen")):
        if node.tag == X.qn("w:t"):
            parts.append(node.text or "")
        elif node.tag == X.qn("w:noBreakHyphen"):
            parts.append("-")
        elif node.getparent().tag == X.qn("w:r"):
            parts.append(" ")
    return "".join(parts)


def text_paragraphs(package: X.Package) -> list[tuple[etree._Element, str]]:
    """The body's paragraphs, then the notes' (no separators), each with its text."""
    out = [(p, paragraph_text(p)) for p in package.xml("word/document.xml").find(X.qn("w:body")).iter(X.qn("w:p"))]
    for part, kind in (("word/footnotes.xml", "w:footnote"), ("word/endnotes.xml", "w:endnote")):
        if part in package:
            for note in package.xml(part).findall(X.qn(kind)):
                if note.get(X.qn("w:type")) in _NOTE_TYPES:
                    out += [(p, paragraph_text(p)) for p in note.iter(X.qn("w:p"))]
    return out


class _Styles:
    """Paragraph properties resolved through styles.xml's basedOn chains and document defaults."""

    def __init__(self, root: etree._Element) -> None:
        self.styles = {s.get(X.qn("w:styleId")): s for s in root.findall(X.qn("w:style"))}
        self.defaults = root.find(X.qn("w:docDefaults"))
        self.default_paragraph = next((sid for sid, s in self.styles.items() if s.get(X.qn("w:type")) == "paragraph"
                                       and s.get(X.qn("w:default")) in ("1", "true", "on")), None)
        self.looks: dict[str | None, tuple[dict[str, float], float, str | None, bool]] = {}

    def chain(self, style_id: str | None) -> list[etree._Element]:
        """The property holders for a paragraph style, nearest first, ending with the document defaults."""
        out, seen = [], set()
        sid = style_id or self.default_paragraph
        while sid in self.styles and sid not in seen:
            seen.add(sid)
            out.append(self.styles[sid])
            based = self.styles[sid].find(X.qn("w:basedOn"))
            sid = None if based is None else based.get(X.qn("w:val"))
        if self.defaults is not None:
            out += [self.defaults.find(f"{X.qn('w:pPrDefault')}"), self.defaults.find(f"{X.qn('w:rPrDefault')}")]
        return [node for node in out if node is not None]


def _find(holders: list[etree._Element], path: str, attr: str) -> str | None:
    for holder in holders:
        for node in holder.iterfind(path, {"w": X.W}):
            value = node.get(X.qn(f"w:{attr}"))
            if value is not None:
                return value
    return None


# The spacing a paragraph's own properties may set over its style's: field -> (path, attribute, default).
_SPACING = {
    "line": (".//w:spacing[@w:line]", "line", 240),
    "before": (".//w:spacing[@w:before]", "before", 0),
    "after": (".//w:spacing[@w:after]", "after", 0),
    "left": (".//w:ind[@w:left]", "left", 0),
    "right": (".//w:ind[@w:right]", "right", 0),
}


def _style_look(styles: _Styles, style_id: str | None) -> tuple[dict[str, float], float, str | None, bool]:
    # What a paragraph style resolves to through its chain (spacing, size, font, page break): the same for every
    # paragraph of that style, so looked up once per style.
    cached = styles.looks.get(style_id)
    if cached is None:
        chain = styles.chain(style_id)
        spacing = {field: float(_find(chain, path, attr) or default) for field, (path, attr, default) in _SPACING.items()}
        cached = styles.looks[style_id] = (spacing, float(_find(chain, ".//w:sz", "val") or 20) / 2,
                                           _find(chain, ".//w:rFonts", "ascii"),
                                           any(h.find(f".//{X.qn('w:pageBreakBefore')}") is not None for h in chain))
    return cached


# _SPACING's paths as one walk of a paragraph's properties: element -> (field, attribute) pairs.
_SPACED = {X.qn("w:spacing"): [(field, X.qn("w:" + attr)) for field, attr in
                                (("line", "line"), ("before", "before"), ("after", "after"))],
           X.qn("w:ind"): [("left", X.qn("w:left")), ("right", X.qn("w:right"))]}


def _own_spacing(own: etree._Element) -> dict[str, str]:
    # What _find([own], path, attr) gives for each field of _SPACING that own sets (the first element below it, in
    # document order, with the attribute), in one walk rather than one search per field.
    found: dict[str, str] = {}
    for node in own.iter(*_SPACED):
        if node is own:
            continue
        for field, attr in _SPACED[node.tag]:
            if field not in found:
                value = node.get(attr)
                if value is not None:
                    found[field] = value
    return found


def _look(paragraph: etree._Element, styles: _Styles) -> _Look:
    own = paragraph.find(X.qn("w:pPr"))
    style = own.find(X.qn("w:pStyle")) if own is not None else None
    # Spacing, indents and page breaks: the paragraph's own properties first; size and font: its style's
    # (a paragraph's own w:rPr is its mark's, not its text's).
    spacing, size, family, page_break = _style_look(styles, None if style is None else style.get(X.qn("w:val")))
    if own is not None:
        spacing = dict(spacing)
        for field, value in _own_spacing(own).items():
            spacing[field] = float(value or _SPACING[field][2])
        page_break = own.find(f".//{X.qn('w:pageBreakBefore')}") is not None or page_break
    return _Look(
        size=size,
        line=spacing["line"] / 240,
        before=spacing["before"] / 20,
        after=spacing["after"] / 20,
        indent=(spacing["left"] + spacing["right"]) / 20,
        family=family,
        page_break=page_break,
    )


def _page(package: X.Package) -> tuple[float, float]:
    """The text width and height of the last section's page, in points (Word's US Letter, 1 inch margins, where
    the section does not say)."""
    sect = package.xml("word/document.xml").find(f"{X.qn('w:body')}/{X.qn('w:sectPr')}")
    found = lambda tag: sect.find(X.qn(tag)) if sect is not None else None  # noqa: E731
    size, margins = found("w:pgSz"), found("w:pgMar")

    def points(node: etree._Element | None, attr: str, default: int) -> float:
        value = node.get(X.qn(f"w:{attr}")) if node is not None else None
        return float(value if value and value.lstrip("-").isdigit() else default) / 20

    return (points(size, "w", 12240) - points(margins, "left", 1440) - points(margins, "right", 1440),
            points(size, "h", 15840) - points(margins, "top", 1440) - points(margins, "bottom", 1440))


def count_statistics(package: X.Package, metrics: Mapping[str, tuple[float, float]],
                     read: list[tuple[etree._Element, str]] | None = None) -> Statistics:
    """Count the words, characters and paragraphs of the body and notes; estimate their lines and pages.

    metrics: per font family the styles name, the average advance per character and the single line height, in em.
    read: text_paragraphs(package), when the caller has read them already.
    """
    styles = _Styles(package.xml("word/styles.xml"))
    width, height = _page(package)
    words = characters = with_spaces = paragraphs = lines = 0
    pages, used = 1, 0.0
    for paragraph, text in text_paragraphs(package) if read is None else read:
        look = _look(paragraph, styles)
        advance, single = metrics.get(look.family or "", _DEFAULT_METRICS)
        if look.page_break and used > 0:
            pages, used = pages + 1, 0.0
        count = 0
        if text.strip():
            paragraphs += 1
            parts = text.split()  # at what the regex \s matches (str.isspace): the characters but whitespace
            words += len(parts)
            characters += sum(map(len, parts))
            with_spaces += len(text)
            count = max(1, math.ceil(len(text) * advance * look.size / max(width - look.indent, 1.0)))
            lines += count
        line = look.size * look.line * single
        used += look.before if used > 0 else 0.0
        for _ in range(max(count, 1)):
            if used + line > height and used > 0:
                pages, used = pages + 1, 0.0
            used += line
        used += look.after
    return Statistics(pages, words, characters, with_spaces, paragraphs, lines)
