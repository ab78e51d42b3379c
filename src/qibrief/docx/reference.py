"""The reference document for Pandoc's DOCX writer, generated from the brand over Pandoc's own default.

Pandoc takes from a reference document its styles, theme, fonts table, page geometry (the last section's
properties) and the headers and footers those properties name; the text in it is ignored. So the brand is
written into exactly those parts, and nothing here is a hand-edited binary.

Fonts: a run names one font; Word has no fallback list. Every style names the brand family itself (so a
machine with the brand fonts installed shows the brief as designed), and word/fontTable.xml describes each
brand family with `w:altName` set to the brand's `docx-fallback` plus its generic family (roman or swiss)
and pitch. ECMA-376 (17.8.3.1) tells an application that cannot find a font to try its alternate names
first, then substitute by those metrics; editors keep seeing the brand name in the font box, so the text
comes back in the brand font wherever it is installed. LibreOffice 7.4 ignores w:altName (measured: with a
fallback of "DejaVu Serif" it still chose fontconfig's default), so there the fallback is the system's.
The theme's heading and body fonts are the brand families too ("Headings" and "Body" in Word's menus).
Embedding the fonts was left out: the vendored TrueType subsets of Source Sans 3 carry the family name
"Source Sans 3 ExtraLight" in their name tables, which would not match the styles' "Source Sans 3".
"""

from __future__ import annotations

import subprocess

from lxml import etree

from ..brand import Brand
from ..metadata import Metadata
from ..pandoc import pandoc_binary
from . import wordml as X
from .wordml import el

# Page geometry and spacing of the print PDF (styles/print.css): US Letter, margins 0.9in x 0.95in.
PAGE_WIDTH, PAGE_HEIGHT = 12240, 15840  # twips (1/20 pt)
MARGIN_TOP = MARGIN_BOTTOM = 1296
MARGIN_SIDE = 1368
HEADER_DISTANCE, FOOTER_DISTANCE = 720, 576
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN_SIDE
BODY_LINE = 1.45  # line height of body text, as in print.css
HEADER_PART, FIRST_HEADER_PART = "word/header1.xml", "word/header2.xml"
FOOTER_PART, FIRST_FOOTER_PART = "word/footer1.xml", "word/footer2.xml"


def default_reference() -> bytes:
    """Pandoc's own reference.docx, from the bundled Pandoc."""
    done = subprocess.run(
        [pandoc_binary(), "--print-default-data-file", "reference.docx"], capture_output=True, timeout=60, check=True
    )
    return done.stdout


def build_reference(brand: Brand, meta: Metadata, when) -> bytes:
    """Pandoc's default reference document with the brand's styles, theme, fonts, page and running heads."""
    package = X.Package(default_reference(), "pandoc reference.docx")
    _write_styles(package.xml("word/styles.xml"), brand, meta)
    _write_fonts(package.xml("word/fontTable.xml"), brand)
    _write_theme(package.xml("word/theme/theme1.xml"), brand)
    _write_running_heads(package, meta)
    return package.to_bytes(when)


# Units


def _hp(points: float) -> str:
    """Half-points, Word's unit for font sizes."""
    return str(round(points * 2))


def _tw(points: float) -> str:
    """Twentieths of a point (twips), Word's unit for spacing and indents."""
    return str(round(points * 20))


def _hex(brand: Brand, name: str) -> str:
    return brand.colour(name).rgb.lstrip("#").upper()


def _fonts(family: str) -> etree._Element:
    return el("w:rFonts", ascii=family, hAnsi=family, eastAsia=family, cs=family)


def _size(points: float) -> list[etree._Element]:
    return [el("w:sz", val=_hp(points)), el("w:szCs", val=_hp(points))]


def _border(side: str, points: float, colour: str, space: int) -> etree._Element:
    # Border widths are in eighths of a point; the space between border and text in points.
    return el(f"w:{side}", val="single", sz=str(round(points * 8)), space=str(space), color=colour)


# Styles


def _style(
    kind: str,
    style_id: str,
    name: str,
    *,
    based_on: str | None = None,
    next_: str | None = None,
    link: str | None = None,
    custom: bool = False,
    ppr: list[etree._Element] = (),  # type: ignore[assignment]
    rpr: list[etree._Element] = (),  # type: ignore[assignment]
    priority: int | None = None,
    quick: bool = True,
) -> etree._Element:
    style = el("w:style", type=kind, styleId=style_id)
    if custom:
        style.set(X.qn("w:customStyle"), "1")
    style.append(el("w:name", val=name))
    for tag, value in (("basedOn", based_on), ("next", next_), ("link", link)):
        if value:
            style.append(el(f"w:{tag}", val=value))
    if priority is not None:
        style.append(el("w:uiPriority", val=str(priority)))
    if quick:
        style.append(el("w:qFormat"))
    if ppr:
        props = el("w:pPr")
        for prop in ppr:
            X.insert_ordered(props, prop, X.PPR_ORDER)
        style.append(props)
    if rpr:
        props = el("w:rPr")
        for prop in rpr:
            X.insert_ordered(props, prop, X.RPR_ORDER)
        style.append(props)
    return style


def brand_styles(brand: Brand, meta: Metadata) -> list[etree._Element]:
    """Every style the brief's DOCX uses, from the brand's fonts, colours and sizes."""
    serif, sans = brand.font("serif").family, brand.font("sans").family
    size = brand.sizes
    body, note = size["body"], size["note"]
    navy, accent, muted, tint = (_hex(brand, n) for n in ("navy", "accent", "muted", "tint"))
    # Note references are small text: the accent's darker text shade (styles/brand.yaml), not the bright one.
    accent_text = _hex(brand, "accent-text")

    def heading_rpr(points: float, *, italic: bool = False) -> list[etree._Element]:
        extra = [el("w:i"), el("w:iCs")] if italic else []
        return [_fonts(sans), el("w:b"), el("w:bCs"), *extra, el("w:color", val=navy), *_size(points)]

    def line(multiple: float) -> dict[str, str]:
        return {"line": str(round(240 * multiple)), "lineRule": "auto"}

    styles = [
        _style("paragraph", "BodyText", "Body Text", based_on="Normal", link="BodyTextChar",
               ppr=[el("w:spacing", before="0", after=_tw(body * 0.7))]),
        _style("character", "BodyTextChar", "Body Text Char", based_on="DefaultParagraphFont", link="BodyText",
               custom=True, quick=False),
        # Title block (first page): series line, title, subtitle, author, affiliation, date.
        _style("paragraph", "Series", "Series", based_on="Normal", next_="Title", custom=True,
               ppr=[el("w:keepNext"), el("w:spacing", before="0", after=_tw(72))],
               rpr=[_fonts(sans), el("w:b"), el("w:bCs"), el("w:caps"), el("w:color", val=navy),
                    el("w:spacing", val=_tw(0.8)), *_size(20)]),
        _style("character", "SeriesNumber", "Series Number", based_on="DefaultParagraphFont", custom=True,
               rpr=[el("w:color", val=accent)]),
        _style("paragraph", "Title", "Title", based_on="Normal", next_="BodyText", link="TitleChar", priority=10,
               ppr=[el("w:keepNext"), el("w:pBdr", _border("top", 4, accent, 14)),
                    el("w:spacing", before="0", after=_tw(25), **line(1.15))],
               rpr=[_fonts(serif), el("w:b"), el("w:bCs"), el("w:color", val=navy), *_size(size["title"])]),
        _style("character", "TitleChar", "Title Char", based_on="DefaultParagraphFont", link="Title", custom=True,
               priority=10, quick=False,
               rpr=[_fonts(serif), el("w:b"), el("w:bCs"), el("w:color", val=navy), *_size(size["title"])]),
        _style("paragraph", "Subtitle", "Subtitle", based_on="Normal", next_="BodyText", link="SubtitleChar",
               priority=11, ppr=[el("w:keepNext"), el("w:spacing", before="0", after=_tw(22))],
               rpr=[_fonts(sans), el("w:color", val=navy), *_size(15)]),
        _style("character", "SubtitleChar", "Subtitle Char", based_on="DefaultParagraphFont", link="Subtitle",
               custom=True, priority=11, quick=False, rpr=[_fonts(sans), el("w:color", val=navy), *_size(15)]),
        _style("paragraph", "Author", "Author", based_on="Normal", next_="BodyText", custom=True,
               ppr=[el("w:keepNext"), el("w:keepLines"), el("w:spacing", before="0", after=_tw(4))],
               rpr=[_fonts(sans), el("w:b"), el("w:bCs"), el("w:color", val=navy), *_size(15)]),
        _style("paragraph", "Affiliation", "Affiliation", based_on="Normal", next_="BodyText", custom=True,
               ppr=[el("w:keepNext"), el("w:spacing", before="0", after=_tw(4))],
               rpr=[_fonts(sans), el("w:color", val=muted), *_size(11)]),
        _style("paragraph", "Date", "Date", based_on="Normal", next_="BodyText",
               ppr=[el("w:keepNext"), el("w:spacing", before="0", after=_tw(4))],
               rpr=[_fonts(sans), el("w:color", val=muted), *_size(11)]),
        # The brief's own blocks (fenced divs with custom-style=...).
        _style("paragraph", "ExecutiveSummary", "Executive Summary", based_on="BodyText", next_="ExecutiveSummary",
               custom=True,
               ppr=[el("w:pBdr", _border("left", 5, navy, 12)), el("w:shd", val="clear", color="auto", fill=tint),
                    el("w:ind", left=_tw(18), right=_tw(12))]),
        _style("paragraph", "ExecutiveSummaryList", "Executive Summary List", based_on="ExecutiveSummary",
               next_="ExecutiveSummary", custom=True, ppr=[el("w:spacing", before="0", after=_tw(body * 0.25))]),
        _style("paragraph", "PullQuote", "Pull Quote", based_on="BodyText", next_="BodyText", custom=True,
               ppr=[el("w:keepLines"), el("w:pBdr", _border("left", 4, accent, 10)),
                    el("w:spacing", before=_tw(body * 0.9), after=_tw(body * 1.1), **line(1.3)),
                    el("w:ind", left=_tw(14))],
               rpr=[_fonts(serif), el("w:i"), el("w:iCs"), el("w:color", val=navy), *_size(size["pull-quote"])]),
        # Notes: Pandoc's footnote styles (kept for --docx-notes footnotes) and Word's endnote styles.
        _style("paragraph", "FootnoteText", "Footnote Text", based_on="Normal", next_="FootnoteText", priority=9,
               ppr=[el("w:spacing", before="0", after=_tw(note * 0.45), **line(1.35))], rpr=_size(note)),
        _style("character", "FootnoteReference", "Footnote Reference", based_on="DefaultParagraphFont",
               quick=False, rpr=[_fonts(sans), el("w:b"), el("w:bCs"), el("w:color", val=accent_text),
                                 el("w:vertAlign", val="superscript")]),
        _style("paragraph", "EndnoteText", "endnote text", based_on="Normal", next_="EndnoteText", priority=99,
               quick=False,
               ppr=[el("w:spacing", before="0", after=_tw(note * 0.45), **line(1.35))], rpr=_size(note)),
        _style("character", "EndnoteReference", "endnote reference", based_on="DefaultParagraphFont", priority=99,
               quick=False, rpr=[_fonts(sans), el("w:b"), el("w:bCs"), el("w:color", val=accent_text),
                                 el("w:vertAlign", val="superscript")]),
        _style("character", "Hyperlink", "Hyperlink", based_on="DefaultParagraphFont", priority=99, quick=False,
               rpr=[el("w:color", val=navy)]),
        # Running heads: short title left and series line right; page number centred below.
        _style("paragraph", "Header", "header", based_on="Normal", link="HeaderChar", priority=99, quick=False,
               ppr=[el("w:tabs", el("w:tab", val="right", pos=str(TEXT_WIDTH))),
                    el("w:spacing", before="0", after="0", line="240", lineRule="auto")],
               rpr=[_fonts(sans), el("w:color", val=muted), *_size(note)]),
        _style("character", "HeaderChar", "Header Char", based_on="DefaultParagraphFont", link="Header",
               custom=True, priority=99, quick=False, rpr=[_fonts(sans), el("w:color", val=muted), *_size(note)]),
        _style("character", "RunningSeries", "Running Series", based_on="DefaultParagraphFont", custom=True,
               rpr=[el("w:b"), el("w:bCs"), el("w:color", val=navy)]),
        _style("paragraph", "Footer", "footer", based_on="Normal", link="FooterChar", priority=99, quick=False,
               ppr=[el("w:spacing", before="0", after="0", line="240", lineRule="auto"), el("w:jc", val="center")],
               rpr=[_fonts(sans), el("w:color", val=muted), *_size(note + 0.5)]),
        _style("character", "FooterChar", "Footer Char", based_on="DefaultParagraphFont", link="Footer",
               custom=True, priority=99, quick=False,
               rpr=[_fonts(sans), el("w:color", val=muted), *_size(note + 0.5)]),
    ]
    # Headings: sans, navy, bold; level 1 with the accent rule above it, as in the PDF.
    sizes = {1: size["h1"], 2: size["h2"]}
    for level in range(1, 10):
        points = sizes.get(level, body + 0.5 if level == 3 else body)
        ppr = [el("w:keepNext"), el("w:keepLines"), el("w:outlineLvl", val=str(level - 1))]
        if level == 1:
            ppr += [el("w:pBdr", _border("top", 1.5, accent, 6)),
                    el("w:spacing", before=_tw(points * 1.3), after=_tw(points * 0.5), line="240", lineRule="auto")]
        else:
            ppr += [el("w:spacing", before=_tw(max(points * 1.1, 12)), after=_tw(points * 0.4))]
        italic = level >= 4 and level % 2 == 0
        styles.append(_style("paragraph", f"Heading{level}", f"heading {level}", based_on="Normal", next_="BodyText",
                             link=f"Heading{level}Char", priority=9, ppr=ppr, rpr=heading_rpr(points, italic=italic)))
        styles.append(_style("character", f"Heading{level}Char", f"Heading {level} Char",
                             based_on="DefaultParagraphFont", link=f"Heading{level}", custom=True, priority=9,
                             quick=False, rpr=heading_rpr(points, italic=italic)))
    return styles


def _table_normal() -> etree._Element:
    # Pandoc's "Table" style is based on TableNormal, which its default styles.xml does not define.
    margins = el("w:tblCellMar", el("w:top", w="0", type="dxa"), el("w:left", w="108", type="dxa"),
                 el("w:bottom", w="0", type="dxa"), el("w:right", w="108", type="dxa"))
    style = el("w:style", el("w:name", val="Normal Table"), el("w:uiPriority", val="99"), el("w:semiHidden"),
               el("w:unhideWhenUsed"), el("w:tblPr", el("w:tblInd", w="0", type="dxa"), margins),
               type="table", styleId="TableNormal")
    style.set(X.qn("w:default"), "1")
    return style


def _write_styles(styles: etree._Element, brand: Brand, meta: Metadata) -> None:
    serif = brand.font("serif").family
    # Theme fonts and colours win over named ones in Word: take them out, then name the brand's.
    for fonts in styles.iter(X.qn("w:rFonts")):
        for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
            fonts.attrib.pop(X.qn(f"w:{attr}"), None)
    for colour in styles.iter(X.qn("w:color")):
        for attr in ("themeColor", "themeShade", "themeTint"):
            colour.attrib.pop(X.qn(f"w:{attr}"), None)
    defaults = styles.find(X.qn("w:docDefaults"))
    rpr = defaults.find(f"{X.qn('w:rPrDefault')}/{X.qn('w:rPr')}")
    for prop in (_fonts(serif), el("w:color", val=_hex(brand, "ink")), *_size(brand.sizes["body"]),
                 el("w:lang", val=meta.lang)):
        X.insert_ordered(rpr, prop, X.RPR_ORDER)
    ppr = defaults.find(f"{X.qn('w:pPrDefault')}/{X.qn('w:pPr')}")
    X.insert_ordered(ppr, el("w:spacing", after=_tw(brand.sizes["body"] * 0.7), line=str(round(240 * BODY_LINE)),
                             lineRule="auto"), X.PPR_ORDER)
    replacements = brand_styles(brand, meta)
    if styles.find(f"{X.qn('w:style')}[@{X.qn('w:styleId')}='TableNormal']") is None:
        replacements.append(_table_normal())
    existing = {node.get(X.qn("w:styleId")): node for node in styles.findall(X.qn("w:style"))}
    for style in replacements:
        old = existing.get(style.get(X.qn("w:styleId")))
        if old is not None:
            old.addprevious(style)
            styles.remove(old)
        else:
            styles.append(style)


def _write_fonts(table: etree._Element, brand: Brand) -> None:
    generic = {"serif": "roman", "sans": "swiss"}
    for font in brand.fonts:
        for old in table.findall(X.qn("w:font")):
            if old.get(X.qn("w:name")) == font.family:
                table.remove(old)
        entry = el("w:font", name=font.family)
        if font.docx_fallback:
            entry.append(el("w:altName", val=font.docx_fallback))
        entry.append(el("w:charset", val="00"))
        entry.append(el("w:family", val=generic.get(font.role, "auto")))
        entry.append(el("w:pitch", val="variable"))
        table.insert(0, entry)


def _write_theme(theme: etree._Element, brand: Brand) -> None:
    a = lambda name: f"{{{X.A}}}{name}"  # noqa: E731
    elements = theme.find(a("themeElements"))
    scheme = elements.find(a("clrScheme"))
    scheme.set("name", brand.name or "Brand")
    for slot, colour in (("dk2", "navy"), ("lt2", "tint"), ("accent1", "navy"), ("accent2", "accent"),
                         ("accent3", "muted"), ("hlink", "navy"), ("folHlink", "muted")):
        node = scheme.find(a(slot))
        if node is None:
            continue
        for child in list(node):
            node.remove(child)
        etree.SubElement(node, a("srgbClr"), val=_hex(brand, colour))
    fonts = elements.find(a("fontScheme"))
    fonts.set("name", brand.name or "Brand")
    for which, role in (("majorFont", "sans"), ("minorFont", "serif")):
        latin = fonts.find(f"{a(which)}/{a('latin')}")
        latin.attrib.clear()
        latin.set("typeface", brand.font(role).family)


# Running heads and page geometry


def _part(kind: str, *paragraphs: etree._Element) -> etree._Element:
    root = el("w:hdr" if kind == "header" else "w:ftr")
    for p in paragraphs:
        root.append(p)
    return root


def page_field() -> list[etree._Element]:
    """The runs of a PAGE field (a complex field, which Word and LibreOffice both update)."""
    instr = el("w:instrText")
    instr.text = " PAGE "
    instr.set(X.qn("xml:space"), "preserve")
    shown = el("w:t")
    shown.text = "1"
    return [el("w:r", el("w:fldChar", fldCharType="begin")), el("w:r", instr),
            el("w:r", el("w:fldChar", fldCharType="separate")), el("w:r", shown),
            el("w:r", el("w:fldChar", fldCharType="end"))]


def series_line(meta: Metadata) -> str:
    """The series line, e.g. 'QI Brief 50'."""
    return f"{meta.series} {meta.number}"


def section_properties(refs: dict[str, str] | None = None) -> etree._Element:
    """The section properties: US Letter, the print margins, running heads (none on page 1). The notes'
    numbering is not here: docx/notes.number_notes writes it into the finished document."""
    sect = el("w:sectPr")
    for kind, which, rid in _refs(refs or {}):
        sect.append(el(f"w:{kind}Reference", type=which, **{"r:id": rid}))
    sect.append(el("w:pgSz", w=str(PAGE_WIDTH), h=str(PAGE_HEIGHT)))
    sect.append(el("w:pgMar", top=str(MARGIN_TOP), right=str(MARGIN_SIDE), bottom=str(MARGIN_BOTTOM),
                   left=str(MARGIN_SIDE), header=str(HEADER_DISTANCE), footer=str(FOOTER_DISTANCE), gutter="0"))
    sect.append(el("w:titlePg"))
    return sect


def _refs(refs: dict[str, str]) -> list[tuple[str, str, str]]:
    # header before footer, default before first: the schema allows any order, Word writes this one.
    out = []
    for kind in ("header", "footer"):
        for which in ("default", "first"):
            if f"{kind}:{which}" in refs:
                out.append((kind, which, refs[f"{kind}:{which}"]))
    return out


def _write_running_heads(package: X.Package, meta: Metadata) -> None:
    header = X.paragraph("Header", X.text_run(meta.short_title), el("w:r", el("w:tab")),
                         X.text_run(series_line(meta), style="RunningSeries"))
    footer = X.paragraph("Footer", *page_field())
    parts = {
        ("header", "default"): (HEADER_PART, _part("header", header)),
        ("header", "first"): (FIRST_HEADER_PART, _part("header", X.paragraph("Header"))),
        ("footer", "default"): (FOOTER_PART, _part("footer", footer)),
        ("footer", "first"): (FIRST_FOOTER_PART, _part("footer", X.paragraph("Footer"))),
    }
    refs = {}
    for (kind, which), (name, root) in parts.items():
        package.put_xml(name, root)
        package.set_override(name, X.CT_HEADER if kind == "header" else X.CT_FOOTER)
        rid = package.add_relationship("word/document.xml", X.REL_HEADER if kind == "header" else X.REL_FOOTER,
                                       name.removeprefix("word/"))
        refs[f"{kind}:{which}"] = rid
    body = package.xml("word/document.xml").find(X.qn("w:body"))
    old = body.find(X.qn("w:sectPr"))
    if old is not None:
        body.remove(old)
    body.append(section_properties(refs))
