"""The HTML the brief is written as: Pandoc's output finished for the PDF renderer and for the web."""

from __future__ import annotations

import html as htmllib
import re

from .links import print_links
from .metadata import NOTES_HEADING
from .problems import BuildError

# Pandoc's back-link glyph (U+21A9 with a text presentation selector) is in no brand font.
_BACKLINK_GLYPH = "\u21a9\ufe0e"
BACKLINK_TEXT = "\u2191"
_NOTES_OPEN = re.compile(r'(<section id="footnotes" class="footnotes[^"]*" role="doc-endnotes">)\s*<hr\s*/>')


def finish_html(pandoc_html: str, notes_heading: str = NOTES_HEADING) -> str:
    """Give Pandoc's endnotes section a real heading (the brief's Metadata.notes_heading), and back-links a glyph
    the brand fonts have."""
    heading = f'<h1 class="notes-heading" id="citations">{htmllib.escape(notes_heading)}</h1>'
    finished, count = _NOTES_OPEN.subn(lambda m: m.group(1) + "\n" + heading, pandoc_html, count=1)
    if count == 0 and 'role="doc-endnotes"' in pandoc_html:
        raise BuildError("html: Pandoc's endnotes section has an unexpected shape; cannot add the notes heading")
    return finished.replace(f'role="doc-backlink">{_BACKLINK_GLYPH}</a>', f'role="doc-backlink">{BACKLINK_TEXT}</a>')


_SINGLE_PARAGRAPH_ITEM = re.compile(r"<li([^>]*)>\s*<p>((?:(?!</?p[ >]).)*)</p>\s*</li>", re.S)
_MARKER_SUP = re.compile(r'(role="doc-noteref")><sup>([^<]*)</sup></a>')


def tag_friendly_lists(document: str) -> str:
    """Unwrap the paragraph of one-paragraph list items: PDF/UA lets an LI hold only Lbl and LBody."""
    return _SINGLE_PARAGRAPH_ITEM.sub(r"<li\1>\2</li>", document)


_URL_LINK = re.compile(r'(<a href="(https?://[^"]+)"[^>]*>)(https?://[^<]+)</a>')
_URL_PIECES = re.compile(r"&[a-z]+;|&#\d+;|//|.", re.S)


# A zero-width space, not <wbr>: WeasyPrint makes each <wbr> an element inside the link, and PDF/UA-1
# then finds the link's annotation outside its Link structure element. Text checks drop U+200B.
_BREAK = "\u200b"


def break_url(text: str) -> str:
    """Mark where a printed URL may break, as Chicago advises: after // or a colon, before a slash,
    period, comma, hyphen, underscore, tilde, ?, # or %, and before or after = and &."""
    out = []
    for piece in _URL_PIECES.findall(text):
        if piece in ("//", ":"):
            out.append(piece + _BREAK)
        elif piece in ("=", "&amp;"):
            out.append(_BREAK + piece + _BREAK)
        elif piece in "/.,-_~?#%":
            out.append(_BREAK + piece)
        else:
            out.append(piece)
    return "".join(out).replace(_BREAK * 2, _BREAK)


def print_html(document: str, base_url: str | None = None) -> str:
    """The HTML WeasyPrint renders: note markers raised by CSS, not <sup>, URLs that break sensibly, and relative
    links resolved against the web page's address `base_url`, or without one left out (links.print_links)."""
    # WeasyPrint tags a <sup> inside <a> as a separate element holding its own copy of the link
    # annotation, which PDF/UA-1 rejects ("annotation not nested within a Link structure element").
    document = _MARKER_SUP.sub(r"\1>\2</a>", tag_friendly_lists(print_links(document, base_url)))
    return _URL_LINK.sub(lambda m: m.group(1) + break_url(m.group(3)) + "</a>", document)


def web_html(document: str, css: str) -> str:
    """The standalone web page: the document with every stylesheet inlined (no outside requests)."""
    style = f"<style>\n{css}</style>\n"
    if "</head>" not in document:
        raise BuildError("html: the template produced no </head>; cannot add the stylesheet")
    return document.replace("</head>", style + "</head>", 1)
