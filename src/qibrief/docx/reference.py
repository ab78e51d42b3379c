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
The finished DOCX also embeds the brand's faces (docx/fonts.py), so the fallback shows only where an
application does not read embedded fonts.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass

from lxml import etree

from ..brand import Brand, Page
from ..metadata import Metadata
from ..pandoc import pandoc_binary
from . import wordml as X
from .wordml import el

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
    _write_running_heads(package, meta, brand.page)
    return package.to_bytes(when)


# Units


def _hp(points: float) -> str:
    """Half-points, Word's unit for font sizes."""
    return str(round(points * 2))


def _tw(points: float) -> str:
    """Twentieths of a point (twips), Word's unit for spacing and indents."""
    return str(round(points * 20))


def _in(inches: float) -> int:
    """Twips from inches (brand.yaml's page: lengths)."""
    return round(inches * 1440)


def _text_width(page: Page) -> int:
    """The width between the side margins, in twips."""
    return _in(page.width) - _in(page.margins[1]) - _in(page.margins[3])


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


# The styles as data: one row per Word style, naming the brand's font roles, colours, sizes (sizes: and
# page.sizes:) and line heights (page.line-heights:); _style_element turns a row into WordprocessingML.


@dataclass(frozen=True)
class Em:
    """A length relative to a brand size: `factor` times the size named `of` ("self": the style's own size),
    and at least `minimum` points."""

    factor: float
    of: str = "self"
    minimum: float = 0.0


@dataclass(frozen=True)
class Border:
    """A paragraph border: its side, width in points, brand colour and distance from the text in points."""

    side: str
    width: float
    colour: str
    space: int


@dataclass(frozen=True)
class StyleSpec:
    """One Word style of the brief's DOCX: Word's own fields, then run and paragraph properties. Lengths are
    points or an Em; `line` is a multiple of single spacing or a page.line-heights name."""

    kind: str
    style_id: str
    name: str
    based_on: str | None = None
    next: str | None = None
    link: str | None = None
    custom: bool = False
    priority: int | None = None
    quick: bool = True
    # Run properties
    font: str | None = None
    bold: bool = False
    italic: bool = False
    caps: bool = False
    colour: str | None = None
    tracking: float | None = None
    size: str | None = None
    size_add: float = 0.0
    superscript: bool = False
    # Paragraph properties
    keep_next: bool = False
    keep_lines: bool = False
    border: Border | None = None
    fill: str | None = None
    right_tab: bool = False  # a right tab stop at the text's width (the running head's series line)
    before: float | Em | None = None
    after: float | Em | None = None
    line: float | str | None = None
    indent: tuple[float, float | None] | None = None  # left, right
    centred: bool = False
    outline_level: int | None = None


def _heading_styles() -> tuple[StyleSpec, ...]:
    # Sans, navy, bold; level 1 (h1) with the accent rule above it, as in the PDF, level 2 h2, level 3 half a
    # point over the body text, the rest body size, every even level from 4 italic. A brief's sections use
    # levels 1 to 3: only those are in Word's quick-style gallery.
    rows = []
    for level in range(1, 10):
        size, add = {1: ("h1", 0.0), 2: ("h2", 0.0), 3: ("body", 0.5)}.get(level, ("body", 0.0))
        run = dict(font="sans", bold=True, italic=level >= 4 and level % 2 == 0, colour="navy", size=size,
                   size_add=add)
        if level == 1:
            spacing = dict(border=Border("top", 1.5, "accent", 6), before=Em(1.3), after=Em(0.5), line=1.0)
        else:
            spacing = dict(before=Em(1.1, minimum=12), after=Em(0.4))
        rows.append(StyleSpec("paragraph", f"Heading{level}", f"heading {level}", based_on="Normal",
                              next="BodyText", link=f"Heading{level}Char", priority=9, keep_next=True,
                              keep_lines=True, outline_level=level - 1, quick=level <= 3, **spacing, **run))
        rows.append(StyleSpec("character", f"Heading{level}Char", f"Heading {level} Char",
                              based_on="DefaultParagraphFont", link=f"Heading{level}", custom=True, priority=9,
                              quick=False, **run))
    return tuple(rows)


_NOTE_REFERENCE = dict(font="sans", bold=True, colour="accent-text", superscript=True)
_NOTE_TEXT = dict(after=Em(0.45, "note"), line="note", size="note")
STYLES: tuple[StyleSpec, ...] = (
    StyleSpec("paragraph", "BodyText", "Body Text", based_on="Normal", link="BodyTextChar", after=Em(0.7, "body")),
    StyleSpec("character", "BodyTextChar", "Body Text Char", based_on="DefaultParagraphFont", link="BodyText",
              custom=True, quick=False),
    # Pandoc's style for the items of a tight list outside the executive summary (docx/styles.py gives every
    # other plain paragraph Body Text).
    StyleSpec("paragraph", "Compact", "Compact", based_on="BodyText", quick=False, after=Em(0.25, "body")),
    # Pandoc's styles for a plain block quote, an image and its caption, and a table's caption: brand looks, out
    # of the gallery (a brief's quotes are pull quotes).
    StyleSpec("paragraph", "BlockText", "Block Text", based_on="BodyText", next="BodyText", quick=False,
              indent=(18, 18)),
    StyleSpec("paragraph", "Figure", "Figure", based_on="BodyText", quick=False, keep_next=True),
    StyleSpec("paragraph", "CaptionedFigure", "Captioned Figure", based_on="Figure", quick=False, keep_next=True),
    StyleSpec("paragraph", "ImageCaption", "Image Caption", based_on="BodyText", quick=False, after=Em(1.1, "body"),
              font="sans", colour="muted", size="note"),
    StyleSpec("paragraph", "TableCaption", "Table Caption", based_on="BodyText", quick=False, keep_next=True,
              font="sans", colour="muted", size="note"),
    # Title block (first page): series line, title, subtitle, author, affiliation, date.
    StyleSpec("paragraph", "Series", "Series", based_on="Normal", next="Title", custom=True, keep_next=True,
              after=72, font="sans", bold=True, caps=True, colour="navy", tracking=0.8, size="series"),
    StyleSpec("character", "SeriesNumber", "Series Number", based_on="DefaultParagraphFont", custom=True,
              quick=False, colour="accent"),
    StyleSpec("paragraph", "Title", "Title", based_on="Normal", next="BodyText", link="TitleChar", priority=10,
              keep_next=True, border=Border("top", 4, "accent", 14), after=25, line="title",
              font="serif", bold=True, colour="navy", size="title"),
    StyleSpec("character", "TitleChar", "Title Char", based_on="DefaultParagraphFont", link="Title", custom=True,
              priority=10, quick=False, font="serif", bold=True, colour="navy", size="title"),
    StyleSpec("paragraph", "Subtitle", "Subtitle", based_on="Normal", next="BodyText", link="SubtitleChar",
              priority=11, keep_next=True, after=22, font="sans", colour="navy", size="subtitle"),
    StyleSpec("character", "SubtitleChar", "Subtitle Char", based_on="DefaultParagraphFont", link="Subtitle",
              custom=True, priority=11, quick=False, font="sans", colour="navy", size="subtitle"),
    StyleSpec("paragraph", "Author", "Author", based_on="Normal", next="BodyText", custom=True, keep_next=True,
              keep_lines=True, after=4, font="sans", bold=True, colour="navy", size="author"),
    StyleSpec("paragraph", "Affiliation", "Affiliation", based_on="Normal", next="BodyText", custom=True,
              keep_next=True, after=4, font="sans", colour="muted", size="affiliation"),
    StyleSpec("paragraph", "Date", "Date", based_on="Normal", next="BodyText", keep_next=True, after=4,
              font="sans", colour="muted", size="affiliation"),
    # The brief's own blocks (fenced divs with custom-style=...).
    StyleSpec("paragraph", "ExecutiveSummary", "Executive Summary", based_on="BodyText", next="ExecutiveSummary",
              custom=True, border=Border("left", 5, "navy", 12), fill="tint", indent=(18, 12)),
    StyleSpec("paragraph", "ExecutiveSummaryList", "Executive Summary List", based_on="ExecutiveSummary",
              next="ExecutiveSummary", custom=True, after=Em(0.25, "body")),
    StyleSpec("paragraph", "PullQuote", "Pull Quote", based_on="BodyText", next="BodyText", custom=True,
              keep_lines=True, border=Border("left", 4, "accent", 10), before=Em(0.9, "body"),
              after=Em(1.1, "body"), line="pull-quote", indent=(14, None),
              font="serif", italic=True, colour="navy", size="pull-quote"),
    # Notes: Pandoc's footnote styles (kept for --docx-notes footnotes) and Word's endnote styles.
    StyleSpec("paragraph", "FootnoteText", "Footnote Text", based_on="Normal", next="FootnoteText", priority=99,
              quick=False, **_NOTE_TEXT),
    StyleSpec("character", "FootnoteReference", "Footnote Reference", based_on="DefaultParagraphFont",
              quick=False, **_NOTE_REFERENCE),
    StyleSpec("paragraph", "EndnoteText", "endnote text", based_on="Normal", next="EndnoteText", priority=99,
              quick=False, **_NOTE_TEXT),
    StyleSpec("character", "EndnoteReference", "endnote reference", based_on="DefaultParagraphFont", priority=99,
              quick=False, **_NOTE_REFERENCE),
    StyleSpec("character", "Hyperlink", "Hyperlink", based_on="DefaultParagraphFont", priority=99, quick=False,
              colour="navy"),
    # Running heads: short title left and series line right; page number centred below.
    StyleSpec("paragraph", "Header", "header", based_on="Normal", link="HeaderChar", priority=99, quick=False,
              right_tab=True, before=0, after=0, line=1.0, font="sans", colour="muted", size="running-head"),
    StyleSpec("character", "HeaderChar", "Header Char", based_on="DefaultParagraphFont", link="Header",
              custom=True, priority=99, quick=False, font="sans", colour="muted", size="running-head"),
    StyleSpec("character", "RunningSeries", "Running Series", based_on="DefaultParagraphFont", custom=True,
              quick=False, bold=True, colour="navy"),
    StyleSpec("paragraph", "Footer", "footer", based_on="Normal", link="FooterChar", priority=99, quick=False,
              before=0, after=0, line=1.0, centred=True, font="sans", colour="muted", size="page-number"),
    StyleSpec("character", "FooterChar", "Footer Char", based_on="DefaultParagraphFont", link="Footer",
              custom=True, priority=99, quick=False, font="sans", colour="muted", size="page-number"),
    *_heading_styles(),
)


def brand_styles(brand: Brand) -> list[etree._Element]:
    """Every style the brief's DOCX uses (STYLES), from the brand's fonts, colours, sizes and line heights."""
    return [_style_element(spec, brand) for spec in STYLES]


def _style_element(spec: StyleSpec, brand: Brand) -> etree._Element:
    points = brand.size(spec.size) + spec.size_add if spec.size else None

    def length(value: float | Em) -> str:
        if isinstance(value, Em):
            base = points if value.of == "self" else brand.size(value.of)
            return _tw(max(base * value.factor, value.minimum))
        return _tw(value)

    rpr = []
    if spec.font:
        rpr.append(_fonts(brand.font(spec.font).family))
    for flag, tags in ((spec.bold, ("w:b", "w:bCs")), (spec.italic, ("w:i", "w:iCs")), (spec.caps, ("w:caps",))):
        rpr += [el(tag) for tag in tags] if flag else []
    if spec.colour:
        rpr.append(el("w:color", val=_hex(brand, spec.colour)))
    if spec.tracking is not None:
        rpr.append(el("w:spacing", val=_tw(spec.tracking)))
    if points is not None:
        rpr += _size(points)
    if spec.superscript:
        rpr.append(el("w:vertAlign", val="superscript"))
    ppr = [el(tag) for flag, tag in ((spec.keep_next, "w:keepNext"), (spec.keep_lines, "w:keepLines")) if flag]
    if spec.border:
        border = spec.border
        ppr.append(el("w:pBdr", _border(border.side, border.width, _hex(brand, border.colour), border.space)))
    if spec.fill:
        ppr.append(el("w:shd", val="clear", color="auto", fill=_hex(brand, spec.fill)))
    if spec.right_tab:
        ppr.append(el("w:tabs", el("w:tab", val="right", pos=_text_width(brand.page))))
    if spec.before is not None or spec.after is not None or spec.line is not None:
        line = brand.page.line_heights[spec.line] if isinstance(spec.line, str) else spec.line
        ppr.append(el("w:spacing", before=length(spec.before or 0), after=length(spec.after or 0),
                      **({"line": str(round(240 * line)), "lineRule": "auto"} if line is not None else {})))
    if spec.indent:
        left, right = spec.indent
        ppr.append(el("w:ind", left=_tw(left), **({"right": _tw(right)} if right is not None else {})))
    if spec.centred:
        ppr.append(el("w:jc", val="center"))
    if spec.outline_level is not None:
        ppr.append(el("w:outlineLvl", val=str(spec.outline_level)))
    return _style(spec.kind, spec.style_id, spec.name, based_on=spec.based_on, next_=spec.next, link=spec.link,
                  custom=spec.custom, priority=spec.priority, quick=spec.quick, ppr=ppr, rpr=rpr)


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
    X.insert_ordered(ppr, el("w:spacing", after=_tw(brand.sizes["body"] * 0.7),
                             line=str(round(240 * brand.page.line_heights["body"])), lineRule="auto"), X.PPR_ORDER)
    replacements = brand_styles(brand)
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


def section_properties(page: Page, refs: dict[str, str] | None = None) -> etree._Element:
    """The section properties: the brand's page (size, margins, running-head distances), running heads (none on
    page 1). The notes' numbering is not here: docx/notes.number_notes writes it into the finished document."""
    sect = el("w:sectPr")
    for kind, which, rid in _refs(refs or {}):
        sect.append(el(f"w:{kind}Reference", type=which, **{"r:id": rid}))
    top, right, bottom, left = page.margins
    sect.append(el("w:pgSz", w=_in(page.width), h=_in(page.height)))
    sect.append(el("w:pgMar", top=_in(top), right=_in(right), bottom=_in(bottom), left=_in(left),
                   header=_in(page.header), footer=_in(page.footer), gutter="0"))
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


def _write_running_heads(package: X.Package, meta: Metadata, page: Page) -> None:
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
    body.append(section_properties(page, refs))
