"""Text as the checks compare it: normalised for whitespace, quotes and dashes, and compared word by word."""

from __future__ import annotations

import difflib
import re
import unicodedata

from ..problems import shorten

_QUOTES = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
    "\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u2007": " ",
    "\u00ad": None, "\u200b": None, "\u200c": None, "\u200d": None, "\ufeff": None, "\ufe0e": None, "\ufe0f": None,
    # Back-link glyphs: Pandoc's and the one html.finish_html puts in their place.
    "\u21a9": None, "\u2191": None,
})
_SPACE = re.compile(r"\s+")
# _QUOTES as a search and replace: str.translate looks every character of a text up in its table, the regex only
# stops at the few that are in it.
_REPLACED = {chr(code): replacement or "" for code, replacement in _QUOTES.items()}
_TRANSLATED = re.compile("[" + "".join(_REPLACED) + "]")


def _replacement(found: re.Match) -> str:
    return _REPLACED[found.group()]


def normalise(text: str) -> str:
    """One-line text with straight quotes, hyphen-minus for every dash, single spaces, no back-link glyphs."""
    if not text.isascii():  # every character _QUOTES replaces is beyond ASCII, and ASCII text is NFC already
        text = _TRANSLATED.sub(_replacement, unicodedata.normalize("NFC", text))
    return _SPACE.sub(" ", text).strip()


def squashed(text: str) -> str:
    """The normalised text without any whitespace, for comparing texts whose line breaks differ."""
    return _SPACE.sub("", normalise(text))


def same_text(a: str, b: str) -> bool:
    """True when the texts differ only in whitespace, quote style or dash style."""
    return squashed(a) == squashed(b)


def words(text: str) -> list[str]:
    """The normalised text split into words."""
    return normalise(text).split(" ") if normalise(text) else []


def word_changes(old: str, new: str, limit: int = 3) -> str:
    """The differing words between two texts, as '"x" for "y"', '"x" added', '"y" left out', semicolon-separated."""
    a, b = words(old), words(new)
    changes = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "replace":
            changes.append(f'"{" ".join(b[j1:j2])}" for "{" ".join(a[i1:i2])}"')
        elif tag == "insert":
            changes.append(f'"{" ".join(b[j1:j2])}" added')
        elif tag == "delete":
            changes.append(f'"{" ".join(a[i1:i2])}" left out')
    if not changes:
        return "differs only in spacing"
    shown = [shorten(change, 80) for change in changes[:limit]]
    more = len(changes) - limit
    return "; ".join(shown) + (f"; and {more} more" if more > 0 else "")


def fragment_before(text: str, limit: int = 60) -> str:
    """The end of `text` as a message quotes it: about `limit` characters, cut at a word, '…' where cut."""
    text = " ".join(text.split())  # the editor's own quotes and dashes, shown as they are
    if len(text) <= limit:
        return text
    tail = text[-limit:]
    space = tail.find(" ")
    if 0 <= space < limit // 2:
        tail = tail[space + 1:]
    return "\u2026" + tail


def describe_place(heading: str | None, before: str) -> str:
    """Where an editor looks: 'in "Introduction" after "…cites a newspaper."'."""
    where = f'in "{shorten(heading, 50)}"' if heading else "before the first heading"
    shown = fragment_before(before)
    return f'{where} after "{shown}"' if shown else f"{where}, at the start of a paragraph"


def alignment_key(text: str) -> str:
    """The text as notes are aligned across formats: normalised, no whitespace, no hyphens (hyphenation at a
    line end and a break inside a URL leave no trace), lower case."""
    return squashed(text).replace("-", "").lower()
