"""The brand fonts embedded in the DOCX the way Word embeds TrueType fonts (ECMA-376 Part 1, 17.8.1 and 17.8.3).

An editor without the brand fonts installed then still sees the brief in them, in Word and in LibreOffice.
Word's form: each face is a part under word/fonts/ (`fontN.odttf`, content type obfuscatedFont), related from
word/fontTable.xml, whose `w:font` names it in `w:embedRegular`, `w:embedBold`, `w:embedItalic` or
`w:embedBoldItalic` with the relationship id and a `w:fontKey` GUID; the first 32 bytes of the font are XORed
with that GUID's 16 bytes taken from the end of its hex string (the "obfuscation" of 17.8.1); settings.xml says
`w:embedTrueTypeFonts` so that Word keeps embedding them when an editor saves.

A DOCX run has one family and only bold and italic, so four faces per family are embedded: the brand's 400 and
700 weights, upright and italic (the 600 weight the PDF uses has no DOCX slot). Each embedded copy is named for
the brand family and its slot (`Source Sans 3` / `Bold`) in its `name` table: the vendored Source Sans 3 files are
instances of the variable font that still carry its default instance's family name, "Source Sans 3 ExtraLight".
LibreOffice 7.4 used them under the font table's name either way (measured), but then named them
SourceSans3ExtraLight-* in its PDF; a face whose own names disagree with the font table is a gamble in Word.
"""

from __future__ import annotations

import hashlib
import io
import struct
import uuid
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Mapping

from lxml import etree

from .. import sfnt
from ..brand import Brand, FontFace
from ..problems import BuildError
from . import wordml as X
from .wordml import el

FONT_TABLE = "word/fontTable.xml"
REL_FONT = X.REL + "font"
CT_OBFUSCATED_FONT = "application/vnd.openxmlformats-officedocument.obfuscatedFont"
# The four faces a DOCX family can have: (bold, italic) -> the font table's element and the name table's style.
SLOTS = {
    (False, False): ("embedRegular", "Regular"),
    (True, False): ("embedBold", "Bold"),
    (False, True): ("embedItalic", "Italic"),
    (True, True): ("embedBoldItalic", "Bold Italic"),
}
_WEIGHTS = {False: 400, True: 700}
# CT_Font's child order (ECMA-376 Part 1, 17.8.3.10).
FONT_ORDER = ("altName panose1 charset family notTrueType pitch sig embedRegular embedBold embedItalic "
              "embedBoldItalic").split()
# Name table records rewritten for the embedded copy: family, subfamily, unique id, full name, PostScript name;
# the typographic and WWS family records (16, 17, 21, 22) are dropped, so that 1 and 2 are the only family.
_DROPPED_NAMES = (16, 17, 21, 22)


@dataclass(frozen=True)
class EmbeddedFont:
    """One face to embed: its family, slot (bold, italic), the renamed font's bytes and its obfuscation key."""

    family: str
    bold: bool
    italic: bool
    data: bytes

    @property
    def key(self) -> str:
        """The w:fontKey GUID, derived from the font's bytes so that the same font gives the same package."""
        return "{%s}" % str(uuid.UUID(bytes=hashlib.sha256(self.data).digest()[:16])).upper()

    @property
    def element(self) -> str:
        """The font table element that names this face: embedRegular, embedBold, ..."""
        return SLOTS[(self.bold, self.italic)][0]


def faces_to_embed(brand: Brand) -> list[tuple[str, bool, bool, FontFace]]:
    """The brand faces that fill each family's four DOCX slots (family, bold, italic, face): in each style, the
    weight nearest 400 for regular and nearest 700 (of 600 and over) for bold."""
    picked = []
    for font in brand.fonts:
        for bold, italic in SLOTS:
            style = "italic" if italic else "normal"
            candidates = [face for face in font.faces if face.style == style and (face.weight >= 600) == bold]
            if candidates:
                face = min(candidates, key=lambda f: (abs(f.weight - _WEIGHTS[bold]), f.weight))
                picked.append((font.family, bold, italic, face))
    return picked


def embedded_fonts(brand: Brand, files: Mapping[Path, bytes]) -> list[EmbeddedFont]:
    """The faces to embed, each renamed for its family and slot, from the font files' bytes (read by the caller)."""
    fonts = []
    for family, bold, italic, face in faces_to_embed(brand):
        if face.path not in files:
            continue
        try:
            data = name_face(files[face.path], family, bold, italic)
        except Exception as exc:  # noqa: BLE001 - fontTools reports a damaged font as many kinds of error
            shown = f"styles/{face.path.parent.name}/{face.path.name}"
            raise BuildError(f"{shown}: not a readable TrueType font ({type(exc).__name__}: {str(exc)[:200]})") from None
        fonts.append(EmbeddedFont(family, bold, italic, data))
    return fonts


@lru_cache(maxsize=16)
def name_face(data: bytes, family: str, bold: bool, italic: bool) -> bytes:
    """The font with its name table saying it is `family` in the slot (bold, italic), and style bits to match."""
    try:
        return _name_tables(sfnt.read_font(data), family, bold, italic)
    except sfnt.NOT_READ:  # a form sfnt.py does not read: fontTools knows them all
        return _name_with_fonttools(data, family, bold, italic)


def _names(family: str, style: str, version: float) -> tuple[tuple[int, str], ...]:
    # The name records the embedded copy carries: family, subfamily, unique id, full name, PostScript name.
    postscript = f"{family}-{style}".replace(" ", "")
    return ((1, family), (2, style), (3, f"{version:.3f};{postscript}"),
            (4, family if style == "Regular" else f"{family} {style}"), (6, postscript))


def _fs_selection(selection: int, bold: bool, italic: bool) -> int:
    # OS/2 fsSelection: bit 0 italic, bit 5 bold, bit 6 regular.
    selection &= ~0b1100001
    return selection | (1 if italic else 0) | (0b100000 if bold else 0) | (0 if bold or italic else 0b1000000)


def _name_tables(font: sfnt.Font, family: str, bold: bool, italic: bool) -> bytes:
    # name_face on the tables' bytes: name, OS/2 and head rewritten as fontTools compiles them, the rest copied.
    head, os2 = bytearray(sfnt.read_head(font)), bytearray(sfnt.read_os2(font))
    names = _names(family, SLOTS[(bold, italic)][1], sfnt.font_revision(head))
    dropped = set(_DROPPED_NAMES) | {name_id for name_id, _ in names}
    records = [record for record in sfnt.read_names(font) if record.name_id not in dropped]
    records += [sfnt.NameRecord(3, 1, 0x409, name_id, text.encode("utf_16_be")) for name_id, text in names]
    # fontTools recomputes OS/2's first and last character from every Unicode cmap subtable when it compiles OS/2.
    codes = set().union(*(mapping for *_, mapping in sfnt.unicode_maps(font)))
    if codes:
        struct.pack_into(">HH", os2, 64, min(0xFFFF, min(codes)), min(0xFFFF, max(codes)))
    struct.pack_into(">H", os2, 62, _fs_selection(struct.unpack_from(">H", os2, 62)[0], bold, italic))
    # head.macStyle: bit 0 bold, bit 1 italic.
    style = (struct.unpack_from(">H", head, 44)[0] & ~0b11) | (1 if bold else 0) | (2 if italic else 0)
    struct.pack_into(">H", head, 44, style)
    return sfnt.write_font(font.replaced({"name": sfnt.write_names(records), "OS/2": bytes(os2), "head": bytes(head)}))


def _name_with_fonttools(data: bytes, family: str, bold: bool, italic: bool) -> bytes:
    from fontTools.ttLib import TTFont

    # No bounding boxes recomputed: that would decompile every glyph, and the outlines are untouched.
    font = TTFont(io.BytesIO(data), lazy=True, recalcBBoxes=False, recalcTimestamp=False)
    table = font["name"]
    table.names = [record for record in table.names if record.nameID not in _DROPPED_NAMES]
    for name_id, text in _names(family, SLOTS[(bold, italic)][1], font["head"].fontRevision):
        table.removeNames(nameID=name_id)
        table.setName(text, name_id, 3, 1, 0x409)
    os2 = font["OS/2"]
    os2.fsSelection = _fs_selection(os2.fsSelection, bold, italic)
    font["head"].macStyle = (font["head"].macStyle & ~0b11) | (1 if bold else 0) | (2 if italic else 0)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def text_metrics(data: bytes, text: str | Counter) -> tuple[float, float]:
    """The font's average advance width over the text's characters and its single line height, both in em.

    The line height is Windows' ascent plus descent (OS/2), which Word's single spacing uses. text: the text, or its
    characters counted (Counter(text)), when several fonts measure the same text."""
    try:
        font = sfnt.read_font(data)
        cmap, widths = sfnt.best_map(font), sfnt.advance_widths(font)
        em = struct.unpack_from(">H", sfnt.read_head(font), 18)[0]
        ascent, descent = struct.unpack_from(">HH", sfnt.read_os2(font), 74)
        if any(glyph >= len(widths) for glyph in cmap.values()):
            raise sfnt.Unsupported("a glyph past the font's metrics")
    except sfnt.NOT_READ:  # a form sfnt.py does not read: fontTools knows them all
        return _metrics_with_fonttools(data, text)
    counts = [(n, widths[cmap[ord(ch)]]) for ch, n in _counted(text).items() if ord(ch) in cmap]
    total = sum(n for n, _ in counts)
    return (sum(n * w for n, w in counts) / total / em if total else 0.5), (ascent + descent) / em


def _counted(text: str | Counter) -> Counter:
    return text if isinstance(text, Counter) else Counter(text)


def _metrics_with_fonttools(data: bytes, text: str | Counter) -> tuple[float, float]:
    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(data), lazy=True)
    cmap, metrics, em = font.getBestCmap(), font["hmtx"], font["head"].unitsPerEm
    counts = [(n, metrics[cmap[ord(ch)]][0]) for ch, n in _counted(text).items() if ord(ch) in cmap]
    total = sum(n for n, _ in counts)
    os2 = font["OS/2"]
    return (sum(n * w for n, w in counts) / total / em if total else 0.5), (os2.usWinAscent + os2.usWinDescent) / em


def obfuscate(data: bytes, key: str) -> bytes:
    """XOR the first 32 bytes with the key GUID's bytes read from its end (ECMA-376 Part 1, 17.8.1); its own inverse."""
    mask = bytes.fromhex(key.strip("{}").replace("-", ""))[::-1]
    head = bytes(byte ^ mask[index % 16] for index, byte in enumerate(data[:32]))
    return head + data[32:]


def embed_fonts(package: X.Package, fonts: list[EmbeddedFont]) -> None:
    """Add the fonts as obfuscated parts, name them in the font table, and ask Word to keep embedding them."""
    if not fonts:
        return
    table = package.xml(FONT_TABLE)
    entries = {node.get(X.qn("w:name")): node for node in table.findall(X.qn("w:font"))}
    types = package.xml("[Content_Types].xml")
    if not any(node.get("Extension") == "odttf" for node in types.findall(f"{{{X.CT}}}Default")):
        types.insert(0, etree.Element(f"{{{X.CT}}}Default", Extension="odttf", ContentType=CT_OBFUSCATED_FONT))
    for number, font in enumerate(fonts, start=1):
        name = f"word/fonts/font{number}.odttf"
        package.put_bytes(name, obfuscate(font.data, font.key))
        rid = package.add_relationship(FONT_TABLE, REL_FONT, name.removeprefix("word/"))
        entry = entries.get(font.family)
        if entry is None:
            entry = el("w:font", name=font.family)
            table.insert(0, entry)
            entries[font.family] = entry
        X.insert_ordered(entry, el(f"w:{font.element}", **{"r:id": rid}, fontKey=font.key), FONT_ORDER)
    settings = package.xml("word/settings.xml")
    X.ensure(settings, "w:embedTrueTypeFonts", X.SETTINGS_ORDER)
    # Pandoc's reference document asks Word to embed the system's fonts too (Arial, Times New Roman, ...).
    for node in settings.findall(X.qn("w:embedSystemFonts")):
        settings.remove(node)
