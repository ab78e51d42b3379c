"""Finishing Pandoc's DOCX body and properties: the title block, the notes heading, core, extended (app.xml) and
custom properties, and no empty comments part."""

from __future__ import annotations

import datetime as dt

from lxml import etree

from .. import __version__
from ..metadata import Metadata
from ..roundtrip.sent import PROPERTY as SENT_PROPERTY
from . import wordml as X
from .statistics import Statistics
from .wordml import el

DOCUMENT = "word/document.xml"
SUMMARY_STYLES = ("ExecutiveSummary", "ExecutiveSummaryList")
_TITLE_BLOCK = {"Title", "Subtitle", "Author", "Date", "AbstractTitle", "Abstract"}


def _style_of(node: etree._Element) -> str | None:
    style = node.find(f"{X.qn('w:pPr')}/{X.qn('w:pStyle')}")
    return None if style is None else style.get(X.qn("w:val"))


def title_block(package: X.Package, meta: Metadata) -> None:
    """The first page: series line ('QI Brief 50'), title, subtitle, author, affiliation, date; body on page 2."""
    body = package.xml(DOCUMENT).find(X.qn("w:body"))
    block = []
    for child in body:
        if child.tag != X.qn("w:p") or _style_of(child) not in _TITLE_BLOCK:
            break
        block.append(child)
    series = X.paragraph("Series", X.text_run(f"{meta.series} "), X.text_run(meta.number, style="SeriesNumber"))
    body.insert(0, series)
    block.insert(0, series)
    organization = str(meta.raw.get("organization") or "").strip()
    if organization:
        after = [p for p in block if _style_of(p) in ("Series", "Title", "Subtitle", "Author")][-1]
        affiliation = X.paragraph("Affiliation", X.text_run(organization))
        after.addnext(affiliation)
        block.insert(block.index(after) + 1, affiliation)
    dates = [p for p in block if _style_of(p) == "Date"]
    if meta.display_date:
        # Pandoc prints the metadata date as written (2023-12-01); the cover shows the display date.
        if dates:
            for child in list(dates[0]):
                if child.tag != X.qn("w:pPr"):
                    dates[0].remove(child)
            dates[0].append(X.text_run(meta.display_date))
        else:
            dated = X.paragraph("Date", X.text_run(meta.display_date))
            block[-1].addnext(dated)
            block.append(dated)
    following = block[-1].getnext()
    while following is not None and following.tag != X.qn("w:p"):
        following = following.getnext()
    if following is not None and following.tag == X.qn("w:p"):
        props = following.find(X.qn("w:pPr"))
        if props is None:
            props = el("w:pPr")
            following.insert(0, props)
        X.insert_ordered(props, el("w:pageBreakBefore"), X.PPR_ORDER)


def summary_lists(package: X.Package) -> None:
    """Keep lists inside the executive summary inside its box.

    Pandoc gives the items of a tight list the "Compact" style even inside a div with a custom style, so the
    executive summary's bullets would fall out of its shaded box. A list that directly follows an
    "Executive Summary" paragraph belongs to that div (Pandoc writes nothing between them otherwise) and
    gets "Executive Summary List", the box's style with list spacing; its numbering stays as it is.
    """
    body = package.xml(DOCUMENT).find(X.qn("w:body"))
    previous = None
    for child in body:
        if child.tag != X.qn("w:p"):
            previous = None
            continue
        style = _style_of(child)
        in_list = child.find(f"{X.qn('w:pPr')}/{X.qn('w:numPr')}") is not None
        if in_list and style in ("Compact", "BodyText", "FirstParagraph") and previous in SUMMARY_STYLES:
            child.find(f"{X.qn('w:pPr')}/{X.qn('w:pStyle')}").set(X.qn("w:val"), "ExecutiveSummaryList")
            style = "ExecutiveSummaryList"
        previous = style


BULLETS = ("\u2022", "\u2013")  # bullet, en dash: in every brand font's Latin set, unlike Word's Symbol glyphs


def brand_bullets(package: X.Package, family: str) -> None:
    """List bullets in the brand's sans family: Pandoc's are Symbol, Courier New and Wingdings glyphs, which
    LibreOffice draws from OpenSymbol where those fonts are missing."""
    if "word/numbering.xml" not in package:
        return
    for level in package.xml("word/numbering.xml").iter(X.qn("w:lvl")):
        kind, text = level.find(X.qn("w:numFmt")), level.find(X.qn("w:lvlText"))
        if kind is None or kind.get(X.qn("w:val")) != "bullet" or text is None or not text.get(X.qn("w:val"), "").strip():
            continue
        text.set(X.qn("w:val"), BULLETS[int(level.get(X.qn("w:ilvl"), "0")) % 2])
        run = level.find(X.qn("w:rPr"))
        if run is None:
            run = etree.SubElement(level, X.qn("w:rPr"))  # CT_Lvl's last child
        X.insert_ordered(run, el("w:rFonts", ascii=family, hAnsi=family, cs=family), X.RPR_ORDER)


def notes_heading(package: X.Package, heading: str) -> None:
    """A Heading 1 at the end of the body, on a new page, so that the endnotes sit under it (as in the PDF)."""
    document = package.xml(DOCUMENT)
    body = document.find(X.qn("w:body"))
    ids = [int(node.get(X.qn("w:id"))) for node in document.iter(X.qn("w:bookmarkStart"))
           if (node.get(X.qn("w:id")) or "").lstrip("-").isdigit()]
    bookmark = str(max(ids, default=0) + 1)
    paragraph = X.paragraph("Heading1", X.text_run(heading), ppr=[el("w:pageBreakBefore")])
    paragraph.insert(1, el("w:bookmarkStart", id=bookmark, name="citations"))
    paragraph.append(el("w:bookmarkEnd", id=bookmark))
    last = body[-1] if len(body) else None
    if last is not None and last.tag == X.qn("w:sectPr"):
        last.addprevious(paragraph)
    else:
        body.append(paragraph)


def word_settings(package: X.Package) -> None:
    """Ask Word for its current layout mode: without w:compatibilityMode Word opens the file in Compatibility Mode."""
    settings = package.xml("word/settings.xml")
    compat = X.ensure(settings, "w:compat", X.SETTINGS_ORDER)
    for old in compat.findall(X.qn("w:compatSetting")):
        if old.get(X.qn("w:name")) == "compatibilityMode":
            compat.remove(old)
    compat.append(el("w:compatSetting", name="compatibilityMode", uri="http://schemas.microsoft.com/office/word",
                     val="15"))


def _w3cdtf(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def core_properties(package: X.Package, meta: Metadata, created: dt.datetime, modified: dt.datetime) -> None:
    """docProps/core.xml from the metadata: title, author, subject, keywords, language, fixed dates."""
    nsmap = {"cp": X.CP, "dc": X.DC, "dcterms": X.DCTERMS, "dcmitype": "http://purl.org/dc/dcmitype/", "xsi": X.XSI}
    root = etree.Element(f"{{{X.CP}}}coreProperties", nsmap=nsmap)
    keywords = meta.raw.get("keywords") or []
    if isinstance(keywords, str):
        keywords = [keywords]
    # What the brief always has stands in for what it leaves out, as in the HTML template (and so the PDF).
    keywords = keywords or [meta.series, f"{meta.series} {meta.number}"]
    fields = [
        (X.DC, "title", meta.title),
        (X.DC, "subject", str(meta.raw.get("subject") or meta.title)),
        (X.DC, "creator", "; ".join(meta.authors)),
        (X.CP, "keywords", ", ".join(str(k) for k in keywords)),
        (X.DC, "language", meta.lang),
    ]
    for namespace, name, value in fields:
        if value:
            etree.SubElement(root, f"{{{namespace}}}{name}").text = value
    for name, moment in (("created", created), ("modified", modified)):
        node = etree.SubElement(root, f"{{{X.DCTERMS}}}{name}")
        node.set(f"{{{X.XSI}}}type", "dcterms:W3CDTF")
        node.text = _w3cdtf(moment)
    package.put_xml("docProps/core.xml", root)


EXTENDED = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"
VTYPES = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
APPLICATION = f"qibrief {__version__}"


def app_properties(package: X.Package, stats: Statistics) -> None:
    """docProps/app.xml that tells the truth: this tool as the application, and the document's own statistics.

    Pandoc's template says "Microsoft Word 12.0.0", 1 page and 83 words whatever the document; Word recomputes
    the figures when it saves. No AppVersion (Word reads it as its own version) and no editing time.
    """
    root = etree.Element(f"{{{EXTENDED}}}Properties", nsmap={None: EXTENDED, "vt": VTYPES})
    for name, value in (("Pages", stats.pages), ("Words", stats.words), ("Characters", stats.characters),
                        ("Application", APPLICATION), ("DocSecurity", 0), ("Lines", stats.lines),
                        ("Paragraphs", stats.paragraphs), ("ScaleCrop", "false"), ("LinksUpToDate", "false"),
                        ("CharactersWithSpaces", stats.characters_with_spaces), ("SharedDoc", "false"),
                        ("HyperlinksChanged", "false")):
        etree.SubElement(root, f"{{{EXTENDED}}}{name}").text = str(value)
    package.put_xml("docProps/app.xml", root)


def drop_empty_comments(package: X.Package) -> None:
    """Take out Pandoc's comments part when it holds no comment (Pandoc writes one whatever the document)."""
    name = "word/comments.xml"
    if name not in package or len(package.xml(name).findall(X.qn("w:comment"))):
        return
    package.remove(name)
    package.set_override(name, None)
    package.remove_relationships(DOCUMENT, X.REL + "comments")


def custom_properties(package: X.Package, meta: Metadata) -> None:
    """Keep only custom properties that come from metadata.yaml, and the digests of the sections sent
    (roundtrip.sent.PROPERTY, written by docx.citations: `import` refuses to overwrite a section changed since).

    Pandoc writes every metadata field it does not map itself, including the build's own --metadata and
    citeproc settings: the absolute paths of references.yaml and of the CSL file on the build machine.
    Those say nothing to an editor, leak the builder's file system, and change from machine to machine.
    """
    name = "docProps/custom.xml"
    if name not in package:
        return
    root = package.xml(name)
    pid = 2  # Word numbers custom properties from 2
    for prop in list(root):
        if prop.get("name") not in meta.raw and not prop.get("name", "").startswith(SENT_PROPERTY):
            root.remove(prop)
        else:
            prop.set("pid", str(pid))
            pid += 1
    if len(root) == 0:
        package.remove(name)
        package.set_override(name, None)
        rels = package.xml("_rels/.rels")
        for rel in list(rels):
            if rel.get("Type") == X.REL_CUSTOM:
                rels.remove(rel)
