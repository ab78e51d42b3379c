"""The DOCX's notes: Word footnotes or endnotes, one reference per note, numbered 1..N in decimal, no restart."""

from __future__ import annotations

import io
import zipfile

from .. import safexml
from ..problems import Problem, shorten
from .handtyped import describe, glued_numbers, superscript_digits
from .rendered import Marker, RenderedNotes
from .text import normalise

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_NS = {"w": W}
# Word's defaults when a document says nothing: footnotes 1, 2, 3; endnotes i, ii, iii.
_DEFAULT_FORMAT = {"footnote": "decimal", "endnote": "lowerRoman"}
_SEPARATORS = {"separator", "continuationSeparator", "continuationNotice"}


def _w(name: str) -> str:
    return f"{{{W}}}{name}"


def _parse(archive: zipfile.ZipFile, member: str):
    try:
        data = archive.read(member)
    except KeyError:
        return None
    return safexml.parse(data)


def _text(element) -> str:
    """Visible text of a run container: w:t, tabs and breaks, without deleted text or note numbers."""
    parts = []
    for node in element.iter(_w("t"), _w("tab"), _w("br"), _w("noBreakHyphen")):
        if any(a.tag == _w("del") for a in node.iterancestors()):
            continue
        if node.tag == _w("t"):
            parts.append(node.text or "")
        elif node.tag == _w("noBreakHyphen"):
            parts.append("-")
        else:
            parts.append(" ")
    return "".join(parts)


def _deleted(element) -> bool:
    return any(a.tag == _w("del") for a in element.iterancestors())


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


def read_docx(data: bytes, name: str) -> tuple[RenderedNotes, list[Problem]]:
    """Read a DOCX's note references and notes (footnotes or endnotes); return them with the problems found."""
    rendered = RenderedNotes(name=name, fmt="docx")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        document = _parse(archive, "word/document.xml")
    except Exception as exc:  # noqa: BLE001 - zipfile and lxml raise several types for damaged input
        return rendered, [Problem(name, None, f"cannot read the DOCX ({exc})")]
    if document is None:
        return rendered, [Problem(name, None, "cannot read the DOCX (no word/document.xml)")]
    try:
        settings = _parse(archive, "word/settings.xml")
        parts = {kind: _parse(archive, f"word/{kind}s.xml") for kind in ("footnote", "endnote")}
    except Exception as exc:  # noqa: BLE001
        return rendered, [Problem(name, None, f"cannot read the DOCX's notes ({exc})")]
    problems: list[Problem] = []

    references = {
        kind: [r for r in document.iter(_w(f"{kind}Reference")) if not _deleted(r)] for kind in ("footnote", "endnote")
    }
    used = [kind for kind in ("footnote", "endnote") if references[kind]]
    if len(used) == 2:
        problems.append(Problem(
            name, None, f"mixes {len(references['footnote'])} footnotes and {len(references['endnote'])} endnotes; "
            "expected one kind of note"
        ))
    kind = used[-1] if used else ("endnote" if parts["endnote"] is not None else "footnote")

    notes = {}
    if parts[kind] is not None:
        for note in parts[kind].iter(_w(kind)):
            if note.get(_w("type")) in _SEPARATORS:
                continue
            notes[note.get(_w("id"))] = note
    elif references[kind]:
        problems.append(Problem(name, None, f"has {kind} references but no word/{kind}s.xml"))
    problems += _match_notes(name, kind, references[kind], notes, rendered)
    if references[kind] or notes:
        problems += _numbering_problems(name, kind, settings, document)
    problems += _typed_numbers(name, document)
    return rendered, problems


def _match_notes(name: str, kind: str, references: list, notes: dict, rendered: RenderedNotes) -> list[Problem]:
    """Number the references 1..N as Word does, record each note's text in `rendered`, and find references to
    missing or shared notes and notes no reference reaches."""
    problems: list[Problem] = []
    first_use: dict[str, int] = {}
    k = 0
    for reference in references:
        ident = reference.get(_w("id"))
        if reference.get(_w("customMarkFollows")) in ("1", "true", "on"):
            problems.append(Problem(
                name, None, f"{kind} w:id={ident}: marker after note {k} is typed by hand (w:customMarkFollows); "
                "expected Word's automatic number"
            ))
            continue
        k += 1
        rendered.markers.append(Marker(k))
        if ident not in notes:
            problems.append(Problem(name, None, f"note {k}: marker refers to {kind} w:id={ident}, which does not exist"))
            continue
        if ident in first_use:
            problems.append(Problem(
                name, None, f"note {k}: marker refers to the same {kind} as note {first_use[ident]} (w:id={ident})"
            ))
        else:
            first_use[ident] = k
        rendered.texts[k] = _note_text(notes[ident], kind)
    for ident, note in notes.items():
        if ident not in first_use:
            problems.append(Problem(
                name, None, f'{kind} w:id={ident} ("{shorten(normalise(_note_text(note, kind)), 40)}") has no marker in the text'
            ))
    return problems


def _note_text(note, kind: str) -> str:
    paragraphs = []
    for paragraph in note.iter(_w("p")):
        paragraphs.append(_text(paragraph))
    return " ".join(paragraphs).strip()


def _superscript(run) -> bool:
    align = run.find("w:rPr/w:vertAlign", _NS)
    return align is not None and align.get(_w("val")) == "superscript"


def _typed_numbers(name: str, document) -> list[Problem]:
    """Superscript digits and digits glued to sentences in the body: note numbers typed by hand."""
    problems = []
    body = document.find("w:body", _NS)
    if body is None:
        return problems
    for number, paragraph in enumerate(body.iter(_w("p")), start=1):
        for run in paragraph.iter(_w("r")):
            if not _superscript(run):
                continue
            if run.find("w:footnoteReference", _NS) is not None or run.find("w:endnoteReference", _NS) is not None:
                continue
            shown = _text(run).strip()
            if shown.isdigit():
                problems.append(Problem(name, None, f'paragraph {number}: superscript "{shown}" typed by hand; expected a Word note reference'))
        # Superscript runs are reported above; the rest of the paragraph is read for digits glued to sentences.
        text = "".join(_text(run) for run in paragraph.iter(_w("r")) if not _superscript(run))
        for typed in glued_numbers(text) + superscript_digits(text):
            problems.append(Problem(name, None, f"paragraph {number}: note number {describe(typed)} typed by hand; expected a Word note reference"))
    return problems
