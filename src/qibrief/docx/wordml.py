"""WordprocessingML plumbing: namespaces, element builders, schema order, and the DOCX package as parts."""

from __future__ import annotations

import datetime as dt
import io
import posixpath
import zipfile
from typing import Iterable, Iterator

from lxml import etree

from .. import safexml
from ..problems import BuildError

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
CT = "http://schemas.openxmlformats.org/package/2006/content-types"
PR = "http://schemas.openxmlformats.org/package/2006/relationships"
CP = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
DC = "http://purl.org/dc/elements/1.1/"
DCTERMS = "http://purl.org/dc/terms/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XML = "http://www.w3.org/XML/1998/namespace"

REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
REL_FOOTNOTES = REL + "footnotes"
REL_ENDNOTES = REL + "endnotes"
REL_HEADER = REL + "header"
REL_FOOTER = REL + "footer"
REL_HYPERLINK = REL + "hyperlink"
REL_CUSTOM = REL + "custom-properties"

_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml."
CT_ENDNOTES = _CT + "endnotes+xml"
CT_HEADER = _CT + "header+xml"
CT_FOOTER = _CT + "footer+xml"

NSMAP = {"w": W, "r": R}
_PREFIXES = {"w": W, "r": R, "a": A, "xml": XML}

# Child order that the schema (ECMA-376 part 1) prescribes where we insert elements; Word refuses files
# whose children are out of order, LibreOffice does not complain, so order matters more than it shows.
PPR_ORDER = (
    "pStyle keepNext keepLines pageBreakBefore framePr widowControl numPr suppressLineNumbers pBdr shd tabs "
    "suppressAutoHyphens kinsoku wordWrap overflowPunct topLinePunct autoSpaceDE autoSpaceDN bidi adjustRightInd "
    "snapToGrid spacing ind contextualSpacing mirrorIndents suppressOverlap jc textDirection textAlignment "
    "textboxTightWrap outlineLvl divId cnfStyle rPr sectPr pPrChange"
).split()
RPR_ORDER = (
    "rStyle rFonts b bCs i iCs caps smallCaps strike dstrike outline shadow emboss imprint noProof snapToGrid "
    "vanish webHidden color spacing w kern position sz szCs highlight u effect bdr shd fitText vertAlign rtl cs "
    "em lang eastAsianLayout specVanish oMath"
).split()
SECTPR_ORDER = (
    "headerReference footerReference footnotePr endnotePr type pgSz pgMar paperSrc pgBorders lnNumType "
    "pgNumType cols formProt vAlign noEndnote titlePg textDirection bidi rtlGutter docGrid printerSettings "
    "sectPrChange"
).split()
SETTINGS_ORDER = (
    "writeProtection view zoom removePersonalInformation removeDateAndTime doNotDisplayPageBoundaries "
    "displayBackgroundShape printPostScriptOverText printFractionalCharacterWidth printFormsData "
    "embedTrueTypeFonts embedSystemFonts saveSubsetFonts saveFormsData mirrorMargins alignBordersAndEdges "
    "bordersDoNotSurroundHeader bordersDoNotSurroundFooter gutterAtTop hideSpellingErrors hideGrammaticalErrors "
    "activeWritingStyle proofState formsDesign attachedTemplate linkStyles stylePaneFormatFilter "
    "stylePaneSortMethod documentType mailMerge revisionView trackRevisions doNotTrackMoves doNotTrackFormatting "
    "documentProtection autoFormatOverride styleLockTheme styleLockQFSet defaultTabStop autoHyphenation "
    "consecutiveHyphenLimit hyphenationZone doNotHyphenateCaps showEnvelope summaryLength clickAndTypeStyle "
    "defaultTableStyle evenAndOddHeaders bookFoldRevPrinting bookFoldPrinting bookFoldPrintingSheets "
    "drawingGridHorizontalSpacing drawingGridVerticalSpacing displayHorizontalDrawingGridEvery "
    "displayVerticalDrawingGridEvery doNotUseMarginsForDrawingGridOrigin drawingGridHorizontalOrigin "
    "drawingGridVerticalOrigin doNotShadeFormData noPunctuationKerning characterSpacingControl printTwoOnOne "
    "strictFirstAndLastChars noLineBreaksAfter noLineBreaksBefore savePreviewPicture doNotValidateAgainstSchema "
    "saveInvalidXml ignoreMixedContent alwaysShowPlaceholderText doNotDemarcateInvalidXml saveXmlDataOnly "
    "useXSLTWhenSaving saveThroughXslt showXMLTags alwaysMergeEmptyNamespace updateFields hdrShapeDefaults "
    "footnotePr endnotePr compat docVars rsids mathPr attachedSchema themeFontLang clrSchemeMapping "
    "doNotIncludeSubdocsInStats doNotAutoCompressPictures forceUpgrade captions readModeInkLockDown smartTagType "
    "schemaLibrary shapeDefaults doNotEmbedSmartTags decimalSymbol listSeparator"
).split()


def qn(tag: str) -> str:
    """A prefixed name such as 'w:p' as lxml's Clark notation."""
    # Remembered: writing a DOCX asks for some 130 names 7,000 times.
    known = _CLARK.get(tag)
    if known is None:
        prefix, name = tag.split(":")
        known = _CLARK[tag] = "{%s}%s" % (_PREFIXES[prefix], name)
    return known


_CLARK: dict[str, str] = {}


def el(tag: str, *children: etree._Element | None, **attrs: str | int) -> etree._Element:
    """A w: element with w: attributes (trailing underscores dropped: val_ -> w:val) and children."""
    node = etree.Element(qn(tag), nsmap=NSMAP if tag.startswith("w:") else None)
    for key, value in attrs.items():
        name = key.rstrip("_")
        node.set(qn(name) if ":" in name else qn(f"w:{name}"), str(value))
    for child in children:
        if child is not None:
            node.append(child)
    return node


def text_run(text: str, *, style: str | None = None) -> etree._Element:
    """A run of plain text, optionally with a character style."""
    t = el("w:t", None)
    t.text = text
    t.set(qn("xml:space"), "preserve")
    return el("w:r", el("w:rPr", el("w:rStyle", val=style)) if style else None, t)


def paragraph(style: str, *runs: etree._Element, ppr: Iterable[etree._Element] = ()) -> etree._Element:
    """A paragraph with a paragraph style, extra properties and runs."""
    props = el("w:pPr", el("w:pStyle", val=style))
    for prop in ppr:
        insert_ordered(props, prop, PPR_ORDER)
    return el("w:p", props, *runs)


def local(node: etree._Element) -> str:
    """An element's local name ('p' for w:p)."""
    return etree.QName(node).localname


def insert_ordered(parent: etree._Element, child: etree._Element, order: list[str] | tuple[str, ...]) -> etree._Element:
    """Insert child where the schema order puts it, replacing an existing element of the same name."""
    name = local(child)
    for existing in parent.findall(child.tag):
        if name not in ("footnote", "endnote", "headerReference", "footerReference"):
            parent.remove(existing)
    rank = order.index(name)
    position = len(parent)
    for index, sibling in enumerate(parent):
        if not isinstance(sibling.tag, str):
            continue
        sibling_name = local(sibling)
        if sibling_name in order and order.index(sibling_name) > rank:
            position = index
            break
    parent.insert(position, child)
    return child


def ensure(parent: etree._Element, tag: str, order: list[str] | tuple[str, ...]) -> etree._Element:
    """The child element of that name, created in schema order if missing."""
    found = parent.find(qn(tag))
    return found if found is not None else insert_ordered(parent, el(tag), order)


_ZIP_FIRST = dt.datetime(1980, 1, 1, tzinfo=dt.timezone.utc)
_ZIP_LAST = dt.datetime(2107, 12, 31, 23, 59, 58, tzinfo=dt.timezone.utc)

class Package:
    """A DOCX as an ordered mapping of part names to bytes, with parsed XML kept until it is written."""

    def __init__(self, data: bytes, what: str) -> None:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                self._parts = {info.filename: archive.read(info) for info in archive.infolist() if not info.is_dir()}
        except zipfile.BadZipFile:
            raise BuildError(f"{what}: not a DOCX (zip) package") from None
        self._trees: dict[str, etree._Element] = {}
        self.what = what

    def __contains__(self, name: str) -> bool:
        return name in self._parts

    def names(self) -> list[str]:
        """The part names, in the package's order."""
        return list(self._parts)

    def xml(self, name: str) -> etree._Element:
        """The parsed root element of an XML part (changes to it are written back)."""
        if name not in self._trees:
            if name not in self._parts:
                raise BuildError(f"{self.what}: part {name} is missing")
            self._trees[name] = safexml.parse(self._parts[name])
        return self._trees[name]

    def put_xml(self, name: str, root: etree._Element) -> None:
        """Add or replace an XML part."""
        self._parts.setdefault(name, b"")
        self._trees[name] = root

    def put_bytes(self, name: str, data: bytes) -> None:
        """Add or replace a part that is not XML (a font, an image)."""
        self._trees.pop(name, None)
        self._parts[name] = data

    def remove(self, name: str) -> None:
        """Remove a part (and its parsed tree) if present."""
        self._parts.pop(name, None)
        self._trees.pop(name, None)

    # Content types and relationships

    def set_override(self, name: str, content_type: str | None) -> None:
        """Set (or, with None, remove) the content-type override of a part."""
        types = self.xml("[Content_Types].xml")
        for node in types.findall(f"{{{CT}}}Override"):
            if node.get("PartName") == "/" + name:
                types.remove(node)
        if content_type:
            etree.SubElement(types, f"{{{CT}}}Override", PartName="/" + name, ContentType=content_type)

    @staticmethod
    def rels_name(part: str) -> str:
        """The relationships part of a part: word/document.xml -> word/_rels/document.xml.rels."""
        folder, base = posixpath.split(part)
        return posixpath.join(folder, "_rels", base + ".rels")

    def rels(self, part: str) -> etree._Element:
        """The relationships root of a part, created empty if the part has none."""
        name = self.rels_name(part)
        if name not in self:
            self.put_xml(name, etree.Element(f"{{{PR}}}Relationships", nsmap={None: PR}))
        return self.xml(name)

    def relationships(self, part: str) -> Iterator[etree._Element]:
        """The Relationship elements of a part."""
        if self.rels_name(part) in self:
            yield from self.xml(self.rels_name(part)).findall(f"{{{PR}}}Relationship")

    def add_relationship(self, part: str, rel_type: str, target: str, *, external: bool = False) -> str:
        """Add a relationship from a part and return its new id."""
        root = self.rels(part)
        taken = {node.get("Id") for node in root}
        number = 1
        while f"rId{number}" in taken:
            number += 1
        node = etree.SubElement(root, f"{{{PR}}}Relationship", Id=f"rId{number}", Type=rel_type, Target=target)
        if external:
            node.set("TargetMode", "External")
        return f"rId{number}"

    def remove_relationships(self, part: str, rel_type: str) -> None:
        """Remove every relationship of a type from a part."""
        for node in list(self.relationships(part)):
            if node.get("Type") == rel_type:
                node.getparent().remove(node)

    # Writing

    def to_bytes(self, when: dt.datetime) -> bytes:
        """The package as a zip with fixed timestamps and a stable part order (byte-reproducible)."""
        for name, root in self._trees.items():
            self._parts[name] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
        # A zip entry's date covers 1980-2107 only (zipfile raises outside it): a build date beyond is clamped.
        stamp = min(max(when, _ZIP_FIRST), _ZIP_LAST).timetuple()[:6]
        first = [n for n in ("[Content_Types].xml", "_rels/.rels") if n in self._parts]
        rest = sorted(n for n in self._parts if n not in first)
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            for name in first + rest:
                info = zipfile.ZipInfo(name, date_time=stamp)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.create_system = 0
                info.external_attr = 0
                archive.writestr(info, self._parts[name], compresslevel=6)
        return out.getvalue()
