"""Notes in the DOCX: Pandoc's footnotes turned into Word endnotes, and note numbering.

Who numbers the notes, in each format:
- HTML and both PDFs: Pandoc. Its citeproc turns each citation into a note and its HTML writer numbers every
  note 1..N in reference order (the PDFs are WeasyPrint's layout of that HTML; the numbers are text in it).
- DOCX: Word numbers notes itself when the document is opened, from the numbering properties; `number_notes`
  here is the one place that writes them (decimal from 1, never restarting), in settings.xml and in every
  section. The reference document (docx/reference.py) writes none.
- The checks (checks/html.py, checks/docx.py, checks/pdf.py) only read the numbers back and compare them.

Pandoc writes every note as a footnote (it has no endnote output). A Word endnote is the same WordprocessingML
as a footnote under other names: w:endnote in word/endnotes.xml instead of w:footnote in word/footnotes.xml,
w:endnoteReference / w:endnoteRef instead of w:footnoteReference / w:footnoteRef, its own part relationship
and content type, and w:endnotePr for numbering. So the conversion renames and moves; the note text itself
(runs, italics, hyperlinks) is moved untouched.
"""

from __future__ import annotations

from lxml import etree

from ..problems import BuildError
from . import wordml as X
from .wordml import el

DOCUMENT = "word/document.xml"
FOOTNOTES = "word/footnotes.xml"
ENDNOTES = "word/endnotes.xml"
_STYLE_MAP = {"FootnoteText": "EndnoteText", "FootnoteReference": "EndnoteReference"}


def _separators(kind: str) -> list[etree._Element]:
    # Word's convention: the separator is id -1, the continuation separator id 0; real notes start at 1.
    out = []
    for note_id, sep_type in (("-1", "separator"), ("0", "continuationSeparator")):
        out.append(el(f"w:{kind}",
                      el("w:p", el("w:pPr", el("w:spacing", after="0", line="240", lineRule="auto")),
                         el("w:r", el(f"w:{sep_type}"))),
                      type=sep_type, id=note_id))
    return out


def footnotes_to_endnotes(package: X.Package) -> int:
    """Turn every footnote into a Word endnote numbered in reference order; return how many there are."""
    if FOOTNOTES not in package:
        return 0
    document = package.xml(DOCUMENT)
    footnotes = package.xml(FOOTNOTES)
    by_id = {node.get(X.qn("w:id")): node for node in footnotes.findall(X.qn("w:footnote"))
             if node.get(X.qn("w:type")) in (None, "normal")}
    endnotes = etree.Element(X.qn("w:endnotes"), nsmap=footnotes.nsmap)
    for separator in _separators("endnote"):
        endnotes.append(separator)
    number = 0
    for reference in list(document.iter(X.qn("w:footnoteReference"))):
        note = by_id.pop(reference.get(X.qn("w:id")), None)
        if note is None:
            raise BuildError(f"{package.what}: footnote reference {reference.get(X.qn('w:id'))} has no footnote")
        number += 1
        reference.tag = X.qn("w:endnoteReference")
        reference.set(X.qn("w:id"), str(number))
        endnote = el("w:endnote", id=str(number))
        for child in list(note):
            endnote.append(child)
        endnotes.append(endnote)
    if by_id:
        raise BuildError(f"{package.what}: {len(by_id)} footnote(s) never referenced in the text")
    for node in endnotes.iter(X.qn("w:footnoteRef")):
        node.tag = X.qn("w:endnoteRef")
    for tree in (document, endnotes):
        _restyle(tree)
    package.put_xml(ENDNOTES, endnotes)
    package.set_override(ENDNOTES, X.CT_ENDNOTES)
    package.add_relationship(DOCUMENT, X.REL_ENDNOTES, "endnotes.xml")
    # Relationships the notes use (hyperlinks, images) move with them to endnotes.xml.rels.
    for rel in package.relationships(FOOTNOTES):
        package.rels(ENDNOTES).append(rel)
    package.remove(FOOTNOTES)
    package.remove(package.rels_name(FOOTNOTES))
    package.set_override(FOOTNOTES, None)
    package.remove_relationships(DOCUMENT, X.REL_FOOTNOTES)
    return number


def _restyle(tree: etree._Element) -> None:
    for tag in ("w:pStyle", "w:rStyle"):
        for node in tree.iter(X.qn(tag)):
            value = node.get(X.qn("w:val"))
            if value in _STYLE_MAP:
                node.set(X.qn("w:val"), _STYLE_MAP[value])


def prune_hyperlinks(package: X.Package, part: str) -> None:
    """Drop hyperlink relationships a part does not use (Pandoc lists note links under the document too)."""
    if part not in package:
        return
    used = {value for node in package.xml(part).iter() for key, value in node.attrib.items()
            if key.startswith(f"{{{X.R}}}")}
    for rel in list(package.relationships(part)):
        if rel.get("Type") == X.REL_HYPERLINK and rel.get("Id") not in used:
            rel.getparent().remove(rel)


def number_notes(package: X.Package, notes: str) -> None:
    """Decimal note numbers from 1, never restarting, endnotes at the end of the document.

    Pandoc copies the reference document's section properties, whose footnotes restart in each section
    (LibreOffice then shows 1, 1, 2); both settings.xml and every section say continuous here.
    """
    settings = package.xml("word/settings.xml")
    numbering = [el("w:numFmt", val="decimal"), el("w:numStart", val="1"), el("w:numRestart", val="continuous")]
    kind, part, position = ("endnote", ENDNOTES, "docEnd") if notes == "endnotes" else ("footnote", FOOTNOTES, "pageBottom")
    props = el(f"w:{kind}Pr", el("w:pos", val=position), *_copy(numbering))
    if part in package:
        # Word lists the separator notes in settings.xml; only name them where the notes part has them.
        ids = {node.get(X.qn("w:id")) for node in package.xml(part).findall(X.qn(f"w:{kind}"))}
        props.extend(el(f"w:{kind}", id=i) for i in ("-1", "0") if i in ids)
    X.insert_ordered(settings, props, X.SETTINGS_ORDER)
    if notes == "endnotes":
        old = settings.find(X.qn("w:footnotePr"))
        if old is not None:
            settings.remove(old)
    for sect in package.xml(DOCUMENT).iter(X.qn("w:sectPr")):
        old = sect.find(X.qn("w:footnotePr"))
        if old is not None:
            sect.remove(old)
        old = sect.find(X.qn("w:endnotePr"))
        if old is not None:
            sect.remove(old)
        if notes == "endnotes":
            X.insert_ordered(sect, el("w:endnotePr", el("w:pos", val="docEnd"), *_copy(numbering)), X.SECTPR_ORDER)
        else:
            X.insert_ordered(sect, el("w:footnotePr", el("w:pos", val="pageBottom"), *_copy(numbering)),
                             X.SECTPR_ORDER)


def _copy(nodes: list[etree._Element]) -> list[etree._Element]:
    return [etree.fromstring(etree.tostring(node)) for node in nodes]
