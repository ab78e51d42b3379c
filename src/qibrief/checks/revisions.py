"""Tracked changes in a returned DOCX: the part as it reads with every pending change accepted, or every one
rejected, and who made the change that holds an element, and when."""

from __future__ import annotations

import copy
from dataclasses import dataclass

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _w(name: str) -> str:
    return f"{{{W}}}{name}"


# Run-level revision marks (ECMA-376 17.13.5): what accepting removes, and what rejecting removes.
_DELETIONS = (_w("del"), _w("moveFrom"))
_INSERTIONS = (_w("ins"), _w("moveTo"))
# Text that a deletion holds is spelt w:delText (w:delInstrText in a field); rejecting makes it text again.
_RESTORED = {_w("delText"): _w("t"), _w("delInstrText"): _w("instrText")}


@dataclass(frozen=True)
class Revision:
    """A pending tracked change around an element: 'deleted' or 'inserted', by whom and on what day."""

    kind: str
    author: str
    date: str

    def describe(self) -> str:
        """'deleted with Track Changes by Editor on 2026-11-30'."""
        who = f" by {self.author}" if self.author else ""
        when = f" on {self.date}" if self.date else ""
        return f"{self.kind} with Track Changes{who}{when}"


def revision_of(element) -> Revision | None:
    """The innermost pending insertion or deletion holding `element`, or None."""
    for ancestor in element.iterancestors(*_DELETIONS, *_INSERTIONS):
        kind = "deleted" if ancestor.tag in _DELETIONS else "inserted"
        return Revision(kind, ancestor.get(_w("author")) or "", (ancestor.get(_w("date")) or "")[:10])
    return None


def has_revisions(root) -> bool:
    """True when the part holds a pending insertion or deletion."""
    return next(root.iter(*_DELETIONS, *_INSERTIONS), None) is not None


def accepted(root):
    """A copy of the part with every pending insertion kept and every deletion gone."""
    return _view(root, gone=_DELETIONS, kept=_INSERTIONS)


def rejected(root):
    """A copy of the part with every pending deletion restored and every insertion gone."""
    return _view(root, gone=_INSERTIONS, kept=_DELETIONS)


def _view(root, *, gone: tuple[str, ...], kept: tuple[str, ...]):
    tree = copy.deepcopy(root)
    merged = []
    for mark in list(tree.iter(*gone)):
        parent = mark.getparent()
        if parent is None:
            continue
        if parent.tag == _w("rPr") and parent.getparent() is not None and parent.getparent().tag == _w("pPr"):
            # A paragraph mark that goes: the paragraph runs on into the next one.
            merged.append(parent.getparent().getparent())
            parent.remove(mark)
        elif parent.tag == _w("trPr"):
            row = parent.getparent()
            if row.getparent() is not None:
                row.getparent().remove(row)
        elif parent.tag != _w("rPr"):
            parent.remove(mark)
    for mark in list(tree.iter(*kept)):
        parent = mark.getparent()
        if parent is None:
            continue
        if parent.tag in (_w("rPr"), _w("trPr")):
            parent.remove(mark)
            continue
        for node in mark.iter(*_RESTORED):
            node.tag = _RESTORED[node.tag]
        index = parent.index(mark)
        for offset, child in enumerate(list(mark)):
            parent.insert(index + offset, child)
        parent.remove(mark)
    for paragraph in reversed(merged):
        _merge_with_next(paragraph)
    return tree


def _merge_with_next(paragraph) -> None:
    following = paragraph.getnext()
    parent = paragraph.getparent()
    if parent is None:
        return
    if following is None or following.tag != _w("p"):
        return
    content = [child for child in paragraph if child.tag != _w("pPr")]
    anchor = following.find(_w("pPr"))
    index = 0 if anchor is None else following.index(anchor) + 1
    for offset, child in enumerate(content):
        following.insert(index + offset, child)
    parent.remove(paragraph)
