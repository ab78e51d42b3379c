"""A package-level compatibility audit of a DOCX: what Word checks before it agrees to open a file (`check`
runs it on every DOCX it is given; the tests run it on what the build writes).

Content types cover every part, relationships resolve (internal targets exist, every r:id used in a part is
declared for it), styles referenced by paragraphs, runs, tables and other styles exist with the right type,
list numbers exist, every note reference has its note, and each part the main document needs (notes, styles,
settings, numbering) is related from it with its own content type: without the endnotes relationship or the
endnotes content type, LibreOffice says the file "could not be loaded". Returns findings as sentences, each
naming the part; none is good.
"""

from __future__ import annotations

import io
import posixpath
import zipfile

from lxml import etree

from .. import safexml
from . import wordml as X

_STYLE_REFS = {"pStyle": "paragraph", "rStyle": "character", "tblStyle": "table"}
_MAIN = "word/document.xml"
_RELS = "word/_rels/document.xml.rels"
_WML = "application/vnd.openxmlformats-officedocument.wordprocessingml."
# The parts the main document reaches through a relationship of this type, and the content type each must have.
_RELATED = {
    X.REL + "footnotes": _WML + "footnotes+xml",
    X.REL + "endnotes": _WML + "endnotes+xml",
    X.REL + "styles": _WML + "styles+xml",
    X.REL + "settings": _WML + "settings+xml",
    X.REL + "numbering": _WML + "numbering+xml",
    X.REL + "comments": _WML + "comments+xml",
    X.REL + "header": X.CT_HEADER,
    X.REL + "footer": X.CT_FOOTER,
    X.REL + "fontTable": _WML + "fontTable+xml",
}
# A reference in the main document that needs the part of this relationship type.
_NEEDED_BY = {"footnoteReference": X.REL + "footnotes", "endnoteReference": X.REL + "endnotes"}


def audit_package(data: bytes) -> list[str]:
    """Every package-level problem found in a DOCX (empty when Word would find nothing to repair)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        return [f"not a zip package ({exc})"]
    names = [info.filename for info in archive.infolist()]
    findings = [f"part {n} appears more than once" for n in sorted({n for n in names if names.count(n) > 1})]
    if archive.testzip() is not None:
        findings.append(f"part {archive.testzip()} is damaged")
    parts = {n: archive.read(n) for n in names if not n.endswith("/")}
    trees: dict[str, etree._Element] = {}
    for name, content in parts.items():
        if name.endswith((".xml", ".rels")):
            try:
                trees[name] = safexml.parse(content)
            except etree.XMLSyntaxError as exc:
                findings.append(f"{name}: not well-formed XML ({exc})")
    findings += _content_types(parts, trees)
    findings += _relationships(parts, trees)
    findings += _styles(trees)
    findings += _numbering(trees)
    findings += _notes(trees)
    findings += _related_parts(parts, trees)
    return findings


def _content_types(parts: dict[str, bytes], trees: dict[str, etree._Element]) -> list[str]:
    types = trees.get("[Content_Types].xml")
    if types is None:
        return ["[Content_Types].xml is missing"]
    defaults = {node.get("Extension", "").lower() for node in types.findall(f"{{{X.CT}}}Default")}
    overrides = {node.get("PartName", "") for node in types.findall(f"{{{X.CT}}}Override")}
    findings = [f"[Content_Types].xml names {o}, which is not in the package" for o in sorted(overrides)
                if o.lstrip("/") not in parts]
    for name in parts:
        if name == "[Content_Types].xml":
            continue
        if "/" + name not in overrides and name.rsplit(".", 1)[-1].lower() not in defaults:
            findings.append(f"{name} has no content type")
    return findings


def _source_of(rels_name: str) -> str:
    folder, base = posixpath.split(rels_name)
    return posixpath.join(posixpath.dirname(folder), base.removesuffix(".rels"))


def _relationships(parts: dict[str, bytes], trees: dict[str, etree._Element]) -> list[str]:
    findings = []
    declared: dict[str, set[str]] = {}
    for rels_name, root in trees.items():
        if not rels_name.endswith(".rels"):
            continue
        source = "" if rels_name == "_rels/.rels" else _source_of(rels_name)
        if source and source not in parts:
            findings.append(f"{rels_name} belongs to {source}, which is not in the package")
        ids = [rel.get("Id") for rel in root.findall(f"{{{X.PR}}}Relationship")]
        findings += [f"{rels_name}: relationship id {i} is used twice" for i in sorted({i for i in ids if ids.count(i) > 1})]
        declared[source] = set(ids)
        for rel in root.findall(f"{{{X.PR}}}Relationship"):
            if rel.get("TargetMode") == "External":
                continue
            target = rel.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                posixpath.join(posixpath.dirname(source), target))
            if path not in parts:
                findings.append(f"{rels_name}: {rel.get('Id')} points to {path}, which is not in the package")
    if "word/document.xml" not in parts:
        findings.append("word/document.xml is missing")
    for name, root in trees.items():
        if name.endswith(".rels"):
            continue
        for node in root.iter():
            for key, value in node.attrib.items():
                if key.startswith(f"{{{X.R}}}") and value not in declared.get(name, set()):
                    findings.append(f"{name}: r:{etree.QName(key).localname}={value} has no relationship")
    return findings


def _styles(trees: dict[str, etree._Element]) -> list[str]:
    styles = trees.get("word/styles.xml")
    if styles is None:
        return ["word/styles.xml is missing"]
    defined: dict[str, str] = {}
    findings = []
    for style in styles.findall(X.qn("w:style")):
        style_id = style.get(X.qn("w:styleId"))
        if style_id in defined:
            findings.append(f"word/styles.xml: style {style_id} is defined twice")
        defined[style_id] = style.get(X.qn("w:type"))
    for style in styles.findall(X.qn("w:style")):
        for tag in ("basedOn", "next", "link"):
            ref = style.find(X.qn(f"w:{tag}"))
            if ref is not None and ref.get(X.qn("w:val")) not in defined:
                findings.append(f"word/styles.xml: style {style.get(X.qn('w:styleId'))} {tag} "
                                f"{ref.get(X.qn('w:val'))}, which is not defined")
    for name, root in trees.items():
        if not name.startswith("word/") or name.endswith(".rels") or name == "word/styles.xml":
            continue
        for tag, kind in _STYLE_REFS.items():
            for node in root.iter(X.qn(f"w:{tag}")):
                value = node.get(X.qn("w:val"))
                if defined.get(value) != kind:
                    what = "is not defined" if value not in defined else f"is a {defined[value]} style"
                    findings.append(f"{name}: {tag} {value} {what}")
    return sorted(set(findings))


def _numbering(trees: dict[str, etree._Element]) -> list[str]:
    numbering = trees.get("word/numbering.xml")
    nums = set() if numbering is None else {n.get(X.qn("w:numId")) for n in numbering.findall(X.qn("w:num"))}
    abstract = set() if numbering is None else {
        n.get(X.qn("w:abstractNumId")) for n in numbering.findall(X.qn("w:abstractNum"))}
    findings = []
    if numbering is not None:
        for num in numbering.findall(X.qn("w:num")):
            ref = num.find(X.qn("w:abstractNumId"))
            if ref is None or ref.get(X.qn("w:val")) not in abstract:
                findings.append(f"word/numbering.xml: list {num.get(X.qn('w:numId'))} has no abstract numbering")
    for name, root in trees.items():
        if not name.startswith("word/") or name == "word/numbering.xml" or name.endswith(".rels"):
            continue
        for node in root.iter(X.qn("w:numId")):
            value = node.get(X.qn("w:val"))
            if value != "0" and value not in nums:
                findings.append(f"{name}: list number {value} is not defined in word/numbering.xml")
    return sorted(set(findings))


def _notes(trees: dict[str, etree._Element]) -> list[str]:
    findings = []
    for kind in ("footnote", "endnote"):
        part = trees.get(f"word/{kind}s.xml")
        ids = set() if part is None else {n.get(X.qn("w:id")) for n in part.findall(X.qn(f"w:{kind}"))}
        for name, root in trees.items():
            if name.endswith(".rels"):
                continue
            for node in root.iter(X.qn(f"w:{kind}Reference")):
                if node.get(X.qn("w:id")) not in ids:
                    findings.append(f"{name}: {kind} {node.get(X.qn('w:id'))} is referenced but not in word/{kind}s.xml")
        settings = trees.get("word/settings.xml")
        if settings is not None:
            for node in settings.iter(X.qn(f"w:{kind}")):
                if node.get(X.qn("w:id")) not in ids:
                    findings.append(f"word/settings.xml: separator {kind} {node.get(X.qn('w:id'))} is not in word/{kind}s.xml")
    return findings


def _content_type(types, name: str) -> str | None:
    for node in types.findall(f"{{{X.CT}}}Override"):
        if node.get("PartName", "").lstrip("/") == name:
            return node.get("ContentType")
    extension = name.rsplit(".", 1)[-1].lower()
    for node in types.findall(f"{{{X.CT}}}Default"):
        if node.get("Extension", "").lower() == extension:
            return node.get("ContentType")
    return None


def _related_parts(parts: dict[str, bytes], trees: dict[str, etree._Element]) -> list[str]:
    """Each part the main document relates to has its content type, and the notes it refers to are related."""
    types, rels, document = trees.get("[Content_Types].xml"), trees.get(_RELS), trees.get(_MAIN)
    if types is None or document is None:
        return []
    related: dict[str, str] = {}
    for rel in [] if rels is None else rels.findall(f"{{{X.PR}}}Relationship"):
        if rel.get("TargetMode") != "External":
            target = rel.get("Target", "")
            related.setdefault(rel.get("Type", ""), target.lstrip("/") if target.startswith("/") else
                               posixpath.normpath(posixpath.join("word", target)))
    findings = []
    for rel_type, path in related.items():
        expected = _RELATED.get(rel_type)
        found = _content_type(types, path)
        if expected and path in parts and found != expected:
            findings.append(f"{path} has content type {found or 'none'} in [Content_Types].xml; expected {expected}")
    for tag, rel_type in _NEEDED_BY.items():
        if next(document.iter(X.qn(f"w:{tag}")), None) is None or rel_type in related:
            continue
        kind = tag.removesuffix("Reference")
        findings.append(f"{_RELS} has no {kind}s relationship, but {_MAIN} refers to {kind}s "
                        f"(word/{kind}s.xml is {'there' if f'word/{kind}s.xml' in parts else 'missing'})")
    return findings
