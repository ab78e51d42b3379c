"""`import`: an edited DOCX back into the brief's section files.

Pandoc's docx reader (`-f docx+citations+styles`) reads the DOCX (tracked changes accepted; a second reading with
`--track-changes=all` finds what is pending); this module works on its JSON AST:
1. the markers (roundtrip.markers) split the body into the section files and give headings their ids back; the
   title block and the notes heading the build added are left out;
2. styles the build wrote (Body Text, Compact, the notes' own) are dropped, the brand's block styles (a pull quote,
   the executive summary) become their fenced divs (`::: pull-quote`), with the attributes their block markers
   carry (`edited=true`);
3. a note that holds nothing but a citation field is the note citeproc made: it becomes the citation again, with
   the source's space and punctuation back; every citation takes its keys, prefix, suffix and mode from its
   field's JSON (roundtrip.wordfields);
4. roundtrip.canonical writes each section.
What the editor changed that the sources cannot say is reported: a citation whose visible text differs from
what was sent, a cited key references.yaml does not have (with the entry to add), pending changes and comments.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import yaml

from ..blocks import BLOCKS
from ..document import plain_text
from ..pandoc import run_pandoc
from ..problems import WARNING, Problem
from ..sections import SECTION_NAME
from . import markers
from .canonical import LABEL, write_sections
from .wordfields import CitationField, citation_fields, unwrap_fields

READER = "docx+citations+styles"
# A Div style is kept only when it is a brand block's (blocks.BLOCKS); the rest are the writer's own (First
# Paragraph, Body Text, Compact, endnote text, ...) and go. A paragraph style named after one of the brand's with
# " List" appended is that style on a list (docx.finish.summary_lists).
LIST_SUFFIX = " List"
_MODES = {"suppress-author": "SuppressAuthor", "author-only": "AuthorInText"}
# What a marker may name: the DOCX comes from outside, and a name becomes a path, an id or a note label.
_HEADING_ID = re.compile(r"^[A-Za-z0-9_][\w.:-]*$")
_NOTE_LABEL = re.compile(r"^[\w.:-]+$")
_ATTRIBUTE_KEY = re.compile(r"^[A-Za-z_][\w.:-]*$")
# The key on a div of the AST (taken off by _merge_divs) that says a block marker starts it.
_STARTS = "qibrief-starts"


@dataclass(frozen=True)
class Imported:
    """The imported sections (file name -> text), what the import reports, and the CriticMarkup per section."""

    sections: dict[str, str]
    problems: tuple[Problem, ...]
    review: dict[str, str]


@dataclass(frozen=True)
class Brief:
    """What the import needs to know of the brief: the brand's block styles (Word style -> the div's attributes),
    the keys of references.yaml, the notes heading, Pandoc's API version, where section files are shown."""

    styles: dict[str, list]
    keys: frozenset[str]
    notes_heading: str
    api_version: list[int]
    content_display: str
    cwd: Path
    # The title page's text by paragraph style (docx.finish.title_block), as metadata.yaml gives it.
    title_page: tuple[tuple[str, str], ...] = ()
    metadata_display: str = "content/metadata.yaml"


def read_docx(data: bytes, track_changes: str, cwd: Path) -> dict:
    """Pandoc's reading of a DOCX (fields unwrapped first), as its JSON AST."""
    run = run_pandoc(["--from", READER, "--to", "json", f"--track-changes={track_changes}"], stdin=data, cwd=cwd,
                     warnings_fail=False, what="reading the DOCX")
    return json.loads(run.output)


def import_docx(data: bytes, brief: Brief, *, review: bool = False) -> Imported:
    """The sections an edited DOCX holds, in canonical form, with the report; CriticMarkup too when review."""
    data = unwrap_fields(data)
    fields = citation_fields(data)
    problems: list[Problem] = []
    tree = read_docx(data, "accept", brief.cwd)
    problems.extend(_title_page_edits(tree["blocks"], brief))
    sections = _sections(tree["blocks"], brief, fields, problems)
    cites: dict[str, list[_Sent]] = {}
    for name, blocks in sections.items():
        _take_citations(blocks, cites.setdefault(name, []))
    names = list(sections)
    texts = write_sections([sections[n] for n in names], brief.api_version, labels=[_label(n) for n in names],
                           cwd=brief.cwd)
    imported = dict(zip(names, texts))
    for name, text in imported.items():
        problems.extend(_citation_problems(f"{brief.content_display}/{name}", text, cites[name], brief.keys))
    pending = read_docx(data, "all", brief.cwd)
    problems.extend(_listed(_pending(pending), imported, brief))
    critic: dict[str, str] = {}
    if review:
        marked = _sections(_critic_markup(pending["blocks"]), brief, fields, [])
        for blocks in marked.values():
            _take_citations(blocks, [])
        written = write_sections([marked[n] for n in marked], brief.api_version, labels=[_label(n) for n in marked],
                                 cwd=brief.cwd)
        critic = {name: text for name, text in zip(marked, written) if text != imported.get(name)}
    return Imported(sections=imported, problems=tuple(problems), review=critic)


def _label(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 2 else name


# 1. Sections

def _sections(blocks: list, brief: Brief, fields: list[CitationField], problems: list[Problem]) -> dict[str, list]:
    """The body's blocks by section file, from the first section marker on (the title block is the build's)."""
    blocks = _flatten_markers(blocks)
    _restore_citations(blocks, fields)
    out: dict[str, list] = {}
    current: str | None = None
    for block in blocks:
        name = _section_marker(block)
        if name is not None and not SECTION_NAME.match(name):
            problems.append(Problem("(DOCX)", None, f"a section marker names {name!r}, not a section file name "
                                                   "(NN.name.md); its text went into the section before it"))
        elif name is not None:
            if name in out and name != current:
                problems.append(Problem(f"{brief.content_display}/{name}", None, "its start marker is in the DOCX "
                                        "twice (a heading or first paragraph copied?): both parts were joined",
                                        WARNING))
            current = name
            out.setdefault(current, [])
        if current is not None:
            out[current].append(block)
    if not out:
        return out
    last = out[current]
    if last and last[-1]["t"] == "Header" and plain_text(last[-1]["c"][2], raw=False).strip() == brief.notes_heading:
        last.pop()  # the notes heading the build adds (docx.finish.notes_heading)
    return {name: _clean_blocks(section, brief) for name, section in out.items()}


def _title_page_edits(blocks: list, brief: Brief) -> list[Problem]:
    """The title page is the build's, from metadata.yaml: text an editor changed there is reported, not imported."""
    problems = []
    for block in _flatten_markers(blocks):
        if _section_marker(block) is not None:
            break
        if block["t"] != "Div":
            continue
        style = dict(block["c"][0][2]).get("custom-style")
        expected = dict(brief.title_page).get(style or "")
        received = re.sub(r"\s+", " ", plain_text(block["c"][1], raw=False)).strip()
        if expected is not None and received != re.sub(r"\s+", " ", expected).strip():
            problems.append(Problem(brief.metadata_display, None, f"the title page's {style.lower()} was changed in "
                                                                   f"the DOCX to \"{received}\" (metadata.yaml has "
                                                                   f"\"{expected}\"); the title page is not imported: "
                                                                   "change metadata.yaml", WARNING))
    return problems


def _flatten_markers(node):
    # Pandoc's reader nests an index-entry field that follows another inside the first one's Span.
    if isinstance(node, list):
        out = []
        for child in node:
            if isinstance(child, dict) and markers.is_indexref(child):
                attr, content = child["c"]
                out.append({"t": "Span", "c": [attr, []]})
                out.extend(_flatten_markers(content))
            else:
                out.append(_flatten_markers(child))
        return out
    if isinstance(node, dict) and "c" in node:
        return {**node, "c": _flatten_markers(node["c"])}
    return node


def _markers_in(node) -> Iterator[markers.Marker]:
    if isinstance(node, list):
        for child in node:
            yield from _markers_in(child)
    elif isinstance(node, dict):
        found = markers.parse_marker(node)
        if found is not None:
            yield found
        elif node.get("t") != "Note" and "c" in node:
            yield from _markers_in(node["c"])


def _section_marker(block: dict) -> str | None:
    for found in _markers_in(block):
        if found.kind == markers.SECTION and found.words:
            return found.words[0]
    return None


# 2. Styles, markers and notes

def _clean_blocks(blocks: list, brief: Brief) -> list:
    out: list = []
    for block in blocks:
        out.extend(_clean_block(block, brief))
    return _merge_divs(out)


def _clean_block(block: dict, brief: Brief) -> list:
    kind = block["t"]
    if kind == "Div":
        attr, content = block["c"]
        style = dict(attr[2]).get("custom-style")
        inner = _clean_blocks(content, brief)
        if style in brief.styles:
            return [_block_div(style, content, inner, brief)]
        if style and style.endswith(LIST_SUFFIX) and style[: -len(LIST_SUFFIX)] in brief.styles:
            return [{"t": "Plain", "c": b["c"]} if b["t"] == "Para" else b for b in inner]
        return inner
    if kind in ("Para", "Plain"):
        inlines = _clean_inlines(block["c"], brief)
        return [{"t": kind, "c": inlines}] if inlines else []
    if kind == "Header":
        level, (ident, classes, attrs), inlines = block["c"]
        for found in _markers_in(inlines):
            if found.kind == markers.HEADING and found.words and _HEADING_ID.match(found.words[0]):
                ident = found.words[0]
        return [{"t": "Header", "c": [level, [ident, classes, attrs], _clean_inlines(inlines, brief)]}]
    if kind == "BulletList":
        items = [_clean_blocks(item, brief) for item in block["c"]]
        return [_styled_list({"t": kind, "c": items}, block["c"], brief)]
    if kind == "OrderedList":
        items = [_clean_blocks(item, brief) for item in block["c"][1]]
        return [_styled_list({"t": kind, "c": [block["c"][0], items]}, block["c"][1], brief)]
    if kind == "BlockQuote":
        return [{"t": kind, "c": _clean_blocks(block["c"], brief)}]
    return [block]


def _styled_list(cleaned: dict, items: list, brief: Brief) -> dict:
    # A list whose every item is in "<brief style> List" belongs to that style's div (the executive summary).
    styles = {dict(b["c"][0][2]).get("custom-style") for item in items for b in item if b["t"] == "Div"}
    if len(styles) == 1 and all(item and all(b["t"] == "Div" for b in item) for item in items):
        style = styles.pop() or ""
        base = style[: -len(LIST_SUFFIX)] if style.endswith(LIST_SUFFIX) else None
        if base in brief.styles:
            return _block_div(base, items[0], [cleaned], brief)
    return cleaned


def _block_div(style: str, received: list, inner: list, brief: Brief) -> dict:
    """The fenced div of a brand block's paragraph: the attributes its block marker gives (docx.citations
    _mark_blocks) when it starts a block, else the style's class (a paragraph that continues the block before)."""
    attr = brief.styles[style]
    found = next((m for m in _markers_in(received[:1]) if m.kind == markers.BLOCK), None)
    if found is None:
        return {"t": "Div", "c": [attr, inner]}
    marked = markers.parse_attr(found.words)
    ident, classes, pairs = marked
    if set(attr[1]) <= set(classes) and (not ident or _HEADING_ID.match(ident)) and \
            all(_ATTRIBUTE_KEY.match(key) for key, _ in pairs):
        attr = marked  # else the paragraph was restyled, or the marker is not ours: the style says what it is
    return {"t": "Div", "c": [attr, inner], _STARTS: True}


def _merge_divs(blocks: list) -> list:
    # Pandoc's reader gives each paragraph of a styled block its own Div. And LibreOffice saves an ordered list
    # as two numberings (the first item's restarts), which the reader reads as two lists; Markdown cannot write
    # two lists of one kind one after the other (Pandoc's writer separates them with an HTML comment): merged.
    # A block marker starts a new div (two pull quotes in a row stay two).
    out: list = []
    for block in blocks:
        previous = out[-1] if out else None
        starts = block.pop(_STARTS, False) if block["t"] == "Div" else False
        if previous and block["t"] == "Div" and previous["t"] == "Div" and not starts and \
                _brand(previous) == _brand(block):
            out[-1] = {"t": "Div", "c": [previous["c"][0], _merge_divs(previous["c"][1] + block["c"][1])]}
        elif previous and block["t"] == previous["t"] == "BulletList":
            out[-1] = {"t": "BulletList", "c": previous["c"] + block["c"]}
        elif (previous and block["t"] == previous["t"] == "OrderedList"
              and previous["c"][0][1:] == block["c"][0][1:]):
            out[-1] = {"t": "OrderedList", "c": [previous["c"][0], previous["c"][1] + block["c"][1]]}
        else:
            out.append(block)
    return out


def _brand(div: dict) -> str | None:
    return next((name for name in div["c"][0][1] if name in BLOCKS), None)


def block_styles() -> dict[str, list]:
    """Each brand block's Word style and the attributes of its div as authors write it (the class alone)."""
    return {style: ["", [name], []] for name, style in BLOCKS.items()}


def _clean_inlines(inlines: list, brief: Brief) -> list:
    out: list = []
    for inline in inlines:
        kind = inline["t"]
        if markers.is_indexref(inline):
            continue  # markers (and index entries an editor made) are not text
        if kind == "Span":
            attr, content = inline["c"]
            style = dict(attr[2]).get("custom-style")
            if style is not None and style not in brief.styles:
                out.extend(_clean_inlines(content, brief))
                continue
            out.append({"t": "Span", "c": [attr, _clean_inlines(content, brief)]})
        elif kind == "Note":
            note = {"t": "Note", "c": _clean_blocks(inline["c"], brief)}
            label = next((m.words[0] for m in _markers_in(inline["c"]) if m.kind == markers.NOTE and m.words), None)
            if label and _NOTE_LABEL.match(label):
                note[LABEL] = label
            out.append(note)
        elif kind in ("Emph", "Strong", "Underline", "Strikeout", "Superscript", "Subscript", "SmallCaps"):
            out.append({"t": kind, "c": _clean_inlines(inline["c"], brief)})
        elif kind in ("Link", "Image"):
            attr, content, target = inline["c"]
            out.append({"t": kind, "c": [attr, _clean_inlines(content, brief), target]})
        elif kind == "Quoted":
            out.append({"t": kind, "c": [inline["c"][0], _clean_inlines(inline["c"][1], brief)]})
        else:
            out.append(inline)
    return _trim(out)


def _trim(inlines: list) -> list:
    while inlines and (inlines[0]["t"] == "Space" or inlines[0] == {"t": "Str", "c": ""}):
        inlines = inlines[1:]
    while inlines and (inlines[-1]["t"] == "Space" or inlines[-1] == {"t": "Str", "c": ""}):
        inlines = inlines[:-1]
    return inlines


# 3. Citations

def _restore_citations(blocks: list, fields: list[CitationField]) -> None:
    """Give every citation its field's data, and turn each note that is only a citation back into the citation."""
    queue = list(fields)

    def take(keys: tuple[str, ...]) -> CitationField | None:
        for index, candidate in enumerate(queue[:8]):
            if candidate.keys == keys:
                del queue[: index + 1]
                return candidate
        return None

    def visit(node):
        if isinstance(node, list):
            changed = False
            for index, child in enumerate(node):
                if isinstance(child, dict) and child.get("t") == "Note":
                    visit(child["c"])
                    cite, placement = _only_citation(child["c"])
                    if cite is not None:
                        node[index] = cite
                        changed = True
                        cite["qibrief-placement"] = placement
                elif isinstance(child, dict) and child.get("t") == "Cite":
                    _fill(child, take(tuple(c["citationId"] for c in child["c"][0])))
                else:
                    visit(child)
            if changed:
                _place(node)
        elif isinstance(node, dict) and "c" in node:
            visit(node["c"])

    visit(blocks)


def _only_citation(blocks: list) -> tuple[dict | None, str]:
    """The citation a note holds and nothing else (the note citeproc made), and its placement marker."""
    if len(blocks) != 1 or blocks[0]["t"] not in ("Para", "Plain"):
        if len(blocks) == 1 and blocks[0]["t"] == "Div":
            return _only_citation(blocks[0]["c"][1])
        return None, ""
    placement = ""
    rest = []
    for inline in blocks[0]["c"]:
        found = markers.parse_marker(inline)
        if found is not None and found.kind == markers.CITE:
            placement = found.words[1] if len(found.words) > 1 else ""
        elif inline["t"] == "Space" or inline == {"t": "Str", "c": ""} or _is_note_number(inline):
            continue
        else:
            rest.append(inline)
    if len(rest) == 1 and rest[0]["t"] == "Cite":
        return rest[0], placement
    return None, ""


def _is_note_number(inline: dict) -> bool:
    return inline["t"] == "Span" and not inline["c"][1] and "custom-style" in dict(inline["c"][0][2])


def _fill(cite: dict, found: CitationField | None) -> None:
    """Annotate a citation with its field's data (taken off again by _take_citations), and take the keys,
    prefixes, suffixes and modes from the field's JSON; without it, the reader's stay."""
    received = re.sub(r"\s+", " ", plain_text(cite["c"][1], raw=False)).strip()
    cite["qibrief-received"] = received
    if found is None or found.data is None:
        return
    sent = re.sub(r"\s+", " ", str((found.data.get("properties") or {}).get("formattedCitation") or "")).strip()
    cite["qibrief-sent"] = sent
    cite["qibrief-ours"] = str(found.data.get("citationID", "")).startswith("qibrief-")
    cite["qibrief-items"] = found.data.get("citationItems") or []
    cite["c"][0] = [_citation(item, old) for item, old in zip(found.data["citationItems"], cite["c"][0])]


def _words(text: str) -> list:
    out: list = []
    for index, word in enumerate(text.split(" ")):
        if index:
            out.append({"t": "Space"})
        if word:
            out.append({"t": "Str", "c": word})
    return out


def _citation(item: dict, old: dict) -> dict:
    """A Pandoc citation from one CSL citation item: Pandoc's own suffix when the field has it."""
    suffix = item.get("suffix")
    if suffix is None and item.get("locator"):
        label = item.get("label")
        suffix = f", {label + ' ' if label and label != 'page' else ''}{item['locator']}"
    mode = next((m for key, m in _MODES.items() if item.get(key)), "NormalCitation")
    return {**old, "citationId": str(item.get("id") or old["citationId"]),
            "citationPrefix": _words(str(item.get("prefix") or "")),
            "citationSuffix": _words(str(suffix or "")), "citationMode": {"t": mode}}


def _place(inlines: list) -> None:
    """Put back the space and punctuation citeproc took from around each citation it made a note of."""
    index = 0
    while index < len(inlines):
        inline = inlines[index]
        placement = inline.pop("qibrief-placement", None) if inline.get("t") == "Cite" else None
        if not placement:
            index += 1
            continue
        spaced, punct = placement[0] == markers.SPACE, placement[1:]
        before = inlines[index - 1] if index else None
        if punct and before is not None and before["t"] == "Str":
            found = re.search(re.escape(punct) + r"([”’\"')\]]*)$", before["c"])
            if found:
                before["c"] = before["c"][: found.start()] + found.group(1)
                inlines.insert(index + 1, {"t": "Str", "c": punct})
        if spaced and index and inlines[index - 1]["t"] != "Space":
            inlines.insert(index, {"t": "Space"})
            index += 1
        index += 1


# The report

@dataclass(frozen=True)
class _Sent:
    """A citation as the import found it: keys, the text sent and received, whether the build made it, items."""

    keys: tuple[str, ...]
    sent: str
    received: str
    ours: bool
    items: list


def _take_citations(node, found: list[_Sent]) -> None:
    """Collect each citation's annotations (in reading order) and remove them from the AST."""
    if isinstance(node, list):
        for child in node:
            _take_citations(child, found)
    elif isinstance(node, dict):
        if node.get("t") == "Cite":
            found.append(_Sent(tuple(c["citationId"] for c in node["c"][0]), node.pop("qibrief-sent", ""),
                               node.pop("qibrief-received", ""), node.pop("qibrief-ours", False),
                               node.pop("qibrief-items", [])))
            node.pop("qibrief-placement", None)
        elif "c" in node:
            _take_citations(node["c"], found)


def _cite_lines(text: str, cites: list[_Sent]) -> list[int | None]:
    """The line of each citation in a written section, found in order by its first key."""
    lines, position = [], 0
    for cite in cites:
        if not cite.keys:
            lines.append(None)
            continue
        found = re.compile(r"@\{?" + re.escape(cite.keys[0]) + r"\b").search(text, position)
        if found is None:
            lines.append(None)
            continue
        position = found.end()
        lines.append(text.count("\n", 0, found.start()) + 1)
    return lines


def _citation_problems(display: str, text: str, cites: list[_Sent], keys: frozenset[str]) -> list[Problem]:
    problems = []
    for cite, line in zip(cites, _cite_lines(text, cites)):
        shown = "; ".join("@" + key for key in cite.keys)
        if cite.ours and cite.sent and cite.sent != cite.received:
            problems.append(Problem(display, line, f"citation [{shown}]: its text was changed in the DOCX (sent "
                                                   f"\"{cite.sent}\", received \"{cite.received}\"); citeproc writes "
                                                   "it: change the citation's locator or suffix in the source instead",
                                    WARNING))
        for key in cite.keys:
            if key in keys:
                continue
            data = next((item.get("itemData") for item in cite.items if isinstance(item, dict)
                         and (item.get("id") == key or (item.get("itemData") or {}).get("id") == key)), None)
            if isinstance(data, dict) and data:
                entry = yaml.safe_dump([{"id": key, **{k: v for k, v in data.items() if k != "id"}}],
                                       allow_unicode=True, sort_keys=False, width=1000)
                entry = "\n".join("  " + line for line in entry.rstrip("\n").splitlines())
                problems.append(Problem(display, line, f"citation @{key} (inserted in the DOCX) is not in "
                                                       f"references.yaml; add this entry under references:\n{entry}"))
            else:
                problems.append(Problem(display, line, f"citation @{key} (inserted in the DOCX) is not in "
                                                       "references.yaml, and its field carries no item data"))
    return problems


# Pending changes and comments

@dataclass(frozen=True)
class Change:
    """A pending tracked change or a comment: what, who, when, in which section, the text before and after it."""

    kind: str
    author: str
    date: str
    section: str
    text: str
    before: str
    after: str

    @property
    def sentence(self) -> str:
        """The sentence around the change, the change in brackets."""
        head = _SENTENCE_END.split(self.before)[-1] if self.before else ""
        tail = _SENTENCE_END.split(self.after)[0] if self.after else ""
        return f"{head} [{self.text}] {tail}".strip()


_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][”’\"]))\s+")
_KINDS = {"insertion": "inserted", "deletion": "deleted", "paragraph-insertion": "inserted paragraph break",
          "paragraph-deletion": "deleted paragraph break", "comment-start": "comment"}


def _pending(tree: dict) -> list[Change]:
    """Every pending change and comment of the DOCX read with --track-changes=all, placed in the body paragraph
    it is in (or whose note it is in)."""
    changes: list[Change] = []
    section = ""
    for block in _flatten_markers(tree["blocks"]):
        name = _section_marker(block)
        if name is not None:
            section = name
        for inlines in _inline_lists(block):
            for index, inline in enumerate(inlines):
                for span in _change_spans(inline):
                    (ident, classes, attrs), content = span["c"]
                    kind = next(c for c in classes if c in _KINDS)
                    text = re.sub(r"\s+", " ", plain_text(content, raw=False)).strip()
                    if not text and kind in ("insertion", "deletion"):
                        continue
                    values = dict(attrs)
                    changes.append(Change(_KINDS[kind], values.get("author", "?"), values.get("date", ""), section,
                                          text, _accepted_text(inlines[:index]), _accepted_text(inlines[index + 1:])))
    return changes


def _inline_lists(node) -> Iterator[list]:
    # Each body paragraph's inlines (its notes are inside them).
    if isinstance(node, dict):
        if node.get("t") in ("Para", "Plain", "Header"):
            yield node["c"][2] if node["t"] == "Header" else node["c"]
        elif "c" in node and node.get("t") not in _INLINE_KINDS:
            yield from _inline_lists(node["c"])
    elif isinstance(node, list):
        for child in node:
            yield from _inline_lists(child)


_INLINE_KINDS = {"Str", "Space", "Cite", "Note", "Span", "Emph", "Strong", "Link", "Quoted"}


def _change_spans(node) -> Iterator[dict]:
    """Every change or comment Span in a node: in notes, citations and emphasis too."""
    if isinstance(node, list):
        for child in node:
            yield from _change_spans(child)
    elif isinstance(node, dict):
        if node.get("t") == "Span" and any(c in _KINDS for c in node["c"][0][1]):
            yield node
        if "c" in node:
            yield from _change_spans(node["c"])


def _accepted_text(inlines: list) -> str:
    """A paragraph's text with deletions left out, notes left out."""
    def keep(node):
        if isinstance(node, list):
            return [keep(child) for child in node if not (isinstance(child, dict) and child.get("t") == "Span"
                                                          and "deletion" in child["c"][0][1])]
        if isinstance(node, dict) and "c" in node and node.get("t") != "Note":
            return {**node, "c": keep(node["c"])}
        return node
    return re.sub(r"\s+", " ", plain_text(keep(inlines), raw=False)).strip()


def _line_for(text: str, change: Change) -> int | None:
    """The line of a written section where the change is: the one holding the text just before it (or, at the
    start of a paragraph, just after it); else the line sharing the most words with the sentence around it."""
    for near, tail in ((change.before, True), (change.after, False)):
        for size in (60, 30, 15):
            if len(near) < size and size != 15:
                continue
            piece = near[-size:] if tail else near[:size]
            found = text.find(piece.strip()) if piece.strip() else -1
            if found >= 0:
                return text.count("\n", 0, found + (len(piece.strip()) if tail else 0)) + 1
    wanted = set(re.findall(r"\w+", change.sentence.lower()))
    scores = [(len(wanted & set(re.findall(r"\w+", line.lower()))), -number)
              for number, line in enumerate(text.splitlines(), start=1)]
    top = max(scores, default=(0, 0))
    return -top[1] if top[0] else None


def _listed(changes: list[Change], sections: dict[str, str], brief: Brief) -> list[Problem]:
    problems = []
    for change in changes:
        text = sections.get(change.section, "")
        line = _line_for(text, change) if text else None
        display = f"{brief.content_display}/{change.section}" if change.section else "(title page)"
        what = f"pending {change.kind}" if change.kind != "comment" else "comment"
        problems.append(Problem(display, line, f"{what} by {change.author}"
                                               f"{' on ' + change.date if change.date else ''}: \"{change.text}\" "
                                               f"in \"{shorten_sentence(change.sentence)}\"", WARNING))
    return problems


def shorten_sentence(text: str, limit: int = 120) -> str:
    """A sentence cut to at most `limit` characters for a one-line report."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


# CriticMarkup

def _critic_markup(node):
    """The AST with pending changes and comments written as CriticMarkup (raw Markdown the writer keeps)."""
    if isinstance(node, list):
        out = []
        for child in node:
            if isinstance(child, dict) and child.get("t") == "Span":
                (ident, classes, attrs), content = child["c"]
                values = dict(attrs)
                who = values.get("author", "?")
                if "insertion" in classes:
                    out += [_raw("{++"), *_critic_markup(content), _raw("++}")]
                    continue
                if "deletion" in classes:
                    out += [_raw("{--"), *_critic_markup(content), _raw("--}")]
                    continue
                if "comment-start" in classes:
                    out += [_raw("{>>" + who + ": " + re.sub(r"\s+", " ", plain_text(content, raw=False)).strip() + "<<}"), _raw("{==")]
                    continue
                if "comment-end" in classes:
                    out.append(_raw("==}"))
                    continue
                if "paragraph-insertion" in classes or "paragraph-deletion" in classes:
                    continue
            out.append(_critic_markup(child))
        return out
    if isinstance(node, dict) and "c" in node:
        return {**node, "c": _critic_markup(node["c"])}
    return node


def _raw(text: str) -> dict:
    return {"t": "RawInline", "c": ["markdown", text]}
