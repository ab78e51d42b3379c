"""The DOCX an editor opens: brand fonts embedded as Word embeds them, notes under their heading, document
properties that tell the truth, only the brief's styles in the gallery, every paragraph in a brand style.

LibreOffice 7.4 stands in for Word. The sample brief and brief 50 are built through the real command line
(conftest's `sample_build`, `brief50_build`).
"""

from __future__ import annotations

import io
import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from lxml import etree

from conftest import REPO, pdftotext, run_cli, tool
from qibrief import __version__
from qibrief.brand import read_brand
from qibrief.docx.fonts import obfuscate
from qibrief.docx.reference import STYLES

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PR = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "http://schemas.openxmlformats.org/package/2006/content-types"
EP = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"
NS = {"w": W, "r": R, "pr": PR, "ct": CT, "ep": EP}
SAMPLE_DOCX, BRIEF50_DOCX = "qi-brief-7.docx", "qi-brief-50.docx"
BRAND = read_brand(REPO / "styles", "styles/brand.yaml")
# The font table's slot -> the vendored face it must hold (weight, style).
SLOTS = {"embedRegular": (400, "normal"), "embedBold": (700, "normal"), "embedItalic": (400, "italic"),
         "embedBoldItalic": (700, "italic")}
# Word's quick-style gallery: the brief's own paragraph styles, nothing of Pandoc's template.
GALLERY = {"BodyText", "Series", "Title", "Subtitle", "Author", "Affiliation", "Date", "ExecutiveSummary",
           "ExecutiveSummaryList", "PullQuote", "Heading1", "Heading2", "Heading3"}


def _parts(docx: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(docx) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _xml(parts: dict[str, bytes], name: str) -> etree._Element:
    return etree.fromstring(parts[name])


def _w(name: str) -> str:
    return f"{{{W}}}{name}"


# Fonts


@pytest.mark.parametrize("key, mask", [
    # ECMA-376 Part 1, 17.8.1: the key's 16 bytes are read from the end of its hex string.
    ("{00112233-4455-6677-8899-AABBCCDDEEFF}", "FFEEDDCCBBAA99887766554433221100"),
    ("{3F2504E0-4F89-11D3-9A0C-0305E82C3301}", "01332CE805030C9AD311894FE004253F"),
])
def test_obfuscation_xors_the_first_32_bytes_with_the_reversed_key(key, mask):
    """Zero bytes come out as the key's bytes in reverse, twice; byte 33 on is untouched; twice is the identity."""
    data = bytes(40)
    hidden = obfuscate(data, key)
    assert hidden[:32] == bytes.fromhex(mask) * 2
    assert hidden[32:] == bytes(8)
    assert obfuscate(hidden, key) == data


def _embedded(parts: dict[str, bytes]) -> dict[tuple[str, str], tuple[str, bytes]]:
    """(family, slot) -> (part name, the part's bytes de-obfuscated with its w:fontKey)."""
    table = _xml(parts, "word/fontTable.xml")
    rels = {rel.get("Id"): rel for rel in _xml(parts, "word/_rels/fontTable.xml.rels").findall("pr:Relationship", NS)}
    out = {}
    for font in table.findall("w:font", NS):
        for slot in SLOTS:
            embed = font.find(f"w:{slot}", NS)
            if embed is None:
                continue
            rel = rels[embed.get(f"{{{R}}}id")]
            assert rel.get("Type") == R.replace("relationships", "relationships/font")
            name = "word/" + rel.get("Target")
            out[(font.get(_w("name")), slot)] = (name, obfuscate(parts[name], embed.get(_w("fontKey"))))
    return out


def test_brand_fonts_are_embedded_as_word_embeds_truetype(sample_build):
    """Each brand family has its four faces under word/fonts/, obfuscated (the stored bytes are not a font), which
    de-obfuscate with their w:fontKey to the vendored face, named for the family; Word is asked to keep them."""
    parts = _parts(sample_build / SAMPLE_DOCX)
    embedded = _embedded(parts)
    assert set(embedded) == {(font.family, slot) for font in BRAND.fonts for slot in SLOTS}
    types = _xml(parts, "[Content_Types].xml")
    assert types.find("ct:Default[@Extension='odttf']", NS).get("ContentType") == (
        "application/vnd.openxmlformats-officedocument.obfuscatedFont")
    for (family, slot), (name, data) in embedded.items():
        assert name.startswith("word/fonts/") and name.endswith(".odttf")
        assert parts[name][:4] != data[:4] and data[:4] == b"\0\1\0\0", f"{name}: not obfuscated TrueType"
        font = TTFont(io.BytesIO(data))
        weight, style = SLOTS[slot]
        faces = next(f.faces for f in BRAND.fonts if f.family == family)
        vendored = TTFont(next(f.path for f in faces if (f.weight, f.style) == (weight, style)))
        assert font["name"].getDebugName(1) == family, name
        assert font["OS/2"].usWeightClass == weight
        for table in ("glyf", "hmtx", "cmap", "GPOS", "GSUB"):
            assert font.reader[table] == vendored.reader[table], f"{name}: {table} differs from {family} {slot}"
    settings = _xml(parts, "word/settings.xml")
    assert settings.find("w:embedTrueTypeFonts", NS) is not None
    assert settings.find("w:embedSystemFonts", NS) is None


_FONTS_CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>
  <dir>/usr/share/fonts</dir>
  <dir>/usr/local/share/fonts</dir>
  <cachedir>{cache}</cachedir>
  <selectfont><rejectfont>
    <glob>/usr/*[Ss]ource*[Ss]erif*</glob><glob>/usr/*[Ss]ource*[Ss]ans*</glob>
  </rejectfont></selectfont>
</fontconfig>
"""


def _without_brand_fonts(tmp_path: Path) -> dict[str, str]:
    """An environment whose fontconfig sees only the system's fonts, none of the brand's (not the repository's
    styles/fonts, not ~/.fonts, not a system-wide Source Serif or Source Sans)."""
    conf = tmp_path / "fonts.conf"
    conf.write_text(_FONTS_CONF.format(cache=tmp_path / "fc-cache"), encoding="utf-8")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "FONTCONFIG_FILE": str(conf), "LANG": "C.UTF-8"}
    families = subprocess.run([tool("fc-list", "fontconfig"), ":", "family"], env=env, capture_output=True,
                              text=True, check=True).stdout
    assert families.strip(), "fontconfig sees no font at all"
    for font in BRAND.fonts:
        assert font.family not in families, f"{font.family} is installed: this test needs a machine without it"
    return env


def _libreoffice_pdf(docx: Path, out: Path, env: dict[str, str] | None = None) -> Path:
    """The DOCX converted to PDF by LibreOffice headless, with a profile of its own."""
    profile = out / "lo-profile"
    done = subprocess.run(
        [tool("soffice", "libreoffice-writer-nogui"), "--headless", "--norestore",
         f"-env:UserInstallation={profile.as_uri()}", "--convert-to", "pdf", "--outdir", str(out), str(docx)],
        capture_output=True, text=True, timeout=300, env=env,
    )
    pdf = out / (docx.stem + ".pdf")
    # soffice exits 0 even when it cannot load the file: the output is the only proof.
    assert pdf.is_file(), f"LibreOffice wrote no PDF for {docx.name} (exit {done.returncode}): {done.stderr.strip()}"
    return pdf


def _pdf_fonts(pdf: Path) -> set[str]:
    listing = subprocess.run([tool("pdffonts", "poppler-utils"), str(pdf)], capture_output=True, text=True,
                             check=True).stdout
    return {line.split()[0].split("+")[-1] for line in listing.splitlines()[2:] if line.strip()}


def _strip_embedded_fonts(docx: Path, target: Path) -> Path:
    """The same DOCX without its font parts and w:embed* elements (what Pandoc alone gives)."""
    parts = _parts(docx)
    table = _xml(parts, "word/fontTable.xml")
    for node in table.xpath("//w:embedRegular|//w:embedBold|//w:embedItalic|//w:embedBoldItalic", namespaces=NS):
        node.getparent().remove(node)
    parts["word/fontTable.xml"] = etree.tostring(table)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            if not name.startswith("word/fonts/") and name != "word/_rels/fontTable.xml.rels":
                archive.writestr(name, data)
    return target


def test_libreoffice_without_the_fonts_shows_the_brand(sample_build, tmp_path):
    """LibreOffice on a machine without the brand fonts sets the DOCX in Source Serif 4 and Source Sans 3 (regular,
    bold, italic), no DejaVu; the same package without its embedded fonts falls back to DejaVu (the control)."""
    env = _without_brand_fonts(tmp_path)
    fonts = _pdf_fonts(_libreoffice_pdf(sample_build / SAMPLE_DOCX, tmp_path / "embedded", env))
    assert {"SourceSerif4-Regular", "SourceSerif4-Italic", "SourceSans3-Bold"} <= fonts, fonts
    assert all(name.startswith(("SourceSerif4-", "SourceSans3-")) for name in fonts), fonts
    control = _strip_embedded_fonts(sample_build / SAMPLE_DOCX, tmp_path / "control.docx")
    fallback = _pdf_fonts(_libreoffice_pdf(control, tmp_path / "control", env))
    assert any(name.startswith("DejaVu") for name in fallback) and not fallback & fonts, fallback


# Notes


def test_notes_heading_closes_the_only_section_whose_running_heads_word_repeats(sample_build):
    """Word lays endnotes (w:pos docEnd) right after the last paragraph, in the last section: the notes heading is
    that paragraph, on a new page, and the one section's default header and footer hold the running head and the
    page number, so the notes' pages carry them."""
    parts = _parts(sample_build / SAMPLE_DOCX)
    body = _xml(parts, "word/document.xml").find("w:body", NS)
    paragraphs = body.findall("w:p", NS)
    last = paragraphs[-1]
    assert "".join(last.itertext()) == "Citations"
    assert last.find("w:pPr/w:pStyle", NS).get(_w("val")) == "Heading1"
    assert last.find("w:pPr/w:pageBreakBefore", NS) is not None
    sections = list(body.iter(_w("sectPr")))
    assert len(sections) == 1 and sections[0].getparent() is body
    assert sections[0].find("w:endnotePr/w:pos", NS).get(_w("val")) == "docEnd"
    assert _xml(parts, "word/settings.xml").find("w:endnotePr/w:pos", NS).get(_w("val")) == "docEnd"
    rels = {r.get("Id"): r.get("Target") for r in _xml(parts, "word/_rels/document.xml.rels")}
    header = sections[0].find("w:headerReference[@w:type='default']", NS).get(f"{{{R}}}id")
    footer = sections[0].find("w:footerReference[@w:type='default']", NS).get(f"{{{R}}}id")
    assert "Large Questions" in "".join(_xml(parts, "word/" + rels[header]).itertext())
    assert "PAGE" in "".join(_xml(parts, "word/" + rels[footer]).itertext())


def _pages(pdf: Path) -> list[str]:
    return pdftotext(pdf, "-layout").split("\f")[:-1]


@pytest.mark.xfail(strict=True, reason="LibreOffice 7.4 puts a DOCX's endnotes on pages of its own 'Endnote' page "
                   "style (no running heads), after the last page of text: see the README")
def test_libreoffice_notes_pages_carry_the_running_head_and_page_number(sample_build, tmp_path):
    """In LibreOffice's PDF, the notes follow their heading on its page and every notes page has the running head
    and a page number (fails strictly while LibreOffice cannot: it would pass the day it can)."""
    pages = _pages(_libreoffice_pdf(sample_build / SAMPLE_DOCX, tmp_path))
    heading = next(i for i, page in enumerate(pages) if re.search(r"^\s*Citations\s*$", page, re.M))
    assert re.search(r"^\s*1\s", pages[heading].split("Citations", 1)[1], re.M), "no note under the heading"
    for number, page in enumerate(pages[heading:], start=heading + 1):
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        assert "Large Questions" in lines[0] and "QI Brief 7" in lines[0], f"page {number}: {lines[0]!r}"
        assert lines[-1] == str(number), f"page {number}: no page number, last line {lines[-1]!r}"


# Document properties


def _paragraph_text(paragraph: etree._Element) -> str:
    return "".join((node.text or "") if node.tag == _w("t") else " "
                   for node in paragraph.iter(_w("t"), _w("tab"), _w("br")) if node.getparent().tag == _w("r"))


def _text_paragraphs(parts: dict[str, bytes]) -> list[str]:
    body = _xml(parts, "word/document.xml").find("w:body", NS)
    texts = [_paragraph_text(p) for p in body.iter(_w("p"))]
    for note in _xml(parts, "word/endnotes.xml").findall("w:endnote", NS):
        if note.get(_w("type")) is None:
            texts += [_paragraph_text(p) for p in note.iter(_w("p"))]
    return [text for text in texts if text.strip()]


@pytest.mark.slow
def test_app_properties_tell_the_truth(brief50_build, tmp_path):
    """docProps/app.xml names this tool, counts brief 50's words, characters and paragraphs (body and notes) as
    they are, and estimates its pages within two of LibreOffice's (which adds a page for the notes' heading);
    no empty comments part."""
    docx = brief50_build / BRIEF50_DOCX
    parts = _parts(docx)
    app = _xml(parts, "docProps/app.xml")
    value = lambda name: app.findtext(f"ep:{name}", namespaces=NS)  # noqa: E731
    texts = _text_paragraphs(parts)
    assert value("Application") == f"qibrief {__version__}"
    assert value("AppVersion") is None and value("TotalTime") is None
    assert int(value("Words")) == sum(len(t.split()) for t in texts) > 7000
    assert int(value("Characters")) == sum(len(re.sub(r"\s", "", t)) for t in texts)
    assert int(value("CharactersWithSpaces")) == sum(len(t) for t in texts)
    assert int(value("Paragraphs")) == len(texts)
    assert len(texts) <= int(value("Lines")) <= sum(len(t) for t in texts) // 60
    laid_out = len(_pages(_libreoffice_pdf(docx, tmp_path)))
    assert abs(int(value("Pages")) - (laid_out - 1)) <= 2, (value("Pages"), laid_out)
    assert "word/comments.xml" not in parts
    assert b"comments" not in parts["[Content_Types].xml"] + parts["word/_rels/document.xml.rels"]


# Styles


def _styles(parts: dict[str, bytes]) -> dict[str, etree._Element]:
    return {s.get(_w("styleId")): s for s in _xml(parts, "word/styles.xml").findall("w:style", NS)}


def test_quick_style_gallery_holds_only_the_brief_styles(sample_build):
    """Word's gallery (w:qFormat) offers the brief's styles only; Pandoc's Abstract, Bibliography, TOC Heading,
    Caption and code styles are gone; heading 4-9 and the unused brand styles (image caption, block quote) stay out
    of the Styles pane until used."""
    styles = _styles(_parts(sample_build / SAMPLE_DOCX))
    assert {sid for sid, s in styles.items() if s.find("w:qFormat", NS) is not None} == GALLERY
    assert not {"Abstract", "AbstractTitle", "Bibliography", "TOCHeading", "Caption", "SourceCode"} & set(styles)
    for sid in [f"Heading{level}" for level in range(4, 10)] + ["ImageCaption", "BlockText"]:
        style = styles[sid]
        assert style.find("w:semiHidden", NS) is not None and style.find("w:unhideWhenUsed", NS) is not None


def _brand_paragraphs(parts: dict[str, bytes]) -> list[etree._Element]:
    """The body's and the notes' paragraphs, asserting that each has a brand paragraph style."""
    brand = {spec.style_id for spec in STYLES if spec.kind == "paragraph"}
    body = _xml(parts, "word/document.xml").find("w:body", NS)
    paragraphs = list(body.iter(_w("p")))
    for note in _xml(parts, "word/endnotes.xml").findall("w:endnote", NS):
        if note.get(_w("type")) is None:
            paragraphs += list(note.iter(_w("p")))
    for paragraph in paragraphs:
        style = paragraph.find("w:pPr/w:pStyle", NS)
        assert style is not None and style.get(_w("val")) in brand, (
            f"{_paragraph_text(paragraph)[:60]!r}: {None if style is None else style.get(_w('val'))}")
    return paragraphs


@pytest.mark.slow
def test_every_paragraph_of_brief50_is_in_a_brand_style(brief50_build):
    """No paragraph of brief 50's body or notes is in Normal or Pandoc's First Paragraph: each has a brand style,
    and the four numbered recommendations are Body Text in a numbered list."""
    paragraphs = _brand_paragraphs(_parts(brief50_build / BRIEF50_DOCX))
    numbered = [p for p in paragraphs if p.find("w:pPr/w:numPr", NS) is not None
                and re.match(r"(Refrains|Implements|Expands|Supports) ", _paragraph_text(p))]
    assert [p.find("w:pPr/w:pStyle", NS).get(_w("val")) for p in numbered] == ["BodyText"] * 4


def test_quotes_figures_tables_and_lists_get_brand_styles(sample_copy, tmp_path):
    """A block quote, an image with its caption, a table with its caption and a loose list, in the sample, all come
    out in brand styles (Block Text, Captioned Figure, Image Caption, Table Caption, Compact, Body Text)."""
    from PIL import Image

    Image.new("RGB", (40, 30), "navy").save(sample_copy / "content" / "mark.png")
    with (sample_copy / "content" / "03.conclusion.md").open("a", encoding="utf-8") as section:
        section.write("\n> A plain quotation.\n\n![A navy block.](content/mark.png)\n\n"
                      "| Year | Funds |\n|------|-------|\n| 2008 | 1.6 |\n\n: Funding by year.\n\n"
                      "1. A first point.\n\n2. A second point.\n")
    done = run_cli("build", "--root", str(sample_copy), "--out", str(tmp_path), "--format", "docx")
    assert done.returncode == 0, done.stdout + done.stderr
    paragraphs = _brand_paragraphs(_parts(tmp_path / SAMPLE_DOCX))
    styles = {p.find("w:pPr/w:pStyle", NS).get(_w("val")) for p in paragraphs}
    assert {"BlockText", "CaptionedFigure", "ImageCaption", "TableCaption", "Compact", "BodyText"} <= styles
