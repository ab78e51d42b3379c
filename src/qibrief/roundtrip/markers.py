"""The invisible markers the DOCX carries for the round trip, as Word index-entry fields (`XE "..."`).

Word and LibreOffice keep index-entry fields through an edit and a save; bookmarks do not survive Pandoc's
reader (it drops a bookmark no link points to). Pandoc's reader gives each back as
`Span ("", ["indexref"], [("entry", TEXT)])`; LibreOffice appends ": " to TEXT when it saves.
Every entry starts with "qibrief" and has no colon (a colon separates index subentries).
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape  # quote=False: what xml.sax.saxutils.escape does, without its import of urllib.request
from urllib.parse import quote, unquote

PREFIX = "qibrief"
SECTION, HEADING, CITE, NOTE, BLOCK = "section", "heading", "cite", "note", "block"
# In a citation's marker: whether the source had a space before the citation ("_") or not ("-"), then the
# punctuation citeproc moved in front of the note it made (undone by the import).
SPACE, NO_SPACE = "_", "-"


@dataclass(frozen=True)
class Marker:
    """One marker: its kind (section, heading, cite) and its words."""

    kind: str
    words: tuple[str, ...]


def entry(kind: str, *words: str) -> str:
    """The XE entry text for a marker."""
    return " ".join((PREFIX, kind, *words))


def field_xml(text: str) -> str:
    """An index-entry field with no result, as the runs Pandoc's DOCX writer passes through (raw openxml)."""
    quoted = escape(text.replace('"', "'"), quote=False)
    return ('<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
            f'<w:r><w:instrText xml:space="preserve"> XE "{quoted}" </w:instrText></w:r>'
            '<w:r><w:fldChar w:fldCharType="end"/></w:r>')


def raw(kind: str, *words: str) -> dict:
    """The marker as a RawInline for Pandoc's JSON AST."""
    return {"t": "RawInline", "c": ["openxml", field_xml(entry(kind, *words))]}


def attr_words(attr: list) -> tuple[str, ...]:
    """A fenced div's attributes as a block marker's words: `#id`, `.class`, `key=value`, each percent-encoded
    (an entry's words hold no space, colon or quote)."""
    ident, classes, pairs = attr
    return ((f"#{quote(ident, safe='')}",) if ident else ()) + tuple(f".{quote(name, safe='')}" for name in classes) \
        + tuple(f"{quote(key, safe='')}={quote(value, safe='')}" for key, value in pairs)


def parse_attr(words: tuple[str, ...]) -> list:
    """The attributes a block marker's words give (attr_words reversed)."""
    ident, classes, pairs = "", [], []
    for word in words:
        if word.startswith("#"):
            ident = unquote(word[1:])
        elif word.startswith("."):
            classes.append(unquote(word[1:]))
        elif "=" in word:
            key, value = word.split("=", 1)
            pairs.append([unquote(key), unquote(value)])
    return [ident, classes, pairs]


def parse_marker(inline: dict) -> Marker | None:
    """The marker an inline of the reader's AST is, or None."""
    if inline.get("t") != "Span":
        return None
    (ident, classes, attrs), _ = inline["c"]
    if "indexref" not in classes:
        return None
    text = dict(attrs).get("entry", "").strip()
    text = text.removesuffix(":").strip()  # LibreOffice's ": "
    words = text.split(" ")
    if len(words) < 2 or words[0] != PREFIX:
        return None
    return Marker(words[1], tuple(words[2:]))


def is_indexref(inline: dict) -> bool:
    """Whether an inline is an index-entry Span (ours or an editor's)."""
    return inline.get("t") == "Span" and "indexref" in inline["c"][0][1]
