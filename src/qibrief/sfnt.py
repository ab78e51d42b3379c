"""A TrueType/OpenType font file read and written table by table, without fontTools: what a build needs of a font
(its Unicode map, advance widths, name table) costs a few milliseconds here against 0.1-0.2 s of fontTools'
first use in a process (table modules imported, every glyph named from the post table to build a cmap).

Only the plain forms the vendored brand fonts have are read here: an sfnt file (no WOFF, no collection), cmap
subtables of format 4, a name table of format 0 or 1, head and OS/2 of their exact sizes. Anything else raises
Unsupported, and the caller falls back to fontTools, which knows every form. What this module writes matches what
fontTools writes for the same change (tables in the OpenType specification's recommended order, each padded to
four bytes, the directory sorted by tag, head's checkSumAdjustment last); tests/test_sfnt.py compares the two.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

# The OpenType specification's recommended table order (fontTools.ttLib.ttFont.TTFTableOrder and OTFTableOrder).
_TTF_ORDER = ("head", "hhea", "maxp", "OS/2", "hmtx", "LTSH", "VDMX", "hdmx", "DMAP", "cmap", "fpgm", "prep",
              "cvt ", "loca", "glyf", "kern", "name", "post", "gasp", "PCLT")
_OTF_ORDER = ("head", "hhea", "maxp", "OS/2", "name", "DMAP", "cmap", "post", "CFF ")
# The cmap subtable getBestCmap picks, first found first: (platform, encoding).
_CMAP_PREFERENCES = ((3, 10), (0, 6), (0, 4), (3, 1), (0, 3), (0, 2), (0, 1), (0, 0))
_OS2_SIZES = {0: 78, 1: 86, 2: 96, 3: 96, 4: 96, 5: 100}
_HEAD_SIZE = 54
_EPOCH_1970 = 0x7C259DC0  # 1970-01-01 in head's seconds since 1904; fontTools rewrites earlier stamps


class Unsupported(ValueError):
    """A font form this module does not read: the caller uses fontTools instead."""


# What a reader here raises for a form it does not know or a font cut short: either way, fontTools decides.
NOT_READ = (Unsupported, struct.error)


@dataclass(frozen=True)
class NameRecord:
    """One name table record: its ids and its string's encoded bytes."""

    platform: int
    encoding: int
    language: int
    name_id: int
    string: bytes


@dataclass(frozen=True)
class Font:
    """An sfnt font's version tag and its tables' bytes by tag."""

    version: bytes
    tables: dict[str, bytes]

    def table(self, tag: str) -> bytes:
        """The table's bytes, or Unsupported when the font has none."""
        try:
            return self.tables[tag]
        except KeyError:
            raise Unsupported(f"no {tag} table") from None

    def replaced(self, tables: dict[str, bytes]) -> "Font":
        """The font with some tables' bytes replaced, by tag."""
        return Font(self.version, self.tables | tables)


def read_font(data: bytes) -> Font:
    """The font's tables, read from its table directory."""
    if len(data) < 12:
        raise Unsupported("too short for an sfnt header")
    version, count = data[:4], struct.unpack_from(">H", data, 4)[0]
    if version not in (b"\0\1\0\0", b"OTTO"):
        raise Unsupported(f"sfnt version {version!r}")
    tables = {}
    for index in range(count):
        start = 12 + 16 * index
        if start + 16 > len(data):
            raise Unsupported("table directory truncated")
        tag, _, offset, length = struct.unpack_from(">4sLLL", data, start)
        if offset + length > len(data):
            raise Unsupported(f"table {tag!r} past the end of the file")
        name = tag.decode("latin-1")
        if name in tables:
            raise Unsupported(f"table {tag!r} twice")
        tables[name] = data[offset:offset + length]
    return Font(version, tables)


def write_font(font: Font) -> bytes:
    """The font file: tables in the recommended order, the directory sorted by tag, head's checksum adjustment."""
    tags = _ordered(list(font.tables), font.version == b"OTTO")
    count = len(tags)
    exponent = max(count.bit_length() - 1, 0)
    search_range = (1 << exponent) * 16
    header = font.version + struct.pack(">HHHH", count, search_range, exponent, count * 16 - search_range)
    offset = 12 + 16 * count
    entries, body, head_at = {}, [], None
    for tag in tags:
        data = font.tables[tag]
        if tag == "head":
            head_at = offset
            checksum = _checksum(data[:8] + b"\0\0\0\0" + data[12:])
        else:
            checksum = _checksum(data)
        entries[tag] = struct.pack(">4sLLL", tag.encode("latin-1"), checksum, offset, len(data))
        padded = data + b"\0" * (-len(data) % 4)
        body.append(padded)
        offset += len(padded)
    directory = header + b"".join(entries[tag] for tag in sorted(entries))
    out = bytearray(directory + b"".join(body))
    if head_at is not None:
        total = sum(struct.unpack_from(">L", entry, 4)[0] for entry in entries.values()) + _checksum(directory)
        struct.pack_into(">L", out, head_at + 8, (0xB1B0AFBA - total) & 0xFFFFFFFF)
    return bytes(out)


def _ordered(tags: list[str], cff: bool) -> list[str]:
    # fontTools.ttLib.ttFont.sortedTagList: by tag, DSIG last, the recommended tables first in their order.
    rest = sorted(tags)
    if "DSIG" in rest:
        rest.remove("DSIG")
        rest.append("DSIG")
    first = [tag for tag in (_OTF_ORDER if "CFF " in rest else _TTF_ORDER) if tag in rest]
    return first + [tag for tag in rest if tag not in first]


def _checksum(data: bytes) -> int:
    data += b"\0" * (-len(data) % 4)
    return sum(struct.unpack(f">{len(data) // 4}L", data)) & 0xFFFFFFFF


def unicode_maps(font: Font) -> list[tuple[int, int, dict[int, int]]]:
    """Each Unicode cmap subtable as (platform, encoding, code point -> glyph id), in the table's order."""
    data = font.table("cmap")
    version, count = struct.unpack_from(">HH", data, 0)
    if version != 0:
        raise Unsupported(f"cmap version {version}")
    maps, seen = [], {}
    for index in range(count):
        platform, encoding, offset = struct.unpack_from(">HHL", data, 4 + 8 * index)
        if not (platform == 0 or (platform == 3 and encoding in (0, 1, 10))):
            continue
        if offset not in seen:
            seen[offset] = _format_4(data, offset)
        maps.append((platform, encoding, seen[offset]))
    return maps


def best_map(font: Font) -> dict[int, int]:
    """The Unicode map fontTools' getBestCmap picks (code point -> glyph id); empty when the font has none."""
    maps = unicode_maps(font)
    for wanted in _CMAP_PREFERENCES:
        for platform, encoding, mapping in maps:
            if (platform, encoding) == wanted:
                return mapping
    return {}


def _format_4(data: bytes, offset: int) -> dict[int, int]:
    # As fontTools reads it: every segment but the last, later segments overriding earlier ones, glyph 0 left out.
    form, length = struct.unpack_from(">HH", data, offset)
    if form != 4:
        raise Unsupported(f"cmap subtable format {form}")
    table = data[offset:offset + length]
    if len(table) != length or length < 14 or length % 2:
        raise Unsupported("cmap format 4 subtable truncated")
    segments = struct.unpack_from(">H", table, 6)[0] // 2
    words = struct.unpack(f">{(length - 14) // 2}H", table[14:])
    if len(words) < 4 * segments + 1:
        raise Unsupported("cmap format 4 subtable truncated")
    ends, starts = words[:segments], words[segments + 1:2 * segments + 1]
    deltas, range_offsets = words[2 * segments + 1:3 * segments + 1], words[3 * segments + 1:4 * segments + 1]
    glyphs = words[4 * segments + 1:]
    mapping: dict[int, int] = {}
    for index in range(segments - 1):
        start, end, delta, range_offset = starts[index], ends[index], deltas[index], range_offsets[index]
        if range_offset == 0:
            for code in range(start, end + 1):
                glyph = (code + delta) & 0xFFFF
                if glyph:
                    mapping[code] = glyph
            continue
        partial = range_offset // 2 - start + index - segments
        for code in range(start, end + 1):
            at = code + partial
            if not 0 <= at < len(glyphs):
                raise Unsupported("cmap format 4 glyph index out of range")
            glyph = (glyphs[at] + delta) & 0xFFFF if glyphs[at] else 0
            if glyph:
                mapping[code] = glyph
    return mapping


def advance_widths(font: Font) -> tuple[int, ...]:
    """Each glyph's advance width (hmtx), in font units, glyph ids past the last metric taking its width."""
    glyphs = struct.unpack_from(">H", font.table("maxp"), 4)[0]
    metrics = struct.unpack_from(">H", font.table("hhea"), 34)[0]
    hmtx = font.table("hmtx")
    if metrics == 0 or len(hmtx) < 4 * metrics:
        raise Unsupported("hmtx shorter than hhea says")
    if metrics > glyphs:
        raise Unsupported("more metrics than glyphs")
    widths = struct.unpack(f">{2 * metrics}H", hmtx[:4 * metrics])[::2]
    return widths + (widths[-1],) * max(0, glyphs - metrics)


def read_head(font: Font) -> bytes:
    """The head table, of the one size fontTools writes back unchanged."""
    head = font.table("head")
    if len(head) != _HEAD_SIZE:
        raise Unsupported(f"head table of {len(head)} bytes")
    created, modified = struct.unpack_from(">QQ", head, 20)
    if not all(_EPOCH_1970 <= stamp <= 0xFFFFFFFF for stamp in (created, modified)):
        raise Unsupported("head time stamp fontTools would rewrite")
    return head


def font_revision(head: bytes) -> float:
    """head.fontRevision, a 16.16 fixed-point number."""
    return struct.unpack_from(">l", head, 4)[0] / 65536


def read_os2(font: Font) -> bytes:
    """The OS/2 table, of the size its version has."""
    os2 = font.table("OS/2")
    if len(os2) < 2 or _OS2_SIZES.get(struct.unpack_from(">H", os2, 0)[0]) != len(os2):
        raise Unsupported("OS/2 table of an unexpected size")
    return os2


def read_names(font: Font) -> list[NameRecord]:
    """The name table's records, as fontTools reads them (language-tag records of format 1 left out)."""
    data = font.table("name")
    form, count, strings = struct.unpack_from(">HHH", data, 0)
    if form not in (0, 1) or len(data) < 6 + 12 * count:
        raise Unsupported("name table of an unexpected form")
    records = []
    for index in range(count):
        platform, encoding, language, name_id, length, offset = struct.unpack_from(">6H", data, 6 + 12 * index)
        if strings + offset + length > len(data):
            raise Unsupported("name record past the end of the table")
        records.append(NameRecord(platform, encoding, language, name_id,
                                  data[strings + offset:strings + offset + length]))
    return records


def write_names(records: list[NameRecord]) -> bytes:
    """A name table of format 0: records sorted by their ids and bytes, equal strings stored once."""
    records = sorted(records, key=lambda r: (r.platform, r.encoding, r.language, r.name_id, r.string))
    strings, placed, directory = bytearray(), {}, []
    for record in records:
        if record.string not in placed:
            placed[record.string] = len(strings)
            strings += record.string
        directory.append(struct.pack(">6H", record.platform, record.encoding, record.language, record.name_id,
                                     len(record.string), placed[record.string]))
    return struct.pack(">HHH", 0, len(records), 6 + 12 * len(records)) + b"".join(directory) + bytes(strings)
