"""The editors' DOCX: real Word endnotes, the brand's styles, a sound package, and what LibreOffice makes of it.

The sample brief is built through the real command line (conftest's `sample_build`, all three formats), so
each DOCX here is the one an editor would receive; brief 50 is checked the same way in the slow tests.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import os
import re
import subprocess
import unicodedata
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from conftest import REPO, SAMPLE, pdftotext, run_cli, tool
from qibrief.docx.audit import audit_package
from qibrief.brand import read_brand
from qibrief.checks.docx import read_docx
from qibrief.docx import finish_docx, reference_docx
from qibrief.metadata import read_metadata

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS = {"w": W, "r": R}
SAMPLE_NOTES = 5  # tests/fixtures/sample cites four times and has one explanatory note
BRIEF50_NOTES = 40


def _w(name: str) -> str:
    return f"{{{W}}}{name}"


def _xml(docx: Path | bytes, part: str) -> etree._Element:
    data = docx.read_bytes() if isinstance(docx, Path) else docx
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return etree.fromstring(archive.read(part))


def _names(docx: Path) -> list[str]:
    with zipfile.ZipFile(docx) as archive:
        return archive.namelist()


def _text(node: etree._Element) -> str:
    return "".join(t.text or "" for t in node.iter(_w("t")))


def _style(paragraph: etree._Element) -> str | None:
    found = paragraph.find("w:pPr/w:pStyle", NS)
    return None if found is None else found.get(_w("val"))


def _squash(text: str) -> str:
    """Text compared across renderers: no whitespace, dashes, soft hyphens or back-links; straight quotes."""
    text = unicodedata.normalize("NFKC", text).replace("\u2191", "")
    text = re.sub("[\u2018\u2019\u201a\u2032]", "'", text)
    text = re.sub("[\u201c\u201d\u201e\u2033]", '"', text)
    return re.sub(r"[\s\u00ad\u200b\-\u2010\u2011\u2012\u2013\u2014\u2212]", "", text)


def _pull_quotes(root: Path) -> list[str]:
    """The text of every pull quote div (`::: pull-quote`, `::: {.pull-quote ...}`) in a brief's sections."""
    quotes = []
    for section in sorted((root / "content").glob("[0-9][0-9].*.md")):
        for body in re.findall(r'^:::+ *(?:pull-quote|\{[^}\n]*\.pull-quote\b[^}\n]*\}) *\n(.*?)\n:::',
                               section.read_text(encoding="utf-8"), re.M | re.S):
            quotes.append(body.replace("*", "").replace("_", ""))
    return quotes


# Endnotes


def _check_endnotes(docx: Path, expected: int) -> None:
    document = _xml(docx, "word/document.xml")
    endnotes = _xml(docx, "word/endnotes.xml")
    references = document.findall(".//w:endnoteReference", NS)
    notes = [n for n in endnotes.findall("w:endnote", NS) if n.get(_w("type")) is None]
    separators = {n.get(_w("id")): n.get(_w("type")) for n in endnotes.findall("w:endnote", NS) if n.get(_w("type"))}
    assert len(references) == expected
    assert len(notes) == expected
    assert separators == {"-1": "separator", "0": "continuationSeparator"}
    assert [r.get(_w("id")) for r in references] == [n.get(_w("id")) for n in notes]
    assert all(n.find(".//w:endnoteRef", NS) is not None and _text(n).strip() for n in notes)
    assert document.find(".//w:footnoteReference", NS) is None
    assert "word/footnotes.xml" not in _names(docx)


def test_every_note_is_a_word_endnote(sample_build):
    """Each of the sample's notes is a Word endnote with its reference in the text; no footnote remains."""
    _check_endnotes(sample_build / "qi-brief-7.docx", SAMPLE_NOTES)
    types = _xml(sample_build / "qi-brief-7.docx", "[Content_Types].xml")
    overrides = {o.get("PartName"): o.get("ContentType") for o in types}
    assert overrides.get("/word/endnotes.xml", "").endswith("wordprocessingml.endnotes+xml")
    assert "/word/footnotes.xml" not in overrides
    rels = _xml(sample_build / "qi-brief-7.docx", "word/_rels/document.xml.rels")
    kinds = [rel.get("Type").rsplit("/", 1)[-1] for rel in rels]
    assert kinds.count("endnotes") == 1 and "footnotes" not in kinds


def test_endnotes_numbered_decimal_from_one_without_restart(sample_build):
    """settings.xml and the section both ask for decimal endnotes from 1, continuous, at the document's end."""
    docx = sample_build / "qi-brief-7.docx"
    settings = _xml(docx, "word/settings.xml").find("w:endnotePr", NS)
    sections = _xml(docx, "word/document.xml").findall(".//w:sectPr", NS)
    assert sections
    for props in [settings, *(s.find("w:endnotePr", NS) for s in sections)]:
        values = {etree.QName(child).localname: child.get(_w("val")) for child in props}
        assert values["numFmt"] == "decimal" and values["numStart"] == "1" and values["numRestart"] == "continuous"
        assert values["pos"] == "docEnd"
    assert [e.get(_w("id")) for e in settings.findall("w:endnote", NS)] == ["-1", "0"]
    assert not [n for n in _xml(docx, "word/document.xml").iter(_w("numRestart")) if n.get(_w("val")) != "continuous"]


def test_notes_sit_under_a_citations_heading_at_the_end(sample_build):
    """The body ends with a Heading 1 "Citations" on a new page, which Word follows with the endnotes."""
    body = _xml(sample_build / "qi-brief-7.docx", "word/document.xml").find("w:body", NS)
    last = body.findall("w:p", NS)[-1]
    assert _style(last) == "Heading1" and _text(last) == "Citations"
    assert last.find("w:pPr/w:pageBreakBefore", NS) is not None
    assert body[-1].tag == _w("sectPr")


def test_note_hyperlinks_stay_live(sample_build):
    """Every link inside a note resolves through endnotes.xml.rels to its external URL, shown as its text."""
    docx = sample_build / "qi-brief-7.docx"
    rels = {r.get("Id"): r for r in _xml(docx, "word/_rels/endnotes.xml.rels")}
    links = list(_xml(docx, "word/endnotes.xml").iter(_w("hyperlink")))
    assert len(links) == 3
    for link in links:
        rel = rels[link.get(f"{{{R}}}id")]
        assert rel.get("TargetMode") == "External" and rel.get("Target") == _text(link)


def test_footnotes_option_keeps_numbered_footnotes(tmp_path):
    """`--docx-notes footnotes` keeps Pandoc's footnotes, numbered continuously, with no Citations heading."""
    done = run_cli("build", "--root", str(SAMPLE), "--out", str(tmp_path), "--format", "docx", "--docx-notes", "footnotes")
    assert done.returncode == 0, done.stdout + done.stderr
    docx = tmp_path / "qi-brief-7.docx"
    document = _xml(docx, "word/document.xml")
    assert len(document.findall(".//w:footnoteReference", NS)) == SAMPLE_NOTES
    assert document.find(".//w:endnoteReference", NS) is None and "word/endnotes.xml" not in _names(docx)
    restarts = [n.get(_w("val")) for n in document.iter(_w("numRestart"))]
    assert restarts and set(restarts) == {"continuous"}
    assert "Citations" not in [_text(p) for p in document.iter(_w("p"))]
    notes, problems = read_docx(docx.read_bytes(), docx.name)
    assert problems == [] and notes.count == SAMPLE_NOTES
    assert audit_package(docx.read_bytes()) == []


def test_notes_heading_comes_from_the_metadata(tmp_path):
    """The notes heading is "Citations" unless metadata.yaml's notes-heading: names another, in the HTML and the
    DOCX alike (the PDF is the HTML laid out)."""
    from qibrief.html import finish_html
    from qibrief.pandoc import run_pandoc

    brand = read_brand(REPO / "styles", "styles/brand.yaml")
    text = (SAMPLE / "content" / "metadata.yaml").read_text(encoding="utf-8")
    (tmp_path / "metadata.yaml").write_text(text + 'notes-heading: "Notas"\n', encoding="utf-8")
    source = b"Text.[^1]\n\n[^1]: A note.\n"
    for path, heading in ((SAMPLE / "content" / "metadata.yaml", "Citations"), (tmp_path / "metadata.yaml", "Notas")):
        meta = read_metadata(path, "content/metadata.yaml")
        assert meta.notes_heading == heading
        html = finish_html(run_pandoc(["--from", "markdown", "--to", "html5", "--wrap=none"], stdin=source).output.decode(),
                           meta.notes_heading)
        assert f'<h1 class="notes-heading" id="citations">{heading}</h1>' in html
        pandoc_docx = run_pandoc(["--from", "markdown", "--to", "docx"], stdin=source).output
        document = etree.fromstring(zipfile.ZipFile(io.BytesIO(finish_docx(pandoc_docx, brand, meta))).read(
            "word/document.xml"))
        headings = [_text(p) for p in document.iter(_w("p")) if _style(p) == "Heading1"]
        assert headings == [heading]


def test_unknown_notes_kind_is_refused():
    """finish_docx refuses a notes kind other than endnotes or footnotes, naming the choices."""
    brand = read_brand(REPO / "styles", "styles/brand.yaml")
    meta = read_metadata(SAMPLE / "content" / "metadata.yaml", "content/metadata.yaml")
    with pytest.raises(Exception, match="endnotes, footnotes"):
        finish_docx(b"", brand, meta, notes="sidenotes")


# Styles, title block, running heads, properties


def test_pull_quotes_carry_the_pull_quote_style(sample_build):
    """Each pull quote in the sources is one paragraph in the "Pull Quote" style, in order, with its text."""
    body = _xml(sample_build / "qi-brief-7.docx", "word/document.xml")
    styled = [_text(p) for p in body.iter(_w("p")) if _style(p) == "PullQuote"]
    assert [_squash(q) for q in styled] == [_squash(q) for q in _pull_quotes(SAMPLE)]
    assert styled


def test_executive_summary_keeps_its_list_inside_the_box(sample_build):
    """The executive summary's paragraphs and its bullets carry the Executive Summary styles."""
    paragraphs = list(_xml(sample_build / "qi-brief-7.docx", "word/document.xml").iter(_w("p")))
    styles = {_text(p): _style(p) for p in paragraphs}
    assert styles["First bullet"] == styles["Second bullet"] == "ExecutiveSummaryList"
    assert [s for t, s in styles.items() if t.startswith("This brief tests")] == ["ExecutiveSummary"]


def test_title_block_opens_the_first_page(sample_build):
    """Page 1 holds "QI Brief 7", the title, author, organization and display date; the body starts on page 2."""
    paragraphs = _xml(sample_build / "qi-brief-7.docx", "word/document.xml").find("w:body", NS).findall("w:p", NS)
    block = [(_style(p), _text(p)) for p in paragraphs[:5]]
    assert block == [
        ("Series", "QI Brief 7"),
        ("Title", "Small Brief on Large Questions"),
        ("Author", "Ada Example"),
        ("Affiliation", "Quincy Institute for Responsible Statecraft"),
        ("Date", "March 15, 2024"),
    ]
    assert paragraphs[5].find("w:pPr/w:pageBreakBefore", NS) is not None


def test_running_heads_show_short_title_and_page_number(sample_build):
    """The header shows the short title and series line, the footer a PAGE field, and page 1 shows neither."""
    docx = sample_build / "qi-brief-7.docx"
    rels = {r.get("Id"): r.get("Target") for r in _xml(docx, "word/_rels/document.xml.rels")}
    section = _xml(docx, "word/document.xml").find("w:body/w:sectPr", NS)
    parts = {}
    for ref in section:
        if etree.QName(ref).localname in ("headerReference", "footerReference"):
            parts[(etree.QName(ref).localname[:6], ref.get(_w("type")))] = _xml(docx, "word/" + rels[ref.get(f"{{{R}}}id")])
    assert section.find("w:titlePg", NS) is not None
    assert _text(parts[("header", "default")]) == "Large QuestionsQI Brief 7"
    assert "PAGE" in "".join(i.text for i in parts[("footer", "default")].iter(_w("instrText")))
    assert _text(parts[("header", "first")]) == _text(parts[("footer", "first")]) == ""
    size = section.find("w:pgSz", NS)
    assert (size.get(_w("w")), size.get(_w("h"))) == ("12240", "15840")  # US Letter


def test_styles_come_from_the_brand():
    """Changing a brand colour, font or size changes the reference document's styles accordingly."""
    brand = read_brand(REPO / "styles", "styles/brand.yaml")
    meta = read_metadata(SAMPLE / "content" / "metadata.yaml", "content/metadata.yaml")
    colours = tuple(dataclasses.replace(c, rgb="#123456") if c.name == "navy" else c for c in brand.colours)
    fonts = tuple(dataclasses.replace(f, family="Test Sans", docx_fallback="Verdana") if f.role == "sans" else f
                  for f in brand.fonts)
    changed = dataclasses.replace(brand, colours=colours, fonts=fonts, sizes={**brand.sizes, "h1": 21})
    for source, navy, sans, h1 in ((brand, brand.colour("navy").rgb, brand.font("sans"), brand.sizes["h1"]),
                                   (changed, "#123456", changed.font("sans"), 21)):
        styles = _xml(reference_docx(source, meta), "word/styles.xml")
        heading = styles.find("w:style[@w:styleId='Heading1']", NS)
        assert heading.find("w:rPr/w:color", NS).get(_w("val")) == navy.lstrip("#").upper()
        assert heading.find("w:rPr/w:rFonts", NS).get(_w("ascii")) == sans.family
        assert heading.find("w:rPr/w:sz", NS).get(_w("val")) == str(round(h1 * 2))
        assert not [f for f in styles.iter(_w("rFonts")) if f.get(_w("asciiTheme"))]
        fonts = _xml(reference_docx(source, meta), "word/fontTable.xml")
        entry = fonts.find(f"w:font[@w:name='{sans.family}']", NS)
        assert entry.find("w:altName", NS).get(_w("val")) == sans.docx_fallback
    serif = brand.font("serif").family
    defaults = _xml(reference_docx(brand, meta), "word/styles.xml").find("w:docDefaults/w:rPrDefault/w:rPr", NS)
    assert defaults.find("w:rFonts", NS).get(_w("ascii")) == serif
    assert defaults.find("w:sz", NS).get(_w("val")) == str(round(brand.sizes["body"] * 2))


def test_page_and_running_heads_come_from_the_brand():
    """The DOCX's page size, margins and running-head distances, and its running heads' sizes, follow brand.yaml's
    page: (US Letter and the print margins as shipped)."""
    brand = read_brand(REPO / "styles", "styles/brand.yaml")
    meta = read_metadata(SAMPLE / "content" / "metadata.yaml", "content/metadata.yaml")
    page = dataclasses.replace(brand.page, width=6, height=9, margins=(1, 0.75, 1.25, 0.5), header=0.3, footer=0.2,
                               sizes={**brand.page.sizes, "running-head": 7, "page-number": 10})
    for source, geometry, heads in (
        (brand, ("12240", "15840", "1296", "1368", "1296", "1368", "720", "576"), ("17", "18", "9504")),
        (dataclasses.replace(brand, page=page), ("8640", "12960", "1440", "1080", "1800", "720", "432", "288"),
         ("14", "20", "6840")),
    ):
        reference = reference_docx(source, meta)
        section = _xml(reference, "word/document.xml").find("w:body/w:sectPr", NS)
        size, margins = section.find("w:pgSz", NS), section.find("w:pgMar", NS)
        assert (size.get(_w("w")), size.get(_w("h")), *(margins.get(_w(k)) for k in (
            "top", "right", "bottom", "left", "header", "footer"))) == geometry
        styles = _xml(reference, "word/styles.xml")
        header = styles.find("w:style[@w:styleId='Header']", NS)
        footer = styles.find("w:style[@w:styleId='Footer']", NS)
        assert (header.find("w:rPr/w:sz", NS).get(_w("val")), footer.find("w:rPr/w:sz", NS).get(_w("val")),
                header.find("w:pPr/w:tabs/w:tab", NS).get(_w("pos"))) == heads


def test_docx_styles_name_only_what_every_brand_defines():
    """Each font role, size and line height the DOCX's style table names is one brand.yaml must define."""
    from qibrief import brand as brandmod
    from qibrief.docx.reference import STYLES, Em

    sizes = set(brandmod.REQUIRED_SIZES) | set(brandmod.REQUIRED_PAGE_SIZES)
    for spec in STYLES:
        assert spec.font in (None, *brandmod.REQUIRED_FONTS), spec.style_id
        assert spec.size in (None, *sizes), spec.style_id
        assert not isinstance(spec.line, str) or spec.line in brandmod.REQUIRED_LINE_HEIGHTS, spec.style_id
        for length in (spec.before, spec.after):
            assert not isinstance(length, Em) or length.of == "self" and spec.size or length.of in sizes, spec.style_id


def test_core_properties_come_from_the_metadata_and_build_date(tmp_path):
    """Title, author, subject, keywords and language come from metadata.yaml; dates from the brief and the build."""
    epoch = 1712000000  # 2024-04-01T19:33:20Z
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(epoch)}
    done = run_cli("build", "--root", str(SAMPLE), "--out", str(tmp_path), "--format", "docx", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    import docx as python_docx

    props = python_docx.Document(str(tmp_path / "qi-brief-7.docx")).core_properties
    assert props.title == "Small Brief on Large Questions" and props.author == "Ada Example"
    assert props.subject == "A sample brief for the build pipeline's tests"
    assert props.keywords == "sample, tests" and props.language == "en-US"
    assert props.created == dt.datetime(2024, 3, 15, tzinfo=dt.timezone.utc)
    assert props.modified == dt.datetime(2024, 4, 1, 19, 33, 20, tzinfo=dt.timezone.utc)


def test_no_build_machine_paths_in_the_package(sample_build):
    """No part of the DOCX names a path on the build machine (Pandoc lists the bibliography and CSL paths)."""
    with zipfile.ZipFile(sample_build / "qi-brief-7.docx") as archive:
        for name in archive.namelist():
            data = archive.read(name)
            assert str(REPO).encode() not in data, name
            assert b"site-packages" not in data and b".csl" not in data, name


def test_same_sources_give_the_same_bytes(tmp_path):
    """Two builds of the same sources at the same build date give byte-identical DOCX files with fixed zip times."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1712000000"}
    outputs = []
    for run in ("a", "b"):
        done = run_cli("build", "--root", str(SAMPLE), "--out", str(tmp_path / run), "--format", "docx", env=env)
        assert done.returncode == 0, done.stdout + done.stderr
        outputs.append((tmp_path / run / "qi-brief-7.docx").read_bytes())
    assert outputs[0] == outputs[1]
    with zipfile.ZipFile(io.BytesIO(outputs[0])) as archive:
        infos = archive.infolist()
    assert infos[0].filename == "[Content_Types].xml"
    assert {info.date_time for info in infos} == {(2024, 4, 1, 19, 33, 20)}


# The package as Word and python-docx see it


def test_python_docx_opens_it_and_finds_the_brand_styles(sample_build):
    """python-docx opens the DOCX and finds the title, the custom styles and the endnote styles."""
    import docx as python_docx

    document = python_docx.Document(str(sample_build / "qi-brief-7.docx"))
    names = {style.name for style in document.styles}
    assert {"Pull Quote", "Executive Summary", "Title", "Author", "Date"} <= names
    assert {"endnote text", "endnote reference"} <= {name.lower() for name in names}
    assert "Small Brief on Large Questions" in [p.text for p in document.paragraphs]


def test_word_opens_it_outside_compatibility_mode(sample_build):
    """settings.xml asks for Word 2013+ layout (compatibilityMode 15), so Word does not open it in Compatibility Mode."""
    settings = _xml(sample_build / "qi-brief-7.docx", "word/settings.xml")
    modes = [c.get(_w("val")) for c in settings.findall("w:compat/w:compatSetting", NS) if c.get(_w("name")) == "compatibilityMode"]
    assert modes == ["15"]


def test_package_is_consistent_for_word(sample_build):
    """Content types cover every part, relationships resolve, every style, list and note referenced exists."""
    assert audit_package((sample_build / "qi-brief-7.docx").read_bytes()) == []


def test_package_audit_catches_a_missing_style():
    """The package audit reports a paragraph style that styles.xml does not define (so it can fail)."""
    findings = audit_package(_probe_package())
    assert findings == ["word/document.xml: pStyle PullQuote is not defined"]


def _probe_package() -> bytes:
    """A tiny DOCX whose paragraph uses an undefined style."""
    parts = {
        "[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/></Types>',
        "_rels/.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="word/document.xml"/></Relationships>',
        "word/document.xml": f'<w:document xmlns:w="{W}"><w:body><w:p><w:pPr><w:pStyle w:val="PullQuote"/></w:pPr>'
        "</w:p></w:body></w:document>",
        "word/styles.xml": f'<w:styles xmlns:w="{W}"/>',
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return out.getvalue()


# LibreOffice


def _libreoffice_pdf(docx: Path, out: Path) -> Path:
    """The DOCX converted to PDF by LibreOffice headless, with a profile of its own."""
    soffice = tool("soffice", "libreoffice-writer-nogui")
    profile = out / "lo-profile"
    done = subprocess.run(
        [soffice, "--headless", "--norestore", f"-env:UserInstallation={profile.as_uri()}",
         "--convert-to", "pdf", "--outdir", str(out), str(docx)],
        capture_output=True, text=True, timeout=300,
    )
    pdf = out / (docx.stem + ".pdf")
    # soffice exits 0 even when it cannot load the file: the output is the only proof.
    assert pdf.is_file(), f"LibreOffice wrote no PDF for {docx.name} (exit {done.returncode}): {done.stderr.strip()}"
    return pdf


def _lines_after_citations(pdf: Path, running: set[str]) -> list[str]:
    """Non-empty text lines after the last "Citations" heading, running heads and page numbers removed."""
    lines: list[str] = []
    for page in pdftotext(pdf).split("\f"):
        rows = [row.strip() for row in page.splitlines() if row.strip()]
        while rows and _squash(rows[0]) in running:
            rows.pop(0)
        if rows and rows[-1].isdigit():
            rows.pop()
        lines += rows
    assert "Citations" in lines, f"{pdf.name}: no Citations heading"
    return lines[len(lines) - lines[::-1].index("Citations"):]


def _pdf_notes(pdf: Path, running: set[str]) -> list[str]:
    """Our own PDF's notes ("1. text" after "Citations"), in order."""
    text = "\n".join(_lines_after_citations(pdf, running))
    starts = []
    position = 0
    number = 1
    while True:
        found = re.compile(rf"^{number}\.\s", re.M).search(text, position)
        if not found:
            break
        starts.append(found)
        position, number = found.end(), number + 1
    return [text[m.end():(starts[i + 1].start() if i + 1 < len(starts) else len(text))] for i, m in enumerate(starts)]


def _check_libreoffice_notes(docx: Path, pdf: Path, out: Path, short_title: str, series: str, expected: int) -> None:
    running = {_squash(short_title), _squash(series), _squash(short_title + series)}
    ours = _pdf_notes(pdf, running)
    assert len(ours) == expected, f"our PDF shows {len(ours)} notes"
    tail = "".join(_squash(line) for line in _lines_after_citations(_libreoffice_pdf(docx, out), running))
    position = 0
    for number, text in enumerate(ours, start=1):
        wanted = f"{number}{_squash(text)}"
        assert tail.startswith(wanted, position), (
            f"LibreOffice's note {number} differs from our PDF's:\n  LibreOffice: {tail[position:position + len(wanted)]}"
            f"\n  our PDF:     {wanted}"
        )
        position += len(wanted)
    assert tail[position:] == "", f"LibreOffice shows more after note {expected}: {tail[position:position + 200]}"


def test_libreoffice_shows_the_notes_at_the_end_as_in_our_pdf(sample_build, tmp_path):
    """LibreOffice renders the DOCX with notes 1..5 at the end, each with the same text as in our PDF."""
    _check_libreoffice_notes(sample_build / "qi-brief-7.docx", sample_build / "qi-brief-7.pdf", tmp_path,
                             "Large Questions", "QI Brief 7", SAMPLE_NOTES)


# Brief 50


@pytest.mark.slow
def test_brief50_has_forty_endnotes(brief50_build):
    """Brief 50's DOCX has 40 endnote references, 40 endnotes plus two separators, 13 pull quotes, a sound package."""
    docx = brief50_build / "qi-brief-50.docx"
    _check_endnotes(docx, BRIEF50_NOTES)
    paragraphs = list(_xml(docx, "word/document.xml").iter(_w("p")))
    styled = [_text(p) for p in paragraphs if _style(p) == "PullQuote"]
    assert [_squash(q) for q in styled] == [_squash(q) for q in _pull_quotes(REPO)]
    assert len(styled) == 13
    assert audit_package(docx.read_bytes()) == []


@pytest.mark.slow
def test_brief50_libreoffice_notes_match_our_pdf(brief50_build, tmp_path):
    """LibreOffice renders brief 50's DOCX with notes 1..40 at the end, each as in our PDF."""
    meta = read_metadata(REPO / "content" / "metadata.yaml", "content/metadata.yaml")
    _check_libreoffice_notes(brief50_build / "qi-brief-50.docx", brief50_build / "qi-brief-50.pdf", tmp_path,
                             meta.short_title, f"{meta.series} {meta.number}", BRIEF50_NOTES)
