"""Glyph coverage: every character the brief prints must be in the brand's fonts, or the build fails."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path

from . import sfnt
from .brand import Brand
from .problems import BuildError, Problem

# Characters that are layout, not glyphs: spaces, joiners, controls, variation selectors.
_IGNORED_CATEGORIES = {"Zs", "Zl", "Zp", "Cc", "Cf", "Mn"}


@lru_cache(maxsize=32)
def _cmap(path: Path) -> frozenset[int]:
    try:
        return frozenset(sfnt.best_map(sfnt.read_font(path.read_bytes())))
    except (*sfnt.NOT_READ, OSError):  # a form sfnt.py does not read, or no file: fontTools says what is wrong
        pass
    try:
        from fontTools.ttLib import TTFont

        return frozenset(TTFont(str(path)).getBestCmap() or ())
    except Exception as exc:  # noqa: BLE001 - fontTools reports a damaged font as many kinds of error
        name = f"styles/{path.parent.name}/{path.name}"
        raise BuildError(f"{name}: not a readable font ({type(exc).__name__}: {str(exc)[:200]})") from None


def brand_coverage(brand: Brand) -> dict[str, frozenset[int]]:
    """Per brand family, the code points every one of its files covers."""
    coverage = {}
    for font in brand.fonts:
        maps = [_cmap(face.path) for face in font.faces]
        coverage[font.family] = frozenset.intersection(*maps) if maps else frozenset()
    return coverage


class _TextWalker(HTMLParser):
    """Collects (text, where) pairs: where is the id of the nearest section or note."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.places: list[str] = ["cover"]
        self.stack: list[tuple[str, bool]] = []
        self.texts: list[tuple[str, str]] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        ident = attributes.get("id") or ""
        pushed = False
        if tag in ("section", "li", "header") and ident:
            label = f"note {ident[2:]}" if re.fullmatch(r"fn\d+", ident) else f"#{ident}"
            self.places.append(label)
            pushed = True
        if tag in ("style", "script", "title", "svg"):
            self.skip += 1
        self.stack.append((tag, pushed))

    def handle_endtag(self, tag):
        while self.stack:
            open_tag, pushed = self.stack.pop()
            if pushed:
                self.places.pop()
            if open_tag in ("style", "script", "title", "svg"):
                self.skip -= 1
            if open_tag == tag:
                break

    def handle_data(self, data):
        if not self.skip and data.strip():
            self.texts.append((data, self.places[-1]))


def check_glyphs(document: str, brand: Brand, display: str) -> list[Problem]:
    """Problems for each character of the document's text that no brand font can draw."""
    covered = frozenset.union(*brand_coverage(brand).values()) if brand.fonts else frozenset()
    walker = _TextWalker()
    walker.feed(document)
    problems = []
    seen: set[tuple[str, str]] = set()
    for text, place in walker.texts:
        if all(ord(char) in covered for char in set(text)):
            continue  # most texts: every character drawn, nothing to say
        for index, char in enumerate(text):
            if ord(char) in covered or unicodedata.category(char) in _IGNORED_CATEGORIES:
                continue
            if (char, place) in seen:
                continue
            seen.add((char, place))
            context = " ".join(text[max(0, index - 25): index + 25].split())
            problems.append(Problem(
                display, None,
                f"{place}: character U+{ord(char):04X} {unicodedata.name(char, '?')} ({char}) is in no brand font "
                f"(near “{context}”); the PDF would fall back to another font",
            ))
    return problems


def foreign_families(used: set[str], brand: Brand) -> set[str]:
    """Font families WeasyPrint used that the brand does not name."""
    return {family for family in used if family not in brand.families}
