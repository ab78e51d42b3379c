"""The DOCX's notes: Word footnotes or endnotes, one reference per note, numbered 1..N in decimal, no restart.

A returned DOCX is read in both views of its pending tracked changes: the accepted view is the document the
rules judge; a note deleted or inserted with Track Changes is reported as a pending change (a warning), and
the rejected view (the document before those changes) is what the comparison across formats reads. Messages
say where an editor looks: the note number Word shows (order of the references), the section's heading and
the end of the sentence before the marker; never an XML id. Field codes (the round trip's hidden XE markers,
citation fields' instructions) are never text. Citation fields are judged full or short against citeproc's forms
in the brief's style when check runs inside a brief (forms_of), else by the words of their item data.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from typing import Callable

from .. import safexml
from ..problems import Problem, shorten
from . import revisions
from .chicago import looks_full
from .handtyped import glued_numbers, superscript_digits
from .rendered import Marker, RenderedNotes
from .text import describe_place, normalise, word_changes

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_NS = {"w": W}
# Word's defaults when a document says nothing: footnotes 1, 2, 3; endnotes i, ii, iii.
_DEFAULT_FORMAT = {"footnote": "decimal", "endnote": "lowerRoman"}
_SEPARATORS = {"separator", "continuationSeparator", "continuationNotice"}
_KINDS = ("footnote", "endnote")
_HEADING_NAME = re.compile(r"heading [1-9]")
_END = re.compile(r"[\s.,;]*([\"']?)[\s.,;]*$")


def _w(name: str) -> str:
    return f"{{{W}}}{name}"


_TEXT_TAGS = (_w("t"), _w("tab"), _w("br"), _w("noBreakHyphen"), _w("cr"))
_REFERENCES = {_w("footnoteReference"): "footnote", _w("endnoteReference"): "endnote"}


def _parse(archive: zipfile.ZipFile, member: str):
    try:
        data = archive.read(member)
    except KeyError:
        return None
    return safexml.parse(data)


def _node_text(node) -> str:
    if node.tag == _w("t"):
        return node.text or ""
    return "-" if node.tag == _w("noBreakHyphen") else " "


def _text(element) -> str:
    """Visible text of a run container: w:t, tabs and breaks (no deleted text: views have none)."""
    return "".join(_node_text(node) for node in element.iter(*_TEXT_TAGS))


def _own_runs(paragraph):
    """The paragraph's runs, without those of paragraphs nested in it (text boxes)."""
    for run in paragraph.iter(_w("r")):
        if next(run.iterancestors(_w("p")), None) is paragraph:
            yield run


def _superscript(run) -> bool:
    align = run.find("w:rPr/w:vertAlign", _NS)
    return align is not None and align.get(_w("val")) == "superscript"


def _custom_mark(reference) -> bool:
    return reference.get(_w("customMarkFollows")) in ("1", "true", "on")


def heading_styles(styles) -> set[str]:
    """The paragraph style ids that are headings: named "heading N" or given an outline level."""
    found = set()
    if styles is None:
        return found
    for style in styles.iter(_w("style")):
        name = style.find("w:name", _NS)
        level = style.find("w:pPr/w:outlineLvl", _NS)
        if (name is not None and _HEADING_NAME.fullmatch((name.get(_w("val")) or "").lower())) or (
                level is not None and level.get(_w("val")) not in (None, "9")):
            found.add(style.get(_w("styleId")))
    return found


def _is_heading(paragraph, headings: set[str]) -> bool:
    style = paragraph.find("w:pPr/w:pStyle", _NS)
    level = paragraph.find("w:pPr/w:outlineLvl", _NS)
    return (style is not None and style.get(_w("val")) in headings) or (
        level is not None and level.get(_w("val")) not in (None, "9"))


def _after_note(k: int) -> str:
    return f"after note {k}" if k else "before any note"


@dataclass
class _View:
    """One view of the document read: its notes, where each marker is, the problems, the note ids used."""

    rendered: RenderedNotes
    problems: list[Problem] = field(default_factory=list)
    used: dict[str, int] = field(default_factory=dict)


def _read_view(name: str, kind: str, document, notes: dict, headings: set[str], dropped: set[str]) -> _View:
    """Number the references 1..N as Word does, with where each one is; find references to missing or shared
    notes, notes no reference reaches (except those a pending change removes), and numbers typed by hand."""
    view = _View(RenderedNotes(name=name, fmt="docx"))
    rendered, problems = view.rendered, view.problems
    body = document.find("w:body", _NS)
    heading: str | None = None
    k = 0
    for paragraph in body.iter(_w("p")) if body is not None else ():
        if _is_heading(paragraph, headings):
            heading = _text(paragraph).strip() or heading
            continue
        before = ""
        plain = ""  # the paragraph without superscript runs, for digits glued to a sentence
        numbers: list[tuple[int, int]] = []  # (offset in plain, note number so far)
        for run in _own_runs(paragraph):
            superscript = _superscript(run)
            for node in run:
                if node.tag in _REFERENCES:
                    if _REFERENCES[node.tag] != kind:
                        continue
                    place = describe_place(heading, before)
                    if _custom_mark(node):
                        problems.append(Problem(name, None, f"{place}: a mark typed by hand ({_after_note(k)}); "
                                                "expected Word's automatic note number"))
                        continue
                    k += 1
                    numbers.append((len(plain), k))
                    _record(view, kind, node.get(_w("id")), k, place, before, notes)
                elif node.tag in _TEXT_TAGS:
                    shown = _node_text(node)
                    if superscript and shown.strip().isdigit():
                        problems.append(Problem(name, None, f'{describe_place(heading, before)}: superscript '
                                                f'"{shown.strip()}" typed by hand ({_after_note(k)}); expected a Word note reference'))
                    before += shown
                    if not superscript:
                        plain += shown
        for typed in glued_numbers(plain) + superscript_digits(plain):
            so_far = max((n for offset, n in numbers if offset <= typed.start), default=k - len(numbers))
            problems.append(Problem(name, None, f'{describe_place(heading, plain[:typed.start])}: note number '
                                    f'"{typed.number}" typed by hand ({_after_note(so_far)}); expected a Word note reference'))
    previous = 0
    for ident, note in notes.items():
        if ident in view.used:
            previous = view.used[ident]
        elif ident not in dropped:
            problems.append(Problem(name, None, f"{_after_note(previous)} in the notes: a note that no marker in the "
                                    f"text refers to ({shorten(normalise(_note_text(note)), 40)}); Word and "
                                    "LibreOffice do not show it"))
    return view


def _record(view: _View, kind: str, ident: str | None, k: int, place: str, before: str, notes: dict) -> None:
    rendered = view.rendered
    rendered.markers.append(Marker(k))
    rendered.places[k] = place
    rendered.contexts[k] = before
    if ident not in notes:
        article = "an" if kind[0] in "aeiou" else "a"
        view.problems.append(Problem(rendered.name, None, f"note {k} {place}: the marker refers to {article} {kind} "
                                     f"that word/{kind}s.xml does not hold"))
        return
    if ident in view.used:
        view.problems.append(Problem(rendered.name, None, f"note {k} {place}: the marker refers to the same {kind} "
                                     f"as note {view.used[ident]}"))
        return
    view.used[ident] = k
    rendered.texts[k] = _note_text(notes[ident])


def _note_text(note) -> str:
    return " ".join(_text(paragraph) for paragraph in note.iter(_w("p"))).strip()


def _notes_of(part, kind: str) -> dict:
    if part is None:
        return {}
    return {note.get(_w("id")): note for note in part.iter(_w(kind)) if note.get(_w("type")) not in _SEPARATORS}


def _numbering_problems(name: str, kind: str, settings, document) -> list[Problem]:
    """Decimal numbering from 1, continuous: in settings.xml and in every section's properties."""
    problems = []
    holders = []
    if settings is not None:
        holders += [("settings.xml", el) for el in settings.iter(_w(f"{kind}Pr"))]
    holders += [("section properties", el) for el in document.iter(_w(f"{kind}Pr"))
                if el.getparent() is not None and el.getparent().tag == _w("sectPr")]
    fmt = _DEFAULT_FORMAT[kind]
    for where, holder in holders:
        found = holder.find("w:numFmt", _NS)
        if found is not None:
            fmt = found.get(_w("val"), fmt)
        start = holder.find("w:numStart", _NS)
        if start is not None and start.get(_w("val")) not in ("1", None):
            problems.append(Problem(name, None, f"{kind} numbering starts at {start.get(_w('val'))} (w:numStart in {where}); expected 1"))
        restart = holder.find("w:numRestart", _NS)
        if restart is not None and restart.get(_w("val")) not in ("continuous", None):
            problems.append(Problem(
                name, None, f"{kind} numbering restarts ({restart.get(_w('val'))}, w:numRestart in {where}); expected continuous"
            ))
    if fmt != "decimal":
        problems.append(Problem(name, None, f"{kind} numbering is {fmt}; expected decimal (1, 2, 3)"))
    return problems


@dataclass(frozen=True)
class DocxParts:
    """The parts of a DOCX the note checks read, parsed (None where the package has no such part)."""

    document: object
    settings: object
    styles: object
    notes: dict


def parse_docx(data: bytes, name: str) -> tuple[DocxParts | None, list[Problem]]:
    """The parsed parts of a DOCX, or None and the problem that stopped the reading."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        document = _parse(archive, "word/document.xml")
    except Exception as exc:  # noqa: BLE001 - zipfile and lxml raise several types for damaged input
        return None, [Problem(name, None, f"cannot read the DOCX ({exc})")]
    if document is None:
        return None, [Problem(name, None, "cannot read the DOCX (no word/document.xml)")]
    try:
        parts = DocxParts(document, _parse(archive, "word/settings.xml"), _parse(archive, "word/styles.xml"),
                          {kind: _parse(archive, f"word/{kind}s.xml") for kind in _KINDS})
    except Exception as exc:  # noqa: BLE001
        return None, [Problem(name, None, f"cannot read the DOCX's notes ({exc})")]
    return parts, []


def note_kind(parts: DocxParts) -> tuple[str, list]:
    """The kind of note the document uses ('endnote' or 'footnote') and its references, in every view."""
    references = {kind: list(parts.document.iter(_w(f"{kind}Reference"))) for kind in _KINDS}
    used = [kind for kind in _KINDS if references[kind]]
    kind = used[-1] if used else ("endnote" if parts.notes["endnote"] is not None else "footnote")
    return kind, references[kind]


# Given the cited items (key: CSL itemData), each key's (full, short) form as citeproc writes it in the brief's style.
FormsOf = Callable[[dict[str, dict]], dict[str, tuple[str, str]]]


def read_docx(data: bytes, name: str, forms_of: FormsOf | None = None) -> tuple[RenderedNotes, list[Problem]]:
    """Read a DOCX's note references and notes (footnotes or endnotes); return them with the problems found.
    With forms_of (check run inside a brief), citation fields are judged full or short against citeproc's forms."""
    parts, problems = parse_docx(data, name)
    if parts is None:
        return RenderedNotes(name=name, fmt="docx"), problems
    document = parts.document
    pending = {kind: [r for r in document.iter(_w(f"{kind}Reference"))
                      if getattr(revisions.revision_of(r), "kind", None) != "deleted"] for kind in _KINDS}
    if pending["footnote"] and pending["endnote"]:
        problems.append(Problem(
            name, None, f"mixes {len(pending['footnote'])} footnotes and {len(pending['endnote'])} endnotes; "
            "expected one kind of note"
        ))
    kind, references = note_kind(parts)
    part = parts.notes[kind]
    if part is None and references:
        problems.append(Problem(name, None, f"has {kind} references but no word/{kind}s.xml"))
    headings = heading_styles(parts.styles)
    changes = {ref.get(_w("id")): revisions.revision_of(ref) for ref in references}
    deleted = {i for i, r in changes.items() if r is not None and r.kind == "deleted"}
    inserted = {i for i, r in changes.items() if r is not None and r.kind == "inserted"}
    # The accepted view is the document the rules judge.
    accepted_document = revisions.accepted(document)
    accepted_notes = _notes_of(revisions.accepted(part) if part is not None else None, kind)
    accepted = _read_view(name, kind, accepted_document, accepted_notes, headings, deleted)
    problems += accepted.problems
    fields = citation_fields(accepted_document, accepted_notes, kind, headings)
    problems += check_field_order(name, fields, forms_of(cited_items(fields)) if forms_of and fields else {})
    rendered = accepted.rendered
    if revisions.has_revisions(document) or (part is not None and revisions.has_revisions(part)):
        original = _read_view(name, kind, revisions.rejected(document),
                              _notes_of(revisions.rejected(part) if part is not None else None, kind), headings, inserted)
        rendered.original = original.rendered
        problems += _pending(name, kind, references, changes, accepted, original, _notes_of(part, kind))
    if references or _notes_of(part, kind):
        problems += _numbering_problems(name, kind, parts.settings, document)
    return rendered, problems


def _pending(name: str, kind: str, references: list, changes: dict, accepted: _View, original: _View,
             notes: dict) -> list[Problem]:
    """Warnings for notes deleted or inserted with Track Changes and not yet accepted or rejected, and for
    tracked edits inside a note's text; a note moved with tracking (deleted here, inserted there) is neither."""
    problems = []
    moved = {i for i, r in changes.items() if r is not None and r.kind == "deleted"} & {
        i for i, r in changes.items() if r is not None and r.kind == "inserted"}
    numbers = {"deleted": 0, "inserted": 0}  # the note number in the original view, and in the accepted one
    for reference in references:
        if _custom_mark(reference):
            continue
        change = revisions.revision_of(reference)
        ident = reference.get(_w("id"))
        if change is None or change.kind == "deleted":
            numbers["deleted"] += 1
        if change is None or change.kind == "inserted":
            numbers["inserted"] += 1
        if change is None or ident in moved:
            continue
        view = original if change.kind == "deleted" else accepted
        k = numbers[change.kind]
        text = shorten(normalise(view.rendered.texts.get(k, "")), 40)
        what = "accepting it removes the note" if change.kind == "deleted" else "a new note"
        problems.append(Problem(name, None, f"note {k} {view.rendered.places.get(k, '')}: {change.describe()}, "
                                f"not yet accepted or rejected; {what} ({text})", severity="warning"))
    for ident, k in accepted.used.items():
        note = notes.get(ident)
        before = original.used.get(ident)
        if note is None or before is None or not revisions.has_revisions(note):
            continue
        old, new = original.rendered.texts.get(before, ""), accepted.rendered.texts.get(k, "")
        if normalise(old) == normalise(new):
            continue
        change = _first_change(note)
        problems.append(Problem(name, None, f"note {k} {accepted.rendered.places.get(k, '')}: its text was "
                                f"{_edited(change)}, not yet accepted or rejected: {word_changes(old, new)}",
                                severity="warning"))
    return problems


def _first_change(note) -> revisions.Revision | None:
    for node in note.iter(_w("t"), _w("delText")):
        change = revisions.revision_of(node)
        if change is not None:
            return change
    return None


def _edited(change: revisions.Revision | None) -> str:
    who = "" if change is None else (f" by {change.author}" if change.author else "") + (
        f" on {change.date}" if change.date else "")
    return f"edited with Track Changes{who}"


# Word citation fields (Zotero's and Mendeley's shape, which Pandoc's docx reader understands):
# ADDIN CSL_CITATION {json} or ADDIN ZOTERO_ITEM CSL_CITATION {json} around the runs that show the citation.
_CITATION = re.compile(r"^\s*ADDIN\s+(?:ZOTERO_ITEM\s+)?CSL_CITATION\s+(\{.*\})\s*$", re.S)


@dataclass(frozen=True)
class CitationField:
    """A citation field as the reader meets it: its note (0 in the body), where it is, its CSL items (key and
    itemData), the text it shows, and its CSL citation items (prefix, suffix, locator), one per item."""

    note: int
    place: str
    items: tuple[tuple[str, dict], ...]
    text: str
    cited: tuple[dict, ...] = ()


def _field_events(container, kind: str):
    """Field marks, instruction text, visible text and note references of `container`, in document order."""
    for node in container.iter(_w("fldChar"), _w("instrText"), _w("fldSimple"), _w(f"{kind}Reference"), *_TEXT_TAGS):
        yield node


def _fields_in(container, kind: str, on_reference, note: int, place_of) -> list[CitationField]:
    found: list[CitationField] = []
    stack: list[dict] = []
    before = ""
    for node in _field_events(container, kind):
        if node.tag == _w("fldChar"):
            mark = node.get(_w("fldCharType"))
            if mark == "begin":
                stack.append({"instr": "", "result": "", "shown": False, "place": place_of(before)})
            elif mark == "separate" and stack:
                stack[-1]["shown"] = True
            elif mark == "end" and stack:
                field = stack.pop()
                found += _citation(field["instr"], field["result"], note, field["place"])
        elif node.tag == _w("instrText"):
            if stack:
                stack[-1]["instr"] += node.text or ""
        elif node.tag == _w("fldSimple"):
            found += _citation(node.get(_w("instr")) or "", _text(node), note, place_of(before))
        elif node.tag == _w(f"{kind}Reference"):
            if not _custom_mark(node):
                found += on_reference(node, before)
        else:
            shown = _node_text(node)
            before += shown
            for field in stack:
                if field["shown"]:
                    field["result"] += shown
    return found


def _citation(instruction: str, result: str, note: int, place: str) -> list[CitationField]:
    match = _CITATION.match(instruction)
    if match is None:
        return []
    try:
        data = json.loads(match.group(1))
        cited = tuple(item for item in data["citationItems"] if isinstance(item, dict))
        items = tuple((str(item["id"]), item.get("itemData") or {}) for item in cited)
    except (ValueError, KeyError, TypeError, AttributeError):
        return []
    return [CitationField(note, place, items, result, cited)]


def citation_fields(document, notes: dict, kind: str, headings: set[str]) -> list[CitationField]:
    """Every citation field in reading order: the body's, and each note's where its reference stands."""
    found: list[CitationField] = []
    body = document.find("w:body", _NS)
    counter = {"k": 0}
    heading: str | None = None
    for paragraph in body.iter(_w("p")) if body is not None else ():
        if _is_heading(paragraph, headings):
            heading = _text(paragraph).strip() or heading
            continue
        if next(paragraph.iterancestors(_w("p")), None) is not None:
            continue

        def on_reference(reference, before: str, heading=heading) -> list[CitationField]:
            counter["k"] += 1
            k = counter["k"]
            note = notes.get(reference.get(_w("id")))
            if note is None:
                return []
            place = f"note {k} {describe_place(heading, before)}"
            return _fields_in(note, kind, lambda r, b: [], k, lambda b: place)

        found += _fields_in(paragraph, kind, on_reference, 0,
                            lambda b, heading=heading: describe_place(heading, b))
    return found


def _forms(item: dict) -> tuple[str, str]:
    """What only a full note says of a CSL item, and what its short note says (author, short title)."""
    names = item.get("author") or item.get("editor") or []
    names = [n for n in names if isinstance(n, dict)]
    family = " ".join(str(n.get("family") or n.get("literal") or "") for n in names)
    given = " ".join(str(n.get("given") or "") for n in names)
    title = str(item.get("title") or "")
    short = str(item.get("title-short") or item.get("shortTitle") or title)
    issued = item.get("issued") or {}
    year = ""
    if isinstance(issued, dict) and issued.get("date-parts"):
        try:
            year = str(issued["date-parts"][0][0])
        except (IndexError, KeyError, TypeError):
            year = ""
    full = " ".join(str(x) for x in (given, family, title, item.get("container-title") or "",
                                     item.get("publisher") or "", item.get("publisher-place") or "", year,
                                     item.get("URL") or "", item.get("DOI") or ""))
    return full, f"{family} {short}"


def cited_items(fields: list[CitationField]) -> dict[str, dict]:
    """Each key's CSL item data, from its first citation field."""
    items: dict[str, dict] = {}
    for field in fields:
        for key, item in field.items:
            if isinstance(item, dict):
                items.setdefault(key, item)
    return items


def _segments(field: CitationField) -> list[str]:
    # A field with several items shows them joined by "; "; when the count matches, each part is one item.
    parts = field.text.split("; ")
    return parts if len(parts) == len(field.items) else [field.text] * len(field.items)


def _bare(text: str, cited: dict) -> str:
    """The text of one citation without what its citation adds to the entry's form (prefix, suffix or locator),
    its final punctuation, quote and dash styles, for comparing with citeproc's form."""
    text = normalise(text)
    prefix, suffix = normalise(str(cited.get("prefix") or "")), normalise(str(cited.get("suffix") or ""))
    locator = str(cited.get("locator") or "")
    if prefix and text.startswith(prefix):
        text = text[len(prefix):].lstrip()
    if suffix and suffix in text:
        text = text.replace(suffix, "", 1)
    elif locator and f", {locator}" in text:
        text = text.replace(f", {locator}", "", 1)
    return _unended(text)


def _unended(text: str) -> str:
    # Without the final punctuation, also where Chicago puts it inside a closing quote (a segment of a field
    # with several items ends before the "; " that joins them: 'Berg, "Framework"' is 'Berg, "Framework."').
    return _END.sub(r"\1", normalise(text))


def judge_form(segment: str, cited: dict, item: dict, forms: tuple[str, str] | None) -> bool | None:
    """True if a field's text for one item is its full form, False if its short form, None if it cannot be told
    (an empty result: nothing shown). Citeproc's forms decide when given: the same text, else the words only the
    full form has; the item data's words only when there are no forms."""
    if not normalise(segment).strip(" .,;"):
        return None
    if forms is None:
        return looks_full(segment, *_forms(item))
    bare = _bare(segment, cited)
    full, short = (_unended(form) for form in forms)
    if bare == full != short:
        return True
    if bare == short != full:
        return False
    return looks_full(segment, *forms)


def check_field_order(name: str, fields: list[CitationField],
                      forms: dict[str, tuple[str, str]] | None = None) -> list[Problem]:
    """Chicago's order on the citation fields: each key's first citation full, every later one short; `forms`
    holds citeproc's (full, short) of each key where the brief's style is at hand."""
    problems = []
    forms = forms or {}
    first: dict[str, tuple[str, bool | None]] = {}
    for field in fields:
        where = field.place if field.note else f"a citation {field.place}"
        cited = field.cited if len(field.cited) == len(field.items) else ({},) * len(field.items)
        for (key, item), segment, one in zip(field.items, _segments(field), cited):
            if not normalise(segment).strip(" .,;"):
                continue  # a field that shows nothing (LibreOffice empties an outer field of two nested) cites nothing
            full = judge_form(segment, one, item, forms.get(key))
            label = f"note {field.note}" if field.note else "the body"
            if key not in first:
                first[key] = (label, full)
                if full is False:
                    problems.append(Problem(name, None, f"{where}: first citation of @{key} is in short form; "
                                            "expected the full form"))
            elif full is True and first[key][1] is not False and first[key][0] != label:
                problems.append(Problem(name, None, f"{where}: @{key} is cited in full again (first in "
                                        f"{first[key][0]}); expected the short form"))
    return problems
