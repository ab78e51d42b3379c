"""The brand's colours as text: every text/background pair styles/brand.yaml declares meets WCAG 2.1 AA, and the
stylesheets and the DOCX colour text only with the colours declared as text."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
import yaml
from lxml import etree

from conftest import REPO, SAMPLE, run_cli
from qibrief.brand import contrast_ratio as contrast

BRAND = yaml.safe_load((REPO / "styles" / "brand.yaml").read_text(encoding="utf-8"))
COLOURS = {name: spec["rgb"] for name, spec in BRAND["colors"].items()}
PAIRS = [(pair["text"], background, bool(pair.get("large"))) for pair in BRAND["text-pairs"] for background in pair["backgrounds"]]
TEXT_COLOURS = {pair["text"] for pair in BRAND["text-pairs"]}


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


def test_brand_below_aa_fails_the_build(sample_copy):
    """A brief whose brand.yaml declares a text pair below WCAG 2.1 AA (the old accent as small text) is refused
    at the pair's line, before anything is rendered."""
    import shutil

    shutil.copytree(REPO / "styles", sample_copy / "styles")
    brand = sample_copy / "styles" / "brand.yaml"
    text = brand.read_text(encoding="utf-8")
    old = "  - {text: accent-text, backgrounds: [paper, tint]}"
    assert old in text
    brand.write_text(text.replace(old, "  - {text: accent, backgrounds: [paper]}"), encoding="utf-8")
    line = text[: text.index(old)].count("\n") + 1
    done = run_cli("build", "--root", str(sample_copy), "--out", str(sample_copy / "dist"))
    assert done.returncode == 1
    assert re.search(rf"^styles/brand\.yaml:{line}:\d+: text-pairs\[\d\]: accent #d4492a on paper #ffffff has "
                     r"contrast 4\.39:1; WCAG 2\.1 AA needs 4\.5:1", done.stderr, re.M), done.stderr
    assert not list((sample_copy / "dist").glob("qi-brief-*"))
