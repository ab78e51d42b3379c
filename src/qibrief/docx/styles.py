"""The style table as an editor sees it: every paragraph in a brand style, only the brief's styles in Word's
quick-style gallery, and none of Pandoc's styles that the brief does not use.

Pandoc leaves a loose list's items (the brief's numbered recommendations) in Normal and the first paragraph after
a heading in its own "First Paragraph", and its default reference document offers 32 quick styles, most of them
unrelated to a brief (Abstract, Bibliography, TOC Heading, heading 4-9, ...). Word's gallery shows the styles
marked `w:qFormat`; `w:semiHidden` with `w:unhideWhenUsed` keeps a style out of the Styles pane until it is used.
The gallery is the `quick` column of the brand's style table (docx/reference.py STYLES).
"""

from __future__ import annotations

from lxml import etree

from . import wordml as X
from .reference import STYLES
from .wordml import el

STYLES_PART = "word/styles.xml"
BODY = "BodyText"
# Paragraphs Pandoc leaves without a brief style: no style (Normal), Normal named, Pandoc's First Paragraph.
_PLAIN = (None, "Normal", "FirstParagraph")
GALLERY = frozenset(spec.style_id for spec in STYLES if spec.quick)
BRAND = frozenset(spec.style_id for spec in STYLES)
# CT_Style's child order (ECMA-376 Part 1, 17.7.4.17), for the flags written here.
_STYLE_ORDER = ("name aliases basedOn next link autoRedefine hidden uiPriority semiHidden unhideWhenUsed qFormat "
                "locked personal personalCompose personalReply rsid pPr rPr tblPr trPr tcPr tblStylePr").split()
_REFERENCES = ("w:pStyle", "w:rStyle", "w:tblStyle", "w:numStyleLink", "w:styleLink")


def _style_of(paragraph: etree._Element) -> str | None:
    found = paragraph.find(f"{X.qn('w:pPr')}/{X.qn('w:pStyle')}")
    return None if found is None else found.get(X.qn("w:val"))


def brand_paragraphs(package: X.Package) -> int:
    """Give the body's plain paragraphs (Normal, First Paragraph) the Body Text style; return how many changed."""
    changed = 0
    for paragraph in package.xml("word/document.xml").find(X.qn("w:body")).iter(X.qn("w:p")):
        if _style_of(paragraph) not in _PLAIN:
            continue
        props = paragraph.find(X.qn("w:pPr"))
        if props is None:
            props = el("w:pPr")
            paragraph.insert(0, props)
        X.insert_ordered(props, el("w:pStyle", val=BODY), X.PPR_ORDER)
        changed += 1
    return changed


def _used_styles(package: X.Package) -> set[str]:
    """Style ids the parts other than styles.xml name (document, notes, running heads, numbering)."""
    used: set[str] = set()
    for name in package.names():
        if not name.startswith("word/") or not name.endswith(".xml") or name == STYLES_PART or "/_rels/" in name:
            continue
        root = package.xml(name)
        for tag in _REFERENCES:
            used.update(node.get(X.qn("w:val")) for node in root.iter(X.qn(tag)))
    used.discard(None)
    return used


def _closure(styles: dict[str, etree._Element], start: set[str]) -> set[str]:
    """The styles in start and every style they are based on, linked to or followed by."""
    seen: set[str] = set()
    todo = [s for s in start if s in styles]
    while todo:
        sid = todo.pop()
        if sid in seen:
            continue
        seen.add(sid)
        for tag in ("w:basedOn", "w:link", "w:next"):
            node = styles[sid].find(X.qn(tag))
            if node is not None and node.get(X.qn("w:val")) in styles:
                todo.append(node.get(X.qn("w:val")))
    return seen


def _flag(style: etree._Element, tag: str, on: bool) -> None:
    for node in style.findall(X.qn(tag)):
        style.remove(node)
    if on:
        X.insert_ordered(style, el(tag), _STYLE_ORDER)


def tidy_styles(package: X.Package) -> None:
    """Only the brief's styles in the gallery; brand styles not used hidden until used; Pandoc's unused ones gone."""
    root = package.xml(STYLES_PART)
    styles = {node.get(X.qn("w:styleId")): node for node in root.findall(X.qn("w:style"))}
    defaults = {sid for sid, node in styles.items() if node.get(X.qn("w:default")) in ("1", "true", "on")}
    used = _closure(styles, _used_styles(package) | defaults)
    kept = _closure(styles, used | (BRAND & set(styles)))
    for sid, style in styles.items():
        if sid not in kept:
            root.remove(style)
            continue
        _flag(style, "w:qFormat", sid in GALLERY)
        if sid in defaults:
            continue  # Normal, Default Paragraph Font, Normal Table: Word's own flags stay
        hidden = sid not in used and sid not in GALLERY
        _flag(style, "w:semiHidden", hidden)
        _flag(style, "w:unhideWhenUsed", hidden)
