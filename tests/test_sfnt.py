"""sfnt.py reads and writes the brand fonts as fontTools does: the embedded copies, the metrics and the glyph
coverage come out the same either way, and a form sfnt.py does not read goes to fontTools."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from qibrief import fonts, sfnt
from qibrief.docx import fonts as docxfonts

ROOT = Path(__file__).resolve().parents[1]
BRAND_FONTS = sorted((ROOT / "styles" / "fonts").glob("*.ttf"))
TEXT = "The brief’s “quick” brown fox — 1,234 lazy dogs; naïve café, §3 ¶2 … ﬁ"


def _slots():
    return [(bold, italic) for bold in (False, True) for italic in (False, True)]


@pytest.mark.parametrize("path", BRAND_FONTS, ids=lambda p: p.name)
def test_renamed_faces_are_fonttools_bytes(path):
    data = path.read_bytes()
    for bold, italic in _slots():
        for family in ("Source Serif 4", "Brand Sans"):
            fast = docxfonts.name_face.__wrapped__(data, family, bold, italic)
            assert fast == docxfonts._name_with_fonttools(data, family, bold, italic), (family, bold, italic)


@pytest.mark.parametrize("path", BRAND_FONTS, ids=lambda p: p.name)
def test_renamed_face_reads_back(path):
    renamed = TTFont(io.BytesIO(docxfonts.name_face.__wrapped__(path.read_bytes(), "Brand Sans", True, True)))
    assert renamed["name"].getDebugName(1) == "Brand Sans"
    assert renamed["name"].getDebugName(6) == "BrandSans-BoldItalic"
    assert renamed["OS/2"].fsSelection & 0b1100001 == 0b0100001
    assert renamed["head"].macStyle & 0b11 == 0b11


@pytest.mark.parametrize("path", BRAND_FONTS, ids=lambda p: p.name)
def test_metrics_and_coverage_are_fonttools_figures(path):
    data = path.read_bytes()
    assert docxfonts.text_metrics(data, TEXT) == docxfonts._metrics_with_fonttools(data, TEXT)
    assert sfnt.best_map(sfnt.read_font(data)) == {
        code: TTFont(io.BytesIO(data)).getGlyphID(name) for code, name in TTFont(io.BytesIO(data)).getBestCmap().items()}
    fonts._cmap.cache_clear()
    assert fonts._cmap(path) == frozenset(TTFont(str(path)).getBestCmap())


def _with_cmap_format_12(data: bytes) -> bytes:
    # The font's Unicode map as a single format 12 subtable (3, 10), which sfnt.py leaves to fontTools.
    from fontTools.ttLib.tables._c_m_a_p import CmapSubtable

    font = TTFont(io.BytesIO(data))
    table = CmapSubtable.newSubtable(12)
    table.platformID, table.platEncID, table.language, table.cmap = 3, 10, 0, dict(font.getBestCmap())
    font["cmap"].tables = [table]
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def test_a_form_sfnt_does_not_read_goes_to_fonttools(tmp_path):
    data = _with_cmap_format_12(BRAND_FONTS[0].read_bytes())
    with pytest.raises(sfnt.Unsupported):
        sfnt.unicode_maps(sfnt.read_font(data))
    assert docxfonts.name_face.__wrapped__(data, "Brand", False, False) == docxfonts._name_with_fonttools(
        data, "Brand", False, False)
    assert docxfonts.text_metrics(data, TEXT) == docxfonts._metrics_with_fonttools(data, TEXT)
    path = tmp_path / "twelve.ttf"
    path.write_bytes(data)
    assert fonts._cmap(path) == frozenset(TTFont(str(path)).getBestCmap())


def test_cut_short_or_foreign_files_are_not_read():
    data = BRAND_FONTS[0].read_bytes()
    for broken in (data[:8], b"wOFF" + data[4:], data[:200]):
        with pytest.raises(sfnt.NOT_READ):
            font = sfnt.read_font(broken)
            sfnt.unicode_maps(font), sfnt.read_names(font), sfnt.read_head(font)


def test_written_font_checksums_hold():
    font = sfnt.read_font(sfnt.write_font(sfnt.read_font(BRAND_FONTS[0].read_bytes())))
    whole = sfnt.write_font(font)
    padded = whole + b"\0" * (-len(whole) % 4)
    assert sum(struct.unpack(f">{len(padded) // 4}L", padded)) & 0xFFFFFFFF == 0xB1B0AFBA
