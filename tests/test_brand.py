"""The brand's colours as text: every text/background pair styles/brand.yaml declares meets WCAG 2.1 AA, and the
stylesheets and the DOCX colour text only with the colours declared as text."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
import yaml
from lxml import etree

from conftest import REPO, SAMPLE

BRAND = yaml.safe_load((REPO / "styles" / "brand.yaml").read_text(encoding="utf-8"))
COLOURS = {name: spec["rgb"] for name, spec in BRAND["colors"].items()}
PAIRS = [(pair["text"], background, bool(pair.get("large"))) for pair in BRAND["text-pairs"] for background in pair["backgrounds"]]
TEXT_COLOURS = {pair["text"] for pair in BRAND["text-pairs"]}


def luminance(rgb: str) -> float:
    """WCAG 2.1 relative luminance of an sRGB colour written #rrggbb."""
    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(rgb[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)


def contrast(a: str, b: str) -> float:
    """WCAG 2.1 contrast ratio of two colours (1 to 21)."""
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_contrast_formula():
    """The formula gives WCAG's figures: black on white 21:1, a colour on itself 1:1, #767676 on white 4.54:1."""
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#13294b", "#13294b") == pytest.approx(1)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


def test_pairs_name_brand_colours():
    """Every colour a text pair names is a brand colour, and the bright accent's darker text shade exists."""
    for text, background, _ in PAIRS:
        assert text in COLOURS and background in COLOURS, (text, background)
    assert "accent-text" in TEXT_COLOURS


@pytest.mark.parametrize("text, background, large", PAIRS, ids=[f"{t} on {b}" for t, b, _ in PAIRS])
def test_text_pair_meets_wcag_aa(text, background, large):
    """Each declared text/background pair has at least WCAG 2.1 AA contrast: 4.5:1, or 3:1 for large text."""
    ratio = contrast(COLOURS[text], COLOURS[background])
    needed = 3.0 if large else 4.5
    assert ratio >= needed, f"{text} {COLOURS[text]} on {background} {COLOURS[background]}: {ratio:.2f}:1 < {needed}:1"


def test_bright_accent_is_not_small_text():
    """The bright accent fails AA as small text on paper (4.39:1): only its large use is declared."""
    assert contrast(COLOURS["accent"], COLOURS["paper"]) < 4.5
    assert all(large for text, _, large in PAIRS if text == "accent")


_TEXT_COLOUR = re.compile(r"(?<![\w-])color\s*:\s*var\(--qi-([\w-]+)\)")


@pytest.mark.parametrize("sheet", ["print.css", "web.css", "press.css"])
def test_stylesheets_colour_text_with_text_colours(sheet):
    """A stylesheet's `color:` names only colours brand.yaml declares as text (borders and fills may use any)."""
    css = (REPO / "styles" / sheet).read_text(encoding="utf-8")
    used = set(_TEXT_COLOUR.findall(css))
    assert used <= TEXT_COLOURS, used - TEXT_COLOURS
    assert "accent" not in re.findall(r"a\.footnote-ref\s*\{[^}]*?(?<![\w-])color\s*:\s*var\(--qi-([\w-]+)\)", css)


def test_docx_text_colours_are_text_colours():
    """The DOCX's styles colour text with the brand's text colours (note references with the dark shade); a colour
    Pandoc's own styles bring (the TOC Heading's blue) is not the brand's but still meets AA on paper."""
    from qibrief.brand import read_brand
    from qibrief.docx import reference_docx
    from qibrief.metadata import read_metadata

    brand = read_brand(REPO / "styles", "styles/brand.yaml")
    meta = read_metadata(SAMPLE / "content" / "metadata.yaml", "content/metadata.yaml")
    with zipfile.ZipFile(io.BytesIO(reference_docx(brand, meta))) as docx:
        styles = etree.fromstring(docx.read("word/styles.xml"))
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    brand = {spec.lstrip("#").upper(): name for name, spec in COLOURS.items()}
    used = {colour.get(f"{w}val") for colour in styles.iter(f"{w}color")} - {"auto"}
    assert {brand[value] for value in used if value in brand} <= TEXT_COLOURS
    for value in used - set(brand):
        assert contrast(f"#{value}", COLOURS["paper"]) >= 4.5, value
    for style_id in ("FootnoteReference", "EndnoteReference"):
        style = styles.find(f"{w}style[@{w}styleId='{style_id}']")
        assert style.find(f"{w}rPr/{w}color").get(f"{w}val") == COLOURS["accent-text"].lstrip("#").upper()
