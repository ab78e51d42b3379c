"""The little of an edited DOCX that Pandoc's reader does not give: the citation fields' JSON, and fields
freed from the tracked insertions Pandoc's reader cannot see into.

Pandoc 3.9's docx reader does not recognise a field inside `<w:ins>` or `<w:moveTo>` (a citation pasted or
moved with tracking on comes back as plain text): `unwrap_fields` removes those wrappers around fields first.
The reader keeps a citation field's keys, prefix, suffix and mode but not its item data or the text it was
sent with: `citation_fields` reads each field's CSL-citation JSON, in the order the reader gives the citations
(the body, each note's text where its mark is), leaving out what a tracked deletion removed.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass

from lxml import etree

from .. import safexml
from ..docx.wordml import W

PARTS = ("word/document.xml", "word/footnotes.xml", "word/endnotes.xml")
MAX_PART_BYTES = 50_000_000
_REMOVED = {f"{{{W}}}del", f"{{{W}}}moveFrom"}
_INSERTED = (f"{{{W}}}ins", f"{{{W}}}moveTo")


class NotADocx(ValueError):
    """The file is not a DOCX package this module can read."""


@dataclass(frozen=True)
class CitationField:
    """One citation field: its CSL-citation JSON (None when it does not parse) and its instruction text."""

    data: dict | None
    code: str

    @property
    def keys(self) -> tuple[str, ...]:
        """The ids of the cited items."""
        items = (self.data or {}).get("citationItems") or []
        return tuple(str(item.get("id") or (item.get("itemData") or {}).get("id") or "") for item in items
                     if isinstance(item, dict))


def _parts(data: bytes) -> dict[str, bytes]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "word/document.xml" not in names:
                raise NotADocx("no word/document.xml: not a Word document")
            out = {}
            for name in PARTS:
                if name in names:
                    if archive.getinfo(name).file_size > MAX_PART_BYTES:
                        raise NotADocx(f"{name} is larger than {MAX_PART_BYTES // 1_000_000} MB")
                    out[name] = archive.read(name)
            return out
    except zipfile.BadZipFile as exc:
        raise NotADocx(f"not a DOCX (zip) file: {exc}") from None


def unwrap_fields(data: bytes) -> bytes:
    """The package with every tracked insertion or move that holds a field part unwrapped (accepted)."""
    parts = _parts(data)
    changed: dict[str, bytes] = {}
    for name, xml in parts.items():
        root = _parse(name, xml)
        wrappers = [node for node in root.iter(*_INSERTED)
                    if node.find(f".//{{{W}}}fldChar") is not None or node.find(f".//{{{W}}}instrText") is not None]
        if not wrappers:
            continue
        for node in reversed(wrappers):  # innermost first
            _lift_field_runs(node)
        changed[name] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    if not changed:
        return data
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, changed.get(info.filename, source.read(info.filename)))
    return out.getvalue()


def _lift_field_runs(wrapper: etree._Element) -> None:
    """Move the runs that open, code, separate and close a field out of a tracked insertion (or move), splitting it;
    the field's visible text stays inside, still pending."""
    parent = wrapper.getparent()
    position = parent.index(wrapper)
    current: etree._Element | None = None
    for child in list(wrapper):
        if child.find(f"{{{W}}}fldChar") is not None or child.find(f"{{{W}}}instrText") is not None:
            position += 1
            parent.insert(position, child)
            current = None
        else:
            if current is None:
                current = etree.Element(wrapper.tag, dict(wrapper.attrib), nsmap=wrapper.nsmap)
                position += 1
                parent.insert(position, current)
            current.append(child)
    parent.remove(wrapper)


def _parse(name: str, xml: bytes) -> etree._Element:
    try:
        return safexml.parse(xml)
    except etree.XMLSyntaxError as exc:
        raise NotADocx(f"{name}: not well-formed XML ({exc})") from None


def citation_fields(data: bytes) -> list[CitationField]:
    """Every citation field (ADDIN CSL_CITATION, ZOTERO_ITEM, Mendeley) in reading order, deleted ones left out."""
    parts = {name: _parse(name, xml) for name, xml in _parts(data).items()}
    notes = {}
    for kind, name in (("footnote", "word/footnotes.xml"), ("endnote", "word/endnotes.xml")):
        if name in parts:
            notes.update({(kind, node.get(f"{{{W}}}id")): node for node in parts[name].findall(f"{{{W}}}{kind}")})
    found: list[CitationField] = []
    stack: list[list[str]] = []

    def walk(node: etree._Element) -> None:
        for child in node:
            if child.tag in _REMOVED:
                continue
            tag = etree.QName(child).localname if isinstance(child.tag, str) else ""
            if tag == "fldChar":
                kind = child.get(f"{{{W}}}fldCharType")
                if kind == "begin":
                    stack.append([])
                elif kind == "end" and stack:
                    _close("".join(stack.pop()))
            elif tag == "instrText" and stack:
                stack[-1].append(child.text or "")
            elif tag in ("footnoteReference", "endnoteReference"):
                note = notes.get((tag.removesuffix("Reference"), child.get(f"{{{W}}}id")))
                if note is not None:
                    walk(note)
            else:
                walk(child)

    def _close(code: str) -> None:
        words = code.split()
        if len(words) >= 2 and words[0] == "ADDIN" and "CSL_CITATION" in words[1:3]:
            start = code.find("{")
            try:
                parsed = json.loads(code[start:code.rfind("}") + 1]) if start >= 0 else None
            except json.JSONDecodeError:
                parsed = None
            found.append(CitationField(parsed if isinstance(parsed, dict) else None, code.strip()))

    body = parts["word/document.xml"].find(f"{{{W}}}body")
    if body is not None:
        walk(body)
    return found
