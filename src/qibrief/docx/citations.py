"""Citations and section markers in the DOCX, so that `import` can bring an edited DOCX back into the sections.

Each citation citeproc rendered becomes a Word field `ADDIN CSL_CITATION {json}` around its visible runs, in
the form Zotero and Mendeley write (https://github.com/citation-style-language/schema/raw/master/csl-citation.json),
inside the note when citeproc made the note: the keys, prefixes, suffixes (Pandoc's, e.g. ", 12"), locators, mode
and CSL item data, with the visible text unchanged. Invisible index-entry fields (roundtrip.markers) mark where each
section file starts, each heading's id, each brand block (a pull quote) with its attributes (`edited=true`), and
for each note citeproc made, how the source placed the citation
(citeproc moves punctuation in front of the note mark; the import puts it back). The digest of each section file
sent rides in the AST's metadata, which Pandoc writes into docProps/custom.xml (finish.custom_properties keeps it).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from html import escape  # quote=False: what xml.sax.saxutils.escape does, without its import of urllib.request

from ..blocks import BLOCKS, CUSTOM_STYLE
from ..document import plain_text
from ..roundtrip import markers
from ..roundtrip.sent import Apart, note_labels_or_none, read_apart, sent_properties
from ..sources import Sources

SCHEMA = "https://github.com/citation-style-language/schema/raw/master/csl-citation.json"
CITATION_ID = "qibrief-{}"
# The punctuation Pandoc's citeproc moves in front of a note it makes ("text [@key]." -> "text.[^n]").
MOVED = ".,;:!?"
# Pandoc's locator terms as written in a suffix, and the CSL label each stands for.
_LABELS = {
    "p.": "page", "pp.": "page", "page": "page", "pages": "page", "chap.": "chapter", "ch.": "chapter",
    "chapter": "chapter", "sec.": "section", "section": "section", "para.": "paragraph", "n.": "note",
    "nn.": "note", "note": "note", "vol.": "volume", "vols.": "volume", "fig.": "figure", "l.": "line",
    "ll.": "line", "no.": "issue", "bk.": "book", "col.": "column", "pt.": "part", "v.": "verse",
}
_LOCATOR = re.compile(r"^,?\s*(?:(?P<label>[A-Za-z]+\.?)\s+)?(?P<locator>[0-9IVXLCDMivxlcdm][\w–—-]*(?:\s*[,–—-]\s*\d[\w–—-]*)*)")


def mark_sources(ast: bytes, sources: Sources, apart: Apart | None = None) -> bytes:
    """The AST the DOCX is written from, with citation fields, section, heading and placement markers, and the
    digests of the sections sent in its metadata; apart: each section read alone (read here when not given)."""
    tree = json.loads(ast)
    mark_tree(tree, sources, apart)
    return json.dumps(tree, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def mark_tree(tree: dict, sources: Sources, apart: Apart | None = None) -> None:
    """mark_sources on the parsed AST, in place."""
    if apart is None:
        apart = read_apart(sources.sections, sources.project.references_file, tree["pandoc-api-version"],
                           cwd=sources.project.root)
    found = _find(tree["blocks"])
    source = _find([block for blocks in apart.blocks for block in blocks])
    placements = _placements(_contexts(found.cites), _contexts(source.cites))
    # The citations first: the markers below are inserted into inline lists, moving the citations' indices.
    for number, (inlines, index) in enumerate(found.cites, start=1):
        inlines[index] = _mark_cite(inlines[index], number, placements, apart)
    _mark_sections(tree["blocks"], found.headers, apart, [s.path.name for s in sources.sections])
    _mark_blocks(found.blocks)
    _mark_note_labels(found.notes, [label for section, blocks in zip(sources.sections, apart.blocks)
                                    for label in note_labels_or_none(section, blocks)])
    for name, value in sent_properties(sources.sections).items():
        tree["meta"][name] = {"t": "MetaString", "c": value}


# Walking the AST in reading order: body text, a note's text where its mark is.

_INLINES = {"Str", "Emph", "Underline", "Strong", "Strikeout", "Superscript", "Subscript", "SmallCaps", "Quoted",
            "Cite", "Code", "Space", "SoftBreak", "LineBreak", "Math", "RawInline", "Link", "Image", "Note", "Span"}


@dataclass(frozen=True)
class _Found:
    """What mark_sources marks, each in reading order: every citation as (the list it is in, its index); the
    headers and brand blocks outside inlines (notes included); the authors' notes."""

    cites: list[tuple[list, int]]
    headers: list[dict]
    blocks: list[dict]
    notes: list[dict]


def _find(blocks: list) -> _Found:
    """One walk of the AST in reading order (a note's content where its mark is); a citation's own rendered text
    (and so the notes citeproc made) is not walked."""
    found = _Found([], [], [], [])
    # (node, whether it sits inside an inline); a citation is pushed as (its list, its index).
    stack: list = [(blocks, False)]
    while stack:
        node, inline = stack.pop()
        if type(node) is list:
            for index in range(len(node) - 1, -1, -1):
                child = node[index]
                if type(child) is dict:
                    if child.get("t") == "Cite":
                        stack.append(((node, index), inline))
                    elif type(child.get("c")) is list:  # a Str, a Space and the like hold nothing to find
                        stack.append((child, inline))
                elif type(child) is list:
                    stack.append((child, inline))
        elif type(node) is tuple:
            found.cites.append(node)
        else:
            kind = node.get("t")
            if kind == "Note":
                found.notes.append(node)
            elif inline:
                pass
            elif kind == "Header":
                found.headers.append(node)
            elif kind == "Div" and any(name in BLOCKS for name in node["c"][0][1]):
                found.blocks.append(node)
            stack.append((node["c"], inline or kind in _INLINES))
    return found


def _contexts(cites: list[tuple[list, int]]) -> list[tuple[dict | None, dict | None]]:
    """Each citation's neighbours (the inline before and after it), in reading order."""
    return [(inlines[i - 1] if i > 0 else None, inlines[i + 1] if i + 1 < len(inlines) else None)
            for inlines, i in cites]


def _placements(rendered: list, source: list) -> list[tuple[str, str]]:
    """For each citation: whether the source had a space before it and the punctuation citeproc moved from
    after it to before the note mark. Nothing when the two parses do not list the same citations."""
    if len(rendered) != len(source):
        return []
    out = []
    for (before, after), (src_before, src_after) in zip(rendered, source):
        spaced = src_before is not None and src_before["t"] in ("Space", "SoftBreak")
        kept_space = before is not None and before["t"] in ("Space", "SoftBreak")
        text = src_after["c"] if src_after is not None and src_after["t"] == "Str" else ""
        punct = text[:len(text) - len(text.lstrip(MOVED))]
        still = after["c"] if after is not None and after["t"] == "Str" else ""
        moved = punct if punct and not still.startswith(punct) else ""
        out.append((markers.SPACE if spaced and not kept_space else markers.NO_SPACE, moved))
    return out


# Note labels

def _mark_note_labels(notes: list[dict], labels: list[str | None]) -> None:
    """Mark each author's note (_Found.notes) written [^label] with its label (citeproc's notes, inside citations,
    are not authors' notes); nothing when the notes do not match the labels one for one."""
    if len(notes) != len(labels):
        return
    for note, label in zip(notes, labels):
        if label is not None and note["c"]:
            _prepend_marker(note["c"][0], markers.raw(markers.NOTE, label))


# Section and heading markers

def _mark_sections(blocks: list, headers: list[dict], apart: Apart, names: list[str]) -> None:
    counts = [len(b) for b in apart.blocks]
    if sum(counts) != len(blocks):
        return  # the sections do not split the one parse into whole blocks: no section markers
    start = 0
    for name, count in zip(names, counts):
        if count:
            _prepend_marker(blocks[start], markers.raw(markers.SECTION, name))
        start += count
    for block in headers:
        level, (ident, classes, attrs), inlines = block["c"]
        if ident:
            inlines.insert(0, markers.raw(markers.HEADING, ident))


def _prepend_marker(block: dict, marker: dict) -> bool:
    """Put a marker at the start of the first text of a block; False when it holds none."""
    kind, content = block["t"], block.get("c")
    if kind in ("Para", "Plain"):
        content.insert(0, marker)
        return True
    if kind == "Header":
        content[2].insert(0, marker)
        return True
    children: list = []
    if kind in ("Div", "Figure"):
        children = content[-1]
    elif kind == "BlockQuote":
        children = content
    elif kind == "BulletList":
        children = [b for item in content for b in item]
    elif kind == "OrderedList":
        children = [b for item in content[1] for b in item]
    elif kind == "DefinitionList":
        children = [b for _, defs in content for d in defs for b in d]
    return any(_prepend_marker(child, marker) for child in children)


def _mark_blocks(divs: list[dict]) -> None:
    """Mark where each brand block (_Found.blocks) starts, with its attributes: Word keeps only the paragraph style,
    which says neither where one of two adjacent pull quotes ends nor what else the div had (`edited=true`)."""
    for node in divs:
        ident, classes, pairs = node["c"][0]
        kept = [ident, classes, [pair for pair in pairs if pair[0] != CUSTOM_STYLE]]
        _prepend_marker(node, markers.raw(markers.BLOCK, *markers.attr_words(kept)))


# Citation fields

def _mark_cite(cite: dict, number: int, placements: list, apart: Apart) -> dict:
    citations, content = cite["c"]
    made_note = len(content) == 1 and content[0]["t"] == "Note" and content[0]["c"] and \
        content[0]["c"][0]["t"] in ("Para", "Plain")
    shown = content[0]["c"][0]["c"] if made_note else content
    opening, closing = citation_field(number, citations, shown, apart.items)
    begin, end = [{"t": "RawInline", "c": ["openxml", opening]}], [{"t": "RawInline", "c": ["openxml", closing]}]
    if not made_note:
        return {"t": "Cite", "c": [citations, begin + content + end]}
    space, punct = placements[number - 1] if number <= len(placements) else (markers.NO_SPACE, "")
    place = [markers.raw(markers.CITE, str(number), space + punct)]
    note = content[0]
    paragraph = {"t": note["c"][0]["t"], "c": place + begin + shown + end}
    return {"t": "Cite", "c": [citations, [{"t": "Note", "c": [paragraph, *note["c"][1:]]}]]}


def citation_field(number: int, citations: list, shown: list, items: dict[str, dict]) -> tuple[str, str]:
    """The raw WordprocessingML that opens (up to the result) and closes a citation field."""
    data = {
        "citationID": CITATION_ID.format(number),
        "properties": {"noteIndex": citations[0].get("citationNoteNum", 0) if citations else 0,
                       "formattedCitation": plain_text(shown, raw=False)},
        "citationItems": [citation_item(c, items) for c in citations],
        "schema": SCHEMA,
    }
    code = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    # The rendered text also sits, in JSON, before the visible runs: spaces and punctuation escaped (\u0020), so
    # that a search of the XML for a phrase of the note finds the note's own text first.
    code = code.replace(json.dumps(data["properties"]["formattedCitation"], ensure_ascii=False),
                        _escaped(data["properties"]["formattedCitation"]), 1)
    code = escape(" ADDIN CSL_CITATION " + code + " ", quote=False)
    begin = ('<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
             f'<w:r><w:instrText xml:space="preserve">{code}</w:instrText></w:r>'
             '<w:r><w:fldChar w:fldCharType="separate"/></w:r>')
    return begin, '<w:r><w:fldChar w:fldCharType="end"/></w:r>'


def _escaped(text: str) -> str:
    """A JSON string with every character but letters and digits written as a \\u escape."""
    return '"' + "".join(c if c.isalnum() else f"\\u{ord(c):04x}" if ord(c) < 0x10000 else
                         json.dumps(c)[1:-1] for c in text) + '"'


def citation_item(citation: dict, items: dict[str, dict]) -> dict:
    """One cited item in CSL-citation form: id, item data, prefix, Pandoc's suffix, locator and label, mode."""
    key = citation["citationId"]
    item: dict = {"id": key, "itemData": items.get(key, {"id": key})}
    prefix = plain_text(citation["citationPrefix"], raw=False)
    suffix = plain_text(citation["citationSuffix"], raw=False)
    if prefix:
        item["prefix"] = prefix
    if suffix:
        found = _LOCATOR.match(suffix)
        if found and (found.group("label") is None or found.group("label").lower() in _LABELS):
            item["locator"] = found.group("locator")
            if found.group("label"):
                item["label"] = _LABELS[found.group("label").lower()]
        item["suffix"] = suffix
    mode = citation["citationMode"]["t"]
    if mode == "SuppressAuthor":
        item["suppress-author"] = True
    elif mode == "AuthorInText":
        item["author-only"] = True
    return item
